"""The deprivation gradient of an indicator: where each quantile sits, and which way it steps.

A chapter that plots an indicator across deprivation quantiles places each quantile at the
midpoint of its range in the cumulative population distribution -- its *relative rank*, the
x-axis of the slope index of inequality (Low & Low 2004, *J Public Health* 26:388-395) -- and
says how regular the gradient is: of the steps from one quantile to the next, how many go up
and how many go down. Both use the quantile order of :func:`slope_index_of_inequality`
(labels are numbers, 1 = most deprived; numbers stored as text are read as numbers).

>>> import pandas as pd
>>> rates = pd.DataFrame({"quintile": [1, 2, 3], "people": [12.0, 10.0, 78.0],
...                       "rate": [30.0, 25.0, 27.0]})
>>> relative_ranks(rates, "quintile", "people").round(2).tolist()
[0.06, 0.17, 0.61]
>>> gradient_steps(rates, "quintile", "rate")[["steps", "rising", "falling"]].to_dict("records")
[{'steps': 2, 'rising': 1, 'falling': 1}]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.inequality._layout import Layout, grouped_layout, population_shares_and_ranks
from analysis.validation import check_positive, require_columns, require_numeric


def _ordered(
    data: pd.DataFrame, quantile: str, columns: Sequence[str], group_by: Sequence[str] | str | None
) -> tuple[Layout, list[str]]:
    """Check the rows and sort them by group then quantile, keeping each row's position."""
    group_by = [group_by] if isinstance(group_by, str) else list(group_by or [])
    require_columns(data, [*group_by, quantile, *columns])
    order = require_numeric(data, quantile, context=[*group_by, quantile])
    rows = data.assign(**{quantile: order, "_row": np.arange(len(data))})
    return grouped_layout(rows, quantile, group_by), group_by


def relative_ranks(
    data: pd.DataFrame,
    quantile: str,
    n: str,
    *,
    group_by: Sequence[str] | str | None = None,
) -> pd.Series:
    """Relative rank of each row's quantile within its group (0 = most deprived end).

    Method: the cumulative-rank midpoint of Low & Low (2004, *J Public Health* 26:388-395),
    as in the slope index of inequality: a quantile holding a share ``s`` of its group's
    population, after quantiles holding ``S`` in all, sits at ``S + s / 2``.

    Parameters
    ----------
    data
        One row per group x quantile, in any order.
    quantile, n
        Column names: the quantile label (numbers, 1 = most deprived) and its population
        (the denominator, as ``n`` of :func:`slope_index_of_inequality`).
    group_by
        Columns identifying each separate gradient (e.g. outcome, sex).

    Returns
    -------
    pandas.Series
        The relative rank of each row, aligned with ``data``'s index, named ``rank``.

    Raises
    ------
    InputError
        A missing column, a quantile label that is not a number, a quantile repeated within
        a group, or a population that is missing or not above zero.
    """
    layout, group_by = _ordered(data, quantile, [n], group_by)
    people = check_positive(layout.data, n, context=[*group_by, quantile])
    positions = layout.data["_row"].to_numpy()
    ranks = np.empty(len(positions))
    for batch in layout.batches:  # one per distinct number of quantiles, not per group
        _, rank = population_shares_and_ranks(people[batch.rows])
        ranks[positions[batch.rows]] = rank
    return pd.Series(ranks, index=data.index, name="rank")


def gradient_steps(
    data: pd.DataFrame,
    quantile: str,
    value: str,
    *,
    group_by: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """How many steps between neighbouring quantiles go up and how many go down, per group.

    Method: the signs of the first differences of the values in quantile order, a
    descriptive check of whether a gradient is monotone; the regression summary of the same
    gradient is the slope index of inequality (Low & Low 2004, *J Public Health*
    26:388-395).

    The steps are taken from each quantile to the next in the quantiles' order (from the most
    to the least deprived); a step with no change counts as neither rising nor falling. A
    monotone gradient has every step one way; a gradient driven by the extremes alone has
    steps both ways.

    Parameters
    ----------
    data
        One row per group x quantile, in any order.
    quantile, value
        Column names: the quantile label (numbers, 1 = most deprived) and the indicator.
    group_by
        Columns identifying each separate gradient (e.g. outcome, sex).

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``group_by`` columns, ``steps`` (quantiles less one),
        ``rising`` and ``falling``.

    Raises
    ------
    InputError
        A missing column, a quantile label that is not a number, a quantile repeated within
        a group, or a missing value.
    """
    layout, group_by = _ordered(data, quantile, [value], group_by)
    frame = layout.data
    values = pd.Series(require_numeric(frame, value, context=[*group_by, quantile]))
    keys = [frame[c] for c in group_by] or [pd.Series(np.zeros(len(frame)))]
    change = values.groupby(keys, sort=False).diff()
    counted = pd.DataFrame({"steps": change.notna(), "rising": change > 0, "falling": change < 0})
    out = counted.groupby(keys, sort=False).sum().astype("int64")
    return out.reset_index(drop=not group_by).reset_index(drop=True)


__all__ = ["gradient_steps", "relative_ranks"]
