"""Aggregation of person-level rows into strata counts, written once, run on any engine.

The row-level work (joining people to their events and areas, counting them by year, age band
and the caller's breakdowns) is SQL text built here and run by an
:class:`~analysis.data.engines.Engine`: DuckDB by default, Spark, or a SQL database
(PostgreSQL, SQL Server). Only the aggregate leaves the engine; sorting and final types are done
in pandas. Why SQL rather than a dataframe library: see :mod:`analysis.data.engines`.

The same text runs unchanged on every engine because it keeps to what their dialects share:

- each query is one ``WITH ... SELECT`` (SQL Server allows no ``WITH`` inside a subquery);
- the years and the age band of each whole age are inline ``VALUES`` tables in that ``WITH``
  (nothing is written to the source, so read access is enough);
- boolean flags are read with ``CAST(flag AS INTEGER) = 1`` (:func:`is_true`; SQL Server has
  bits, not booleans), and there are no boolean literals;
- strata from two sides are combined with ``UNION ALL`` and ``GROUP BY`` (which matches NULL
  keys) rather than a ``FULL JOIN ... IS NOT DISTINCT FROM`` (PostgreSQL refuses it);
- no ordinal ``GROUP BY 1``, no ``ORDER BY`` (NULL order and text collation differ between
  engines; results are sorted in pandas), no division, every column qualified by its table,
  bare lower-case identifiers, and ``BETWEEN`` only on integers.

Conventions: ``people.age`` is the age at 1 January of ``base_year`` (2020 for the synthetic
data); in year ``y`` a person's age is ``age + (y - base_year)`` and both the population and
the events use that age, so numerator and denominator share the same age band. The population
at risk in year ``y`` is everyone alive on 1 January of ``y`` (people who died in an earlier
year leave it); ``measure="person_years"`` counts half a year for those who die during ``y``.

``source`` in each function is a :class:`~analysis.data.Dataset` (run in an in-memory DuckDB),
an :class:`~analysis.data.engines.Engine`, or a DuckDB connection, ``SparkSession`` or
SQLAlchemy engine that holds the tables ``people``, ``areas``, ``deaths``, ``admissions`` and
``cancers`` (see :func:`analysis.data.engines.as_engine`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.data import parameters as P
from analysis.data.engines import Engine, running
from analysis.data.schema import AREAS, PEOPLE
from analysis.standards import (
    ESP2013_AGE_BANDS,
    LIFE_TABLE_AGE_BANDS,
    LIFE_TABLE_START_AGES,
)
from analysis.validation import InputError

#: A dataset, an engine, or a DuckDB connection / SparkSession / SQLAlchemy engine.
Source = Any

#: Event tables, their year column and the column that ``cause`` filters.
EVENTS = {
    "deaths": ("year", "cause_group"),
    "admissions": ("year", "cause_group"),
    "cancers": ("diagnosis_year", "site"),
}
AGE_BAND_SCHEMES = ("esp2013", "life_table")
MEASURES = ("start_of_year", "person_years")
_PEOPLE_COLUMNS = tuple(c.name for c in PEOPLE if c.name not in ("person_id", "age"))
_AREA_COLUMNS = tuple(c.name for c in AREAS if c.name not in _PEOPLE_COLUMNS + ("population",))
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def age_band_table(scheme: str = "esp2013") -> pd.DataFrame:
    """Age bands as rows of ``band_order``, ``age_band``, ``start_age``, ``end_age``.

    Parameters
    ----------
    scheme
        ``"esp2013"``: the 19 five-year bands of the European Standard Population 2013, the
        last 90+; ``"life_table"``: the 20 bands of the life table (under 1, 1-4, then
        five-year bands to 90+).

    Returns
    -------
    DataFrame
        One row per band, youngest first: ``band_order`` (0, 1, ...), ``age_band`` (its
        label), ``start_age`` and ``end_age`` (999 for the open last band).

    Raises
    ------
    InputError
        When ``scheme`` is not one of :data:`AGE_BAND_SCHEMES`.
    """
    if scheme == "esp2013":
        labels, starts = ESP2013_AGE_BANDS, tuple(range(0, 95, 5))
    elif scheme == "life_table":
        labels, starts = LIFE_TABLE_AGE_BANDS, LIFE_TABLE_START_AGES
    else:
        raise InputError(f"age_bands is {scheme!r}; allowed: {', '.join(AGE_BAND_SCHEMES)}")
    starts_arr = np.asarray(starts, dtype="int64")
    return pd.DataFrame(
        {
            "band_order": np.arange(len(labels), dtype="int64"),
            "age_band": list(labels),
            "start_age": starts_arr,
            "end_age": np.append(starts_arr[1:] - 1, 999),
        }
    )


def _breakdowns(group_by: Sequence[str]) -> tuple[list[str], bool]:
    """Qualified column expressions for ``group_by`` and whether the areas table is needed."""
    if isinstance(group_by, str):
        group_by = [group_by]
    exprs, needs_areas = [], False
    for col in group_by:
        if not _IDENTIFIER.match(col) or col not in (*_PEOPLE_COLUMNS, *_AREA_COLUMNS):
            raise InputError(
                f"cannot break down by {col!r}: choose columns of people "
                f"({', '.join(_PEOPLE_COLUMNS)}) or of areas ({', '.join(_AREA_COLUMNS)})"
            )
        if col in _PEOPLE_COLUMNS:
            exprs.append(f"p.{col}")
        else:
            exprs.append(f"a.{col}")
            needs_areas = True
    return exprs, needs_areas


def _years(years: Sequence[int] | None) -> list[int]:
    values = list(P.YEARS if years is None else years)
    if not values or any(int(y) != y for y in values):
        raise InputError(f"years must be a non-empty list of whole years, got {years!r}")
    return [int(y) for y in values]


def _helper_ctes(years: list[int], scheme: str) -> str:
    """Return the years and ages as inline tables: ``agg_years``, and ``agg_ages`` with one row per whole age from 0 to the start of the last (open) band, giving its band -- so counting into bands is an equality join (:func:`_band_join`), which every engine hashes, rather than a range join (Spark runs ``BETWEEN`` as a nested loop over every row)."""
    bands = age_band_table(scheme)
    year_rows = ", ".join(f"({y})" for y in years)
    top = int(bands["start_age"].iloc[-1])
    band_of_age = np.searchsorted(bands["start_age"].to_numpy(), np.arange(top + 1), "right") - 1
    age_rows = ", ".join(
        f"({age}, {band}, '{bands['age_band'].iloc[band]}')" for age, band in enumerate(band_of_age)
    )
    return f"""
    agg_years AS (SELECT v.year FROM (VALUES {year_rows}) AS v(year)),
    agg_ages AS (
        SELECT v.age, v.band_order, v.age_band
        FROM (VALUES {age_rows}) AS v(age, band_order, age_band)
    )"""


def _band_join(age: str, scheme: str) -> str:
    """Return ``JOIN agg_ages b`` on the age expression ``age``.

    Ages past the last band's start are in the last band, negative ages in none.
    """
    top = int(age_band_table(scheme)["start_age"].iloc[-1])
    return f"JOIN agg_ages b ON b.age = CASE WHEN {age} > {top} THEN {top} ELSE {age} END"


def _person_cte(by_exprs: list[str], needs_areas: bool) -> str:
    """``person``: one row per person with the breakdown columns, id and age."""
    join = " LEFT JOIN areas a ON p.area_code = a.area_code" if needs_areas else ""
    cols = "".join(f"{e} AS {e.split('.')[1]}, " for e in by_exprs)
    return f"person AS (SELECT {cols}p.person_id, p.age FROM people p{join})"


def is_true(flag: str) -> str:
    """1 where the boolean column ``flag`` is true, else 0 (NULL counts as not true).

    ``CAST(... AS INTEGER)`` reads booleans in DuckDB, Spark and PostgreSQL and bits in SQL
    Server alike (SQL Server has no boolean type, so ``WHEN flag THEN`` does not run there).

    Parameters
    ----------
    flag
        A SQL expression of a boolean column, such as ``"p.diabetes"``.

    Returns
    -------
    str
        The SQL expression.
    """
    return f"CASE WHEN CAST({flag} AS INTEGER) = 1 THEN 1 ELSE 0 END"


def _keys(alias: str, group_by: list[str]) -> str:
    return "".join(f"{alias}.{c}, " for c in group_by)


def _population_ctes(group_by: list[str], base_year: int, measure: str, scheme: str) -> str:
    """``pop``: people at risk by ``group_by``, year and age band (after ``person``, helpers)."""
    weight = (
        "CASE WHEN c.death_year = y.year THEN 0.5 ELSE 1.0 END"
        if measure == "person_years"
        else "1"
    )
    return f"""
    persons AS (
        SELECT {_keys("s", group_by)}s.age, d.year AS death_year, COUNT(*) AS n
        FROM person s LEFT JOIN deaths d ON s.person_id = d.person_id
        GROUP BY {_keys("s", group_by)}s.age, d.year
    ),
    at_risk AS (
        SELECT {_keys("c", group_by)}y.year, c.age + (y.year - {base_year}) AS age_now,
               c.n * {weight} AS n
        FROM persons c CROSS JOIN agg_years y
        WHERE c.death_year IS NULL OR c.death_year >= y.year
    ),
    pop AS (
        SELECT {_keys("r", group_by)}r.year, b.age_band, b.band_order, SUM(r.n) AS population
        FROM at_risk r {_band_join("r.age_now", scheme)}
        GROUP BY {_keys("r", group_by)}r.year, b.age_band, b.band_order
    )"""


def _events_ctes(
    group_by: list[str], table: str, year_col: str, where: str, base_year: int, scheme: str
) -> str:
    """``ev_bands``: events by ``group_by``, year and age band (after ``person``, helpers)."""
    age_now = f"s.age + (e.{year_col} - {base_year})"
    return f"""
    ev AS (
        SELECT {_keys("s", group_by)}e.{year_col} AS year, {age_now} AS age_now, COUNT(*) AS events
        FROM {table} e JOIN person s ON e.person_id = s.person_id
        WHERE e.{year_col} IN (SELECT y.year FROM agg_years y){where}
        GROUP BY {_keys("s", group_by)}e.{year_col}, {age_now}
    ),
    ev_bands AS (
        SELECT {_keys("v", group_by)}v.year, b.age_band, b.band_order, SUM(v.events) AS events
        FROM ev v {_band_join("v.age_now", scheme)}
        GROUP BY {_keys("v", group_by)}v.year, b.age_band, b.band_order
    )"""


def _finish(df: pd.DataFrame, group_by: list[str], counts: Sequence[str]) -> pd.DataFrame:
    """Sort in pandas (NULL order and collation differ between engines); whole counts."""
    df = df.sort_values([*group_by, "year", "band_order"], kind="stable").drop(columns="band_order")
    for column in counts:
        df[column] = df[column].astype("int64")
    return df.reset_index(drop=True)


def _require_tables(engine: Engine, names: Sequence[str]) -> None:
    present = engine.tables()  # one catalog query (a round trip on a warehouse)
    missing = [n for n in names if n not in present]
    if missing:
        raise InputError(
            f"table(s) {', '.join(missing)} not found in the {engine.name} source; "
            f"it needs {', '.join(names)}"
        )


def _prepare(
    engine: Engine,
    group_by: Sequence[str],
    years: Sequence[int] | None,
    age_bands: str,
    measure: str,
    base_year: int,
    tables: Sequence[str],
) -> tuple[list[str], str]:
    """Check the arguments and tables.

    Return the breakdown names and the shared CTEs (helpers, ``person``, ``persons``,
    ``at_risk``, ``pop``).
    """
    if measure not in MEASURES:
        raise InputError(f"measure is {measure!r}; allowed: {', '.join(MEASURES)}")
    by_exprs, needs_areas = _breakdowns(group_by)
    helpers = _helper_ctes(_years(years), age_bands)
    _require_tables(engine, ["people", *tables, *(["areas"] if needs_areas else [])])
    names = [e.split(".")[1] for e in by_exprs]
    person = _person_cte(by_exprs, needs_areas)
    return (
        names,
        f"{helpers},\n    {person},{_population_ctes(names, int(base_year), measure, age_bands)}",
    )


def population_at_risk(
    source: Source,
    *,
    group_by: Sequence[str] = (),
    years: Sequence[int] | None = None,
    age_bands: str = "esp2013",
    measure: str = "start_of_year",
    base_year: int = P.FIRST_YEAR,
) -> pd.DataFrame:
    """Return population at risk by the caller's breakdowns, year and age band (in that year).

    Parameters
    ----------
    source
        A dataset, an engine, or a connection that holds the tables (module docstring).
    group_by
        The breakdowns: columns of ``people`` (e.g. ``sex``, ``ethnicity``,
        ``imd_quintile``) or of ``areas`` (e.g. ``district_name``, ``core20``). None given
        (the default): one count per year and age band.
    years
        The calendar years to count (default: :data:`analysis.data.parameters.YEARS`).
    age_bands
        ``"esp2013"`` (the 19 bands of the European Standard Population 2013) or
        ``"life_table"`` (0, 1-4, 5-9, ..., 90+).
    measure
        ``"start_of_year"``: the people alive on 1 January; ``"person_years"``: half a year
        for those who die during the year.
    base_year
        The year on whose 1 January ``people.age`` is measured (module docstring).

    Returns
    -------
    pandas.DataFrame
        ``*group_by``, ``year``, ``age_band``, ``population``.

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> pop = population_at_risk(generate_population(5_000), group_by=["sex"], years=[2020])
    >>> int(pop["population"].sum())
    5000
    """
    with running(source) as engine:
        names, ctes = _prepare(engine, group_by, years, age_bands, measure, base_year, ["deaths"])
        out = engine.query(f"WITH {ctes}\n    SELECT * FROM pop")
    return _finish(out, names, ["population"] if measure == "start_of_year" else [])


def _event_filter(event: str, cause: str | Sequence[str] | None) -> str:
    if cause is None:
        return ""
    allowed = P.CANCER_SITES if event == "cancers" else P.CAUSE_GROUPS
    causes = [cause] if isinstance(cause, str) else list(cause)
    unknown = [c for c in causes if c not in allowed]
    if unknown or not causes:
        raise InputError(
            f"cause {unknown or cause!r} unknown for {event}; allowed: {', '.join(allowed)}"
        )
    column = EVENTS[event][1]
    quoted = ", ".join(f"'{c}'" for c in causes)  # checked against the known labels above
    return f" AND e.{column} IN ({quoted})"


def aggregate_events(
    source: Source,
    event: str = "deaths",
    *,
    cause: str | Sequence[str] | None = None,
    group_by: Sequence[str] = (),
    years: Sequence[int] | None = None,
    age_bands: str = "esp2013",
    measure: str = "start_of_year",
    base_year: int = P.FIRST_YEAR,
) -> pd.DataFrame:
    """Event counts with their population at risk, ready for directly standardised rates.

    On an engine with :attr:`~analysis.data.engines.Engine.rollup_from` breakdowns that
    include ``group_by``, the counts are rolled up from one query by all of them (the same
    numbers, fewer queries).

    Parameters
    ----------
    source
        A dataset, an engine, or a connection that holds the tables (module docstring).
    event
        ``"deaths"``, ``"admissions"`` or ``"cancers"``.
    cause
        Restricts the events to cause groups (``"CVD"``, ``"Cancer"``, ``"Other"``) or, for
        cancers, sites; one or several. None: every event.
    group_by
        The breakdowns: columns of ``people`` (e.g. ``sex``, ``ethnicity``,
        ``imd_quintile``) or of ``areas`` (e.g. ``district_name``, ``core20``). None given
        (the default): one count per year and age band.
    years
        The calendar years to count (default: :data:`analysis.data.parameters.YEARS`).
    age_bands
        ``"esp2013"`` (the 19 bands of the European Standard Population 2013) or
        ``"life_table"`` (0, 1-4, 5-9, ..., 90+).
    measure
        ``"start_of_year"``: the people alive on 1 January; ``"person_years"``: half a year
        for those who die during the year.
    base_year
        The year on whose 1 January ``people.age`` is measured (module docstring).

    Returns
    -------
    pandas.DataFrame
        ``*group_by``, ``year``, ``age_band``, ``events``, ``population`` -- one row per
        stratum with people at risk (strata without events have ``events = 0``). An event in
        a stratum with no population at risk is kept (population 0), never dropped.

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> out = aggregate_events(generate_population(5_000), "deaths", cause="CVD", group_by=["sex"])
    >>> list(out.columns)
    ['sex', 'year', 'age_band', 'events', 'population']
    """
    if event not in EVENTS:
        raise InputError(f"event is {event!r}; allowed: {', '.join(EVENTS)}")
    group_by = [group_by] if isinstance(group_by, str) else list(group_by)
    where = _event_filter(event, cause)
    counts = ["events", "population"] if measure == "start_of_year" else ["events"]
    with running(source) as engine:
        if engine.rollup_from and set(group_by) <= set(engine.rollup_from):
            out = _rolled_up(engine, event, where, group_by, years, age_bands, measure, base_year)
        else:
            out = _events_query(
                engine, event, where, group_by, years, age_bands, measure, base_year
            )
    return _finish(out, group_by, counts)


def _rolled_up(
    engine: Engine,
    event: str,
    where: str,
    group_by: Sequence[str],
    years: Sequence[int] | None,
    age_bands: str,
    measure: str,
    base_year: int,
) -> pd.DataFrame:
    """Events and population by ``group_by`` rolled up from the engine's finest breakdowns.

    The population at risk by all of :attr:`~analysis.data.engines.Engine.rollup_from` is
    counted once for every event and cause (it does not depend on them), the events once per
    event and cause; their strata are combined as in :func:`_events_query` (events 0 where
    only people are, population 0 where only events are), then summed to ``group_by``.
    """
    finest = list(engine.rollup_from)
    setting = (tuple(_years(years)), age_bands, measure, base_year)
    pop = engine.remember(
        ("population", *setting),
        lambda: _strata_query(engine, "pop", event, "", finest, *setting),
    )
    events = engine.remember(
        ("events", event, where, *setting),
        lambda: _strata_query(engine, "ev_bands", event, where, finest, *setting),
    )
    keys = [*group_by, "year", "age_band", "band_order"]
    both = pd.concat([pop.assign(events=0), events.assign(population=0)], ignore_index=True)
    return both.groupby(keys, dropna=False, sort=False, as_index=False)[
        ["events", "population"]
    ].sum()


def _strata_query(
    engine: Engine,
    cte: str,
    event: str,
    where: str,
    group_by: Sequence[str],
    years: tuple[int, ...],
    age_bands: str,
    measure: str,
    base_year: int,
) -> pd.DataFrame:
    """Return the rows of one CTE of the events query: ``pop`` (people at risk) or ``ev_bands``."""
    names, ctes = _prepare(
        engine, group_by, years, age_bands, measure, base_year, ["deaths", event]
    )
    ev = _events_ctes(names, event, EVENTS[event][0], where, int(base_year), age_bands)
    return engine.query(f"WITH {ctes},{ev}\n    SELECT * FROM {cte}")


def set_rollup(engine: Engine, breakdowns: Sequence[str]) -> Engine:
    """Let ``engine`` count events by all ``breakdowns`` at once (see :attr:`~analysis.data.engines.Engine.rollup_from`).

    Those its tables lack are left out (asked for alone, they fail as before). Returns the
    engine.

    Parameters
    ----------
    engine
        The engine holding the tables; it is changed in place.
    breakdowns
        The columns of people or areas the chapters break counts down by.

    Returns
    -------
    Engine
        ``engine``, with ``rollup_from`` set.
    """
    people, areas = set(engine.columns("people")), set(engine.columns("areas"))
    engine.rollup_from = tuple(
        b
        for b in dict.fromkeys(breakdowns)
        if b in people or (b not in _PEOPLE_COLUMNS and b in _AREA_COLUMNS and b in areas)
    )
    return engine


def _events_query(
    engine: Engine,
    event: str,
    where: str,
    group_by: Sequence[str],
    years: Sequence[int] | None,
    age_bands: str,
    measure: str,
    base_year: int,
) -> pd.DataFrame:
    """Events and population at risk by ``group_by``, year and age band (with ``band_order``)."""
    names, ctes = _prepare(
        engine, group_by, years, age_bands, measure, base_year, ["deaths", event]
    )
    ev = _events_ctes(names, event, EVENTS[event][0], where, int(base_year), age_bands)
    keys = "".join(f"u.{k}, " for k in [*names, "year", "age_band", "band_order"])
    # Strata of either side, NULL keys matching NULL keys: UNION ALL + GROUP BY is the
    # portable form (PostgreSQL cannot FULL JOIN on IS NOT DISTINCT FROM).
    return engine.query(
        f"""WITH {ctes},{ev}
    SELECT {keys}SUM(u.events) AS events, SUM(u.population) AS population
    FROM (
        SELECT {_keys("pop", names)}pop.year, pop.age_band, pop.band_order,
               0 AS events, pop.population FROM pop
        UNION ALL
        SELECT {_keys("ev_bands", names)}ev_bands.year, ev_bands.age_band, ev_bands.band_order,
               ev_bands.events, 0 AS population FROM ev_bands
    ) u
    GROUP BY {keys.rstrip(", ")}"""
    )


def binary_counts(
    source: Source,
    table: str,
    x: str,
    n: str,
    *,
    group_by: Sequence[str],
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Count and denominator of a binary outcome (a proportion) by breakdown.

    ``table`` is ``"people"`` or an event table, read as ``e`` (with its person as ``p`` and
    the person's area as ``a``); ``x`` is SQL giving 1 or 0 per row and ``n`` a SQL
    condition choosing the rows counted (portable SQL, as :func:`is_true`). Event rows count
    only in ``years`` when given. Columns: ``*group_by``, ``x`` (rows where it is 1), ``n``
    (rows counted), ready for ``proportion(counts, "x", "n")``. On an engine with
    :attr:`~analysis.data.engines.Engine.rollup_from` breakdowns that include ``group_by``, the
    counts are rolled up from one query by all of them.

    Parameters
    ----------
    source
        The data: an engine holding the tables (:func:`analysis.data.configured_source`), a
        dataset of DataFrames, or anything else :func:`analysis.data.engines.as_engine` accepts.
    table
        ``"people"`` or an event table (``deaths``, ``admissions``, ``cancers``).
    x
        SQL giving 1 where the outcome happened, else 0.
    n
        SQL condition choosing the rows counted (``"1 = 1"``: all).
    group_by
        Columns of people or areas to break the counts down by (empty: one total row).
    years
        Years of the event rows counted (default: all); ignored for ``"people"``.

    Returns
    -------
    DataFrame
        One row per combination of the ``group_by`` levels: ``*group_by``, ``x`` and ``n``.

    Raises
    ------
    InputError
        For an unknown table, a breakdown that is not a column of people or areas, or years
        that are not whole numbers.

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> counts = binary_counts(generate_population(5_000), "cancers",
    ...                        is_true("e.emergency_presentation"), "1 = 1", group_by=["sex"])
    >>> list(counts.columns)
    ['sex', 'x', 'n']
    """
    group_by = [group_by] if isinstance(group_by, str) else list(group_by)
    if table != "people" and table not in EVENTS:
        raise InputError(f"table is {table!r}; allowed: people, {', '.join(EVENTS)}")
    with running(source) as engine:
        dims = list(engine.rollup_from) if set(group_by) <= set(engine.rollup_from) else group_by
        key = ("binary", table, x, n, tuple(years or ()), tuple(dims))
        every = engine.remember(key, lambda: _binary_query(engine, table, x, n, dims, years))
    out = (
        every.groupby(group_by, dropna=False, sort=False, as_index=False)[["x", "n"]].sum()
        if group_by
        else every[["x", "n"]].sum().to_frame().T
    )
    return out.astype({"x": "int64", "n": "int64"}).reset_index(drop=True)


def _binary_query(
    engine: Engine,
    table: str,
    x: str,
    n: str,
    group_by: Sequence[str],
    years: Sequence[int] | None,
) -> pd.DataFrame:
    exprs, _ = _breakdowns(group_by)
    person = "e" if table == "people" else "p"
    exprs = [e.replace("p.", f"{person}.", 1) if e.startswith("p.") else e for e in exprs]
    join = "" if table == "people" else "JOIN people p ON e.person_id = p.person_id"
    year_filter = ""
    if years and table in EVENTS:
        ys = _years(years)
        year_filter = f" AND e.{EVENTS[table][0]} BETWEEN {min(ys)} AND {max(ys)}"
    levels = ", ".join(f"{e} AS {e.split('.')[1]}" for e in exprs)
    group = f" GROUP BY {', '.join(exprs)}" if exprs else ""
    return engine.query(
        f"""SELECT {levels + ", " if levels else ""}SUM({x}) AS x,
           COUNT(*) AS n
    FROM {table} e {join}
    LEFT JOIN areas a ON {person}.area_code = a.area_code
    WHERE {n}{year_filter}{group}"""
    )


def area_summary(source: Source, *, years: Sequence[int] | None = None) -> pd.DataFrame:
    """One row per small area: its attributes, population and event counts over ``years``.

    Columns: the ``areas`` columns, ``population`` (alive on 1 January of the first year),
    ``person_years`` (each year, a full year for everyone alive on 1 January and half a
    year for those who die in it, as :func:`population_at_risk` with
    ``measure="person_years"`` and the book's rates count them), ``deaths``,
    ``deaths_cvd``, ``deaths_cancer``, ``admissions``, ``admissions_cvd``, ``cancers``,
    ``cancers_staged``, ``cancers_early_stage``, ``cancers_emergency``, and the number of
    people on each condition register (``n_<condition>``) -- for funnel plots and clustering.

    Parameters
    ----------
    source
        The data: an engine holding the tables (:func:`analysis.data.configured_source`), a
        dataset of DataFrames, or anything else :func:`analysis.data.engines.as_engine` accepts.
    years
        The years counted (default: :data:`analysis.data.parameters.YEARS`).

    Returns
    -------
    DataFrame
        One row per area, sorted by ``area_code``, with the columns above.

    Raises
    ------
    InputError
        When the data lack one of the tables ``areas``, ``people``, ``deaths``,
        ``admissions`` or ``cancers``, or the years are not whole numbers.
    """
    ys = _years(years)
    flags = [*P.CONDITIONS, "hypertension_recorded"]
    registers = ", ".join(f"SUM({is_true(f'p.{c}')}) AS n_{c}" for c in flags)
    area_cols = ", ".join(f"a.{c.name}" for c in AREAS if c.name != "population")
    tables = {  # the count columns each CTE below contributes, in output order
        "pop": ["population", "person_years"],
        "dth": ["deaths", "deaths_cvd", "deaths_cancer"],
        "adm": ["admissions", "admissions_cvd"],
        "can": ["cancers", "cancers_staged", "cancers_early_stage", "cancers_emergency"],
        "reg": [f"n_{c}" for c in flags],
    }
    counts = [c for columns in tables.values() for c in columns]
    totals = ", ".join(
        f"COALESCE({cte}.{c}, 0) AS {c}" for cte, columns in tables.items() for c in columns
    )
    joins = " ".join(f"LEFT JOIN {cte} ON a.area_code = {cte}.area_code" for cte in tables)
    in_years = "(SELECT y.year FROM agg_years y)"
    sql = f"""
    WITH {_helper_ctes(ys, "esp2013")},
    alive AS (
        SELECT p.area_code, y.year,
               CASE WHEN d.year = y.year THEN 0.5 ELSE 1.0 END AS exposure
        FROM people p CROSS JOIN agg_years y
        LEFT JOIN deaths d ON p.person_id = d.person_id
        WHERE d.year IS NULL OR d.year >= y.year
    ),
    pop AS (
        SELECT l.area_code, SUM(CASE WHEN l.year = {min(ys)} THEN 1 ELSE 0 END) AS population,
               SUM(l.exposure) AS person_years
        FROM alive l GROUP BY l.area_code
    ),
    reg AS (SELECT p.area_code, {registers} FROM people p GROUP BY p.area_code),
    dth AS (
        SELECT p.area_code, COUNT(*) AS deaths,
               SUM(CASE WHEN d.cause_group = 'CVD' THEN 1 ELSE 0 END) AS deaths_cvd,
               SUM(CASE WHEN d.cause_group = 'Cancer' THEN 1 ELSE 0 END) AS deaths_cancer
        FROM deaths d JOIN people p ON d.person_id = p.person_id
        WHERE d.year IN {in_years} GROUP BY p.area_code
    ),
    adm AS (
        SELECT p.area_code, COUNT(*) AS admissions,
               SUM(CASE WHEN e.cause_group = 'CVD' THEN 1 ELSE 0 END) AS admissions_cvd
        FROM admissions e JOIN people p ON e.person_id = p.person_id
        WHERE e.year IN {in_years} GROUP BY p.area_code
    ),
    can AS (
        SELECT p.area_code, COUNT(*) AS cancers,
               SUM(CASE WHEN c.early_stage IS NOT NULL THEN 1 ELSE 0 END) AS cancers_staged,
               SUM({is_true("c.early_stage")}) AS cancers_early_stage,
               SUM({is_true("c.emergency_presentation")}) AS cancers_emergency
        FROM cancers c JOIN people p ON c.person_id = p.person_id
        WHERE c.diagnosis_year IN {in_years} GROUP BY p.area_code
    )
    SELECT {area_cols}, {totals}
    FROM areas a {joins}
    """
    with running(source) as engine:
        _require_tables(engine, ["areas", "people", "deaths", "admissions", "cancers"])
        out = engine.query(sql)
    out = out.sort_values("area_code", kind="stable").reset_index(drop=True)
    whole = [c for c in counts if c != "person_years"]
    out[whole] = out[whole].astype("int64")
    out["person_years"] = out["person_years"].astype("float64")
    return out
