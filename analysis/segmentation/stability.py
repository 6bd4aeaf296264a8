"""Agreement between two partitions, for many replicates at once.

The adjusted Rand index (Hubert and Arabie 1985, J Classif 2:193-218) is 1 for identical
partitions (whatever the segment numbers) and about 0 for chance agreement. The Jaccard
coefficient of a reference segment with its best-matching replicate segment is Hennig's
(2007, Comput Stat Data Anal 52:258-271) cluster-wise stability: above 0.75 is "stable",
below 0.5 "dissolved". Both are computed from weighted contingency tables built with one
``bincount`` for all replicates.

>>> import numpy as np
>>> table = contingency_tables(np.array([0, 0, 1, 1]), np.array([[1, 1, 0, 0]]),
...                            np.ones(4), 2)
>>> adjusted_rand_index(table)
array([1.])
"""

from __future__ import annotations

import numpy as np


def contingency_tables(
    reference: np.ndarray, replicates: np.ndarray, weights: np.ndarray, n_segments: int
) -> np.ndarray:
    """Weighted cross-tabulations of a reference partition with each replicate partition.

    Parameters
    ----------
    reference
        the reference segment (0..K-1) of each of ``P`` items.
    replicates
        ``R x P``: the segment of each item in each replicate.
    weights
        ``P``: the people behind each item.
    n_segments
        the number of segments ``K``.

    Returns
    -------
    numpy.ndarray
        ``(R, K, K)``: people by reference segment (rows) and replicate segment (columns).
    """
    n_reps = replicates.shape[0]
    cell = (np.arange(n_reps)[:, None] * n_segments + reference[None, :]) * n_segments + replicates
    counts = np.bincount(
        cell.ravel(), weights=np.broadcast_to(weights, replicates.shape).ravel(),
        minlength=n_reps * n_segments * n_segments,
    )  # fmt: skip
    return counts.reshape(n_reps, n_segments, n_segments)


def _pairs(x: np.ndarray) -> np.ndarray:
    return x * (x - 1) / 2


def adjusted_rand_index(tables: np.ndarray) -> np.ndarray:
    """Return the adjusted Rand index of each contingency table.

    Method: Hubert and Arabie (1985), *J Classif* 2:193-218: 1 for identical partitions
    (whatever the segment numbers), about 0 for chance agreement.

    Parameters
    ----------
    tables
        ``R x K x K`` contingency tables (:func:`contingency_tables`).

    Returns
    -------
    numpy.ndarray
        ``(R,)``: the index of each table.
    """
    n = tables.sum(axis=(1, 2))
    index = _pairs(tables).sum(axis=(1, 2))
    rows = _pairs(tables.sum(axis=2)).sum(axis=1)
    cols = _pairs(tables.sum(axis=1)).sum(axis=1)
    expected = rows * cols / _pairs(n)
    maximum = (rows + cols) / 2
    denominator = maximum - expected
    return np.where(
        denominator > 0, (index - expected) / np.where(denominator > 0, denominator, 1), 1.0
    )


def best_jaccard(tables: np.ndarray) -> np.ndarray:
    """Jaccard coefficient of each reference segment with its best-matching replicate segment.

    Method: Hennig's (2007, Comput Stat Data Anal 52:258-271) cluster-wise stability: above
    0.75 is "stable", below 0.5 "dissolved".

    Parameters
    ----------
    tables
        ``R x K x K`` contingency tables (:func:`contingency_tables`).

    Returns
    -------
    numpy.ndarray
        ``(R, K)``: the coefficient of each reference segment in each replicate.
    """
    rows = tables.sum(axis=2, keepdims=True)
    cols = tables.sum(axis=1, keepdims=True)
    union = rows + cols - tables
    return np.where(union > 0, tables / np.where(union > 0, union, 1), 0.0).max(axis=2)
