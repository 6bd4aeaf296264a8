"""Standardised ratios of small areas, smoothed for mapping.

Each area's events are compared with the number expected if the area's residents had the
whole population's age-specific rates (indirect standardisation, as
:func:`~analysis.measures.indirectly_standardised_ratio`; years pooled), and the ratios are
smoothed by empirical Bayes (:func:`~analysis.measures.shrinkage.empirical_bayes_rates`:
the Poisson-gamma model of Clayton & Kaldor 1987 with Marshall's 1991 moment estimators),
so that the smallest areas, whose raw ratios scatter most, do not dominate a map.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.data.aggregate import aggregate_events
from analysis.measures.isr import indirectly_standardised_ratio
from analysis.measures.pooled import pool_years
from analysis.measures.shrinkage import empirical_bayes_rates


def smoothed_area_ratios(
    source: object,
    event: str = "deaths",
    *,
    cause: str | Sequence[str] | None = None,
    area: str = "area_code",
    confidence: float | Sequence[float] = 0.95,
) -> pd.DataFrame:
    """Observed and expected events of each area and the smoothed ratio (x 100).

    Method: indirect standardisation to the whole population's age-specific rates (years
    pooled), then empirical Bayes smoothing with the Poisson-gamma model of Clayton & Kaldor
    (1987) and Marshall's (1991) moment estimators (see the module docstring).

    Parameters
    ----------
    source
        a dataset, an engine, or a connection that holds the tables (as for
        :func:`analysis.data.aggregate_events`).
    event
        ``"deaths"`` (default), ``"admissions"`` or ``"cancers"``.
    cause
        cause group(s) (or, for cancers, sites) to count; None (default): every event.
    area
        the column of the areas (default ``"area_code"``).
    confidence
        level(s) of the posterior limits, e.g. 0.95 or ``[0.95, 0.998]``.

    Returns
    -------
    pandas.DataFrame
        One row per area: ``area``, ``observed``, ``expected``, ``raw`` (observed / expected
        x 100), ``shrinkage``, ``value`` (the smoothed ratio x 100; 100 = as expected for the
        area's age mix), ``lowercl``, ``uppercl`` (posterior limits; one pair per level,
        ``lower95_0cl``, ..., when ``confidence`` gives several levels), ``confidence``,
        ``statistic``, ``method``. Areas without residents at risk are left out (no
        exposure).

    Raises
    ------
    InputError
        If the source, event or cause is not recognised, or ``confidence`` is invalid.

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> out = smoothed_area_ratios(generate_population(5_000), cause="CVD")
    >>> round(float((out["observed"].sum() / out["expected"].sum())), 6)
    1.0
    """
    counts = aggregate_events(source, event, cause=cause, group_by=[area])
    # an area-band with nobody at risk in a year has no row: zero that year
    per_band = pool_years(counts, [area, "age_band"], missing_years="zero")
    reference = per_band.groupby("age_band", observed=True)[["events", "population"]].sum()
    ratios = indirectly_standardised_ratio(
        per_band,
        "events",
        "population",
        x_ref=reference["events"],
        n_ref=reference["population"],
        group_by=area,
        refvalue=100,
    )[[area, "observed", "expected"]]
    ratios = ratios[ratios["expected"] > 0].reset_index(drop=True)
    smoothed = empirical_bayes_rates(
        ratios, "observed", "expected", confidence=confidence, multiplier=100
    )
    return smoothed.drop(columns=["prior_mean", "prior_variance"]).assign(
        statistic="indirectly standardised ratio x 100, empirical Bayes smoothed",
        method="Poisson-gamma (Clayton & Kaldor), Marshall global moments",
    )
