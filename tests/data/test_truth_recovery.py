"""Planted effects are recovered from the generated data by a direct model fit.

These refit the documented model of ``data/truth.json`` (statsmodels GLMs) and check the
estimates against the planted values within three standard errors -- an independent check
that the generator plants what the truth file says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from analysis.data import aggregate_events


def _truth(pop, model, outcome, term):
    rows = [
        r
        for r in pop.truth["effects"]
        if (r["model"], r["outcome"], r["term"]) == (model, outcome, term)
    ]
    assert len(rows) == 1, (model, outcome, term)
    return rows[0]["value"]


def test_cvd_mortality_deprivation_and_interaction_recovered(population_100k):
    pop = population_100k
    counts = aggregate_events(
        pop,
        "deaths",
        cause="CVD",
        group_by=["sex", "imd_quintile", "ethnicity"],
        age_bands="life_table",
    )
    counts = counts[counts["population"] > 0].assign(
        d=lambda x: (5 - x["imd_quintile"]) / 4, asian=lambda x: (x["ethnicity"] == "Asian") * 1.0
    )
    fit = smf.glm(
        "events ~ C(age_band) * sex + C(ethnicity, Treatment('White')) + d + d:asian",
        data=counts,
        family=sm.families.Poisson(),
        offset=np.log(counts["population"]),
    ).fit()
    for term, planted in (
        ("d", _truth(pop, "mortality", "CVD", "d")),
        ("d:asian", _truth(pop, "mortality", "CVD", "d:ethnicity[Asian]")),
    ):
        assert abs(fit.params[term] - planted) < 3 * fit.bse[term], (
            term,
            fit.params[term],
            planted,
        )


def test_hypertension_detection_gap_recovered(population_100k):
    pop = population_100k
    people = pop.people[pop.people["hypertension"]].copy()
    people["d"] = (5 - people["imd_quintile"]) / 4
    people["age10"] = (people["age"] - 60) / 10
    people["other"] = people[["chd", "stroke_tia", "heart_failure", "diabetes", "ckd"]].any(axis=1)
    people["black"] = (people["ethnicity"] == "Black") * 1.0
    people["recorded"] = people["hypertension_recorded"] * 1.0
    fit = smf.glm(
        "recorded ~ age10 + d + other + C(ethnicity, Treatment('White')) + d:black",
        data=people,
        family=sm.families.Binomial(),
    ).fit()
    for term, key in (
        ("d", "d"),
        ("age10", "age_per_10_over_60"),
        ("other[T.True]", "other_register"),
    ):
        planted = _truth(pop, "hypertension_detection", "hypertension_recorded", key)
        assert abs(fit.params[term] - planted) < 3 * fit.bse[term], (
            term,
            fit.params[term],
            planted,
        )


def test_late_stage_more_likely_in_deprived_areas(population_100k):
    pop = population_100k
    c = pop.cancers.dropna(subset=["stage"]).merge(
        pop.people[["person_id", "imd_quintile", "ethnicity"]], on="person_id"
    )
    c = c.assign(
        late=(c["stage"] >= 3) * 1.0,
        d=(5 - c["imd_quintile"]) / 4,
        age10=(c["age_at_diagnosis"] - 65) / 10,
        emergency=c["emergency_presentation"] * 1.0,
    )
    c = pd.DataFrame(c.astype({"stage": "float64"}))
    fit = smf.glm(
        "late ~ C(site) + d + emergency + age10 + C(ethnicity, Treatment('White'))",
        data=c,
        family=sm.families.Binomial(),
    ).fit()
    planted = _truth(pop, "late_stage", "late_stage", "d")
    assert abs(fit.params["d"] - planted) < 3 * fit.bse["d"]
    assert fit.params["emergency"] == pytest.approx(
        _truth(pop, "late_stage", "late_stage", "emergency_presentation"),
        abs=3 * fit.bse["emergency"],
    )
