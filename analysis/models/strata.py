"""Collapse person-level rows to strata: the sufficient statistics of the models.

When every predictor is categorical, a Poisson model with a log person-time offset depends
on the data only through the event and person-time totals of each combination of predictor
levels, and a binomial (logistic) model only through the numbers of successes and trials of
each combination (the score equations involve only these sums; McCullagh & Nelder 1989,
*Generalized Linear Models*, 2nd ed., sections 4.4 and 6.2). Fitting the collapsed table gives
the same coefficients and standard errors as fitting one row per person, in a fraction of the
time. A Gaussian random-intercept model depends only on each stratum's size, mean and
within-stratum sum of squares.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.validation import check_counts, fail_rows, require_columns, require_numeric


def _grouped(data: pd.DataFrame, group_by: Sequence[str]):
    group_by = list(dict.fromkeys(group_by))
    require_columns(data, group_by, what="data")
    for c in group_by:
        fail_rows(data, data[c].isna(), c, "must not be missing to form strata", context=group_by)
    return data.groupby(group_by, observed=True, sort=True)


def collapse_counts(
    data: pd.DataFrame, group_by: Sequence[str], sums: Sequence[str]
) -> pd.DataFrame:
    """Sum count columns over every observed combination of the grouping columns.

    Parameters
    ----------
    data
        person-level (or finer) rows.
    group_by
        the columns that define the strata.
    sums
        the numeric columns to sum (e.g. events and person-time).

    Returns
    -------
    pandas.DataFrame
        One row per stratum present in ``data``: the ``group_by`` columns and the sums.

    Raises
    ------
    InputError
        If a column is missing or a ``sums`` column is not numeric.

    Examples
    --------
    >>> people = pd.DataFrame({"sex": ["F", "F", "M"], "deaths": [1, 0, 1], "years": [1, 1, 0.5]})
    >>> collapse_counts(people, ["sex"], ["deaths", "years"])
      sex  deaths  years
    0   F       1    2.0
    1   M       1    0.5
    """
    require_columns(data, sums, what="data")
    for c in sums:
        require_numeric(data, c)
    return _grouped(data, group_by)[list(sums)].sum().reset_index()


def collapse_binary(
    data: pd.DataFrame, group_by: Sequence[str], x: str, *, n: str = "n"
) -> pd.DataFrame:
    """Collapse a person-level 0/1 (or True/False) outcome to successes and trials per stratum.

    Parameters
    ----------
    data
        one row per person.
    group_by
        the columns that define the strata.
    x
        the outcome column, 0/1 or True/False.
    n
        the name of the output column of people (default ``"n"``).

    Returns
    -------
    pandas.DataFrame
        The ``group_by`` columns, ``x`` (the number of people with the outcome) and ``n``
        (the number of people).

    Raises
    ------
    InputError
        If a column is missing or the outcome is not 0/1 (or True/False).

    Examples
    --------
    >>> people = pd.DataFrame({"sex": ["F", "F", "M"], "late": [True, False, True]})
    >>> collapse_binary(people, ["sex"], "late")
      sex  late  n
    0   F     1  2
    1   M     1  1
    """
    require_columns(data, [x], what="data")
    values = check_counts(data, x)
    fail_rows(data, values > 1, x, "a binary outcome must be 0/1 or True/False")
    frame = data[list(group_by)].assign(**{x: values.astype("int64"), n: 1})
    return _grouped(frame, group_by)[[x, n]].sum().reset_index()


def collapse_continuous(data: pd.DataFrame, group_by: Sequence[str], x: str) -> pd.DataFrame:
    """Size, mean and within-stratum sum of squares of a continuous outcome per stratum.

    Parameters
    ----------
    data
        one row per person.
    group_by
        the columns that define the strata.
    x
        the numeric outcome column.

    Returns
    -------
    pandas.DataFrame
        The ``group_by`` columns, ``n``, ``mean`` and ``within_ss`` (sum of squared
        deviations from the stratum mean).

    Raises
    ------
    InputError
        If a column is missing or ``x`` is not numeric.

    Examples
    --------
    >>> people = pd.DataFrame({"sex": ["F", "F", "M"], "bmi": [20.0, 24.0, 30.0]})
    >>> collapse_continuous(people, ["sex"], "bmi")
      sex  n  mean  within_ss
    0   F  2  22.0        8.0
    1   M  1  30.0        0.0
    """
    require_columns(data, [x], what="data")
    values = require_numeric(data, x)
    frame = data[list(group_by)].assign(_y=values)
    g = _grouped(frame, group_by)["_y"]
    out = g.agg(n="size", mean="mean").reset_index()
    centred = values - g.transform("mean").to_numpy()
    out["within_ss"] = (
        pd.Series(centred**2, index=frame.index)
        .groupby([frame[c] for c in group_by], observed=True, sort=True)
        .sum()
        .to_numpy()
    )
    out["n"] = out["n"].astype(np.int64)
    return out
