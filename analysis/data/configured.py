"""The data the configuration file points at: the entry points chapters and commands use.

One configuration file (``analysis.yml`` or ``$NHS_ANALYSIS_CONFIG``; see :mod:`analysis.config`)
moves the book and the indicator command onto your data. Two ways in:

- :func:`configured_dataset` -- the person-level tables in memory (pandas), validated; the
  book's chapters use it (they model and plot person-level data).
- :func:`configured_source` -- an :class:`~analysis.data.engines.Engine` where the data live
  (DuckDB over your files, a Spark cluster, PostgreSQL or SQL Server), holding the tables under
  our names with your columns renamed to ours; ``python -m analysis.indicators`` uses it, so
  only aggregates leave the engine and memory is bounded by the aggregate, not the input.

:func:`attach_tables` does the work of the second for any engine: it makes each table
available (lazily, for files), renames columns in a view, and runs the schema's checks as
aggregate SQL queries (:func:`check_tables`) so bad rows stop the run with their rule named.
Files that passed those checks are remembered by a fingerprint of their contents (and of the
rules), so the book's chapters, each in its own process, check an extract once, not once each.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.config import Config, ConfigError, load_config
from analysis.data import parameters as P
from analysis.data import schema
from analysis.data.aggregate import age_band_table, set_rollup
from analysis.data.dataset import TABLES, Dataset
from analysis.data.engines import Engine, _sql_string, open_engine, register_dataset
from analysis.data.loaders import (
    default_dataset,
    default_directory,
    load_dataset,
    stored_synthetic,
    text_encoding,
)
from analysis.data.schema import (
    EVENT_YEARS,
    FALSE_TEXT,
    LINKS,
    NUMBER_TEXT,
    PERSON_LEVEL,
    TRUE_TEXT,
    UNIQUE_KEYS,
    Column,
)
from analysis.validation import InputError

#: Environment variable naming the folder of fingerprints of files that passed the checks.
CHECKED_DIR_ENV_VAR = "NHS_CHECKED_DIR"


def configured_dataset(config: Config | None = None) -> Dataset:
    """Load the data the configuration points at into memory (the synthetic default when it says so).

    With no argument the configuration is read with :func:`analysis.config.load_config`.
    Tables in a database (``data.format: database``) are not copied out: use
    :func:`configured_source` (as the indicator command does) to aggregate them in place.

    Parameters
    ----------
    config
        The configuration (default: the configuration file).

    Returns
    -------
    Dataset
        The person-level tables, validated (:func:`analysis.data.loaders.load_dataset`), or the
        stored synthetic population (generated on first use).

    Raises
    ------
    ConfigError
        For aggregated data or a database, which cannot be loaded into memory.
    InputError
        When the files break the schema.

    Examples
    --------
    >>> from analysis.config import parse_config
    >>> configured_dataset(parse_config({"data": {"source": "aggregated", "format": "csv",
    ...     "path": "x"}}))
    Traceback (most recent call last):
    ...
    analysis.config.ConfigError: 'data.source: aggregated' is not supported yet: it needs person-level tables (people, deaths, cancers, admissions, areas)
    """
    config = load_config() if config is None else config
    data = config.data
    _refuse_aggregated(config)
    if data.source == "synthetic":
        return default_dataset(**_synthetic_population(config))
    if data.format == "database":
        raise ConfigError(
            f"'data.format: database' keeps person-level rows in the {data.engine} database; "
            "the book's chapters need them in memory. Run the indicator command "
            "(python -m analysis.indicators), which aggregates in the database, or export "
            "the tables to Parquet and set data.format and data.path"
        )
    fmt = None if data.format == "duckdb" else data.format
    return load_dataset(data.path, format=fmt, columns=data.columns or None, encoding=data.encoding)


def _synthetic_population(config: Config) -> dict[str, Any]:
    """``n_people``, ``seed`` and ``directory`` of the configured synthetic population: the default, or another one stored beside it (``synthetic-N`` or ``synthetic-N-seedS``)."""
    data = config.data
    if not data.n_people and data.seed is None:
        return {}
    n_people = data.n_people or P.DEFAULT_N_PEOPLE
    seed = P.DEFAULT_SEED if data.seed is None else data.seed
    name = f"synthetic-{n_people}" + ("" if data.seed is None else f"-seed{seed}")
    return {"n_people": n_people, "seed": seed, "directory": default_directory().parent / name}


def configured_source(config: Config | None = None, *, validate: bool = True) -> Engine:
    """Return an engine holding the configured tables under our names, for aggregating in place.

    ``data.engine`` chooses DuckDB (default), Spark (``data.connection`` is the master URL,
    e.g. ``local[2]`` or ``spark://host:7077``) or a database (``postgres`` / ``mssql``,
    ``data.connection`` is the SQLAlchemy URL). Files (``data.format`` parquet or csv) are read
    lazily by DuckDB or Spark; the synthetic data are registered from memory in DuckDB, and
    Spark reads their stored Parquet files (so the JVM holds no copy of the rows: its memory
    is bounded by the work of each query, not by the data). Spark's memory and shuffle
    partitions come from ``data.spark``. Events by any of the configured breakdowns (and
    deprivation deciles) are counted in one query per event and cause and rolled up
    (:func:`~analysis.data.aggregate.set_rollup`). Close the engine (or use it in a ``with``
    block) when done.

    Parameters
    ----------
    config
        The configuration (default: the configuration file, :func:`analysis.config.load_config`).
    validate
        Check the tables against the schema first (:func:`check_tables`; files that passed
        before are remembered by their fingerprint, module docstring); the synthetic data are
        valid by construction and never checked.

    Returns
    -------
    Engine
        The engine, holding the configured tables under our names
        (:data:`analysis.data.dataset.TABLES`).

    Examples
    --------
    >>> from analysis.config import parse_config
    >>> from analysis.data.aggregate import population_at_risk
    >>> config = parse_config({"data": {"source": "synthetic", "n_people": 5000}})
    >>> with configured_source(config) as engine:
    ...     int(population_at_risk(engine, years=[2020])["population"].sum())
    5000
    """
    config = load_config() if config is None else config
    data = config.data
    _refuse_aggregated(config)
    # the configured breakdowns, and deprivation deciles for the slope index of inequality
    rollup = [*(b for b in config.analysis.breakdowns if b != "age_band"), "imd_decile"]
    spark = data.spark.properties() if data.engine == "spark" else None
    if data.source == "synthetic" and data.engine != "spark":
        engine = open_engine(data.engine, data.connection)
        return set_rollup(register_dataset(engine, configured_dataset(config)), rollup)
    if data.source == "synthetic":  # valid by construction: nothing to check
        engine = open_engine("spark", data.connection, spark_settings=spark)
        path, fmt, validate = stored_synthetic(**_synthetic_population(config)), "parquet", False
    elif data.format == "duckdb":
        engine = open_engine("duckdb", data.path)
        path, fmt = data.path, "database"
    else:
        connection = None if data.engine == "duckdb" else data.connection
        engine = open_engine(data.engine, connection, spark_settings=spark)
        path, fmt = data.path, data.format
    try:
        attached = attach_tables(
            engine,
            path=path,
            format=fmt,
            columns=data.columns,
            tables=data.tables,
            validate=validate,
            encoding=data.encoding,
        )
        return set_rollup(attached, rollup)
    except Exception:
        engine.close()
        raise


def _refuse_aggregated(config: Config) -> None:
    if config.data.source == "aggregated":
        raise ConfigError(
            "'data.source: aggregated' is not supported yet: it needs "
            "person-level tables (people, deaths, cancers, admissions, areas)"
        )


def _file_location(path: str, name: str, format: str) -> str:
    """``<path>/<name>.<format>`` (one file) or ``<path>/<name>`` (a folder, e.g. partitioned)."""
    if "://" in path:  # a cluster file system (hdfs://, s3a://, abfss://): folders by table
        return f"{path.rstrip('/')}/{name}"
    for candidate in (Path(path) / f"{name}.{format}", Path(path) / name):
        if candidate.exists():
            return str(candidate)
    raise InputError(
        f"table {name!r} not found in {path}: expected {name}.{format} or a folder {name}/ "
        f"of {format} files"
    )


def _csv_encoding(location: str, encoding: str) -> str:
    """Check every CSV file of a table decodes (:func:`text_encoding`); the encoding to use.

    Files on a cluster file system (``hdfs://`` ...) are not read here: the engine reads them.
    """
    if "://" in location:
        return encoding
    target = Path(location)
    files = sorted(target.rglob("*.csv")) if target.is_dir() else [target]
    chosen = {text_encoding(file, encoding) for file in files}
    return chosen.pop() if len(chosen) == 1 else encoding


def attach_tables(
    engine: Engine,
    *,
    path: str | Path | None = None,
    format: str = "parquet",
    columns: Mapping[str, Mapping[str, str]] | None = None,
    tables: Mapping[str, str] | None = None,
    validate: bool = True,
    encoding: str = "utf-8",
    years: Sequence[int] | None = None,
) -> Engine:
    """Make the person-level tables available in ``engine`` under our names; return it.

    ``format`` is ``"parquet"`` or ``"csv"`` (files under ``path``, one file
    ``people.parquet`` or a folder ``people/`` per table, possibly hive-partitioned, read
    lazily; CSV in ``encoding``, checked first by :func:`text_encoding`) or ``"database"``
    (tables already in the engine's database; ``tables`` maps our table names to yours, e.g.
    ``{"people": "dbo.patients"}``). ``columns`` maps your column names to ours, per table;
    other columns keep their names in lower case. Only ``SELECT`` views are made: nothing is
    copied or written to your data.

    Stored types are checked in the engine before anything is aggregated, by the schema's rule
    (:mod:`analysis.data.schema`): a number or flag stored as text in Parquet or a database is
    an :class:`InputError` naming the table, the file or stored table, the column and an
    example value; in CSV such text is read by its written form (numbers in digits, flags as
    true/false, yes/no, y/n, 1/0), any other value an error with an example; flags stored as
    the numbers 1 and 0 are read as flags everywhere. With ``validate`` the values are then
    checked by :func:`check_tables` (event years within ``years`` when given).

    Parameters
    ----------
    engine
        The engine to make the tables available in; it is changed in place.
    path
        The file or folder holding the files (not used for ``"database"``).
    format
        ``"parquet"``, ``"csv"`` or ``"database"``.
    columns
        Per table, your column names mapped to ours.
    tables
        For ``"database"``: our table names mapped to yours.
    validate
        Check the values with :func:`check_tables` once the types are checked.
    encoding
        The text encoding of CSV files.
    years
        The years the analysis covers: with ``validate``, event years outside them are an
        error (default: not checked).

    Returns
    -------
    Engine
        ``engine``, holding views ``people``, ``deaths``, ``cancers``, ``admissions``,
        ``areas`` and ``practices``.

    Raises
    ------
    InputError
        When a table or file is not found, a path is missing, a stored type breaks the schema,
        or (with ``validate``) a value does; the message names table, column and an example.
    """
    columns, tables = columns or {}, tables or {}
    problems: list[str] = []
    locations: list[str] = []
    for table in TABLES:
        stored = tables.get(table, table)
        if format == "database":
            if "." not in stored and stored.lower() not in engine.tables():
                raise InputError(
                    f"table {stored!r} not found in the {engine.name} database "
                    f"(name yours with data.tables.{table})"
                )
            relation = stored if "." in stored else engine.stored(stored)
            named_as_ours, where = stored == table, f"{engine.name} table {stored}"
        else:
            if path is None:
                raise InputError(f"format {format!r} needs the folder holding the files (path)")
            relation, named_as_ours = f"{table}_files", False
            where = _file_location(str(path), stored, format)
            locations.append(where)
            chosen = _csv_encoding(where, encoding) if format == "csv" else encoding
            engine.attach_files(relation, where, format, encoding=chosen)
        kinds = engine.column_kinds(relation)
        found = list(kinds)
        yours = dict(columns.get(table, {}))
        unknown = sorted(set(yours) - set(found))
        if unknown:
            raise InputError(
                f"data.columns.{table} names {', '.join(unknown)}, not column(s) of {stored}; "
                f"it has {', '.join(found)}"
            )
        # a byte-order mark that an engine kept in the first column name is not part of it
        mapping = {c: yours.get(c, c.lstrip("\ufeff").lower()) for c in found}
        missing = [
            c.name for c in PERSON_LEVEL[table] if c.required and c.name not in mapping.values()
        ]
        if missing:
            raise InputError(
                f"table {table} ({stored}) lacks required column(s) {', '.join(missing)}; "
                f"it has {', '.join(found)} (map your names with data.columns.{table})"
            )
        typed = _typed_columns(engine, table, relation, where, kinds, mapping, format == "csv")
        problems += typed.problems
        if not named_as_ours or typed.converted or any(mapping[c] != c for c in found):
            select = ", ".join(f"{typed.expressions[c]} AS {mapping[c]}" for c in found)
            engine.define(table, f"SELECT {select} FROM {relation} t")
    if problems:
        raise InputError(
            "the data's column types break the schema (data/README.md):\n- " + "\n- ".join(problems)
        )
    if validate:
        settings = repr((engine.name, format, columns, tables, encoding, years))
        _check_once(engine, _fingerprint(locations, settings) if locations else None, years)
    return engine


def checked_directory() -> Path:
    """Where fingerprints of files that passed :func:`check_tables` are kept: ``$NHS_CHECKED_DIR``, else a user cache folder."""
    named = os.environ.get(CHECKED_DIR_ENV_VAR)
    return Path(named) if named else Path.home() / ".cache" / "nhs-inequalities" / "checked"


def _fingerprint(locations: Sequence[str], settings: str) -> str | None:
    """SHA-256 of the files' names and contents, the settings and the rules' source code.

    ``None`` (always check) for files on a cluster file system, which are not read here.
    """
    if any("://" in location for location in locations):
        return None
    digest = hashlib.sha256(settings.encode())
    for rules in (Path(__file__), Path(schema.__file__)):  # changed rules: check again
        digest.update(rules.read_bytes())
    for location in locations:
        target = Path(location).resolve()
        files = sorted(f for f in target.rglob("*") if f.is_file()) if target.is_dir() else [target]
        for file in files:
            digest.update(str(file).encode())
            with file.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def _check_once(engine: Engine, fingerprint: str | None, years: Sequence[int] | None) -> None:
    """Run :func:`check_tables` unless files with this ``fingerprint`` passed it before.

    A database (no fingerprint) is checked every time: its tables can change unseen.
    """
    marker = None if fingerprint is None else checked_directory() / fingerprint
    if marker is not None and marker.exists():
        return
    check_tables(engine, years=years)
    if marker is not None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()


@dataclass(frozen=True)
class _Typed:
    """A table's select expressions (source column -> SQL), whether any converts a stored type, and the type problems found."""

    expressions: dict[str, str]
    converted: bool
    problems: list[str]


def _typed_columns(
    engine: Engine,
    table: str,
    relation: str,
    where: str,
    kinds: Mapping[str, str],
    mapping: Mapping[str, str],
    from_text: bool,
) -> _Typed:
    """Check each schema column's stored type (see :func:`attach_tables`) and give the SQL that reads it as its kind.

    Text values that are not written plainly are counted in one query.
    """
    schema = {c.name: c for c in PERSON_LEVEL[table]}
    expressions, problems, checks = {}, [], []
    converted = False
    for source, ours in mapping.items():
        ref, stored, column = f"t.{engine.quote(source)}", kinds[source], schema.get(ours)
        expressions[source] = ref
        if column is None:
            continue
        if stored == "other":  # a date, binary...: no rule reads it as a number, flag or code
            wanted = {"integer": "a number", "number": "a number", "boolean": "a flag"}
            problems.append(
                f"{where}: column {ours} holds a date or another type that is not "
                f"{wanted.get(column.kind, 'text')}; convert it in the extract"
            )
            continue
        text = f"LOWER(TRIM({ref}))"
        flag_text = ", ".join(_sql_string(v) for v in (*TRUE_TEXT, *FALSE_TEXT))
        true_text = ", ".join(_sql_string(v) for v in TRUE_TEXT)
        if column.kind in ("integer", "number") and stored == "boolean":
            problems.append(f"{where}: column {ours} must be numeric, not true/false")
        elif column.kind in ("integer", "number") and stored == "text":
            if not from_text:
                problems.append(_stored_as_text(engine, relation, ref, where, ours, "numbers"))
                continue
            checks.append((ours, ref, f"NOT ({engine.matches(f'TRIM({ref})', NUMBER_TEXT)})",
                           "must be numeric (a number written in digits)"))  # fmt: skip
            cast = "integer" if column.kind == "integer" else "number"
            expressions[source] = (
                f"CAST(CAST(TRIM({ref}) AS {engine.cast_type('number')}) "
                f"AS {engine.cast_type(cast)})"
            )
        elif column.kind == "boolean" and stored in ("integer", "number"):
            checks.append((ours, ref, f"{ref} NOT IN (0, 1)", "flags must be 1 or 0"))
            expressions[source] = f"(CASE WHEN {ref} = 1 THEN 1 WHEN {ref} = 0 THEN 0 END = 1)"
        elif column.kind == "boolean" and stored == "text":
            if not from_text:
                problems.append(_stored_as_text(engine, relation, ref, where, ours, "flags"))
                continue
            checks.append((ours, ref, f"{text} NOT IN ({flag_text})",
                           f"must be a flag written as one of {', '.join(TRUE_TEXT + FALSE_TEXT)}"))  # fmt: skip
            expressions[source] = (
                f"(CASE WHEN {text} IN ({true_text}) THEN 1 WHEN {text} IS NOT NULL THEN 0 END = 1)"
            )
        elif column.kind in ("text", "category") and stored != "text":
            expressions[source] = f"CAST({ref} AS {engine.cast_type('text')})"
        converted = converted or expressions[source] != ref
    if checks:
        sums = ", ".join(
            f"SUM(CASE WHEN {ref} IS NOT NULL AND {bad} THEN 1 ELSE 0 END) AS r{i}"
            for i, (_, ref, bad, _) in enumerate(checks)
        )
        counts = engine.query(f"SELECT {sums} FROM {relation} t").iloc[0].fillna(0).tolist()
        for (ours, ref, bad, rule), n in zip(checks, counts, strict=True):
            if n > 0:
                example = _example(engine, f"SELECT {ref} AS example FROM {relation} t "
                                           f"WHERE {ref} IS NOT NULL AND {bad}")  # fmt: skip
                problems.append(f"{where}: column {ours} {rule}: {int(n)} row(s) break it{example}")
    return _Typed(expressions, converted, problems)


def _stored_as_text(
    engine: Engine, relation: str, ref: str, where: str, ours: str, kind: str
) -> str:
    example = _example(engine, f"SELECT {ref} AS example FROM {relation} t WHERE {ref} IS NOT NULL")
    return (
        f"{where}: column {ours} holds {kind} stored as text{example}; store them as {kind} "
        "in the extract (text is read by its written form only from CSV)"
    )


def _rules(column: Column) -> list[tuple[str, str]]:
    """(rule, SQL condition of a row that breaks it) for one column of the schema."""
    ref, rules = f"t.{column.name}", []
    if not column.nullable:
        rules.append(("must not be missing", f"{ref} IS NULL"))
    if column.allowed is not None:
        labels = ", ".join(f"'{v}'" for v in column.allowed)
        rules.append((f"must be one of {', '.join(column.allowed)}", f"{ref} NOT IN ({labels})"))
    if column.kind == "integer":
        rules.append(("must be a whole number", f"{ref} <> FLOOR({ref})"))
    if column.minimum is not None:
        rules.append((f"must be at least {column.minimum:g}", f"{ref} < {column.minimum:g}"))
    if column.maximum is not None:
        rules.append((f"must be at most {column.maximum:g}", f"{ref} > {column.maximum:g}"))
    return rules


def _column_rules(table: str, present: set[str]) -> list[tuple[str, str, str]]:
    """Return (description, column, SQL condition of a breaking row) for the columns ``table`` has."""
    return [
        (f"{table}.{column.name} {rule}", column.name, condition)
        for column in PERSON_LEVEL[table]
        if column.name in present
        for rule, condition in _rules(column)
    ]


def _table_checks(
    present: Mapping[str, set[str]], years: Sequence[int] | None
) -> list[tuple[str, str]]:
    """Return (description, SQL selecting offending values as ``example``) for the rules between tables and rows of :mod:`analysis.data.schema`: unique keys, links, age bands, no event after death, and event years within ``years`` when given."""
    checks = []
    for table, key in UNIQUE_KEYS:
        checks.append(
            (
                f"{table}.{key} must be unique",
                f"SELECT t.{key} AS example FROM {table} t GROUP BY t.{key} HAVING COUNT(*) > 1",
            )
        )
    for table, key, other, other_key in LINKS:
        if key in present[table]:
            checks.append(
                (
                    f"{table}.{key} must be in {other}.{other_key}",
                    f"SELECT t.{key} AS example FROM {table} t LEFT JOIN "
                    f"(SELECT DISTINCT o.{other_key} FROM {other} o) o "
                    f"ON t.{key} = o.{other_key} WHERE o.{other_key} IS NULL",
                )
            )
    if "age_band" in present["people"]:
        bands = age_band_table("esp2013")
        rows = ", ".join(
            f"('{r.age_band}', {r.start_age}, {r.end_age})" for r in bands.itertuples()
        )
        checks.append(
            (
                "people.age_band must match age (ESP 2013 five-year bands)",
                f"SELECT t.age_band AS example FROM people t JOIN (VALUES {rows}) "
                "AS b(age_band, start_age, end_age) ON t.age BETWEEN b.start_age AND b.end_age "
                "WHERE t.age_band <> b.age_band",
            )
        )
    for table, year in EVENT_YEARS.items():
        if table != "deaths":
            checks.append(
                (
                    f"{table}.{year} must not be after the person's year of death",
                    f"SELECT t.person_id AS example FROM {table} t "
                    f"JOIN deaths d ON t.person_id = d.person_id WHERE t.{year} > d.year",
                )
            )
        if years is not None:
            lo, hi = min(years), max(years)
            checks.append(
                (
                    f"{table}.{year} must be within {lo}-{hi}",
                    f"SELECT t.{year} AS example FROM {table} t "
                    f"WHERE t.{year} < {int(lo)} OR t.{year} > {int(hi)}",
                )
            )
    return checks


def _example(engine: Engine, sql: str) -> str:
    value = engine.query(f"SELECT MIN(c.example) AS example FROM ({sql}) c")["example"].tolist()
    return f", e.g. {value[0]!r}"


def check_tables(engine: Engine, *, years: Sequence[int] | None = None) -> None:
    """Check the tables in ``engine`` against the schema with aggregate queries.

    The engine executor of the schema's one rule set (:mod:`analysis.data.schema`; the
    in-memory one is :func:`analysis.data.validate.validate_dataset`): no missing values,
    allowed labels, whole numbers and ranges (event years up to the current year) are counted
    in one pass over each table; unique keys, the links between tables, age bands that match
    ages, no event after death and (when given) event years within ``years`` in one more
    query. A broken rule raises :class:`InputError` naming the table, column and rule with how
    many rows break it and an example value. Person-level rows never leave the engine.

    Parameters
    ----------
    engine
        The engine holding the tables under our names (:func:`attach_tables`).
    years
        When given, event years must lie within them.

    Raises
    ------
    InputError
        For every broken rule, in one message.
    """
    problems = []
    present = {table: set(engine.columns(table)) for table in TABLES}
    for table in TABLES:
        rules = _column_rules(table, present[table])
        sums = ", ".join(
            f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS r{i}"
            for i, (_, _, condition) in enumerate(rules)
        )
        counts = engine.query(f"SELECT {sums} FROM {table} t").iloc[0].fillna(0).tolist()
        for (description, column, condition), n in zip(rules, counts, strict=True):
            if n > 0:
                problem = f"{description}: {int(n)} row(s) break it"
                if not description.endswith("missing"):  # the example of a NULL is NULL
                    sql = f"SELECT t.{column} AS example FROM {table} t WHERE {condition}"
                    problem += _example(engine, sql)
                problems.append(problem)
    checks = _table_checks(present, years)
    counts = engine.query(
        " UNION ALL ".join(
            f"SELECT {i} AS check_id, COUNT(*) AS n FROM ({sql}) c"
            for i, (_, sql) in enumerate(checks)
        )
    )
    for check_id, n in sorted(zip(counts["check_id"], counts["n"], strict=True)):
        if n > 0:
            description, sql = checks[check_id]
            problems.append(f"{description}: {n} row(s) break it{_example(engine, sql)}")
    if problems:
        raise InputError("the data break the schema (data/README.md):\n- " + "\n- ".join(problems))
