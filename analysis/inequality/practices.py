"""Structural inequalities in general practice: the most and the least deprived fifths of GP practices, and all practices, on CVD mortality, hypertension detection and cancer diagnosis.

A practice's deprivation is the average IMD score of its registered patients' small areas (the
score of each area attributed to the practice in proportion to the patients it registers
there, as NHS England and OHID attribute IMD to practices). Practices are ranked by it and cut
into fifths of practices by the OHID quantile method (quintile 1 the most deprived). Each
indicator is then computed for the pooled patients of the most and least deprived fifths and
of all practices -- the comparison of the NHS-R health-inequalities notebook's page on
structural inequalities in general practice, after the Health Equity Evidence Centre. Counts
are pooled, not averaged across practices, so each group's value has its own confidence
interval.

Row-level work (patients to practices, events to patients) runs in the configured engine
(:mod:`analysis.data.engines`); only counts by practice leave it.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

import numpy as np
import pandas as pd

from analysis.data.aggregate import Source, is_true
from analysis.data.engines import running
from analysis.measures import (
    deprivation_quantiles,
    directly_standardised_rate,
    indicator_counts,
    proportion,
)
from analysis.measures._output import limit_column_names
from analysis.report.disclosure import DisclosureRule, apply_disclosure_control
from analysis.validation import InputError, check_confidence

#: Indicators compared, in display order: name -> label (with units).
PRACTICE_INDICATORS: dict[str, str] = {
    "cvd_mortality": "CVD mortality (per 100,000 person-years, age-standardised)",
    "hypertension_detection": "Hypertension detection (% of people with hypertension recorded)",
    "early_diagnosis": "Early cancer diagnosis (% of staged cancers at stage 1-2)",
    "emergency_presentation": "Emergency presentation (% of cancers)",
}
#: The three groups compared, in display order.
PRACTICE_GROUPS = ("Most deprived fifth", "All practices", "Least deprived fifth")


def practice_deprivation(source: Source, *, n_quantiles: int = 5) -> pd.DataFrame:
    """Each practice's registered patients, deprivation score and deprivation quantile.

    Method: the practice's IMD score is the mean of its registered patients' small-area IMD
    scores (Noble et al. 2019, *The English Indices of Deprivation 2019*; area scores
    attributed to the practice by its patients in each area, as NHS England and OHID attribute
    IMD to practices); practices are assigned to ``n_quantiles`` groups of practices by the
    OHID quantile method (Fingertips technical guidance, *Assigning deprivation categories*;
    PHEindicatormethods ``phe_quantile``), quantile 1 the most deprived.

    Parameters
    ----------
    source
        A dataset, an engine, or a connection that holds the tables.
    n_quantiles
        How many deprivation groups of practices to form (default 5, quintiles); at least 2.

    Returns
    -------
    pandas.DataFrame
        ``practice_code``, ``registered``, ``imd_score``, ``quantile`` (1 = most deprived).

    Raises
    ------
    InputError
        If ``n_quantiles`` is below 2, or there are too few practices to split into
        ``n_quantiles`` groups.

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> practices = practice_deprivation(generate_population(20_000))
    >>> list(practices.columns)
    ['practice_code', 'registered', 'imd_score', 'quantile']
    >>> practices.sort_values("imd_score")["quantile"].tolist()  # 1 = most deprived
    [5, 4, 3, 2, 1, 1]
    """
    if n_quantiles < 2:
        raise InputError(f"n_quantiles must be at least 2, got {n_quantiles!r}")
    with running(source) as engine:
        scores = engine.query(
            """
            SELECT p.practice_code, COUNT(*) AS registered, AVG(a.imd_score) AS imd_score
            FROM people p JOIN areas a ON p.area_code = a.area_code
            GROUP BY p.practice_code
            """
        )
    scores = scores.sort_values("practice_code", ignore_index=True)
    if len(scores) < n_quantiles:
        raise InputError(
            f"{len(scores)} practice(s) cannot be split into {n_quantiles} deprivation groups"
        )
    ranked = deprivation_quantiles(scores, "imd_score", n_quantiles=n_quantiles, polarity="adverse")
    return ranked[["practice_code", "registered", "imd_score", "quantile"]].astype(
        {"registered": "int64", "quantile": "int64"}
    )


def _proportion_counts(source: Source, years: Sequence[int] | None) -> pd.DataFrame:
    """Numerators and denominators of the proportion indicators by practice."""
    when = f"AND c.diagnosis_year BETWEEN {int(years[0])} AND {int(years[-1])}" if years else ""
    hypertension = is_true("p.hypertension")
    with running(source) as engine:
        people = engine.query(
            f"""
            SELECT p.practice_code,
                   SUM(CASE WHEN {hypertension} = 1
                       THEN {is_true("p.hypertension_recorded")} ELSE 0 END)
                       AS hypertension_detection_numerator,
                   SUM({hypertension}) AS hypertension_detection_denominator
            FROM people p GROUP BY p.practice_code
            """
        )
        cancers = engine.query(
            f"""
            SELECT p.practice_code,
                   SUM({is_true("c.early_stage")}) AS early_diagnosis_numerator,
                   SUM(CASE WHEN c.early_stage IS NOT NULL THEN 1 ELSE 0 END)
                       AS early_diagnosis_denominator,
                   SUM({is_true("c.emergency_presentation")}) AS emergency_presentation_numerator,
                   COUNT(*) AS emergency_presentation_denominator
            FROM cancers c JOIN people p ON c.person_id = p.person_id
            WHERE 1 = 1 {when}
            GROUP BY p.practice_code
            """
        )
    wide = people.merge(cancers, on="practice_code", how="left").fillna(0)
    long = wide.melt(id_vars="practice_code")
    parts = long["variable"].str.rsplit("_", n=1, expand=True)
    long = long.assign(indicator=parts[0], part=parts[1])
    return long.pivot_table(
        index=["practice_code", "indicator"], columns="part", values="value", aggfunc="sum"
    ).reset_index()


def _groups(practices: pd.DataFrame, n_quantiles: int) -> pd.DataFrame:
    """Practice -> group rows: each practice in "All practices" and, at the ends, its fifth."""
    ends = {1: PRACTICE_GROUPS[0], n_quantiles: PRACTICE_GROUPS[2]}
    end_rows = practices[practices["quantile"].isin(list(ends))]
    return pd.concat(
        [
            practices[["practice_code"]].assign(group=PRACTICE_GROUPS[1]),
            end_rows[["practice_code"]].assign(group=end_rows["quantile"].map(ends)),
        ],
        ignore_index=True,
    )


def practice_deprivation_gaps(
    source: Source,
    *,
    years: Sequence[int] | None = None,
    confidence: float | Sequence[float] = 0.95,
    n_quantiles: int = 5,
    rule: DisclosureRule | None = None,
) -> pd.DataFrame:
    """Return the most and least deprived fifths of GP practices against all practices, by indicator.

    Method: practices grouped by their registered patients' deprivation
    (:func:`practice_deprivation`); for the pooled patients of each group, CVD mortality as a
    directly standardised rate per 100,000 person-years (ESP 2013, Dobson et al. 1991 limits)
    and hypertension detection, early (stage 1-2) cancer diagnosis and emergency presentation
    as percentages with Wilson (1927) score limits; counts then pass the disclosure rule
    (values and limits suppressed with their counts).

    Parameters
    ----------
    source
        the dataset or engine holding ``people``, ``areas``, ``deaths`` and
        ``cancers``.
    years
        years pooled (default: all; deaths and cancer diagnoses in these years).
    confidence
        level(s) of the limits, e.g. 0.95 or ``[0.95, 0.998]`` (several give
        one pair of limit columns per level, named as the measures name them).
    n_quantiles
        number of deprivation groups (5: the ends are fifths of practices).
    rule
        disclosure rule (default: the configured one).

    Returns
    -------
    pandas.DataFrame
        One row per indicator and group: ``indicator`` (a name of
        :data:`PRACTICE_INDICATORS`), ``label``, ``group`` (:data:`PRACTICE_GROUPS`),
        ``practices``, ``numerator`` (events or people), ``denominator`` (person-years or
        people), ``value``, ``lowercl``, ``uppercl``, ``confidence``, ``statistic``,
        ``method`` and ``suppressed``.

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> gaps = practice_deprivation_gaps(generate_population(20_000))
    >>> gaps[["indicator", "group", "practices"]].head(3)
           indicator                 group  practices
    0  cvd_mortality   Most deprived fifth          2
    1  cvd_mortality         All practices          6
    2  cvd_mortality  Least deprived fifth          1
    """
    limits = [name for pair in limit_column_names(check_confidence(confidence)) for name in pair]
    practices = practice_deprivation(source, n_quantiles=n_quantiles)
    members = _groups(practices, n_quantiles)
    sizes = members.groupby("group").size().rename("practices")

    deaths = indicator_counts(source, "cvd_mortality", ["practice_code"], years=years)
    deaths = (
        deaths.merge(members, on="practice_code")
        .groupby(["group", "age_band"], as_index=False, observed=True)[["events", "population"]]
        .sum()
    )
    mortality = directly_standardised_rate(
        deaths, "events", "population", group_by="group", confidence=confidence
    ).rename(columns={"total_count": "numerator", "total_pop": "denominator"})
    mortality["indicator"] = "cvd_mortality"

    counts = _proportion_counts(source, years).merge(members, on="practice_code")
    pooled = counts.groupby(["indicator", "group"], as_index=False)[
        ["numerator", "denominator"]
    ].sum()
    shares = proportion(
        pooled, "numerator", "denominator", group_by=["indicator", "group"],
        confidence=confidence, multiplier=100,
    )  # fmt: skip
    out = pd.concat([mortality, shares], ignore_index=True)
    out["practices"] = out["group"].map(sizes).astype("int64")
    out["label"] = pd.Categorical(
        out["indicator"].map(PRACTICE_INDICATORS), list(PRACTICE_INDICATORS.values())
    )
    out["indicator"] = pd.Categorical(out["indicator"], list(PRACTICE_INDICATORS))
    out["group"] = pd.Categorical(out["group"], list(PRACTICE_GROUPS))
    out = out.sort_values(["indicator", "group"], ignore_index=True)
    out[["numerator", "denominator"]] = out[["numerator", "denominator"]].astype(np.int64)
    columns = ["indicator", "label", "group", "practices", "numerator", "denominator", "value",
               *limits, "confidence", "statistic", "method"]  # fmt: skip
    return apply_disclosure_control(
        out[columns],
        ["numerator", "denominator"],
        derived={c: ["numerator", "denominator"] for c in ("value", *limits)},
        rule=rule,
    )


def practice_dumbbell_r_code() -> str:
    """Return the ggplot2 code that draws the dumbbell chart of :func:`practice_deprivation_gaps` in R.

    It expects the table as an R data frame ``gaps`` and leaves the chart in ``dumbbells``
    (the test suite runs it with Rscript where R and ggplot2 are installed).

    >>> "geom_segment" in practice_dumbbell_r_code()
    True
    """
    return (resources.files("analysis.inequality") / "practice_dumbbell.R").read_text()
