"""Checking and encoding the features that segmentation and peer groups are built on.

People are described by binary long-term-condition flags plus categorical covariates (a
numeric covariate such as age is cut into groups). Areas are described by numeric features
that are standardised. Both refuse invalid input with an :class:`InputError` that names the
column, the rule and example rows; missing values are an error unless the caller asks for
``missing="exclude"``, in which case the dropped rows are reported (never dropped silently).

>>> import pandas as pd
>>> people = pd.DataFrame({"diabetes": [True, False, True], "age": [30, 70, 50]})
>>> enc = build_encoding(people, ["diabetes"], ["age"], bins={"age": [40, 65]})
>>> enc.encode(people).tolist()
[[1, 0], [0, 2], [1, 1]]
>>> enc.category_labels("age")
('under 40', '40-64', '65+')
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.validation import InputError, fail_rows, require_columns, require_numeric

MISSING_STRATEGIES = ("raise", "exclude")

#: A numeric covariate with more distinct values than this is cut into groups.
MAX_CATEGORIES = 12


def handle_missing(
    data: pd.DataFrame, columns: Sequence[str], missing: str
) -> tuple[pd.DataFrame, pd.Index]:
    """Apply the missing-value strategy to some columns.

    Parameters
    ----------
    data
        the rows to check.
    columns
        the columns that must not be missing.
    missing
        ``"raise"`` raises on a missing value; ``"exclude"`` drops the rows with one and
        warns how many rows were dropped, naming the first few index labels.

    Returns
    -------
    tuple
        ``(kept, dropped)``: the rows kept and the index labels of the rows dropped.

    Raises
    ------
    InputError
        For a missing value with ``missing="raise"``, or another ``missing`` option.
    """
    if missing not in MISSING_STRATEGIES:
        raise InputError(
            f"missing={missing!r} is not a strategy: use 'raise' (refuse missing values) or "
            "'exclude' (drop rows with a missing feature and report which)"
        )
    mask = data[list(columns)].isna().any(axis=1).to_numpy()
    if missing == "raise":
        for column in columns:
            fail_rows(
                data,
                data[column].isna(),
                column,
                "must not be missing (pass missing='exclude' to drop and report such rows)",
            )
    dropped = data.index[mask]
    if len(dropped):
        warnings.warn(
            f"dropped {len(dropped)} row(s) with a missing value in {list(columns)}; "
            f"index labels (first 10): {list(dropped[:10])}",
            stacklevel=3,
        )
    return data.loc[~mask], dropped


def _check_binary(data: pd.DataFrame, column: str) -> None:
    values = data[column]
    if pd.api.types.is_bool_dtype(values):
        return
    numeric = pd.to_numeric(values, errors="coerce")
    fail_rows(
        data,
        ~numeric.isin([0, 1]),
        column,
        "a condition flag must be True/False or 1/0",
    )


def _fail_constant(column: str, values: pd.Series) -> None:
    value = values.iloc[:1].tolist()[0]
    raise InputError(
        f"column {column!r}: is constant (every row is {value!r}), so it cannot tell "
        "segments apart; remove it from the features"
    )


def _group_labels(cut_points: Sequence[float]) -> tuple[str, ...]:
    if all(float(c).is_integer() for c in cut_points):
        cuts = [int(c) for c in cut_points]
        middle = [f"{lo}-{hi - 1}" for lo, hi in zip(cuts[:-1], cuts[1:], strict=True)]
        return (f"under {cuts[0]}", *middle, f"{cuts[-1]}+")
    middle = [f"{lo:g} to <{hi:g}" for lo, hi in zip(cut_points[:-1], cut_points[1:], strict=True)]
    return (f"under {cut_points[0]:g}", *middle, f"{cut_points[-1]:g} and over")


@dataclass(frozen=True)
class CategoricalEncoding:
    """How each feature maps to integer codes ``0..C-1`` (fixed when a model is fitted).

    ``categories`` holds, per variable, the category values (``(False, True)`` for a
    condition); ``cut_points`` holds the cut points of numeric covariates that were grouped
    (a value ``v`` falls in group ``searchsorted(cut_points, v, side="right")``).
    """

    conditions: tuple[str, ...]
    covariates: tuple[str, ...]
    categories: tuple[tuple, ...]
    cut_points: Mapping[str, tuple[float, ...]]

    @property
    def variables(self) -> tuple[str, ...]:
        """Conditions, then covariates: the columns each person is described by."""
        return self.conditions + self.covariates

    @property
    def n_categories(self) -> tuple[int, ...]:
        """Number of categories of each variable, in variables order."""
        return tuple(len(c) for c in self.categories)

    def category_labels(self, variable: str) -> tuple[str, ...]:
        """Readable labels of the categories of the feature ``variable`` (age groups such as ``"40-64"``)."""
        if variable in self.cut_points:
            return _group_labels(self.cut_points[variable])
        return tuple(str(c) for c in self.categories[self.variables.index(variable)])

    def columns(self, *, grouped: bool = False) -> list[str]:
        """Columns of the data that :meth:`encode` reads (``grouped``: as in counted patterns)."""
        return [group_column(v) if grouped and v in self.cut_points else v for v in self.variables]

    def encode(self, data: pd.DataFrame, *, grouped: bool = False) -> np.ndarray:
        """Integer codes of the rows of ``data`` (rows x variables, ``int64``); unseen categories raise :class:`InputError`.

        With ``grouped=True`` the rows are counted response patterns in which each grouped
        numeric covariate is already its group number, in column :func:`group_column`
        (``age_group`` for ``age``, as :func:`analysis.data.chapter_aggregates.strata_counts`
        returns it).
        """
        require_columns(data, self.columns(grouped=grouped), what="people")
        codes = np.empty((len(data), len(self.variables)), dtype="int64")
        for j, variable in enumerate(self.variables):
            if variable in self.cut_points and grouped:
                codes[:, j] = _group_numbers(data, variable, self.cut_points[variable])
                continue
            if variable in self.cut_points:
                values = require_numeric(data, variable)
                codes[:, j] = np.searchsorted(self.cut_points[variable], values, side="right")
                continue
            if variable in self.conditions:
                _check_binary(data, variable)
                codes[:, j] = data[variable].astype("int64").to_numpy()
                continue
            known = pd.Index(list(self.categories[j]))
            found = known.get_indexer(data[variable])
            fail_rows(
                data,
                found < 0,
                variable,
                f"category not seen when the segments were fitted (known: {list(known)})",
            )
            codes[:, j] = found
        return codes


def group_column(variable: str) -> str:
    """Name of the column that holds the group number of a grouped numeric covariate.

    Used in counted response patterns, e.g. ``age_group`` for ``age``.

    Parameters
    ----------
    variable
        the covariate's column, e.g. ``"age"``.

    Returns
    -------
    str
        The group column's name.
    """
    return f"{variable}_group"


def _group_numbers(data: pd.DataFrame, variable: str, cut_points: Sequence[float]) -> np.ndarray:
    """Group numbers ``0..len(cut_points)`` of ``variable`` read from its group column."""
    column = group_column(variable)
    values = require_numeric(data, column)
    fail_rows(
        data,
        (values != np.round(values)) | (values < 0) | (values > len(cut_points)),
        column,
        f"must be a group number from 0 to {len(cut_points)} (the cut points {list(cut_points)})",
    )
    return values.astype("int64")


def build_encoding(
    data: pd.DataFrame,
    conditions: Sequence[str],
    covariates: Sequence[str] = (),
    *,
    bins: Mapping[str, Sequence[float]] | None = None,
    n_bins: int = 5,
    grouped: bool = False,
) -> CategoricalEncoding:
    """Check the features and fix their encoding.

    Conditions must be binary flags. A covariate is categorical unless it is numeric with
    more than :data:`MAX_CATEGORIES` distinct values (or named in ``bins``), in which case it
    is cut at ``bins[column]`` (inner cut points) or, if not given, at the quantiles that
    make ``n_bins`` groups of roughly equal size. Every feature must vary.

    Parameters
    ----------
    data
        one row per person, or counted response patterns with ``grouped=True``.
    conditions
        the condition columns, binary flags.
    covariates
        further columns (e.g. age, sex, deprivation).
    bins
        the inner cut points of numeric covariates, by column.
    n_bins
        how many groups of roughly equal size a numeric covariate without ``bins`` is cut
        into (default 5).
    grouped
        True to read counted response patterns (one row per pattern, as counted in a
        database engine) in which each covariate named in ``bins`` is already its group
        number, in column :func:`group_column` (``age_group`` for ``age``); there is no raw
        value to cut, so ``bins`` must name every numeric covariate.

    Returns
    -------
    CategoricalEncoding
        The features' categories and how to code them.

    Raises
    ------
    InputError
        For no features, a feature named twice, a missing column, no rows, a condition that
        is not a binary flag, a feature that does not vary, or a non-numeric covariate to be
        cut.
    """
    conditions, covariates, bins = tuple(conditions), tuple(covariates), dict(bins or {})
    if not conditions:
        raise InputError(
            "no features: name at least one long-term-condition column in `conditions`"
        )
    overlap = set(conditions) & set(covariates)
    if overlap or len(set(conditions + covariates)) < len(conditions + covariates):
        raise InputError(f"each feature must be named once; repeated: {sorted(overlap)}")
    read = [group_column(c) if grouped and c in bins else c for c in conditions + covariates]
    require_columns(data, read, what="people")
    if len(data) == 0:
        raise InputError("people has no rows to segment")
    categories: list[tuple] = []
    cut_points: dict[str, tuple[float, ...]] = {}
    for column in conditions:
        _check_binary(data, column)
        if data[column].nunique() < 2:
            _fail_constant(column, data[column])
        categories.append((False, True))
    for column in covariates:
        if grouped and column in bins:
            cuts = tuple(float(c) for c in np.sort(np.asarray(bins[column], dtype=float)))
            numbers = pd.Series(_group_numbers(data, column, cuts), index=data.index)
            if numbers.nunique() < 2:
                _fail_constant(group_column(column), numbers)
            cut_points[column] = cuts
            categories.append(tuple(range(len(cuts) + 1)))
            continue
        values = data[column]
        if values.nunique() < 2:
            _fail_constant(column, values)
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if column in bins or (numeric and values.nunique() > MAX_CATEGORIES):
            x = require_numeric(data, column)
            cuts = bins.get(column)
            if cuts is None:
                cuts = np.unique(np.quantile(x, np.linspace(0, 1, n_bins + 1)[1:-1]))
            cuts = tuple(float(c) for c in np.sort(np.asarray(cuts, dtype=float)))
            cut_points[column] = cuts
            categories.append(tuple(range(len(cuts) + 1)))
        else:
            categories.append(tuple(sorted(values.unique(), key=str)))
    return CategoricalEncoding(conditions, covariates, tuple(categories), cut_points)


def response_patterns(codes: np.ndarray, n_categories: Sequence[int]) -> tuple[np.ndarray, ...]:
    """Collapse people to their distinct response patterns.

    The order does not depend on the order of the rows, which makes fits invariant to it.

    Parameters
    ----------
    codes
        people x features array of category codes (0, 1, ...).
    n_categories
        the number of categories of each feature.

    Returns
    -------
    tuple of numpy.ndarray
        ``(patterns, inverse, counts)``: the distinct rows of ``codes`` in a canonical
        (sorted) order, each person's pattern number and the number of people per pattern.

    Raises
    ------
    InputError
        If the features have too many categories between them to be segmented at once.
    """
    radix = np.cumprod([1, *n_categories[:-1]], dtype="float64")
    if radix[-1] * n_categories[-1] >= 2.0**62:
        raise InputError("too many feature categories to segment at once; use fewer features")
    keys = codes @ radix.astype("int64")
    unique_keys, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    patterns = (unique_keys[:, None] // radix.astype("int64")) % np.asarray(n_categories)
    return patterns, inverse, counts
