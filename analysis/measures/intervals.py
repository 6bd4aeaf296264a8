"""Confidence-interval building blocks shared by the measures (vectorised over arrays).

- Wilson score interval for a proportion: Wilson (1927), *JASA* 22:209-212; the form used
  by PHE/OHID (Newcombe 1998, *Stat Med* 17:857-872, method 3).
- Exact Poisson limits for a count from the chi-squared distribution (Ulm 1990,
  *Am J Epidemiol* 131:373-375): lower = chi2(a/2, 2x)/2, upper = chi2(1-a/2, 2x+2)/2.
- Byar's approximation to the exact Poisson limits (Breslow & Day 1987, *Statistical
  Methods in Cancer Research* vol. II, IARC), used by PHE/OHID for counts of 10 or more.

All functions take and return numpy arrays (scalars broadcast) and never loop in Python.
Each takes one ``confidence`` level as a proportion strictly between 0 and 1 (the statistics
check the levels their callers give with :func:`analysis.validation.check_confidence` first);
anything else raises :class:`~analysis.validation.InputError`.
For millions of rows the arithmetic runs in place in a few arrays allocated once: every
temporary array of 10 million values is 80 MB that the operating system has to hand over.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from analysis.validation import InputError

ArrayLike = np.ndarray | float | int

#: Counts below this get exact Poisson limits, counts from it on Byar's approximation
#: (the switch of PHEindicatormethods ``phe_rate`` and ``calculate_ISRatio``).
EXACT_BELOW = 10


def interval_level(confidence: float) -> float:
    """Check a confidence level and return it as a float.

    ``None``, text, ``True`` or a list are refused here rather than passed on to scipy.

    Parameters
    ----------
    confidence
        the confidence level, a number strictly between 0 and 1 (e.g. 0.95).

    Returns
    -------
    float
        ``confidence`` as a float.

    Raises
    ------
    InputError
        If ``confidence`` is not a number strictly between 0 and 1.
    """
    if isinstance(confidence, bool) or not isinstance(
        confidence, int | float | np.integer | np.floating
    ):
        raise InputError(
            f"confidence must be one level, a number between 0 and 1 such as 0.95; got "
            f"{confidence!r}"
        )
    if not 0 < float(confidence) < 1:
        raise InputError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(confidence)


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile for a confidence level.

    Parameters
    ----------
    confidence
        the confidence level, e.g. 0.95 (checked by :func:`interval_level`).

    Returns
    -------
    float
        The quantile ``z`` with ``confidence`` of the normal distribution between ``-z``
        and ``z`` (e.g. 1.959964 for 0.95).

    Raises
    ------
    InputError
        If ``confidence`` is not a number strictly between 0 and 1.

    Examples
    --------
    >>> round(z_value(0.95), 6)
    1.959964
    """
    return float(stats.norm.ppf(0.5 + interval_level(confidence) / 2))


def wilson_limits(
    x: ArrayLike, n: ArrayLike, confidence: float, *, scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits for the proportion ``x / n``.

    Method: Wilson score interval (Wilson 1927, *JASA* 22:209-212),
    ``(2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))``.

    Parameters
    ----------
    x
        numerators (counts of events), one value or an array.
    n
        denominators, the same shape as ``x``.
    confidence
        the confidence level, e.g. 0.95.
    scale
        multiplier of the limits: 1 (default) for proportions in [0, 1], 100 for
        percentages.

    Returns
    -------
    tuple of numpy.ndarray
        The lower and upper limits, times ``scale``.

    Raises
    ------
    InputError
        If ``confidence`` is not a number strictly between 0 and 1.

    Examples
    --------
    >>> lo, hi = wilson_limits(65, 100, 0.95)
    >>> round(float(lo), 6), round(float(hi), 6)
    (0.552544, 0.736358)
    >>> [round(float(v), 4) for v in wilson_limits(65, 100, 0.95, scale=100)]
    [55.2544, 73.6358]
    """
    x = np.asarray(x, dtype="float64")
    n = np.asarray(n, dtype="float64")
    z = z_value(confidence)
    z2 = z * z
    shape = np.broadcast_shapes(x.shape, n.shape)
    centre, half, denominator = np.empty(shape), np.empty(shape), np.empty(shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.add(n, z2, out=denominator)
        denominator *= 2 / scale
        np.multiply(x, 2, out=centre)
        centre += z2
        centre /= denominator
        np.divide(x, n, out=half)
        np.subtract(1, half, out=half)
        half *= x
        half *= 4
        half += z2
        np.sqrt(half, out=half)
        half *= z
        half /= denominator
        lower = np.subtract(centre, half, out=denominator)  # the denominator is used up
        upper = np.add(centre, half, out=half)
    np.clip(lower, 0, scale, out=lower)
    np.clip(upper, 0, scale, out=upper)
    return lower, upper


def exact_poisson_limits(x: ArrayLike, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (chi-squared) Poisson limits for an observed count.

    Method: the exact interval for a Poisson count from the quantiles of the chi-squared
    distribution, as used by PHEindicatormethods for counts below 10.

    Parameters
    ----------
    x
        observed counts, one value or an array.
    confidence
        the confidence level, e.g. 0.95.

    Returns
    -------
    tuple of numpy.ndarray
        The lower and upper limits of the expected count.

    Raises
    ------
    InputError
        If ``confidence`` is not a number strictly between 0 and 1.

    Examples
    --------
    >>> lo, hi = exact_poisson_limits(5, 0.95)
    >>> round(float(lo), 6), round(float(hi), 6)
    (1.623486, 11.668332)
    """
    x = np.asarray(x, dtype="float64")
    alpha = 1 - interval_level(confidence)
    lower = np.where(x > 0, stats.chi2.ppf(alpha / 2, 2 * np.maximum(x, 1e-300)) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
    return lower, upper


def _byars_limit(t: np.ndarray, z: float, out: np.ndarray, work: np.ndarray) -> np.ndarray:
    """``t (1 - 1/(9t) + z/(3 sqrt t))^3`` written into ``out`` (``work`` is scratch), as ``t (1 + (3z sqrt t - 1)/(9t))^3`` so that it runs in place."""
    np.sqrt(t, out=out)
    out *= 3 * z
    out -= 1
    out /= t
    out /= 9
    out += 1
    np.square(out, out=work)
    out *= work
    out *= t
    return out


def byars_limits(x: ArrayLike, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the exact Poisson limits for an observed count.

    Method: Byar's approximation: lower limit
    ``x (1 - 1/(9x) - z/(3 sqrt x))^3`` (0 for no events), upper limit the same with
    ``x + 1`` in place of ``x`` and ``+z`` in place of ``-z``.

    Parameters
    ----------
    x
        observed counts, one value or an array.
    confidence
        the confidence level, e.g. 0.95.

    Returns
    -------
    tuple of numpy.ndarray
        The lower and upper limits of the expected count.

    Raises
    ------
    InputError
        If ``confidence`` is not a number strictly between 0 and 1.

    Examples
    --------
    >>> lo, hi = byars_limits(100, 0.95)
    >>> round(float(lo), 6), round(float(hi), 6)
    (81.362105, 121.627938)
    """
    x = np.asarray(x, dtype="float64")
    z = z_value(confidence)
    lower, upper, work = np.empty(x.shape), np.empty(x.shape), np.empty(x.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.add(x, 1, out=work)
        _byars_limit(work, z, out=upper, work=lower)
        _byars_limit(x, -z, out=lower, work=work)
    lower[~(x > 0)] = 0.0
    return lower, upper


def _exact_small_counts(x: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact limits for counts below :data:`EXACT_BELOW`: whole counts 0-9 are looked up in a table of the ten possible values, anything else is calculated."""
    table_lower, table_upper = exact_poisson_limits(np.arange(EXACT_BELOW), confidence)
    index = np.clip(x, 0, EXACT_BELOW - 1).astype(np.intp)
    lower, upper = table_lower[index], table_upper[index]
    other = np.flatnonzero(index != x)
    if other.size:
        lower[other], upper[other] = exact_poisson_limits(x[other], confidence)
    return lower, upper


def poisson_count_limits(x: ArrayLike, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Limits for a Poisson count, switching method at 10 events as PHEindicatormethods does.

    Method: exact (chi-squared) limits below :data:`EXACT_BELOW` (10) events, Byar's
    approximation from 10 on; the exact limits are only evaluated for the small counts.

    Parameters
    ----------
    x
        observed counts, one value or an array; missing counts (NaN) give NaN limits.
    confidence
        the confidence level, e.g. 0.95.

    Returns
    -------
    tuple of numpy.ndarray
        The lower and upper limits of the expected count.

    Raises
    ------
    InputError
        If ``confidence`` is not a number strictly between 0 and 1.

    Examples
    --------
    >>> lo, hi = poisson_count_limits([5, 100, np.nan], 0.95)
    >>> lo.round(4).tolist(), hi.round(4).tolist()
    ([1.6235, 81.3621, nan], [11.6683, 121.6279, nan])
    """
    x = np.asarray(x, dtype="float64")
    lower, upper = byars_limits(x, confidence)
    small = np.flatnonzero(x < EXACT_BELOW)
    if small.size:
        lower[small], upper[small] = _exact_small_counts(x[small], confidence)
    missing = np.isnan(x)
    lower[missing] = np.nan
    return lower, upper


def dobson_limits(
    value: ArrayLike, count: ArrayLike, variance: ArrayLike, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Dobson limits for a weighted sum of Poisson counts, e.g. a directly standardised rate.

    Method: Dobson, Kuulasmaa, Eberle & Scherer (1991), *Stat Med* 10:457-462: the limits
    of the total ``count`` (here Byar's) are mapped onto the weighted sum through its
    variance, ``value + sqrt(variance / count) * (limit - count)``.

    Parameters
    ----------
    value
        the weighted sums (e.g. the rates), one value or an array.
    count
        the total counts behind each weighted sum; a zero count gives NaN limits.
    variance
        the variances of the weighted sums.
    confidence
        the confidence level, e.g. 0.95.

    Returns
    -------
    tuple of numpy.ndarray
        The lower and upper limits of the weighted sums.

    Raises
    ------
    InputError
        If ``confidence`` is not a number strictly between 0 and 1.

    Examples
    --------
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
