"""The book's headline rate indicators, defined once: events per 100,000 person-years, age standardised to the European Standard Population 2013, years pooled.

Every chapter, the executive summary and ``python -m analysis.indicators`` take CVD and cancer
mortality (and the other rate indicators of :data:`RATE_INDICATORS`) from
:func:`indicator_rates`, so one indicator and breakdown has one set of numbers everywhere.

Which denominator. A rate "per person-year" divides events by the time people were at risk.
Each year's population at risk is counted as person-years: everyone alive on 1 January
contributes a year, and people who die during the year contribute half a year (the actuarial
approximation that deaths fall on average mid-year; Preston, Heuveline & Guillot 2001,
*Demography*, ch. 2-3; Chiang 1984, who uses the same half-year for deaths in life tables).
The alternative, the population alive on 1 January, credits each person who dies with a
whole year they did not live. The error is small overall but large where deaths are
concentrated -- in the oldest age bands, which carry the most deaths and therefore much of the
standardised rate -- so it biases death rates downwards, most for the groups with the highest
mortality. Person-years also match the mid-year population estimates that ONS and OHID use as
denominators for published rates.

>>> from analysis.data import generate_population
>>> rates = indicator_rates(generate_population(20_000), "cvd_mortality", group_by=["sex"])
>>> list(rates.columns[:4])
['indicator', 'sex', 'total_count', 'total_pop']
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.data.aggregate import Source, aggregate_events
from analysis.measures.strata import standardised_rate_of_strata
from analysis.validation import InputError

#: Rate indicators: name -> (event table, cause group or cancer site; None = all events).
RATE_INDICATORS: dict[str, tuple[str, str | None]] = {
    "all_cause_mortality": ("deaths", None),
    "cvd_mortality": ("deaths", "CVD"),
    "cancer_mortality": ("deaths", "Cancer"),
    "cvd_admissions": ("admissions", "CVD"),
    "cancer_incidence": ("cancers", None),
}

#: The population at risk of every rate indicator (see the module's note on denominators).
PERSON_TIME = "person_years"


def _names(indicator: str | Sequence[str]) -> list[str]:
    names = [indicator] if isinstance(indicator, str) else list(indicator)
    unknown = [n for n in names if n not in RATE_INDICATORS]
    if unknown or not names:
        raise InputError(
            f"indicator {unknown or indicator!r} unknown; allowed: {', '.join(RATE_INDICATORS)}"
        )
    return names


def indicator_counts(
    source: Source,
    indicator: str | Sequence[str],
    group_by: Sequence[str] | str = (),
    *,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Events and person-years of rate indicators by ``group_by`` and age band, years pooled.

    Method: events and person-years at risk (a year for each person alive on 1 January, half
    a year in the year of death; Preston, Heuveline & Guillot 2001) counted in each year by
    :func:`analysis.data.aggregate_events`, then summed over ``years`` in each stratum.

    Parameters
    ----------
    source
        A dataset or engine holding the book's tables (see :func:`analysis.data.aggregate_events`).
    indicator
        One name of :data:`RATE_INDICATORS` or a list of them.
    group_by
        Breakdown columns of ``people`` or ``areas`` (for example ``["imd_quintile"]``).
    years
        The years to pool (default: every year of the data's period).

    Returns
    -------
    pandas.DataFrame
        ``indicator``, ``*group_by``, ``age_band``, ``events``, ``population`` (person-years).

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> counts = indicator_counts(generate_population(5_000), "cvd_mortality")
    >>> list(counts.columns)
    ['indicator', 'age_band', 'events', 'population']
    """
    group_by = [group_by] if isinstance(group_by, str) else list(group_by)
    parts = []
    for name in _names(indicator):
        event, cause = RATE_INDICATORS[name]
        yearly = aggregate_events(
            source, event, cause=cause, by=group_by, years=years, measure=PERSON_TIME
        )
        pooled = yearly.groupby([*group_by, "age_band"], as_index=False, observed=True, sort=False)[
            ["events", "population"]
        ].sum()
        parts.append(pooled.assign(indicator=name))
    counts = pd.concat(parts, ignore_index=True)
    return counts[["indicator", *group_by, "age_band", "events", "population"]]


def indicator_rates(
    source: Source,
    indicator: str | Sequence[str],
    group_by: Sequence[str] | str = (),
    *,
    years: Sequence[int] | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100_000,
) -> pd.DataFrame:
    """Rate indicators per 100,000 person-years, age-standardised (ESP 2013), years pooled.

    Method: directly standardised rates to the European Standard Population 2013 (Eurostat
    2013) with Dobson et al. (1991) confidence limits, computed by
    :func:`analysis.measures.directly_standardised_rate` (groups with fewer than 10 events
    get no rate, as in PHEindicatormethods) from the events and person-years of
    :func:`indicator_counts` (Preston, Heuveline & Guillot 2001 for person-years). A group
    with nobody at risk in some age band gets no rate either, ``statistic`` naming the bands
    (:func:`analysis.measures.strata.standardised_rate_of_strata`).

    Parameters
    ----------
    source
        A dataset or engine holding the book's tables.
    indicator
        One name of :data:`RATE_INDICATORS` or a list of them (computed together).
    group_by
        Breakdown columns; not ``age_band``, which standardisation removes.
    years
        The years to pool (default: every year of the data's period).
    confidence, multiplier
        As for :func:`analysis.measures.directly_standardised_rate`.

    Returns
    -------
    pandas.DataFrame
        One row per indicator and group: ``indicator``, ``*group_by``, ``total_count`` (events),
        ``total_pop`` (person-years), ``value``, ``lowercl``, ``uppercl``, ``confidence``,
        ``statistic``, ``method``.

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> rates = indicator_rates(generate_population(20_000), ["cvd_mortality", "cancer_mortality"])
    >>> rates["indicator"].tolist()
    ['cvd_mortality', 'cancer_mortality']
    """
    group_by = [group_by] if isinstance(group_by, str) else list(group_by)
    if "age_band" in group_by:
        raise InputError(
            "group_by includes 'age_band': a rate standardised for age cannot be broken down "
            "by age band; use indicator_counts and analysis.measures.crude_rate for "
            "age-specific rates"
        )
    counts = indicator_counts(source, indicator, group_by, years=years)
    order = {name: i for i, name in enumerate(dict.fromkeys(counts["indicator"]))}
    # counts built here: a stratum with nobody at risk is a zero count, its group's rate NA
    rates = standardised_rate_of_strata(
        counts, "events", "population", group_by=["indicator", *group_by],
        confidence=confidence, multiplier=multiplier,
    )  # fmt: skip
    rates["indicator"] = rates["indicator"].astype(str)
    return rates.sort_values(
        "indicator", key=lambda s: s.map(order), kind="stable", ignore_index=True
    )
