"""Yearly counts pooled over years, and the book's headline rate indicators defined once: events per 100,000 person-years, age standardised to the European Standard Population 2013, years pooled.

:func:`pool_years` sums yearly counts and denominators over a span of years by the caller's
groups, checking that every group has every year (or saying which do not).

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

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.data.aggregate import Source, aggregate_events
from analysis.measures._inputs import check_not_empty, column_list
from analysis.measures.strata import standardised_rate_of_strata
from analysis.validation import InputError, check_counts, require_columns

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


#: What :func:`pool_years` does with a group that lacks some of the years.
MISSING_YEAR_RULES = ("raise", "zero", "exclude")


def pool_years(
    data: pd.DataFrame,
    group_by: str | Sequence[str] = (),
    x: str | Sequence[str] = "events",
    n: str | Sequence[str] | None = "population",
    *,
    year: str = "year",
    years: Sequence[int] | None = None,
    missing_years: str = "raise",
) -> pd.DataFrame:
    """Sum yearly counts and denominators over a span of years, one row per group.

    Method: pooling years adds the events of every year and the population at risk of every
    year, so a pooled rate is total events over total person-years -- the maximum-likelihood
    estimate of a rate constant over the period under the Poisson model (Breslow & Day 1987,
    *Statistical Methods in Cancer Research* II, ch. 2), and more stable than any one year's.
    OHID's Fingertips pools its "3 years pooled" indicators the same way. The years pooled are
    ``years``, or else every year in ``data``; each group should have a row for each of them,
    otherwise its total covers a shorter period than the others' and its rate and counts are
    not comparable (see ``missing_years``).

    Parameters
    ----------
    data
        Yearly counts: one or more rows per group and year (several rows of a group and year,
        for example one per cause, are all added).
    group_by
        The columns that define a group, for example ``["imd_quintile", "age_band"]``; the
        year column is summed over, so it is not one of them. No columns: one total.
    x
        Count column(s) (events, deaths, cases): whole numbers, not negative, not missing.
    n
        Denominator column(s) (people, person-years): not negative and not missing; may be
        fractional (person-years count half a year for a death). ``None``: no denominator.
    year
        The column that holds the year.
    years
        The years to pool; rows of other years are left out. Default: every year in ``data``.
    missing_years
        What to do when a group has no row for one of the years: ``"raise"`` (default)
        raises :class:`~analysis.validation.InputError` naming the groups and their missing
        years; ``"zero"`` counts the absent years as zero events and zero at risk (right for
        counts from :func:`analysis.data.aggregate_events`, which leaves out strata where
        nobody was at risk); ``"exclude"`` leaves those groups out of the result and names
        them in a warning.

    Returns
    -------
    pandas.DataFrame
        ``*group_by``, ``*x``, ``*n``: one row per group seen in the pooled years, in the
        order the groups first appear in ``data`` (so counts from
        :func:`analysis.data.aggregate_events` keep its order: groups sorted, age bands
        youngest first); a missing label is a group of its own, never dropped.

    Raises
    ------
    InputError
        If a column is missing, ``year`` is in ``group_by``, a count is negative, fractional
        or missing, a denominator negative or missing, a year missing or fractional, no row
        falls in ``years``, or a group lacks a year and ``missing_years="raise"``.

    Examples
    --------
    >>> yearly = pd.DataFrame({
    ...     "quintile": [1, 1, 2, 2], "year": [2019, 2020, 2019, 2020],
    ...     "events": [3, 5, 2, 1], "population": [100.0, 98.5, 200.0, 201.0],
    ... })
    >>> pool_years(yearly, "quintile")
       quintile  events  population
    0         1       8       198.5
    1         2       3       401.0
    """
    group_by = column_list(group_by)
    counts, denominators = column_list(x), column_list(n)
    if missing_years not in MISSING_YEAR_RULES:
        raise InputError(
            f"missing_years must be one of {list(MISSING_YEAR_RULES)}, got {missing_years!r}"
        )
    require_columns(data, [*group_by, *counts, *denominators, year])
    if year in group_by:
        raise InputError(f"group_by includes the year column {year!r}, which pooling sums over")
    check_not_empty(data)
    context = [*group_by, year]
    for column in counts:
        check_counts(data, column, context=context)
    for column in denominators:
        check_counts(data, column, integer=False, context=context)
    check_counts(data, year, context=context)
    expected = np.unique(data[year] if years is None else np.asarray(years))
    data = data[data[year].isin(expected)]
    if data.empty:
        raise InputError(f"column {year!r} has none of the years to pool {expected.tolist()}")
    keys = group_by or (lambda _: 0)  # no groups: every row in one
    grouped = data.groupby(keys, observed=True, dropna=False, sort=False)
    seen = grouped[year].nunique()
    short = seen < len(expected)
    if short.any() and missing_years != "zero":
        lacking = _missing_years(data, group_by, year, expected)
        if missing_years == "raise":
            raise InputError(
                f"column {year!r}: {int(short.sum())} group(s) lack some of the years "
                f"{expected.tolist()} (pass missing_years='zero' if an absent year means "
                "no events and nobody at risk, or 'exclude' to leave them out). Example "
                f"groups:\n{lacking.head(5).to_string(index=False)}"
            )
        warnings.warn(
            f"pool_years left out {int(short.sum())} group(s) lacking some of the years "
            f"{expected.tolist()}:\n{lacking.to_string(index=False)}",
            stacklevel=2,
        )
    pooled = grouped[[*counts, *denominators]].sum()
    pooled = pooled[~short.to_numpy()] if missing_years == "exclude" else pooled
    return pooled.reset_index(drop=not group_by)[[*group_by, *counts, *denominators]]


def _missing_years(
    data: pd.DataFrame, group_by: list[str], year: str, expected: np.ndarray
) -> pd.DataFrame:
    """Each group lacking some of the ``expected`` years, with those years (``missing``)."""
    keys = group_by or ["_all"]
    present = data.assign(_all=0)[[*keys, year]].drop_duplicates()
    grid = present[keys].drop_duplicates().merge(pd.Series(expected, name=year), how="cross")
    absent = grid.merge(present, how="left", on=[*keys, year], indicator=True)
    absent = absent[absent["_merge"] == "left_only"]
    lacking = absent.groupby(keys, observed=True, dropna=False, sort=False)[year].agg(
        lambda y: ", ".join(map(str, y))
    )
    return lacking.rename("missing").reset_index(drop=not group_by)


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
            source, event, cause=cause, group_by=group_by, years=years, measure=PERSON_TIME
        )
        # the engine leaves out strata where nobody was at risk in a year: zero, not an error
        pooled = pool_years(yearly, [*group_by, "age_band"], years=years, missing_years="zero")
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
