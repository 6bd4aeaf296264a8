"""Small vectorised sampling helpers shared by the synthetic-data modules."""

from __future__ import annotations

import numpy as np
from scipy.special import expit, softmax


def bernoulli(rng: np.random.Generator, logit: np.ndarray) -> np.ndarray:
    """One Bernoulli draw per element with success probability ``expit(logit)``.

    Parameters
    ----------
    rng
        The random generator.
    logit
        The log odds of success, any shape.

    Returns
    -------
    ndarray
        Booleans of the same shape.
    """
    return rng.random(np.shape(logit)) < expit(logit)


def categorical(rng: np.random.Generator, logits: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``logits`` (rows x categories); returns column indices.

    Parameters
    ----------
    rng
        The random generator.
    logits
        Unnormalised log probabilities, one row per draw and one column per category.

    Returns
    -------
    ndarray
        The category (column index) drawn for each row.
    """
    cumulative = np.cumsum(softmax(logits, axis=1), axis=1)
    u = rng.random(logits.shape[0])[:, None]
    return np.minimum((u > cumulative).sum(axis=1), logits.shape[1] - 1)


def log_interpolate(
    anchor_ages: tuple[int, ...], rates: tuple[float, ...], age: np.ndarray
) -> np.ndarray:
    """Rates at single years of ``age``, interpolated log-linearly between anchor ages.

    Zero rates at anchors stay zero (a tiny floor keeps the logarithm finite).

    Parameters
    ----------
    anchor_ages
        Increasing ages at which the rates are given.
    rates
        The rate at each anchor age; ages outside the anchors take the nearest anchor's rate.
    age
        The ages wanted.

    Returns
    -------
    ndarray
        The rates, the shape of ``age``.
    """
    log_rates = np.log(np.maximum(np.asarray(rates, dtype="float64"), 1e-12))
    out = np.exp(np.interp(age, anchor_ages, log_rates))
    return np.where(out < 1e-9, 0.0, out)


def lookup(
    values: dict[str, float] | tuple[float, ...], categories: tuple[str, ...], codes: np.ndarray
) -> np.ndarray:
    """Per-person effect from a per-category table (dict by name, missing = 0, or a tuple).

    Parameters
    ----------
    values
        The effect of each category: a dict by category name (missing names 0) or a tuple in
        the order of ``categories``.
    categories
        The category names, in code order.
    codes
        Each person's category code.

    Returns
    -------
    ndarray
        Each person's effect.
    """
    table = (
        np.array([values.get(c, 0.0) for c in categories])
        if isinstance(values, dict)
        else np.asarray(values, dtype="float64")
    )
    return table[codes]
