"""Means of individual values with Student's t confidence limits."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.measures._inputs import check_not_empty, column_list, group_rows
from analysis.measures._output import labels, result_frame
from analysis.validation import check_confidence, require_columns, require_numeric

#: Groups with fewer values than this have no standard deviation, so no limits.
MIN_VALUES = 2


def mean(
    data: pd.DataFrame,
    value: str,
    *,
    group_by: str | Sequence[str] | None = None,
    confidence: float | Sequence[float] = 0.95,
) -> pd.DataFrame:
    """Mean of the individual values in each group with Student's t confidence limits.

    Method: mean +/- t(1 - a/2, n - 1) * s / sqrt(n), with s the sample standard deviation
    (Student 1908, *Biometrika* 6:1-25; Armitage, Berry & Matthews 2002, *Statistical
    Methods in Medical Research*, 4th ed.), as PHEindicatormethods ``phe_mean``. A group
    of one value has no standard deviation, so its ``stdev`` and limits are NA and its
    ``statistic`` says why (``"mean; limits NA for fewer than 2 values"``), as
    :func:`~analysis.measures.directly_standardised_rate` states why a rate is NA.

    Parameters
    ----------
    data
        one row per individual value.
    value
        column of values.
    group_by
        column(s) defining the groups; without it one overall mean.
    confidence
        level(s), e.g. 0.95 or ``[0.95, 0.998]``.

    Returns
    -------
    pandas.DataFrame
        The group columns, ``value_sum``, ``value_count``, ``stdev``, ``value``, the limits,
        ``confidence``, ``statistic`` (``"mean"``, or the reason the limits are NA) and
        ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"area": ["A", "A", "A", "B", "B"], "bmi": [22.0, 25, 28, 30, 31]})
    >>> mean(df, "bmi", group_by="area")[["area", "value", "lowercl", "uppercl"]].round(4)
      area  value  lowercl  uppercl
    0    A   25.0  17.5476  32.4524
    1    B   30.5  24.1469  36.8531
    >>> mean(pd.DataFrame({"bmi": [27.0]}), "bmi")[["value", "lowercl", "statistic"]]
       value  lowercl                                statistic
    0   27.0      NaN  mean; limits NA for fewer than 2 values
    """
    levels = check_confidence(confidence)
    keys = column_list(group_by)
    require_columns(data, [value, *keys])
    check_not_empty(data)
    values = require_numeric(data, value, context=keys)
    groups = group_rows(data, keys)
    total, count = groups.sum(values), groups.count().astype("float64")
    average = total / count
    squares = groups.sum((values - average[groups.codes]) ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        stdev = np.sqrt(squares / (count - 1))
        stdev[count < MIN_VALUES] = np.nan
        error = stdev / np.sqrt(count)
        limits = []
        for c in levels:
            t = stats.t.ppf(0.5 + c / 2, np.maximum(count - 1, 1))
            limits.append((average - t * error, average + t * error))
    return result_frame(
        groups.keys,
        {"value_sum": total, "value_count": count.astype("int64"), "stdev": stdev},
        average,
        limits,
        levels,
        statistic=labels(
            count >= MIN_VALUES, [f"mean; limits NA for fewer than {MIN_VALUES} values", "mean"]
        ),
        method="Student's t-distribution",
    )
