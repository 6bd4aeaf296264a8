"""interaction_power: closed forms (2 x 2 table, an additive 'interaction') and a Monte Carlo
check of the powers with binomial strata analysed by weighted least squares on empirical
logits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from analysis.models.power import interaction_power
from analysis.validation import InputError


def _grid(rows: int, cols: int, n: int, logit: np.ndarray, delta: np.ndarray) -> pd.DataFrame:
    a, b = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    p = special.expit(logit.ravel())
    return pd.DataFrame(
        {
            "a": a.ravel(),
            "b": b.ravel(),
            "n": n,
            "x": np.rint(n * p).astype(int),
            "delta": delta.ravel(),
        }
    )


def test_two_by_two_with_equal_weights_matches_the_closed_form():
    grid = _grid(2, 2, 100, np.zeros((2, 2)), np.array([[0, 0], [0, 1.0]]))
    out = interaction_power(grid, "delta", ["a", "b"], x="x", n="n").iloc[0]
    # residual +-1/4 in each of 4 cells, weight n p (1 - p) = 25: lambda = 4 * 25 / 16
    assert out["absorbed"] == pytest.approx(0.75)
    assert out["noncentrality"] == pytest.approx(6.25)
    assert out["intersectional_variance"] == pytest.approx(1 / 16)
    z = stats.norm.ppf(0.975)  # one degree of freedom: a two-sided z test with mean sqrt(6.25)
    expected = stats.norm.cdf(2.5 - z) + stats.norm.cdf(-2.5 - z)
    assert out["power_targeted"] == pytest.approx(expected, rel=1e-9)
    assert out["power_omnibus"] == pytest.approx(expected, rel=1e-9)  # df = 1 here
    assert (out["affected_strata"], out["affected_people"], out["df"]) == (1, 100, 1)


def test_an_additive_pattern_is_absorbed_and_has_only_the_test_size_as_power():
    rows = np.arange(3)[:, None] * 0.4 + np.arange(4)[None, :] * -0.2
    grid = _grid(3, 4, 200, rows, rows)  # "interaction" that is really two main effects
    out = interaction_power(grid, "delta", ["a", "b"], x="x", n="n").iloc[0]
    assert out["absorbed"] == pytest.approx(1)
    assert out["noncentrality"] == pytest.approx(0, abs=1e-18)
    assert out["power_targeted"] == pytest.approx(0.05)
    assert out["power_omnibus"] == pytest.approx(0.05)
    assert out["df"] == 6


def test_powers_agree_with_simulated_binomial_strata():
    rng = np.random.default_rng(20241205)
    rows, cols, n, reps = 3, 4, 400, 4000
    additive = np.arange(rows)[:, None] * 0.3 + np.linspace(-1, 0.5, cols)[None, :]
    delta = np.zeros((rows, cols))
    delta[2, 3], delta[2, 2] = 0.35, 0.2
    truth = additive + delta
    grid = _grid(rows, cols, n, truth, delta)
    out = interaction_power(grid, "delta", ["a", "b"], x="x", n="n").iloc[0]
    assert 0.2 < out["power_omnibus"] < out["power_targeted"] < 0.95  # informative range

    # simulate every repetition at once: empirical logits, weighted projection on main effects
    p = special.expit(truth.ravel())
    events = rng.binomial(n, p, size=(reps, p.size))
    logits = np.log((events + 0.5) / (n - events + 0.5))
    weight = n * p * (1 - p)
    a, b = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    design = np.column_stack(
        [np.ones(p.size)]
        + [(a.ravel() == i).astype(float) for i in range(1, rows)]
        + [(b.ravel() == j).astype(float) for j in range(1, cols)]
    )
    hat = design @ np.linalg.solve(
        design.T @ (design * weight[:, None]), (design * weight[:, None]).T
    )
    residuals = logits - logits @ hat.T
    pattern = delta.ravel() - hat @ delta.ravel()
    omnibus = (residuals**2 * weight).sum(axis=1)
    targeted = (residuals * weight * pattern).sum(axis=1) ** 2 / (weight * pattern**2).sum()
    df = p.size - design.shape[1]
    simulated_omnibus = np.mean(omnibus > stats.chi2.ppf(0.95, df))
    simulated_targeted = np.mean(targeted > stats.chi2.ppf(0.95, 1))
    assert simulated_omnibus == pytest.approx(out["power_omnibus"], abs=0.04)
    assert simulated_targeted == pytest.approx(out["power_targeted"], abs=0.04)


def test_a_stratum_without_variation_is_refused():
    grid = _grid(2, 2, 50, np.zeros((2, 2)), np.zeros((2, 2)))
    grid.loc[3, "x"] = 50
    with pytest.raises(InputError, match="people with and without the outcome"):
        interaction_power(grid, "delta", ["a", "b"], x="x", n="n")
