"""Differences between two proportions with Newcombe's hybrid score interval.

Method: Newcombe (1998), *Stat Med* 17:873-890, method 10 (the "hybrid score" or
square-and-add interval). Each proportion gets its Wilson score limits ``(l, u)`` (the
PHE/OHID interval of :func:`analysis.measures.proportion`), and for ``D = p1 - p2``::

    lower = D - sqrt((p1 - l1)^2 + (u2 - p2)^2)
    upper = D + sqrt((u1 - p1)^2 + (p2 - l2)^2)

In Newcombe's evaluation of eleven methods it kept close to nominal coverage, including for
small counts and proportions near 0 or 1 where the simple Wald interval fails.

>>> df = pd.DataFrame({"arm": ["a", "b"], "events": [56, 48], "people": [70, 80]})
>>> out = proportion_difference(df, "events", "people", "arm", reference="b", multiplier=1)
>>> out[["arm", "reference", "value", "lowercl", "uppercl"]].round(4)
  arm reference  value  lowercl  uppercl
0   a         b    0.2   0.0524   0.3339
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.measures._inputs import check_not_empty, column_list, group_rows, read_counts
from analysis.measures._output import check_multiplier, multiplier_label, result_frame
from analysis.measures.intervals import wilson_limits
from analysis.validation import InputError, check_confidence, fail_rows, require_columns

METHOD = "Newcombe hybrid score"


def newcombe_limits(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score limits for the difference ``x1 / n1 - x2 / n2``.

    Method: Newcombe (1998), *Stat Med* 17:873-890, method 10: the Wilson score limits of
    each proportion combined into limits of their difference (see the module docstring).

    Parameters
    ----------
    x1
        numerators of the first proportions (arrays of the same shape).
    n1
        denominators of the first proportions.
    x2
        numerators of the second proportions.
    n2
        denominators of the second proportions.
    confidence
        the confidence level, e.g. 0.95.

    Returns
    -------
    tuple of numpy.ndarray
        The lower and upper limits of the difference, on the proportion scale (-1 to 1).

    Raises
    ------
    InputError
        If ``confidence`` is not a number strictly between 0 and 1.

    Examples
    --------
    >>> lower, upper = newcombe_limits(9, 10, 3, 10, 0.95)
    >>> round(float(lower), 4), round(float(upper), 4)
    (0.1705, 0.809)
    """
    x1, n1, x2, n2 = (np.asarray(v, dtype="float64") for v in (x1, n1, x2, n2))
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_limits(x1, n1, confidence)
    l2, u2 = wilson_limits(x2, n2, confidence)
    difference = p1 - p2
    lower = difference - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = difference + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return lower, upper


def proportion_difference(
    data: pd.DataFrame,
    x: str,
    n: str,
    category: str,
    *,
    reference: object,
    group_by: str | Sequence[str] | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100,
) -> pd.DataFrame:
    """Difference between each category's proportion ``x / n`` and the ``reference`` category's.

    Numerators and denominators are summed within ``category`` (and ``group_by``) first;
    within each ``group_by`` cell every level of ``category`` other than ``reference`` is
    compared with ``reference`` (value = category minus reference) with Newcombe's hybrid
    score limits.

    Parameters
    ----------
    data
        one row per category (or part of a category) and ``group_by`` cell.
    x
        column of numerators (whole numbers, not above ``n``).
    n
        column of denominators (greater than zero).
    category
        column whose levels are compared with ``reference`` (an unordered subgroup, as the
        naming convention's ``category``; for example Core20 or not).
    reference
        the level of ``category`` to compare with (must be present in every cell).
    group_by
        column(s) within which to compare separately (e.g. ethnicity).
    confidence
        level(s), e.g. 0.95 or ``[0.95, 0.998]``.
    multiplier
        100 for a difference in percentage points, 1 for proportions.

    Returns
    -------
    pandas.DataFrame
        The ``group_by`` columns, ``category``, ``x``, ``n``, ``reference``, ``reference_x``,
        ``reference_n``, ``value``, the limits, ``confidence``, ``statistic``, ``method``.
    """
    levels = check_confidence(confidence)
    scale = check_multiplier(multiplier)
    keys = column_list(group_by)
    if category in keys:
        raise InputError(f"category {category!r} must not also be in group_by={keys}")
    require_columns(data, [x, n, category, *keys])
    check_not_empty(data)
    num = read_counts(data, x, context=[*keys, category])
    den = read_counts(data, n, context=[*keys, category])
    fail_rows(data, den <= 0, n, "must be greater than zero", context=[*keys, category])
    fail_rows(
        data, num > den, [x, n], f"{x!r} must not be greater than {n!r}", context=[*keys, category]
    )

    groups = group_rows(data, [*keys, category])
    totals = groups.keys.assign(**{x: groups.sum(num), n: groups.sum(den)})
    is_reference = (totals[category] == reference).to_numpy()
    base = totals[is_reference].drop(columns=category)
    base = base.rename(columns={x: "reference_x", n: "reference_n"})
    compared = totals[~is_reference]
    if compared.empty:
        raise InputError(f"column {category!r} has no level other than the reference {reference!r}")
    merged = (
        compared.merge(base, on=keys, how="left") if keys else compared.merge(base, how="cross")
    )
    missing = merged["reference_n"].isna().to_numpy()
    if not is_reference.any() or missing.any():
        cells = merged.loc[missing, keys].drop_duplicates().head(5).to_dict("records")
        where = f" in group_by cells {cells}" if keys and cells else ""
        raise InputError(f"reference {reference!r} not found in column {category!r}{where}")

    x1, n1 = merged[x].to_numpy(), merged[n].to_numpy()
    x2, n2 = merged["reference_x"].to_numpy(), merged["reference_n"].to_numpy()
    limits = [tuple(lim * scale for lim in newcombe_limits(x1, n1, x2, n2, c)) for c in levels]
    statistic = {100.0: "difference in percentage points", 1.0: "difference in proportions"}.get(
        scale, f"difference in proportions per {multiplier_label(scale)}"
    )
    front = merged[[*keys, category]]
    out = result_frame(
        front,
        {x: x1, n: n1, "reference": np.full(len(merged), reference, dtype=object)},
        (x1 / n1 - x2 / n2) * scale,
        limits,
        levels,
        statistic=statistic,
        method=METHOD,
    )
    out.insert(out.columns.get_loc("reference") + 1, "reference_x", x2)
    out.insert(out.columns.get_loc("reference_x") + 1, "reference_n", n2)
    return out
