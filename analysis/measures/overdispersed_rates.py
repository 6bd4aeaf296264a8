"""Funnel plots of rates (crude or directly standardised), allowing for overdispersion.

A unit's rate ``R`` (per ``multiplier``) from ``O`` events stands for ``P = multiplier * O / R``
person-years, the population PHEindicatormethods' rate funnels derive (``funnel_points``).
Against the overall rate ``r0 = sum O / sum P`` the unit expects ``E = r0 * P`` events, so its
rate relative to the average, ``R / r0 = O / E``, is a standardised ratio, and its funnel is
the standardised-ratio funnel of :mod:`analysis.measures.overdispersion` (Spiegelhalter 2005,
*Stat Med* 24:1185-1202 and *Qual Saf Health Care* 14:347-351) scaled by ``r0``, along the
population per year ``P / years_of_data``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.measures._inputs import check_not_empty
from analysis.measures._output import check_multiplier
from analysis.measures.overdispersion import (
    overdispersed_funnel_limits,
    overdispersed_funnel_points,
)
from analysis.validation import InputError, fail_rows, require_columns, require_numeric

_EXPECTED = "__expected_events__"


def _as_ratios(
    data: pd.DataFrame, x: str, rate: str, multiplier: float, years_of_data: float
) -> tuple[pd.DataFrame, float, np.ndarray]:
    """Return ``data`` with the expected events, the overall rate and the yearly population."""
    check_not_empty(data)
    scale = check_multiplier(multiplier)
    if years_of_data is None or not years_of_data > 0:
        raise InputError(f"years_of_data must be a positive number, got {years_of_data!r}")
    require_columns(data, [x, rate])
    events = require_numeric(data, x)
    rates = require_numeric(data, rate)
    fail_rows(
        data, events <= 0, x,
        "each unit needs at least one event (its population is derived as events / rate); "
        "leave out units without a rate, as PHEindicatormethods does for DSRs below 10 events",
    )  # fmt: skip
    fail_rows(data, rates <= 0, rate, "rates must be greater than zero")
    person_years = scale * events / rates
    overall = events.sum() / person_years.sum()
    return data.assign(**{_EXPECTED: overall * person_years}), overall * scale, person_years


def overdispersed_rate_funnel_points(
    data: pd.DataFrame,
    x: str,
    rate: str,
    *,
    multiplier: float,
    years_of_data: float,
    method: str = "winsorise",
    trim: float = 0.1,
    adjust: bool | str = "auto",
    model: str = "additive",
) -> pd.DataFrame:
    """Each unit's rate against funnel limits that allow for overdispersion.

    Method: the rate as a standardised ratio against the overall rate (see the module
    documentation), with Spiegelhalter's (2005, *Qual Saf Health Care* 14:347-351)
    overdispersion as :func:`analysis.measures.overdispersed_funnel_points`.

    Parameters
    ----------
    data
        one row per unit with its events and rate (units without a rate left out).
    x
        column of events (PHEindicatormethods' ``numerator``).
    rate
        the unit's rate per ``multiplier`` (crude or directly standardised).
    multiplier
        e.g. 100,000.
    years_of_data
        years pooled (the population is shown per year).
    method, trim, adjust, model
        as :func:`analysis.measures.overdispersed_funnel_points`.

    Returns
    -------
    pandas.DataFrame
        ``data`` with ``population_1_year``, ``expected`` (events at the overall rate),
        ``z``, ``z_trimmed``, ``z_adjusted``, the unit's limits on the rate scale
        (``lower_2s_limit`` ... ``upper_3s_limit``) and ``significance``.

    Examples
    --------
    >>> df = pd.DataFrame({"deaths": [40, 90, 150, 60, 300, 20, 75],
    ...                    "dsr": [220.0, 410, 300, 180, 260, 350, 500]})
    >>> out = overdispersed_rate_funnel_points(df, "deaths", "dsr", multiplier=1e5,
    ...                                        years_of_data=5)
    >>> out[["dsr", "population_1_year", "lower_3s_limit", "significance"]].round(0).iloc[:2]
         dsr  population_1_year  lower_3s_limit     significance
    0  220.0             3636.0            93.0  Not significant
    1  410.0             4390.0            96.0  Not significant
    """
    ratios, overall, person_years = _as_ratios(data, x, rate, multiplier, years_of_data)
    units = pd.DataFrame({"o": ratios[x].to_numpy(), "e": ratios[_EXPECTED].to_numpy()})
    points = overdispersed_funnel_points(
        units, "o", "e", statistic="standardised_ratio", method=method, trim=trim,
        adjust=adjust, model=model, multiplier=overall,
    ).drop(columns=["o", "e", "value"])  # fmt: skip
    out = data.copy()
    out["population_1_year"] = person_years / years_of_data
    out["expected"] = units["e"].to_numpy()
    for column in points.columns:
        out[column] = points[column].to_numpy()
    return out


def overdispersed_rate_funnel_limits(
    data: pd.DataFrame,
    x: str,
    rate: str,
    *,
    multiplier: float,
    years_of_data: float,
    method: str = "winsorise",
    trim: float = 0.1,
    adjust: bool | str = "auto",
    model: str = "additive",
    points: int = 200,
) -> pd.DataFrame:
    """Funnel limits for rates along the population axis, allowing for overdispersion.

    Method: as :func:`overdispersed_rate_funnel_points` (Spiegelhalter 2005, *Qual Saf Health
    Care* 14:347-351; exact Poisson limits when not adjusted), evaluated at ``points`` yearly
    populations spaced geometrically from the smallest unit's to the largest's, so every unit
    has both limits.

    Parameters
    ----------
    data, x, rate, multiplier, years_of_data, method, trim, adjust, model
        as :func:`overdispersed_rate_funnel_points`.
    points
        number of yearly populations along the axis (at least 2).

    Returns
    -------
    pandas.DataFrame
        ``population_1_year``, ``lower_2s_limit``, ``upper_2s_limit``, ``lower_3s_limit``,
        ``upper_3s_limit`` (per ``multiplier``), ``baseline`` (the overall rate),
        ``adjusted``, ``phi``, ``tau2``, ``statistic`` and ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"deaths": [40, 90, 150, 60, 300, 20, 75],
    ...                    "dsr": [220.0, 410, 300, 180, 260, 350, 500]})
    >>> out = overdispersed_rate_funnel_limits(df, "deaths", "dsr", multiplier=1e5,
    ...                                        years_of_data=5, points=3)
    >>> out[["population_1_year", "lower_3s_limit", "upper_3s_limit", "baseline"]].round(0)
       population_1_year  lower_3s_limit  upper_3s_limit  baseline
    0             1143.0            62.0           665.0     283.0
    1             5136.0            98.0           564.0     283.0
    2            23077.0           109.0           538.0     283.0
    """
    ratios, overall, person_years = _as_ratios(data, x, rate, multiplier, years_of_data)
    expected = ratios[_EXPECTED].to_numpy()
    if points < 2:
        raise InputError(f"points must be at least 2, got {points!r}")
    axis = np.geomspace(expected.min(), expected.max(), points)
    limits = overdispersed_funnel_limits(
        ratios, x, _EXPECTED, statistic="standardised_ratio", method=method, trim=trim,
        adjust=adjust, model=model, at=axis, multiplier=overall,
    )  # fmt: skip
    per_year = person_years.sum() / expected.sum() / years_of_data
    return (
        limits.drop(columns=["n"])
        .rename(columns={"target": "baseline"})
        .assign(
            population_1_year=axis * per_year,
            statistic=f"rate per {check_multiplier(multiplier):,.0f}",
        )
        .loc[:, lambda f: ["population_1_year", *f.columns.drop("population_1_year")]]
    )
