"""The Core20PLUS5 ambitions measured from counts: who is furthest from them, and by how much.

The two ambitions of :data:`analysis.inequality.core20.AMBITIONS` are percentages of people
at risk with an outcome: cancers with a known stage diagnosed at stage 1 or 2, and people with
high blood pressure on a GP hypertension register. :func:`ambition_counts` counts both, in
the engine, by deprivation and ethnic group; :func:`ambition_percentages` turns the counts
into percentages with Wilson limits set against each ambition
(:func:`~analysis.inequality.core20.ambition_gap`); :func:`ambition_summary` lays out the
groups a board reads (everyone, Core20 against other areas, each ethnic group) after
disclosure control; :func:`core20_difference` gives Core20 minus the other areas with
Newcombe limits. :func:`lowest_group`, :func:`shortfall_share` and :func:`groups_below` are
the findings read off those tables.

>>> counts = pd.DataFrame({"indicator": ["early_diagnosis"] * 2, "core20": [CORE20, REST],
...                        "x": [40, 150], "n": [100, 200]})
>>> ambition_percentages(counts, ["core20"])[["core20", "value", "gap", "additional"]]
   core20  value   gap  additional
0  Core20   40.0  35.0          35
1    Rest   75.0   0.0           0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.data.aggregate import Source, is_true
from analysis.data.chapter_aggregates import strata_counts
from analysis.data.parameters import ETHNICITIES
from analysis.inequality.core20 import AMBITIONS, BELOW, CORE20, REST, ambition_gap, core20_group
from analysis.measures import proportion
from analysis.measures.differences import proportion_difference
from analysis.report.disclosure import DisclosureRule, apply_disclosure_control
from analysis.validation import InputError, require_columns

#: The ambition of cancers diagnosed at stage 1 or 2 (a key of ``AMBITIONS``).
EARLY = "early_diagnosis"
#: The ambition of people with high blood pressure on a GP register (a key of ``AMBITIONS``).
DETECTED = "hypertension_detection"
#: Short names of the two ambitions' percentages, for tables and figures.
SHORT_NAMES = {EARLY: "Cancers diagnosed at stage 1 or 2", DETECTED: "Hypertension detected"}
#: The strata :func:`ambition_counts` counts by (columns of ``people`` or ``areas``).
STRATA = ("imd_quintile", "imd_decile", "ethnicity")
#: The group of everyone in :func:`ambition_summary`.
ALL_RESIDENTS = "All residents"
#: Names of the Core20 groups in tables (:func:`ambition_summary`).
PLACE = {CORE20: "Core20 areas", REST: "Other areas"}
#: Ethnicity recorded as not stated: not a group whose health can be compared.
NOT_STATED = ETHNICITIES[-1]
#: The ethnicity of the rows of all ethnic groups together in a table crossed with Core20.
ALL_ETHNIC_GROUPS = "All ethnic groups"
#: The columns that disclosure control treats as counts of people in an ambition table.
_PEOPLE = ["x", "n", "without"]
#: The columns derived from them.
_DERIVED = ["value", "lowercl", "uppercl", "gap", "gap_lowercl", "gap_uppercl"]


def ambition_counts(source: Source, group_by: Sequence[str] = STRATA) -> pd.DataFrame:
    """Count the people at risk of each ambition's outcome, and those with it, in the engine.

    Method: two ``GROUP BY`` counts (:func:`analysis.data.chapter_aggregates.strata_counts`),
    exact; no person row leaves the engine.

    - ``early_diagnosis``: cancers with a recorded stage (``early_stage`` not missing) by
      their person's ``group_by`` columns; ``x`` = those diagnosed at stage 1 or 2.
    - ``hypertension_detection``: people with high blood pressure (``hypertension`` true);
      ``x`` = those on a GP hypertension register (``hypertension_recorded`` true).

    Parameters
    ----------
    source
        A dataset or engine holding the book's tables (see :mod:`analysis.data.aggregate`).
    group_by
        Columns of ``people`` or ``areas`` to count by. When ``imd_quintile`` is one of them,
        a column ``core20`` (:func:`~analysis.inequality.core20.core20_group`) is added.

    Returns
    -------
    pandas.DataFrame
        ``indicator``, ``core20`` (with ``imd_quintile``), ``*group_by``, ``x`` and ``n``: one row
        per indicator and stratum with anyone at risk, sorted.

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> counts = ambition_counts(generate_population(5_000), ["sex"])
    >>> list(counts.columns), sorted(counts["indicator"].unique())
    (['indicator', 'sex', 'x', 'n'], ['early_diagnosis', 'hypertension_detection'])
    """
    group_by = list(group_by)
    early = strata_counts(
        source,
        group_by,
        table="cancers",
        successes=is_true("e.early_stage"),
        where="e.early_stage IS NOT NULL",
    )
    detected = strata_counts(
        source,
        group_by,
        successes=is_true("e.hypertension_recorded"),
        where=f"{is_true('e.hypertension')} = 1",
    )
    counts = pd.concat(
        [early.assign(indicator=EARLY), detected.assign(indicator=DETECTED)], ignore_index=True
    ).rename(columns={"successes": "x"})
    keys = ["indicator", *group_by]
    if "imd_quintile" in group_by:
        counts["core20"] = core20_group(counts["imd_quintile"]).astype(str)
        keys = ["indicator", "core20", *group_by]
    return counts[[*keys, "x", "n"]].sort_values(keys, kind="stable", ignore_index=True)


def staged_cancer_years(source: Source) -> tuple[int, int] | None:
    """Return the first and last year of diagnosis of cancers with a recorded stage.

    Counted in the engine.

    Parameters
    ----------
    source
        A dataset, an engine, or a connection that holds the tables.

    Returns
    -------
    tuple of int, or None
        ``(first, last)`` year of diagnosis; None when no cancer has a recorded stage.
    """
    years = strata_counts(
        source,
        table="cancers",
        event_group_by=["diagnosis_year"],
        where="e.early_stage IS NOT NULL",
    )["diagnosis_year"]
    return None if years.empty else (int(years.min()), int(years.max()))


def core20_population_share(source: Source) -> float:
    """Return the proportion of residents who live in Core20 areas (national IMD quintile 1).

    Counted in the engine.

    Parameters
    ----------
    source
        A dataset, an engine, or a connection that holds the tables.

    Returns
    -------
    float
        The proportion (0 to 1); NaN when there is nobody.
    """
    quintiles = strata_counts(source, ["imd_quintile"])
    total = quintiles["n"].sum()
    core = quintiles.loc[core20_group(quintiles["imd_quintile"]) == CORE20, "n"].sum()
    return float(core / total) if total else np.nan


def ambition_percentages(counts: pd.DataFrame, group_by: Sequence[str] = ()) -> pd.DataFrame:
    """Percentages with each ambition's outcome by ``group_by``, set against the ambition.

    Method: Wilson score limits (:func:`analysis.measures.proportion`, Wilson 1927) on the
    counts summed within each indicator and ``group_by`` group, then the gap to the indicator's
    ambition, whether the interval lies below it and how many more people would need the
    outcome (:func:`~analysis.inequality.core20.ambition_gap`).

    Parameters
    ----------
    counts
        ``indicator`` (a key of ``AMBITIONS``), ``x``, ``n`` and the ``group_by`` columns, as
        :func:`ambition_counts` returns them.
    group_by
        Columns to group by within each indicator (none: the whole population).

    Returns
    -------
    pandas.DataFrame
        One row per indicator and group: the :func:`~analysis.measures.proportion` columns
        (``value`` and limits in percent) and those of
        :func:`~analysis.inequality.core20.ambition_gap`.
    """
    require_columns(counts, ["indicator", "x", "n", *group_by], what="counts")
    unknown = sorted(set(counts["indicator"]) - set(AMBITIONS))
    if unknown:
        raise InputError(
            f"indicator has values {unknown} that are not ambitions; allowed: {', '.join(AMBITIONS)}"
        )
    rates = proportion(counts, "x", "n", group_by=["indicator", *group_by], multiplier=100)
    return pd.concat(
        [ambition_gap(part, AMBITIONS[name].target) for name, part in rates.groupby("indicator")],
        ignore_index=True,
    )


def publish_ambitions(
    table: pd.DataFrame, margins: Sequence[Sequence[str]], rule: DisclosureRule | None = None
) -> pd.DataFrame:
    """Apply disclosure control to a table of :func:`ambition_percentages`.

    The people with and without the outcome (``x``, ``n - x``) and the people needed to reach
    the ambition (``additional``) are counts; the percentage, its limits and the gap derive
    from the first two (:func:`analysis.report.disclosure.apply_disclosure_control`).

    Parameters
    ----------
    table
        A table of :func:`ambition_percentages`.
    margins
        Lists of columns whose groups of rows add up to published totals (as in
        :func:`~analysis.report.disclosure.apply_disclosure_control`).
    rule
        The disclosure-control rule (default: the configuration file's).

    Returns
    -------
    pandas.DataFrame
        The table with ``without`` = ``n - x`` and the columns of
        :func:`~analysis.report.disclosure.apply_disclosure_control` (suppressed cells
        missing, a ``suppressed`` column).
    """
    return apply_disclosure_control(
        table.assign(without=table["n"] - table["x"]),
        [*_PEOPLE, "additional"],
        derived={column: _PEOPLE for column in _DERIVED},
        margins=margins,
        rule=rule,
    )


def ethnic_order(groups: pd.Series) -> list[str]:
    """Return the ethnic groups present in a column, in the standard order.

    Parameters
    ----------
    groups
        A column of ethnic group labels; missing values are ignored.

    Returns
    -------
    list of str
        The groups present, in the order of :data:`analysis.data.parameters.ETHNICITIES`,
        other labels after them in alphabetical order.
    """
    present = set(groups.dropna().astype(str))
    return [e for e in ETHNICITIES if e in present] + sorted(present - set(ETHNICITIES))


def ambition_summary(counts: pd.DataFrame, rule: DisclosureRule | None = None) -> pd.DataFrame:
    """Everyone, Core20 against other areas and each ethnic group against both ambitions.

    :func:`ambition_percentages` for the whole population (``dimension`` "Overall", ``group``
    :data:`ALL_RESIDENTS`), by ``core20`` ("Deprivation", groups named by :data:`PLACE`) and
    by ``ethnicity`` ("Ethnic group", in :func:`ethnic_order`), with disclosure control
    (:func:`publish_ambitions`; each indicator's dimension is a margin).

    Parameters
    ----------
    counts
        :func:`ambition_counts` by at least ``imd_quintile`` and ``ethnicity``.
    rule
        The disclosure-control rule (default: the configuration file's).

    Returns
    -------
    pandas.DataFrame
        One row per indicator, dimension and group: ``dimension``, ``group``, ``core20`` and
        ``ethnicity`` (where they apply) and the columns of :func:`publish_ambitions`.
    """
    require_columns(counts, ["core20", "ethnicity"], what="counts")
    order = {e: i for i, e in enumerate(ethnic_order(counts["ethnicity"]))}
    ethnic = ambition_percentages(counts, ["ethnicity"])
    ethnic = ethnic.assign(
        dimension="Ethnic group", group=ethnic["ethnicity"], order=ethnic["ethnicity"].map(order)
    ).sort_values(["indicator", "order"], kind="stable")
    place = ambition_percentages(counts, ["core20"])
    table = pd.concat(
        [
            ambition_percentages(counts).assign(dimension="Overall", group=ALL_RESIDENTS),
            place.assign(dimension="Deprivation", group=place["core20"].map(PLACE)),
            ethnic.drop(columns="order"),
        ],
        ignore_index=True,
    )
    return publish_ambitions(table, margins=[["indicator", "dimension"]], rule=rule)


def core20_by_ethnicity(counts: pd.DataFrame, rule: DisclosureRule | None = None) -> pd.DataFrame:
    """Core20 and other areas against both ambitions, in all and in each ethnic group.

    :func:`ambition_percentages` by ``core20`` (``ethnicity`` :data:`ALL_ETHNIC_GROUPS`) and
    by ``core20`` and ``ethnicity``, with disclosure control (:func:`publish_ambitions`; the
    groups of one indicator and place, and of one indicator and ethnic group, are margins).

    Parameters
    ----------
    counts
        :func:`ambition_counts` by at least ``core20`` and ``ethnicity``.
    rule
        The disclosure-control rule (default: the configuration file's).

    Returns
    -------
    pandas.DataFrame
        One row per indicator, place and ethnic group (including
        :data:`ALL_ETHNIC_GROUPS`): ``core20``, ``ethnicity`` and the columns of
        :func:`publish_ambitions`.

    Raises
    ------
    InputError
        If a needed column is missing from ``counts`` or an indicator is unknown.
    """
    table = pd.concat(
        [
            ambition_percentages(counts, ["core20"]).assign(ethnicity=ALL_ETHNIC_GROUPS),
            ambition_percentages(counts, ["core20", "ethnicity"]),
        ],
        ignore_index=True,
    )
    return publish_ambitions(
        table, margins=[["indicator", "core20"], ["indicator", "ethnicity"]], rule=rule
    )


def core20_difference(counts: pd.DataFrame, rule: DisclosureRule | None = None) -> pd.DataFrame:
    """Core20 areas minus other areas in each ambition's percentage, with disclosure control.

    Method: the difference of two proportions with Newcombe's hybrid score interval (Newcombe
    1998, *Stat Med* 17:873-890, method 10;
    :func:`analysis.measures.differences.proportion_difference`), in percentage points. The
    people with and without the outcome in both groups are counts; the difference and its
    limits derive from all of them, so a suppressed count hides the difference.

    Parameters
    ----------
    counts
        :func:`ambition_counts` by at least ``core20``.
    rule
        The disclosure-control rule (default: the configuration file's).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``indicator``: the columns of
        :func:`~analysis.measures.differences.proportion_difference`, ``without`` and
        ``reference_without``, and those of disclosure control. Indicators without both
        Core20 and other areas have no row.

    Raises
    ------
    InputError
        If a needed column is missing from ``counts``.
    """
    require_columns(counts, ["indicator", "core20", "x", "n"], what="counts")
    places = counts.groupby("indicator")["core20"].nunique()
    both = counts[counts["indicator"].isin(places.index[places == 2])]
    if both.empty:
        return pd.DataFrame(
            columns=["value", "lowercl", "uppercl"], index=pd.Index([], name="indicator")
        )
    difference = proportion_difference(
        both, "x", "n", "core20", reference=REST, group_by="indicator"
    )
    people = ["x", "n", "without", "reference_x", "reference_n", "reference_without"]
    difference = difference.assign(
        without=difference["n"] - difference["x"],
        reference_without=difference["reference_n"] - difference["reference_x"],
    )
    return apply_disclosure_control(
        difference,
        people,
        derived={column: people for column in ["value", "lowercl", "uppercl"]},
        rule=rule,
    ).set_index("indicator")


def ambition_value(table: pd.DataFrame, indicator: str, group: str, column: str = "value"):
    """Return one value of a group's row for an indicator in :func:`ambition_summary`.

    Parameters
    ----------
    table
        The table of :func:`ambition_summary`.
    indicator
        The ambition's indicator, e.g. ``"early_diagnosis"``.
    group
        The group's label in the ``group`` column.
    column
        The column to read (default ``"value"``, the percentage).

    Returns
    -------
    object
        The value; missing (``NaN``) when the group has no row (nobody at risk in it).
        Suppressed values are missing already.
    """
    rows = table[(table["indicator"] == indicator) & (table["group"] == group)]
    return np.nan if rows.empty else rows[column].iloc[0]


def lowest_group(table: pd.DataFrame, indicator: str) -> pd.Series | None:
    """Return the comparable group with the lowest published percentage of an indicator.

    Groups whose ``value`` is suppressed (missing), ethnicity :data:`NOT_STATED` and the rows
    of :data:`ALL_ETHNIC_GROUPS` are not compared. Ties go to the first row.

    Parameters
    ----------
    table
        A table of ambition percentages, e.g. :func:`core20_by_ethnicity`.
    indicator
        The ambition's indicator, e.g. ``"early_diagnosis"``.

    Returns
    -------
    pandas.Series or None
        The group's row, or None when no group is left (too few people, or every group
        suppressed).

    Raises
    ------
    InputError
        If a needed column is missing from ``table``.
    """
    require_columns(table, ["indicator", "value"], what="table")
    shown = table[(table["indicator"] == indicator) & table["value"].notna()]
    if "ethnicity" in shown:
        shown = shown[~shown["ethnicity"].isin([NOT_STATED, ALL_ETHNIC_GROUPS])]
    return None if shown.empty else shown.loc[shown["value"].idxmin()]


def shortfall_share(table: pd.DataFrame, indicator: str) -> float:
    """Core20 areas' share of the people needed to reach an indicator's ambition system-wide.

    ``additional`` of the Core20 row over that of :data:`ALL_RESIDENTS` in
    :func:`ambition_summary`.

    Parameters
    ----------
    table
        The table of :func:`ambition_summary`.
    indicator
        The ambition's indicator, e.g. ``"early_diagnosis"``.

    Returns
    -------
    float
        A proportion; NaN when either count is missing (no row, or suppressed) or nobody is
        needed.
    """
    core, total = (
        ambition_value(table, indicator, g, "additional") for g in (PLACE[CORE20], ALL_RESIDENTS)
    )
    return np.nan if pd.isna(core) or pd.isna(total) or total == 0 else float(core / total)


def groups_below(table: pd.DataFrame, indicator: str) -> tuple[int, int]:
    """Count the groups of an indicator whose interval lies wholly below its ambition.

    Parameters
    ----------
    table
        A table of :func:`ambition_summary` or :func:`core20_by_ethnicity`.
    indicator
        The ambition's indicator, e.g. ``"early_diagnosis"``.

    Returns
    -------
    tuple of int
        ``(below, shown)``: the groups with a published value whose ``comparison`` is
        "Below ambition", and all groups with a published value.
    """
    shown = table[(table["indicator"] == indicator) & table["value"].notna()]
    return int((shown["comparison"] == BELOW).sum()), len(shown)
