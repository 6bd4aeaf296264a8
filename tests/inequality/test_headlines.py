"""The headline gaps: engine estimates against the package's own building blocks on person
rows, ranking with missing reference groups, and the gradient table by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data import generate_population
from analysis.inequality.ambitions import DETECTED, EARLY, NOT_STATED, ambition_counts
from analysis.inequality.headlines import (
    BREAKDOWNS,
    EMERGENCY,
    PERCENT_LABELS,
    QUINTILE_LABELS,
    RATE_LABELS,
    GradientMeasure,
    decile_ends,
    emergency_fit,
    gradient_indices,
    gradient_summary,
    headline_estimates,
    interval_order,
    largest_gaps,
    largest_relative_gap,
    rank_headline_gaps,
)
from analysis.models import emergency_presentation_model, emergency_presentation_strata
from analysis.report.disclosure import DisclosureRule
from analysis.validation import InputError


def _estimate(indicator, breakdown, group, value, low, high):
    return {
        "indicator": indicator,
        "breakdown": breakdown,
        "group": group,
        "value": value,
        "lowercl": low,
        "uppercl": high,
    }


def test_headline_estimates_on_a_synthetic_population():
    population = generate_population(60_000)
    counts = ambition_counts(population)
    fit = emergency_presentation_model(emergency_presentation_strata(population), n="cancers")
    out = headline_estimates(population, counts, fit, DisclosureRule())
    assert set(out["indicator"]) == {*RATE_LABELS.values(), *PERCENT_LABELS.values(), EMERGENCY}
    assert set(out["breakdown"]) == set(BREAKDOWNS.values())
    quintiles = out[out["breakdown"] == "Deprivation quintile"]
    assert set(quintiles["group"]) == set(QUINTILE_LABELS.values())
    # percentages: x / n of the person rows of people with hypertension, by ethnic group
    people = population.people[population.people["hypertension"]]
    by_hand = 100 * people.groupby("ethnicity")["hypertension_recorded"].mean()
    got = out[(out["indicator"] == PERCENT_LABELS[DETECTED]) & (out["breakdown"] == "Ethnic group")]
    assert got.set_index("group")["value"].sort_index().to_numpy() == pytest.approx(
        by_hand.sort_index().to_numpy()
    )
    shown = out[out["value"].notna()]
    assert len(shown) > 0.8 * len(out)
    assert (shown["lowercl"] <= shown["value"]).all() and (shown["value"] <= shown["uppercl"]).all()


def test_ranking_leaves_out_not_stated_and_indicators_without_their_reference_group():
    estimates = pd.DataFrame(
        [
            _estimate("A", "Ethnic group", "White", 100.0, 95.0, 105.0),
            _estimate("A", "Ethnic group", "Asian", 200.0, 190.0, 210.0),
            _estimate("A", "Ethnic group", NOT_STATED, 400.0, 390.0, 410.0),
            _estimate("B", "Ethnic group", "Asian", 300.0, 290.0, 310.0),  # no White row
            _estimate(PERCENT_LABELS[EARLY], "Ethnic group", "White", 60.0, 58.0, 62.0),
            _estimate(PERCENT_LABELS[EARLY], "Ethnic group", "Black", 40.0, 37.0, 43.0),
            _estimate("C", "Ethnic group", "White", np.nan, np.nan, np.nan),  # suppressed
            _estimate("C", "Ethnic group", "Asian", 5.0, 4.0, 6.0),
        ]
    )
    ranked = rank_headline_gaps(estimates)
    assert NOT_STATED not in set(ranked["group"]) and "B" not in set(ranked["indicator"])
    top = ranked.set_index(["indicator", "group"])
    assert top.loc[("A", "Asian"), "ratio"] == pytest.approx(2.0)
    # higher is better: shortfalls 60 against 40, 1.5 times
    assert top.loc[(PERCENT_LABELS[EARLY], "Black"), "ratio"] == pytest.approx(1.5)
    assert "C" not in set(ranked["indicator"])  # its reference is suppressed: not ranked
    assert ranked.loc[ranked["worse"], "group"].tolist() == ["Asian", "Black"]


def test_largest_gaps_keeps_the_first_of_each_indicator_and_breakdown():
    ranked = pd.DataFrame(
        {
            "indicator": ["A", "A", "B", "A", "C"],
            "breakdown": ["X", "X", "X", "Y", "X"],
            "group": ["g1", "g2", "g1", "g3", "g4"],
            "ratio": [3.0, 2.5, 2.0, 1.5, 1.2],
            "worse": [True, True, True, True, False],
            "rank": pd.array([1, 2, 3, 4, pd.NA], dtype="Int64"),
        }
    )
    assert largest_gaps(ranked)["group"].tolist() == ["g1", "g1", "g3"]
    assert largest_gaps(ranked, n=2)["indicator"].tolist() == ["A", "B"]
    assert largest_gaps(ranked.assign(worse=False)).empty
    with pytest.raises(InputError):
        largest_gaps(ranked, n=0)


def test_gradient_summary_by_hand():
    values = pd.DataFrame({"imd_decile": [3, 1, 2], "value": [10.0, 30.0, 20.0]})
    sii = pd.DataFrame(
        {
            "measure": ["SII", "RII"],
            "value": [25.0, 2.5],
            "lowercl": [20.0, 2.0],
            "uppercl": [30.0, 3.0],
        }
    )
    out = gradient_summary(
        [
            GradientMeasure("deaths", "Deaths", values, sii, 0),
            GradientMeasure("years", "Years", values, sii[sii["measure"] == "SII"], 1),
        ]
    )
    assert out[["most", "least"]].to_numpy().tolist() == [[30.0, 10.0], [30.0, 10.0]]
    assert out.loc[0, ["sii_value", "rii_value", "rii_uppercl"]].tolist() == [25.0, 2.5, 3.0]
    assert out.loc[1, ["rii_value", "rii_lowercl"]].isna().all()
    assert largest_relative_gap(out)["name"] == "deaths"
    assert largest_relative_gap(out.assign(rii_value=np.nan)) is None
    assert decile_ends(values.iloc[:0]) == pytest.approx((np.nan, np.nan), nan_ok=True)


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ((1.0, 2.0), 1),
        ((-2.0, -1.0), -1),
        ((-1.0, 1.0), 0),
        ((0.0, 1.0), 0),
        ((5.0, 6.0, 3.0, 4.9), 1),
        ((1.0, 2.0, 2.5, 3.0), -1),
        ((1.0, 2.0, 2.0, 3.0), 0),
        ((np.nan, 1.0), 0),
    ],
)
def test_interval_order(limits, expected):
    assert interval_order(*limits) == expected


def _linear_gradient(group: str, slope: float) -> pd.DataFrame:
    """Ten equal deciles whose value is linear in the rank midpoint (decile 1 at rank 0.05)."""
    deciles = np.arange(1, 11)
    return pd.DataFrame(
        {
            "group": group,
            "imd_decile": deciles,
            "pop": 1000.0,
            "value": 100 + slope * (deciles - 0.5) / 10,
            "se": 0.01,
        }
    )


def test_gradient_indices_on_a_perfect_gradient_is_its_slope_and_skips_incomplete_groups():
    complete = _linear_gradient("complete", 50.0)
    gap = _linear_gradient("gap", 30.0)
    gap.loc[3, "value"] = np.nan  # a decile whose value cannot be computed
    few = _linear_gradient("few", 20.0).head(4)  # four deciles only
    out = gradient_indices(
        pd.concat([complete, gap, few]),
        "imd_decile",
        "pop",
        "value",
        group_by="group",
        se="se",
        polarity="favourable",
        repetitions=1000,
        seed=1,
    )
    assert set(out["group"]) == {"complete"}
    sii = out[out["measure"] == "SII"].iloc[0]
    assert sii["value"] == pytest.approx(50.0, abs=1e-6)  # least minus most deprived end
    empty = gradient_indices(
        pd.concat([gap, few]),
        "imd_decile",
        "pop",
        "value",
        group_by="group",
        se="se",
        polarity="favourable",
        repetitions=1000,
        seed=1,
    )
    assert empty.empty and {"group", "measure", "value"} <= set(empty.columns)
    summary = gradient_summary([GradientMeasure("gap", "Gap", gap, empty, 1)])
    assert summary[["sii_value", "rii_value"]].isna().all(axis=None)


def test_emergency_fit_says_why_the_model_cannot_be_fitted():
    population = generate_population(20_000, seed=7)  # no cancers in deprivation quintile 5
    assert 5 not in set(population.cancers.merge(population.people, on="person_id")["imd_quintile"])
    fit, reason = emergency_fit(population)
    assert fit is None and "imd_quintile" in reason and "\n" not in reason
    counts = ambition_counts(population)
    out = headline_estimates(population, counts, None, DisclosureRule())
    assert EMERGENCY not in set(out["indicator"]) and len(out) > 0
