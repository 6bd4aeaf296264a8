"""The headline gaps of the executive summary: every indicator by deprivation and ethnic group.

The summary ranks the gaps of indicators measured in different units (death rates per 100,000
person-years, percentages of cancers or of people with hypertension) on one scale with
:func:`~analysis.inequality.gaps.rank_gaps`. :func:`headline_estimates` lays out each
indicator by deprivation quintile and by ethnic group as the book's chapters define it,
:func:`rank_headline_gaps` ranks them against the least deprived fifth and White residents,
and :func:`largest_gaps` keeps the largest gap of each indicator and breakdown.
:func:`gradient_summary` sets the deprivation gradients of several measures side by side
(values at the two ends, SII and RII), and :func:`interval_order` compares two intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data.aggregate import Source
from analysis.inequality.ambitions import NOT_STATED, SHORT_NAMES
from analysis.inequality.gaps import rank_gaps
from analysis.inequality.sii import slope_index_of_inequality
from analysis.measures import indicator_rates, proportion
from analysis.models import (
    emergency_presentation_model,
    emergency_presentation_strata,
    standardised_predictions,
)
from analysis.models.glm import ModelFit
from analysis.report.disclosure import DisclosureRule, apply_disclosure_control
from analysis.validation import InputError, require_columns

#: Deprivation quintiles as the headline tables name them.
QUINTILE_LABELS = {1: "1 (most deprived)", 2: "2", 3: "3", 4: "4", 5: "5 (least deprived)"}
#: The breakdowns compared: column -> name.
BREAKDOWNS = {"imd_quintile": "Deprivation quintile", "ethnicity": "Ethnic group"}
#: The reference group of each breakdown.
REFERENCE_GROUPS = {"Deprivation quintile": QUINTILE_LABELS[5], "Ethnic group": "White"}
#: Rate indicators (:data:`analysis.measures.pooled.RATE_INDICATORS`) and their headline names.
RATE_LABELS = {
    "cvd_mortality": "CVD deaths per 100,000 person-years",
    "cancer_mortality": "Cancer deaths per 100,000 person-years",
    "cancer_incidence": "Cancers diagnosed per 100,000 person-years",
}
#: Emergency presentation, standardised to the case mix.
EMERGENCY = "Cancers presenting as an emergency (%)"
#: The ambitions' percentages (:mod:`analysis.inequality.ambitions`) and their headline names.
PERCENT_LABELS = {i: f"{name} (%)" for i, name in SHORT_NAMES.items()}
_ESTIMATE = ["indicator", "breakdown", "group", "value", "lowercl", "uppercl"]


def emergency_fit(source: Source) -> tuple[ModelFit | None, str]:
    """Fit the emergency presentation model on strata counted in the engine, or say why not.

    Method: :func:`analysis.models.emergency_presentation_model` on
    :func:`analysis.models.emergency_presentation_strata` (a binomial GLM on successes out of
    trials by stratum: the same estimates as on the cancers, McCullagh & Nelder 1989). On
    small or unusual data the model may refuse them (a reference level absent, perfect
    separation); the summary then leaves emergency presentation out instead of failing.

    Parameters
    ----------
    source
        A dataset, an engine, or a connection that holds the tables.

    Returns
    -------
    tuple
        ``(fit, "")``, or ``(None, reason)`` with the model's own message.
    """
    try:
        return emergency_presentation_model(emergency_presentation_strata(source), n="cancers"), ""
    except InputError as refused:
        return None, str(refused).split("\n")[0]


def headline_estimates(
    source: Source,
    counts: pd.DataFrame,
    emergency_fit: ModelFit | None,
    rule: DisclosureRule | None = None,
) -> pd.DataFrame:
    """Every headline indicator by deprivation quintile and by ethnic group, disclosure-controlled.

    - The rates of :data:`RATE_LABELS`: age-standardised per 100,000 person-years
      (:func:`analysis.measures.indicator_rates`: ESP 2013, Dobson limits), suppressed with
      their event count.
    - The ambitions' percentages of :data:`PERCENT_LABELS`: Wilson limits
      (:func:`analysis.measures.proportion`), suppressed with the people with and without the
      outcome.
    - Emergency presentation: percentages standardised to the case mix from
      ``emergency_fit`` (:func:`analysis.models.standardised_predictions`); left out when
      it is None (the model could not be fitted, :func:`emergency_fit`).

    Parameters
    ----------
    source
        A dataset or engine holding the book's tables.
    counts
        :func:`analysis.inequality.ambitions.ambition_counts` by ``imd_quintile`` and
        ``ethnicity``.
    emergency_fit
        :func:`analysis.models.emergency_presentation_model`, or None.
    rule
        The disclosure-control rule (default: the configuration file's).

    Returns
    -------
    pandas.DataFrame
        ``indicator`` (headline name), ``breakdown`` (:data:`BREAKDOWNS`), ``group`` (text;
        quintiles named by :data:`QUINTILE_LABELS`), ``value``, ``lowercl``, ``uppercl``.
    """
    require_columns(counts, ["indicator", "x", "n", *BREAKDOWNS], what="counts")
    rates = pd.concat(
        [
            indicator_rates(source, list(RATE_LABELS), [by])
            .assign(breakdown=label)
            .rename(columns={by: "group"})
            for by, label in BREAKDOWNS.items()
        ],
        ignore_index=True,
    )
    rates = apply_disclosure_control(
        rates.assign(indicator=rates["indicator"].map(RATE_LABELS)).astype(
            {"total_count": "int64"}
        ),
        ["total_count"],
        derived={c: ["total_count"] for c in ("value", "lowercl", "uppercl")},
        rule=rule,
    )
    percentages = pd.concat(
        [
            proportion(counts, "x", "n", group_by=["indicator", by], multiplier=100)
            .assign(breakdown=label)
            .rename(columns={by: "group"})
            for by, label in BREAKDOWNS.items()
        ],
        ignore_index=True,
    )
    percentages = apply_disclosure_control(  # people with and without the outcome
        percentages.assign(
            indicator=percentages["indicator"].map(PERCENT_LABELS),
            without=percentages["n"] - percentages["x"],
        ).astype({"x": "int64", "n": "int64", "without": "int64"}),
        ["x", "n", "without"],
        derived={c: ["x", "without"] for c in ("value", "lowercl", "uppercl")},
        rule=rule,
    )
    emergency = [
        standardised_predictions(emergency_fit, by, multiplier=100)
        .query("statistic.str.startswith('standardised')")
        .rename(columns={"level": "group"})
        .assign(indicator=EMERGENCY, breakdown=label)
        for by, label in BREAKDOWNS.items()
        if emergency_fit is not None
    ]
    out = pd.concat(
        [frame[_ESTIMATE].astype({"group": str}) for frame in (rates, percentages, *emergency)],
        ignore_index=True,
    )
    out["group"] = out["group"].replace({str(k): v for k, v in QUINTILE_LABELS.items()})
    return out


def rank_headline_gaps(estimates: pd.DataFrame) -> pd.DataFrame:
    """Rank :func:`headline_estimates` against the least deprived fifth and White residents.

    Method: :func:`analysis.inequality.gaps.rank_gaps` (the ratio of the worse outcome, WHO
    2013; ranked when the two intervals do not overlap, Schenker & Gentleman 2001), with the
    percentages where higher is better (:data:`PERCENT_LABELS`) turned into their shortfall
    from 100%. Ethnicity not stated is not a group and is left out. An indicator and
    breakdown whose reference group has no value (nobody counted in it, or suppressed) is not
    ranked, and neither is a group whose value is suppressed.

    Parameters
    ----------
    estimates
        The table of :func:`headline_estimates`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`analysis.inequality.gaps.rank_gaps`: one row per group other
        than the reference, with ``reference``, ``reference_value`` and its limits,
        ``ratio``, ``worse`` and ``rank``, sorted by rank.
    """
    kept = estimates[(estimates["group"] != NOT_STATED) & estimates["value"].notna()]
    reference = kept["breakdown"].map(REFERENCE_GROUPS) == kept["group"]
    has_reference = kept.loc[reference, ["indicator", "breakdown"]].drop_duplicates()
    kept = kept.merge(has_reference, on=["indicator", "breakdown"])
    percents = PERCENT_LABELS.values()
    return rank_gaps(
        kept,
        REFERENCE_GROUPS,
        polarity={label: "favourable" for label in percents},
        maximum={label: 100 for label in percents},
    )


def largest_gaps(ranked: pd.DataFrame, n: int = 6) -> pd.DataFrame:
    """Return the largest gap of each indicator and breakdown, the ``n`` largest of those.

    Only groups worse off than their reference are kept.

    Parameters
    ----------
    ranked
        The table of :func:`rank_headline_gaps` (sorted by rank).
    n
        How many gaps to return (default 6); at least 1.

    Returns
    -------
    pandas.DataFrame
        At most ``n`` rows of ``ranked``, one per indicator and breakdown, largest gap first.

    Raises
    ------
    InputError
        If ``n`` is below 1 or a needed column is missing from ``ranked``.
    """
    if n < 1:
        raise InputError(f"n must be at least 1, got {n!r}")
    require_columns(ranked, ["indicator", "breakdown", "worse", "rank"], what="ranked")
    worse = ranked[ranked["worse"]].sort_values("rank", kind="stable")
    return worse.drop_duplicates(["indicator", "breakdown"]).head(n).reset_index(drop=True)


def decile_ends(values: pd.DataFrame, quantile: str = "imd_decile") -> tuple[float, float]:
    """Return the value in the most deprived (lowest) and least deprived (highest) quantile.

    Parameters
    ----------
    values
        A measure by quantile, with a ``value`` column.
    quantile
        The column of quantiles (default ``"imd_decile"``; 1 = most deprived).

    Returns
    -------
    tuple of float
        ``(most, least)``: ``value`` in the lowest and in the highest quantile.

    Raises
    ------
    InputError
        If ``quantile`` or ``value`` is missing from ``values``.
    """
    require_columns(values, [quantile, "value"], what="values")
    if values.empty:
        return np.nan, np.nan
    ordered = values.sort_values(quantile, kind="stable")["value"]
    return float(ordered.iloc[0]), float(ordered.iloc[-1])


def gradient_indices(
    data: pd.DataFrame,
    quantile: str,
    n: str,
    value: str,
    *,
    group_by: str,
    min_quantiles: int = 5,
    **options: object,
) -> pd.DataFrame:
    """SII (and RII) of each group whose every quantile has a value.

    Method: :func:`~analysis.inequality.slope_index_of_inequality` with ``min_quantiles`` and
    ``options`` (Low & Low 2004; the OHID method by default). A quantile without a value (a
    rate or life expectancy that cannot be computed because nobody in it is at risk in some
    age band) would make the slope meaningless, and fewer than ``min_quantiles`` quantiles
    (a small population living in few of them) too few points for a gradient, so such a
    group gets no index: it is left out of the result rather than failing the whole table,
    and :func:`gradient_summary` shows it as missing.

    Parameters
    ----------
    data
        A measure by group and quantile, with its limits.
    quantile
        The column of quantiles (e.g. ``"imd_decile"``).
    n
        The column of population sizes (the quantiles' weights).
    value
        The column of the measure.
    group_by
        The column of the groups, one index each.
    min_quantiles
        The fewest quantiles a group needs for an index (default 5).
    **options
        Further arguments of :func:`~analysis.inequality.slope_index_of_inequality`.

    Returns
    -------
    pandas.DataFrame
        The output of :func:`~analysis.inequality.slope_index_of_inequality` for the complete
        groups; no rows (with ``group_by``, ``measure``, ``value``, ``lowercl`` and
        ``uppercl``) when none is complete.

    Raises
    ------
    InputError
        If a named column is missing from ``data`` (and as
        :func:`~analysis.inequality.slope_index_of_inequality` for bad values).
    """
    require_columns(data, [group_by, quantile, n, value], what="data")
    groups = data.groupby(group_by)
    complete = data[value].isna().groupby(data[group_by]).transform("sum") == 0
    enough = groups[quantile].transform("nunique") >= min_quantiles
    kept = data[(complete & enough).to_numpy(dtype=bool)]
    if kept.empty:
        return pd.DataFrame(columns=[group_by, "measure", "value", "lowercl", "uppercl"])
    return slope_index_of_inequality(
        kept, quantile, n, value, group_by=group_by, min_quantiles=min_quantiles, **options
    )


@dataclass(frozen=True)
class GradientMeasure:
    """One measure of :func:`gradient_summary`.

    ``values`` has the measure by ``imd_decile`` (``value``); ``indices`` is its rows of
    :func:`~analysis.inequality.slope_index_of_inequality` output (``measure`` "SII" and,
    where published, "RII", with ``value``, ``lowercl``, ``uppercl``); ``digits`` is the
    precision the measure is shown with.
    """

    name: str
    label: str
    values: pd.DataFrame
    indices: pd.DataFrame
    digits: int


def gradient_summary(measures: Sequence[GradientMeasure]) -> pd.DataFrame:
    """Set the deprivation gradients of several measures side by side.

    Method: for each measure, the values in the most and least deprived deciles
    (:func:`decile_ends`) and its slope and relative indices of inequality (SII, RII; Low &
    Low 2004, computed by :func:`~analysis.inequality.slope_index_of_inequality`), so that
    measures in different units can be compared by the RII.

    Parameters
    ----------
    measures
        The measures, each a :class:`GradientMeasure` (its values by decile and its indices).

    Returns
    -------
    pandas.DataFrame
        One row per measure: ``name``, ``measure`` (its label), ``digits``, ``most``,
        ``least``, and ``sii_value``, ``sii_lowercl``, ``sii_uppercl``, ``rii_value``,
        ``rii_lowercl``, ``rii_uppercl`` (missing where no RII is published or no SII could
        be computed).

    Raises
    ------
    InputError
        If a measure's tables lack a needed column.
    """
    limits = ["value", "lowercl", "uppercl"]
    rows = []
    for m in measures:
        require_columns(m.indices, ["measure", *limits], what=f"indices of {m.name}")
        most, least = decile_ends(m.values)
        row = {"name": m.name, "measure": m.label, "digits": m.digits, "most": most, "least": least}
        for index in ("SII", "RII"):
            own = m.indices[m.indices["measure"] == index]
            for c in limits:
                row[f"{index.lower()}_{c}"] = float(own[c].iloc[0]) if len(own) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def largest_relative_gap(summary: pd.DataFrame) -> pd.Series | None:
    """Return the measure with the largest relative index of inequality (RII).

    Parameters
    ----------
    summary
        The table of :func:`gradient_summary`.

    Returns
    -------
    pandas.Series or None
        The row with the largest ``rii_value``; None when no measure has one.
    """
    known = summary[summary["rii_value"].notna()]
    return None if known.empty else known.loc[known["rii_value"].idxmax()]


def interval_order(
    lower: float, upper: float, other_lower: float = 0.0, other_upper: float = 0.0
) -> int:
    """Compare the interval ``(lower, upper)`` with another: 1 above it, -1 below it, 0 overlapping.

    Intervals that do not overlap imply a significant difference, conservatively (Schenker &
    Gentleman 2001, *Am Stat* 55:182-186).

    Parameters
    ----------
    lower
        The lower limit of the interval.
    upper
        The upper limit of the interval.
    other_lower
        The lower limit of the other interval (default 0).
    other_upper
        The upper limit of the other interval (default 0); with both left at 0, the result
        says whether the interval lies wholly above or below zero.

    Returns
    -------
    int
        1 when the interval lies wholly above the other, -1 wholly below it, 0 when they
        overlap or a limit is missing.
    """
    if lower > other_upper:
        return 1
    return -1 if upper < other_lower else 0
