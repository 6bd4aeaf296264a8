"""Proportions with Wilson score confidence limits (the PHE/OHID method)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.measures._inputs import counts_and_denominators
from analysis.measures._output import multiplier_label
from analysis.measures.intervals import wilson_limits


def proportion(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    group_by: str | Sequence[str] | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 1,
    missing: str = "raise",
) -> pd.DataFrame:
    """Proportion ``x / n`` with Wilson score confidence limits.

    Method: Wilson score interval (Wilson 1927, *JASA* 22:209-212; Newcombe 1998,
    *Stat Med* 17:857-872, method 3), as in PHEindicatormethods ``phe_proportion`` and the
    Fingertips technical guidance.

    Without ``group_by`` each row gets its own proportion and keeps its other columns (as
    PHEindicatormethods does for ungrouped data); with ``group_by`` numerators and
    denominators are summed within each group first.

    Parameters
    ----------
    data
        one row per area/group (or per part of a group).
    x
        column of numerators (whole numbers, not above ``n``).
    n
        column of denominators (greater than zero).
    group_by
        column(s) to sum within before calculating.
    confidence
        level(s), e.g. 0.95 or ``[0.95, 0.998]``.
    multiplier
        1 for a proportion, 100 for a percentage.
    missing
        ``"raise"`` (default) or ``"na"`` to give NA results for rows/groups with a
        missing numerator or denominator, as PHEindicatormethods does.

    Returns
    -------
    pandas.DataFrame
        The group columns (or all input columns), ``x``, ``n``, ``value``, the limits,
        ``confidence``, ``statistic`` and ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"area": ["A", "B"], "cases": [65, 1045], "people": [100, 5000]})
    >>> out = proportion(df, "cases", "people", multiplier=100)
    >>> out[["area", "value", "lowercl", "uppercl"]].round(4)
      area  value  lowercl  uppercl
    0    A   65.0  55.2544  73.6358
    1    B   20.9  19.7955  22.0491
    >>> out.loc[0, ["confidence", "statistic", "method"]].tolist()
    ['95%', 'percentage', 'Wilson']
    """
    counts = counts_and_denominators(
        data, x, n, group_by, confidence, multiplier, missing, x_at_most_n=True
    )
    scale = counts.scale
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.divide(counts.x, counts.n)
    value *= scale
    limits = [wilson_limits(counts.x, counts.n, c, scale=scale) for c in counts.levels]
    statistic = {1.0: "proportion of 1", 100.0: "percentage"}.get(
        scale, f"proportion of {multiplier_label(scale)}"
    )
    return counts.result(value, limits, statistic=statistic, method="Wilson")
