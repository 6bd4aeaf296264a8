"""Run the examples in every docstring of the package, so documentation cannot drift."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import analysis

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(analysis.__path__, prefix="analysis.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name: str) -> None:
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module_name}"
