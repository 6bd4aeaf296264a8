"""Empirical Bayes smoothing of area proportions: hand values, the no-variation case against
scipy's exact binomial interval, and recovery of a known beta prior by simulation."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from analysis.measures.proportion_shrinkage import empirical_bayes_proportions
from analysis.validation import InputError


def test_hand_calculation_of_the_moments_and_the_posterior():
    data = pd.DataFrame({"x": [2, 60, 12, 40], "n": [10, 200, 100, 400]})
    out = empirical_bayes_proportions(data, "x", "n", multiplier=1)
    # p = 114/710; s2 = sum n (r - p)^2 / 710; phi = s2 - p(1-p)/(710/4), worked on paper
    p = 114 / 710
    s2 = (10 * (0.2 - p) ** 2 + 200 * (0.3 - p) ** 2 + 100 * (0.12 - p) ** 2
          + 400 * (0.1 - p) ** 2) / 710  # fmt: skip
    phi = s2 - p * (1 - p) / 177.5
    assert out["prior_mean"].iloc[0] == pytest.approx(0.160563, abs=1e-6)
    assert phi == pytest.approx(0.0070374, abs=1e-6)
    assert out["prior_variance"].iloc[0] == pytest.approx(phi, rel=1e-12)
    size = p * (1 - p) / phi - 1  # a + b of the beta prior: 18.15
    assert size == pytest.approx(18.152, abs=1e-3)
    # posterior mean of area a: (a + x) / (a + b + n)
    assert out["value"].iloc[0] == pytest.approx((p * size + 2) / (size + 10), rel=1e-12)
    assert out["shrinkage"].iloc[0] == pytest.approx(10 / (size + 10), rel=1e-12)
    assert (out["lowercl"] < out["value"]).all() and (out["value"] < out["uppercl"]).all()


def test_no_variation_beyond_chance_gives_the_pooled_share_with_exact_limits():
    data = pd.DataFrame({"x": [10, 20, 30], "n": [100, 200, 300]})  # every share is 10%
    out = empirical_bayes_proportions(data, "x", "n", confidence=0.95)
    exact = binomtest(60, 600).proportion_ci(confidence_level=0.95, method="exact")
    assert (out["shrinkage"] == 0).all() and np.allclose(out["value"], 10.0)
    assert np.allclose(out["lowercl"], 100 * exact.low) and np.allclose(
        out["uppercl"], 100 * exact.high
    )


def test_simulated_areas_recover_the_beta_prior_and_smoothing_beats_the_raw_shares():
    rng = np.random.default_rng(11)
    k, a, b = 4000, 6.0, 24.0  # prior mean 0.2, variance a b / ((a + b)^2 (a + b + 1))
    truth = rng.beta(a, b, k)
    people = rng.integers(20, 400, k)
    data = pd.DataFrame({"x": rng.binomial(people, truth), "n": people})
    out = empirical_bayes_proportions(data, "x", "n", multiplier=1)
    assert out["prior_mean"].iloc[0] == pytest.approx(0.2, abs=0.005)
    assert out["prior_variance"].iloc[0] == pytest.approx(a * b / (30**2 * 31), rel=0.1)
    raw_error = float(((out["raw"] - truth) ** 2).mean())
    smooth_error = float(((out["value"] - truth) ** 2).mean())
    assert smooth_error < 0.8 * raw_error
    covered = ((out["lowercl"] <= truth) & (truth <= out["uppercl"])).mean()
    assert 0.93 <= covered <= 0.97


@pytest.mark.parametrize(
    ("x", "n", "rule"),
    [([3, 5], [10, 0], "denominator must be positive"),
     ([3, 12], [10, 10], "must not exceed the denominator"),
     ([3, -1], [10, 10], "column .x.: counts must not be negative")],
)  # fmt: skip
def test_impossible_counts_raise_naming_the_column(x, n, rule):
    with pytest.raises(InputError, match=rule):
        empirical_bayes_proportions(pd.DataFrame({"x": x, "n": n}), "x", "n")
