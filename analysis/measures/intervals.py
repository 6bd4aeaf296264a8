"""Confidence-interval building blocks shared by the measures (vectorised over arrays).

- Wilson score interval for a proportion: Wilson (1927), *JASA* 22:209-212; the form used
  by PHE/OHID (Newcombe 1998, *Stat Med* 17:857-872, method 3).
- Exact Poisson limits for a count from the chi-squared distribution (Ulm 1990,
  *Am J Epidemiol* 131:373-375): lower = chi2(a/2, 2x)/2, upper = chi2(1-a/2, 2x+2)/2.
- Byar's approximation to the exact Poisson limits (Breslow & Day 1987, *Statistical
  Methods in Cancer Research* vol. II, IARC), used by PHE/OHID for counts of 10 or more.

All functions take and return numpy arrays (scalars broadcast) and never loop in Python.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

ArrayLike = np.ndarray | float | int


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile for ``confidence`` (e.g. 1.959964 for 0.95)."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson_limits(x: ArrayLike, n: ArrayLike, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits for the proportion ``x / n`` (as proportions in [0, 1]).

    >>> lo, hi = wilson_limits(65, 100, 0.95)
    >>> round(float(lo), 6), round(float(hi), 6)
    (0.552544, 0.736358)
    """
    x = np.asarray(x, dtype="float64")
    n = np.asarray(n, dtype="float64")
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = 2 * x + z**2
        spread = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
        denom = 2 * (n + z**2)
        lower = (centre - spread) / denom
        upper = (centre + spread) / denom
    return np.clip(lower, 0, 1), np.clip(upper, 0, 1)


def exact_poisson_limits(x: ArrayLike, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (chi-squared) Poisson limits for an observed count ``x``.

    >>> lo, hi = exact_poisson_limits(5, 0.95)
    >>> round(float(lo), 6), round(float(hi), 6)
    (1.623486, 11.668332)
    """
    x = np.asarray(x, dtype="float64")
    alpha = 1 - confidence
    lower = np.where(x > 0, stats.chi2.ppf(alpha / 2, 2 * np.maximum(x, 1e-300)) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
    return lower, upper


def byars_limits(x: ArrayLike, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the exact Poisson limits for an observed count ``x``.

    >>> lo, hi = byars_limits(100, 0.95)
    >>> round(float(lo), 6), round(float(hi), 6)
    (81.362105, 121.627938)
    """
    x = np.asarray(x, dtype="float64")
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
    lower = np.where(x > 0, lower, 0.0)
    x1 = x + 1
    upper = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    return lower, upper


def poisson_count_limits(
    x: ArrayLike, confidence: float, *, exact_below: float = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Limits for a Poisson count: exact below ``exact_below`` events, Byar's otherwise.

    This is the switch PHEindicatormethods uses for crude rates (exact for counts under 10).
    """
    x = np.asarray(x, dtype="float64")
    e_lo, e_hi = exact_poisson_limits(x, confidence)
    b_lo, b_hi = byars_limits(x, confidence)
    small = x < exact_below
    return np.where(small, e_lo, b_lo), np.where(small, e_hi, b_hi)


def dobson_limits(
    value: ArrayLike, count: ArrayLike, variance: ArrayLike, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Dobson limits for a weighted sum of Poisson counts, e.g. a directly standardised rate.

    Dobson, Kuulasmaa, Eberle & Scherer (1991), *Stat Med* 10:457-462: the limits of the
    total ``count`` (here Byar's) are mapped onto the weighted sum through its variance,
    ``value + sqrt(variance / count) * (limit - count)``. Undefined (NaN) for a zero count.

    >>> lo, hi = dobson_limits(0.1, 100, 0.0001, 0.95)
    >>> round(float(lo), 6), round(float(hi), 6)
    (0.081362, 0.121628)
    """
    value = np.asarray(value, dtype="float64")
    count = np.asarray(count, dtype="float64")
    lower_count, upper_count = byars_limits(count, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.sqrt(np.asarray(variance, dtype="float64") / count)
        spread = np.where(count > 0, spread, np.nan)
    return value + spread * (lower_count - count), value + spread * (upper_count - count)
