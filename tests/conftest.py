"""Shared pytest fixtures and the readers of the committed reference fixtures."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("NHS_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
PHE_REFERENCE_DIR = SHARED_DIR / "reference" / "pheindicatormethods"
#: Expected outputs of the real PHEindicatormethods on generated inputs, committed with the
#: repository (written by ``Rscript tests/fixtures/make_fixtures.R``; see its README).
PHE_FIXTURES_DIR = PROJECT_ROOT / "tests" / "fixtures" / "pheindicatormethods"

#: Values compared with the fixtures in this run, per function (printed at the end).
FIXTURE_VALUES_COMPARED: Counter[str] = Counter()


@pytest.fixture(scope="session")
def phe_reference() -> Path:
    """Folder of PHEindicatormethods 2.1.0 published reference inputs and expected results.

    It lives in ``../shared`` beside the project (not in a user's clone). The tests that use
    it are an extra check on the published sheets: every function they check is also
    compared with the committed fixtures in ``tests/fixtures/pheindicatormethods``. Where the
    sheets are absent those tests are not collected (:func:`pytest_collection_modifyitems`
    says how many); the skip below only guards a direct use.
    """
    if not PHE_REFERENCE_DIR.is_dir():
        pytest.skip(
            f"published PHEindicatormethods sheets not found at {PHE_REFERENCE_DIR} (an extra "
            "check beside the committed fixtures; set NHS_SHARED_DIR where ../shared exists)"
        )
    return PHE_REFERENCE_DIR


def read_phe_fixture(function: str, name: str) -> pd.DataFrame:
    """``tests/fixtures/pheindicatormethods/<function>/<name>.csv``; empty cells are NA."""
    return pd.read_csv(
        PHE_FIXTURES_DIR / function / f"{name}.csv", keep_default_na=False, na_values=[""]
    )


def phe_fixture_version() -> tuple[int, ...]:
    """Version of PHEindicatormethods that wrote the fixtures, e.g. ``(2, 0, 0)``."""
    versions = read_phe_fixture(".", "versions").set_index("component")["version"]
    return tuple(int(part) for part in versions["PHEindicatormethods"].split("."))


def phe_fixture_cases(function: str) -> list:
    """One ``pytest.param`` per row of the function's ``cases.csv`` (a dict of arguments)."""
    cases = read_phe_fixture(function, "cases")
    return [pytest.param(row, id=row["case"]) for row in cases.to_dict("records")]


def confidence_levels(text: str | float) -> float | list[float]:
    """Confidence as written in ``cases.csv``: one level, or levels separated by ``;``."""
    levels = [float(level) for level in str(text).split(";")]
    return levels[0] if len(levels) == 1 else levels


def assert_agrees_with_fixture(
    function: str,
    ours: pd.DataFrame,
    expected: pd.DataFrame,
    keys: list[str],
    columns: list[str],
    rtol: float = 1e-9,
) -> None:
    """Rows matched on ``keys``; numeric ``columns`` to ``rtol`` (NA where the fixture has
    NA), text columns exactly. The number of values compared is added to the run's tally."""
    assert len(ours) == len(expected), (len(ours), len(expected))
    merged = expected.merge(ours, on=keys, how="left", suffixes=("_r", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", keys]
    for column in columns:
        theirs, mine = merged[f"{column}_r"], merged[column]
        if pd.api.types.is_numeric_dtype(theirs):
            np.testing.assert_allclose(
                mine.to_numpy(float), theirs.to_numpy(float), rtol=rtol, atol=0,
                equal_nan=True, err_msg=f"{function}: column {column!r}",
            )  # fmt: skip
        else:
            assert list(mine.astype(object)) == list(theirs.astype(object)), column
    FIXTURE_VALUES_COMPARED[function] += len(merged) * len(columns)


def pytest_collection_modifyitems(config, items) -> None:
    """Without ``../shared``, leave out the checks against the published 2.1.0 sheets.

    They are an extra check: every function they cover is also compared with the committed
    PHEindicatormethods fixtures, which run in every clone. Leaving them out (and saying so in
    the header) keeps a user's run free of skips that only mean "this is not a developer's
    machine".
    """
    if PHE_REFERENCE_DIR.is_dir():
        return
    sheet_checks = [item for item in items if "phe_reference" in getattr(item, "fixturenames", ())]
    if not sheet_checks:
        return
    config.hook.pytest_deselected(items=sheet_checks)
    left_out = set(sheet_checks)
    items[:] = [item for item in items if item not in left_out]


def pytest_report_header(config) -> str | None:
    if PHE_REFERENCE_DIR.is_dir():
        return None
    return (
        f"published PHEindicatormethods sheets absent ({PHE_REFERENCE_DIR}): the checks against "
        "them are not collected (shown as deselected); the committed fixtures in tests/fixtures "
        "check the same functions"
    )


def pytest_terminal_summary(terminalreporter) -> None:
    # The tests import this file as ``tests.conftest``; pytest loads it as ``conftest``, a
    # second module object, so read the tally where the tests wrote it.
    from tests.conftest import FIXTURE_VALUES_COMPARED as compared

    if compared:
        counts = ", ".join(f"{name} {n}" for name, n in sorted(compared.items()))
        terminalreporter.write_line(f"values compared with PHEindicatormethods fixtures: {counts}")
