"""Latent class model for categorical indicators, fitted by EM on weighted response patterns.

The model (Goodman 1974; Linzer and Lewis 2011, *poLCA*, J Stat Softw 42(10)) says each
person belongs to one of ``K`` unobserved classes with probability ``pi_k`` and, within a
class, answers the ``J`` categorical indicators independently with probabilities
``theta_kjc``. It is fitted by the EM algorithm (Dempster, Laird and Rubin 1977). This is
the same model as the ``categorical`` measurement model of the StepMix package
(Morin et al.); the tests check that both reach the same maximum likelihood.

Two things make it fast and exactly reproducible:

- People with the same answers are interchangeable, so the data are collapsed to the
  distinct response *patterns* with a count each (a few thousand patterns for a million
  people), and every step works on weighted patterns.
- Random starts and bootstrap replicates are a leading batch axis of the arrays, so many
  fits run as one array computation (no Python loop over starts or replicates).

>>> import numpy as np
>>> patterns = np.array([[0, 0], [1, 1]])
>>> weights = np.array([[50.0, 50.0]])
>>> fit = fit_latent_classes(patterns, [2, 2], weights, n_classes=2, n_init=4, seed=1)
>>> np.round(np.sort(fit.class_shares[0]), 2)
array([0.5, 0.5])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

#: Item probabilities are kept inside [FLOOR, 1 - FLOOR] so log-likelihoods stay finite.
FLOOR = 1e-12


@dataclass(frozen=True)
class LatentClassFit:
    """Estimates for a batch of ``R`` fits (one per replicate, best start kept).

    ``class_shares`` is ``(R, K)``; ``item_probabilities`` is ``(R, K, D)`` over the one-hot
    columns of all indicators; ``log_likelihood`` is ``(R,)``; ``n_categories`` lists the
    number of categories of each indicator.
    """

    class_shares: np.ndarray
    item_probabilities: np.ndarray
    log_likelihood: np.ndarray
    n_categories: tuple[int, ...]
    iterations: int

    @property
    def n_parameters(self) -> int:
        """Free parameters: ``K - 1`` shares plus ``K * sum(C_j - 1)`` item probabilities."""
        k = self.class_shares.shape[1]
        return k - 1 + k * sum(c - 1 for c in self.n_categories)


def one_hot(patterns: np.ndarray, n_categories: Sequence[int]) -> np.ndarray:
    """One-hot encode integer-coded indicators to a 0/1 matrix.

    Parameters
    ----------
    patterns
        ``P x J`` integer codes (indicator ``j`` takes values ``0..C_j-1``).
    n_categories
        the number of categories ``C_j`` of each indicator.

    Returns
    -------
    numpy.ndarray
        ``P x D`` 0/1 matrix, ``D = sum(C_j)``, indicators' columns side by side.
    """
    offsets = np.concatenate([[0], np.cumsum(n_categories)[:-1]])
    out = np.zeros((patterns.shape[0], int(np.sum(n_categories))))
    rows = np.repeat(np.arange(patterns.shape[0]), patterns.shape[1])
    out[rows, (patterns + offsets).ravel()] = 1.0
    return out


def log_joint(onehot: np.ndarray, shares: np.ndarray, items: np.ndarray) -> np.ndarray:
    """``log P(pattern, class)`` for every pattern, fit and class.

    The ``R`` fits and ``K`` classes are flattened into one matrix product, so a whole batch
    of fits costs one BLAS call.

    Parameters
    ----------
    onehot
        ``P x D`` one-hot patterns (:func:`one_hot`).
    shares
        ``(R, K)`` class shares of each fit.
    items
        ``(R, K, D)`` item probabilities of each fit and class.

    Returns
    -------
    numpy.ndarray
        ``(P, R, K)`` log joint probabilities.
    """
    n_fits, n_classes, n_columns = items.shape
    log_items = np.log(np.clip(items, FLOOR, 1.0)).reshape(n_fits * n_classes, n_columns)
    out = (onehot @ log_items.T).reshape(onehot.shape[0], n_fits, n_classes)
    return out + np.log(np.clip(shares, FLOOR, 1.0))


def posterior(log_joint_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class membership probabilities and the log-likelihood of each pattern.

    Parameters
    ----------
    log_joint_values
        ``(P, R, K)`` log joint probabilities (:func:`log_joint`).

    Returns
    -------
    tuple of numpy.ndarray
        The membership probabilities (same shape, summing to 1 over classes) and the ``(P,
        R)`` log-likelihood of each pattern in each fit.
    """
    top = log_joint_values.max(axis=-1, keepdims=True)
    scaled = np.exp(log_joint_values - top)
    total = scaled.sum(axis=-1, keepdims=True)
    return scaled / total, (np.log(total) + top)[..., 0]


def _m_step(
    onehot: np.ndarray, weights_t: np.ndarray, resp: np.ndarray, uniform: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted maximum-likelihood update; ``weights_t`` is ``(P, R)``, ``resp`` ``(P, R, K)``."""
    n_patterns, n_fits, n_classes = resp.shape
    weighted = resp * weights_t[:, :, None]
    class_totals = weighted.sum(axis=0)  # (R, K)
    shares = class_totals / weights_t.sum(axis=0)[:, None]
    items = (weighted.reshape(n_patterns, -1).T @ onehot).reshape(n_fits, n_classes, -1)
    items /= np.maximum(class_totals, FLOOR)[:, :, None]
    # an empty class keeps a valid (uniform) distribution for every indicator
    items = np.where(class_totals[:, :, None] > FLOOR, items, uniform)
    return shares, items


def _initial_items(
    onehot: np.ndarray, weights: np.ndarray, n_classes: int, rng: np.random.Generator
) -> np.ndarray:
    """Start each class at a different randomly chosen pattern, blended with the margins.

    Distinct seed patterns are drawn in proportion to their weights (Gumbel top-k sampling
    without replacement) and blended half-and-half with the weighted marginal distribution,
    which keeps every item probability away from 0 and 1.
    """
    with np.errstate(divide="ignore"):
        keys = np.log(weights) + rng.gumbel(size=weights.shape)  # (R, P)
    seeds = np.argsort(-keys, axis=1, kind="stable")[:, :n_classes]  # (R, K)
    margins = (weights / weights.sum(axis=1, keepdims=True)) @ onehot  # (R, D)
    return 0.5 * onehot[seeds] + 0.5 * margins[:, None, :]


def _em(
    onehot: np.ndarray,
    weights: np.ndarray,
    shares: np.ndarray,
    items: np.ndarray,
    uniform: np.ndarray,
    *,
    max_iter: int,
    tolerance: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Run EM on a batch until every fit's mean log-likelihood per person is stable."""
    weights_t = np.ascontiguousarray(weights.T)
    people = weights.sum(axis=1)
    previous = np.full(weights.shape[0], -np.inf)
    iterations = 0
    while True:
        resp, pattern_ll = posterior(log_joint(onehot, shares, items))
        total_ll = (pattern_ll * weights_t).sum(axis=0)
        if iterations >= max_iter or np.all(np.abs(total_ll / people - previous) < tolerance):
            return shares, items, total_ll, iterations
        previous = total_ll / people
        shares, items = _m_step(onehot, weights_t, resp, uniform)
        iterations += 1


def fit_latent_classes(
    patterns: np.ndarray,
    n_categories: Sequence[int],
    weights: np.ndarray,
    *,
    n_classes: int,
    n_init: int = 20,
    initial_iter: int = 20,
    max_iter: int = 2000,
    tolerance: float = 1e-7,
    seed: int | np.random.Generator | None = None,
) -> LatentClassFit:
    """Fit a latent class model to each row of ``weights`` by EM from random starts.

    Method: latent class analysis (Goodman 1974; Linzer and Lewis 2011) by EM (Dempster,
    Laird and Rubin 1977). Local maxima are guarded against with the two-stage random-starts
    strategy of Mplus (Muthén and Muthén, *Mplus User's Guide*, ``STARTS``; Hipp and Bauer
    2006, Psychol Methods 11:36-53): every replicate gets ``n_init`` random starts run for
    ``initial_iter`` EM iterations, and the best start of each replicate is then iterated
    until the mean log-likelihood per person changes by less than ``tolerance``.

    Parameters
    ----------
    patterns
        ``P x J`` integer codes (indicator ``j`` takes values ``0..C_j-1``).
    n_categories
        the number of categories of each indicator.
    weights
        ``R x P``: people per pattern in each of ``R`` replicates, e.g. the observed counts
        or bootstrap counts.
    n_classes
        the number of classes ``K``.
    n_init
        random starts per replicate (default 20).
    initial_iter
        EM iterations of each start before the best is kept (default 20).
    max_iter
        the most EM iterations of the best start (default 2000).
    tolerance
        convergence: the change in mean log-likelihood per person (default 1e-7).
    seed
        a seed or random generator for the starts (default None).

    Returns
    -------
    LatentClassFit
        ``class_shares`` ``(R, K)``, ``item_probabilities`` ``(R, K, D)``,
        ``log_likelihood`` ``(R,)``, the number of categories and the iterations run.
    """
    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only cost
        return _fit(
            patterns,
            n_categories,
            weights,
            n_classes,
            n_init,
            initial_iter,
            max_iter,
            tolerance,
            np.random.default_rng(seed),
        )


def _fit(
    patterns: np.ndarray,
    n_categories: Sequence[int],
    weights: np.ndarray,
    n_classes: int,
    n_init: int,
    initial_iter: int,
    max_iter: int,
    tolerance: float,
    rng: np.random.Generator,
) -> LatentClassFit:
    onehot = one_hot(patterns, n_categories)
    uniform = np.repeat(1.0 / np.asarray(n_categories, dtype=float), n_categories)
    weights = np.asarray(weights, dtype=float)
    n_reps = weights.shape[0]
    batch = np.repeat(weights, n_init, axis=0)  # (R * n_init, P)
    items = _initial_items(onehot, batch, n_classes, rng)
    shares = np.full((batch.shape[0], n_classes), 1.0 / n_classes)
    shares, items, total_ll, _ = _em(
        onehot, batch, shares, items, uniform, max_iter=initial_iter, tolerance=tolerance
    )
    best = total_ll.reshape(n_reps, n_init).argmax(axis=1) + np.arange(n_reps) * n_init
    shares, items, total_ll, iterations = _em(
        onehot, weights, shares[best], items[best], uniform, max_iter=max_iter, tolerance=tolerance
    )
    return LatentClassFit(
        class_shares=shares,
        item_probabilities=items,
        log_likelihood=total_ll,
        n_categories=tuple(int(c) for c in n_categories),
        iterations=iterations,
    )
