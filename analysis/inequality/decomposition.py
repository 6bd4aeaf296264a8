"""The life-expectancy gap between two populations, decomposed by age and cause (Arriaga).

Method
------
Both populations get a Chiang II abridged life table (the PHE/OHID method,
:func:`analysis.measures.life_expectancy.chiang_life_table`). The gap in life expectancy at
birth, ``e_ref - e_focus``, is split over the age bands by Arriaga's formula (Arriaga 1984,
*Demography* 21:83-96; Preston, Heuveline & Guillot 2001, *Demography: Measuring and
Modeling Population Processes*, Blackwell, section 3.8), with population 1 the focus and
population 2 the reference, ``l_0`` the radix and ``x+`` the next band:

    ``D_x = l1_x / l_0 * (L2_x / l2_x - L1_x / l1_x)
           + T2_{x+} / l_0 * (l1_x / l2_x - l1_{x+} / l2_{x+})``

and, for the open band 90+, ``D_90 = l1_90 / l_0 * (T2_90 / l2_90 - T1_90 / l1_90)``. The
contributions add up to the gap exactly. ``method="symmetric"`` averages the decomposition
taken in both directions (Ponnapalli 2005, *Demographic Research* 12:141-172), so swapping
the populations exactly negates every contribution.

Each band's contribution is shared among causes of death in proportion to the difference in
cause-specific death rates, ``D_{x,c} = D_x (m1_{x,c} - m2_{x,c}) / (m1_x - m2_x)`` (Arriaga
1989, in Ruzicka, Wunsch & Kane (eds) *Differential Mortality*, Clarendon; Preston et al.
2001, section 4.4), as OHID's Segment Tool does. Where the two all-cause rates are equal the
band's (zero) contribution is shared by the average cause mix of deaths.

Positive contributions are years of the gap "explained" by the focus population's higher
mortality at that age and cause; negative ones narrow the gap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.measures._inputs import column_list, group_rows
from analysis.measures.life_expectancy import (
    N_BANDS,
    RADIX,
    REASONS,
    WIDE_CI,
    LifeTable,
    band_labels,
    band_positions,
    chiang_life_table,
    suppression_codes,
)
from analysis.validation import InputError, check_counts, fail_rows, require_columns

METHODS = ("arriaga", "symmetric")


def arriaga_by_age(focus: LifeTable, reference: LifeTable) -> np.ndarray:
    """Arriaga's contribution of each age band to the gap in life expectancy at birth.

    Method: Arriaga (1984), *Demography* 21:83-96, with population 1 the focus and population 2
    the reference (see the module docstring); the contributions add up to
    ``e0(reference) - e0(focus)`` exactly.

    Parameters
    ----------
    focus
        the focus population's life tables (:func:`~analysis.measures.life_expectancy.chiang_life_table`).
    reference
        the reference population's life tables, the same groups and bands.

    Returns
    -------
    numpy.ndarray
        Groups x 20: each band's contribution, in years.

    Examples
    --------
    >>> from analysis.measures.life_expectancy import chiang_life_table
    >>> pop = np.full((1, 20), 10_000.0)
    >>> from analysis.standards import LIFE_TABLE_START_AGES as AGES
    >>> rates = 0.00005 * np.exp(0.09 * np.array(AGES))
    >>> one, two = chiang_life_table(pop * rates, pop), chiang_life_table(pop * rates * 0.8, pop)
    >>> gap = two.life_expectancy[0, 0] - one.life_expectancy[0, 0]
    >>> bool(np.isclose(arriaga_by_age(one, two).sum(), gap, rtol=0, atol=1e-12))
    True
    """
    l1, l2 = focus.survivors, reference.survivors
    big_l1, big_l2 = focus.person_years, reference.person_years
    t1, t2 = focus.total_person_years, reference.total_person_years
    out = np.empty_like(l1)
    out[:, :-1] = l1[:, :-1] / RADIX * (big_l2[:, :-1] / l2[:, :-1] - big_l1[:, :-1] / l1[:, :-1])
    out[:, :-1] += t2[:, 1:] / RADIX * (l1[:, :-1] / l2[:, :-1] - l1[:, 1:] / l2[:, 1:])
    out[:, -1] = l1[:, -1] / RADIX * (t2[:, -1] / l2[:, -1] - t1[:, -1] / l1[:, -1])
    return out


def cause_shares(
    deaths_focus: np.ndarray,
    deaths_reference: np.ndarray,
    pop_focus: np.ndarray,
    pop_reference: np.ndarray,
) -> np.ndarray:
    """Share of each band's contribution due to each cause of death.

    Method: in proportion to the difference in cause-specific death rates (Arriaga 1989;
    Preston et al. 2001, section 4.4); where the two all-cause rates are equal, the average
    cause mix of deaths of the two populations (see the module docstring).

    Parameters
    ----------
    deaths_focus
        deaths by cause of the focus population, groups x bands x causes.
    deaths_reference
        deaths by cause of the reference population, the same shape.
    pop_focus
        population of the focus population, groups x bands.
    pop_reference
        population of the reference population, groups x bands.

    Returns
    -------
    numpy.ndarray
        Groups x bands x causes; the shares of each band sum to 1.
    """
    excess = deaths_focus / pop_focus[..., None] - deaths_reference / pop_reference[..., None]
    total = excess.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_rate = excess / total
        mix_focus = deaths_focus / deaths_focus.sum(axis=-1, keepdims=True)
        mix_reference = deaths_reference / deaths_reference.sum(axis=-1, keepdims=True)
    n_causes = deaths_focus.shape[-1]
    mix_focus = np.where(np.isfinite(mix_focus), mix_focus, 1 / n_causes)
    mix_reference = np.where(np.isfinite(mix_reference), mix_reference, 1 / n_causes)
    return np.where(total != 0, by_rate, (mix_focus + mix_reference) / 2)


def _death_cube(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    category: str,
    focus: object,
    reference: object,
    age_band: str,
    cause: str | None,
    group_by: list[str],
    age_labels: Sequence | None,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, tuple, pd.Index]:
    """Deaths as (groups x 2) x bands x causes and population as (groups x 2) x bands."""
    require_columns(data, [x, n, category, age_band, *group_by, *column_list(cause)])
    if focus == reference:
        raise InputError(f"focus and reference must be different values of {category!r}")
    present = set(data[category].dropna().unique().tolist())
    absent = [v for v in (focus, reference) if v not in present]
    if absent:
        raise InputError(
            f"column {category!r} has no rows for {absent}; its values include "
            f"{sorted(map(str, present))[:10]}"
        )
    data = data[data[category].isin([focus, reference]).to_numpy()]
    context = [*group_by, category]
    death_values = check_counts(data, x, integer=False, context=context)
    pop_values = check_counts(data, n, integer=False, context=context)
    labels = band_labels(data[age_band], age_labels)
    band = band_positions(data[age_band], labels)
    fail_rows(data, band < 0, age_band, f"age bands must be one of {list(labels)}", context=context)

    groups = group_rows(data, group_by)
    side = (data[category] == reference).to_numpy().astype("int64")
    if cause is None:
        cause_code, causes = np.zeros(len(data), dtype="int64"), pd.Index(["all causes"])
    else:
        fail_rows(data, data[cause].isna(), cause, "cause must not be missing", context=context)
        cause_code, causes = pd.factorize(data[cause], sort=True)
        causes = pd.Index(causes)
    n_causes = len(causes)
    table_row = groups.codes * 2 + side
    band_cell = table_row * N_BANDS + band
    cell = band_cell * n_causes + cause_code
    n_tables = groups.size * 2
    repeated = np.bincount(cell, minlength=n_tables * N_BANDS * n_causes)[cell] > 1
    fail_rows(
        data,
        repeated,
        [age_band, *column_list(cause)],
        "each population, age band and cause must appear once",
        context=context,
    )
    cube = np.bincount(cell, weights=death_values, minlength=n_tables * N_BANDS * n_causes)
    cube = cube.reshape(n_tables, N_BANDS, n_causes)

    n_cells = n_tables * N_BANDS
    rows_in_band = np.bincount(band_cell, minlength=n_cells)
    low = np.full(n_cells, np.inf)
    high = np.full(n_cells, -np.inf)
    np.minimum.at(low, band_cell, pop_values)
    np.maximum.at(high, band_cell, pop_values)
    fail_rows(
        data,
        (high != low)[band_cell],
        n,
        "the population (n) must be the same on every cause's row of an age band",
        context=[*context, age_band],
    )
    missing = np.flatnonzero(rows_in_band == 0)
    if missing.size:
        t, b = np.divmod(missing[:5], N_BANDS)
        where = [
            ", ".join(
                [f"{c}={groups.keys.iloc[i // 2][c]!r}" for c in group_by]
                + [f"{category}={(focus, reference)[i % 2]!r}"]
            )
            + f": {labels[j]!r}"
            for i, j in zip(t, b, strict=True)
        ]
        raise InputError(
            f"column {age_band!r}: each population needs all {N_BANDS} life-table age bands; "
            f"missing ({missing.size} in all):\n  " + "\n  ".join(where)
        )
    return cube, low.reshape(n_tables, N_BANDS), groups.keys, labels, causes


def _check_tables(tables: LifeTable, keys: pd.DataFrame, category: str, sides: tuple) -> None:
    codes = suppression_codes(tables)
    blocking = (codes > 0) & (codes != WIDE_CI)
    problem = blocking.any(axis=1)
    if problem.any():
        lines = []
        for t in np.flatnonzero(problem)[:5]:
            code = codes[t][blocking[t]][0]
            who = [f"{c}={keys.iloc[t // 2][c]!r}" for c in keys.columns]
            lines.append(", ".join([*who, f"{category}={sides[t % 2]!r}"]) + f": {REASONS[code]}")
        raise InputError(
            "life expectancy cannot be calculated for some populations, so their gap cannot "
            "be decomposed:\n  " + "\n  ".join(lines)
        )


def decompose_life_expectancy_gap(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    category: str,
    focus: object,
    reference: object,
    age_band: str = "age_band",
    cause: str | None = "cause",
    group_by: str | Sequence[str] | None = None,
    method: str = "arriaga",
    age_labels: Sequence | None = None,
) -> pd.DataFrame:
    """Decompose the gap in life expectancy at birth between two populations by age and cause.

    Method: Arriaga's decomposition by age (Arriaga 1984, *Demography* 21:83-96) of Chiang II
    life tables, each band's contribution shared among causes in proportion to the
    differences in cause-specific death rates (Arriaga 1989; Preston, Heuveline & Guillot
    2001, *Demography*, section 4.4); ``method="symmetric"`` averages both directions
    (Ponnapalli 2005, *Demographic Research* 12:141-172).

    Parameters
    ----------
    data
        Tidy rows: one per population (``category``), life-table age band and cause, with the
        deaths from that cause and the band's population (repeated on each cause's row).
        Causes absent from a band count as zero deaths; each band must be present.
    x
        Column of deaths (from the row's cause); PHEindicatormethods ``phe_life_expectancy``
        calls it ``deaths``.
    n
        Column of the band's population (person-years), the same on each cause's row;
        ``phe_life_expectancy``'s ``population``.
    category, focus, reference
        Column saying which population a row belongs to (the naming convention's
        ``category``: an unordered subgroup within one result), and its values for the focus
        population (e.g. most deprived quintile, or an area) and the reference (least
        deprived quintile, or the comparator). Rows with other values are not used.
    cause
        Column of causes of death, or ``None`` to decompose by age only.
    group_by
        Columns giving separate comparisons (e.g. sex); every group needs both populations.
    age_band
        Column naming the life-table band, labelled as for
        :func:`~analysis.measures.life_expectancy` (``"0"``, ``"1-4"``, ..., ``"90+"``, or
        the start ages for a numeric column).
    method
        ``"arriaga"`` (default, population 1 = focus) or ``"symmetric"``.
    age_labels
        The 20 band labels, youngest first, for other labels (checked as
        :func:`~analysis.measures.life_expectancy` checks them: out of order raises).

    Returns
    -------
    pandas.DataFrame
        One row per group, age band and cause: ``contribution`` (years),
        ``share_of_gap`` (contribution / gap), and per group ``le_focus``, ``le_reference`` and
        ``gap`` (= ``le_reference - le_focus``; contributions add up to it).

    Examples
    --------
    >>> from analysis.standards import LIFE_TABLE_AGE_BANDS as BANDS, LIFE_TABLE_START_AGES
    >>> rates = 0.00005 * np.exp(0.09 * np.array(LIFE_TABLE_START_AGES))
    >>> df = pd.DataFrame({
    ...     "quintile": ["Q1"] * 20 + ["Q5"] * 20, "age_band": list(BANDS) * 2,
    ...     "population": 10_000.0, "deaths": np.r_[rates * 1.3, rates] * 10_000})
    >>> out = decompose_life_expectancy_gap(df, x="deaths", n="population",
    ...     category="quintile", focus="Q1", reference="Q5", cause=None)
    >>> round(float(out["gap"].iloc[0]), 2), bool(np.isclose(out["contribution"].sum(), out["gap"].iloc[0]))
    (3.07, True)
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {list(METHODS)}, got {method!r}")
    group_cols = column_list(group_by)
    cube, pop, keys, labels, causes = _death_cube(
        data, x, n, category=category, focus=focus, reference=reference,
        age_band=age_band, cause=cause, group_by=group_cols, age_labels=age_labels,
    )  # fmt: skip
    tables = chiang_life_table(cube.sum(axis=-1), pop)
    _check_tables(tables, keys, category, (focus, reference))
    one = _select(tables, 0)
    two = _select(tables, 1)
    by_age = arriaga_by_age(one, two)
    if method == "symmetric":
        by_age = (by_age - arriaga_by_age(two, one)) / 2
    shares = cause_shares(cube[0::2], cube[1::2], pop[0::2], pop[1::2])
    contribution = by_age[..., None] * shares

    n_groups, n_causes = len(keys), len(causes)
    le_focus = one.life_expectancy[:, 0]
    le_reference = two.life_expectancy[:, 0]
    gap = le_reference - le_focus
    per_row = n_groups * N_BANDS * n_causes
    group_index = np.repeat(np.arange(n_groups), N_BANDS * n_causes)
    out = keys.iloc[group_index].reset_index(drop=True)
    out[age_band] = pd.Categorical.from_codes(
        np.tile(np.repeat(np.arange(N_BANDS), n_causes), n_groups),
        categories=pd.Index(list(labels), dtype=object),
        ordered=True,
    )
    if cause is not None:
        out[cause] = causes.take(np.tile(np.arange(n_causes), n_groups * N_BANDS))
    out["contribution"] = contribution.reshape(per_row)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share_of_gap"] = out["contribution"].to_numpy() / gap[group_index]
    out["le_focus"] = le_focus[group_index]
    out["le_reference"] = le_reference[group_index]
    out["gap"] = gap[group_index]
    out["method"] = "Arriaga" if method == "arriaga" else "Arriaga, symmetric"
    return out


def _select(tables: LifeTable, side: int) -> LifeTable:
    return LifeTable(
        **{name: getattr(tables, name)[side::2] for name in LifeTable.__dataclass_fields__}
    )
