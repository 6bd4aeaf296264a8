"""The library runs without the book renderer's dependencies (issue #15, part 4).

Every module of ``analysis`` outside ``analysis/book`` is imported in a fresh interpreter in
which the renderer and every distribution that only the ``book`` extra brings in (its
requirements and theirs, less whatever the core dependencies also need) cannot be imported,
as on a machine with ``pip install -e .`` alone. Then a small computation runs through the
statistics. The blocked names are read from ``pyproject.toml`` and the installed metadata, so
a dependency added to the extra later is blocked too.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import textwrap
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import analysis

ROOT = Path(__file__).resolve().parents[1]


def _names(requirements: list[str]) -> set[str]:
    """Distribution names of ``requirements`` that apply here (markers evaluated)."""
    names = set()
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            names.add(canonicalize_name(requirement.name))
    return names


def _closure(names: set[str]) -> set[str]:
    """``names`` and everything they require, among installed distributions."""
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        stack.extend(_names(requires) - seen)
    return seen


def book_only_modules() -> list[str]:
    """Top-level import names of the distributions only the ``book`` extra installs."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = _closure(_names(project["dependencies"]))
    book = _closure(_names(project["optional-dependencies"]["book"])) - core
    assert {"nbclient", "typst", "pypandoc-binary"} <= book, book
    return sorted(
        module
        for module, distributions in metadata.packages_distributions().items()
        if any(canonicalize_name(d) in book for d in distributions)
    )


def library_modules() -> list[str]:
    """Every module of ``analysis`` except the renderer and ``__main__`` entry points."""
    return sorted(
        m.name
        for m in pkgutil.walk_packages(analysis.__path__, "analysis.")
        if not m.name.startswith("analysis.book") and not m.name.endswith(".__main__")
    )


BLOCKED_RUN = """
import importlib, importlib.abc, json, sys

blocked = set(json.loads(sys.argv[1]))

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in blocked or name == "analysis.book" or name.startswith("analysis.book."):
            raise ImportError(f"{name} is blocked: it belongs to the book extra")
        return None

sys.meta_path.insert(0, Blocked())
for module in json.loads(sys.argv[2]):
    importlib.import_module(module)

import pandas as pd
from analysis.inequality import slope_index_of_inequality
from analysis.measures import crude_rate, proportion
from analysis.models import binary_model

rates = pd.DataFrame({"quintile": [1, 2, 3, 4, 5], "deaths": [10, 20, 30, 40, 50],
                      "population": [1000] * 5})
rate = crude_rate(rates, "deaths", "population", multiplier=1000)
assert list(rate["value"]) == [10.0, 20.0, 30.0, 40.0, 50.0]
sii = slope_index_of_inequality(rate, "quintile", "population", "value", method="scotpho",
                                polarity="favourable")
assert abs(float(sii["value"].iloc[0]) - 50.0) < 1e-9  # a straight line: 10 per fifth
share = proportion(rates, "deaths", "population")
fit = binary_model(rates.assign(group=["a", "a", "b", "b", "b"]), "deaths", ["group"],
                   n="population")
assert fit.table["value"].iloc[0] > 0
leaked = sorted(m for m in sys.modules if m.split(".")[0] in blocked or m.startswith("analysis.book"))
assert not leaked, leaked
print("ok", len(json.loads(sys.argv[2])))
"""


def test_statistics_import_and_run_without_the_book_extra() -> None:
    blocked, modules = book_only_modules(), library_modules()
    assert {"analysis.measures", "analysis.inequality.sii", "analysis.models.glm"} <= set(modules)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(BLOCKED_RUN),
            json.dumps(blocked),
            json.dumps(modules),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == f"ok {len(modules)}"


def test_the_blocker_blocks() -> None:
    """The same subprocess fails when a library module imports a book dependency."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(BLOCKED_RUN), json.dumps(["nbclient"]),
         json.dumps(["analysis.measures", "nbclient"])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode != 0
    assert "nbclient is blocked" in done.stderr
