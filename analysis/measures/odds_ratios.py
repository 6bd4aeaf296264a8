"""Odds ratios of an outcome between two groups, with Woolf's logit confidence limits.

Method: for ``a`` events among ``n1`` people in the group of interest and ``c`` among ``n0``
in the comparison group (``b = n1 - a``, ``d = n0 - c``), the odds ratio is ``(a d) / (b c)``
and its limits are ``exp(log OR +/- z sqrt(1/a + 1/b + 1/c + 1/d))`` (Woolf 1955, *Ann Hum
Genet* 19:251-253; Altman 1991, *Practical statistics for medical research*, section 10.11).
When a cell is zero, 0.5 is added to all four cells (Haldane 1956, *Ann Hum Genet*
20:309-311) and ``method`` says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.measures._inputs import check_not_empty, column_list, read_counts
from analysis.measures._output import result_frame
from analysis.measures.intervals import z_value
from analysis.validation import check_confidence, fail_rows, require_columns


def odds_ratio(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    exposed: str,
    group_by: str | Sequence[str] | None = None,
    confidence: float | Sequence[float] = 0.95,
) -> pd.DataFrame:
    """Odds ratio of the outcome, rows with ``exposed`` true against rows with it false.

    Method: ``(a d) / (b c)`` with Woolf's logit limits (Woolf 1955, *Ann Hum Genet*
    19:251-253), and 0.5 added to every cell of a table with a zero cell (Haldane 1956,
    *Ann Hum Genet* 20:309-311).

    Parameters
    ----------
    data
        One row per group and exposure level: events ``x`` among ``n`` people.
    x, n
        Columns of events and people (whole numbers, ``0 <= x <= n``).
    exposed
        Boolean column: the group of interest (true) and the comparison group (false);
        each group of ``group_by`` needs exactly one row of each.
    group_by
        Column(s) identifying each odds ratio; without it one odds ratio.
    confidence
        Level(s), e.g. 0.95 or ``[0.95, 0.998]``.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``group_by`` columns, ``x1``, ``n1``, ``x0``, ``n0``, ``value``,
        limits, ``confidence``, ``statistic`` and ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"ld": [True, False], "deaths": [20, 100], "people": [520, 10_100]})
    >>> odds_ratio(df, "deaths", "people", exposed="ld")[["value", "lowercl", "uppercl"]].round(3)
       value  lowercl  uppercl
    0    4.0    2.454    6.519
    """
    levels = check_confidence(confidence)
    keys = column_list(group_by)
    require_columns(data, [x, n, exposed, *keys])
    check_not_empty(data)
    events = read_counts(data, x, context=keys)
    people = read_counts(data, n, context=keys)
    fail_rows(data, events > people, x, f"must not exceed {n}", context=keys)
    flag = data[exposed]
    fail_rows(
        data,
        ~flag.isin([True, False]) | flag.isna(),
        exposed,
        "must be True or False",
        context=keys,
    )
    by = keys or ["_all"]
    ordered = data.assign(_x=events, _n=people, _e=flag.astype(bool), _all=0)
    wide = (
        ordered.groupby([*by, "_e"], sort=True, observed=True)
        .agg(x=("_x", "sum"), n=("_n", "sum"), rows=("_x", "size"))
        .unstack("_e")
    )
    rows = wide["rows"].reindex(columns=[False, True]).fillna(0).to_numpy()
    report = wide.index.to_frame(index=False)[keys].assign(
        **{exposed: [f"{int(t)} true, {int(f)} false" for f, t in rows]}
    )
    fail_rows(
        report,
        (rows != 1).any(axis=1),
        exposed,
        "each group needs exactly one row with it True and one with it False",
        context=keys,
    )
    a, n1 = wide[("x", True)].to_numpy(), wide[("n", True)].to_numpy()
    c, n0 = wide[("x", False)].to_numpy(), wide[("n", False)].to_numpy()
    cells = np.stack([a, n1 - a, c, n0 - c])
    zero = (cells == 0).any(axis=0)
    cells = cells + 0.5 * zero
    log_or = np.log(cells[0] * cells[3]) - np.log(cells[1] * cells[2])
    se = np.sqrt((1 / cells).sum(axis=0))
    limits = [
        (np.exp(log_or - z_value(level) * se), np.exp(log_or + z_value(level) * se))
        for level in levels
    ]
    key_frame = wide.index.to_frame(index=False)[keys]
    return result_frame(
        key_frame,
        {"x1": a, "n1": n1, "x0": c, "n0": n0},
        np.exp(log_or),
        limits,
        levels,
        statistic="odds ratio",
        method=pd.Categorical(np.where(zero, "Woolf, Haldane 0.5 correction", "Woolf")),
    )
