"""Numbers into words for the book's text: formatted values, intervals and comparisons.

Every function takes numbers already computed (and disclosure-controlled) and returns text; a
missing value -- suppressed, or not computable because a group has nobody in it -- becomes the
suppression symbol or a sentence saying so, never a number.

>>> format_number(51.63, suffix="%"), format_number(float("nan")), format_count(42406)
('51.6%', '[c]', '42,406')
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.inequality.ambitions import DETECTED, EARLY
from analysis.inequality.core20 import ABOVE, BELOW, CORE20, REST
from analysis.inequality.headlines import (
    EMERGENCY,
    PERCENT_LABELS,
    QUINTILE_LABELS,
    RATE_LABELS,
    interval_order,
)
from analysis.report.disclosure import SUPPRESSED_SYMBOL

#: Core20 groups in a sentence ("residents of Core20 areas").
IN_PLACE = {CORE20: "Core20 areas", REST: "other areas"}
#: How often, by :func:`analysis.inequality.headlines.interval_order`.
FREQUENCY = {1: "more often", -1: "less often", 0: "about as often"}
#: A value that cannot be computed on the data (not a suppressed one).
NOT_COMPUTABLE = "not computable"
#: The table cell of a value that is not defined (the RII of life expectancy).
NOT_DEFINED = "–"


def _missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def format_number(
    value: float | None, digits: int = 1, suffix: str = "", *, missing: str = SUPPRESSED_SYMBOL
) -> str:
    """``value`` with thousands separators and ``digits`` decimals; ``missing`` when missing.

    ``missing`` is the suppression symbol by default; a value that is missing because it
    cannot be computed (not because it is suppressed) should say so.

    Parameters
    ----------
    value
        The number; ``None`` or NaN is missing.
    digits
        Decimals shown.
    suffix
        Text after the number, such as ``"%"``.
    missing
        The text for a missing value.

    Returns
    -------
    str
        The formatted number, or ``missing``.
    """
    return missing if _missing(value) else f"{value:,.{digits}f}{suffix}"


def format_count(value: float | None) -> str:
    """Format a count of people with thousands separators; the symbol when missing.

    Parameters
    ----------
    value
        The count (decimals are dropped); ``None`` or NaN is missing (suppressed).

    Returns
    -------
    str
        The count, such as ``"42,406"``, or the suppression symbol.
    """
    return SUPPRESSED_SYMBOL if _missing(value) else f"{int(value):,}"


def interval_cell(row: Mapping, digits: int = 1) -> str:
    """Format the interval of ``row`` for a table cell: ``"51.6–53.0"``; the symbol when suppressed.

    Parameters
    ----------
    row
        A result row with ``value``, ``lowercl`` and ``uppercl``.
    digits
        Decimals shown.

    Returns
    -------
    str
        ``"lower–upper"``, or the suppression symbol when the value is missing.
    """
    if _missing(row["value"]):
        return SUPPRESSED_SYMBOL
    return f"{format_number(row['lowercl'], digits)}–{format_number(row['uppercl'], digits)}"


def ambition_relation(comparison: object) -> str:
    """Say where an interval lies against an ambition (``comparison`` of ``ambition_gap``).

    Parameters
    ----------
    comparison
        The ``comparison`` of a row of :func:`analysis.inequality.core20.ambition_gap`:
        below or at or above the ambition, anything else not significantly different; missing
        when no figure can be shown.

    Returns
    -------
    str
        Words to go before "the ambition": ``"below"``, ``"at or above"``, ``"not
        significantly different from"`` or ``"not comparable (no figure can be shown) with"``.
    """
    if _missing(comparison):
        return "not comparable (no figure can be shown) with"
    return {BELOW: "below", ABOVE: "at or above"}.get(
        comparison, "not significantly different from"
    )


def difference_words(difference: Mapping | None, reference: str = "other areas") -> str:
    """Describe a difference in percentage points against ``reference``.

    ``difference`` has ``value``, ``lowercl`` and ``uppercl`` (e.g. a row of
    :func:`analysis.inequality.ambitions.core20_difference`); ``"9.6 percentage points lower
    than in other areas"``, or that it is not significant (the interval includes 0), or that it
    cannot be shown (suppressed, or None: a group has nobody in it).

    Parameters
    ----------
    difference
        The difference (``value``, ``lowercl``, ``uppercl``) in percentage points, or ``None``.
    reference
        What the difference is from, in words.

    Returns
    -------
    str
        The phrase.
    """
    if difference is None or _missing(difference["value"]):
        return f"a difference from {reference} that cannot be shown ({SUPPRESSED_SYMBOL})"
    if difference["lowercl"] <= 0 <= difference["uppercl"]:
        return f"not significantly different from {reference}"
    word = "lower" if difference["value"] < 0 else "higher"
    return f"{abs(difference['value']):.1f} percentage points {word} than in {reference}"


def groups_below_words(below: int, shown: int) -> str:
    """``"7 of the 9 groups"``, or ``"all 9 groups"`` when every group shown is below.

    Parameters
    ----------
    below
        The number of groups below.
    shown
        The number of groups shown.

    Returns
    -------
    str
        The phrase.
    """
    return f"all {below} groups" if below == shown > 1 else f"{below} of the {shown} groups"


def crossed_group_words(row: Mapping | None) -> str:
    """Describe a group of Core20 crossed with ethnicity, with its percentage.

    ``"residents of Core20 areas in the Black group (35.2%)"``; when ``row`` is None (no
    group has a figure that can be shown), says so.

    Parameters
    ----------
    row
        A row with ``core20`` (:data:`analysis.inequality.core20.CORE20` or ``REST``),
        ``ethnicity`` and ``value`` (a percentage), or ``None``.

    Returns
    -------
    str
        The phrase.
    """
    if row is None:
        return "no group (every figure is suppressed or has nobody in it)"
    return (
        f"residents of {IN_PLACE[row['core20']]} in the {row['ethnicity']} group "
        f"({format_number(row['value'], suffix='%')})"
    )


def group_words(group: str) -> str:
    """Name a group of the headline gaps in a sentence (``"Asian residents"``).

    Parameters
    ----------
    group
        The ``group`` of a gap: a deprivation quintile label
        (:data:`analysis.inequality.headlines.QUINTILE_LABELS`) or an ethnic group.

    Returns
    -------
    str
        The residents of the group, in words.
    """
    if group == QUINTILE_LABELS[1]:
        return "residents of the most deprived fifth of areas"
    if group == QUINTILE_LABELS[5]:
        return "residents of the least deprived fifth"
    quintile = {label: q for q, label in QUINTILE_LABELS.items()}.get(group)
    return f"residents of deprivation quintile {quintile}" if quintile else f"{group} residents"


_RATE = (
    "at {ratio:.2f} times the rate of {ref}, age for age ({value:,.0f} against "
    "{reference_value:,.0f} per 100,000 person-years)."
)
#: Headline sentence templates by indicator (:mod:`analysis.inequality.headlines`).
HEADLINE_SENTENCES = {
    RATE_LABELS["cvd_mortality"]: "{Who} die from CVD " + _RATE,
    RATE_LABELS["cancer_mortality"]: "{Who} die from cancer " + _RATE,
    RATE_LABELS["cancer_incidence"]: "{Who} are diagnosed with cancer " + _RATE,
    EMERGENCY: "{value:.1f}% of cancers among {who} present as an emergency, against "
    "{reference_value:.1f}% among {ref} with the same case mix ({ratio:.2f} times as often).",
    PERCENT_LABELS[EARLY]: "{value:.1f}% of cancers with a known stage among {who} are found at "
    "stage 1 or 2, against {reference_value:.1f}% among {ref}: {ratio:.2f} times as many are "
    "found late.",
    PERCENT_LABELS[DETECTED]: "{value:.1f}% of {who} with high blood pressure are on a GP "
    "register, against {reference_value:.1f}% of {ref}: {ratio:.2f} times as many are "
    "undiagnosed.",
}


def headline_sentence(gap: Mapping) -> str:
    """Describe one ranked gap (a row of :func:`analysis.inequality.headlines.largest_gaps`).

    Parameters
    ----------
    gap
        A row with ``indicator``, ``group``, ``reference``, ``value``, ``reference_value`` and
        ``ratio``; the indicator chooses the sentence (:data:`HEADLINE_SENTENCES`).

    Returns
    -------
    str
        One sentence, such as "Residents of the most deprived fifth of areas die from CVD at
        2.10 times the rate of ...".
    """
    who = group_words(gap["group"])
    return HEADLINE_SENTENCES[gap["indicator"]].format(
        Who=who[0].upper() + who[1:],
        who=who,
        ref=group_words(gap["reference"]),
        ratio=gap["ratio"],
        value=gap["value"],
        reference_value=gap["reference_value"],
    )


def numbered_list(items: list[str], empty: str) -> str:
    """Return a Markdown numbered list of ``items``; ``empty`` (a sentence) when there are none.

    Parameters
    ----------
    items
        The items, each one line of text.
    empty
        The text returned when there are no items.

    Returns
    -------
    str
        The list, one ``"1. item"`` a line, or ``empty``.
    """
    if not items:
        return empty
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, start=1))


def direction_words(
    lower: float,
    upper: float,
    words: Mapping[int, str],
    *,
    missing: str,
    other_lower: float = 0.0,
    other_upper: float = 0.0,
) -> str:
    """Say which way an interval lies from another (from zero by default).

    ``words`` maps the result of :func:`analysis.inequality.headlines.interval_order` (1
    above, -1 below, 0 overlapping) to text; ``missing`` is the text when a limit is missing
    (suppressed, or not computable).

    Parameters
    ----------
    lower
        The interval's lower limit.
    upper
        The interval's upper limit.
    words
        Text by order: ``1`` above, ``-1`` below, ``0`` overlapping.
    missing
        The text when any limit is missing.
    other_lower
        The lower limit of the interval compared with (default: the point zero).
    other_upper
        Its upper limit.

    Returns
    -------
    str
        ``words`` of the order, or ``missing``.
    """
    limits = [lower, upper, other_lower, other_upper]
    if any(_missing(v) for v in limits):
        return missing
    return words[interval_order(*limits)]


def compare_frequency(group: Mapping, other: Mapping) -> str:
    """How often a group is in a state compared with another, from their intervals.

    ``"more often"`` or ``"less often"`` when the intervals (``lowercl``, ``uppercl``) do not
    overlap (:func:`analysis.inequality.headlines.interval_order`), ``"about as often"`` when
    they do, and a phrase saying no comparison can be made when a limit is missing.

    Parameters
    ----------
    group
        The group's row, with ``lowercl`` and ``uppercl``.
    other
        The row of the group it is compared with.

    Returns
    -------
    str
        The phrase.
    """
    return direction_words(
        group["lowercl"],
        group["uppercl"],
        FREQUENCY,
        missing="no more or less often, as far as can be shown (a figure is suppressed),",
        other_lower=other["lowercl"],
        other_upper=other["uppercl"],
    )


def largest_words(row: Mapping | None) -> str:
    """Name the measure with the largest RII and give it: ``"CVD deaths (2.64)"``.

    ``row`` is from :func:`analysis.inequality.headlines.largest_relative_gap`; when None (no
    RII could be computed), says so.

    Parameters
    ----------
    row
        The row with ``name`` and ``rii_value``, or ``None``.

    Returns
    -------
    str
        The phrase.
    """
    if row is None:
        return "no measure (no RII can be computed on these data)"
    return f"{row['name']} ({row['rii_value']:.2f})"


def concentration_words(row: Mapping | None) -> str:
    """Describe the segment most over-represented in Core20 areas.

    ``row`` is from :func:`analysis.segmentation.core20.most_concentrated`: ``"Mental health
    conditions", with 1.26 times the age-standardised share of other areas``; when None (no
    ratio can be shown), says so.

    Parameters
    ----------
    row
        The row with ``segment_label`` and ``ratio``, or ``None``.

    Returns
    -------
    str
        The phrase.
    """
    if row is None:
        return "not known: no segment's share can be shown for both Core20 and other areas"
    return (
        f'"{row["segment_label"]}", with {row["ratio"]:.2f} times the age-standardised share '
        "of other areas"
    )


def ethnic_group_words(row: Mapping | None) -> str:
    """Name the ethnic group of ``row`` (``"the Black group"``); say so when there is none.

    Parameters
    ----------
    row
        A row with ``group``, or ``None``.

    Returns
    -------
    str
        The phrase.
    """
    if row is None:
        return "the ethnic group with the lowest figure (none can be shown on these data)"
    return f"the {row['group']} group"


def gradient_cells(summary: pd.DataFrame) -> pd.DataFrame:
    """Format :func:`analysis.inequality.headlines.gradient_summary` as table text.

    Each measure's values and SII in its own ``digits``, the RII in 2 decimals, intervals as
    ``"lower to upper"``; :data:`NOT_DEFINED` where no RII is published or a value cannot be
    computed (these values are not disclosure-controlled, so a gap is never a suppression).

    Parameters
    ----------
    summary
        One row a measure: ``measure``, ``digits``, ``most``, ``least``, ``sii_value``,
        ``sii_lowercl``, ``sii_uppercl``, ``rii_value``, ``rii_lowercl`` and ``rii_uppercl``.

    Returns
    -------
    DataFrame
        One row a measure, all text: ``measure``, ``most`` and ``least`` (the values in the
        most and least deprived groups), ``sii`` and ``sii_ci``, ``rii`` and ``rii_ci``.
    """

    def cell(value: float, digits: int) -> str:
        return format_number(value, digits, missing=NOT_DEFINED)

    rows = []
    for r in summary.to_dict("records"):
        d = r["digits"]
        rii = not _missing(r["rii_value"])
        rows.append(
            {
                "measure": r["measure"],
                "most": cell(r["most"], d),
                "least": cell(r["least"], d),
                "sii": cell(r["sii_value"], d),
                "sii_ci": f"{cell(r['sii_lowercl'], d)} to {cell(r['sii_uppercl'], d)}",
                "rii": cell(r["rii_value"], 2) if rii else NOT_DEFINED,
                "rii_ci": f"{cell(r['rii_lowercl'], 2)} to {cell(r['rii_uppercl'], 2)}"
                if rii
                else NOT_DEFINED,
            }
        )
    return pd.DataFrame(
        rows, columns=["measure", "most", "least", "sii", "sii_ci", "rii", "rii_ci"]
    )
