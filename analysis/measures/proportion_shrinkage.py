"""Empirical Bayes smoothing of area proportions (beta-binomial model).

The proportion counterpart of :mod:`analysis.measures.shrinkage`: area ``i`` has ``x_i`` of
its ``n_i`` people with a characteristic, ``x_i ~ Binomial(n_i, p_i)``, and the ``p_i`` come
from a beta distribution with mean ``p`` and variance ``phi`` (the beta-binomial model;
Kleinman 1973, *JASA* 68:46-54). ``p`` and ``phi`` are estimated by global moments, as
Marshall (1991, *Appl Statist* 40:283-294) does for rates, with the binomial sampling
variance ``p (1 - p) / n_i`` in place of the Poisson one:

- ``p = sum x_i / sum n_i``;
- ``s2 = sum n_i (r_i - p)^2 / sum n_i`` with ``r_i = x_i / n_i``;
- ``phi = s2 - p (1 - p) / (sum n_i / k)`` (``k`` areas), set to 0 when negative (no
  variation between areas beyond chance).

The prior is Beta(``a``, ``b``) with ``a + b = p (1 - p) / phi - 1`` and ``a = p (a + b)``.
The smoothed value is the posterior mean ``(a + x_i) / (a + b + n_i) = p + C_i (r_i - p)``
with shrinkage factor ``C_i = n_i / (a + b + n_i)``; the limits are quantiles of the
Beta(``a + x_i``, ``b + n_i - x_i``) posterior. When ``phi`` is 0 every area is estimated by
the pooled proportion, with its exact (Clopper-Pearson) limits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import beta

from analysis.measures._inputs import check_not_empty, read_counts
from analysis.measures._output import check_multiplier, multiplier_label, result_frame
from analysis.validation import check_confidence, fail_rows, require_columns


def empirical_bayes_proportions(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100,
) -> pd.DataFrame:
    """Empirical Bayes smoothed proportions of areas, one row per area.

    Method: the posterior mean of each area's proportion under the beta-binomial model
    (Kleinman 1973, *JASA* 68:46-54), the beta's mean and variance estimated by global
    moments as Marshall (1991, *Appl Statist* 40:283-294) estimates those of the gamma for
    rates, with limits from the beta posterior (formulas in the module docstring).

    Parameters
    ----------
    data
        One row per area: ``x`` people with the characteristic out of ``n`` people.
    x, n
        Column names of the numerator and the denominator (positive, at least ``x``).
    confidence
        Level(s) of the posterior limits.
    multiplier
        Scale of the output (100 for percentages, the default).

    Returns
    -------
    pandas.DataFrame
        ``data`` with ``raw`` (``x / n`` times ``multiplier``), ``shrinkage`` (``C_i``, 0 =
        all the way to the pooled proportion, 1 = none), ``value``, limits, ``prior_mean``
        and ``prior_variance`` (``p`` and ``phi``, times ``multiplier`` and its square),
        ``confidence``, ``statistic`` and ``method``.

    Raises
    ------
    InputError
        Counts that are missing, negative or not whole, a denominator of 0, or a numerator
        above its denominator.

    Examples
    --------
    >>> df = pd.DataFrame({"area": list("abcd"), "high_need": [2, 60, 12, 40],
    ...                    "residents": [10, 200, 100, 400]})
    >>> out = empirical_bayes_proportions(df, "high_need", "residents")
    >>> out[["area", "raw", "shrinkage", "value"]].round(3)
      area   raw  shrinkage   value
    0    a  20.0      0.355  17.457
    1    b  30.0      0.917  28.840
    2    c  12.0      0.846  12.623
    3    d  10.0      0.957  10.263
    """
    levels = check_confidence(confidence)
    scale = check_multiplier(multiplier)
    require_columns(data, [x, n])
    check_not_empty(data)
    events = read_counts(data, x)
    people = read_counts(data, n)
    fail_rows(data, people <= 0, n, "the denominator must be positive")
    fail_rows(data, events > people, [x, n], "the numerator must not exceed the denominator")
    total_x, total_n = events.sum(), people.sum()
    p = total_x / total_n
    raw = events / people
    s2 = float((people * (raw - p) ** 2).sum() / total_n)
    phi = max(s2 - p * (1 - p) / (total_n / len(data)), 0.0)
    limits = []
    if phi > 0:
        prior_size = p * (1 - p) / phi - 1
        shrink = people / (prior_size + people)
        value = p + shrink * (raw - p)
        shape_a, shape_b = p * prior_size + events, (1 - p) * prior_size + people - events
        for level in levels:
            tail = (1 - level) / 2
            limits.append(
                (
                    beta.ppf(tail, shape_a, shape_b) * scale,
                    beta.ppf(1 - tail, shape_a, shape_b) * scale,
                )
            )
    else:
        shrink = np.zeros(len(data))
        value = np.full(len(data), p)
        for level in levels:
            tail = (1 - level) / 2
            lower = beta.ppf(tail, total_x, total_n - total_x + 1) if total_x > 0 else 0.0
            upper = beta.ppf(1 - tail, total_x + 1, total_n - total_x) if total_x < total_n else 1.0
            limits.append((np.full(len(data), lower * scale), np.full(len(data), upper * scale)))
    return result_frame(
        data,
        {"raw": raw * scale, "shrinkage": shrink},
        value * scale,
        limits,
        levels,
        statistic=f"empirical Bayes smoothed proportion per {multiplier_label(scale)}",
        method="beta-binomial, global moments",
        extra={
            "prior_mean": np.full(len(data), p * scale),
            "prior_variance": np.full(len(data), phi * scale**2),
        },
    )
