"""Which population segments are concentrated in Core20 areas, age for age.

From the people of each segment counted by age band and deprivation quintile (in the engine,
:func:`analysis.data.chapter_aggregates.class_counts`), :func:`core20_segment_shares` gives
the age-standardised percentage of the residents of Core20 areas and of other areas in each
segment, disclosure-controlled; :func:`segment_concentration` sets the two side by side with
their ratio, and :func:`most_concentrated` picks the segment most over-represented in Core20
areas.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.inequality.core20 import CORE20, REST, core20_group
from analysis.report.disclosure import DisclosureRule, apply_disclosure_control
from analysis.segmentation.inequality import segment_shares
from analysis.validation import require_columns


def core20_segment_shares(
    counted: pd.DataFrame,
    segment: str = "segment",
    *,
    n: str = "n",
    rule: DisclosureRule | None = None,
) -> pd.DataFrame:
    """Age-standardised % of the residents of Core20 and of other areas in each ``segment``.

    Method: :func:`analysis.segmentation.segment_shares` (directly standardised to the
    European Standard Population 2013 per 100 people, Dobson et al. 1991 limits) by
    :func:`~analysis.inequality.core20.core20_group`, then disclosure control of the people in
    each segment (``total_count``), the percentage and its limits deriving from them; the
    segments of one place add up to its residents (a margin).

    Parameters
    ----------
    counted
        One row per stratum: ``segment`` (or any other grouping of people, e.g. a true/false
        ``high_need``), ESP 2013 ``age_band``, ``imd_quintile`` and the number of people in
        ``n``.
    segment
        The column of the segments.
    n
        The column of people (the denominator, as in
        :func:`~analysis.segmentation.segment_shares`).
    rule
        The disclosure-control rule (default: the configuration file's).

    Returns
    -------
    pandas.DataFrame
        ``core20``, ``segment`` and the columns of :func:`~analysis.segmentation.segment_shares`,
        after :func:`~analysis.report.disclosure.apply_disclosure_control`.
    """
    require_columns(counted, [segment, "age_band", "imd_quintile", n], what="counted")
    places = counted.assign(core20=core20_group(counted["imd_quintile"]).astype(str))
    shares = segment_shares(places, segment=segment, group_by=["core20"], n=n)
    shares["total_count"] = shares["total_count"].astype("int64")
    return apply_disclosure_control(
        shares,
        ["total_count"],
        derived={c: ["total_count"] for c in ["value", "lowercl", "uppercl"]},
        margins=[["core20"]],
        rule=rule,
    )


def segment_concentration(shares: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Set each segment's share in Core20 areas beside that in other areas, with their ratio.

    Parameters
    ----------
    shares
        :func:`core20_segment_shares` by ``segment``.
    segments
        One row per segment with ``segment`` and its description (e.g.
        :attr:`PeopleSegmentation.segments`).

    Returns
    -------
    pandas.DataFrame
        ``segments`` with ``value_Core20``, ``lowercl_Core20``, ``uppercl_Core20``, the same
        for ``Rest`` (missing where suppressed or nobody is in the place) and ``ratio`` =
        ``value_Core20 / value_Rest``, how many times the share of other areas Core20 areas
        have (missing when either share is).
    """
    require_columns(shares, ["segment", "core20", "value", "lowercl", "uppercl"], what="shares")
    wide = shares.pivot(index="segment", columns="core20", values=["value", "lowercl", "uppercl"])
    wide.columns = [f"{stat}_{place}" for stat, place in wide.columns]
    out = segments.set_index("segment").join(wide).reset_index()
    for stat in ["value", "lowercl", "uppercl"]:
        for place in (CORE20, REST):
            if f"{stat}_{place}" not in out:
                out[f"{stat}_{place}"] = float("nan")
    out["ratio"] = out[f"value_{CORE20}"] / out[f"value_{REST}"]
    return out


def most_concentrated(table: pd.DataFrame) -> pd.Series | None:
    """Return the segment most concentrated in Core20 areas.

    Parameters
    ----------
    table
        the table of :func:`segment_concentration`.

    Returns
    -------
    pandas.Series or None
        The row with the largest ``ratio``; None when no segment has one.
    """
    known = table[table["ratio"].notna()]
    return None if known.empty else known.loc[known["ratio"].idxmax()]


def high_need_shares(
    counted: pd.DataFrame,
    high_need_segments: Sequence[int],
    *,
    n: str = "n",
    rule: DisclosureRule | None = None,
) -> pd.DataFrame:
    """Age-standardised % of the residents of Core20 and other areas in a high-need segment.

    :func:`core20_segment_shares` of the segments in ``high_need_segments`` together (``counted``
    by ``segment``).

    Parameters
    ----------
    counted
        One row per stratum: ``segment``, ESP 2013 ``age_band``, ``imd_quintile`` and the
        number of people in ``n``.
    high_need_segments
        The segments that together make the high-need group.
    n
        The column of people.
    rule
        The disclosure-control rule (default: the configuration file's).

    Returns
    -------
    pandas.DataFrame
        The rows of the high-need group, indexed by ``core20``.
    """
    require_columns(counted, ["segment"], what="counted")
    flagged = counted.assign(high_need=counted["segment"].isin(list(high_need_segments)))
    shares = core20_segment_shares(flagged.drop(columns="segment"), "high_need", n=n, rule=rule)
    return shares[shares["high_need"]].set_index("core20")
