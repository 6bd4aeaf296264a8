"""Crude rates with exact Poisson limits for small counts and Byar's approximation otherwise."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.measures._inputs import (
    check_missing_rule,
    check_not_empty,
    column_list,
    group_rows,
    read_counts,
    read_positive,
)
from analysis.measures._output import check_multiplier, labels, multiplier_label, result_frame
from analysis.measures.intervals import byars_limits, exact_poisson_limits
from analysis.validation import check_confidence, require_columns

#: Counts below this use exact Poisson limits; from this count on, Byar's approximation.
EXACT_BELOW = 10


def poisson_method(count: np.ndarray) -> pd.Categorical:
    """``"Exact"`` for counts below 10, ``"Byars"`` otherwise, missing where the count is."""
    return labels(np.where(np.isnan(count), -1, count >= EXACT_BELOW), ["Exact", "Byars"])


def poisson_limits(count: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact limits below 10 events, Byar's from 10 on (NaN for a missing count).

    Same values as :func:`~analysis.measures.intervals.poisson_count_limits`; the exact
    (chi-squared) limits are only evaluated for the small counts, which keeps millions of
    rows fast.
    """
    lower, upper = byars_limits(count, confidence)
    small = np.flatnonzero(count < EXACT_BELOW)
    lower[small], upper[small] = exact_poisson_limits(count[small], confidence)
    missing = np.isnan(count)
    lower[missing], upper[missing] = np.nan, np.nan
    return lower, upper


def crude_rate(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    group_by: str | Sequence[str] | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100_000,
    missing: str = "raise",
) -> pd.DataFrame:
    """Crude rate ``x / n * multiplier`` with Poisson confidence limits.

    Method: exact Poisson limits from the chi-squared distribution for counts below 10
    (Ulm 1990, *Am J Epidemiol* 131:373-375; Armitage & Berry 2002) and Byar's approximation
    from 10 events on (Breslow & Day 1987, *Statistical Methods in Cancer Research* vol. II,
    IARC), divided by the denominator -- the switch of PHEindicatormethods ``phe_rate``.
    Counts may exceed denominators (people can have several events).

    Without ``group_by`` each row gets its own rate and keeps its other columns; with
    ``group_by`` counts and denominators are summed within each group first.

    Args:
        data: one row per area/group (or per part of a group).
        x: column of event counts (whole numbers).
        n: column of denominators (population or person-years, greater than zero).
        group_by: column(s) to sum within before calculating.
        confidence: level(s), e.g. 0.95 or ``[0.95, 0.998]``.
        multiplier: rate per this many (default per 100,000).
        missing: ``"raise"`` (default) or ``"na"`` to give NA results where a count or
            denominator is missing, as PHEindicatormethods does.

    >>> df = pd.DataFrame({"area": ["A", "B"], "deaths": [5, 65], "population": [100, 100]})
    >>> out = crude_rate(df, "deaths", "population", multiplier=100)
    >>> out[["area", "value", "lowercl", "uppercl", "method"]].round(4)
      area  value  lowercl  uppercl method
    0    A    5.0   1.6235  11.6683  Exact
    1    B   65.0  50.1632  82.8491  Byars
    """
    levels = check_confidence(confidence)
    scale = check_multiplier(multiplier)
    check_missing_rule(missing, ("raise", "na"))
    keys = column_list(group_by)
    require_columns(data, [x, n, *keys])
    check_not_empty(data)
    count = read_counts(data, x, missing=missing, context=keys)
    den = read_positive(data, n, missing=missing, context=keys)

    if keys:
        groups = group_rows(data, keys)
        count, den, front = groups.sum(count), groups.sum(den), groups.keys
    else:
        front = data.drop(columns=[x, n])
    factor = scale / den
    limits = [tuple(lim * factor for lim in poisson_limits(count, c)) for c in levels]
    return result_frame(
        front,
        {x: count, n: den},
        count * factor,
        limits,
        levels,
        statistic=f"rate per {multiplier_label(scale)}",
        method=poisson_method(count),
    )
