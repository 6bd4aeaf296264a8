"""The shared emergency-presentation model: age groups cut where documented, the references,
and odds ratios equal to a model fitted by hand to the same collapsed counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.data import generate_population
from analysis.models.presentation import REFERENCE, emergency_presentation_model
from analysis.validation import InputError


@pytest.fixture(scope="module")
def cancers():
    data = generate_population(60_000)
    people = data.people[["person_id", "imd_quintile", "ethnicity", "sex"]]
    return data.cancers.merge(people, on="person_id")


def test_odds_ratios_match_a_logistic_model_fitted_independently(cancers):
    fit = emergency_presentation_model(cancers)
    ages = np.select(
        [cancers["age_at_diagnosis"] < 60, cancers["age_at_diagnosis"] < 75],
        ["under 60", "60-74"],
        "75 and over",
    )
    frame = cancers.assign(age_group=ages, y=cancers["emergency_presentation"].astype(int))
    dummies = [
        pd.get_dummies(frame[c].astype(str), prefix=c, prefix_sep="=", dtype=float).drop(
            columns=f"{c}={REFERENCE.get(c, sorted(frame[c].astype(str).unique())[0])}"
        )
        for c in ["imd_quintile", "ethnicity", "sex", "age_group", "site"]
    ]
    x = sm.add_constant(pd.concat(dummies, axis=1))
    by_hand = sm.GLM(frame["y"], x, family=sm.families.Binomial()).fit()
    ours = fit.table.set_index("term")["value"]
    for term, coefficient in by_hand.params.drop("const").items():
        assert ours[term] == pytest.approx(np.exp(coefficient), rel=1e-6), term


def test_age_groups_start_at_60_and_75(cancers):
    fit = emergency_presentation_model(cancers)
    assert {"age_group=60-74", "age_group=75 and over"} <= set(fit.table["term"])
    assert "age_group=under 60" not in set(fit.table["term"])  # the reference


def test_missing_columns_are_named(cancers):
    with pytest.raises(InputError, match="site"):
        emergency_presentation_model(cancers.drop(columns="site"))
