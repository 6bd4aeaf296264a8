"""Indirectly standardised ratios and rates with exact/Byar's Poisson limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.measures._age_bands import PerBand, align_per_band, check_one_row_per_band
from analysis.measures._inputs import (
    check_missing_rule,
    check_not_empty,
    column_list,
    group_rows,
    read_counts,
)
from analysis.measures._output import check_multiplier, multiplier_label, result_frame
from analysis.measures.intervals import poisson_count_limits
from analysis.measures.rates import poisson_method
from analysis.validation import InputError, check_confidence, fail_rows, require_columns


@dataclass(frozen=True)
class _Standardised:
    keys: pd.DataFrame
    observed: np.ndarray
    expected: np.ndarray
    reference_rate: np.ndarray  # reference events per person, per group


def _observed_and_expected(
    data: pd.DataFrame,
    x: str,
    n: str,
    x_ref: PerBand,
    n_ref: PerBand,
    age_band: str,
    group_by: str | Sequence[str] | None,
    observed_totals: pd.DataFrame | None,
    missing: str,
) -> _Standardised:
    check_missing_rule(missing, ("raise", "zero"))
    keys = column_list(group_by)
    require_columns(data, [n, age_band, *keys] + ([] if observed_totals is not None else [x]))
    check_not_empty(data)
    if observed_totals is None:
        events = read_counts(data, x, missing=missing, context=keys)
    population = read_counts(data, n, missing=missing, integer=False, context=keys)
    groups = group_rows(data, keys)
    bands, ref_events = align_per_band(data, age_band, x_ref, what="x_ref", context=keys)
    _, ref_population = align_per_band(data, age_band, n_ref, what="n_ref", context=keys)
    check_one_row_per_band(data, groups, bands, age_band)
    checked = data.assign(x_ref=ref_events, n_ref=ref_population)
    if missing == "zero":
        ref_events = np.nan_to_num(ref_events, nan=0.0)
    fail_rows(checked, np.isnan(ref_events), "x_ref", "must not be missing", context=keys)
    fail_rows(checked, ref_events < 0, "x_ref", "counts must not be negative", context=keys)
    fail_rows(
        checked,
        ~(ref_population > 0),
        "n_ref",
        "reference populations must be present and greater than zero",
        context=[*keys, age_band],
    )
    expected = groups.sum(ref_events / ref_population * population)
    reference_rate = groups.sum(ref_events) / groups.sum(ref_population)
    if observed_totals is None:
        observed = groups.sum(events)
    else:
        observed = _join_totals(groups.keys, observed_totals, x, keys)
    return _Standardised(groups.keys, observed, expected, reference_rate)


def _join_totals(
    keys_frame: pd.DataFrame, totals: pd.DataFrame, x: str, keys: list[str]
) -> np.ndarray:
    """Observed totals per group from ``totals`` (one row per group, every group present)."""
    if not keys:
        raise InputError("observed_totals needs group_by to say how totals match the groups")
    require_columns(totals, [*keys, x], what="observed_totals")
    count = read_counts(totals, x, context=keys)
    fail_rows(totals, totals.duplicated(keys, keep=False), keys, "one total per group", context=[x])
    joined = keys_frame.merge(totals.assign(**{x: count}), on=keys, how="left", indicator=True)
    fail_rows(joined, joined["_merge"] != "both", keys, "every group needs an observed total")
    extra = totals.merge(keys_frame, on=keys, how="left", indicator=True)["_merge"] != "both"
    fail_rows(totals, extra, keys, "observed_totals has groups that are not in data")
    return joined[x].to_numpy(dtype="float64")


def _limits(observed: np.ndarray, factor: np.ndarray, levels: list[float]) -> list:
    return [tuple(lim * factor for lim in poisson_count_limits(observed, c)) for c in levels]


def indirectly_standardised_ratio(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    x_ref: PerBand,
    n_ref: PerBand,
    age_band: str = "age_band",
    group_by: str | Sequence[str] | None = None,
    observed_totals: pd.DataFrame | None = None,
    confidence: float | Sequence[float] = 0.95,
    refvalue: float = 1,
    missing: str = "raise",
) -> pd.DataFrame:
    """Indirectly standardised ratio (e.g. standardised mortality ratio) observed / expected.

    Method: expected = sum_i n_i * x_ref_i / n_ref_i over age bands i (reference rates from
    a reference population); the ratio's limits are the Poisson limits of the observed count
    -- exact (chi-squared; Armitage & Berry 2002) below 10 events, Byar's approximation
    (Breslow & Day 1987, IARC) otherwise -- divided by the expected count, as
    PHEindicatormethods ``calculate_ISRatio``.

    Parameters
    ----------
    data
        one row per group and age band.
    x
        observed events per row, or (with ``observed_totals``) the column of totals there.
    n
        population of the band (may be zero).
    x_ref, n_ref
        reference events and population per band: column names, Series
        indexed by band label, or sequences aligned with the bands (as the standard
        population of :func:`~analysis.measures.directly_standardised_rate`).
    age_band
        column of age-band labels.
    group_by
        column(s) identifying each ratio; without it one overall ratio.
    observed_totals
        optional table of total observed events per group (the group
        columns and ``x``) when events are not available by age.
    confidence
        level(s), e.g. 0.95 or ``[0.95, 0.998]``.
    refvalue
        the reference ratio (1, or 100 for ratios x 100).
    missing
        ``"raise"`` (default) or ``"zero"`` to count missing events, populations
        and reference events as zero, as PHEindicatormethods does.

    Returns
    -------
    pandas.DataFrame
        One row per group: the group columns, ``observed``, ``expected``, ``value`` (the
        ratio times ``refvalue``), the limits (``lowercl``, ``uppercl``, or one pair per
        level, ``lower95_0cl``, ...), ``confidence``, ``statistic`` and ``method``
        (``"Exact"`` or ``"Byars"``).

    Raises
    ------
    InputError
        For missing columns, missing values (with ``missing="raise"``), counts that are
        negative or not whole numbers, reference populations missing or not above zero, or an
        invalid ``confidence`` or ``refvalue``.

    Examples
    --------
    >>> df = pd.DataFrame({"age_band": ["0-49", "50+"], "deaths": [4, 36], "pop": [900, 100]})
    >>> out = indirectly_standardised_ratio(
    ...     df, "deaths", "pop", x_ref=[100, 3000], n_ref=[50_000, 10_000], refvalue=100
    ... )
    >>> out[["observed", "expected", "value", "lowercl", "uppercl", "method"]].round(2)
       observed  expected   value  lowercl  uppercl method
    0      40.0      31.8  125.79    89.85   171.29  Byars
    """
    levels = check_confidence(confidence)
    scale = check_multiplier(refvalue)
    std = _observed_and_expected(
        data, x, n, x_ref, n_ref, age_band, group_by, observed_totals, missing
    )
    factor = scale / std.expected
    return result_frame(
        std.keys,
        {"observed": std.observed, "expected": std.expected},
        std.observed * factor,
        _limits(std.observed, factor, levels),
        levels,
        statistic=f"indirectly standardised ratio x {multiplier_label(scale)}",
        method=poisson_method(std.observed),
    )


def indirectly_standardised_rate(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    x_ref: PerBand,
    n_ref: PerBand,
    age_band: str = "age_band",
    group_by: str | Sequence[str] | None = None,
    observed_totals: pd.DataFrame | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100_000,
    missing: str = "raise",
) -> pd.DataFrame:
    """Indirectly standardised rate: the standardised ratio times the reference crude rate.

    Method: value = observed / expected * (sum x_ref / sum n_ref) * multiplier, with the
    ratio's exact (below 10 events; Armitage & Berry 2002) or Byar's limits (Breslow & Day
    1987, IARC) scaled the same way, as PHEindicatormethods ``calculate_ISRate``.
    ``ref_rate`` in the output is the reference crude rate per ``multiplier``.

    Parameters
    ----------
    data, x, n, x_ref, n_ref, age_band, group_by, observed_totals
        as
        :func:`indirectly_standardised_ratio`.
    confidence
        level(s), e.g. 0.95 or ``[0.95, 0.998]``.
    multiplier
        rate per this many (default per 100,000).
    missing
        ``"raise"`` (default) or ``"zero"``, as :func:`indirectly_standardised_ratio`.

    Returns
    -------
    pandas.DataFrame
        One row per group: the group columns, ``observed``, ``expected``, ``ref_rate``,
        ``value`` (the rate per ``multiplier``), the limits (``lowercl``, ``uppercl``, or one
        pair per level, ``lower95_0cl``, ...), ``confidence``, ``statistic`` and ``method``.

    Raises
    ------
    InputError
        As :func:`indirectly_standardised_ratio`, and for an invalid ``multiplier``.

    Examples
    --------
    >>> df = pd.DataFrame({"age_band": ["0-49", "50+"], "deaths": [4, 36], "pop": [900, 100]})
    >>> out = indirectly_standardised_rate(
    ...     df, "deaths", "pop", x_ref=[100, 3000], n_ref=[50_000, 10_000], multiplier=1000
    ... )
    >>> out[["expected", "ref_rate", "value", "lowercl", "uppercl"]].round(2)
       expected  ref_rate  value  lowercl  uppercl
    0      31.8     51.67  64.99    46.42     88.5
    """
    levels = check_confidence(confidence)
    scale = check_multiplier(multiplier)
    std = _observed_and_expected(
        data, x, n, x_ref, n_ref, age_band, group_by, observed_totals, missing
    )
    ref_rate = std.reference_rate * scale
    factor = ref_rate / std.expected
    return result_frame(
        std.keys,
        {"observed": std.observed, "expected": std.expected, "ref_rate": ref_rate},
        std.observed * factor,
        _limits(std.observed, factor, levels),
        levels,
        statistic=f"indirectly standardised rate per {multiplier_label(scale)}",
        method=poisson_method(std.observed),
    )
