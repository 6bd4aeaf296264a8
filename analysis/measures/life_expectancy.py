"""Life expectancy from an abridged life table: the PHE/OHID method (Chiang II, Silcocks variance).

Method
------
For each group the 20 bands 0, 1-4, 5-9, ..., 85-89, 90+ form an abridged life table completed
by Chiang's method (Chiang 1984, *The Life Table and its Applications*, Krieger; as used by ONS
and in the PHE life expectancy calculator, Eayres & Williams 2004, *J Epidemiol Community
Health* 58:243-249). With deaths ``D``, population (person-years) ``P``, band width ``w`` and
fraction of the band lived by those who die ``a`` (0.1 in the first year of life, 0.5
otherwise):

- ``M = D / P``; ``q = w M / (1 + w (1 - a) M)``, capped at 1; ``q = 1`` in the band 90+;
- ``l_0 = 100,000``, ``l_{i+1} = l_i (1 - q_i)``; ``d_i = l_i - l_{i+1}``;
- ``L_i = w (l_{i+1} + a d_i)``; in the band 90+ ``L = l / M``; ``T_i = sum of L from i``;
  life expectancy at the start of band ``i`` is ``e_i = T_i / l_i``.

The variance is Chiang's, ``Var(e_i) = sum_{j >= i} l_j^2 ((1 - a_j) w_j + e_{j+1})^2 Var(p_j)
/ l_i^2`` with ``Var(p_j) = q_j^2 (1 - q_j) / D_j``, plus the term of Silcocks, Jenner & Reza
(2001, *J Epidemiol Community Health* 55:38-43) for the open band, ``l_90^2 / (D_90 M_90^2)``.
Limits are ``e +/- z SE``.

Suppression follows PHEindicatormethods' ``phe_life_expectancy`` (the reference
implementation of this method): no value or limits for a group whose total population is
5,000 or fewer, in which a band has zero population, or in which a band has more deaths than
population; no value or limits when the 90+ band has no deaths (life expectancy is then
undefined) or at ages no one in the table reaches (the reference reports 0); and the value (not its limits) is withheld when the 95% interval is wider than
20 years. Each suppressed row says why in ``suppression_reason``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.measures._inputs import column_list, group_rows
from analysis.measures._output import confidence_label, limit_column_names
from analysis.measures.intervals import z_value
from analysis.standards import LIFE_TABLE_AGE_BANDS, LIFE_TABLE_START_AGES
from analysis.validation import (
    InputError,
    check_confidence,
    check_counts,
    fail_rows,
    require_columns,
)

METHOD = "Chiang, using Silcocks et al for confidence limits"

#: Width in years of each life-table band (the last, open band has no width).
BAND_WIDTHS = np.diff(np.array(LIFE_TABLE_START_AGES, dtype="float64"))
#: Fraction of the band lived, on average, by those who die in it (Chiang's ``a``).
FRACTION_LIVED = np.where(np.array(LIFE_TABLE_START_AGES[:-1]) == 0, 0.1, 0.5)
RADIX = 100_000.0
MIN_TOTAL_POPULATION = 5_000
MAX_CI_WIDTH = 20.0

N_BANDS = len(LIFE_TABLE_AGE_BANDS)

REASON_SMALL = "total population 5,000 or fewer"
REASON_ZERO_POPULATION = "a band has zero population"
REASON_DEATHS_ABOVE_POPULATION = "a band has more deaths than population"
REASON_NO_OLD_DEATHS = "no deaths in the final (90+) band"
REASON_WIDE_CI = "95% confidence interval wider than 20 years"
REASON_NO_SURVIVORS = "no survivors to this age in the life table"


@dataclass(frozen=True)
class LifeTable:
    """Chiang abridged life tables for many groups: every array is groups x 20 bands."""

    deaths: np.ndarray
    population: np.ndarray
    rate: np.ndarray  #: age-specific death rate M
    q: np.ndarray  #: probability of dying in the band
    survivors: np.ndarray  #: l, survivors to the start of the band (radix 100,000)
    person_years: np.ndarray  #: L, person-years lived in the band
    total_person_years: np.ndarray  #: T, person-years lived from the band onwards
    life_expectancy: np.ndarray  #: e = T / l
    variance: np.ndarray  #: variance of e (Chiang with Silcocks' final-band term)


def chiang_life_table(deaths: np.ndarray, population: np.ndarray) -> LifeTable:
    """Complete Chiang II abridged life tables, one per row of ``deaths`` and ``population``.

    Method: Chiang (1984) abridged life table with Chiang's variance and the open-band term
    of Silcocks, Jenner & Reza (2001), as in the PHE life expectancy calculator (see the
    module docstring). Inputs are not checked here (the public functions do that); invalid
    groups give ``nan`` or ``inf``.

    Parameters
    ----------
    deaths
        deaths, groups x 20 bands in the order of :data:`LIFE_TABLE_AGE_BANDS`.
    population
        population (person-years), the same shape and band order.

    Returns
    -------
    LifeTable
        Every column of the life tables (rates, probabilities of dying, survivors,
        person-years, life expectancy and its variance) as groups x 20 arrays.

    Examples
    --------
    >>> d = np.array([[17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872,
    ...                1390, 1605, 1936, 1937]])
    >>> p = np.array([[7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601,
    ...                50209, 56416, 46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936]])
    >>> round(float(chiang_life_table(d, p).life_expectancy[0, 0]), 4)
    80.1696
    """
    deaths = np.asarray(deaths, dtype="float64")
    population = np.asarray(population, dtype="float64")
    w, a = BAND_WIDTHS, FRACTION_LIVED
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = deaths / population
        m = rate[:, :-1]
        q = np.ones_like(rate)
        q[:, :-1] = np.where(w * a * m > 1, 1.0, w * m / (1 + w * (1 - a) * m))
        survivors = np.empty_like(rate)
        survivors[:, 0] = RADIX
        survivors[:, 1:] = RADIX * np.cumprod(1 - q[:, :-1], axis=1)
        dying = survivors[:, :-1] - survivors[:, 1:]
        person_years = np.empty_like(rate)
        person_years[:, :-1] = w * (survivors[:, 1:] + a * dying)
        person_years[:, -1] = survivors[:, -1] / rate[:, -1]
        total = np.cumsum(person_years[:, ::-1], axis=1)[:, ::-1]
        expectancy = np.where(survivors > 0, total / survivors, 0.0)

        var_p = np.where(dying > 0, q[:, :-1] ** 2 * (1 - q[:, :-1]) / deaths[:, :-1], 0.0)
        weighted = np.empty_like(rate)
        weighted[:, :-1] = var_p * survivors[:, :-1] ** 2 * ((1 - a) * w + expectancy[:, 1:]) ** 2
        weighted[:, -1] = survivors[:, -1] ** 2 / (deaths[:, -1] * rate[:, -1] ** 2)
        variance = np.cumsum(weighted[:, ::-1], axis=1)[:, ::-1] / survivors**2
    return LifeTable(
        deaths=deaths,
        population=population,
        rate=rate,
        q=q,
        survivors=survivors,
        person_years=person_years,
        total_person_years=total,
        life_expectancy=expectancy,
        variance=variance,
    )


@dataclass(frozen=True)
class BandedData:
    """Deaths and population rearranged as groups x 20 bands, with the group keys."""

    deaths: np.ndarray
    population: np.ndarray
    groups: pd.DataFrame  #: one row per group (its ``group_by`` values), in group order
    labels: tuple  #: the caller's labels of the 20 bands, youngest first


def default_age_labels(column: pd.Series) -> tuple:
    """Default labels of the life table's 20 age bands for an age band column.

    Parameters
    ----------
    column
        the age band column of the input.

    Returns
    -------
    tuple
        The 20 bands' start ages (0, 1, 5, ..., 90) when ``column`` is numeric, else the
        labels of :data:`LIFE_TABLE_AGE_BANDS`, youngest first.
    """
    if pd.api.types.is_numeric_dtype(column):
        return LIFE_TABLE_START_AGES
    return LIFE_TABLE_AGE_BANDS


def to_band_matrix(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    age_band: str,
    group_by: Sequence[str],
    age_labels: Sequence | None,
) -> BandedData:
    """Check tidy life-table input and reshape it to groups x 20 arrays (no loop over groups).

    Parameters
    ----------
    data
        deaths and population, one row per group and age band.
    x
        column of deaths.
    n
        column of population (person-years).
    age_band
        column of age band labels.
    group_by
        the group columns (may be empty: one group).
    age_labels
        the 20 band labels, youngest first; None: the defaults of
        :func:`default_age_labels`.

    Returns
    -------
    BandedData
        Deaths and population as groups x 20 arrays, the group keys and the band labels.

    Raises
    ------
    InputError
        For missing columns, missing, negative or non-numeric counts, unknown age bands,
        bands repeated within a group or bands missing from a group.
    """
    require_columns(data, [x, n, age_band, *group_by])
    death_values = check_counts(data, x, integer=False, context=group_by)
    population_values = check_counts(data, n, integer=False, context=group_by)

    labels = band_labels(data[age_band], age_labels)
    band = band_positions(data[age_band], labels)
    unknown = band < 0
    if unknown.any():
        fail_rows(
            data,
            unknown,
            age_band,
            f"age bands must be one of {list(labels)} (pass age_labels= for other labels)",
            context=group_by,
        )

    if len(data) == 0:
        raise InputError("data has no rows: life expectancy needs the 20 age bands of a group")
    grouped = group_rows(data, group_by)
    group, groups, n_groups = grouped.codes, grouped.keys, grouped.size

    cell = group * N_BANDS + band
    counts = np.bincount(cell, minlength=n_groups * N_BANDS).reshape(n_groups, N_BANDS)
    _check_bands(data, groups, group_by, age_band, labels, cell, counts)

    shape = (n_groups, N_BANDS)
    death_matrix = np.zeros(n_groups * N_BANDS)
    population_matrix = np.zeros(n_groups * N_BANDS)
    death_matrix[cell] = death_values
    population_matrix[cell] = population_values
    return BandedData(
        deaths=death_matrix.reshape(shape),
        population=population_matrix.reshape(shape),
        groups=groups,
        labels=labels,
    )


def band_labels(column: pd.Series, age_labels: Sequence | None) -> tuple:
    """Labels of the 20 life-table bands in an age band column, youngest first.

    Parameters
    ----------
    column
        the age band column of the input.
    age_labels
        the caller's 20 labels, youngest first; None: the defaults of
        :func:`default_age_labels`.

    Returns
    -------
    tuple
        The 20 labels.

    Raises
    ------
    InputError
        If ``age_labels`` are not 20 distinct labels, or are out of order of start age where
        they name one.
    """
    if age_labels is None:
        return tuple(default_age_labels(column))
    labels = tuple(age_labels)
    if len(labels) != N_BANDS or len(set(labels)) != N_BANDS:
        raise InputError(
            f"age_labels must name the {N_BANDS} life-table bands "
            f"{', '.join(LIFE_TABLE_AGE_BANDS)} once each, youngest first; got {list(labels)}"
        )
    _check_label_order(labels)
    return labels


def _start_ages(labels: tuple) -> list[float] | None:
    """Return the start age each label names (its first number: 0, "1-4", "age 90+"), or None when a label names none."""
    starts = []
    for label in labels:
        found = re.search(r"\d+(?:\.\d+)?", str(label))
        if found is None:
            return None
        starts.append(float(found.group()))
    return starts


def _check_label_order(labels: tuple) -> None:
    """Raise when ``labels`` are the life-table bands in another order than youngest first.

    Labels are matched to bands by position, so bands out of order would get the wrong
    widths and a wrong life expectancy. Labels whose first numbers are exactly the start
    ages 0, 1, 5, ..., 90 in another order are refused, naming the order to use; labels
    without a start age each (``"<1"``, ``"under 1"``) cannot be checked and are taken as given.
    """
    starts = _start_ages(labels)
    expected = [float(a) for a in LIFE_TABLE_START_AGES]
    if starts is None or starts == expected or sorted(starts) != expected:
        return
    ordered = [label for _, label in sorted(zip(starts, labels, strict=True))]
    raise InputError(
        f"age_labels must be youngest first (they are matched to the bands {LIFE_TABLE_START_AGES}"
        f" by position); got {list(labels)}. Pass them in this order: {ordered}"
    )


def band_positions(column: pd.Series, labels: tuple) -> np.ndarray:
    """Position of each row's age band among the 20 labels.

    Parameters
    ----------
    column
        the age band column of the input.
    labels
        the 20 band labels, youngest first.

    Returns
    -------
    numpy.ndarray
        For each row the index of its band in ``labels``; -1 when unknown or missing.
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    if pd.api.types.is_numeric_dtype(column) and all(
        isinstance(x, int | float | np.number) for x in labels
    ):
        lookup = pd.Index(np.asarray(labels, dtype="float64")).get_indexer(
            np.asarray(uniques, dtype="float64")
        )
    else:
        lookup = pd.Index([str(x) for x in labels]).get_indexer([str(x) for x in uniques])
    return np.where(codes < 0, -1, np.append(lookup, -1)[codes])


def _check_bands(
    data: pd.DataFrame,
    groups: pd.DataFrame,
    group_by: Sequence[str],
    age_band: str,
    labels: tuple,
    cell: np.ndarray,
    counts: np.ndarray,
) -> None:
    repeated = counts.ravel()[cell] > 1
    if repeated.any():
        fail_rows(
            data,
            repeated,
            age_band,
            "each age band must appear once per group (a band is repeated)",
            context=group_by,
        )
    missing = counts == 0
    incomplete = np.flatnonzero(missing.any(axis=1))
    if incomplete.size:
        lines = []
        for g in incomplete[:5]:
            who = ", ".join(f"{c}={groups.iloc[g][c]!r}" for c in group_by) or "the data"
            absent = [str(labels[b]) for b in np.flatnonzero(missing[g])]
            lines.append(f"  {who}: missing {absent}")
        more = incomplete.size - 5
        raise InputError(
            f"column {age_band!r}: every group needs all {N_BANDS} life-table age bands "
            f"({incomplete.size} group(s) incomplete):\n"
            + "\n".join(lines)
            + (f"\n  ... and {more} more group(s)" if more > 0 else "")
        )


#: Suppression reasons, indexed by the codes of :func:`suppression_codes` (0: published).
REASONS: tuple[str | None, ...] = (
    None,
    REASON_SMALL,
    REASON_ZERO_POPULATION,
    REASON_DEATHS_ABOVE_POPULATION,
    REASON_NO_OLD_DEATHS,
    REASON_NO_SURVIVORS,
    REASON_WIDE_CI,
)
NO_SURVIVORS = REASONS.index(REASON_NO_SURVIVORS)
WIDE_CI = REASONS.index(REASON_WIDE_CI)


def suppression_codes(table: LifeTable) -> np.ndarray:
    """Per group and band, the code of the reason a life expectancy is withheld.

    Whole-group reasons (small population, zero population, deaths above population, no
    deaths at 90+; codes 1-4, the first that applies) withhold value and limits, as does an
    age no one in the life table reaches (code 5: deaths were 40% or more of an earlier
    five-year band's population, so its probability of dying is capped at 1; the reference
    package reports 0 there). A 95% interval wider than 20 years (code 6) withholds only the
    value.

    Parameters
    ----------
    table
        the completed life tables of :func:`chiang_life_table`.

    Returns
    -------
    numpy.ndarray
        Groups x 20 integer codes, each an index in :data:`REASONS` (0: not withheld).
    """
    population, deaths = table.population, table.deaths
    group_code = np.select(
        [
            population.sum(axis=1) <= MIN_TOTAL_POPULATION,
            (population <= 0).any(axis=1),
            (deaths > population).any(axis=1),
            deaths[:, -1] <= 0,
        ],
        [1, 2, 3, 4],
        default=0,
    ).astype("int8")
    with np.errstate(invalid="ignore"):
        wide = 2 * z_value(0.95) * np.sqrt(table.variance) > MAX_CI_WIDTH
    band_code = np.where(table.survivors <= 0, NO_SURVIVORS, np.where(wide, WIDE_CI, 0))
    return np.where(group_code[:, None] > 0, group_code[:, None], band_code)


def _repeated_label(codes: np.ndarray, labels: Sequence) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(labels), dtype=object))


def life_expectancy(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    age_band: str = "age_band",
    group_by: str | Sequence[str] | None = None,
    confidence: float | Sequence[float] = 0.95,
    le_age: str | Sequence = "all",
    age_labels: Sequence | None = None,
) -> pd.DataFrame:
    """Life expectancy with confidence limits by the PHE/OHID method (Chiang II abridged table).

    Method: Chiang's abridged life table and variance (Chiang 1984, *The Life Table and its
    Applications*) with the open-band variance term of Silcocks, Jenner & Reza (2001,
    *J Epidemiol Community Health* 55:38-43), as the PHE life expectancy calculator (Eayres &
    Williams 2004, *J Epidemiol Community Health* 58:243-249) and PHEindicatormethods
    ``phe_life_expectancy``, including its suppression rules.

    Parameters
    ----------
    data
        Tidy data: one row per group and life-table age band.
    x
        Column of deaths in each band (PHEindicatormethods ``phe_life_expectancy`` calls it
        ``deaths``; the R bridge passes it under that name).
    n
        Column of population (person-years) in each band (``phe_life_expectancy``'s
        ``population``).
    age_band
        Column naming the band. By default labels are those of
        :data:`analysis.standards.LIFE_TABLE_AGE_BANDS` ("0", "1-4", "5-9", ..., "90+") or, for a
        numeric column, the start ages 0, 1, 5, ..., 90; pass ``age_labels`` (youngest first)
        for other labels.
    group_by
        Columns defining the groups (one life table each).
    confidence
        One level or several (e.g. ``[0.95, 0.998]``; several give one pair of limit columns
        per level, ``lower95_0cl``, ``upper95_0cl``, ...).
    le_age
        ``"all"`` for life expectancy at the start of every band, or the band label(s) wanted.
    age_labels
        The labels of the 20 bands in ``age_band``, youngest first (default: the standard
        labels above). They are matched to the bands by position, so labels out of order
        raise :class:`InputError` (naming the order to use) when their first numbers are
        the bands' start ages 0, 1, 5, ..., 90 in another order; labels without a start age
        each (``"<1"``) are taken as given.

    Returns
    -------
    pandas.DataFrame
        DataFrame with the ``group_by`` columns, the age band, ``value`` (life expectancy in
        years at the start of the band), the limits, ``se`` (standard error), ``pops_used`` and
        ``dths_used`` (population and deaths at and above that age), ``suppression_reason``,
        ``confidence``, ``statistic`` and ``method``. See the module docstring for the method,
        the references and the suppression rules.

    Examples
    --------
    The PHE life expectancy calculator's test population:

    >>> from analysis.standards import LIFE_TABLE_AGE_BANDS
    >>> df = pd.DataFrame({
    ...     "age_band": LIFE_TABLE_AGE_BANDS,
    ...     "deaths": [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872,
    ...                1390, 1605, 1936, 1937],
    ...     "population": [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601,
    ...                    50209, 56416, 46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936]})
    >>> out = life_expectancy(df, x="deaths", n="population", le_age="0")
    >>> out[["value", "lowercl", "uppercl"]].round(4).to_numpy().tolist()
    [[80.1696, 79.8827, 80.4565]]
    """
    group_cols = column_list(group_by)
    levels = check_confidence(confidence)
    banded = to_band_matrix(
        data, x, n, age_band=age_band, group_by=group_cols, age_labels=age_labels
    )
    band_index = _selected_bands(le_age, banded.labels, age_band)
    table = chiang_life_table(banded.deaths, banded.population)
    pick = (slice(None), band_index)
    reason = suppression_codes(table)[pick].ravel()
    whole_group = (reason > 0) & (reason != WIDE_CI)
    expectancy = table.life_expectancy[pick].ravel()
    centre = np.where(whole_group, np.nan, expectancy)
    se = np.where(whole_group, np.nan, np.sqrt(table.variance[pick].ravel()))

    n_groups, n_sel = len(banded.groups), len(band_index)
    out = banded.groups.iloc[np.repeat(np.arange(n_groups), n_sel)].reset_index(drop=True)
    position = np.tile(np.arange(n_sel), n_groups)
    labels = [banded.labels[i] for i in band_index]
    out[age_band] = _repeated_label(position, labels)
    out["value"] = np.where(reason > 0, np.nan, expectancy)
    for level, (lower, upper) in zip(levels, limit_column_names(levels), strict=True):
        z = z_value(level)
        out[lower] = centre - z * se
        out[upper] = centre + z * se
    out["se"] = se
    out["pops_used"] = np.cumsum(banded.population[:, ::-1], axis=1)[:, ::-1][pick].ravel()
    out["dths_used"] = np.cumsum(banded.deaths[:, ::-1], axis=1)[:, ::-1][pick].ravel()
    out["suppression_reason"] = pd.Categorical.from_codes(
        np.where(reason > 0, reason - 1, -1), categories=list(REASONS[1:])
    )
    constant = np.zeros(len(out), dtype="int8")
    out["confidence"] = _repeated_label(constant, [confidence_label(levels)])
    ages = [f"life expectancy at {LIFE_TABLE_START_AGES[i]}" for i in band_index]
    out["statistic"] = _repeated_label(position, ages)
    out["method"] = _repeated_label(constant, [METHOD])
    return out


def _selected_bands(le_age: str | Sequence, labels: tuple, age_band: str) -> np.ndarray:
    if isinstance(le_age, str) and le_age == "all":
        return np.arange(N_BANDS)
    wanted = [le_age] if isinstance(le_age, str | int | float) else list(le_age)
    text = [str(x) for x in labels]
    index = [text.index(str(w)) if str(w) in text else -1 for w in wanted]
    unknown = [w for w, i in zip(wanted, index, strict=True) if i < 0]
    if unknown:
        raise InputError(
            f"le_age {unknown} is not an age band of column {age_band!r}; "
            f"use 'all' or some of {list(labels)}"
        )
    return np.asarray(index, dtype="int64")
