"""Counts by stratum computed in the engine: what the book's chapters need instead of person rows.

One query shape serves the population pyramids and histograms (people by sex and age group),
the practice- and area-level summaries, the strata of the GLMs and of MAIHDA (rows and
successes by every predictor: a binomial GLM fitted on successes out of trials by stratum has
the same likelihood, hence the same estimates, as the fit on the people; McCullagh & Nelder
1989, section 4.2) and the response patterns of latent class analysis (people by every
categorical indicator: the EM algorithm weighted by the pattern counts is the person-level EM,
term for term; Linzer & Lewis 2011). The people in each stratum are counted where the data
live -- DuckDB, Spark or a SQL database -- and only the counts are returned.

Latent classes are assigned in the engine too (:func:`class_counts`): the table of response
patterns and their classes is registered beside the data and joined to the people, so the
people of each class are counted without a person row leaving the engine. A method that needs
a sample of people draws it in the engine with a stated size and seed (:func:`people_sample`,
through ``strata_counts(..., sample_size=...)``), and receives it as counts too.

The SQL keeps to the portable subset described in :mod:`analysis.data.aggregate`; results are
sorted in pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.config import Config, load_config
from analysis.data import parameters as P
from analysis.data.aggregate import EVENTS, Source, _breakdowns, _require_tables, is_true
from analysis.data.engines import Engine, running
from analysis.standards import ESP2013_AGE_BANDS
from analysis.validation import InputError

#: The registered table of response patterns and their classes (:func:`class_counts`).
PATTERN_CLASS_TABLE = "agg_pattern_classes"
#: First ages of the ESP 2013 five-year bands (0-4, ..., 85-89, 90+).
ESP2013_AGE_BAND_STARTS = tuple(range(0, 95, 5))


def _age_group(age: str, cut_points: Sequence[float]) -> str:
    """Return SQL counting the ``cut_points`` at or below ``age``.

    Group 0 is below the first cut point, ``len(cut_points)`` from the last (the coding of
    :meth:`analysis.segmentation.features.CategoricalEncoding.encode`).
    """
    cuts = [float(c) for c in cut_points]
    if not cuts or cuts != sorted(set(cuts)):
        raise InputError(f"age_groups must be increasing cut points, got {list(cut_points)!r}")
    return " + ".join(f"CASE WHEN {age} >= {c:g} THEN 1 ELSE 0 END" for c in cuts)


def _person_columns(exprs: list[str]) -> list[str]:
    """Read the person's columns from ``e`` (the people table) rather than ``p``."""
    return [f"e.{e[2:]}" if e.startswith("p.") else e for e in exprs]


def _event_columns(engine: Engine, table: str, columns: Sequence[str]) -> list[str]:
    present = set(engine.columns(table))
    unknown = [c for c in columns if c not in present]
    if unknown:
        raise InputError(
            f"{table} has no column(s) {', '.join(unknown)}; its columns: {', '.join(sorted(present))}"
        )
    return [f"e.{c}" for c in columns]


def strata_counts(
    source: Source,
    group_by: Sequence[str] = (),
    *,
    table: str = "people",
    event_group_by: Sequence[str] = (),
    age_groups: Sequence[float] | None = None,
    successes: str | None = None,
    where: str | None = None,
    sample_size: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Rows of ``table`` counted by stratum in the engine: people, or events with their people.

    Method: one ``GROUP BY`` over the strata (exact counts; nothing is sampled unless
    ``sample_size`` asks for a sample drawn in the engine, :func:`people_sample`).

    Parameters
    ----------
    source
        A dataset or engine holding the book's tables (see :mod:`analysis.data.aggregate`).
    group_by
        Columns of ``people`` or ``areas`` (for example ``["sex", "imd_quintile"]``).
    table
        ``"people"`` (one row per person) or an event table (``deaths``, ``admissions``,
        ``cancers``: one row per event, with the person's ``group_by`` columns).
    event_group_by
        Columns of the event table itself (for example ``["site"]`` of ``cancers``).
    age_groups
        Cut points of the age groups (for example ``[18, 40, 65, 80]``), giving a column
        ``age_group``: 0 below the first cut point up to ``len(age_groups)`` from the last. The
        age is ``people.age`` (at the start of the data's base year) for people and the age at
        the event (``age_at_diagnosis``, ``age_at_death``, ``age_at_admission``) for events.
    successes
        Optionally a portable SQL expression giving 1 or 0 per row (``e`` is the row, ``p`` its
        person, ``a`` their area; see :func:`analysis.data.aggregate.is_true`), summed into a
        column ``successes``: the successes out of ``n`` trials of a binomial model.
    where
        Optionally a portable SQL condition choosing the rows counted (same aliases).
    sample_size, seed
        Count only a simple random sample of ``sample_size`` people drawn in the engine with
        ``seed`` (``table="people"`` only; :func:`people_sample`), for a method that cannot
        use everyone (such as pairwise distances). The same people on every engine.

    Returns
    -------
    pandas.DataFrame
        ``*group_by``, ``*event_group_by``, ``age_group`` (with ``age_groups``), ``n`` and
        ``successes`` (when asked), one row per stratum present, sorted by the strata.

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> pyramid = strata_counts(generate_population(5_000), ["sex"], age_groups=[18, 65])
    >>> list(pyramid.columns), int(pyramid["n"].sum())
    (['sex', 'age_group', 'n'], 5000)
    """
    group_by = [group_by] if isinstance(group_by, str) else list(group_by)
    if table != "people" and table not in EVENTS:
        raise InputError(f"table is {table!r}; allowed: people, {', '.join(EVENTS)}")
    if table == "people" and event_group_by:
        raise InputError("event_group_by needs an event table (deaths, admissions or cancers)")
    if sample_size is not None and table != "people":
        raise InputError("sample_size draws people: it needs table='people'")
    exprs, _ = _breakdowns(group_by)  # people's columns as p.x, areas' as a.x
    person = "e" if table == "people" else "p"
    exprs = _person_columns(exprs) if table == "people" else exprs
    with running(source) as engine:
        _require_tables(engine, ["people", "areas"] + ([] if table == "people" else [table]))
        exprs += _event_columns(engine, table, event_group_by) if event_group_by else []
        if age_groups is not None:
            age = "e.age" if table == "people" else _event_age(engine, table)
            exprs.append(f"({_age_group(age, age_groups)})")
        names = [*group_by, *event_group_by, *(["age_group"] if age_groups is not None else [])]
        selected = ", ".join(f"{e} AS {n}" for e, n in zip(exprs, names, strict=True))
        counts = "COUNT(*) AS n" + (f", SUM({successes}) AS successes" if successes else "")
        join = "" if table == "people" else "JOIN people p ON e.person_id = p.person_id "
        rows = table if sample_size is None else people_sample(engine, sample_size, seed)
        out = engine.query(
            f"""SELECT {selected + ", " if selected else ""}{counts}
    FROM {rows} e {join}LEFT JOIN areas a ON {person}.area_code = a.area_code
    {f"WHERE {where} " if where else ""}{f"GROUP BY {', '.join(exprs)}" if exprs else ""}"""
        )
    if names:
        out = out.sort_values(names, kind="stable")
    counted = ["n", "successes"] if successes else ["n"]
    out[counted] = out[counted].fillna(0).astype("int64")
    return out.reset_index(drop=True)


#: Engines whose SQL has ``md5``, ``concat`` and ``LIMIT`` (:func:`people_sample`).
SAMPLING_ENGINES = ("duckdb", "spark", "postgres")


def people_sample(engine: Engine, size: int, seed: int) -> str:
    """Return a SQL subquery of ``size`` people drawn at random in the engine, for ``FROM``.

    Method: order sampling with random keys (Sunter 1977, *Appl Stat* 26:261-268): give
    every person an independent uniform key and keep the ``size`` smallest, which is a simple
    random sample without replacement. The key is the MD5 digest (Rivest 1992, RFC 1321) of
    the ``seed`` and the person's ``person_id`` as hexadecimal text, so the sample is
    determined by the seed and the people, and is the same on every engine (ties, which need
    repeated person ids, broken by ``person_id``). The person rows stay in the engine.

    Parameters
    ----------
    engine
        The engine holding ``people``; one of :data:`SAMPLING_ENGINES`.
    size
        The number of people drawn (all of them when there are fewer).
    seed
        Any whole number; the same seed gives the same sample.

    Returns
    -------
    str
        ``(SELECT s.* FROM people s ORDER BY <key>, s.person_id LIMIT <size>)``.

    Raises
    ------
    InputError
        For an engine whose SQL lacks ``md5``, a size that is not a whole number of at least 1,
        or a seed that is not a whole number.
    """
    if engine.name not in SAMPLING_ENGINES:
        raise InputError(
            f"a sample drawn in the engine needs md5, concat and LIMIT, which the SQL of "
            f"{engine.name} lacks; engines that draw one: {', '.join(SAMPLING_ENGINES)}"
        )
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise InputError(f"sample_size must be a whole number of people, at least 1; got {size!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"seed must be a whole number; got {seed!r}")
    key = f"md5(concat('{seed}/', CAST(s.person_id AS {engine.cast_type('text')})))"
    return f"(SELECT s.* FROM people s ORDER BY {key}, s.person_id LIMIT {size})"


def _event_age(engine: Engine, table: str) -> str:
    ages = [c for c in engine.columns(table) if c.startswith("age_at_")]
    if len(ages) != 1:
        raise InputError(
            f"{table} needs one age-at-event column (age_at_...) for age_groups; found {ages}"
        )
    return f"e.{ages[0]}"


def class_counts(
    source: Source,
    classes: pd.DataFrame,
    group_by: Sequence[str] = (),
    *,
    age_groups: Sequence[float] | None = None,
    age_bands: bool = False,
) -> pd.DataFrame:
    """People of each latent class by ``group_by``, the classes assigned in the engine.

    Method: ``classes`` (one row per response pattern: its indicator columns, ``age_group``
    when ``age_groups`` are given, and ``class``) is registered in the engine as
    :data:`PATTERN_CLASS_TABLE` and joined to the people on every indicator; the people are
    then counted by class and ``group_by`` (modal assignment, Linzer & Lewis 2011, pattern by
    pattern). People whose pattern is not in ``classes`` are refused, counted.
    ``age_bands=True`` also counts by ``age_band``, the ESP 2013 five-year band of
    ``people.age`` (computed in the engine from the age, for age standardisation).

    Parameters
    ----------
    source
        The data: an engine holding the tables (:func:`analysis.data.configured_source`), a
        dataset of DataFrames, or anything else :func:`analysis.data.engines.as_engine` accepts.
    classes
        One row per response pattern: the indicator columns (columns of people or areas),
        ``age_group`` when ``age_groups`` are given, and ``class`` (a whole number).
    group_by
        Columns of people or areas to count by, besides the class.
    age_groups
        Increasing age cut points: ``age_group`` is 0 below the first, up to
        ``len(age_groups)`` from the last (as in :func:`strata_counts`).
    age_bands
        Also count by ESP 2013 ``age_band``.

    Returns
    -------
    DataFrame
        ``class``, ``*group_by``, ``age_band`` (with ``age_bands``) and ``n`` (people), sorted
        by them.

    Raises
    ------
    InputError
        When ``classes`` lacks ``class`` or indicator columns, has ``age_group`` without
        ``age_groups`` (or the reverse), the data lack ``people`` or ``areas``, or people have
        a pattern ``classes`` does not list (the message gives how many).
    """
    group_by = [group_by] if isinstance(group_by, str) else list(group_by)
    indicators = [c for c in classes.columns if c not in ("class", "age_group")]
    if "class" not in classes.columns or not indicators:
        raise InputError("classes needs a column 'class' and the indicator columns it is keyed by")
    if (age_groups is not None) != ("age_group" in classes.columns):
        raise InputError("classes has a column 'age_group' exactly when age_groups are given")
    keys = [*indicators, *(["age_group"] if age_groups is not None else [])]
    patterns = _person_columns(_breakdowns(indicators)[0])
    if age_groups is not None:
        patterns.append(f"({_age_group('e.age', age_groups)})")
    by_exprs = _person_columns(_breakdowns(group_by)[0])
    names = [*group_by, *(["age_band"] if age_bands else [])]
    if age_bands:  # band number 0..18 of the ESP 2013 bands, labelled below
        by_exprs.append(f"({_age_group('e.age', ESP2013_AGE_BAND_STARTS[1:])})")
    on = " AND ".join(f"{x} = k.{k}" for x, k in zip(patterns, keys, strict=True))
    selected = "".join(f", {e} AS {n}" for e, n in zip(by_exprs, names, strict=True))
    with running(source) as engine:
        _require_tables(engine, ["people", "areas"])
        engine.register(PATTERN_CLASS_TABLE, classes[[*keys, "class"]])
        assigned = engine.query(
            f"""SELECT k.class AS class{selected}, COUNT(*) AS n
    FROM people e LEFT JOIN areas a ON e.area_code = a.area_code
    LEFT JOIN {PATTERN_CLASS_TABLE} k ON {on}
    GROUP BY k.class{"".join(f", {e}" for e in by_exprs)}"""
        )
    unassigned = int(assigned.loc[assigned["class"].isna(), "n"].sum())
    if unassigned:
        raise InputError(
            f"{unassigned:,} people have a response pattern ({', '.join(keys)}) that is not in "
            "classes: give every pattern of strata_counts a class"
        )
    assigned["class"] = assigned["class"].astype("int64")
    assigned["n"] = assigned["n"].astype("int64")
    assigned = assigned.sort_values(["class", *names], kind="stable").reset_index(drop=True)
    if age_bands:
        assigned["age_band"] = np.asarray(ESP2013_AGE_BANDS)[assigned["age_band"].astype("int64")]
    return assigned


def event_years(source: Source) -> tuple[int, int] | None:
    """First and last year with a death, cancer diagnosis or admission (None when none).

    Parameters
    ----------
    source
        The data: an engine holding the tables (:func:`analysis.data.configured_source`), a
        dataset of DataFrames, or anything else :func:`analysis.data.engines.as_engine` accepts.

    Returns
    -------
    tuple of (int, int) or None
        The first and last year.

    Raises
    ------
    InputError
        When the data lack one of the event tables.
    """
    parts = " UNION ALL ".join(
        f"SELECT MIN(e.{year}) AS first_year, MAX(e.{year}) AS last_year FROM {table} e"
        for table, (year, _) in EVENTS.items()
    )
    with running(source) as engine:
        _require_tables(engine, list(EVENTS))
        spans = engine.query(parts).dropna()
    if spans.empty:
        return None
    return int(spans["first_year"].min()), int(spans["last_year"].max())


def configured_truth(config: Config | None = None) -> dict[str, Any] | None:
    """Return the effects planted in the synthetic data when the configuration uses them.

    None for any other data.

    For chapters that compare estimates with what was planted (``data/truth.json``); an engine
    holds only the tables, so the truth comes from the configuration, not from the source.

    Parameters
    ----------
    config
        The configuration (default: the configuration file, :func:`analysis.config.load_config`).

    Returns
    -------
    dict or None
        The planted effects (:func:`analysis.data.parameters.planted_truth`), or ``None``.
    """
    config = load_config() if config is None else config
    return P.planted_truth() if config.data.source == "synthetic" else None


#: Tables without person rows, which may leave the engine whole.
AREA_TABLES = ("areas", "practices")


def area_table(source: Source, name: str) -> pd.DataFrame:
    """Return the ``areas`` or ``practices`` table, sorted by its code.

    One row per small area or GP practice: no person rows.

    Parameters
    ----------
    source
        The data: an engine holding the tables (:func:`analysis.data.configured_source`), a
        dataset of DataFrames, or anything else :func:`analysis.data.engines.as_engine` accepts.
    name
        ``"areas"`` or ``"practices"``.

    Returns
    -------
    DataFrame
        The table, sorted by ``area_code`` or ``practice_code``.

    Raises
    ------
    InputError
        For another name, or when the data lack the table.
    """
    if name not in AREA_TABLES:
        raise InputError(f"name is {name!r}; allowed: {', '.join(AREA_TABLES)}")
    with running(source) as engine:
        _require_tables(engine, [name])
        out = engine.query(f"SELECT * FROM {name}")
    code = "area_code" if name == "areas" else "practice_code"
    return out.sort_values(code, kind="stable").reset_index(drop=True)


def record_checks(source: Source) -> dict[str, int]:
    """Count in the engine what an analyst checks before measuring inequalities.

    Keys: ``people``, ``unique_people`` (distinct ``person_id``), ``unknown_area`` (area code
    not in ``areas``), ``missing_core`` (age, sex or area missing), ``ethnicity_not_stated``,
    ``hypertension_recorded``; ``deaths``, ``repeat_deaths`` (death records beyond a person's
    first); ``cancers``, ``stage_unknown``; ``admissions``, ``admissions_after_death`` (in a
    year after the person's year of death).

    Parameters
    ----------
    source
        The data: an engine holding the tables (:func:`analysis.data.configured_source`), a
        dataset of DataFrames, or anything else :func:`analysis.data.engines.as_engine` accepts.

    Returns
    -------
    dict of str to int
        The counts, by the keys above.

    Raises
    ------
    InputError
        When the data lack ``people``, ``areas`` or an event table.
    """
    queries = {
        "people": f"""SELECT COUNT(*) AS people, COUNT(DISTINCT p.person_id) AS unique_people,
               SUM(CASE WHEN a.area_code IS NULL THEN 1 ELSE 0 END) AS unknown_area,
               SUM(CASE WHEN p.age IS NULL OR p.sex IS NULL OR p.area_code IS NULL
                   THEN 1 ELSE 0 END) AS missing_core,
               SUM(CASE WHEN p.ethnicity = 'Not stated' THEN 1 ELSE 0 END)
                   AS ethnicity_not_stated,
               SUM({is_true("p.hypertension_recorded")}) AS hypertension_recorded
        FROM people p LEFT JOIN areas a ON p.area_code = a.area_code""",
        "deaths": """SELECT COUNT(*) AS deaths,
               COUNT(*) - COUNT(DISTINCT d.person_id) AS repeat_deaths
        FROM deaths d""",
        "cancers": """SELECT COUNT(*) AS cancers,
               SUM(CASE WHEN c.stage IS NULL THEN 1 ELSE 0 END) AS stage_unknown
        FROM cancers c""",
        "admissions": """SELECT COUNT(*) AS admissions,
               SUM(CASE WHEN d.year IS NOT NULL AND e.year > d.year THEN 1 ELSE 0 END)
                   AS admissions_after_death
        FROM admissions e LEFT JOIN deaths d ON e.person_id = d.person_id""",
    }
    with running(source) as engine:
        _require_tables(engine, ["people", "areas", *EVENTS])
        rows = [engine.query(sql).iloc[0] for sql in queries.values()]
    return {name: int(value) for row in rows for name, value in row.fillna(0).items()}
