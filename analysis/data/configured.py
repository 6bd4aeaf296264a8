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
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from analysis.config import Config, ConfigError, load_config
from analysis.data import parameters as P
from analysis.data.dataset import TABLES, Dataset
from analysis.data.engines import Engine, open_engine, register_dataset
from analysis.data.loaders import default_dataset, default_directory, load_dataset
from analysis.data.schema import PERSON_LEVEL, Column
from analysis.validation import InputError


def configured_dataset(config: Config | None = None) -> Dataset:
    """Load the data the configuration points at into memory (the synthetic default when it
    says so).

    With no argument the configuration is read with :func:`analysis.config.load_config`.
    Tables in a database (``data.format: database``) are not copied out: use
    :func:`configured_source` (as the indicator command does) to aggregate them in place.

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
        if data.n_people or data.seed is not None:  # another population, stored beside the default
            n_people = data.n_people or P.DEFAULT_N_PEOPLE
            seed = P.DEFAULT_SEED if data.seed is None else data.seed
            name = f"synthetic-{n_people}" + ("" if data.seed is None else f"-seed{seed}")
            return default_dataset(
                n_people=n_people, seed=seed, directory=default_directory().parent / name
            )
        return default_dataset()
    if data.format == "database":
        raise ConfigError(
            f"'data.format: database' keeps person-level rows in the {data.engine} database; "
            "the book's chapters need them in memory. Run the indicator command "
            "(python -m analysis.indicators), which aggregates in the database, or export "
            "the tables to Parquet and set data.format and data.path"
        )
    fmt = None if data.format == "duckdb" else data.format
    return load_dataset(data.path, format=fmt, columns=data.columns or None)


def configured_source(config: Config | None = None, *, validate: bool = True) -> Engine:
    """An engine holding the configured tables under our names, for aggregating in place.

    ``data.engine`` chooses DuckDB (default), Spark (``data.connection`` is the master URL,
    e.g. ``local[2]`` or ``spark://host:7077``) or a database (``postgres`` / ``mssql``,
    ``data.connection`` is the SQLAlchemy URL). Files (``data.format`` parquet or csv) are read
    lazily by DuckDB or Spark; the synthetic data are registered from memory. With
    ``validate`` the tables are checked first (:func:`check_tables`). Close the engine (or use
    it in a ``with`` block) when done.

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
    if data.source == "synthetic":
        return register_dataset(
            open_engine(data.engine, data.connection), configured_dataset(config)
        )
    if data.format == "duckdb":
        engine = open_engine("duckdb", data.path)
        fmt = "database"
    else:
        engine = open_engine(data.engine, None if data.engine == "duckdb" else data.connection)
        fmt = data.format
    try:
        return attach_tables(
            engine,
            path=data.path,
            format=fmt,
            columns=data.columns,
            tables=data.tables,
            validate=validate,
        )
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


def attach_tables(
    engine: Engine,
    *,
    path: str | Path | None = None,
    format: str = "parquet",
    columns: Mapping[str, Mapping[str, str]] | None = None,
    tables: Mapping[str, str] | None = None,
    validate: bool = True,
) -> Engine:
    """Make the person-level tables available in ``engine`` under our names; return it.

    ``format`` is ``"parquet"`` or ``"csv"`` (files under ``path``, one file
    ``people.parquet`` or a folder ``people/`` per table, possibly hive-partitioned, read
    lazily) or ``"database"`` (tables already in the engine's database; ``tables`` maps our
    table names to yours, e.g. ``{"people": "dbo.patients"}``). ``columns`` maps your column
    names to ours, per table; other columns keep their names in lower case. Only ``SELECT``
    views are made: nothing is copied or written to your data.
    """
    columns, tables = columns or {}, tables or {}
    for table in TABLES:
        stored = tables.get(table, table)
        if format == "database":
            if "." not in stored and stored.lower() not in engine.tables():
                raise InputError(
                    f"table {stored!r} not found in the {engine.name} database "
                    f"(name yours with data.tables.{table})"
                )
            relation = stored if "." in stored else engine.stored(stored)
            named_as_ours = stored == table
        else:
            named_as_ours = False
            if path is None:
                raise InputError(f"format {format!r} needs the folder holding the files (path)")
            relation = f"{table}_files"
            engine.attach_files(relation, _file_location(str(path), stored, format), format)
        found = engine.columns(relation)
        yours = dict(columns.get(table, {}))
        unknown = sorted(set(yours) - set(found))
        if unknown:
            raise InputError(
                f"data.columns.{table} names {', '.join(unknown)}, not column(s) of {stored}; "
                f"it has {', '.join(found)}"
            )
        mapping = {c: yours.get(c, c.lower()) for c in found}
        missing = [
            c.name for c in PERSON_LEVEL[table] if c.required and c.name not in mapping.values()
        ]
        if missing:
            raise InputError(
                f"table {table} ({stored}) lacks required column(s) {', '.join(missing)}; "
                f"it has {', '.join(found)} (map your names with data.columns.{table})"
            )
        if not named_as_ours or any(mapping[c] != c for c in found):
            select = ", ".join(f"{engine.quote(c)} AS {mapping[c]}" for c in found)
            engine.define(table, f"SELECT {select} FROM {relation}")
    if validate:
        check_tables(engine)
    return engine


def _rules(column: Column) -> list[tuple[str, str]]:
    """(rule, SQL condition of a row that breaks it) for one column of the schema."""
    ref, rules = f"t.{column.name}", []
    if not column.nullable:
        rules.append(("must not be missing", f"{ref} IS NULL"))
    if column.allowed is not None:
        labels = ", ".join(f"'{v}'" for v in column.allowed)
        rules.append((f"must be one of {', '.join(column.allowed)}", f"{ref} NOT IN ({labels})"))
    if column.minimum is not None:
        rules.append((f"must be at least {column.minimum:g}", f"{ref} < {column.minimum:g}"))
    if column.maximum is not None:
        rules.append((f"must be at most {column.maximum:g}", f"{ref} > {column.maximum:g}"))
    return rules


def _column_rules(engine: Engine, table: str) -> list[tuple[str, str, str]]:
    """(description, column, SQL condition of a breaking row) for the columns ``table`` has."""
    present = set(engine.columns(table))
    return [
        (f"{table}.{column.name} {rule}", column.name, condition)
        for column in PERSON_LEVEL[table]
        if column.name in present
        for rule, condition in _rules(column)
    ]


def _key_checks() -> list[tuple[str, str]]:
    """(description, SQL selecting offending values as ``example``): unique keys, links."""
    checks = []
    keys = {"areas": "area_code", "practices": "practice_code", "people": "person_id"}
    for table, key in [*keys.items(), ("deaths", "person_id")]:
        checks.append(
            (
                f"{table}.{key} must be unique",
                f"SELECT t.{key} AS example FROM {table} t GROUP BY t.{key} HAVING COUNT(*) > 1",
            )
        )
    links = [("people", "area_code", "areas", "area_code")] + [
        (event, "person_id", "people", "person_id") for event in ("deaths", "cancers", "admissions")
    ]
    for table, key, other, other_key in links:
        checks.append(
            (
                f"{table}.{key} must be in {other}",
                f"SELECT t.{key} AS example FROM {table} t LEFT JOIN {other} o "
                f"ON t.{key} = o.{other_key} WHERE o.{other_key} IS NULL",
            )
        )
    return checks


def _example(engine: Engine, sql: str) -> str:
    value = engine.query(f"SELECT MIN(c.example) AS example FROM ({sql}) c")["example"].tolist()
    return f", e.g. {value[0]!r}"


def check_tables(engine: Engine) -> None:
    """Check the tables in ``engine`` against the schema with aggregate queries.

    The rules of :mod:`analysis.data.schema` (no missing values, allowed labels, ranges) are
    counted in one pass over each table; unique keys and the links between tables (areas of
    people, people of events) in one more query. A broken rule raises :class:`InputError`
    naming the table, column and rule with how many rows break it and an example value.
    Person-level rows never leave the engine.
    """
    problems = []
    for table in TABLES:
        rules = _column_rules(engine, table)
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
    checks = _key_checks()
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
