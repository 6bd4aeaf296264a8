"""Absolute differences from a fitted model: standardised predictions and average marginal effects.

Method: marginal (direct) standardisation by g-computation (Robins 1986; Muller & MacLehose
2014, *Int J Epidemiol* 43:962-970). Every row of the fitted data (each stratum, weighted by
its people or person-time -- the observed covariate distribution) is given the level of
interest, the model predicts its probability (or rate), and the weighted mean of the
predictions is the *standardised* probability (rate) had everyone been in that level. The
difference between two levels is the average marginal effect of the contrast (a risk or rate
difference); for a continuous predictor the average marginal effect is the mean derivative of
the prediction per unit (Williams 2012, *Stata J* 12:308-331), taken here by a central
difference so it also holds with interactions.

Intervals: the delta method (gradient of the weighted mean with respect to the coefficients,
``g' V g``), or a parametric simulation that draws coefficient vectors from their estimated
normal distribution (King, Tomz & Wittenberg 2000, *Am J Polit Sci* 44:347-361) and takes
percentiles -- all draws at once as one matrix product, no loop over repetitions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis.measures._output import confidence_label
from analysis.models.glm import ModelFit
from analysis.models.tidy import limit_columns, wald_limits
from analysis.validation import InputError


def _inverse_link(fit: ModelFit, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and its derivative with respect to the linear predictor."""
    if fit.spec.family == "binomial":
        p = special.expit(eta)
        return p, p * (1 - p)
    mu = np.exp(eta)
    return mu, mu


def _contrast_frames(fit: ModelFit, variable: str) -> tuple[list[str], list[pd.DataFrame], str]:
    """Return the fitted rows with ``variable`` set to each level (or nudged either side of its value)."""
    rows = fit.data
    if variable in fit.design.levels:
        levels = fit.design.levels[variable]
        frames = [rows.assign(**{variable: np.repeat(np.array([v], dtype=object), len(rows))})
                  for v in levels]  # fmt: skip
        return [str(v) for v in levels], frames, "categorical"
    if variable in fit.design.continuous:
        values = rows[variable].to_numpy(dtype="float64")
        step = 1e-4 * max(1.0, float(np.std(values)))
        frames = [
            rows.assign(**{variable: values - step}),
            rows.assign(**{variable: values + step}),
        ]
        return [str(-step), str(step)], frames, "continuous"
    raise InputError(f"{variable!r} is not a predictor of the model ({fit.design.variables})")


def _labels(fit: ModelFit, multiplier: float) -> tuple[str, str]:
    if fit.spec.family == "binomial":
        unit = "" if multiplier == 1 else f" per {multiplier:,.0f}"
        return f"standardised probability{unit}", f"risk difference{unit}"
    return f"standardised rate per {multiplier:,.0f}", f"rate difference per {multiplier:,.0f}"


def standardised_predictions(
    fit: ModelFit,
    variable: str,
    *,
    method: str = "delta",
    repetitions: int = 2_000,
    seed: int | None = None,
    multiplier: float | None = None,
) -> pd.DataFrame:
    """Standardised probabilities (rates) by level of ``variable`` and differences from the reference.

    Method: marginal standardisation by g-computation (Robins 1986; Muller & MacLehose 2014,
    *Int J Epidemiol* 43:962-970) over the observed covariate distribution; delta-method or
    simulation intervals (King, Tomz & Wittenberg 2000, *Am J Polit Sci* 44:347-361).

    Parameters
    ----------
    fit
        A fitted model (:func:`analysis.models.binary_model` or
        :func:`analysis.models.rate_model`).
    variable
        The predictor whose levels are compared, all else standardised.
    method
        ``"delta"``: Wald intervals from the delta method; ``"simulation"``: percentile
        intervals of ``repetitions`` coefficient vectors drawn from the fit.
    repetitions
        The number of draws for ``method="simulation"``.
    seed
        The seed of the draws, for reproducible simulation intervals.
    multiplier
        Scale of the predictions: default 1 for probabilities and 100,000 for rates (per
        unit of the population column, e.g. person-years).

    Returns
    -------
    pandas.DataFrame
        ``term, variable, level, reference, value``, the limits, ``p, model, confidence,
        statistic, method``. For a categorical ``variable``: one row per level
        (``statistic`` "standardised probability" or "standardised rate per 100,000") and
        one per non-reference level for the difference from the reference level ("risk
        difference" / "rate difference per 100,000"). For a continuous ``variable``: one row,
        the average marginal effect per unit. The limits are at the fit's confidence
        level(s), one pair of columns per level (``lowercl``/``uppercl``, or
        ``lower95_0cl``, ``upper99_8cl``, ... when the model was fitted with several), all
        from the same standard errors or draws.

    Examples
    --------
    >>> from analysis.models.glm import binary_model
    >>> df = pd.DataFrame({"group": ["a", "b"], "late": [20, 40], "cases": [100, 100]})
    >>> fit = binary_model(df, "late", ["group"], n="cases")
    >>> standardised_predictions(fit, "group")[["term", "value", "statistic"]]
          term  value                 statistic
    0  group=a    0.2  standardised probability
    1  group=b    0.4  standardised probability
    2  group=b    0.2           risk difference
    """
    if method not in ("delta", "simulation"):
        raise InputError(f"method must be 'delta' or 'simulation', got {method!r}")
    if multiplier is None:
        multiplier = 1.0 if fit.spec.family == "binomial" else 100_000.0
    levels, frames, kind = _contrast_frames(fit, variable)
    weights = fit.weights / fit.weights.sum()
    matrices = np.stack([fit.design.matrix(f) for f in frames])  # (levels, rows, params)
    mu, dmu = _inverse_link(fit, matrices @ fit.params)
    means = mu @ weights * multiplier
    grads = np.einsum("lr,lrp->lp", dmu * weights, matrices) * multiplier
    contrast = _contrast_matrix(len(levels), kind, levels)
    estimates = (
        np.concatenate([means, contrast @ means]) if kind == "categorical" else contrast @ means
    )
    gradients = np.vstack([grads, contrast @ grads]) if kind == "categorical" else contrast @ grads
    confidence = fit.spec.confidence
    if method == "delta":
        se = np.sqrt(np.einsum("kp,pq,kq->k", gradients, fit.cov, gradients))
        limits = wald_limits(estimates, se, confidence)
        p = 2 * stats.norm.sf(np.abs(estimates / se))
    else:
        draws = _simulate(fit, matrices, weights, repetitions, seed) * multiplier  # (levels, reps)
        draws = np.vstack([draws, contrast @ draws]) if kind == "categorical" else contrast @ draws
        tails = np.array([[(1 - c) / 2, (1 + c) / 2] for c in confidence]).ravel()
        quantiles = np.quantile(draws, tails, axis=1)  # (2 x levels, rows), from the same draws
        limits = list(zip(quantiles[0::2], quantiles[1::2], strict=True))
        p = np.minimum(1.0, 2 * np.minimum((draws <= 0).mean(axis=1), (draws >= 0).mean(axis=1)))
    level_statistic, difference_statistic = _labels(fit, multiplier)
    if kind == "categorical":
        terms = [f"{variable}={v}" for v in levels] + [f"{variable}={v}" for v in levels[1:]]
        statistics = [level_statistic] * len(levels) + [difference_statistic] * (len(levels) - 1)
        p = np.where(np.arange(len(terms)) < len(levels), np.nan, p)
        shown_levels = levels + levels[1:]
        reference = [""] * len(levels) + [levels[0]] * (len(levels) - 1)
    else:
        terms, shown_levels, reference = [variable], ["per unit"], [""]
        statistics = [f"average marginal effect: {difference_statistic} per unit"]
    return pd.DataFrame(
        {
            "term": terms,
            "variable": variable,
            "level": shown_levels,
            "reference": reference,
            "value": estimates,
            **limit_columns(limits, confidence),
            "p": p,
            "model": fit.model,
            "confidence": confidence_label(confidence),
            "statistic": statistics,
            "method": "delta method" if method == "delta" else f"simulation ({repetitions})",
        }
    )


def _contrast_matrix(n_levels: int, kind: str, levels: list[str]) -> np.ndarray:
    """Rows of differences: each level minus the reference, or the central-difference slope."""
    if kind == "categorical":
        c = np.eye(n_levels)[1:]
        c[:, 0] = -1.0
        return c
    step = float(levels[1])
    return np.array([[-1.0, 1.0]]) / (2 * step)


def _simulate(
    fit: ModelFit, matrices: np.ndarray, weights: np.ndarray, repetitions: int, seed: int | None
) -> np.ndarray:
    """Weighted mean prediction per level for ``repetitions`` coefficient draws at once."""
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(fit.params, fit.cov, size=repetitions, method="cholesky")
    mu, _ = _inverse_link(fit, matrices @ draws.T)  # (levels, rows, reps)
    return np.einsum("lrs,r->ls", mu, weights)
