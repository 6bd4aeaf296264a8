"""Deprivation quantiles: assigning small areas to deciles, quintiles, ... (OHID method).

Method (OHID technical guidance, *Assigning deprivation categories*, Fingertips public health
technical guidance; implemented in PHEindicatormethods' ``phe_quantile``): within each set
of areas classified together, the ``N`` areas with a value are ranked (ties take the lowest
rank; rank 1 is the highest value when ``polarity="adverse"``, so quantile 1 holds the worst
values, e.g. the highest IMD scores, and the lowest value when ``"favourable"``; this is
``phe_quantile``'s ``invert = TRUE`` and ``FALSE``), and an area of rank
``r`` goes to quantile

    ``floor((Q + 1) - ceiling((N + 1 - r) / (N / Q)))``, at least 1,

for ``Q`` quantiles, which gives groups as equal in size as the ties allow. A set with fewer
areas with a value than quantiles cannot be split: its areas get no quantile, and
``quantile_reason`` says why (as does an area without a value).

Which areas are classified together (the OHID guidance's choice of higher geography):

- ``"adhoc"`` (default): one classification per group of ``group_by`` (the R function's
  behaviour with a grouped data frame);
- ``"local"``: one classification per ``parent_area`` (e.g. local authority) within each
  group of ``group_by`` -- local deprivation categories;
- ``"national"``: one classification over all areas in each group of ``group_by``, whatever
  their parent area -- national deprivation categories.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.measures._inputs import column_list, group_rows
from analysis.validation import POLARITIES, InputError, fail_rows, require_columns

INEQUALITY_TYPES = ("adhoc", "local", "national")
REASON_NO_VALUE = "no value"
REASON_TOO_FEW = "fewer areas with a value than quantiles"


def _classification_columns(
    group_by: list[str], parent_area: str | None, inequality_type: str
) -> list[str]:
    if inequality_type not in INEQUALITY_TYPES:
        raise InputError(
            f"inequality_type must be one of {list(INEQUALITY_TYPES)}, got {inequality_type!r}"
        )
    if inequality_type == "local":
        if parent_area is None:
            raise InputError(
                "inequality_type='local' needs parent_area= (the column of the higher "
                "geography within which areas are classified, e.g. local authority)"
            )
        return [*group_by, parent_area]
    if inequality_type == "adhoc" and parent_area is not None:
        raise InputError(
            "parent_area= is used only with inequality_type='local' (or 'national', where it "
            "is kept but not used); add it to group_by for an ad hoc classification"
        )
    return group_by


def _adverse_flags(
    data: pd.DataFrame, polarity: str, classes: np.ndarray, columns: list[str]
) -> np.ndarray:
    """Return True where quantile 1 holds the highest values (adverse polarity), per row."""
    if isinstance(polarity, str) and polarity in POLARITIES:
        return np.full(len(data), polarity == "adverse")
    if not isinstance(polarity, str) or polarity not in data.columns:
        raise InputError(
            f"polarity must be 'adverse' (quantile 1 holds the highest values), 'favourable' "
            f"(the lowest) or the name of a column holding one of them, got {polarity!r}"
        )
    labels = data[polarity]
    fail_rows(
        data, ~labels.isin(POLARITIES).to_numpy(), polarity,
        f"must be one of {list(POLARITIES)}", context=columns,
    )  # fmt: skip
    flags = (labels == "adverse").to_numpy()
    n_adverse = np.bincount(classes, weights=flags)
    n_rows = np.bincount(classes)
    varies = ((n_adverse > 0) & (n_adverse < n_rows))[classes]
    fail_rows(
        data,
        varies,
        polarity,
        "must take the same value for every area classified together "
        f"(within each group of {columns or 'the data'})",
        context=columns,
    )
    return flags


def deprivation_quantiles(
    data: pd.DataFrame,
    value: str,
    *,
    group_by: str | Sequence[str] | None = None,
    n_quantiles: int = 10,
    polarity: str = "adverse",
    inequality_type: str = "adhoc",
    parent_area: str | None = None,
) -> pd.DataFrame:
    """Assign areas to quantiles of ``value`` by the OHID method (see the module docstring).

    Method: within each classification the ``N`` areas with a value are ranked and an area
    of rank ``r`` goes to quantile ``floor((Q + 1) - ceiling((N + 1 - r) / (N / Q)))``, which
    gives ``Q`` groups as equal in size as ties allow (OHID Fingertips technical guidance,
    *Assigning deprivation categories*; PHEindicatormethods ``phe_quantile``).

    Parameters
    ----------
    data
        One row per small area (and per group of ``group_by``).
    value
        Numeric column to rank by (e.g. IMD score); missing values get no quantile.
    group_by
        Columns whose groups get separate classifications (e.g. indicator and sex).
    n_quantiles
        Number of quantiles (10 deciles, 5 quintiles, ...).
    polarity
        ``"adverse"`` (default; higher is worse): quantile 1 holds the highest values (for
        IMD scores, the most deprived); ``"favourable"`` (higher is better, e.g. an income
        rank): quantile 1 holds the lowest values; or the name of a column holding
        ``"adverse"`` or ``"favourable"`` for each classification (it must not vary within
        one). ``phe_quantile``'s ``invert = TRUE`` / ``FALSE`` (a logical field with
        ``inverttype = "field"``).
    inequality_type, parent_area
        ``"adhoc"``, ``"local"`` (within each ``parent_area``) or ``"national"``.

    Returns
    -------
    pandas.DataFrame
        ``data`` with ``quantile`` (nullable integer), ``n_quantiles``, ``groupvars`` (the columns
        classified within), ``qinverted`` (direction) and ``quantile_reason`` (why no quantile).

    Examples
    --------
    >>> df = pd.DataFrame({"area": list("ABCDEFGHIJ"), "imd_score": range(10, 0, -1)})
    >>> deprivation_quantiles(df, "imd_score", n_quantiles=5)["quantile"].tolist()
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    """
    group_cols = column_list(group_by)
    require_columns(data, [value, *group_cols, *column_list(parent_area)])
    if isinstance(n_quantiles, bool) or not isinstance(n_quantiles, int | np.integer):
        raise InputError(f"n_quantiles must be a whole number of at least 2, got {n_quantiles!r}")
    if n_quantiles < 2:
        raise InputError(f"n_quantiles must be a whole number of at least 2, got {n_quantiles!r}")
    columns = _classification_columns(group_cols, parent_area, inequality_type)

    values = data[value]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise InputError(f"column {value!r}: values to rank must be numeric, got {values.dtype}")
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)

    classes = group_rows(data, columns).codes
    flags = _adverse_flags(data, polarity, classes, columns)

    has_value = ~np.isnan(numbers)
    key = pd.Series(np.where(flags, -numbers, numbers))
    rank = key.groupby(classes).rank(method="min", na_option="keep").to_numpy()
    count = np.bincount(classes, weights=has_value)[classes]
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.floor((n_quantiles + 1) - np.ceil((count + 1 - rank) / (count / n_quantiles)))
    too_few = has_value & (count < n_quantiles)
    assigned = has_value & ~too_few
    quantile = np.where(assigned, np.maximum(raw, 1), np.nan)

    out = data.copy()
    out["quantile"] = pd.array(quantile, dtype="Float64").astype("Int64")
    out["n_quantiles"] = n_quantiles
    out["groupvars"] = ", ".join(columns)
    out["qinverted"] = np.where(
        flags,
        "lowest quantile represents highest values",
        "lowest quantile represents lowest values",
    )
    reason = np.where(~has_value, REASON_NO_VALUE, np.where(too_few, REASON_TOO_FEW, None))
    out["quantile_reason"] = pd.array(reason, dtype="string")
    return out
