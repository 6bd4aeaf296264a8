"""Slope index of inequality (SII) and relative index of inequality (RII).

Each group's quantiles (e.g. deprivation deciles, 1 = most deprived) are given a relative rank:
the midpoint of the quantile's range in the cumulative population distribution. The indicator
is regressed on that rank with population-share weights; the SII is the fitted difference
between rank 1 and rank 0 (the slope) and the RII their ratio (Low & Low 2004, *J Public Health*
26:388-395). Three published methods are available through ``method``:

========================  ==========================  ===========================  ==============================
                          ``"ohid"`` (default)        ``"scotpho"``                ``"who_heat"``
========================  ==========================  ===========================  ==============================
Fit                       WLS of value on rank,       WLS of value on rank,        WLS (normal/rate) or logistic
                          population-share weights;   population weights           (proportion) regression on the
                          optional log/logit fit                                   weighted midpoint rank
SII                       fitted value at rank 1      slope                        predicted value at rank 1
                          minus rank 0                                             minus rank 0
RII                       fitted rank 1 / rank 0      SII / population-weighted    predicted rank 1 / rank 0
                                                      mean (relative to overall)
Confidence limits         Monte Carlo: values drawn   analytic: regression         delta method with
                          from N(value, SE) (log or   standard error from the      heteroskedasticity-robust
                          logit scale for rates and   residuals, Student t with    (HC1) covariance, normal
                          proportions), refitted,     k - 2 degrees of freedom     quantile; RII on the log scale
                          order statistics
Uses SE / limits          yes                         no                           no
Reference                 PHEindicatormethods         ScotPHO (2007); Scottish     WHO HEAT technical notes;
                          ``phe_sii``; OHID Fingertips Government long-term        Schlotheuber & Hosseinpoor
                          technical guidance          monitoring technical notes   (2022)
========================  ==========================  ===========================  ==============================

The three agree on the SII point estimate for normal and rate data (the same weighted line);
they differ in the confidence limits (sampling error of the quantile values versus scatter of
the quantiles about the line), in the RII (ratio of the line's ends versus slope relative to
the mean) and, for proportions, in HEAT's logistic fit.

OHID details, as PHEindicatormethods 2.x: for rates and proportions the values are simulated on
the log / logit scale and back-transformed before fitting, so **a supplied ``se`` for a rate or
proportion is the standard error of log(value) or logit(value)**; when ``se`` is not given it is
``(g(upper) - g(lower)) / (2 z)`` with ``g`` the log/logit (identity for normal values) and
``z`` for the limits' confidence (95% unless ``limits_confidence`` says otherwise). With
``transform=True`` the line is fitted to log rates / logit proportions and back-transformed:
SII = g⁻¹(a + b) - g⁻¹(a), RII = g⁻¹(a + b) / g⁻¹(a), and the limits come from the simulated
transformed slope pivoted about the fitted midpoint.

Polarity. The fitted line runs from the most deprived end (rank 0) to the least deprived end
(rank 1). For a ``"favourable"`` indicator (higher is better, e.g. life expectancy) the SII is
the fitted value at rank 1 minus rank 0 and the RII their ratio, rank 1 / rank 0; for an
``"adverse"`` indicator (higher is worse, e.g. mortality) the SII is rank 0 minus rank 1 (the
sign and the limits flip) and the RII is rank 0 / rank 1 (the ratio and its limits are
inverted). Either way a positive SII and an RII above 1 mean the most deprived fare worse, as
OHID presents the SII on Fingertips (OHID *Slope index of inequality* technical guidance;
PHEindicatormethods ``phe_sii`` does it with a negative ``multiplier``, which here is
``polarity="adverse"``). WHO HEAT reports the unflipped slope and reads its sign with the
indicator's polarity (WHO *HEAT technical notes*, "Slope index of inequality"); that is
``polarity="favourable"`` for any indicator, and what
:func:`~analysis.inequality.summary_measures.summary_measures` reports.
ScotPHO's RII is the SII relative to the mean, so ``"adverse"`` flips its sign like the SII's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis.inequality._layout import (
    grouped_layout,
    population_shares_and_ranks,
    weighted_line_coefficients,
    weighted_line_fit,
)
from analysis.inequality._simulation import (
    limit_positions,
    mean_absolute_difference,
    simulate_limits,
)
from analysis.measures._inputs import check_not_empty
from analysis.measures._output import confidence_label, limit_column_names
from analysis.measures.intervals import z_value
from analysis.validation import (
    InputError,
    check_confidence,
    check_polarity,
    check_positive,
    check_single_confidence,
    fail_rows,
    require_columns,
    require_numeric,
)

VALUE_TYPES = ("normal", "rate", "proportion")
METHODS = ("ohid", "scotpho", "who_heat")
MAX_QUANTILES = 100
#: The ``statistic`` column: a description of each ``measure`` (short name) in the output.
STATISTIC_DESCRIPTIONS = {
    "SII": "slope index of inequality",
    "RII": "relative index of inequality",
    "intercept": "fitted value at rank 0 (most deprived end)",
}


@dataclass(frozen=True)
class _Scale:
    """Link used for simulation / transformed fitting and its inverse (None = identity)."""

    forward: Callable[[np.ndarray], np.ndarray] | None
    inverse: Callable[[np.ndarray], np.ndarray] | None


_SCALES = {
    "normal": _Scale(None, None),
    "rate": _Scale(np.log, np.exp),
    "proportion": _Scale(special.logit, special.expit),
}


def slope_index_of_inequality(
    data: pd.DataFrame,
    quantile: str,
    n: str,
    value: str,
    *,
    polarity: str,
    group_by: Sequence[str] | str | None = None,
    value_type: str = "normal",
    se: str | None = None,
    lower_cl: str | None = None,
    upper_cl: str | None = None,
    confidence: float | Sequence[float] = 0.95,
    repetitions: int = 100_000,
    transform: bool = False,
    rii: bool = False,
    intercept: bool = False,
    reliability_stat: bool = False,
    method: str = "ohid",
    seed: int | np.random.Generator | None = None,
    multiplier: float = 1,
    min_quantiles: int = 5,
    limits_confidence: float = 0.95,
) -> pd.DataFrame:
    """Slope index of inequality (and optionally RII and intercept) for each group.

    Method: population-weighted regression of quantile values on cumulative-rank midpoints
    (Low & Low 2004, *J Public Health* 26:388-395), with the presets in the module docstring:
    ``"ohid"`` as PHEindicatormethods ``phe_sii`` (Monte-Carlo limits; OHID Fingertips
    technical guidance), ``"scotpho"`` (analytic regression limits; RII = SII / mean, ScotPHO
    2007 *Measuring socio-economic inequalities in health: a practical guide*) and
    ``"who_heat"`` (delta-method limits; WHO *Health Equity Assessment Toolkit: technical
    notes*; Schlotheuber & Hosseinpoor 2022, *IJERPH* 19:3697).

    Parameters
    ----------
    data
        One row per group x quantile, in any order; the quantile labels order the
        quantiles from most to least deprived (e.g. decile 1 = most deprived).
    quantile, n, value
        Column names: quantile label, quantile population (the denominator: people or
        person-years; ``phe_sii``'s ``population``), indicator. The labels are
        numbers and order the quantiles (1 = most deprived); numbers stored as text
        (``"1"`` to ``"10"``, as read from a CSV of text) are read as numbers and ordered
        numerically, never as text (where ``"10"`` would sort before ``"2"``); other text
        raises :class:`InputError`.
    polarity
        ``"adverse"`` (higher is worse) or ``"favourable"`` (higher is better); it sets the
        sign of the SII and the direction of the RII so that a positive SII (an RII above 1)
        means the most deprived fare worse (module docstring, "Polarity"). Required: the
        answer's sign depends on it.
    group_by
        Columns identifying each separate SII (e.g. area and sex).
    value_type
        ``"normal"`` (e.g. life expectancy), ``"rate"`` or ``"proportion"`` (as 0-1).
    se, lower_cl, upper_cl
        Standard error column, or the value's confidence limits (needed by ``"ohid"``).
        For rates and proportions ``se`` is on the log / logit scale (module docstring).
    confidence
        Level(s) for the SII/RII limits, e.g. ``0.95`` or ``[0.95, 0.998]``.
    repetitions
        Monte-Carlo repetitions (``"ohid"``; at least 1,000).
    transform
        Fit the line to log rates / logit proportions (``"ohid"``; needs the limits).
    rii, intercept
        Also return the RII and the fitted value at rank 0.
    reliability_stat
        Run the simulation 10 times and report the mean absolute difference of the limits
        between the first and later runs (column ``mad``).
    method
        ``"ohid"`` (PHEindicatormethods ``phe_sii``, Monte-Carlo limits), ``"scotpho"``
        (analytic regression limits, RII = SII / mean) or ``"who_heat"`` (delta-method
        limits); the module docstring compares them.
    seed
        Seed or :class:`numpy.random.Generator` for reproducible Monte-Carlo limits.
    multiplier
        Positive scale for the SII, its limits and the intercept (e.g. 100 for percentages
        from proportions); polarity is ``polarity``, not a negative multiplier.
    min_quantiles
        Fewest quantiles allowed per group (OHID: 5).
    limits_confidence
        Confidence level of ``lower_cl`` and ``upper_cl`` (one level, default 0.95), used to
        turn them into standard errors: ``(g(upper) - g(lower)) / (2 z)``. It is the level of
        the input limits, not of the output (that is ``confidence``).

    Returns
    -------
    pandas.DataFrame
        DataFrame with one row per group x measure (``"SII"``, then ``"RII"``, ``"intercept"``
        when asked): group columns, ``measure`` (that short name), ``statistic`` (its
        description, as PHEindicatormethods' ``statistic`` column: ``STATISTIC_DESCRIPTIONS``),
        ``value``, limit columns (``lowercl``,
        ``uppercl`` or one pair per level, e.g. ``lower95_0cl``), ``confidence``, ``method``
        (and ``mad`` columns with ``reliability_stat``).

    Examples
    --------
    >>> d = pd.DataFrame({"decile": range(1, 11), "pop": [1000] * 10,
    ...                   "le": [70.0 + i for i in range(10)], "se": [0.5] * 10})
    >>> out = slope_index_of_inequality(d, "decile", "pop", "le", polarity="favourable",
    ...                                 se="se", seed=1)
    >>> round(float(out["value"].iloc[0]), 6)
    10.0
    """
    group_by = [group_by] if isinstance(group_by, str) else list(group_by or [])
    if value_type not in VALUE_TYPES:
        raise InputError(f"value_type must be one of {VALUE_TYPES}, got {value_type!r}")
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}, got {method!r}")
    levels = check_confidence(confidence)
    limits_confidence = check_single_confidence(limits_confidence, name="limits_confidence")
    if transform and (method != "ohid" or value_type == "normal"):
        raise InputError(
            "transform=True needs method='ohid' and value_type 'rate' (log) or 'proportion' (logit)"
        )
    if transform and se is not None:
        raise InputError(
            "transform=True needs lower_cl and upper_cl, not se (as PHEindicatormethods)"
        )
    if method == "ohid" and se is None and (lower_cl is None or upper_cl is None):
        raise InputError("method 'ohid' needs either se or both lower_cl and upper_cl")
    if method == "ohid" and (not float(repetitions).is_integer() or repetitions < 1000):
        raise InputError(f"repetitions must be a whole number of 1000 or more, got {repetitions}")
    check_polarity(polarity)
    if not np.isfinite(multiplier) or multiplier <= 0:
        raise InputError(
            f"multiplier must be a positive number (a scale such as 100), got {multiplier!r}; "
            "for an indicator where higher is worse pass polarity='adverse' instead of a "
            "negative multiplier"
        )
    # The internal calculations take the multiplier with polarity's sign (as phe_sii does).
    signed = -multiplier if polarity == "adverse" else multiplier

    uses_spread = method == "ohid"
    spread_cols = ([se] if se is not None else [lower_cl, upper_cl]) if uses_spread else []
    require_columns(data, [*group_by, quantile, n, value, *spread_cols])
    check_not_empty(data)
    context = [*group_by, quantile]
    order = require_numeric(data, quantile, context=context)
    if not pd.api.types.is_numeric_dtype(data[quantile]):  # numbers as text: "1" to "10"
        data = data.assign(**{quantile: order})
    layout = grouped_layout(data, quantile, group_by)
    frame = layout.data
    pop = check_positive(frame, n, context=context)
    values = require_numeric(frame, value, context=context)
    spread = _spread_on_simulation_scale(
        frame, value_type, se, lower_cl, upper_cl, limits_confidence, uses_spread, context
    )
    _check_value_range(frame, value_type, value, values, method, context)
    _check_quantile_counts(layout, min_quantiles, quantile)

    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n_groups = len(layout.keys)
    result = {
        "sii": np.empty(n_groups),
        "rii": np.empty(n_groups),
        "intercept": np.empty(n_groups),
        "sii_limits": np.empty((n_groups, len(levels), 2)),
        "rii_limits": np.empty((n_groups, len(levels), 2)),
        "mad_sii": np.full((n_groups, len(levels)), np.nan),
        "mad_rii": np.full((n_groups, len(levels)), np.nan),
    }
    for batch in layout.batches:
        share, rank = population_shares_and_ranks(pop[batch.rows])
        y = values[batch.rows]
        if method == "ohid":
            part = _ohid(
                y, spread[batch.rows], share, rank, value_type=value_type, transform=transform,
                levels=levels, repetitions=int(repetitions), rii=rii,
                reliability=reliability_stat, signed=signed, rng=rng,
            )  # fmt: skip
        elif method == "scotpho":
            part = _scotpho(y, share, rank, levels, signed)
        else:
            part = _who_heat(y, share, rank, value_type, levels, signed)
        for name, array in part.items():
            result[name][batch.group] = array
    return _tidy_output(
        layout.keys, result, levels, rii=rii, intercept=intercept,
        reliability=reliability_stat and method == "ohid",
        method_label=_method_label(method, value_type, transform, int(repetitions)),
    )  # fmt: skip


def _spread_on_simulation_scale(
    frame: pd.DataFrame,
    value_type: str,
    se: str | None,
    lower_cl: str | None,
    upper_cl: str | None,
    limits_confidence: float,
    needed: bool,
    context: list[str],
) -> np.ndarray:
    """Return the standard error of each value on the simulation scale (identity, log or logit)."""
    if not needed:
        return np.zeros(len(frame))
    if se is not None:
        out = require_numeric(frame, se, context=context)
        fail_rows(frame, out < 0, se, "standard errors must not be negative", context=context)
        return out
    lower = require_numeric(frame, lower_cl, context=context)
    upper = require_numeric(frame, upper_cl, context=context)
    scale = _SCALES[value_type]
    if scale.forward is not None:
        if value_type == "rate":
            bad = (lower <= 0) | (upper <= 0)
            rule = "limits must be greater than zero (their logs are taken)"
        else:
            bad = (lower <= 0) | (lower >= 1) | (upper <= 0) | (upper >= 1)
            rule = "proportion limits must lie strictly between 0 and 1 (logit is taken)"
        fail_rows(frame, bad, [lower_cl, upper_cl], rule, context=context)
    fail_rows(
        frame, lower > upper, [lower_cl, upper_cl], "lower limit must not exceed upper limit",
        context=context,
    )  # fmt: skip
    if scale.forward is not None:
        lower, upper = scale.forward(lower), scale.forward(upper)
    return (upper - lower) / (2 * z_value(limits_confidence))


def _check_value_range(
    frame: pd.DataFrame,
    value_type: str,
    value: str,
    values: np.ndarray,
    method: str,
    context: list[str],
) -> None:
    if value_type == "proportion":
        logit_taken = method == "ohid"
        bad = (values <= 0) | (values >= 1) if logit_taken else (values < 0) | (values > 1)
        rule = (
            "proportions must lie strictly between 0 and 1 (logit is taken; give proportions "
            "as 0-1 and use multiplier for percentages)"
            if logit_taken
            else "proportions must lie between 0 and 1 (use multiplier for percentages)"
        )
        fail_rows(frame, bad, value, rule, context=context)
    elif value_type == "rate" and method == "ohid":
        fail_rows(
            frame, values <= 0, value, "rates must be greater than zero (their logs are taken)",
            context=context,
        )  # fmt: skip


def _check_quantile_counts(layout, min_quantiles: int, quantile: str) -> None:
    for batch in layout.batches:
        if batch.k < min_quantiles or batch.k > MAX_QUANTILES:
            shown = (
                layout.keys.iloc[batch.group[:5]].to_string() if len(layout.keys.columns) else ""
            )
            raise InputError(
                f"column {quantile!r}: each group needs between {min_quantiles} and "
                f"{MAX_QUANTILES} quantiles; {len(batch.group)} group(s) have {batch.k}. "
                f"Example groups:\n{shown}"
            )


def _ohid(
    y: np.ndarray,
    spread: np.ndarray,
    share: np.ndarray,
    rank: np.ndarray,
    *,
    value_type: str,
    transform: bool,
    levels: list[float],
    repetitions: int,
    rii: bool,
    reliability: bool,
    signed: float,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """OHID/PHE point estimates and Monte-Carlo limits for one batch of groups.

    ``signed`` is the multiplier with polarity's sign (negative for ``"adverse"``), as
    ``phe_sii`` takes it; the other presets' helpers take it the same way.
    """
    scale = _SCALES[value_type]
    c, d = weighted_line_coefficients(share, rank)
    centre = y if scale.forward is None else scale.forward(y)
    sets = 10 if reliability else 1
    draws = rng.standard_normal((sets * repetitions, y.shape[1]), dtype=np.float32)
    positions = limit_positions(repetitions, levels)
    sim = simulate_limits(
        centre, spread, c, d,
        back_transform=None if transform else scale.inverse,
        draws=draws, sets=sets, positions=positions,
        slope_factor=1.0 if transform else signed,
        rii=rii and not transform, invert_rii=signed < 0,
    )  # fmt: skip
    if transform:
        return _back_transformed_line(centre, c, d, sim.slope, scale.inverse, signed)
    slope = (c * y).sum(axis=1)
    start = (d * y).sum(axis=1)
    ratio = (start + slope) / start
    out = {
        "sii": signed * slope,
        "rii": 1 / ratio if signed < 0 else ratio,
        "intercept": start * abs(signed),
        "sii_limits": sim.slope[:, 0],
        "mad_sii": mean_absolute_difference(sim.slope) if reliability else None,
    }
    if rii:
        out["rii_limits"] = sim.rii[:, 0]
        out["mad_rii"] = mean_absolute_difference(sim.rii) if reliability else None
    return {k: v for k, v in out.items() if v is not None}


def _back_transformed_line(
    t: np.ndarray,
    c: np.ndarray,
    d: np.ndarray,
    simulated_slope: np.ndarray,
    inverse: Callable[[np.ndarray], np.ndarray],
    signed: float,
) -> dict[str, np.ndarray]:
    """SII/RII of a line fitted on the log/logit scale, limits pivoted about its midpoint."""
    slope = (c * t).sum(axis=1)
    start = (d * t).sum(axis=1)
    middle = (start + slope / 2)[:, None, None, None]

    def ends(b):
        return inverse(middle - b / 2), inverse(middle + b / 2)

    low_end, high_end = ends(simulated_slope)
    sii_limits = signed * (high_end - low_end)
    rii_limits = high_end / low_end
    if signed < 0:
        sii_limits = sii_limits[..., ::-1]
        rii_limits = 1 / rii_limits[..., ::-1]
    at_zero, at_one = inverse(start), inverse(start + slope)
    ratio = at_one / at_zero
    reliability = simulated_slope.shape[1] > 1
    out = {
        "sii": signed * (at_one - at_zero),
        "rii": 1 / ratio if signed < 0 else ratio,
        "intercept": at_zero * abs(signed),
        "sii_limits": sii_limits[:, 0],
        "rii_limits": rii_limits[:, 0],
    }
    if reliability:
        out["mad_sii"] = mean_absolute_difference(sii_limits)
        out["mad_rii"] = mean_absolute_difference(rii_limits)
    return out


def _scotpho(
    y: np.ndarray, share: np.ndarray, rank: np.ndarray, levels: list[float], signed: float
) -> dict[str, np.ndarray]:
    """ScotPHO: weighted regression with analytic t limits; RII relative to the mean."""
    slope, start, se = weighted_line_fit(y, share, rank)
    k = y.shape[1]
    t = np.array([stats.t.ppf(0.5 + level / 2, k - 2) for level in levels])
    limits = np.stack([slope[:, None] - t * se[:, None], slope[:, None] + t * se[:, None]], -1)
    mean = (share * y).sum(axis=1)
    sii_limits = signed * limits
    if signed < 0:
        sii_limits = sii_limits[..., ::-1]
    return {
        "sii": signed * slope,
        "rii": np.sign(signed) * slope / mean,
        "intercept": start * abs(signed),
        "sii_limits": sii_limits,
        "rii_limits": sii_limits / (abs(signed) * mean[:, None, None]),
    }


def _who_heat(
    y: np.ndarray,
    share: np.ndarray,
    rank: np.ndarray,
    value_type: str,
    levels: list[float],
    signed: float,
) -> dict[str, np.ndarray]:
    """WHO HEAT: linear (logistic for proportions) fit, delta-method HC1 limits."""
    k = y.shape[1]
    x = np.stack([np.ones_like(rank), rank], axis=-1)  # (g, k, 2)
    if value_type == "proportion":
        beta = _weighted_logistic(y, share, x)
        fitted = special.expit(np.einsum("gkp,gp->gk", x, beta))
        work = share * fitted * (1 - fitted)
        score = share * (y - fitted)
        ends = special.expit(np.stack([beta[:, 0], beta[:, 0] + beta[:, 1]], axis=1))
        slope_deriv = ends * (1 - ends)  # d p / d eta at rank 0 and 1
        log_deriv = 1 - ends
    else:
        c, d = weighted_line_coefficients(share, rank)
        beta = np.stack([(d * y).sum(axis=1), (c * y).sum(axis=1)], axis=1)
        fitted = np.einsum("gkp,gp->gk", x, beta)
        work = share
        score = share * (y - fitted)
        ends = np.stack([beta[:, 0], beta[:, 0] + beta[:, 1]], axis=1)
        slope_deriv = np.ones_like(ends)
        log_deriv = 1 / ends
    bread = np.linalg.inv(np.einsum("gk,gkp,gkq->gpq", work, x, x))
    meat = np.einsum("gk,gkp,gkq->gpq", score**2, x, x)
    cov = k / (k - 2) * bread @ meat @ bread
    # gradients w.r.t. (intercept, slope) of value(1) - value(0) and log value(1) - log value(0)
    grad_sii = np.stack([slope_deriv[:, 1] - slope_deriv[:, 0], slope_deriv[:, 1]], axis=1)
    grad_log = np.stack([log_deriv[:, 1] - log_deriv[:, 0], log_deriv[:, 1]], axis=1)
    se_sii = np.sqrt(np.einsum("gp,gpq,gq->g", grad_sii, cov, grad_sii))
    se_log = np.sqrt(np.einsum("gp,gpq,gq->g", grad_log, cov, grad_log))
    z = np.array([z_value(level) for level in levels])
    sii = ends[:, 1] - ends[:, 0]
    log_rii = np.log(ends[:, 1] / ends[:, 0])
    sii_limits = signed * np.stack(
        [sii[:, None] - z * se_sii[:, None], sii[:, None] + z * se_sii[:, None]], -1
    )
    rii_limits = np.exp(
        np.stack(
            [log_rii[:, None] - z * se_log[:, None], log_rii[:, None] + z * se_log[:, None]], -1
        )
    )
    if signed < 0:
        sii_limits = sii_limits[..., ::-1]
        rii_limits = 1 / rii_limits[..., ::-1]
    ratio = np.exp(log_rii)
    return {
        "sii": signed * sii,
        "rii": 1 / ratio if signed < 0 else ratio,
        "intercept": ends[:, 0] * abs(signed),
        "sii_limits": sii_limits,
        "rii_limits": rii_limits,
    }


def _weighted_logistic(
    y: np.ndarray, weight: np.ndarray, x: np.ndarray, *, iterations: int = 50, tol: float = 1e-12
) -> np.ndarray:
    """Quasi-binomial (logit) fit of proportions ``y`` with weights, for all groups at once.

    Newton-Raphson on the weighted binomial score ``sum w (y - p) x = 0``; iterations stop when
    every group has converged.
    """
    mean = (weight * y).sum(axis=1) / weight.sum(axis=1)
    beta = np.stack([special.logit(np.clip(mean, 1e-9, 1 - 1e-9)), np.zeros_like(mean)], axis=1)
    for _ in range(iterations):
        p = special.expit(np.einsum("gkp,gp->gk", x, beta))
        info = np.einsum("gk,gkp,gkq->gpq", weight * p * (1 - p), x, x)
        score = np.einsum("gk,gkp->gp", weight * (y - p), x)
        step = np.linalg.solve(info, score[..., None])[..., 0]
        beta = beta + step
        if np.all(np.abs(step) < tol):
            break
    return beta


def _method_label(method: str, value_type: str, transform: bool, repetitions: int) -> str:
    if method == "ohid":
        scale = {"rate": "log", "proportion": "logit"}.get(value_type, "")
        fit = f"{scale}-transformed fit; " if transform else ""
        return f"OHID/PHE: {fit}Monte-Carlo limits, {repetitions:,} repetitions"
    if method == "scotpho":
        return "ScotPHO: weighted regression, t limits; RII = SII / population mean"
    model = "logistic" if value_type == "proportion" else "linear"
    return f"WHO HEAT: {model} regression on weighted rank, delta-method (HC1) limits"


def _tidy_output(
    keys: pd.DataFrame,
    result: dict[str, np.ndarray],
    levels: list[float],
    *,
    rii: bool,
    intercept: bool,
    reliability: bool,
    method_label: str,
) -> pd.DataFrame:
    names = limit_column_names(levels)
    confidence = confidence_label(levels)
    measures = ["SII"] + (["RII"] if rii else [])
    frames = []
    for label in measures:
        name = label.lower()
        part = keys.copy()
        part["measure"] = label
        part["statistic"] = STATISTIC_DESCRIPTIONS[label]
        part["value"] = result[name]
        for i, (lower, upper) in enumerate(names):
            part[lower] = result[f"{name}_limits"][:, i, 0]
            part[upper] = result[f"{name}_limits"][:, i, 1]
        part["confidence"] = confidence
        if reliability:
            for i, (lower, _) in enumerate(names):
                part[lower.replace("lower", "mad").removesuffix("cl")] = result[f"mad_{name}"][:, i]
        frames.append(part)
    if intercept:
        part = keys.copy()
        part["measure"] = "intercept"
        part["statistic"] = STATISTIC_DESCRIPTIONS["intercept"]
        part["value"] = result["intercept"]
        part["confidence"] = confidence
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out["method"] = method_label
    order = np.argsort(np.tile(np.arange(len(keys)), len(frames)), kind="stable")
    return out.iloc[order].reset_index(drop=True)
