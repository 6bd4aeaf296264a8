"""Reading the caller's columns for the measures: grouping, counts and the missing-value rule.

Groups are numbered once (``pd.factorize``, sorted like ``dplyr::group_by``) so every
statistic reduces with ``np.bincount`` over group codes instead of a per-group apply. Rows
already sorted by a single key are numbered where the key changes (no hashing), and rows
that are already one per group are recognised and left as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.measures._output import check_multiplier, result_frame
from analysis.validation import (
    InputError,
    check_confidence,
    check_counts,
    fail_rows,
    reject_infinite,
    require_columns,
    require_numeric,
)

#: What to do with missing values: raise (default), give NA results, or count them as zero.
MISSING_RULES = ("raise", "na", "zero")


def column_list(group_by: str | Sequence[str] | None) -> list[str]:
    """``group_by`` as a list of column names (``None`` -> no grouping)."""
    if group_by is None:
        return []
    if isinstance(group_by, str):
        return [group_by]
    return list(group_by)


def check_missing_rule(missing: str, allowed: Sequence[str]) -> str:
    """Raise unless ``missing`` is one of the ``allowed`` rules."""
    if missing not in allowed:
        raise InputError(f"missing must be one of {list(allowed)}, got {missing!r}")
    return missing


@dataclass(frozen=True)
class Groups:
    """Rows numbered by group: ``codes[i]`` is row i's group; ``keys`` has one row per group.

    ``one_row_each`` says that every row is its own group, in order (``codes`` is then
    ``0, 1, 2, ...`` and sums within groups are the values themselves).
    """

    codes: np.ndarray
    keys: pd.DataFrame
    one_row_each: bool = False

    @property
    def size(self) -> int:
        return len(self.keys)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Sum ``values`` within each group (NaN in a group gives NaN, as in R's ``sum``)."""
        return np.bincount(self.codes, weights=values, minlength=self.size)

    def count(self) -> np.ndarray:
        """Return the number of rows in each group."""
        return np.bincount(self.codes, minlength=self.size)


def _factorize(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    codes, uniques = pd.factorize(column, sort=True, use_na_sentinel=False)
    return codes.astype("int64"), pd.Index(uniques)


def _sorted_groups(column: pd.Series) -> Groups | None:
    """Return the groups of a key column whose rows are already sorted (no missing keys, each key at least the one before): numbered where the key changes, no hashing or sorting.

    ``None`` if the rows are not sorted.
    """
    if len(column) == 0 or column.hasnans or not column.is_monotonic_increasing:
        return None
    values = column.to_numpy()
    change = np.empty(len(values), dtype=bool)
    change[0] = True
    np.not_equal(values[1:], values[:-1], out=change[1:])
    keys = column.reset_index(drop=True)
    if change.all():
        return Groups(np.arange(len(values), dtype="int64"), keys.to_frame(), one_row_each=True)
    codes = np.cumsum(change, dtype="int64")
    codes -= 1
    keys = keys.take(np.flatnonzero(change)).reset_index(drop=True)
    return Groups(codes, keys.to_frame())


def group_rows(data: pd.DataFrame, group_by: Sequence[str]) -> Groups:
    """Give each row of ``data`` the number of its group of ``group_by``.

    Groups are sorted, missing keys kept as their own group. Without grouping every row is in group 0.
    """
    if not group_by:
        return Groups(np.zeros(len(data), dtype="int64"), pd.DataFrame(index=range(1)))
    if len(group_by) == 1:
        groups = _sorted_groups(data[group_by[0]])
        if groups is not None:
            return groups
    codes, uniques = _factorize(data[group_by[0]])
    if len(group_by) == 1:
        return Groups(codes, pd.DataFrame({group_by[0]: uniques}))
    parts = [uniques]
    level_codes = [codes]
    for name in group_by[1:]:
        more, more_uniques = _factorize(data[name])
        parts.append(more_uniques)
        level_codes.append(more)
        combined = codes * len(more_uniques) + more
        codes, _ = pd.factorize(combined, sort=True)
        codes = codes.astype("int64")
    first = np.full(int(codes.max()) + 1, len(codes), dtype="int64")
    np.minimum.at(first, codes, np.arange(len(codes)))
    keys = pd.DataFrame(
        {name: parts[i].take(level_codes[i][first]) for i, name in enumerate(group_by)}
    )
    return Groups(codes, keys)


def read_counts(
    data: pd.DataFrame,
    column: str,
    *,
    missing: str = "raise",
    integer: bool = True,
    context: Sequence[str] = (),
) -> np.ndarray:
    """Return a count column as float64: finite, not negative and, if ``integer``, whole.

    Whole numbers are not checked again for integer columns, whose type already says so.

    Missing values raise (``missing="raise"``), stay NaN (``"na"``) or become 0 (``"zero"``).
    """
    series = data[column]
    integer = integer and not (
        pd.api.types.is_integer_dtype(series) or pd.api.types.is_bool_dtype(series)
    )
    if missing == "raise":
        return check_counts(data, column, integer=integer, context=context)
    if not pd.api.types.is_numeric_dtype(series):
        converted = pd.to_numeric(series, errors="coerce")
        fail_rows(
            data, converted.isna() & series.notna(), column, "must be numeric", context=context
        )
        series = converted
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    reject_infinite(data, values, column, context=context)
    fail_rows(data, values < 0, column, "counts must not be negative", context=context)
    if integer:
        fail_rows(
            data, (values != np.round(values)) & ~np.isnan(values), column,
            "counts must be whole numbers", context=context,
        )  # fmt: skip
    return np.nan_to_num(values, nan=0.0) if missing == "zero" else values


def read_positive(
    data: pd.DataFrame, column: str, *, missing: str = "raise", context: Sequence[str] = ()
) -> np.ndarray:
    """Return a denominator column as float64: finite and strictly positive.

    Missing values raise unless ``missing="na"`` (they then stay NaN).
    """
    if missing == "na":
        values = pd.to_numeric(data[column], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
        fail_rows(
            data, pd.isna(values) & data[column].notna().to_numpy(), column, "must be numeric",
            context=context,
        )  # fmt: skip
        reject_infinite(data, values, column, context=context)
    else:
        values = require_numeric(data, column, context=context)
    fail_rows(data, values <= 0, column, "must be greater than zero", context=context)
    return values


def reusable(values: np.ndarray) -> np.ndarray | None:
    """``values`` as the ``out=`` of a numpy operation once they are no longer needed: the array itself if the measure made it (it owns and may write it), else ``None`` so numpy allocates -- pandas' read-only views of the caller's data are never written."""
    return values if values.flags.owndata and values.flags.writeable else None


def check_not_empty(data: pd.DataFrame) -> None:
    """Raise if ``data`` has no rows (there is nothing to calculate)."""
    if len(data) == 0:
        raise InputError("data has no rows: there is nothing to calculate")


@dataclass(frozen=True)
class CountsAndDenominators:
    """The checked inputs of a ratio of counts (proportions, crude rates): confidence ``levels``, ``scale`` (the multiplier) and, one per result row, numerators ``x`` and denominators ``n`` (summed within groups) after the ``front`` columns (the group keys or, without grouping, the caller's other columns).

    ``columns`` are ``x`` and ``n`` for the result, under the caller's names.
    """

    levels: list[float]
    scale: float
    front: pd.DataFrame
    x: np.ndarray
    n: np.ndarray
    columns: dict[str, np.ndarray | pd.Series]

    def result(
        self,
        value: np.ndarray,
        limits: Sequence[tuple[np.ndarray, np.ndarray]],
        *,
        statistic: str,
        method: str | pd.Categorical,
    ) -> pd.DataFrame:
        """Return the tidy result: ``front``, ``x``, ``n``, ``value``, the limits per level, and ``confidence``, ``statistic``, ``method``."""
        return result_frame(
            self.front, self.columns, value, limits, self.levels, statistic=statistic,
            method=method,
        )  # fmt: skip


def _result_column(data: pd.DataFrame, column: str, values: np.ndarray) -> np.ndarray | pd.Series:
    """``values`` for a result column without copying: where they are pandas' read-only view of a float column of ``data``, that column itself (pandas copies it only on a write)."""
    if values.flags.writeable:
        return values
    source = data[column]
    if source.dtype == np.float64:
        return source.reset_index(drop=True)
    return values.copy()


def counts_and_denominators(
    data: pd.DataFrame,
    x: str,
    n: str,
    group_by: str | Sequence[str] | None,
    confidence: float | Sequence[float],
    multiplier: float,
    missing: str,
    *,
    x_at_most_n: bool,
) -> CountsAndDenominators:
    """Check the arguments and read counts ``x`` and denominators ``n``, summed within ``group_by``.

    Counts are whole and not negative; denominators greater than zero (with ``x_at_most_n``
    not below ``x``).

    ``missing`` is ``"raise"`` or ``"na"`` (NA results where a value is missing). Rows that
    are already one per group (a single, strictly increasing key) are used as they are.
    """
    levels = check_confidence(confidence)
    scale = check_multiplier(multiplier)
    check_missing_rule(missing, ("raise", "na"))
    keys = column_list(group_by)
    require_columns(data, [x, n, *keys])
    check_not_empty(data)
    num = read_counts(data, x, missing=missing, context=keys)
    den = read_positive(data, n, missing=missing, context=keys)
    if x_at_most_n:
        fail_rows(data, num > den, [x, n], f"{x!r} must not be greater than {n!r}", context=keys)
    groups = group_rows(data, keys) if keys else None
    if groups is not None and not groups.one_row_each:
        num, den = groups.sum(num), groups.sum(den)
        return CountsAndDenominators(levels, scale, groups.keys, num, den, {x: num, n: den})
    front = groups.keys if groups else data.drop(columns=[x, n]).reset_index(drop=True)
    columns = {x: _result_column(data, x, num), n: _result_column(data, n, den)}
    return CountsAndDenominators(levels, scale, front, num, den, columns)
