"""Statistical disclosure control for published tables and figure labels.

The rule follows NHS England / NHS Digital practice for health statistics derived from patient
records (NHS Digital, *Disclosure control method for publications*, and the ONS/GSS
*Statistical disclosure control for tables produced from administrative data*, 2014):

1. **Primary suppression**: counts from ``min_count`` to ``max_count`` (1 to 7 by default) are
   suppressed. Zero is published (it discloses nothing about an individual).
2. **Derived values**: rates, percentages and other values computed from a suppressed count in the
   same row are suppressed too.
3. **Secondary suppression**: where a row belongs to a group whose total is published (a margin:
   for example all ethnic groups of one area), a single suppressed cell could be recovered by
   subtraction. In every margin group with exactly one suppressed cell, the smallest other cell is
   suppressed as well; this repeats over all margins until nothing changes.
4. **Rounding** (optional): remaining counts are rounded to the nearest ``rounding_base``
   (5 where configured).

The rule is configurable: the ``disclosure:`` section of the configuration file
(:mod:`analysis.config`) sets ``min_count``, ``max_count`` and ``rounding_base``, and
:func:`apply_disclosure_control` uses it unless given a ``rule``. The book's render checks every
published page for counts the rule forbids (:mod:`analysis.book.disclosure_check`).

Suppressed cells become missing values, and the column ``suppressed`` lists what was suppressed
in each row, so that a table shows ``[c]`` (the GSS symbol for *confidential*) rather than a
number. The functions are vectorised over groups; only the secondary-suppression pass repeats,
and it stops as soon as a pass changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.validation import InputError, check_counts, require_columns

#: Symbol shown for a suppressed cell (Government Statistical Service: "[c]" = confidential).
SUPPRESSED_SYMBOL = "[c]"


@dataclass(frozen=True)
class DisclosureRule:
    """Configurable disclosure-control rule (defaults: suppress 1-7, no rounding).

    >>> DisclosureRule(rounding_base=5).describe()
    'counts of 1 to 7 are suppressed ([c]), with values derived from them and enough other cells to stop them being recovered from totals; other counts are rounded to the nearest 5'
    """

    min_count: int = 1
    max_count: int = 7
    rounding_base: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.min_count <= self.max_count:
            raise InputError(
                f"disclosure rule: need 1 <= min_count <= max_count, got "
                f"min_count={self.min_count}, max_count={self.max_count}"
            )
        if self.rounding_base is not None and self.rounding_base < 1:
            raise InputError(
                f"disclosure rule: rounding_base must be a positive whole number or None, "
                f"got {self.rounding_base!r}"
            )

    def describe(self) -> str:
        """One sentence, for footnotes under published tables."""
        text = (
            f"counts of {self.min_count} to {self.max_count} are suppressed ({SUPPRESSED_SYMBOL}), "
            "with values derived from them and enough other cells to stop them being recovered "
            "from totals"
        )
        if self.rounding_base:
            text += f"; other counts are rounded to the nearest {self.rounding_base}"
        return text


def configured_rule() -> DisclosureRule:
    """The rule in the configuration file's ``disclosure:`` section (the defaults without one).

    >>> isinstance(configured_rule(), DisclosureRule)
    True
    """
    from analysis.config import load_config  # here: analysis.config imports this module

    return load_config().disclosure


def apply_disclosure_control(
    table: pd.DataFrame,
    counts: Sequence[str],
    *,
    derived: Mapping[str, Sequence[str]] | None = None,
    margins: Sequence[Sequence[str]] = (),
    rule: DisclosureRule | None = None,
) -> pd.DataFrame:
    """Return a copy of ``table`` that is safe to publish under ``rule``.

    Parameters
    ----------
    table
        Aggregate table, one row per published cell group.
    counts
        Count columns to check (numbers of people or events).
    derived
        Maps each derived column (rate, percentage, confidence limit) to the count columns it
        is computed from; it is suppressed wherever one of those is suppressed.
    margins
        Each entry lists the columns whose values identify a group of rows that adds up to a
        published total (e.g. ``[["area"], ["ethnicity"]]`` for an area-by-ethnicity table
        with totals both ways); an empty entry (``[]``) means that all rows add up to a
        published total. Secondary suppression protects every such group.
    rule
        The :class:`DisclosureRule` (default: :func:`configured_rule`, the configuration
        file's ``disclosure:`` section; without one, suppress 1-7 and do not round).

    Returns
    -------
    DataFrame
        The table with suppressed cells missing (counts become nullable ``Int64``), rounded
        counts where configured, and a ``suppressed`` column naming the suppressed columns of
        each row ("" where none).

    Examples
    --------
    >>> t = pd.DataFrame({"area": ["A", "A", "A"], "group": ["x", "y", "z"],
    ...                   "deaths": [3, 40, 52], "rate": [1.2, 16.0, 20.8]})
    >>> apply_disclosure_control(t, ["deaths"], derived={"rate": ["deaths"]},
    ...                          margins=[["area"]])[["deaths", "rate", "suppressed"]]
       deaths  rate   suppressed
    0    <NA>   NaN  deaths,rate
    1    <NA>   NaN  deaths,rate
    2      52  20.8
    """
    rule = rule or configured_rule()
    derived = dict(derived or {})
    require_columns(table, [*counts, *derived, *(c for m in margins for c in m)], what="table")
    for source in (c for sources in derived.values() for c in sources):
        if source not in counts:
            raise InputError(
                f"derived columns must name count columns listed in counts={list(counts)}; "
                f"got {source!r}"
            )
    if not counts:
        raise InputError("name at least one count column to check for small numbers")

    out = table.copy()
    values = {c: check_counts(out, c) for c in counts}
    hidden = {c: (values[c] >= rule.min_count) & (values[c] <= rule.max_count) for c in counts}
    _secondary_suppression(out, values, hidden, margins)

    labels = np.full(len(out), "", dtype=object)
    for column in counts:
        mask = hidden[column]
        kept = values[column]
        if rule.rounding_base:
            kept = np.round(kept / rule.rounding_base) * rule.rounding_base
        out[column] = pd.array(np.where(mask, 0, kept).astype("int64"), dtype="Int64")
        out.loc[mask, column] = pd.NA
        labels = _append_label(labels, mask, column)
    for column, sources in derived.items():
        mask = np.logical_or.reduce([hidden[s] for s in sources])
        out[column] = out[column].astype("float64").mask(mask)
        labels = _append_label(labels, mask, column)
    out["suppressed"] = labels
    return out


def _append_label(labels: np.ndarray, mask: np.ndarray, column: str) -> np.ndarray:
    joined = np.where(labels == "", column, labels + "," + column)
    return np.where(mask, joined, labels)


def _secondary_suppression(
    table: pd.DataFrame,
    values: dict[str, np.ndarray],
    hidden: dict[str, np.ndarray],
    margins: Sequence[Sequence[str]],
) -> None:
    """Suppress the smallest other cell of every margin group with one suppressed cell.

    Updates ``hidden`` in place; repeats until a full pass over all margins changes nothing.
    """
    group_codes = [
        table.groupby(list(m), sort=False, dropna=False).ngroup().to_numpy()
        if m
        else np.zeros(len(table), dtype="int64")  # the whole table adds up to a total
        for m in margins
    ]
    changed = True
    while changed:
        changed = False
        for codes in group_codes:
            for column, mask in hidden.items():
                n_hidden = np.bincount(codes, weights=mask, minlength=codes.max() + 1)
                sizes = np.bincount(codes, minlength=codes.max() + 1)
                exposed_groups = (n_hidden == 1) & (sizes > 1)
                if not exposed_groups[codes].any():
                    continue
                candidates = exposed_groups[codes] & ~mask
                # smallest unsuppressed cell per exposed group (ties: first row)
                order = np.lexsort((np.arange(len(codes)), values[column], ~candidates, codes))
                first_of_group = np.r_[True, codes[order][1:] != codes[order][:-1]]
                pick = order[first_of_group & candidates[order]]
                mask[pick] = True
                changed = True


def format_suppressed(table: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Show suppressed (missing) cells of ``columns`` as ``[c]`` for display in a table.

    >>> format_suppressed(pd.DataFrame({"n": pd.array([5, None], dtype="Int64")}))["n"].tolist()
    ['5', '[c]']
    """
    out = table.copy()
    for column in columns if columns is not None else out.columns:
        out[column] = out[column].map(
            lambda v: (
                SUPPRESSED_SYMBOL
                if pd.isna(v)
                else f"{v:,}"
                if isinstance(v, int | np.integer)
                else v
            )
        )
    return out
