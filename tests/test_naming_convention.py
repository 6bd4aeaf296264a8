"""The naming convention (CONTRIBUTING, "Naming convention") holds across the public API.

Issue #15: one name per concept. A public function or method of the statistics packages
that takes a retired argument name (the count is ``x``, the denominator ``n``, separate
results ``group_by``, polarity ``polarity=``) fails here, naming the function, so the
convention cannot drift back one function at a time.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

#: Retired argument names, with the name that replaced each.
RETIRED = {
    "numerator": "x",
    "denominator": "n",
    "deaths": "x",
    "outcome": "x",
    "events": "x",
    "population": "n",
    "trials": "n",
    "by": "group_by",
    "subgroup": "quantile or category",
    "compare": "category",
    "invert": "polarity",
    "favourable": "polarity",
}
#: Deliberate exceptions (CONTRIBUTING says why): the life-table building blocks take arrays
#: of life-table quantities, and a dataset's tables are named after what they hold.
EXCEPTIONS = {
    "analysis.measures.life_expectancy.chiang_life_table",
    "analysis.measures.life_expectancy.LifeTable.__init__",
    "analysis.measures.life_expectancy.BandedData.__init__",
    "analysis.data.dataset.Dataset.__init__",
    "analysis.data.dataset.SyntheticPopulation.__init__",
    "analysis.data.recording.add_recording",
}
PACKAGES = ["measures", "inequality", "models", "segmentation", "data", "report"]


def public_callables(package: str):
    root = importlib.import_module(f"analysis.{package}")
    modules = [root] + [
        importlib.import_module(f"analysis.{package}.{info.name}")
        for info in pkgutil.iter_modules(root.__path__)
        if not info.name.startswith("_") and info.name != "__main__"
    ]
    for module in modules:
        for name, obj in vars(module).items():
            home = getattr(obj, "__module__", "") or ""
            if name.startswith("_") or not home.startswith(f"analysis.{package}"):
                continue
            if any(part.startswith("_") for part in home.split(".")):
                continue  # private modules' helpers are reached through public functions
            if inspect.isfunction(obj):
                yield f"{home}.{name}", obj
            elif inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if inspect.isfunction(member) and (attr == "__init__" or attr[0] != "_"):
                        yield f"{home}.{name}.{attr}", member


def retired_arguments(package: str) -> dict[str, list[str]]:
    found = {}
    for qualified, function in public_callables(package):
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):
            continue
        retired = sorted(set(parameters) & set(RETIRED))
        if retired and qualified not in EXCEPTIONS:
            found[qualified] = retired
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_public_functions_take_the_conventions_names(package):
    found = retired_arguments(package)
    assert not found, "\n".join(
        f"{name}: {', '.join(f'{a} (use {RETIRED[a]})' for a in args)}"
        for name, args in sorted(found.items())
    )


def test_the_check_finds_a_retired_name(monkeypatch):
    """The check can fail: a public function taking ``numerator`` is reported."""
    module = importlib.import_module("analysis.measures.rates")

    def legacy_rate(data, numerator, n):  # a function as the convention retired it
        return data

    legacy_rate.__module__ = module.__name__
    monkeypatch.setattr(module, "legacy_rate", legacy_rate, raising=False)
    assert retired_arguments("measures") == {"analysis.measures.rates.legacy_rate": ["numerator"]}


def test_every_exception_still_exists():
    """An exception whose function was renamed or removed leaves the list."""
    names = {name for package in PACKAGES for name, _ in public_callables(package)}
    assert names >= EXCEPTIONS, sorted(EXCEPTIONS - names)
