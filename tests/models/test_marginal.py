"""Standardised predictions and marginal effects: closed forms, simulation, coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from analysis.models import binary_model, rate_model
from analysis.models.marginal import standardised_predictions
from analysis.validation import InputError
from tests.models.conftest import simulate_people


@pytest.fixture(scope="module")
def two_groups() -> pd.DataFrame:
    return pd.DataFrame(
        {"group": ["a", "b", "c"], "late": [30, 55, 80], "cases": [200, 250, 210],
         "deaths": [40, 90, 15], "years": [10_000.0, 20_000.0, 3_000.0]}
    )  # fmt: skip


def test_single_predictor_standardised_probability_is_the_observed_proportion(two_groups):
    fit = binary_model(two_groups, "late", ["group"], n="cases")
    out = standardised_predictions(fit, "group")
    p = (two_groups["late"] / two_groups["cases"]).to_numpy()
    n = two_groups["cases"].to_numpy()
    levels = out[out["statistic"] == "standardised probability"]
    np.testing.assert_allclose(levels["value"], p, rtol=1e-9)
    se = np.sqrt(p * (1 - p) / n)  # binomial SE: the delta method is exact here
    np.testing.assert_allclose(
        (levels["uppercl"] - levels["lowercl"]) / (2 * 1.959964), se, rtol=1e-6
    )
    diffs = out[out["statistic"] == "risk difference"]
    np.testing.assert_allclose(diffs["value"], p[1:] - p[0], rtol=1e-9)
    se_diff = np.sqrt(p[1:] * (1 - p[1:]) / n[1:] + p[0] * (1 - p[0]) / n[0])
    np.testing.assert_allclose(
        (diffs["uppercl"] - diffs["lowercl"]) / (2 * 1.959964), se_diff, rtol=1e-6
    )


def test_single_predictor_standardised_rate_is_the_crude_rate(two_groups):
    fit = rate_model(two_groups, "deaths", "years", ["group"])
    out = standardised_predictions(fit, "group")
    rate = (two_groups["deaths"] / two_groups["years"]).to_numpy() * 1e5
    levels = out[out["statistic"] == "standardised rate per 100,000"]
    np.testing.assert_allclose(levels["value"], rate, rtol=1e-9)
    se = np.sqrt(two_groups["deaths"]).to_numpy() / two_groups["years"].to_numpy() * 1e5
    np.testing.assert_allclose(
        (levels["uppercl"] - levels["lowercl"]) / (2 * 1.959964), se, rtol=1e-6
    )
    assert set(out["statistic"]) == {"standardised rate per 100,000", "rate difference per 100,000"}


def test_standardisation_with_a_confounder_equals_direct_standardisation():
    """Saturated exposure x confounder model: g-computation = sum over confounder strata of
    the observed proportion weighted by the whole population's confounder distribution."""
    d = pd.DataFrame(
        {"exposed": ["no", "no", "yes", "yes"], "age": ["young", "old", "young", "old"],
         "late": [10, 60, 30, 50], "cases": [100, 200, 150, 80]}
    )  # fmt: skip
    fit = binary_model(d, "late", ["exposed", "age"], n="cases", interactions=[("exposed", "age")])
    out = standardised_predictions(fit, "exposed")
    share = d.groupby("age")["cases"].sum() / d["cases"].sum()
    p = d.assign(p=d["late"] / d["cases"]).set_index(["exposed", "age"])["p"]
    expected = [sum(share[a] * p[(e, a)] for a in share.index) for e in ("no", "yes")]
    np.testing.assert_allclose(out["value"].to_numpy()[:2], expected, rtol=1e-9)
    assert out["value"].iloc[2] == pytest.approx(expected[1] - expected[0], rel=1e-9)


def test_average_marginal_effect_of_a_score_equals_the_closed_form():
    people = simulate_people(20_000, seed=3)
    fit = binary_model(people, "late", ["quintile", "sex", "age_group"], continuous=["quintile"])
    out = standardised_predictions(fit, "quintile")
    p = special.expit(fit.design.matrix(fit.data) @ fit.params)
    w = fit.weights / fit.weights.sum()
    beta = fit.params[fit.design.names.index("quintile")]
    assert out.loc[0, "value"] == pytest.approx(beta * np.sum(w * p * (1 - p)), rel=1e-6)
    assert out.loc[0, "lowercl"] < out.loc[0, "value"] < out.loc[0, "uppercl"]


def test_simulation_intervals_agree_with_the_delta_method():
    people = simulate_people(30_000, seed=4)
    fit = binary_model(people, "late", ["quintile", "sex", "age_group"], reference={"quintile": 5})
    delta = standardised_predictions(fit, "quintile")
    sim = standardised_predictions(fit, "quintile", method="simulation", repetitions=4_000, seed=1)
    np.testing.assert_allclose(sim["value"], delta["value"])
    width_delta = delta["uppercl"] - delta["lowercl"]
    np.testing.assert_allclose(sim["uppercl"] - sim["lowercl"], width_delta, rtol=0.08)
    np.testing.assert_allclose(sim["lowercl"], delta["lowercl"], atol=0.1 * width_delta.max())


@pytest.mark.parametrize("seed", [21, 22, 23, 24])
def test_standardised_risk_differences_cover_the_truth(seed):
    """Truth: the known logistic model averaged over each sample's own covariate mix."""
    people = simulate_people(20_000, seed=seed)
    fit = binary_model(people, "late", ["quintile", "sex", "age_group"], reference={"quintile": 5})
    out = standardised_predictions(fit, "quintile")
    diffs = out[out["statistic"] == "risk difference"].reset_index(drop=True)
    age = np.select([people["age_group"] == "60-79", people["age_group"] == "80+"], [1.0, 2.0], 0.0)
    base = -1 + 0.3 * (people["sex"] == "Male") + age
    risk = {q: special.expit(base + 0.1 * (5 - q)).mean() for q in range(1, 6)}
    truth = np.array([risk[q] - risk[5] for q in (1, 2, 3, 4)])
    missed = int(np.sum((truth < diffs["lowercl"]) | (truth > diffs["uppercl"])))
    assert missed <= 1  # four 95% intervals per seed


def test_unknown_variable_and_method_are_errors(two_groups):
    fit = binary_model(two_groups, "late", ["group"], n="cases")
    with pytest.raises(InputError, match="not a predictor"):
        standardised_predictions(fit, "sex")
    with pytest.raises(InputError, match="method must be"):
        standardised_predictions(fit, "group", method="bootstrap")
