"""Crude rates with exact Poisson limits for small counts and Byar's approximation otherwise."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.measures._inputs import counts_and_denominators
from analysis.measures._output import labels, multiplier_label
from analysis.measures.intervals import EXACT_BELOW, poisson_count_limits


def poisson_method(count: np.ndarray) -> pd.Categorical:
    """Name the method of the Poisson limits of each count, as PHEindicatormethods does.

    Parameters
    ----------
    count
        the observed counts.

    Returns
    -------
    pandas.Categorical
        ``"Exact"`` for counts below 10, ``"Byars"`` otherwise, missing where the count is
        missing.
    """
    codes = (count >= EXACT_BELOW).astype("int8")
    codes[np.isnan(count)] = -1
    return labels(codes, ["Exact", "Byars"])


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

    Parameters
    ----------
    data
        one row per area/group (or per part of a group).
    x
        column of event counts (whole numbers).
    n
        column of denominators (population or person-years, greater than zero).
    group_by
        column(s) to sum within before calculating.
    confidence
        level(s), e.g. 0.95 or ``[0.95, 0.998]``.
    multiplier
        rate per this many (default per 100,000).
    missing
        ``"raise"`` (default) or ``"na"`` to give NA results where a count or
        denominator is missing, as PHEindicatormethods does.

    Returns
    -------
    pandas.DataFrame
        The group columns (or all input columns), ``x``, ``n``, ``value`` (per
        ``multiplier``), the limits (``lowercl``, ``uppercl``, or one pair per level,
        ``lower95_0cl``, ...), ``confidence``, ``statistic`` and ``method`` (``"Exact"``
        below 10 events, ``"Byars"`` from 10).

    Raises
    ------
    InputError
        For missing columns, missing values (with ``missing="raise"``), counts that are
        negative or not whole numbers, denominators not above zero, or an invalid
        ``confidence`` or ``multiplier``.

    Examples
    --------
    >>> df = pd.DataFrame({"area": ["A", "B"], "deaths": [5, 65], "population": [100, 100]})
    >>> out = crude_rate(df, "deaths", "population", multiplier=100)
    >>> out[["area", "value", "lowercl", "uppercl", "method"]].round(4)
      area  value  lowercl  uppercl method
    0    A    5.0   1.6235  11.6683  Exact
    1    B   65.0  50.1632  82.8491  Byars
    """
    counts = counts_and_denominators(
        data, x, n, group_by, confidence, multiplier, missing, x_at_most_n=False
    )
    factor = np.divide(counts.scale, counts.n)
    limits = []
    for c in counts.levels:
        lower, upper = poisson_count_limits(counts.x, c)
        lower *= factor
        upper *= factor
        limits.append((lower, upper))
    method = poisson_method(counts.x)
    value = np.multiply(counts.x, factor, out=factor)  # the factor is used up
    statistic = f"rate per {multiplier_label(counts.scale)}"
    return counts.result(value, limits, statistic=statistic, method=method)
