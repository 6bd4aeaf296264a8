"""The tidy output shared by every model: Wald limits at each confidence level and the coefficient table.

Limit columns are named as the measures name them (:mod:`analysis.measures._output`,
following PHEindicatormethods): ``lowercl``/``uppercl`` for one level, one pair per level
(``lower95_0cl``/``upper95_0cl``, ``lower99_8cl``/``upper99_8cl``) for several. Limits of a
quantity other than the row's ``value`` carry its name first (``vpc_lowercl``,
``interaction_lower99_8cl``).

>>> limit_names([0.95], prefix="vpc")
[('vpc_lowercl', 'vpc_uppercl')]
>>> limit_names([0.95, 0.998])
[('lower95_0cl', 'upper95_0cl'), ('lower99_8cl', 'upper99_8cl')]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.measures._output import confidence_label, limit_column_names
from analysis.measures.intervals import z_value
from analysis.models.design import INTERCEPT, Design


def limit_names(levels: Sequence[float], *, prefix: str = "") -> list[tuple[str, str]]:
    """Return the lower and upper limit column names for each confidence level.

    Parameters
    ----------
    levels
        the confidence levels, e.g. ``[0.95]`` or ``[0.95, 0.998]``.
    prefix
        put before the names with an underscore (e.g. ``"alpha"`` gives ``alpha_lowercl``);
        empty (default) for none.

    Returns
    -------
    list of tuple of str
        One ``(lower, upper)`` pair per level: ``lowercl``/``uppercl`` for one level,
        ``lower95_0cl``/``upper95_0cl``, ... for several.
    """
    start = f"{prefix}_" if prefix else ""
    return [(start + lower, start + upper) for lower, upper in limit_column_names(levels)]


def wald_limits(
    estimate: np.ndarray,
    std_error: np.ndarray,
    levels: Sequence[float],
    *,
    transform: Callable[[np.ndarray], np.ndarray] = np.asarray,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Wald limits ``transform(estimate -/+ z se)`` for each confidence level, in order.

    Method: the normal approximation to the estimator's sampling distribution, ``z`` the
    two-sided standard normal quantile of the level (Wald 1943, *Trans Am Math Soc*
    54:426-482); with ``transform=np.exp`` the limits of a ratio from those of its logarithm.

    Parameters
    ----------
    estimate
        the estimates.
    std_error
        their standard errors.
    levels
        the confidence levels.
    transform
        applied to the limits (default: none); ``np.exp`` for ratios.

    Returns
    -------
    list of tuple of numpy.ndarray
        One ``(lower, upper)`` pair per level.

    Examples
    --------
    >>> [(round(float(lo), 4), round(float(hi), 4)) for lo, hi in wald_limits(0.0, 1.0, [0.95])]
    [(-1.96, 1.96)]
    """
    b, s = np.asarray(estimate, dtype="float64"), np.asarray(std_error, dtype="float64")
    return [(transform(b - z * s), transform(b + z * s)) for z in map(z_value, levels)]


def limit_columns(
    limits: Sequence[tuple[np.ndarray, np.ndarray]],
    levels: Sequence[float],
    *,
    prefix: str = "",
) -> dict[str, np.ndarray]:
    """Return limit pairs as named columns, lower then upper for each level.

    Parameters
    ----------
    limits
        one ``(lower, upper)`` pair per level, as :func:`wald_limits` gives.
    levels
        the confidence levels, in the same order.
    prefix
        put before the names with an underscore, as in :func:`limit_names`.

    Returns
    -------
    dict of str to numpy.ndarray
        The limits keyed by their column names (:func:`limit_names`).
    """
    columns = {}
    for (lower_name, upper_name), (lower, upper) in zip(
        limit_names(levels, prefix=prefix), limits, strict=True
    ):
        columns[lower_name] = lower
        columns[upper_name] = upper
    return columns


def coefficient_table(
    design: Design,
    coefficients: np.ndarray,
    std_errors: np.ndarray,
    *,
    model: str,
    statistic: str,
    levels: Sequence[float],
    method: str = "Wald",
    exponentiate: bool = True,
) -> pd.DataFrame:
    """Wald estimates with limits at each level and two-sided p-values, exponentiated for ratio scales.

    Method: Wald limits on the linear-predictor scale (:func:`wald_limits`), exponentiated
    for odds and rate ratios; ``p`` from the Wald statistic ``coefficient / std_error``
    against the standard normal.

    Parameters
    ----------
    design
        the model's coding (term names, variables, levels and references).
    coefficients
        the coefficients on the linear-predictor scale, in the order of the design's terms.
    std_errors
        their standard errors.
    model
        the model's name, put in the ``model`` column.
    statistic
        what ``value`` is, e.g. ``"rate ratio"``.
    levels
        the confidence levels.
    method
        the interval method named in ``method`` (default ``"Wald"``).
    exponentiate
        True (default) to give ratios, False to give the coefficients.

    Returns
    -------
    pandas.DataFrame
        ``term``, ``variable``, ``level``, ``reference``, ``value`` (the ratio, or the
        coefficient when not exponentiated), the limit pairs (``lowercl``, ``uppercl`` or
        ``lower95_0cl``, ``upper95_0cl``, ...), ``p``, ``coefficient``, ``std_error`` (on the
        linear-predictor scale, e.g. log rate ratio), ``model``, ``confidence`` (the levels
        as text, ``"95%"`` or ``"95%, 99.8%"``), ``statistic``, ``method``.
    """
    keep = [j for j, t in enumerate(design.terms) if t.name != INTERCEPT]
    b, s = np.asarray(coefficients)[keep], np.asarray(std_errors)[keep]
    terms = [design.terms[j] for j in keep]
    transform = np.exp if exponentiate else np.asarray
    limits = wald_limits(b, s, levels, transform=transform)
    return pd.DataFrame(
        {
            "term": [t.name for t in terms],
            "variable": [t.variable for t in terms],
            "level": [t.level for t in terms],
            "reference": [t.reference for t in terms],
            "value": transform(b),
            **limit_columns(limits, levels),
            "p": 2 * stats.norm.sf(np.abs(b / s)),
            "coefficient": b,
            "std_error": s,
            "model": model,
            "confidence": confidence_label(levels),
            "statistic": statistic,
            "method": method,
        }
    )
