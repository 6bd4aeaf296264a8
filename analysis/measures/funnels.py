"""Funnel plots: control limits at 2 and 3 standard deviations and significance labels.

Follows the funnel-plot method of the Fingertips technical guidance and PHEindicatormethods
2.x (``calculate_funnel_limits``, ``assign_funnel_significance``, ``calculate_funnel_points``):
Spiegelhalter (2005), *Funnel plots for comparing institutional performance*, Stat Med
24:1185-1202. The "2 SD" limits are the 95% (one-sided 0.025) limits and the "3 SD" limits
the 99.8% (one-sided 0.001) limits around the overall average:

- proportions: the score (Wilson) limits ``p0 +/- z * sqrt(p0 (1 - p0) / N)``;
- ratios and rates: exact Poisson limits -- the expected count at which the observed count
  sits on the 0.025 / 0.001 tail, ``chi2(1 - a, 2 O + 2) / 2`` and ``chi2(a, 2 O) / 2``
  (Ulm 1990). PHEindicatormethods finds these by bisection to about 1e-7 on the scale
  ``z / (1 + O + z)``; the closed form here agrees with it to that precision.

Significance compares each unit with the overall average using the unit's own limits:
Wilson-score limits for proportions, exact (below 10 events) or Byar's Poisson limits for
ratios and rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.measures._inputs import check_not_empty
from analysis.measures._output import check_multiplier
from analysis.measures.intervals import EXACT_BELOW, poisson_count_limits
from analysis.validation import InputError, fail_rows, require_columns, require_numeric

#: (label, one-sided tail probability) of the two funnels.
FUNNELS = (("2s", 0.025), ("3s", 0.001))
SIGNIFICANCE_LEVELS = (
    "High (0.001)",
    "High (0.025)",
    "Low (0.001)",
    "Low (0.025)",
    "Not significant",
    "Not applicable for events less than 10 for dsrs",
)
N_POINTS = 100


def significance_labels(below: dict[str, np.ndarray], above: dict[str, np.ndarray]) -> np.ndarray:
    """Label each unit by where it lies against the funnel's control limits.

    Parameters
    ----------
    below
        flags of units below the limits, keyed ``"2s"`` (the 95% limit) and ``"3s"`` (the
        99.8% limit).
    above
        flags of units above the limits, keyed the same way.

    Returns
    -------
    numpy.ndarray
        One label per unit: ``"Low (0.001)"`` or ``"Low (0.025)"`` below the 99.8% or the 95%
        limit, ``"High (0.001)"`` or ``"High (0.025)"`` above them, else ``"Not
        significant"``.
    """
    return np.select(
        [below["3s"], below["2s"], above["3s"], above["2s"]],
        ["Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)"],
        "Not significant",
    )


def choice(name: str, value: str | None, allowed: tuple[str, ...]) -> str:
    """Check that an option is one of the allowed values.

    Parameters
    ----------
    name
        the option's name, used in the error message.
    value
        the value given.
    allowed
        the values accepted.

    Returns
    -------
    str
        ``value`` unchanged.

    Raises
    ------
    InputError
        If ``value`` is not one of ``allowed``.
    """
    if value not in allowed:
        raise InputError(f"{name} must be one of {list(allowed)}, got {value!r}")
    return value


def _counts(data: pd.DataFrame, x: str) -> np.ndarray:
    values = require_numeric(data, x)
    fail_rows(data, values < 0, x, "counts (x) must not be negative")
    return values


def _denominators(
    data: pd.DataFrame,
    x: str,
    n: str | None,
    statistic: str,
    rate: str | None,
    rate_type: str | None,
    multiplier: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the counts and the denominators funnels use (for rates, derived from the rate)."""
    check_not_empty(data)
    choice("statistic", statistic, ("proportion", "ratio", "rate"))
    if statistic != "rate":
        if n is None:
            raise InputError(f"statistic={statistic!r} needs n (the denominator column)")
        require_columns(data, [x, n])
        num = _counts(data, x)
        den = require_numeric(data, n)
        fail_rows(data, den <= 0, n, "denominators (n) must be greater than zero")
        if statistic == "proportion":
            fail_rows(
                data, num > den, [x, n],
                "counts (x) must not be greater than denominators (n) for a proportion",
            )  # fmt: skip
        return num, den
    choice("rate_type", rate_type, ("dsr", "crude"))
    if rate is None or multiplier is None:
        raise InputError("statistic='rate' needs rate (a column) and multiplier")
    scale = check_multiplier(multiplier)
    require_columns(data, [x, rate] + ([n] if n else []))
    num = _counts(data, x)
    zero = num == 0
    if zero.any() and n is None:
        fail_rows(
            data, zero, x,
            "rows with 0 events need the denominator column (give n=) to place them on the "
            "funnel",
        )  # fmt: skip
    rates = _rates(data, rate, zero)
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = scale * num / rates
    if rate_type == "dsr":
        derived = np.where(zero, np.nan, derived)
    elif n is not None:
        derived = np.where(zero, require_numeric(data, n), derived)
    return num, derived


def _rates(data: pd.DataFrame, rate: str, zero: np.ndarray) -> np.ndarray:
    """Return the rate column; it may be missing only where there are no events (no DSR then)."""
    values = pd.to_numeric(data[rate], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    fail_rows(data, np.isnan(values) & ~zero, rate, "rates must be numeric and present")
    return values


def _floor_to_figures(x: float, shrink: float = 0.95) -> float:
    """Round ``x * shrink`` down to its leading digit (a tidy axis start; 0 stays 0)."""
    if x == 0:
        return 0.0
    scaled = x * shrink
    step = 10.0 ** (len(str(int(np.floor(scaled)))) - 1)
    return float(np.floor(scaled / step) * step)


def _ceil_to_figures(x: float, grow: float = 1.05) -> float:
    """Round ``x * grow`` up to its two leading digits (a tidy axis end; 0 stays 0)."""
    if x == 0:
        return 0.0
    scaled = x * grow
    step = 10.0 ** (len(str(int(np.ceil(scaled)))) - 2)
    return float(np.ceil(scaled / step) * step)


def _axis(start: float, end: float, steps_from: int) -> np.ndarray:
    """100 axis points from ``max(1, start)`` to ``end``, geometric and rounded, so they are closer together where the funnel is widest (at least one apart)."""
    points = np.empty(N_POINTS)
    points[0] = max(1.0, start)
    for j in range(2, N_POINTS + 1):  # 99 axis points, not groups
        previous = points[j - 2]
        grown = np.round((end / previous) ** (1 / (101 - (j - steps_from))) * previous)
        points[j - 1] = max(grown, previous + 1)
    return points


def funnel_limits(
    data: pd.DataFrame,
    x: str,
    n: str | None = None,
    *,
    statistic: str,
    multiplier: float,
    rate: str | None = None,
    rate_type: str | None = None,
    ratio_type: str | None = None,
    years_of_data: float | None = None,
    metadata: bool = True,
) -> pd.DataFrame:
    """Funnel-plot control limits at 100 points along the x axis.

    Method: Spiegelhalter (2005, *Stat Med* 24:1185-1202) limits around the overall average,
    "2s" at 95% (0.025 each side) and "3s" at 99.8% (0.001): Wilson score limits for
    proportions, exact Poisson limits for ratios and rates (Ulm 1990, *Am J Epidemiol*
    131:373-375), as PHEindicatormethods ``calculate_funnel_limits``.

    Parameters
    ----------
    data
        one row per unit (area, practice) with its count and denominator.
    x
        column of the observed count (for ratios: observed events); PHEindicatormethods'
        ``numerator``.
    n
        column of the denominator: population (proportions), expected events (ratios) or,
        for rates, the population -- needed only for units with 0 events; PHEindicatormethods'
        ``denominator``.
    statistic
        ``"proportion"``, ``"ratio"`` or ``"rate"``.
    multiplier
        scale of the plotted value (100 for percentages; per 100,000 for rates;
        100 for ratios as ISR x 100).
    rate, rate_type
        for rates, the column of rates and ``"dsr"`` or ``"crude"``.
    ratio_type
        for ratios, ``"isr"`` (limits as ratio x multiplier) or ``"count"``
        (limits as ratio - 1).
    years_of_data
        for rates, years pooled (populations are shown per year).
    metadata
        add ``statistic`` and ``method`` columns.

    Returns
    -------
    pandas.DataFrame
        Columns named as PHEindicatormethods 2.x: the axis (``Population``,
        ``Observed_events`` or ``Events``), ``lower_2s_limit``, ``upper_2s_limit``,
        ``lower_3s_limit``, ``upper_3s_limit`` (with ``*_exp_events`` for ratios and
        ``*_population_1_year`` for rates) and ``baseline``.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [30, 45, 60], "n": [100, 150, 200]})
    >>> out = funnel_limits(df, "x", "n", statistic="proportion", multiplier=100)
    >>> out[["Population", "lower_3s_limit", "upper_3s_limit", "baseline"]].iloc[[0, -1]].round(2)
        Population  lower_3s_limit  upper_3s_limit  baseline
    0         90.0           15.07           44.93      30.0
    99       210.0           20.23           39.77      30.0
    """
    num, den = _denominators(data, x, n, statistic, rate, rate_type, multiplier)
    scale = check_multiplier(multiplier)
    average = num.sum() / np.nansum(den)
    low, high = np.nanmin(den), np.nanmax(den)
    per_year = years_of_data if statistic == "rate" else 1
    if statistic == "rate" and (years_of_data is None or years_of_data <= 0):
        raise InputError("statistic='rate' needs years_of_data (a positive number)")
    start = 0.0 if high > 2 * low else _floor_to_figures(low / per_year) * per_year
    end = _ceil_to_figures(high / per_year) * per_year
    if statistic == "rate":
        start, end = np.floor(start * average), np.ceil(end * average)
    axis = _axis(start, end, steps_from=1 if statistic == "ratio" else 0)

    if statistic == "proportion":
        out = pd.DataFrame({"Population": axis})
        for label, tail in FUNNELS:
            spread = stats.norm.ppf(1 - tail) * np.sqrt(average * (1 - average) / axis)
            out[f"lower_{label}_limit"] = np.maximum(average - spread, 0) * scale
            out[f"upper_{label}_limit"] = np.minimum(average + spread, 1) * scale
        out["baseline"] = average * scale
        described, method = "proportion", "Wilson"
    else:
        header = "Observed_events" if statistic == "ratio" else "Events"
        middle = "exp_events" if statistic == "ratio" else "population_1_year"
        out = pd.DataFrame({header: axis})
        for label, tail in FUNNELS:
            sides = {
                "lower": stats.chi2.ppf(1 - tail, 2 * axis + 2) / 2,
                "upper": stats.chi2.ppf(tail, 2 * axis) / 2,
            }
            for side, expected in sides.items():
                if statistic == "ratio":
                    out[f"{side}_{label}_{middle}"] = expected
                    out[f"{side}_{label}_limit"] = axis / expected
                else:
                    out[f"{side}_{label}_{middle}"] = expected / average / per_year
                    out[f"{side}_{label}_limit"] = average * axis / expected * scale
        if statistic == "ratio":
            ratio_type = choice("ratio_type", ratio_type, ("count", "isr"))
            limits = out.columns.str.endswith("limit")
            out.loc[:, limits] = out.loc[:, limits] - 1 if ratio_type == "count" else (
                out.loc[:, limits] * scale
            )  # fmt: skip
            described = f"ratio ({ratio_type})"
        else:
            out["baseline"] = average * scale
            described = f"rate ({rate_type} per {scale:,.0f})"
        method = "Poisson"
    if metadata:
        out["statistic"] = described
        out["method"] = method
    return out


def funnel_significance(
    data: pd.DataFrame,
    x: str,
    n: str | None = None,
    *,
    statistic: str,
    rate: str | None = None,
    rate_type: str | None = None,
    multiplier: float | None = None,
) -> pd.DataFrame:
    """Label each unit as above or below the funnel's 95% (0.025) or 99.8% (0.001) limits.

    Method: Spiegelhalter (2005, *Stat Med* 24:1185-1202), as PHEindicatormethods
    ``assign_funnel_significance``.

    ``significance`` is an ordered categorical of "High (0.001)", "High (0.025)",
    "Low (0.001)", "Low (0.025)", "Not significant" and, for DSRs with fewer than 10
    events, "Not applicable for events less than 10 for dsrs". The unit's own limits are
    compared with the overall average: Wilson-score limits for proportions; exact (below 10
    events) or Byar's Poisson limits of observed / expected (ratios) or of the events over
    the population derived from the rate (rates) -- as PHEindicatormethods 2.x.

    Parameters
    ----------
    data
        one row per unit (area, practice).
    x
        column of the observed count (for ratios: observed events); PHEindicatormethods'
        ``numerator``.
    n
        column of the denominator: population (proportions), expected events (ratios) or,
        for rates, the population -- needed only for units with 0 events (crude rates);
        PHEindicatormethods' ``denominator``.
    statistic
        ``"proportion"``, ``"ratio"`` or ``"rate"``.
    rate, rate_type
        for rates, the column of rates and ``"dsr"`` or ``"crude"``.
    multiplier
        for rates, the rate's scale (per 100,000: ``100_000``), with which the
        population behind each rate is derived as ``multiplier * events / rate``.

    Returns
    -------
    pandas.DataFrame
        ``data`` with the column ``significance``.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [10, 60, 120, 70], "n": [200, 200, 200, 250]})
    >>> funnel_significance(df, "x", "n", statistic="proportion")["significance"].tolist()
    ['Low (0.001)', 'Not significant', 'High (0.001)', 'Not significant']
    """
    num, den = _denominators(data, x, n, statistic, rate, rate_type, multiplier)
    out = data.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        if statistic == "proportion":
            average = num.sum() / den.sum()
            value = num / den
            bounds = {}
            for label, tail in FUNNELS:
                spread = stats.norm.ppf(1 - tail) * np.sqrt(average * (1 - average) / den)
                bounds[label] = (average - spread, average + spread)
            below = {k: value < lo for k, (lo, _) in bounds.items()}
            above = {k: value > hi for k, (_, hi) in bounds.items()}
        else:
            centre = 1.0 if statistic == "ratio" else num.sum() / np.nansum(den)
            below, above = {}, {}
            for label, tail in FUNNELS:
                lower, upper = poisson_count_limits(num, 1 - 2 * tail)
                below[label] = centre > upper / den
                above[label] = centre < lower / den
    labels = significance_labels(below, above)
    if statistic == "rate" and rate_type == "dsr":
        labels = np.where(num < EXACT_BELOW, SIGNIFICANCE_LEVELS[-1], labels)
    levels = SIGNIFICANCE_LEVELS if statistic == "rate" else SIGNIFICANCE_LEVELS[:-1]
    out["significance"] = pd.Categorical(labels, categories=list(levels))
    return out


def funnel_points(
    data: pd.DataFrame,
    x: str,
    rate: str,
    *,
    rate_type: str,
    years_of_data: float,
    multiplier: float,
    n: str | None = None,
) -> pd.DataFrame:
    """Points to plot on a rate funnel: ``<rate>_chart`` and the yearly ``denominator_derived``.

    Method: the funnel plot of Spiegelhalter (2005, *Stat Med* 24:1185-1202) as
    PHEindicatormethods ``calculate_funnel_points`` prepares it.

    The population behind each rate is derived as ``multiplier * events / rate`` per year of
    data (or taken from ``n`` for units with 0 events, crude rates only). DSRs with
    fewer than 10 events are not plotted (NA), as PHEindicatormethods
    ``calculate_funnel_points``.

    Parameters
    ----------
    data
        one row per unit (area, practice).
    x
        column of observed events (PHEindicatormethods' ``numerator``).
    rate
        column of rates (per ``multiplier``).
    rate_type
        ``"dsr"`` or ``"crude"``.
    years_of_data
        years pooled in each rate (the derived population is per year).
    multiplier
        the rate's scale (per 100,000: ``100_000``).
    n
        population column, used for units with 0 events (crude rates only);
        PHEindicatormethods' ``denominator``.

    Returns
    -------
    pandas.DataFrame
        ``data`` with ``<rate>_chart`` and ``denominator_derived``.

    Examples
    --------
    >>> df = pd.DataFrame({"deaths": [5, 300], "dsr": [50.0, 120.0]})
    >>> funnel_points(df, "deaths", "dsr", rate_type="dsr", years_of_data=3, multiplier=1e5)
       deaths    dsr  dsr_chart  denominator_derived
    0       5   50.0        NaN                  NaN
    1     300  120.0      120.0        83333.333333
    """
    require_columns(data, [x, rate])
    choice("rate_type", rate_type, ("dsr", "crude"))
    if years_of_data is None or years_of_data <= 0:
        raise InputError("years_of_data must be a positive number")
    num, derived = _denominators(data, x, n, "rate", rate, rate_type, multiplier)
    chart = _rates(data, rate, num == 0)
    out = data.copy()
    if rate_type == "dsr":
        shown = num >= EXACT_BELOW
        chart, derived = np.where(shown, chart, np.nan), np.where(shown, derived, np.nan)
    out[f"{rate}_chart"] = chart
    out["denominator_derived"] = derived / years_of_data
    return out
