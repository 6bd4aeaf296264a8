"""Arrange quantile-level rows as one (groups x quantiles) array per number of quantiles.

Every rank-based inequality measure needs, for each group (area, sex, period...), its quantiles
in order, their population shares and the midpoint of each quantile's range in the cumulative
population distribution ("relative rank"). Groups are batched by their number of quantiles so
that all arithmetic is done on 2-D arrays; the only Python loop is over the distinct numbers of
quantiles present (usually one), never over groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.validation import InputError


@dataclass(frozen=True)
class Batch:
    """Groups that share the same number of quantiles ``k``.

    ``rows`` holds, for each group (first axis) and quantile in ascending order (second axis),
    the position of the input row in the sorted frame; ``group`` is the group number.
    """

    rows: np.ndarray
    group: np.ndarray

    @property
    def k(self) -> int:
        return int(self.rows.shape[1])


@dataclass(frozen=True)
class Layout:
    """Input rows sorted by group and quantile, the group keys and the batches."""

    data: pd.DataFrame
    keys: pd.DataFrame
    batches: tuple[Batch, ...]


def grouped_layout(data: pd.DataFrame, quantile: str, group_by: Sequence[str]) -> Layout:
    """Sort ``data`` by ``group_by`` then ``quantile`` and batch the groups by size.

    Raises :class:`InputError` when a quantile appears twice within a group.
    """
    group_by = list(group_by)
    if group_by:
        codes = data.groupby(group_by, sort=True, dropna=False).ngroup().to_numpy()
    else:
        codes = np.zeros(len(data), dtype=np.int64)
    order = np.lexsort((data[quantile].to_numpy(), codes))
    sorted_data = data.iloc[order].reset_index(drop=True)
    codes = codes[order]
    dup = sorted_data.duplicated([*group_by, quantile], keep=False).to_numpy()
    if dup.any():
        shown = sorted_data.loc[dup, [*group_by, quantile]].head(5).to_string()
        raise InputError(
            f"column {quantile!r}: each quantile must appear once per group "
            f"({int(dup.sum())} row(s) repeat a quantile). Example rows:\n{shown}"
        )
    counts = np.bincount(codes)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    batches = []
    for k in np.unique(counts):
        groups = np.flatnonzero(counts == k)
        rows = starts[groups][:, None] + np.arange(k)[None, :]
        batches.append(Batch(rows=rows, group=groups))
    first = starts
    keys = sorted_data.loc[first, group_by].reset_index(drop=True)
    return Layout(data=sorted_data, keys=keys, batches=tuple(batches))


def population_shares_and_ranks(population: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return population shares and cumulative-rank midpoints along the last axis.

    If quantile 1 holds 12% of the population its rank is 0.06; if quantile 2 holds 10%, its
    rank is 0.12 + 0.05 = 0.17 (Low & Low 2004, *J Public Health* 26:388-395).

    >>> share, rank = population_shares_and_ranks(np.array([[12.0, 10.0, 78.0]]))
    >>> rank.round(2).tolist()
    [[0.06, 0.17, 0.61]]
    """
    share = population / population.sum(axis=-1, keepdims=True)
    rank = np.cumsum(share, axis=-1) - share / 2
    return share, rank


def weighted_line_coefficients(
    share: np.ndarray, rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weights that turn quantile values into the weighted least-squares slope and intercept.

    For weights ``share`` (summing to 1 along the last axis) the fitted line
    ``value = intercept + slope * rank`` has ``slope = sum(c * value)`` and
    ``intercept = sum(d * value)``; returning ``c`` and ``d`` lets a whole matrix of simulated
    values be fitted with one matrix product.
    """
    centre = (share * rank).sum(axis=-1, keepdims=True)
    spread = (share * (rank - centre) ** 2).sum(axis=-1, keepdims=True)
    c = share * (rank - centre) / spread
    d = share - centre * c
    return c, d


def weighted_line_fit(
    y: np.ndarray, share: np.ndarray, rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted least-squares slope, intercept and the slope's model-based standard error.

    The standard error is the usual regression one, ``sqrt(s2 / sum(w (r - rbar)^2))`` with
    ``s2 = sum(w e^2) / (k - 2)``; it does not depend on how the weights are scaled, so
    population shares give the same answer as populations (R ``lm(y ~ r, weights = pop)``).
    """
    c, d = weighted_line_coefficients(share, rank)
    slope = (c * y).sum(axis=-1)
    intercept = (d * y).sum(axis=-1)
    residual = y - intercept[..., None] - slope[..., None] * rank
    centre = (share * rank).sum(axis=-1, keepdims=True)
    spread = (share * (rank - centre) ** 2).sum(axis=-1)
    k = y.shape[-1]
    se = np.sqrt((share * residual**2).sum(axis=-1) / (k - 2) / spread)
    return slope, intercept, se
