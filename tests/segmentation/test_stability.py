"""Vectorised partition agreement against scikit-learn's implementation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from analysis.segmentation.stability import adjusted_rand_index, best_jaccard, contingency_tables


def test_adjusted_rand_index_matches_scikit_learn_for_every_replicate():
    rng = np.random.default_rng(0)
    reference = rng.integers(0, 4, size=300)
    replicates = np.where(rng.random((6, 300)) < 0.7, reference, rng.integers(0, 4, (6, 300)))
    tables = contingency_tables(reference, replicates, np.ones(300), 4)
    expected = [adjusted_rand_score(reference, r) for r in replicates]
    np.testing.assert_allclose(adjusted_rand_index(tables), expected, rtol=1e-12)


def test_weights_count_people_behind_each_pattern():
    reference = np.array([0, 0, 1, 2])
    replicate = np.array([[1, 0, 1, 2]])
    weights = np.array([3, 2, 4, 1])
    tables = contingency_tables(reference, replicate, weights, 3)
    expanded = adjusted_rand_score(np.repeat(reference, weights), np.repeat(replicate[0], weights))
    assert adjusted_rand_index(tables)[0] == pytest.approx(expanded, rel=1e-12)


def test_jaccard_of_identical_and_permuted_partitions_is_one():
    reference = np.array([0, 0, 1, 1, 2])
    tables = contingency_tables(reference, np.array([[2, 2, 0, 0, 1]]), np.ones(5), 3)
    np.testing.assert_array_equal(best_jaccard(tables), [[1.0, 1.0, 1.0]])
    # segment 0 split in two: Jaccard 1/2 with its best match
    split = contingency_tables(reference, np.array([[0, 1, 2, 2, 1]]), np.ones(5), 3)
    assert best_jaccard(split)[0, 0] == 0.5
