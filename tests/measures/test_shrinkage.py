"""Empirical Bayes smoothing (analysis.measures.shrinkage) against hand calculation and simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import gamma

from analysis.measures.shrinkage import empirical_bayes_rates
from analysis.validation import InputError

EXAMPLE = pd.DataFrame(
    {"area": list("abcd"), "deaths": [2, 60, 12, 40], "py": [100, 1000, 400, 2000]}
)


def test_marshall_moments_by_hand():
    # m = 114 / 3500; s2 and phi written out term by term (Marshall 1991, section 3)
    m = 114 / 3500
    rates = [2 / 100, 60 / 1000, 12 / 400, 40 / 2000]
    s2 = sum(e * (r - m) ** 2 for e, r in zip([100, 1000, 400, 2000], rates, strict=True)) / 3500
    phi = s2 - m / (3500 / 4)
    expected = [
        m + phi / (phi + m / e) * (r - m)
        for e, r in zip([100, 1000, 400, 2000], rates, strict=True)
    ]
    out = empirical_bayes_rates(EXAMPLE, "deaths", "py")
    np.testing.assert_allclose(out["value"], expected, rtol=1e-12)
    np.testing.assert_allclose(out["prior_variance"], phi, rtol=1e-12)
    # limits: the gamma posterior (shape m^2/phi + O, rate m/phi + E)
    shape = m**2 / phi + EXAMPLE["deaths"]
    rate = m / phi + EXAMPLE["py"]
    np.testing.assert_allclose(out["lowercl"], gamma.ppf(0.025, shape) / rate, rtol=1e-10)
    np.testing.assert_allclose(out["uppercl"], gamma.ppf(0.975, shape) / rate, rtol=1e-10)
    assert (out["method"] == "Poisson-gamma, Marshall global moments").all()


def test_no_extra_variation_smooths_every_area_to_the_pooled_rate():
    df = pd.DataFrame({"deaths": [2, 30, 12], "py": [100, 1000, 400]})
    out = empirical_bayes_rates(df, "deaths", "py", multiplier=100_000)
    assert (out["shrinkage"] == 0).all()
    np.testing.assert_allclose(out["value"], 44 / 1500 * 100_000)
    # pooled exact Poisson limits of 44 events (chi-squared form, computed here directly)
    from scipy.stats import chi2

    np.testing.assert_allclose(out["lowercl"], chi2.ppf(0.025, 88) / 2 / 1500 * 100_000)
    np.testing.assert_allclose(out["uppercl"], chi2.ppf(0.975, 90) / 2 / 1500 * 100_000)


def test_simulated_gamma_poisson_areas_recover_the_prior_and_beat_raw_rates():
    rng = np.random.default_rng(1)
    k, m, phi = 4_000, 0.01, 0.000_016  # true rates: mean 1%, sd 0.4 points
    exposure = rng.integers(200, 3_000, k).astype(float)
    theta = rng.gamma(m**2 / phi, phi / m, k)
    deaths = rng.poisson(theta * exposure)
    out = empirical_bayes_rates(pd.DataFrame({"x": deaths, "n": exposure}), "x", "n")
    assert out["prior_mean"].iloc[0] == pytest.approx(m, rel=0.03)
    assert out["prior_variance"].iloc[0] == pytest.approx(phi, rel=0.15)
    raw_error = np.mean((out["raw"] - theta) ** 2)
    eb_error = np.mean((out["value"] - theta) ** 2)
    assert eb_error < 0.8 * raw_error
    covered = np.mean((out["lowercl"] <= theta) & (theta <= out["uppercl"]))
    assert covered == pytest.approx(0.95, abs=0.02)
    # the smallest areas are shrunk most
    assert out["shrinkage"].corr(pd.Series(exposure)) > 0.9


def test_sets_are_smoothed_separately():
    both = pd.concat([EXAMPLE.assign(ind="a"), EXAMPLE.assign(ind="b", deaths=[5, 9, 30, 8])])
    out = empirical_bayes_rates(both, "deaths", "py", group_by="ind")
    alone = empirical_bayes_rates(both[both["ind"] == "b"], "deaths", "py")
    np.testing.assert_allclose(out["value"].iloc[4:], alone["value"])
    np.testing.assert_allclose(
        out["value"].iloc[:4], empirical_bayes_rates(EXAMPLE, "deaths", "py")["value"]
    )


@pytest.mark.parametrize(
    ("column", "bad", "rule"),
    [("py", 0, "exposure must be positive"), ("deaths", -1, "negative")],
)
def test_bad_input_names_the_column_and_rule(column, bad, rule):
    df = EXAMPLE.copy()
    df.loc[1, column] = bad
    with pytest.raises(InputError, match=rule) as err:
        empirical_bayes_rates(df, "deaths", "py")
    assert column in str(err.value)
