"""Random-intercept GLMs on stratum totals by maximum marginal likelihood (adaptive Gauss-Hermite).

Model: for stratum j with linear predictor ``eta_j = x_j beta + u_j``, ``u_j ~ N(0, sigma_u^2)``,

- ``family="binomial"``: y_j successes of n_j trials, ``y_j | u_j ~ Binomial(n_j, expit(eta_j))``;
- ``family="poisson"``: y_j events over exposure E_j, ``y_j | u_j ~ Poisson(E_j exp(eta_j))``;
- ``family="gaussian"``: n_j people with mean ybar_j and within-stratum sum of squares W_j,
  ``y_ij | u_j ~ N(eta_j, sigma_e^2)`` -- the stratum likelihood depends on these three only.

Because the predictors are constant within a stratum (MAIHDA: Evans et al. 2018, *Soc Sci Med*
203:64-73), these stratum totals are sufficient and the model is fitted to one row per
stratum. The marginal likelihood ``prod_j int f(y_j | x_j beta + sigma_u z) phi(z) dz`` is
computed by *adaptive* Gauss-Hermite quadrature (Liu & Pierce 1994, *Biometrika* 81:624-629;
Pinheiro & Bates 1995, *J Comput Graph Stat* 4:12-35): for each stratum the integrand's mode
and curvature are found by Newton steps (all strata at once), and the Hermite nodes are
centred and scaled there, so few nodes give an almost exact integral (with one node it is the
Laplace approximation; for the Gaussian family it is exact). The log-likelihood is maximised
over ``(beta, log sigma_u[, log sigma_e])`` by BFGS with the analytic gradient (the quadrature
rule applied to the score), polished by Newton steps; standard errors come from the inverse of
the numerically differentiated Hessian. Empirical-Bayes (posterior) means and SDs of u_j come
from the same quadrature. This is the approach of Stata's ``melogit``/``mepoisson`` and R's
``lme4::glmer(nAGQ > 1)`` for a single random intercept, written here so that no R is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from analysis.models.numerics import hessian_from_gradient
from analysis.validation import InputError

FAMILIES = ("binomial", "poisson", "gaussian")


@dataclass(frozen=True)
class StratumTotals:
    """Stratum-level data: ``y`` successes/events/means, ``size`` trials/exposure/people, ``within_ss`` (Gaussian only) and the stratum design matrix ``x``."""

    family: str
    y: np.ndarray
    size: np.ndarray
    x: np.ndarray
    within_ss: np.ndarray | None = None


@dataclass(frozen=True)
class RandomInterceptFit:
    """Estimates: ``params`` = (beta..., log sigma_u[, log sigma_e]) with covariance ``cov``.

    ``u_mean``/``u_sd`` are the posterior mean and SD of each stratum's random intercept.
    """

    family: str
    params: np.ndarray
    cov: np.ndarray
    loglik: float
    u_mean: np.ndarray
    u_sd: np.ndarray
    n_nodes: int
    converged: bool

    @property
    def n_beta(self) -> int:
        """Number of fixed effects (intercept included)."""
        return len(self.params) - 1 - (self.family == "gaussian")

    @property
    def beta(self) -> np.ndarray:
        """Fixed effects on the link scale, intercept first."""
        return self.params[: self.n_beta]

    @property
    def log_sigma_u(self) -> float:
        """Logarithm of the random intercepts' standard deviation."""
        return float(self.params[self.n_beta])

    @property
    def sigma_u2(self) -> float:
        """Variance of the random intercepts."""
        return float(np.exp(2 * self.log_sigma_u))

    @property
    def sigma_e2(self) -> float | None:
        """Residual variance (Gaussian family), else None."""
        return float(np.exp(2 * self.params[-1])) if self.family == "gaussian" else None


def _conditional(data: StratumTotals, eta: np.ndarray, log_sigma_e: float | None):
    """Conditional log-likelihood of each stratum given eta, its first and second derivatives in eta and (Gaussian) its derivative in log sigma_e.

    ``eta`` is (strata, nodes).
    """
    y, n = data.y[:, None], data.size[:, None]
    if data.family == "binomial":
        p = special.expit(eta)
        ll = (
            special.gammaln(n + 1) - special.gammaln(y + 1) - special.gammaln(n - y + 1)
            + y * eta - n * np.logaddexp(0.0, eta)
        )  # fmt: skip
        return ll, y - n * p, -n * p * (1 - p), None
    if data.family == "poisson":
        mu = n * np.exp(eta)
        ll = y * (eta + np.log(n)) - mu - special.gammaln(y + 1)
        return ll, y - mu, -mu, None
    var = np.exp(2 * log_sigma_e)
    rss = data.within_ss[:, None] + n * (y - eta) ** 2
    ll = -0.5 * n * np.log(2 * np.pi * var) - rss / (2 * var)
    return ll, n * (y - eta) / var, -n / var * np.ones_like(eta), -n + rss / var


def _split(data: StratumTotals, theta: np.ndarray) -> tuple[np.ndarray, float, float | None]:
    p = data.x.shape[1]
    return theta[:p], float(theta[p]), (float(theta[p + 1]) if data.family == "gaussian" else None)


def _posterior_mode(data, eta0, sigma, log_sigma_e) -> tuple[np.ndarray, np.ndarray]:
    """Mode and curvature of log f(y | eta0 + sigma z) + log phi(z) for every stratum at once."""
    z = np.zeros_like(eta0)
    for _ in range(100):
        _, d1, d2, _ = _conditional(data, (eta0 + sigma * z)[:, None], log_sigma_e)
        grad = sigma * d1[:, 0] - z
        hess = sigma**2 * d2[:, 0] - 1.0
        step = np.clip(-grad / hess, -3.0, 3.0)
        z = z + step
        if np.max(np.abs(step)) < 1e-11:
            break
    _, _, d2, _ = _conditional(data, (eta0 + sigma * z)[:, None], log_sigma_e)
    return z, 1.0 / np.sqrt(1.0 - sigma**2 * d2[:, 0])


def _quadrature(data: StratumTotals, theta: np.ndarray, n_nodes: int):
    """Log marginal likelihood per stratum, its gradient, and posterior node weights."""
    beta, log_sigma, log_sigma_e = _split(data, theta)
    sigma = np.exp(log_sigma)
    eta0 = data.x @ beta
    mode, scale = _posterior_mode(data, eta0, sigma, log_sigma_e)
    nodes, weights = np.polynomial.hermite.hermgauss(n_nodes)
    z = mode[:, None] + np.sqrt(2.0) * scale[:, None] * nodes[None, :]
    ll, d1, _, d_log_sigma_e = _conditional(data, eta0[:, None] + sigma * z, log_sigma_e)
    log_terms = (
        ll - 0.5 * z**2 - 0.5 * np.log(2 * np.pi)
        + np.log(weights) + nodes**2 + np.log(np.sqrt(2.0) * scale)[:, None]
    )  # fmt: skip
    log_integral = special.logsumexp(log_terms, axis=1)
    post = np.exp(log_terms - log_integral[:, None])  # posterior weights of the nodes
    grad = [(post * d1).sum(axis=1) @ data.x, np.sum(post * d1 * sigma * z)]
    if data.family == "gaussian":
        grad.append(np.sum(post * d_log_sigma_e))
    return log_integral, np.concatenate([np.atleast_1d(g) for g in grad]), post, z


def marginal_loglik(data: StratumTotals, theta: np.ndarray, n_nodes: int = 15) -> float:
    """Log marginal likelihood of a random-intercept model at given parameters.

    Method: adaptive Gauss-Hermite quadrature over each stratum's random intercept (Liu &
    Pierce 1994; Pinheiro & Bates 1995; see the module docstring).

    Parameters
    ----------
    data
        the stratum totals and design matrix.
    theta
        the parameters (beta..., log sigma_u[, log sigma_e]).
    n_nodes
        the number of quadrature nodes per stratum (default 15; 1 gives the Laplace
        approximation).

    Returns
    -------
    float
        The log marginal likelihood.
    """
    return float(_quadrature(data, theta, n_nodes)[0].sum())


def _hessian(data: StratumTotals, theta: np.ndarray, n_nodes: int) -> np.ndarray:
    return hessian_from_gradient(lambda t: _quadrature(data, t, n_nodes)[1], theta)


#: Below this sigma_u the variance is at its boundary (zero): the likelihood is flat in
#: log sigma_u, so that parameter gets no standard error.
BOUNDARY_SIGMA = 1e-4


def _covariance(hess: np.ndarray, theta: np.ndarray, n_beta: int) -> np.ndarray:
    """Inverse of the observed information.

    At the boundary sigma_u = 0 the other parameters' covariance comes from their own block
    and log sigma_u's variance is NaN.
    """
    if np.exp(theta[n_beta]) >= BOUNDARY_SIGMA:
        return np.linalg.inv(-hess)
    keep = np.delete(np.arange(len(theta)), n_beta)
    cov = np.full_like(hess, np.nan)
    cov[np.ix_(keep, keep)] = np.linalg.inv(-hess[np.ix_(keep, keep)])
    return cov


def fit_random_intercept(
    data: StratumTotals, start: np.ndarray, *, n_nodes: int = 15
) -> RandomInterceptFit:
    """Fit a random-intercept model by maximum marginal likelihood.

    Method: the marginal likelihood by adaptive Gauss-Hermite quadrature, maximised by BFGS
    with the analytic gradient and polished by Newton steps; standard errors from the
    numerically differentiated Hessian (see the module docstring).

    Parameters
    ----------
    data
        the stratum totals and design matrix; ``data.family`` one of :data:`FAMILIES`.
    start
        starting values (beta..., log sigma_u[, log sigma_e]).
    n_nodes
        the number of quadrature nodes per stratum (default 15).

    Returns
    -------
    RandomInterceptFit
        The estimates, their covariance, the log-likelihood and each stratum's posterior
        mean and SD of its random intercept.

    Raises
    ------
    InputError
        If ``data.family`` is not one of :data:`FAMILIES`.
    """
    if data.family not in FAMILIES:
        raise InputError(f"family must be one of {FAMILIES}, got {data.family!r}")

    def objective(theta):
        log_integral, grad, _, _ = _quadrature(data, theta, n_nodes)
        return -log_integral.sum(), -grad

    best = optimize.minimize(
        objective, start, jac=True, method="BFGS", options={"gtol": 1e-8, "maxiter": 1000}
    )
    theta = best.x
    for _ in range(20):  # Newton polish: quadratic convergence near the optimum
        grad = _quadrature(data, theta, n_nodes)[1]
        hess = _hessian(data, theta, n_nodes)
        step = np.linalg.solve(hess, grad)
        theta = theta - step
        if np.max(np.abs(step)) < 1e-9:
            break
    log_integral, grad, post, z = _quadrature(data, theta, n_nodes)
    hess = _hessian(data, theta, n_nodes)
    sigma = np.exp(_split(data, theta)[1])
    z_mean = (post * z).sum(axis=1)
    z_var = (post * (z - z_mean[:, None]) ** 2).sum(axis=1)
    cov = _covariance(hess, theta, data.x.shape[1])
    free = ~np.isnan(np.diag(cov))
    negative_definite = bool(np.all(np.linalg.eigvalsh(hess[np.ix_(free, free)]) < 0))
    return RandomInterceptFit(
        family=data.family,
        params=theta,
        cov=cov,
        loglik=float(log_integral.sum()),
        u_mean=sigma * z_mean,
        u_sd=sigma * np.sqrt(z_var),
        n_nodes=n_nodes,
        converged=negative_definite and float(np.max(np.abs(grad))) < 1e-4,
    )
