"""Statistical disclosure control for published tables and figure labels.

The rule follows NHS England / NHS Digital practice for health statistics derived from patient
records (NHS Digital, *Disclosure control method for publications*, and the ONS/GSS
*Statistical disclosure control for tables produced from administrative data*, 2014), applied to
all tables published together, because tables that share a total can be subtracted from one
another (Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, ch. 4: "linked
tables"):

1. **Primary suppression**: counts from ``min_count`` to ``max_count`` (1 to 7 by default) are
   suppressed. Zero is published (it discloses nothing about an individual). Populations and
   person-years are counts too.
2. **Derived values**: rates, percentages and other values computed from a suppressed count in the
   same row are suppressed too.
3. **Complements**: where one count is part of another (deaths from CVD of all deaths, people
   with a recorded diagnosis of people with the condition), the difference is a count as well
   (deaths from other causes, people without a record); when it is from ``min_count`` to
   ``max_count`` its smallest non-zero part is suppressed (the whole, where every part is
   zero). The parts and their difference add up to the whole: a margin group (rule 4) whose
   total is a published cell, so a small whole cannot bound its suppressed parts.
4. **Secondary suppression**: the cells of a *margin group* add up to a total that is published
   or can be derived (all ethnic groups of one area; all levels of one breakdown, whose total
   is the same in every other breakdown of the same count). A cell that is one and the same
   count in several tables (the person-years of women appear in every rate table by sex) is
   suppressed in all of them. In every margin group that holds suppressed cells, more cells are
   suppressed, the smallest *non-zero* count first (suppressing a zero hides nothing), until
   (a) at least two cells are suppressed and (b) the suppressed cells add up to more than
   ``max_count`` plus ``min_count`` for each suppressed cell beyond the first (a difference
   of rule 3, never published, counts as possibly zero). Then no
   suppressed cell can be shown, from that group's total, to lie within ``min_count`` to
   ``max_count``: with the other suppressed cells at their smallest possible value, it could be
   ``max_count + 1`` or more. Where no non-zero cell is left in such a group and its total is a
   cell (a whole and its parts), the total is suppressed. This repeats over all groups until
   nothing changes. So no suppressed cell is ever zero, and an intruder who knows it still
   cannot confine a small one. A group whose total is itself a small count cannot be protected
   inside the table: suppress that total where it is published.
5. **Checked by linear programming**: groups that share cells (the rows and columns of a
   two-way table, parts of a whole) can together narrow a cell that each group alone
   protects. For every suppressed small count, the largest value the published cells and the
   group totals allow is found by linear programming (:mod:`analysis.report.disclosure_audit`);
   where it is below ``max_count + 1``, the smallest non-zero cell of that count's groups (or
   of the groups one step further) is suppressed too and rules 4 and 5 repeat. What cannot be
   protected because published totals themselves give a count away is reported with a
   warning.
6. **Rounding** (optional): remaining counts are rounded to the nearest ``rounding_base``
   (5 where configured).

:func:`apply_disclosure_control` protects one table; :func:`apply_joint_disclosure_control`
protects several tables published together (the indicator command's output, or a chapter's
tables that break down the same counts in different ways). ``tests/report/
test_disclosure_attack.py`` checks the result as an intruder would: it solves the published
tables of whole indicator runs together by linear programming and finds that no suppressed
small count can be confined to ``min_count`` to ``max_count``.

The rule is configurable: the ``disclosure:`` section of the configuration file
(:mod:`analysis.config`) sets ``min_count``, ``max_count`` and ``rounding_base``, and both
functions use it unless given a ``rule``. The book's render checks every published page for
counts the rule forbids (:mod:`analysis.book.disclosure_check`).

Suppressed cells become missing values, and the column ``suppressed`` lists what was suppressed
in each row, so that a table shows ``[c]`` (the GSS symbol for *confidential*) rather than a
number. The functions are vectorised over groups; only the secondary-suppression pass repeats,
and it stops as soon as a pass changes nothing.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.report.disclosure_audit import largest_values
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
    """Return the rule in the configuration file's ``disclosure:`` section (the defaults without one).

    >>> isinstance(configured_rule(), DisclosureRule)
    True
    """
    from analysis.config import load_config  # here: analysis.config imports this module

    return load_config().disclosure


@dataclass(frozen=True)
class TableCounts:
    """One table to publish, with what its count columns count.

    Parameters
    ----------
    table
        Aggregate table, one row per published cell group.
    counts
        Count columns to check, each mapped to the *quantity* it counts (e.g.
        ``{"deaths": "deaths", "population": "person-years"}``); a list means each column is its
        own quantity. Columns of different tables that count the same quantity for the same
        ``keys`` values are one cell, suppressed everywhere alike.
    keys
        Columns identifying a row's cell of each quantity across tables (e.g. ``["sex"]``, or
        ``["breakdown", "level"]``); without keys a row's cells belong to this table only.
    derived
        Maps each derived column (rate, percentage, confidence limit) to the count columns it
        is computed from; it is suppressed wherever one of those is suppressed.
    margins
        Each entry lists the columns whose values identify a group of rows that adds up to a
        published or derivable total; an empty entry (``[]``) means all rows of the table add
        up to one. Secondary suppression protects every such group.
    fractional
        Count columns that need not be whole numbers (person-years, with half a year for the
        year of death); a value above ``min_count - 1`` and below ``max_count + 1`` is small.
    """

    table: pd.DataFrame
    counts: Mapping[str, str] | Sequence[str]
    keys: Sequence[str] = ()
    derived: Mapping[str, Sequence[str]] = field(default_factory=dict)
    margins: Sequence[Sequence[str]] = ((),)
    fractional: Sequence[str] = ()

    def quantities(self) -> dict[str, str]:
        """Count column -> quantity."""
        if isinstance(self.counts, Mapping):
            return dict(self.counts)
        return {c: c for c in self.counts}


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
        Count columns to check (numbers of people or events, populations).
    derived
        Maps each derived column (rate, percentage, confidence limit) to the count columns it
        is computed from; it is suppressed wherever one of those is suppressed.
    margins
        Each entry lists the columns whose values identify a group of rows that adds up to a
        published total (e.g. ``[["area"], ["ethnicity"]]`` for an area-by-ethnicity table
        with totals both ways); an empty entry (``[]``) means that all rows add up to a
        published total. Secondary suppression protects every such group (see the module
        documentation for the rule). Tables published together that share totals need
        :func:`apply_joint_disclosure_control` instead.
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
    >>> t = pd.DataFrame({"area": ["A", "A", "A", "A"], "group": ["w", "x", "y", "z"],
    ...                   "deaths": [3, 0, 40, 52], "rate": [1.2, 0.0, 16.0, 20.8]})
    >>> out = apply_disclosure_control(t, ["deaths"], derived={"rate": ["deaths"]},
    ...                                margins=[["area"]])
    >>> out["deaths"].tolist(), out["suppressed"].tolist()
    ([<NA>, 0, <NA>, 52], ['deaths,rate', '', 'deaths,rate', ''])
    """
    spec = TableCounts(table, list(counts), derived=dict(derived or {}), margins=margins)
    return _control({"table": spec}, (), rule, published_totals=True)["table"]


def apply_joint_disclosure_control(
    tables: Mapping[str, TableCounts],
    *,
    parts: Sequence[tuple[str, Sequence[str]]] = (),
    rule: DisclosureRule | None = None,
) -> dict[str, pd.DataFrame]:
    """Protect tables published together, so that none can be subtracted from another.

    Parameters
    ----------
    tables
        The tables by name, each with its count columns, keys, derived columns and margins
        (:class:`TableCounts`).
    parts
        ``(whole, [part, ...])`` pairs of quantities where the parts are contained in the whole
        (``("deaths", ["cvd_deaths"])``): the difference, for the same keys, is a count too
        (rule 3 of the module documentation).
    rule
        The :class:`DisclosureRule` (default: :func:`configured_rule`).

    Returns
    -------
    dict of DataFrame
        Each table as :func:`apply_disclosure_control` returns it.

    Notes
    -----
    A table's margins add up to totals that need not be published: a total is known where a
    table publishes it (a totals table whose keys are the margin columns), or where all cells
    of one of the groups adding up to it are published; groups of the same quantity and margin
    values share it. A warning says when a small count remains confined by published totals.

    Examples
    --------
    Deaths by sex and by ethnicity add up to the same total: the 5 "Other" deaths could be
    recovered from the sex table unless a second ethnic group is suppressed too.

    >>> by_sex = pd.DataFrame({"sex": ["F", "M"], "deaths": [140, 122]})
    >>> by_ethnicity = pd.DataFrame({"ethnicity": ["Asian", "Other", "White"],
    ...                              "deaths": [58, 5, 199]})
    >>> out = apply_joint_disclosure_control({
    ...     "sex": TableCounts(by_sex, {"deaths": "deaths"}, keys=["sex"]),
    ...     "ethnicity": TableCounts(by_ethnicity, {"deaths": "deaths"}, keys=["ethnicity"]),
    ... })
    >>> out["ethnicity"]["deaths"].tolist()
    [<NA>, <NA>, 199]
    """
    return _control(tables, parts, rule, published_totals=False)


def _control(
    tables: Mapping[str, TableCounts],
    parts: Sequence[tuple[str, Sequence[str]]],
    rule: DisclosureRule | None,
    *,
    published_totals: bool,
) -> dict[str, pd.DataFrame]:
    rule = rule or configured_rule()
    cells = _Cells.build(tables, parts, rule, published_totals=published_totals)
    hidden = cells.suppress(rule)
    return {name: cells.publish(name, spec, hidden, rule) for name, spec in tables.items()}


@dataclass
class _Cells:
    """The distinct count cells of a set of tables, their margin groups and ties."""

    value: np.ndarray  # smallest published value of each cell
    primary: np.ndarray  # small count: suppressed whatever else happens
    member_group: np.ndarray  # (group, cell) membership pairs
    member_cell: np.ndarray
    tie_from: np.ndarray  # suppressing tie_from suppresses tie_to
    tie_to: np.ndarray
    total_group: np.ndarray  # groups whose total is itself a cell (a whole and its parts)
    total_cell: np.ndarray
    margin_groups: int  # groups 0 .. margin_groups - 1 are the tables' own margins
    free_total: np.ndarray  # per group: -1 total published, -2 total is a cell (total_cell),
    # >= 0 an unknown total shared by the groups of that number
    row_cells: dict[tuple[str, str], np.ndarray]  # (table, count column) -> cell of each row
    published: int  # cells 0 .. published - 1 are in tables; the rest are differences

    def smallest(self, rule: DisclosureRule) -> np.ndarray:
        """Return the least a suppressed cell can be: ``min_count`` for a published count (zeros are published), 0 for a difference (never published)."""
        return np.where(np.arange(len(self.value)) < self.published, rule.min_count, 0.0)

    @classmethod
    def build(
        cls,
        tables: Mapping[str, TableCounts],
        parts: Sequence[tuple[str, Sequence[str]]],
        rule: DisclosureRule,
        *,
        published_totals: bool,
    ) -> _Cells:
        frames, memberships = [], []
        for name, spec in tables.items():
            quantities = spec.quantities()
            _check_spec(name, spec, quantities)
            for column, quantity in quantities.items():
                values = check_counts(spec.table, column, integer=column not in spec.fractional)
                frames.append(
                    pd.DataFrame(
                        {
                            "table": name,
                            "column": column,
                            "row": np.arange(len(values)),
                            "quantity": quantity,
                            "tail": _tail(name, spec),
                            "value": values,
                        }
                    )
                )
                for index, margin in enumerate(spec.margins):
                    codes = (
                        spec.table.groupby(list(margin), sort=False, dropna=False).ngroup()
                        if margin
                        else pd.Series(0, index=spec.table.index)
                    )
                    memberships.append(
                        pd.DataFrame(
                            {
                                "group": f"{name}\x1f{index}\x1f{column}\x1f"
                                + codes.astype(str).to_numpy(),
                                "table": name,
                                "column": column,
                                "row": np.arange(len(values)),
                                "total": _total_key(quantity, spec.table, margin),
                            }
                        )
                    )
        rows = pd.concat(frames, ignore_index=True)
        rows["cell"] = rows.groupby(["quantity", "tail"], sort=False).ngroup()
        value = rows.groupby("cell")["value"].min().to_numpy()
        small = _small(rows["value"].to_numpy(), rule)
        primary = pd.Series(small).groupby(rows["cell"].to_numpy()).any().to_numpy()
        members = pd.concat(memberships, ignore_index=True) if memberships else None
        if members is not None:
            members = members.merge(rows[["table", "column", "row", "cell"]], how="left")
            member_group = members["group"].factorize()[0]
            member_cell = members["cell"].to_numpy()
            totals = members.groupby(member_group)["total"].first()
        else:
            member_group = member_cell = np.zeros(0, dtype="int64")
            totals = pd.Series(dtype=object)
        # a group's total is a cell where a table publishes that number under those keys (a
        # totals table), otherwise published (one table) or unknown, shared by the groups of
        # the same number and keys (tables published together)
        named = pd.Series(rows["cell"].to_numpy(), index=rows["quantity"] + "\x1f" + rows["tail"])
        named = named[~named.index.duplicated()]
        total_cells = totals.map(named) if not published_totals else totals.map(lambda _: np.nan)
        as_cell = total_cells.notna().to_numpy()
        free = np.where(as_cell, -2, -1 if published_totals else totals.factorize()[0])
        cells = cls(
            value=value,
            primary=primary,
            member_group=member_group,
            member_cell=member_cell,
            tie_from=np.zeros(0, dtype="int64"),
            tie_to=np.zeros(0, dtype="int64"),
            total_group=np.flatnonzero(as_cell),
            total_cell=total_cells[as_cell].to_numpy(dtype="int64"),
            margin_groups=int(member_group.max()) + 1 if len(member_group) else 0,
            free_total=free.astype("int64"),
            row_cells={
                key: frame["cell"].to_numpy() for key, frame in rows.groupby(["table", "column"])
            },
            published=len(value),
        )
        cell_keys = rows.drop_duplicates("cell")[["cell", "quantity", "tail"]]
        for whole, components in parts:
            cells._add_complement(cell_keys, whole, list(components), rule)
        return cells

    def _add_complement(
        self, cell_keys: pd.DataFrame, whole: str, components: list[str], rule: DisclosureRule
    ) -> None:
        """Add the cells ``whole - sum(components)`` (same keys) as unpublished counts."""
        if not components:
            raise InputError(f"parts: ({whole!r}, []) names no part of {whole!r}")
        by_tail = cell_keys.pivot_table(
            index="tail", columns="quantity", values="cell", aggfunc="first"
        )
        needed = [whole, *components]
        if not set(needed) <= set(by_tail.columns):
            return  # not all of these quantities are published: nothing to subtract
        both = by_tail[needed].dropna().astype("int64")
        if both.empty:
            return
        whole_cells = both[whole].to_numpy()
        part_cells = both[components].to_numpy()
        difference = self.value[whole_cells] - self.value[part_cells].sum(axis=1)
        if (difference < 0).any():
            raise InputError(
                f"parts: {' + '.join(components)} exceed {whole} for "
                f"{list(both.index[difference < 0][:5])}; they cannot be parts of it"
            )
        new = len(self.value) + np.arange(len(both))
        self.value = np.r_[self.value, difference]
        self.primary = np.r_[self.primary, _small(difference, rule)]
        # the difference is unknown once its whole or a part is suppressed; suppressing the
        # difference means suppressing its smallest non-zero part (a suppressed zero would
        # hide nothing), or the whole where every part is zero
        sources = np.c_[whole_cells, part_cells]
        nonzero = np.where(self.value[part_cells] > 0, self.value[part_cells], np.inf)
        smallest = part_cells[np.arange(len(part_cells)), nonzero.argmin(axis=1)]
        target = np.where(np.isinf(nonzero.min(axis=1)), whole_cells, smallest)
        self.tie_from = np.r_[self.tie_from, sources.ravel(), new]
        self.tie_to = np.r_[self.tie_to, np.repeat(new, sources.shape[1]), target]
        # the differences add up over the tables' margin groups of the whole, where every cell
        # of the group has its difference
        of_whole = pd.Series(new, index=whole_cells)
        group, cell = self.member_group, self.member_cell
        size = int(group.max()) + 1 if len(group) else 0
        whole_share = np.bincount(group, weights=np.isin(cell, whole_cells), minlength=size)
        covered = (whole_share == np.bincount(group, minlength=size)) & (
            np.arange(size) < self.margin_groups
        )
        in_whole = covered[group] & np.isin(cell, whole_cells)
        offset = self.member_group.max() + 1 if len(self.member_group) else 0
        # each mirrored group's total is unknown (it follows from the whole's and the parts')
        mirrored = np.unique(self.member_group[in_whole])
        fresh = int(self.free_total.max(initial=-1)) + 1
        free = np.full(offset + (int(mirrored.max()) + 1 if len(mirrored) else 0), -1)
        free[: len(self.free_total)] = self.free_total
        free[offset + mirrored] = fresh + np.arange(len(mirrored))
        self.free_total = free
        self.member_group = np.r_[self.member_group, self.member_group[in_whole] + offset]
        self.member_cell = np.r_[
            self.member_cell, of_whole.loc[self.member_cell[in_whole]].to_numpy()
        ]
        # and the parts with their difference add up to the whole: a group whose total is a
        # cell, suppressed in turn when the group cannot be protected inside
        offset = int(self.member_group.max()) + 1 if len(self.member_group) else 0
        groups = offset + np.arange(len(new))
        members = np.c_[part_cells, new]
        self.member_group = np.r_[self.member_group, np.repeat(groups, members.shape[1])]
        self.member_cell = np.r_[self.member_cell, members.ravel()]
        self.total_group = np.r_[self.total_group, groups]
        self.total_cell = np.r_[self.total_cell, whole_cells]
        free = np.full(offset + len(groups), -1)
        free[: len(self.free_total)] = self.free_total
        free[groups] = -2
        self.free_total = free

    def _propagate(self, hidden: np.ndarray) -> None:
        """Follow the ties until nothing changes (in place)."""
        while True:
            reached = hidden[self.tie_from] & ~hidden[self.tie_to]
            if not reached.any():
                return
            hidden[self.tie_to[reached]] = True

    def suppress(self, rule: DisclosureRule) -> np.ndarray:
        """Primary and secondary suppression (module documentation, rules 1 and 3 to 5)."""
        hidden = self.primary.copy()
        group, cell = self.member_group, self.member_cell
        n_groups = int(group.max()) + 1 if len(group) else 0
        # a cell that is the only non-zero cell of a group equals that group's total: as a
        # secondary cell it would hide nothing
        nonzero = self.value[cell] > 0
        alone = nonzero & (np.bincount(group, weights=nonzero, minlength=n_groups)[group] == 1)
        pinned = np.bincount(cell[alone], minlength=len(self.value)) > 0
        # groups that share no cell with another group are settled by rule 4 alone: the
        # linear programme is needed only where groups cross
        shared = np.bincount(cell, minlength=len(self.value)) > 1
        shared[self.total_cell] = True  # a total that is a cell links its group to others
        crossing = np.bincount(group, weights=shared[cell], minlength=n_groups) > 0
        crossing[self.total_group] = True
        near_crossing = np.bincount(cell, weights=crossing[group], minlength=len(self.value)) > 0
        while True:
            self._secondary(hidden, pinned, rule)
            targets = np.flatnonzero(self.primary & hidden & near_crossing)
            if not n_groups or not len(targets):
                return hidden
            bounded = dict(
                member_group=group, member_cell=cell, total_group=self.total_group,
                total_cell=self.total_cell, free_total=self.free_total,
                smallest=self.smallest(rule),
            )  # fmt: skip
            largest = largest_values(self.value, hidden, targets, **bounded)
            low = targets[largest < rule.max_count + 1 - 1e-9]
            least = largest_values(self.value, hidden, low, **bounded, maximise=False)
            confined = low[least > 1e-9]  # a difference that may be zero is not confined
            if not len(confined) or not self._widen(confined, hidden, pinned):
                break
        if len(confined):
            warnings.warn(
                f"disclosure control: {len(confined)} suppressed count(s) can still be shown "
                f"to lie within {rule.min_count} to {rule.max_count} from the totals of the "
                "margins; suppress those totals where they are published",
                stacklevel=3,
            )
        return hidden

    def _secondary(self, hidden: np.ndarray, pinned: np.ndarray, rule: DisclosureRule) -> None:
        """Suppress cells until every margin group is protected (rule 4), in place."""
        group, cell = self.member_group, self.member_cell
        n_groups = int(group.max()) + 1 if len(group) else 0
        nonzero = self.value[cell] > 0
        smallest = self.smallest(rule)
        while True:
            self._propagate(hidden)
            if not n_groups:
                return
            in_group = hidden[cell]
            k = np.bincount(group, weights=in_group, minlength=n_groups)
            total = np.bincount(group, weights=self.value[cell] * in_group, minlength=n_groups)
            candidate = ~in_group & nonzero & ~pinned[cell]
            has_candidate = np.bincount(group, weights=candidate, minlength=n_groups) > 0
            # the most a suppressed cell can be: the suppressed sum less the least the others
            # can be (a published count at least min_count, a difference 0)
            least = np.bincount(group, weights=smallest[cell] * in_group, minlength=n_groups)
            has_difference = np.bincount(
                group, weights=in_group & (cell >= self.published), minlength=n_groups
            )
            slack = total - least + np.where(has_difference > 0, 0, rule.min_count)
            unsafe = (k >= 1) & ((k == 1) | (slack <= rule.max_count))
            exposed = unsafe & has_candidate
            # no cell left to suppress inside: suppress the group's total where it is a cell
            stuck = self.total_cell[unsafe[self.total_group] & ~has_candidate[self.total_group]]
            stuck = stuck[~hidden[stuck]]
            if not exposed.any() and not len(stuck):
                return
            hidden[stuck] = True
            self._hide_smallest(exposed, hidden, pinned)

    def _hide_smallest(self, groups: np.ndarray, hidden: np.ndarray, pinned: np.ndarray) -> bool:
        """Suppress the smallest non-zero unsuppressed cell of each of ``groups`` (a mask)."""
        group, cell = self.member_group, self.member_cell
        candidate = ~hidden[cell] & (self.value[cell] > 0) & ~pinned[cell]
        pick = np.flatnonzero(groups[group] & candidate)
        if not len(pick):
            return False
        order = pick[np.lexsort((cell[pick], self.value[cell[pick]], group[pick]))]
        first = np.r_[True, group[order][1:] != group[order][:-1]]
        hidden[cell[order[first]]] = True
        return True

    def _widen(self, confined: np.ndarray, hidden: np.ndarray, pinned: np.ndarray) -> bool:
        """Suppress more around confined cells: in their groups, else one group further."""
        group, cell = self.member_group, self.member_cell
        n_groups = int(group.max()) + 1
        near = np.bincount(group[np.isin(cell, confined)], minlength=n_groups) > 0
        near[self.total_group[np.isin(self.total_cell, confined)]] = True  # groups it totals
        if self._hide_smallest(near, hidden, pinned):
            return True
        linked = hidden & (np.bincount(cell[near[group]], minlength=len(hidden)) > 0)
        further = np.bincount(group[linked[cell]], minlength=n_groups) > 0
        return self._hide_smallest(further, hidden, pinned)

    def publish(
        self, name: str, spec: TableCounts, hidden: np.ndarray, rule: DisclosureRule
    ) -> pd.DataFrame:
        """Return the table with suppressed cells missing, the rest rounded where configured."""
        out = spec.table.copy()
        labels = np.full(len(out), "", dtype=object)
        masks = {}
        for column in spec.quantities():
            mask = hidden[self.row_cells.get((name, column), np.zeros(0, dtype="int64"))]
            kept = out[column].to_numpy(dtype="float64")
            if rule.rounding_base:
                kept = np.round(kept / rule.rounding_base) * rule.rounding_base
            if column in spec.fractional:
                out[column] = np.where(mask, np.nan, kept)
            else:
                out[column] = pd.array(np.where(mask, 0, kept).astype("int64"), dtype="Int64")
                out.loc[mask, column] = pd.NA
            labels = _append_label(labels, mask, column)
            masks[column] = mask
        for column, sources in spec.derived.items():
            mask = np.logical_or.reduce([masks[s] for s in sources])
            out[column] = out[column].astype("float64").mask(mask)
            labels = _append_label(labels, mask, column)
        out["suppressed"] = labels
        return out


def _total_key(quantity: str, table: pd.DataFrame, margin: Sequence[str]) -> np.ndarray:
    """Each row's margin total, named as a cell of ``quantity`` keyed by the margin columns."""
    key = pd.Series(f"{quantity}\x1f" + "\x1f".join(margin), index=table.index)
    for column in margin:
        key = key + "\x1f" + table[column].astype(str)
    return key.to_numpy()


def _small(values: np.ndarray, rule: DisclosureRule) -> np.ndarray:
    """Return counts the rule suppresses (for whole numbers: ``min_count`` to ``max_count``)."""
    return (values > rule.min_count - 1) & (values < rule.max_count + 1)


def _check_spec(name: str, spec: TableCounts, quantities: dict[str, str]) -> None:
    what = f"table {name!r}"
    margin_columns = [c for m in spec.margins for c in m]
    require_columns(
        spec.table, [*quantities, *spec.derived, *spec.keys, *margin_columns], what=what
    )
    if not quantities:
        raise InputError(f"{what}: name at least one count column to check for small numbers")
    for source in (c for sources in spec.derived.values() for c in sources):
        if source not in quantities:
            raise InputError(
                f"{what}: derived columns must name count columns listed in "
                f"counts={list(quantities)}; got {source!r}"
            )


def _tail(name: str, spec: TableCounts) -> np.ndarray:
    """Return what identifies each row's cell of a quantity: its key values, or the row itself."""
    table = spec.table
    if not spec.keys:
        return (f"{name}\x1frow\x1f" + pd.Series(np.arange(len(table))).astype(str)).to_numpy()
    tail = pd.Series("\x1f".join(spec.keys), index=table.index)
    for key in spec.keys:
        tail = tail + "\x1f" + table[key].astype(str)
    return tail.to_numpy()


def _append_label(labels: np.ndarray, mask: np.ndarray, column: str) -> np.ndarray:
    joined = np.where(labels == "", column, labels + "," + column)
    return np.where(mask, joined, labels)


def format_suppressed(table: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Show suppressed (missing) cells of ``columns`` as ``[c]`` for display in a table.

    Parameters
    ----------
    table
        The table after disclosure control.
    columns
        The columns to format (default: all).

    Returns
    -------
    DataFrame
        A copy of ``table`` in which the missing cells of ``columns`` are ``"[c]"``
        (:data:`SUPPRESSED_SYMBOL`) and whole numbers have thousands separators, as text; other
        cells are unchanged.

    Examples
    --------
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
