"""Directly standardised rates with Dobson confidence limits (the PHE/OHID method)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.measures._age_bands import (
    PerBand,
    align_per_band,
    check_one_row_per_band,
    esp2013_series,
)
from analysis.measures._inputs import (
    check_missing_rule,
    check_not_empty,
    column_list,
    group_rows,
    read_counts,
    reusable,
)
from analysis.measures._output import check_multiplier, labels, multiplier_label, result_frame
from analysis.measures.intervals import dobson_limits
from analysis.validation import (
    InputError,
    check_confidence,
    check_positive,
    fail_rows,
    require_columns,
)

#: Groups with fewer events than this get no rate (PHE/OHID suppression rule).
MIN_TOTAL_COUNT = 10


def directly_standardised_rate(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    age_band: str = "age_band",
    group_by: str | Sequence[str] | None = None,
    standard_population: PerBand = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100_000,
    independent_events: bool = True,
    event_frequency: str | None = None,
    missing: str = "raise",
) -> pd.DataFrame:
    """Directly age-standardised rate with Dobson confidence limits.

    Method: DSR = sum_i w_i x_i / n_i / sum_i w_i (x events, n population, w standard
    population in age band i), with variance sum_i w_i^2 x_i / n_i^2 / (sum_i w_i)^2 and
    Dobson limits built on Byar's limits for the total count (Dobson et al. 1991, *Stat Med*
    10:457-462; Breslow & Day 1987, IARC). Groups with fewer than 10 events get no rate
    (value and limits NA, ``statistic`` says why), as in PHEindicatormethods
    ``calculate_dsr`` and the Fingertips technical guidance.

    Non-independent events (``independent_events=False``): when a person can have the event
    several times, give one row per group, age band and event frequency ``f`` (the column
    ``event_frequency``) with ``x`` the number of *people* who had ``f`` events. The rate
    uses the ``f * x`` events; the variance becomes sum_f f^2 var_f, var_f being the DSR
    variance of the people with ``f`` events -- the adjustment of PHEindicatormethods 2.x
    (``independent_events = FALSE``) and of the OHID guidance. A frequency missing from an
    age band counts as nobody with that frequency.

    Parameters
    ----------
    data
        one row per group and age band (and event frequency).
    x
        events (or people, with event frequencies) -- whole numbers.
    n
        population of the band (greater than zero).
    age_band
        column of age-band labels.
    group_by
        column(s) identifying each rate; without it one overall rate.
    standard_population
        ``None`` for the European Standard Population 2013 (bands
        ``"0-4"`` ... ``"90+"``), a column name, a Series indexed by band label, or a
        sequence aligned with the bands (see :mod:`analysis.measures._age_bands`).
    confidence
        level(s), e.g. 0.95 or ``[0.95, 0.998]``.
    multiplier
        rate per this many (default per 100,000).
    independent_events
        ``False`` for the non-independent events adjustment.
    event_frequency
        column of the number of events per person (with
        ``independent_events=False``).
    missing
        ``"raise"`` (default) or ``"zero"`` to count missing ``x`` as no events,
        as PHEindicatormethods does.

    Returns
    -------
    pandas.DataFrame
        The group columns, ``total_count`` (events), ``total_pop``, ``value``, the limits,
        ``confidence``, ``statistic`` and ``method``.

    Examples
    --------
    >>> from analysis.standards import ESP2013_AGE_BANDS
    >>> df = pd.DataFrame({"age_band": ESP2013_AGE_BANDS, "deaths": 10, "population": 1000})
    >>> out = directly_standardised_rate(df, "deaths", "population")
    >>> out[["total_count", "value", "lowercl", "uppercl"]].round(2)
       total_count   value  lowercl  uppercl
    0        190.0  1000.0   855.41  1161.04
    """
    levels = check_confidence(confidence)
    scale = check_multiplier(multiplier)
    check_missing_rule(missing, ("raise", "zero"))
    keys = column_list(group_by)
    frequency_column = _frequency_column(independent_events, event_frequency, keys)
    require_columns(data, [x, n, age_band, *keys, *frequency_column])
    check_not_empty(data)
    events = read_counts(data, x, missing=missing, context=keys)
    population = check_positive(data, n, context=keys)
    groups = group_rows(data, keys)
    bands, weights = align_per_band(
        data,
        age_band,
        standard_population,
        what="standard population",
        default=esp2013_series(),
        context=keys,
    )
    invalid = ~(weights >= 0)  # negative or missing
    if invalid.any():
        fail_rows(
            data.assign(standard_population=weights),
            invalid,
            "standard_population",
            "standard populations must be present and not negative",
            context=[*keys, age_band],
        )
    check_one_row_per_band(data, groups, bands, age_band, duplicates_allowed=bool(frequency_column))

    frequency = None
    first_in_cell = slice(None)
    if frequency_column:
        frequency = check_positive(data, frequency_column[0], context=keys)
        events = frequency * events
        cell = groups.codes * len(bands.labels) + bands.codes
        first_in_cell = _first_rows_checked(data, cell, n, population, weights, age_band, keys)
    codes = groups.codes[first_in_cell]
    total_weight = np.bincount(codes, weights=weights[first_in_cell], minlength=groups.size)
    fail_rows(
        groups.keys.assign(standard_population=total_weight),
        total_weight <= 0,
        "standard_population",
        "the standard population of a group must not be all zero",
        context=keys,
    )
    total_pop = np.bincount(codes, weights=population[first_in_cell], minlength=groups.size)
    total_count = groups.sum(events)
    # Per row, in place: the weight per person w/n, the rate term x w/n, then the variance
    # term x w^2/n^2 (times the event frequency f for non-independent events, where x is
    # already f times the people: f^2 people w^2/n^2).
    per_person = np.divide(weights, population, out=reusable(population))
    terms = np.multiply(events, per_person, out=reusable(events))
    rate = groups.sum(terms) / total_weight
    terms *= per_person
    if frequency is not None:
        terms *= frequency
    variance = groups.sum(terms) / total_weight**2

    shown = total_count >= MIN_TOTAL_COUNT
    limits = []
    for c in levels:
        lower, upper = dobson_limits(rate, total_count, variance, c)
        limits.append(
            (np.where(shown, lower * scale, np.nan), np.where(shown, upper * scale, np.nan))
        )
    statistic = labels(
        shown, [f"dsr NA for total count < {MIN_TOTAL_COUNT}", f"dsr per {multiplier_label(scale)}"]
    )
    method = "Dobson" if independent_events else (
        "Dobson, with confidence adjusted for non-independent events"
    )  # fmt: skip
    return result_frame(
        groups.keys,
        {"total_count": total_count, "total_pop": total_pop},
        np.where(shown, rate * scale, np.nan),
        limits,
        levels,
        statistic=statistic,
        method=method,
    )


def _frequency_column(
    independent_events: bool, event_frequency: str | None, keys: list[str]
) -> list[str]:
    if not isinstance(independent_events, bool):
        raise InputError("independent_events must be True or False")
    if independent_events:
        if event_frequency is not None:
            raise InputError("event_frequency is only used with independent_events=False")
        return []
    if event_frequency is None:
        raise InputError(
            "independent_events=False needs event_frequency: the column giving how many "
            "events each person had (with x the number of people at that frequency)"
        )
    if event_frequency in keys:
        raise InputError(
            f"event_frequency {event_frequency!r} must not also be in group_by: the rate "
            "combines all frequencies of a group"
        )
    return [event_frequency]


def _first_rows_checked(
    data: pd.DataFrame,
    cell: np.ndarray,
    n: str,
    population: np.ndarray,
    weights: np.ndarray,
    age_band: str,
    keys: list[str],
) -> np.ndarray:
    """First row of each (group, age band).

    Raise if its rows disagree on population or standard population (they describe the same
    people).
    """
    _, first, inverse = np.unique(cell, return_index=True, return_inverse=True)
    checked = data.assign(standard_population=weights)
    for values, name in [(population, n), (weights, "standard_population")]:
        fail_rows(
            checked,
            values != values[first][inverse],
            name,
            "rows of the same group and age band (different event frequencies) must have "
            "the same value",
            context=[*keys, age_band],
        )
    return first
