"""The Core20PLUS5 ambitions from counts: engine counts against person rows, hand-computed
percentages, Newcombe differences in closed form and the findings read off the tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.data import default_dataset, generate_population
from analysis.inequality.ambitions import (
    ALL_ETHNIC_GROUPS,
    ALL_RESIDENTS,
    DETECTED,
    EARLY,
    NOT_STATED,
    PLACE,
    ambition_counts,
    ambition_percentages,
    ambition_summary,
    ambition_value,
    core20_by_ethnicity,
    core20_difference,
    core20_population_share,
    ethnic_order,
    groups_below,
    lowest_group,
    shortfall_share,
    staged_cancer_years,
)
from analysis.inequality.core20 import BELOW, CORE20, REST
from analysis.report.disclosure import DisclosureRule
from analysis.validation import InputError

NO_ROUNDING = DisclosureRule()  # suppress 1-7, no rounding


@pytest.fixture(scope="module")
def population():
    return generate_population(20_000, seed=11)


def _wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson (1927) score limits in closed form."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _assert_counts_equal_person_rows(population) -> None:
    """ambition_counts (in the engine) against the same counts made from the person rows."""
    people = population.people
    groups = ["imd_quintile", "imd_decile", "ethnicity"]
    staged = population.cancers[population.cancers["early_stage"].notna()].merge(
        people[["person_id", *groups]], on="person_id"
    )
    at_risk = people[people["hypertension"]]
    expected = pd.concat(
        [
            staged.assign(x=staged["early_stage"].astype(int))
            .groupby(groups)["x"]
            .agg(x="sum", n="size")
            .reset_index()
            .assign(indicator=EARLY),
            at_risk.assign(x=at_risk["hypertension_recorded"].astype(int))
            .groupby(groups)["x"]
            .agg(x="sum", n="size")
            .reset_index()
            .assign(indicator=DETECTED),
        ]
    )
    got = ambition_counts(population)
    assert list(got.columns) == ["indicator", "core20", *groups, "x", "n"]
    merged = got.merge(expected, on=["indicator", *groups], how="outer", suffixes=("", "_p"))
    assert merged["x"].notna().all() and merged["x_p"].notna().all()
    assert (merged["x"] == merged["x_p"]).all() and (merged["n"] == merged["n_p"]).all()
    assert (got["core20"] == np.where(got["imd_quintile"] == 1, CORE20, REST)).all()
    staged_years = staged["diagnosis_year"]
    assert staged_cancer_years(population) == (staged_years.min(), staged_years.max())
    share = (people["imd_quintile"] == 1).mean()
    assert core20_population_share(population) == pytest.approx(share, abs=1e-12)


def test_engine_counts_equal_the_person_level_counts(population):
    _assert_counts_equal_person_rows(population)


@pytest.mark.slow
def test_on_the_default_data_the_engine_counts_equal_the_person_level_counts():
    """What the executive summary shows: the counts behind its ambitions, on the book's data."""
    _assert_counts_equal_person_rows(default_dataset())


def test_percentages_against_the_ambition_by_hand():
    counts = pd.DataFrame(
        {
            "indicator": [EARLY, EARLY, DETECTED],
            "core20": [CORE20, REST, CORE20],
            "x": [40, 150, 70],
            "n": [100, 200, 100],
        }
    )
    out = ambition_percentages(counts, ["core20"]).set_index(["indicator", "core20"])
    early = out.loc[(EARLY, CORE20)]
    assert early["value"] == pytest.approx(40.0)
    low, high = _wilson(40, 100)
    assert early["lowercl"] == pytest.approx(100 * low) and early["uppercl"] == pytest.approx(
        100 * high
    )
    assert early["gap"] == pytest.approx(35.0) and early["additional"] == 35  # 75 - 40
    assert early["comparison"] == BELOW
    assert out.loc[(EARLY, REST), "additional"] == 0  # 75% exactly
    detected = out.loc[(DETECTED, CORE20)]
    assert detected["gap"] == pytest.approx(10.0) and detected["additional"] == 10  # 80 - 70
    overall = ambition_percentages(counts).set_index("indicator")
    assert overall.loc[EARLY, "value"] == pytest.approx(100 * 190 / 300)


def test_an_unknown_indicator_is_refused():
    with pytest.raises(InputError, match="not ambitions"):
        ambition_percentages(pd.DataFrame({"indicator": ["x"], "x": [1], "n": [2]}))


def test_core20_difference_is_newcombe_in_closed_form():
    counts = pd.DataFrame(
        {"indicator": [EARLY, EARLY], "core20": [CORE20, REST], "x": [40, 150], "n": [100, 200]}
    )
    out = core20_difference(counts, NO_ROUNDING).loc[EARLY]
    (l1, u1), (l2, u2), p1, p2 = _wilson(40, 100), _wilson(150, 200), 0.4, 0.75
    d = p1 - p2
    assert out["value"] == pytest.approx(100 * d)
    assert out["lowercl"] == pytest.approx(100 * (d - math.hypot(p1 - l1, u2 - p2)))
    assert out["uppercl"] == pytest.approx(100 * (d + math.hypot(u1 - p1, p2 - l2)))


def test_core20_difference_is_suppressed_with_a_small_count_and_absent_without_both_places():
    counts = pd.DataFrame(
        {
            "indicator": [EARLY, EARLY, DETECTED],
            "core20": [CORE20, REST, REST],
            "x": [3, 150, 50],
            "n": [100, 200, 60],
        }
    )
    out = core20_difference(counts, NO_ROUNDING)
    assert list(out.index) == [EARLY]  # hypertension has no Core20 residents here
    assert pd.isna(out.loc[EARLY, "value"]) and pd.isna(out.loc[EARLY, "lowercl"])
    assert core20_difference(counts[counts["core20"] == REST], NO_ROUNDING).empty


def _counts() -> pd.DataFrame:
    rows = [  # indicator, quintile, ethnicity, x, n
        (EARLY, 1, "White", 300, 600),
        (EARLY, 1, "Asian", 40, 100),
        (EARLY, 3, "White", 700, 1000),
        (EARLY, 3, "Asian", 90, 150),
        (EARLY, 3, NOT_STATED, 10, 40),
        (EARLY, 1, "Black", 3, 9),
        (DETECTED, 1, "White", 500, 800),
        (DETECTED, 3, "White", 1500, 2000),
        (DETECTED, 1, "Asian", 60, 120),
        (DETECTED, 3, "Asian", 200, 250),
    ]
    t = pd.DataFrame(rows, columns=["indicator", "imd_quintile", "ethnicity", "x", "n"])
    return t.assign(core20=np.where(t["imd_quintile"] == 1, CORE20, REST))


def test_summary_lays_out_everyone_places_and_ethnic_groups_in_order():
    out = ambition_summary(_counts(), NO_ROUNDING)
    early = out[out["indicator"] == EARLY]
    assert early["group"].tolist() == [
        ALL_RESIDENTS,
        PLACE[CORE20],
        PLACE[REST],
        "White",
        "Asian",
        "Black",
        NOT_STATED,
    ]
    assert ambition_value(out, EARLY, ALL_RESIDENTS) == pytest.approx(100 * 1143 / 1899)
    assert ambition_value(out, EARLY, PLACE[CORE20], "additional") == 189  # ceil(.75 * 709 - 343)
    assert pd.isna(ambition_value(out, DETECTED, "Black"))  # no row: nobody at risk
    black = early[early["group"] == "Black"].iloc[0]
    assert pd.isna(black["value"]) and pd.isna(black["x"])  # 3 of 9: suppressed


def test_ethnic_order_follows_the_data_dictionary_then_other_labels():
    assert ethnic_order(pd.Series(["Other", "Zulu", "White", "Asian", None])) == [
        "White",
        "Asian",
        "Other",
        "Zulu",
    ]


def test_lowest_group_skips_not_stated_all_groups_and_suppressed_values():
    counts = _counts()
    crossed = core20_by_ethnicity(counts[counts["ethnicity"] != "Black"], NO_ROUNDING)
    lowest = lowest_group(crossed, EARLY)
    # Asian in Core20: 40%, below White there (50%); Not stated (25%) is not a group
    assert (lowest["core20"], lowest["ethnicity"]) == (CORE20, "Asian")
    assert lowest["value"] == pytest.approx(40.0)
    assert ALL_ETHNIC_GROUPS in set(crossed["ethnicity"])
    hidden = crossed.assign(
        value=np.where(crossed["ethnicity"] == "Asian", np.nan, crossed["value"])
    )
    assert lowest_group(hidden, EARLY)["ethnicity"] == "White"  # a suppressed value is skipped


def test_lowest_group_is_none_when_no_group_can_be_shown():
    """The summary failed on very small populations: every group suppressed or absent."""
    table = pd.DataFrame(
        {
            "indicator": [EARLY, EARLY, DETECTED],
            "ethnicity": ["White", NOT_STATED, "White"],
            "value": [np.nan, 20.0, 50.0],
        }
    )
    assert lowest_group(table, EARLY) is None
    assert lowest_group(table.iloc[:0], EARLY) is None
    assert lowest_group(table, DETECTED)["value"] == 50.0


def test_shortfall_share_and_groups_below_by_hand():
    out = ambition_summary(_counts(), NO_ROUNDING)
    # hypertension: Core20 needs ceil(0.8*920 - 560) = 176, everyone ceil(0.8*3170 - 2260) = 276
    assert shortfall_share(out, DETECTED) == pytest.approx(176 / 276)
    below, shown = groups_below(out, DETECTED)
    assert shown == 5  # everyone, two places, White, Asian
    assert below == int((out.loc[out["indicator"] == DETECTED, "comparison"] == BELOW).sum())
    assert np.isnan(shortfall_share(out[out["group"] != PLACE[CORE20]], DETECTED))
