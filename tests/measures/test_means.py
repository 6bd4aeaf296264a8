"""Means with Student's t limits against the PHEindicatormethods reference and PHStatsMethods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.measures import mean
from analysis.validation import InputError

COLUMNS = [
    "value_sum", "value_count", "stdev", "value",
    "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl",
]  # fmt: skip


def test_mean_by_area_and_overall_match_reference_student_t_limits(phe_reference):
    book = phe_reference / "testdata_Mean.xlsx"
    values = pd.read_excel(book, sheet_name="testdata_Mean")
    expected = pd.read_excel(book, sheet_name="testdata_Mean_results")
    by_area = mean(values, "values", group_by="area", confidence=[0.95, 0.998])
    overall = mean(values, "values", confidence=[0.95, 0.998])
    ours = pd.concat([by_area[COLUMNS], overall[COLUMNS]], ignore_index=True)
    np.testing.assert_allclose(ours.to_numpy(float), expected[COLUMNS].to_numpy(float), rtol=1e-6)
    assert list(by_area["area"]) == list(expected["area"][:2])
    assert (ours.index.size == 3) and (by_area["method"] == expected["method"][0]).all()
    assert (by_area["statistic"] == "mean").all()


def test_mean_agrees_with_phstatsmethods_on_random_groups():
    ph = pytest.importorskip("PHStatsMethods")
    rng = np.random.default_rng(11)
    df = pd.DataFrame({"g": rng.integers(0, 30, 500), "v": rng.gamma(3, 10, 500)})
    ours = mean(df, "v", group_by="g")
    theirs = ph.ph_mean(df, "v", "g").sort_values("g").reset_index(drop=True)
    for mine, other in [("value", "Value"), ("lowercl", "lower_95_ci"), ("uppercl", "upper_95_ci")]:
        np.testing.assert_allclose(ours[mine], theirs[other], rtol=1e-9)


def test_single_value_group_has_no_limits_and_missing_values_raise():
    out = mean(pd.DataFrame({"g": ["a", "b", "b"], "v": [1.0, 2.0, 4.0]}), "v", group_by="g")
    assert np.isnan(out.loc[0, "lowercl"]) and out.loc[1, "value"] == 3.0
    with pytest.raises(InputError, match="'v': must not be missing"):
        mean(pd.DataFrame({"v": [1.0, np.nan]}), "v")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=40))
def test_mean_limits_bracket_value_and_widen_with_confidence(values):
    out = mean(pd.DataFrame({"v": values}), "v", confidence=[0.95, 0.998]).iloc[0]
    tol = 1e-9 * (1 + abs(out["value"]))
    assert out["lower99_8cl"] - tol <= out["lower95_0cl"] <= out["value"] + tol
    assert out["value"] - tol <= out["upper95_0cl"] <= out["upper99_8cl"] + tol
