"""The latent class EM against closed forms and an independent implementation (StepMix)."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from analysis.segmentation.features import response_patterns
from analysis.segmentation.latent_class import fit_latent_classes


def _simulated(n: int, seed: int) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    theta = np.array([[0.1, 0.2, 0.1, 0.8], [0.8, 0.7, 0.3, 0.2], [0.4, 0.9, 0.9, 0.5]])
    group = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    binary = (rng.random((n, 4)) < theta[group]).astype("int64")
    third = rng.choice(3, size=n, p=[0.2, 0.3, 0.5])
    return np.column_stack([binary, third]), [2, 2, 2, 2, 3]


def test_one_class_is_the_margins_with_the_closed_form_likelihood():
    codes, n_cat = _simulated(2000, 1)
    patterns, _, counts = response_patterns(codes, n_cat)
    fit = fit_latent_classes(patterns, n_cat, counts[None].astype(float), n_classes=1, seed=0)
    # closed form: the maximum-likelihood estimate is the observed share of each category
    expected_ll = 0.0
    for j, c in enumerate(n_cat):
        share = np.bincount(codes[:, j], minlength=c) / len(codes)
        expected_ll += np.sum(np.bincount(codes[:, j], minlength=c) * np.log(share))
    assert fit.log_likelihood[0] == pytest.approx(expected_ll, rel=1e-12)
    assert fit.n_parameters == 1 + 1 + 1 + 1 + 2


def test_reaches_the_same_maximum_likelihood_as_stepmix():
    stepmix = pytest.importorskip("stepmix")
    codes, n_cat = _simulated(1500, 2)
    patterns, _, counts = response_patterns(codes, n_cat)
    ours = fit_latent_classes(
        patterns,
        n_cat,
        counts[None].astype(float),
        n_classes=3,
        tolerance=1e-11,
        max_iter=20_000,
        seed=3,
    )
    model = stepmix.StepMix(
        n_components=3, measurement="categorical", n_init=2, abs_tol=1e-9, max_iter=20_000,
        random_state=0, verbose=0, progress_bar=0,
    )  # fmt: skip
    with threadpool_limits(limits=1, user_api="blas"):
        model.fit(patterns, sample_weight=counts)
    theirs = model.score(patterns, sample_weight=counts) * counts.sum()
    # both stop on a likelihood change below their tolerances on a flat ridge: agree to 5e-3
    assert ours.log_likelihood[0] == pytest.approx(theirs, abs=5e-3)
    assert model.n_parameters == ours.n_parameters


def test_weights_equal_repeating_the_patterns():
    codes, n_cat = _simulated(800, 4)
    patterns, inverse, counts = response_patterns(codes, n_cat)
    weighted = fit_latent_classes(patterns, n_cat, counts[None].astype(float), n_classes=2, seed=5)
    ones = fit_latent_classes(codes, n_cat, np.ones((1, len(codes))), n_classes=2, seed=5)
    assert weighted.log_likelihood[0] == pytest.approx(ones.log_likelihood[0], abs=1e-4)
    assert np.all(patterns[inverse] == codes)


def test_batched_replicates_equal_separate_fits():
    codes, n_cat = _simulated(600, 6)
    patterns, _, counts = response_patterns(codes, n_cat)
    rng = np.random.default_rng(0)
    boot = rng.multinomial(counts.sum(), counts / counts.sum(), size=3).astype(float)
    batched = fit_latent_classes(patterns, n_cat, boot, n_classes=2, n_init=10, seed=1)
    for r in range(3):  # a check in the test, not in the library
        alone = fit_latent_classes(patterns, n_cat, boot[r : r + 1], n_classes=2, n_init=10, seed=9)
        assert batched.log_likelihood[r] == pytest.approx(alone.log_likelihood[0], abs=1e-3)
