"""Empirical Bayes smoothing of area rates and ratios (Poisson-gamma model).

Small areas have few events, so their raw rates scatter widely and the most extreme ones on a
map are usually the smallest areas. Empirical Bayes smoothing pulls each area's rate towards
the overall rate by an amount that depends on how much information the area has.

Model (Clayton & Kaldor 1987, *Biometrics* 43:671-681): area ``i`` has ``O_i`` events with
``O_i ~ Poisson(theta_i E_i)``, where ``E_i`` is its exposure (person-years, for a rate, or
expected events, for a standardised ratio), and the ``theta_i`` come from a gamma
distribution with mean ``m`` and variance ``phi``. ``m`` and ``phi`` are estimated by
Marshall's global moment estimators (Marshall 1991, *Appl Statist* 40:283-294):

- ``m = sum O_i / sum E_i``;
- ``s2 = sum E_i (r_i - m)^2 / sum E_i`` with ``r_i = O_i / E_i``;
- ``phi = s2 - m / (sum E_i / k)`` (``k`` areas), set to 0 when negative (no variation
  between areas beyond chance).

The smoothed value is the posterior mean ``m + C_i (r_i - m)`` with shrinkage factor
``C_i = phi / (phi + m / E_i)``; the limits are quantiles of the gamma posterior, shape
``m^2 / phi + O_i`` and rate ``m / phi + E_i``. When ``phi`` is 0 every area is smoothed to
``m`` and its limits are those of ``m`` (all areas are estimated by the pooled rate).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import gamma

from analysis.measures._inputs import check_not_empty, column_list, read_counts
from analysis.measures._output import check_multiplier, multiplier_label, result_frame
from analysis.measures.intervals import exact_poisson_limits
from analysis.validation import check_confidence, fail_rows, require_columns


def empirical_bayes_rates(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    group_by: str | Sequence[str] | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Empirical Bayes smoothed rates (or ratios) of areas, one row per area.

    Method: the posterior mean of each area's rate under the Poisson-gamma model of Clayton
    & Kaldor (1987, *Biometrics* 43:671-681), the gamma's mean and variance estimated by
    Marshall's global moment estimators (1991, *Appl Statist* 40:283-294), with limits from
    the gamma posterior (see the module docstring for the formulas).

    Parameters
    ----------
    data
        One row per area: events ``x`` and exposure ``n`` (person-years, or expected events
        for standardised ratios; must be positive).
    x, n
        Column names of events and exposure.
    group_by
        Column(s) of sets of areas smoothed separately (e.g. one indicator each); without it
        all rows are one set.
    confidence
        Level(s) of the posterior limits.
    multiplier
        Scale of the output (100,000 for rates per 100,000; 100 for ratios x 100).

    Returns
    -------
    pandas.DataFrame
        ``data`` with ``raw`` (``x / n`` times ``multiplier``), ``shrinkage`` (``C_i``, 0 = all
        the way to the overall rate, 1 = none), ``value``, limits, ``confidence``,
        ``statistic`` and ``method``; the set's ``prior_mean`` and ``prior_variance`` (``m`` and
        ``phi``, times ``multiplier`` and its square).

    Examples
    --------
    >>> df = pd.DataFrame({"area": list("abcd"), "deaths": [2, 60, 12, 40],
    ...                    "py": [100, 1000, 400, 2000]})
    >>> out = empirical_bayes_rates(df, "deaths", "py", multiplier=100)
    >>> out[["area", "raw", "shrinkage", "value"]].round(3)
      area  raw  shrinkage  value
    0    a  2.0      0.456  2.684
    1    b  6.0      0.894  5.708
    2    c  3.0      0.770  3.059
    3    d  2.0      0.944  2.071
    """
    levels = check_confidence(confidence)
    scale = check_multiplier(multiplier)
    keys = column_list(group_by)
    require_columns(data, [x, n, *keys])
    check_not_empty(data)
    events = read_counts(data, x, context=keys)
    exposure = read_counts(data, n, integer=False, context=keys)
    fail_rows(data, exposure <= 0, n, "exposure must be positive", context=keys)
    sets = (
        pd.Series(0, index=data.index).to_numpy()
        if not keys
        else data.groupby(keys, sort=False, observed=True).ngroup().to_numpy()
    )
    total_x = np.bincount(sets, events)
    total_n = np.bincount(sets, exposure)
    k = np.bincount(sets)
    m = (total_x / total_n)[sets]
    raw = events / exposure
    s2 = (np.bincount(sets, exposure * (raw - m) ** 2) / total_n)[sets]
    phi = np.maximum(s2 - m / (total_n / k)[sets], 0.0)
    smoothing = phi > 0
    shrink = np.where(smoothing, phi / np.where(smoothing, phi + m / exposure, 1.0), 0.0)
    value = m + shrink * (raw - m)
    limits = []
    for level in levels:
        tail = (1 - level) / 2
        safe_phi = np.where(smoothing, phi, 1.0)
        shape, rate = m**2 / safe_phi + events, m / safe_phi + exposure
        pooled_lower, pooled_upper = exact_poisson_limits(total_x, level)
        lower = np.where(smoothing, gamma.ppf(tail, shape) / rate, (pooled_lower / total_n)[sets])
        upper = np.where(
            smoothing, gamma.ppf(1 - tail, shape) / rate, (pooled_upper / total_n)[sets]
        )
        limits.append((lower * scale, upper * scale))
    return result_frame(
        data,
        {"raw": raw * scale, "shrinkage": shrink},
        value * scale,
        limits,
        levels,
        statistic=f"empirical Bayes smoothed rate per {multiplier_label(scale)}",
        method="Poisson-gamma, Marshall global moments",
        extra={"prior_mean": m * scale, "prior_variance": phi * scale**2},
    )
