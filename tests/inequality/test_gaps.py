"""rank_gaps: ratios on the adverse scale worked out by hand, the interval rule, ranking
across units, and bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.inequality.gaps import rank_gaps
from analysis.validation import InputError

ROWS = [
    # indicator, breakdown, group, value, lower, upper
    ("CVD deaths", "Deprivation", "1", 380.0, 360.0, 400.0),
    ("CVD deaths", "Deprivation", "5", 170.0, 160.0, 180.0),
    ("CVD deaths", "Ethnic group", "White", 250.0, 245.0, 255.0),
    ("CVD deaths", "Ethnic group", "Asian", 430.0, 400.0, 460.0),
    ("CVD deaths", "Ethnic group", "Mixed", 150.0, 120.0, 180.0),  # better off
    ("CVD deaths", "Ethnic group", "Other", 270.0, 200.0, 340.0),  # overlaps White
    ("Early diagnosis (%)", "Deprivation", "1", 50.0, 47.0, 53.0),
    ("Early diagnosis (%)", "Deprivation", "5", 60.0, 57.0, 63.0),
    ("CVD deaths", "Sex", "Male", 300.0, 290.0, 310.0),
    ("CVD deaths", "Sex", "Female", 200.0, 195.0, 205.0),
]
REFERENCE = {"Deprivation": "5", "Ethnic group": "White"}


@pytest.fixture
def estimates() -> pd.DataFrame:
    columns = ["indicator", "breakdown", "group", "value", "lowercl", "uppercl"]
    return pd.DataFrame(ROWS, columns=columns)


def test_ratios_are_on_the_adverse_scale_and_ranked(estimates):
    out = rank_gaps(
        estimates,
        REFERENCE,
        polarity={"Early diagnosis (%)": "favourable", "CVD deaths": "adverse"},
        maximum={"Early diagnosis (%)": 100},
    )
    by_key = out.set_index(["indicator", "breakdown", "group"])
    assert by_key.loc[("CVD deaths", "Deprivation", "1"), "ratio"] == pytest.approx(380 / 170)
    assert by_key.loc[("CVD deaths", "Ethnic group", "Asian"), "ratio"] == pytest.approx(430 / 250)
    # higher is better: 50% early is 50% late against 40% late
    early = by_key.loc[("Early diagnosis (%)", "Deprivation", "1")]
    assert early["ratio"] == pytest.approx(50 / 40)
    assert early["worse"]  # late: 47-53 against 37-43, no overlap
    assert early["reference_value"] == 60  # the reference as given, not flipped
    ranked = out[out["worse"]]
    assert list(ranked["group"]) == ["1", "Asian", "1"]
    assert list(ranked["rank"]) == [1, 2, 3]
    assert list(ranked["indicator"]) == ["CVD deaths", "CVD deaths", "Early diagnosis (%)"]


def test_overlapping_or_better_off_groups_are_not_ranked(estimates):
    out = rank_gaps(estimates, REFERENCE).set_index("group")
    assert not out.loc["Other", "worse"] and pd.isna(out.loc["Other", "rank"])
    assert not out.loc["Mixed", "worse"] and out.loc["Mixed", "ratio"] == pytest.approx(0.6)


def test_only_the_named_breakdowns_are_compared(estimates):
    out = rank_gaps(estimates, REFERENCE)
    assert "Sex" not in set(out["breakdown"])
    assert not (out["group"] == out["reference"]).any()


def test_a_breakdown_without_its_reference_group_is_refused(estimates):
    with pytest.raises(InputError, match="reference group"):
        rank_gaps(estimates, {"Ethnic group": "Chinese"})


def test_duplicated_rows_are_refused(estimates):
    with pytest.raises(InputError, match="one row each"):
        rank_gaps(pd.concat([estimates, estimates.iloc[:1]]), REFERENCE)


def test_a_zero_reference_has_no_ratio(estimates):
    estimates.loc[estimates["group"] == "White", "value"] = 0.0
    with pytest.raises(InputError, match="no ratio"):
        rank_gaps(estimates, REFERENCE)


@pytest.mark.parametrize(
    ("polarity", "maximum", "message"),
    [
        ({"Early diagnosis (%)": "favourable"}, {}, r"favourable without a maximum \['Early"),
        ({}, {"Early diagnosis (%)": 100}, r"maximum without polarity='favourable' \['Early"),
        ({"CVD deaths": "adverse"}, {"CVD deaths": 500}, "maximum without"),
        ({"CVD deaths": "higher is worse"}, {}, "polarity must be 'adverse'"),
    ],
)
def test_polarity_and_maximum_must_agree(estimates, polarity, maximum, message):
    with pytest.raises(InputError, match=message):
        rank_gaps(estimates, REFERENCE, polarity=polarity, maximum=maximum)
