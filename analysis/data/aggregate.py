"""Aggregation of person-level rows into strata counts, run inside DuckDB.

Why SQL (and not Ibis or pandas): the aggregation is a few joins and GROUP BYs, which SQL
states most plainly and every engine runs. All of it lives in this one module as templates
that use only portable SQL (CASE, joins, GROUP BY, SUM/COUNT, a years table and an age-band
table joined on ``BETWEEN``, bare lower-case identifiers), so issue 10 can run the same text on
Spark SQL or a warehouse by registering tables with the same names; Ibis could wrap it there
(``con.sql(...)``) without rewriting the logic. DuckDB reads the pandas tables in place
(Arrow, no copy) and aggregates in parallel; nothing loops over rows in Python.

Conventions: ``people.age`` is the age at 1 January of ``base_year`` (2020 for the synthetic
data); in year ``y`` a person's age is ``age + (y - base_year)`` and both the population and
the events use that age, so numerator and denominator share the same age band. The population
at risk in year ``y`` is everyone alive on 1 January of ``y`` (people who died in an earlier
year leave it); ``measure="person_years"`` counts half a year for those who die during ``y``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from analysis.data import parameters as P
from analysis.data.dataset import Dataset
from analysis.data.schema import AREAS, PEOPLE
from analysis.standards import (
    ESP2013_AGE_BANDS,
    LIFE_TABLE_AGE_BANDS,
    LIFE_TABLE_START_AGES,
)
from analysis.validation import InputError

Source = Dataset | duckdb.DuckDBPyConnection

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
    """Age bands as rows of ``band_order``, ``age_band``, ``start_age``, ``end_age``."""
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


def connect(source: Source) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the dataset's tables registered under their names.

    A connection passed in is returned as it is (it must already hold ``people``,
    ``areas`` and the event tables).
    """
    if isinstance(source, duckdb.DuckDBPyConnection):
        return source
    con = duckdb.connect()
    for name, df in source.tables().items():
        con.register(name, df)
    return con


def _breakdowns(by: Sequence[str]) -> tuple[list[str], bool]:
    """Qualified column expressions for ``by`` and whether the areas table is needed."""
    if isinstance(by, str):
        by = [by]
    exprs, needs_areas = [], False
    for col in by:
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


def _register_helpers(con, years: list[int], scheme: str) -> None:
    con.register("agg_years", pd.DataFrame({"year": np.asarray(years, dtype="int64")}))
    con.register("agg_age_bands", age_band_table(scheme))


def _person_source(by_exprs: list[str], needs_areas: bool) -> str:
    join = "LEFT JOIN areas a ON p.area_code = a.area_code" if needs_areas else ""
    cols = "".join(f"{e} AS {e.split('.')[1]}, " for e in by_exprs)
    return f"SELECT {cols}p.person_id, p.age FROM people p {join}"


def _population_sql(by: list[str], base_year: int, measure: str) -> str:
    keys = "".join(f"{c}, " for c in by)
    weight = (
        "CASE WHEN c.death_year = y.year THEN 0.5 ELSE 1.0 END"
        if measure == "person_years"
        else "1"
    )
    return f"""
    WITH persons AS (
        SELECT {keys}s.age, d.year AS death_year, COUNT(*) AS n
        FROM ({{person_source}}) s LEFT JOIN deaths d ON s.person_id = d.person_id
        GROUP BY {keys}s.age, d.year
    ),
    at_risk AS (
        SELECT {keys}y.year, c.age + (y.year - {base_year}) AS age_now, c.n * {weight} AS n
        FROM persons c CROSS JOIN agg_years y
        WHERE c.death_year IS NULL OR c.death_year >= y.year
    )
    SELECT {keys}r.year, b.age_band, b.band_order, SUM(r.n) AS population
    FROM at_risk r JOIN agg_age_bands b ON r.age_now BETWEEN b.start_age AND b.end_age
    GROUP BY {keys}r.year, b.age_band, b.band_order
    """


def _events_sql(by: list[str], table: str, year_col: str, where: str, base_year: int) -> str:
    keys = "".join(f"{c}, " for c in by)
    return f"""
    WITH ev AS (
        SELECT {keys}e.{year_col} AS year, s.age + (e.{year_col} - {base_year}) AS age_now,
               COUNT(*) AS events
        FROM {table} e JOIN ({{person_source}}) s ON e.person_id = s.person_id
        WHERE e.{year_col} IN (SELECT year FROM agg_years){where}
        GROUP BY {keys}e.{year_col}, s.age + (e.{year_col} - {base_year})
    )
    SELECT {keys}ev.year, b.age_band, b.band_order, SUM(ev.events) AS events
    FROM ev JOIN agg_age_bands b ON ev.age_now BETWEEN b.start_age AND b.end_age
    GROUP BY {keys}ev.year, b.age_band, b.band_order
    """


def _finish(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    df = df.sort_values([*by, "year", "band_order"], kind="stable").drop(columns="band_order")
    return df.reset_index(drop=True)


def _prepare(
    source: Source,
    by: Sequence[str],
    years: Sequence[int] | None,
    age_bands: str,
    measure: str,
    base_year: int,
) -> tuple[duckdb.DuckDBPyConnection, list[str], str, str]:
    """Check the arguments, register the helper tables and build the population query.

    Returns the connection, the breakdown names, the person sub-query and the population SQL.
    """
    if measure not in MEASURES:
        raise InputError(f"measure is {measure!r}; allowed: {', '.join(MEASURES)}")
    by_exprs, needs_areas = _breakdowns(by)
    names = [e.split(".")[1] for e in by_exprs]
    con = connect(source)
    _register_helpers(con, _years(years), age_bands)
    person_source = _person_source(by_exprs, needs_areas)
    pop_sql = _population_sql(names, int(base_year), measure).replace(
        "{person_source}", person_source
    )
    return con, names, person_source, pop_sql


def population_at_risk(
    source: Source,
    *,
    by: Sequence[str] = (),
    years: Sequence[int] | None = None,
    age_bands: str = "esp2013",
    measure: str = "start_of_year",
    base_year: int = P.FIRST_YEAR,
) -> pd.DataFrame:
    """Population at risk by the caller's breakdowns, year and age band (in that year).

    Columns: ``*by``, ``year``, ``age_band``, ``population``. ``by`` may name columns of
    ``people`` (e.g. ``sex``, ``ethnicity``, ``imd_quintile``) or of ``areas`` (e.g.
    ``district_name``, ``core20``). ``measure="start_of_year"`` counts people alive on
    1 January; ``"person_years"`` counts half a year for those dying in the year.

    >>> from analysis.data import generate_population
    >>> pop = population_at_risk(generate_population(5_000), by=["sex"], years=[2020])
    >>> int(pop["population"].sum())
    5000
    """
    con, names, _, sql = _prepare(source, by, years, age_bands, measure, base_year)
    out = _finish(con.execute(sql).df(), names)
    if measure == "start_of_year":
        out["population"] = out["population"].astype("int64")
    return out


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
    return f" AND e.{column} IN ({', '.join(repr(c) for c in causes)})"


def aggregate_events(
    source: Source,
    event: str = "deaths",
    *,
    cause: str | Sequence[str] | None = None,
    by: Sequence[str] = (),
    years: Sequence[int] | None = None,
    age_bands: str = "esp2013",
    measure: str = "start_of_year",
    base_year: int = P.FIRST_YEAR,
) -> pd.DataFrame:
    """Event counts with their population at risk, ready for directly standardised rates.

    ``event`` is ``"deaths"``, ``"admissions"`` or ``"cancers"``; ``cause`` restricts to
    cause groups (``"CVD"``, ``"Cancer"``, ``"Other"``) or, for cancers, sites. Columns:
    ``*by``, ``year``, ``age_band``, ``events``, ``population`` -- one row per stratum with
    people at risk (strata without events have ``events = 0``). An event in a stratum with no
    population at risk is kept (population 0), never dropped.

    >>> from analysis.data import generate_population
    >>> out = aggregate_events(generate_population(5_000), "deaths", cause="CVD", by=["sex"])
    >>> list(out.columns)
    ['sex', 'year', 'age_band', 'events', 'population']
    """
    if event not in EVENTS:
        raise InputError(f"event is {event!r}; allowed: {', '.join(EVENTS)}")
    con, names, person_source, pop_sql = _prepare(source, by, years, age_bands, measure, base_year)
    year_col = EVENTS[event][0]
    ev_sql = _events_sql(
        names, event, year_col, _event_filter(event, cause), int(base_year)
    ).replace("{person_source}", person_source)
    keys = [*names, "year", "age_band", "band_order"]
    on = " AND ".join(f"pop.{k} IS NOT DISTINCT FROM ev.{k}" for k in keys)
    select = ", ".join(f"COALESCE(pop.{k}, ev.{k}) AS {k}" for k in keys)
    sql = f"""
    SELECT {select}, COALESCE(ev.events, 0) AS events, COALESCE(pop.population, 0) AS population
    FROM ({pop_sql}) pop FULL OUTER JOIN ({ev_sql}) ev ON {on}
    """
    out = _finish(con.execute(sql).df(), names)
    out["events"] = out["events"].astype("int64")
    if measure == "start_of_year":
        out["population"] = out["population"].astype("int64")
    return out


def area_summary(source: Source, *, years: Sequence[int] | None = None) -> pd.DataFrame:
    """One row per small area: its attributes, population and event counts over ``years``.

    Columns: the ``areas`` columns, ``population`` (alive on 1 January of the first year),
    ``person_years`` (people alive at the start of each year, summed), ``deaths``,
    ``deaths_cvd``, ``deaths_cancer``, ``admissions``, ``admissions_cvd``, ``cancers``,
    ``cancers_staged``, ``cancers_early_stage``, ``cancers_emergency``, and the number of
    people on each condition register (``n_<condition>``) -- for funnel plots and clustering.
    """
    ys = _years(years)
    con = connect(source)
    _register_helpers(con, ys, "esp2013")
    first, in_years = min(ys), "(SELECT year FROM agg_years)"
    flags = [*P.CONDITIONS, "hypertension_recorded"]
    registers = ", ".join(f"SUM(CASE WHEN p.{c} THEN 1 ELSE 0 END) AS n_{c}" for c in flags)
    area_cols = ", ".join(f"a.{c.name}" for c in AREAS if c.name != "population")
    sql = f"""
    WITH alive AS (
        SELECT p.area_code, y.year FROM people p CROSS JOIN agg_years y
        LEFT JOIN deaths d ON p.person_id = d.person_id
        WHERE d.year IS NULL OR d.year >= y.year
    ),
    pop AS (
        SELECT area_code, SUM(CASE WHEN year = {first} THEN 1 ELSE 0 END) AS population,
               COUNT(*) AS person_years
        FROM alive GROUP BY area_code
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
               SUM(CASE WHEN c.early_stage THEN 1 ELSE 0 END) AS cancers_early_stage,
               SUM(CASE WHEN c.emergency_presentation THEN 1 ELSE 0 END) AS cancers_emergency
        FROM cancers c JOIN people p ON c.person_id = p.person_id
        WHERE c.diagnosis_year IN {in_years} GROUP BY p.area_code
    )
    SELECT {area_cols},
           COALESCE(pop.population, 0) AS population, COALESCE(pop.person_years, 0) AS person_years,
           COALESCE(dth.deaths, 0) AS deaths, COALESCE(dth.deaths_cvd, 0) AS deaths_cvd,
           COALESCE(dth.deaths_cancer, 0) AS deaths_cancer,
           COALESCE(adm.admissions, 0) AS admissions, COALESCE(adm.admissions_cvd, 0) AS admissions_cvd,
           COALESCE(can.cancers, 0) AS cancers, COALESCE(can.cancers_staged, 0) AS cancers_staged,
           COALESCE(can.cancers_early_stage, 0) AS cancers_early_stage,
           COALESCE(can.cancers_emergency, 0) AS cancers_emergency,
           {", ".join(f"COALESCE(reg.n_{c}, 0) AS n_{c}" for c in flags)}
    FROM areas a
    LEFT JOIN pop ON a.area_code = pop.area_code
    LEFT JOIN reg ON a.area_code = reg.area_code
    LEFT JOIN dth ON a.area_code = dth.area_code
    LEFT JOIN adm ON a.area_code = adm.area_code
    LEFT JOIN can ON a.area_code = can.area_code
    ORDER BY a.area_code
    """
    out = con.execute(sql).df()
    counts = [
        c
        for c in out.columns
        if c in ("population", "person_years")
        or c.startswith(("deaths", "admissions", "cancers", "n_"))
    ]
    out[counts] = out[counts].astype("int64")
    return out
