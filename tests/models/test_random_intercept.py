"""Random-intercept GLMs by adaptive quadrature: against MixedLM, R's integrate(), simulation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.models.random_intercept import StratumTotals, fit_random_intercept, marginal_loglik
from analysis.models.strata import collapse_continuous


def _binomial_strata(seed: int, n_strata: int = 120, sigma: float = 0.5):
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(n_strata), rng.integers(0, 2, n_strata)]).astype(float)
    n = rng.integers(3, 400, n_strata).astype(float)
    eta = x @ np.array([-1.0, 0.5]) + rng.normal(0, sigma, n_strata)
    y = rng.binomial(n.astype(int), 1 / (1 + np.exp(-eta))).astype(float)
    return StratumTotals("binomial", y, n, x)


def _poisson_strata(seed: int, n_strata: int = 120, sigma: float = 0.4):
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(n_strata), rng.integers(0, 2, n_strata)]).astype(float)
    exposure = rng.uniform(500, 20_000, n_strata)
    eta = x @ np.array([-5.0, 0.5]) + rng.normal(0, sigma, n_strata)
    y = rng.poisson(exposure * np.exp(eta)).astype(float)
    return StratumTotals("poisson", y, exposure, x)


def test_gaussian_random_intercept_equals_statsmodels_mixedlm():
    rng = np.random.default_rng(1)
    n_strata = 80
    sizes = rng.integers(2, 40, n_strata)
    stratum = np.repeat(np.arange(n_strata), sizes)
    x_stratum = rng.integers(0, 2, n_strata).astype(float)
    u = rng.normal(0, 0.6, n_strata)
    y = 2 + 1.0 * x_stratum[stratum] + u[stratum] + rng.normal(0, 1.5, stratum.size)
    people = pd.DataFrame({"stratum": stratum, "y": y, "x": x_stratum[stratum]})
    rows = collapse_continuous(people, ["stratum", "x"], "y")
    totals = StratumTotals(
        "gaussian",
        rows["mean"].to_numpy(),
        rows["n"].to_numpy(dtype=float),
        np.column_stack([np.ones(len(rows)), rows["x"]]),
        rows["within_ss"].to_numpy(),
    )
    ours = fit_random_intercept(totals, np.array([0.0, 0.0, 0.0, 0.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.MixedLM(y, sm.add_constant(people["x"].to_numpy()), groups=stratum).fit(
            reml=False, method="bfgs", gtol=1e-10
        )
    np.testing.assert_allclose(ours.beta, ref.fe_params, atol=1e-5)
    np.testing.assert_allclose(np.sqrt(np.diag(ours.cov))[:2], ref.bse[:2], rtol=1e-4)
    assert ours.sigma_u2 == pytest.approx(float(np.asarray(ref.cov_re)[0, 0]), rel=1e-4)
    assert ours.sigma_e2 == pytest.approx(ref.scale, rel=1e-4)
    assert ours.loglik == pytest.approx(ref.llf, abs=1e-5)
    # the empirical-Bayes (BLUP) intercepts agree too
    blup = np.array([np.asarray(ref.random_effects[k])[0] for k in sorted(ref.random_effects)])
    np.testing.assert_allclose(ours.u_mean, blup, atol=1e-4)


@pytest.mark.parametrize("family", ["binomial", "poisson"])
def test_marginal_loglik_equals_r_numerical_integration(family, r_eval):
    """Each stratum's integral by R's adaptive integrate() (no lme4), summed, vs our AGQ."""
    data = _binomial_strata(2, 40) if family == "binomial" else _poisson_strata(2, 40)
    theta = (
        np.array([-0.9, 0.4, np.log(0.6)])
        if family == "binomial"
        else np.array([-5.1, 0.4, np.log(0.5)])
    )
    frame = pd.DataFrame({"y": data.y, "n": data.size, "eta0": data.x @ theta[:2]})
    density = (
        "dbinom(y, n, plogis(e0 + s * z))"
        if family == "binomial"
        else "dpois(y, n * exp(e0 + s * z))"
    )
    r = r_eval(
        f"s <- {float(np.exp(theta[2])):.17g}; sum(mapply(function(y, n, e0) log(integrate(function(z) "
        f"{density} * dnorm(z), -Inf, Inf, rel.tol = 1e-12, abs.tol = 0)$value), "
        "d$y, d$n, d$eta0))",
        d=frame,
    )
    assert marginal_loglik(data, theta, n_nodes=15) == pytest.approx(float(r[0]), abs=1e-6)


def test_few_adaptive_nodes_already_match_many():
    data = _binomial_strata(3)
    theta = np.array([-1.0, 0.5, np.log(0.5)])
    reference = marginal_loglik(data, theta, n_nodes=100)
    assert marginal_loglik(data, theta, n_nodes=15) == pytest.approx(reference, abs=1e-8)
    assert marginal_loglik(data, theta, n_nodes=1) != pytest.approx(reference, abs=1e-3)  # Laplace


def test_binomial_maximum_likelihood_equals_r_optim_on_integrated_likelihood(r_eval):
    data = _binomial_strata(4, 30)
    ours = fit_random_intercept(data, np.array([-1.0, 0.5, np.log(0.5)]))
    frame = pd.DataFrame({"y": data.y, "n": data.size, "x": data.x[:, 1]})
    r = r_eval(
        "nll <- function(p) -sum(mapply(function(y, n, x) log(integrate(function(z) "
        "dbinom(y, n, plogis(p[1] + p[2] * x + exp(p[3]) * z)) * dnorm(z), -Inf, Inf, "
        "rel.tol = 1e-10)$value), d$y, d$n, d$x)); "
        "o <- optim(c(-1, 0.5, log(0.5)), nll, method = 'BFGS', control = list(reltol = 1e-14)); "
        "c(o$par, -o$value)",
        d=frame,
    )
    np.testing.assert_allclose(ours.params, r[:3], atol=2e-4)
    assert ours.loglik == pytest.approx(r[3], abs=1e-6)


@pytest.mark.parametrize("make", [_binomial_strata, _poisson_strata])
def test_estimates_cover_the_truth_over_seeds(make):
    truth_sigma = 0.5 if make is _binomial_strata else 0.4
    truth_beta = np.array([-1.0, 0.5]) if make is _binomial_strata else np.array([-5.0, 0.5])
    missed = 0
    for seed in range(10, 16):  # six replicate datasets
        data = make(seed, 200, truth_sigma)
        fit = fit_random_intercept(data, np.array([truth_beta[0], 0.0, np.log(0.3)]))
        assert fit.converged
        est = fit.params
        se = np.sqrt(np.diag(fit.cov))
        truth = np.append(truth_beta, np.log(truth_sigma))
        missed += int(np.sum(np.abs(est - truth) > 1.96 * se))
    assert missed <= 3  # 18 intervals at 95%: P(4 or more misses) < 0.01
