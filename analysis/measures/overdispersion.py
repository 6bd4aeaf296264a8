"""Overdispersed funnel plots: Spiegelhalter's (2005) φ and τ² and the limits they give.

A funnel plot's limits assume that units differ only by chance. When many more units fall
outside them than chance allows (overdispersion), Spiegelhalter (2005, *Qual Saf Health Care*
14:347-351) widens them. Each unit's indicator ``y`` is put on a scale where its variance
``s²`` is known, as a z-score ``(y - target) / s``:

=====================  =============================  ===========================  ==========
statistic              y                              s² (at denominator n or E)   target
=====================  =============================  ===========================  ==========
standardised ratio     ``sqrt(O / E)`` ("winsorise")  ``1 / (4 E)``                1
(indirect, e.g. SMR)   ``log(O / E)`` ("truncate")    ``1 / E``                    0
proportion             ``asin(sqrt(O / n))``          ``1 / (4 n)``                ``asin(sqrt(sum O / sum n))``
ratio of two counts    ``log((O + ½) / (D + ½))``     ``O/(O+½)² + D/(D+½)²``      ``log(sum O / sum D)``
=====================  =============================  ===========================  ==========

The ratio-of-counts variance is the delta-method variance of the continuity-corrected log
ratio (Care Quality Commission 2014, *Intelligent Monitoring: statistical methodology*); the
control limits take it at the target (``O = exp(target) * D``), as a funnel's limits must, so
near a limit a unit's z-score (from its own counts) and its position against the limits can
disagree. For the other statistics a unit is outside its limits exactly when its adjusted
z-score is beyond the limit's normal quantile.

Extreme units are kept from inflating the estimate, by the fraction ``trim`` (default 10%) at
each end: "winsorise" (Spiegelhalter 2005) sets z-scores below the ``trim`` quantile or above
the ``1 - trim`` quantile (linear interpolation, Hyndman and Fan 1996 type 7, R's default) to
those quantiles; "truncate" (NHS Digital's SHMI method) drops units whose rank ``r`` of ``I``
has ``r / (I + 1)`` below ``trim`` or at least ``1 - trim``. Then:

- the multiplicative dispersion ``φ = (1 / I) sum z²`` over the ``I`` units kept, with the
  test of ``I φ`` against chi-squared on ``I`` degrees of freedom (Spiegelhalter 2005);
- the additive random-effects variance, the DerSimonian and Laird (1986) moment estimator
  ``τ² = max(0, (I φ - (I - 1)) / (sum w - sum w² / sum w))`` with ``w = 1 / s²``;
- limits ``target ± z_a sqrt(s² + τ²)`` (additive) or ``target ± z_a sqrt(φ) s``
  (multiplicative), transformed back. Without adjustment, limits are exact Poisson for
  standardised ratios (``chi2(a, 2E) / 2E``, ``chi2(1 - a, 2E + 2) / 2E``) and ``τ² = 0`` on
  the transformed scale otherwise. Limits are "2s" (95%, 0.025 each side) and "3s" (99.8%,
  0.001) as :func:`analysis.measures.funnel_limits`.

By default (``adjust="auto"``) limits are widened only when ``φ > 1``, as FunnelPlotR 0.5.0
does; the p-value of the chi-squared test is returned so that a stricter rule can be applied.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.measures._inputs import check_not_empty
from analysis.measures._output import check_multiplier
from analysis.measures.funnels import FUNNELS, SIGNIFICANCE_LEVELS, choice, significance_labels
from analysis.validation import InputError, fail_rows, require_columns, require_numeric

STATISTICS = ("standardised_ratio", "proportion", "ratio")
#: The output's ``statistic``: what each choice of ``statistic=`` describes, in FunnelPlotR's
#: words for its data types ("SR", "PR", "RC").
STATISTIC_DESCRIPTIONS = {
    "standardised_ratio": "standardised ratio",
    "proportion": "proportion",
    "ratio": "ratio of counts",
}
METHODS = ("winsorise", "truncate")
MODELS = ("additive", "multiplicative")
#: The significance labels of :func:`overdispersed_funnel_points` (as ``funnel_significance``).
OVERDISPERSED_SIGNIFICANCE = SIGNIFICANCE_LEVELS[:-1]


def _log_count_variance(count: np.ndarray) -> np.ndarray:
    """Delta-method variance of ``log(count + 1/2)`` for a Poisson count."""
    return count / (count + 0.5) ** 2


@dataclass(frozen=True)
class _Scale:
    """The transformed indicator ``y``, its standard error ``s`` and the ``target``."""

    statistic: str
    method: str
    target: float  # on the transformed scale
    y: np.ndarray
    s: np.ndarray


def _se_at(statistic: str, method: str, target: float, n: np.ndarray) -> np.ndarray:
    """Return the standard error of ``y`` for a unit on the target with denominator ``n``."""
    if statistic == "ratio":
        expected = np.exp(target) * n
        return np.sqrt(_log_count_variance(expected) + _log_count_variance(n))
    if method == "truncate":
        return 1 / np.sqrt(n)
    return 1 / (2 * np.sqrt(n))


def _back(scale: _Scale, values: np.ndarray) -> np.ndarray:
    """Values on the transformed scale back on the indicator's scale."""
    if scale.statistic == "proportion":
        return np.sin(np.clip(values, 0, np.pi / 2)) ** 2
    if scale.statistic == "ratio" or scale.method == "truncate":
        return np.exp(values)
    return np.maximum(values, 0) ** 2


def _inputs(data: pd.DataFrame, x: str, n: str, statistic: str, method: str, trim: float) -> _Scale:
    check_not_empty(data)
    choice("statistic", statistic, STATISTICS)
    choice("method", method, METHODS)
    if statistic != "standardised_ratio" and method != "winsorise":
        raise InputError(
            f"method={method!r} (truncation, NHS Digital's SHMI method) applies to "
            "statistic='standardised_ratio' only; use method='winsorise'"
        )
    if not 0 <= trim < 0.5:
        raise InputError(f"trim must be at least 0 and below 0.5 (each tail), got {trim!r}")
    require_columns(data, [x, n])
    num = require_numeric(data, x)
    den = require_numeric(data, n)
    fail_rows(data, num < 0, x, "counts (x) must not be negative")
    fail_rows(data, den <= 0, n, "denominators (n) must be greater than zero")
    if statistic == "proportion":
        fail_rows(
            data, num > den, [x, n],
            "counts (x) must not be greater than denominators (n) for a proportion",
        )  # fmt: skip
    if method == "truncate":
        fail_rows(
            data, num == 0, x,
            "method='truncate' works on log(O / E), which needs at least one event; use "
            "method='winsorise' (square-root scale)",
        )  # fmt: skip
    if len(data) < 3:
        raise InputError(f"overdispersion needs at least 3 units, got {len(data)}")
    with np.errstate(divide="ignore"):
        if statistic == "proportion":
            target = float(np.arcsin(np.sqrt(num.sum() / den.sum())))
            y = np.arcsin(np.sqrt(num / den))
        elif statistic == "ratio":
            if num.sum() == 0:
                raise InputError(f"column {x!r}: a ratio of counts needs some events")
            target = float(np.log(num.sum() / den.sum()))
            y = np.log((num + 0.5) / (den + 0.5))
        elif method == "truncate":
            target, y = 0.0, np.log(num / den)
        else:
            target, y = 1.0, np.sqrt(num / den)
    if statistic == "ratio":  # the unit's own counts, not the target's
        s = np.sqrt(_log_count_variance(num) + _log_count_variance(den))
    else:
        s = _se_at(statistic, method, target, den)
    return _Scale(statistic, method, target, y, s)


def _trimmed(z: np.ndarray, method: str, trim: float) -> np.ndarray:
    """z-scores Winsorised at the ``trim`` quantiles, or NaN where truncated."""
    if method == "winsorise":
        low, high = np.quantile(z, [trim, 1 - trim])  # linear: R's type 7
        return np.clip(z, low, high)
    rank = np.empty(len(z))
    rank[np.argsort(z, kind="stable")] = np.arange(1, len(z) + 1)
    position = rank / (len(z) + 1)
    dropped = (position < trim - 1e-12) | (position >= 1 - trim - 1e-12)
    return np.where(dropped, np.nan, z)


@dataclass(frozen=True)
class _Fit:
    scale: _Scale
    z: np.ndarray
    z_trimmed: np.ndarray
    phi: float
    tau2: float
    p_value: float
    used: int


def _fit(data: pd.DataFrame, x: str, n: str, statistic: str, method: str, trim: float) -> _Fit:
    scale = _inputs(data, x, n, statistic, method, trim)
    z = (scale.y - scale.target) / scale.s
    kept = _trimmed(z, method, trim)
    used = ~np.isnan(kept)
    count = int(used.sum())
    if count < 2:
        raise InputError(f"trim={trim} leaves {count} unit(s); overdispersion needs at least 2")
    phi = float(np.mean(kept[used] ** 2))
    weights = 1 / scale.s[used] ** 2
    spread = weights.sum() - (weights**2).sum() / weights.sum()
    tau2 = max(0.0, (count * phi - (count - 1)) / spread)
    p_value = float(stats.chi2.sf(count * phi, count))
    return _Fit(scale, z, kept, phi, tau2, p_value, count)


def _adjusted(fit: _Fit, adjust: bool | str) -> bool:
    if adjust == "auto":
        return fit.phi > 1
    if isinstance(adjust, (bool, np.bool_)):
        return bool(adjust)
    raise InputError(f"adjust must be True, False or 'auto', got {adjust!r}")


def _described(statistic: str, multiplier: float) -> str:
    """Return the ``statistic`` column: the description, with the scale when it is not 1."""
    described = STATISTIC_DESCRIPTIONS[statistic]
    return described if multiplier == 1 else f"{described} x {multiplier:g}"


def _fit_adjusted(
    data: pd.DataFrame,
    x: str,
    n: str,
    statistic: str,
    method: str,
    trim: float,
    adjust: bool | str,
    model: str,
    multiplier: float,
) -> tuple[_Fit, float, bool]:
    """Fit, check ``model`` and ``multiplier``, and decide ``adjust``: the funnels' common start."""
    fit = _fit(data, x, n, statistic, method, trim)
    choice("model", model, MODELS)
    scale = check_multiplier(multiplier)
    return fit, scale, _adjusted(fit, adjust)


def _limits(fit: _Fit, at: np.ndarray, adjusted: bool, model: str) -> dict[str, np.ndarray]:
    """Lower and upper "2s" and "3s" limits at denominators ``at`` (indicator scale)."""
    scale = fit.scale
    out = {}
    for label, tail in FUNNELS:
        if not adjusted and scale.statistic == "standardised_ratio":
            lower = stats.chi2.ppf(tail, 2 * at) / (2 * at)
            upper = stats.chi2.ppf(1 - tail, 2 * at + 2) / (2 * at)
        else:
            s = _se_at(scale.statistic, scale.method, scale.target, at)
            if not adjusted:
                width = s
            elif model == "additive":
                width = np.sqrt(s**2 + fit.tau2)
            else:
                width = np.sqrt(fit.phi) * s
            z = stats.norm.ppf(1 - tail)
            lower = _back(scale, scale.target - z * width)
            upper = _back(scale, scale.target + z * width)
        out[f"lower_{label}_limit"], out[f"upper_{label}_limit"] = lower, upper
    return out


def _method_label(fit: _Fit, adjusted: bool, model: str) -> str:
    if not adjusted:
        exact = fit.scale.statistic == "standardised_ratio"
        return "Poisson" if exact else "normal (transformed scale)"
    trimming = "Winsorised" if fit.scale.method == "winsorise" else "truncated"
    what = "additive random effects (tau2)" if model == "additive" else "multiplicative (phi)"
    return f"overdispersed: {what}, {trimming} z-scores"


def funnel_overdispersion(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    statistic: str,
    method: str = "winsorise",
    trim: float = 0.1,
) -> pd.DataFrame:
    """Overdispersion of units on a funnel plot: φ, τ² and the test of φ.

    Method: Spiegelhalter (2005, *Qual Saf Health Care* 14:347-351): z-scores on a
    variance-stabilising scale, Winsorised (or truncated, NHS Digital's SHMI method) by
    ``trim`` at each end; multiplicative ``φ = mean(z²)`` with ``I φ`` tested against
    chi-squared on ``I`` degrees of freedom; additive ``τ²`` by the DerSimonian and Laird
    (1986) moment estimator (see the module documentation for the scales and rules).

    Parameters
    ----------
    data
        one row per unit (practice, trust, area).
    x
        column of observed events (O); FunnelPlotR's ``numerator``.
    n
        column of the denominator: expected events E (``"standardised_ratio"``), the number
        at risk (``"proportion"``) or the second count D (``"ratio"``); FunnelPlotR's
        ``denominator``.
    statistic
        ``"standardised_ratio"``, ``"proportion"`` or ``"ratio"``.
    method
        ``"winsorise"`` (default) or ``"truncate"`` (standardised ratios only, on
        the log scale).
    trim
        fraction Winsorised or truncated at each end (default 0.1).

    Returns
    -------
    pandas.DataFrame
        One row: ``units``, ``units_used`` (after truncation), ``target`` (on the indicator's
        scale: 1 for standardised ratios, the overall proportion or ratio otherwise),
        ``phi``, ``tau2``, ``p_value``, ``overdispersed`` (``phi > 1``), ``statistic`` (a
        description: ``"standardised ratio"``, ``"proportion"`` or ``"ratio of counts"``) and
        ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"o": [30, 52, 18, 45, 60, 25, 75, 40],
    ...                    "e": [35.0, 40, 30, 44, 50, 33, 52, 41]})
    >>> funnel_overdispersion(df, "o", "e", statistic="standardised_ratio").round(3)[
    ...     ["units", "phi", "tau2", "p_value", "overdispersed"]]
       units    phi   tau2  p_value  overdispersed
    0      8  1.954  0.008    0.048           True
    """
    fit = _fit(data, x, n, statistic, method, trim)
    return pd.DataFrame(
        {
            "units": [len(fit.z)],
            "units_used": [fit.used],
            "target": [float(_back(fit.scale, np.array(fit.scale.target)))],
            "phi": [fit.phi],
            "tau2": [fit.tau2],
            "p_value": [fit.p_value],
            "overdispersed": [fit.phi > 1],
            "statistic": [STATISTIC_DESCRIPTIONS[statistic]],
            "method": [f"{'Winsorised' if method == 'winsorise' else 'truncated'} z-scores, "
                       f"trim {trim:g} each end"],
        }
    )  # fmt: skip


def overdispersed_funnel_limits(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    statistic: str,
    method: str = "winsorise",
    trim: float = 0.1,
    adjust: bool | str = "auto",
    model: str = "additive",
    at: np.ndarray | pd.Series | None = None,
    points: int = 200,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Funnel control limits, widened for overdispersion, along the denominator axis.

    Method: Spiegelhalter (2005, *Qual Saf Health Care* 14:347-351): limits
    ``target ± z sqrt(s² + τ²)`` (additive random effects, DerSimonian and Laird 1986) or
    ``target ± z sqrt(φ) s`` (multiplicative) on the transformed scale, transformed back;
    unadjusted, exact Poisson limits for standardised ratios (Spiegelhalter 2005, *Stat Med*
    24:1185-1202).

    Parameters
    ----------
    data, x, n, statistic, method, trim
        as
        :func:`funnel_overdispersion`.
    adjust
        ``"auto"`` (widen when ``φ > 1``), ``True`` or ``False``.
    model
        ``"additive"`` (τ², default) or ``"multiplicative"`` (φ).
    at
        denominators at which to give the limits; by default ``points`` values spaced
        geometrically from the smallest to the largest denominator in ``data``, so the
        limits span every unit.
    points
        number of axis points when ``at`` is not given.
    multiplier
        scale of the plotted value (100 for percentages or ratios x 100).

    Returns
    -------
    pandas.DataFrame
        ``n`` (the denominator), ``lower_2s_limit``, ``upper_2s_limit``, ``lower_3s_limit``,
        ``upper_3s_limit`` (95% and 99.8%), ``target``, ``adjusted``, ``phi``, ``tau2``,
        ``statistic`` (as :func:`funnel_overdispersion`'s, with ``" x 100"`` when
        ``multiplier`` is 100) and ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"o": [30, 52, 18, 45, 60, 25, 75, 40],
    ...                    "e": [35.0, 40, 30, 44, 50, 33, 52, 41]})
    >>> out = overdispersed_funnel_limits(df, "o", "e", statistic="standardised_ratio",
    ...                                   points=3)
    >>> out[["n", "lower_3s_limit", "upper_3s_limit", "adjusted"]].round(3)
            n  lower_3s_limit  upper_3s_limit  adjusted
    0  30.000           0.372           1.933      True
    1  39.497           0.403           1.863      True
    2  52.000           0.430           1.808      True
    """
    fit, scale, adjusted = _fit_adjusted(
        data, x, n, statistic, method, trim, adjust, model, multiplier
    )
    if at is None:
        if points < 2:
            raise InputError(f"points must be at least 2, got {points!r}")
        den = require_numeric(data, n)
        axis = np.geomspace(den.min(), den.max(), points)
    else:
        axis = np.asarray(at, dtype="float64")
        if axis.ndim != 1 or not (axis > 0).all():
            raise InputError("at must be a list of denominators greater than zero")
    out = pd.DataFrame({"n": axis})
    for name, values in _limits(fit, axis, adjusted, model).items():
        out[name] = values * scale
    return out.assign(
        target=float(_back(fit.scale, np.array(fit.scale.target))) * scale,
        adjusted=adjusted,
        phi=fit.phi,
        tau2=fit.tau2,
        statistic=_described(statistic, scale),
        method=_method_label(fit, adjusted, model),
    )


def overdispersed_funnel_points(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    statistic: str,
    method: str = "winsorise",
    trim: float = 0.1,
    adjust: bool | str = "auto",
    model: str = "additive",
    multiplier: float = 1,
) -> pd.DataFrame:
    """Each unit's value, z-scores, own funnel limits and significance, allowing for overdispersion.

    Method: Spiegelhalter (2005, *Qual Saf Health Care* 14:347-351), as
    :func:`overdispersed_funnel_limits`, evaluated at each unit's own denominator.

    Parameters
    ----------
    data, x, n, statistic, method, trim
        as :func:`funnel_overdispersion`.
    adjust, model, multiplier
        as :func:`overdispersed_funnel_limits`.

    Returns
    -------
    pandas.DataFrame
        ``data`` with ``value`` (the ratio or proportion x ``multiplier``), ``z`` (unadjusted
        z-score), ``z_trimmed`` (Winsorised, or NaN where truncated), ``z_adjusted``
        (``(y - target) / sqrt(s² + τ²)``, or ``/ (sqrt(φ) s)`` for the multiplicative model;
        equal to ``z`` when not adjusted), the unit's ``lower_2s_limit`` ... ``upper_3s_limit``
        and ``significance`` (the categories of :func:`funnel_significance`: outside the
        99.8% or the 95% limits, above or below, or "Not significant").

    Examples
    --------
    >>> df = pd.DataFrame({"o": [30, 52, 18, 45, 60, 25, 75, 40],
    ...                    "e": [35.0, 40, 30, 44, 50, 33, 52, 41]})
    >>> out = overdispersed_funnel_points(df, "o", "e", statistic="standardised_ratio")
    >>> out[["o", "e", "value", "z", "z_adjusted", "significance"]].iloc[[2, 6]].round(2)
        o     e  value     z  z_adjusted     significance
    2  18  30.0   0.60 -2.47       -1.78  Not significant
    6  75  52.0   1.44  2.90        1.80  Not significant
    """
    fit, scale, adjusted = _fit_adjusted(
        data, x, n, statistic, method, trim, adjust, model, multiplier
    )
    num, den = require_numeric(data, x), require_numeric(data, n)
    s = fit.scale.s
    if not adjusted:
        z_adjusted = fit.z
    elif model == "additive":
        z_adjusted = (fit.scale.y - fit.scale.target) / np.sqrt(s**2 + fit.tau2)
    else:
        z_adjusted = fit.z / np.sqrt(fit.phi)
    out = data.copy()
    value = num / den
    out["value"] = value * scale
    out["z"], out["z_trimmed"], out["z_adjusted"] = fit.z, fit.z_trimmed, z_adjusted
    limits = _limits(fit, den, adjusted, model)
    for name, values in limits.items():
        out[name] = values * scale
    with np.errstate(invalid="ignore"):
        below = {k: value < limits[f"lower_{k}_limit"] for k, _ in FUNNELS}
        above = {k: value > limits[f"upper_{k}_limit"] for k, _ in FUNNELS}
    labels = significance_labels(below, above)
    out["significance"] = pd.Categorical(labels, categories=list(OVERDISPERSED_SIGNIFICANCE))
    return out
