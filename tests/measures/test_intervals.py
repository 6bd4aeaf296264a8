"""Interval building blocks against closed forms and scipy computed independently."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from analysis.measures.intervals import (
    EXACT_BELOW,
    byars_limits,
    exact_poisson_limits,
    poisson_count_limits,
    wilson_limits,
)


def _wilson_closed_form(x, n, z):
    p = x / n
    centre = p + z**2 / (2 * n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return (centre - half) / (1 + z**2 / n), (centre + half) / (1 + z**2 / n)


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.998])
def test_wilson_limits_match_the_textbook_form_and_scale(confidence):
    rng = np.random.default_rng(11)
    n = rng.integers(1, 10**6, 2000).astype(float)
    x = np.floor(rng.random(2000) * (n + 1))
    x[:2], n[:2] = [0, 40], [40, 40]
    z = stats.norm.ppf(0.5 + confidence / 2)
    expected = _wilson_closed_form(x, n, z)
    for scale in [1, 100]:
        lower, upper = wilson_limits(x, n, confidence, scale=scale)
        np.testing.assert_allclose(lower, expected[0] * scale, rtol=1e-12, atol=1e-14 * scale)
        np.testing.assert_allclose(upper, expected[1] * scale, rtol=1e-12)
    assert wilson_limits(0, 40, confidence)[0] == 0
    assert wilson_limits(40, 40, confidence)[1] == pytest.approx(1, abs=1e-15)


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_poisson_count_limits_exact_below_10_byars_from_10_nan_when_missing(confidence):
    counts = np.array([0, 1, 2, 5, 9, 9.5, 10, 11, 250, 10**6, np.nan])
    lower, upper = poisson_count_limits(counts, confidence)
    alpha = 1 - confidence
    small = counts < EXACT_BELOW
    with np.errstate(invalid="ignore"):
        exact_lower = np.where(counts > 0, stats.chi2.ppf(alpha / 2, 2 * counts) / 2, 0.0)
    exact_upper = stats.chi2.ppf(1 - alpha / 2, 2 * counts + 2) / 2
    np.testing.assert_allclose(lower[small], exact_lower[small], rtol=1e-12)
    np.testing.assert_allclose(upper[small], exact_upper[small], rtol=1e-12)
    big = counts >= EXACT_BELOW
    byars_lower, byars_upper = byars_limits(counts[big], confidence)
    np.testing.assert_allclose(lower[big], byars_lower, rtol=1e-15)
    np.testing.assert_allclose(upper[big], byars_upper, rtol=1e-15)
    assert np.isnan(lower[-1]) and np.isnan(upper[-1])


def test_byars_limits_match_the_formula_and_approach_the_exact_limits():
    x = np.array([10.0, 37, 400, 123_456])
    z = stats.norm.ppf(0.975)
    lower, upper = byars_limits(x, 0.95)
    np.testing.assert_allclose(lower, x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3)
    y = x + 1
    np.testing.assert_allclose(upper, y * (1 - 1 / (9 * y) + z / (3 * np.sqrt(y))) ** 3)
    exact = exact_poisson_limits(x, 0.95)
    np.testing.assert_allclose(lower, exact[0], rtol=0.01)
    np.testing.assert_allclose(upper, exact[1], rtol=0.01)
    assert byars_limits(0, 0.95)[0] == 0
