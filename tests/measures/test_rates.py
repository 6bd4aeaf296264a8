"""Crude rates with exact/Byar's Poisson limits: PHEindicatormethods reference values,
PHStatsMethods on random inputs, input errors and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.measures import crude_rate
from analysis.measures.intervals import byars_limits
from analysis.validation import InputError

RTOL = 1e-6


def test_byars_limits_match_reference_byars_wilson_sheet(phe_reference):
    sheet = pd.read_excel(phe_reference / "testdata_Byars_Wilson.xlsx", sheet_name="testdata_B_W")
    rows = sheet[sheet["method"] == "Byars"]
    levels = rows["confidence"].str.rstrip("%").astype(float) / 100
    lower, upper = byars_limits(rows["x"].to_numpy(), 0.95)
    lower998, upper998 = byars_limits(rows["x"].to_numpy(), 0.998)
    lower, upper = (
        np.where(levels == 0.95, lower, lower998),
        np.where(levels == 0.95, upper, upper998),
    )
    np.testing.assert_allclose(upper, rows["uppercl"], rtol=RTOL)
    # The sheet leaves Byar's lower limit blank for 1 event at 99.8% (the approximation's
    # cubed term is negative there); crude rates use exact limits below 10 events.
    has_lower = rows["lowercl"].notna()
    np.testing.assert_allclose(lower[has_lower], rows["lowercl"][has_lower], rtol=RTOL)


@pytest.mark.parametrize("multiplier", [100, 100_000])
def test_crude_rate_per_row_matches_reference_exact_below_10_byars_above(phe_reference, multiplier):
    sheet = pd.read_excel(phe_reference / "testdata_Rate.xlsx", sheet_name="testdata_Rate")
    expected = sheet[sheet["multiplier"] == multiplier].reset_index(drop=True)
    out = crude_rate(
        expected[["Area", "Numerator", "Denominator"]],
        "Numerator",
        "Denominator",
        confidence=[0.95, 0.998],
        multiplier=multiplier,
        missing="na",
    )
    for column in ["value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]:
        np.testing.assert_allclose(out[column], expected[column], rtol=RTOL, equal_nan=True)
    assert list(out["method"].astype(object).fillna("NA")) == list(expected["method"].fillna("NA"))
    assert (out["statistic"] == expected["statistic"]).all()


def test_grouped_crude_rate_matches_reference_with_na_groups(phe_reference):
    sheet = pd.read_excel(phe_reference / "testdata_Rate.xlsx", sheet_name="testdata_Rate")
    expected = pd.read_excel(
        phe_reference / "testdata_Rate.xlsx", sheet_name="testdata_Rate_g"
    ).set_index("Area")
    # The grouped sheet sums the two multiplier copies of each area (per 100 and per 100,000)
    # except Area12, which appears once.
    out = crude_rate(sheet, "Numerator", "Denominator", group_by="Area", missing="na")
    out = out.set_index("Area").loc[expected.index]
    for column in ["Numerator", "Denominator", "value", "lowercl", "uppercl"]:
        np.testing.assert_allclose(out[column], expected[column], rtol=RTOL, equal_nan=True)
    assert list(out["method"].astype(object).fillna("NA")) == list(expected["method"].fillna("NA"))
    assert (out["confidence"] == expected["confidence"]).all()


def test_crude_rate_agrees_with_phstatsmethods_on_random_groups():
    ph = pytest.importorskip("PHStatsMethods")
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {"g": rng.integers(0, 80, 400), "x": rng.poisson(4, 400), "n": rng.integers(50, 9000, 400)}
    )
    ours = crude_rate(df, "x", "n", group_by="g", confidence=[0.95, 0.998])
    theirs = ph.ph_rate(df, "x", "n", group_cols="g", confidence=[0.95, 0.998])
    theirs = theirs.sort_values("g").reset_index(drop=True)
    np.testing.assert_allclose(ours["value"], theirs["Value"], rtol=1e-9)
    for mine, other in [
        ("lower95_0cl", "lower_95_ci"),
        ("upper95_0cl", "upper_95_ci"),
        ("lower99_8cl", "lower_99_8_ci"),
        ("upper99_8cl", "upper_99_8_ci"),
    ]:
        np.testing.assert_allclose(ours[mine], theirs[other], rtol=1e-9)
    assert list(ours["method"]) == list(theirs["Method"])


def test_negative_count_and_zero_population_raise():
    with pytest.raises(InputError, match="'deaths': counts must not be negative"):
        crude_rate(pd.DataFrame({"deaths": [-1], "pop": [5]}), "deaths", "pop")
    with pytest.raises(InputError, match="'pop': must be greater than zero"):
        crude_rate(pd.DataFrame({"deaths": [1], "pop": [0]}), "deaths", "pop")
    with pytest.raises(InputError, match="multiplier"):
        crude_rate(pd.DataFrame({"deaths": [1], "pop": [5]}), "deaths", "pop", multiplier=0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 500), st.integers(1, 10**6)), min_size=1, max_size=30))
def test_rate_limits_bracket_value_and_widen_with_confidence(rows):
    df = pd.DataFrame(rows, columns=["x", "n"])
    out = crude_rate(df, "x", "n", confidence=[0.95, 0.998])
    assert (out["lower95_0cl"] <= out["value"]).all()
    assert (out["value"] <= out["upper95_0cl"]).all()
    assert (out["lower99_8cl"] <= out["lower95_0cl"]).all()
    assert (out["upper95_0cl"] < out["upper99_8cl"]).all()
