"""Where row-level work runs: DuckDB (default), Spark, or a SQL database such as PostgreSQL.

The data layer states its row-level work (joining people to events and areas and counting them
into strata) once, as portable SQL text in :mod:`analysis.data.aggregate`. An :class:`Engine`
runs that text where the data live and hands back only the aggregate, as a pandas DataFrame:

- :class:`DuckDBEngine` -- embedded, the default; reads pandas tables in place and Parquet or
  CSV files lazily (:meth:`Engine.attach_files`), so memory is bounded by the aggregate.
- :class:`SparkEngine` -- a ``SparkSession``: ``local[n]`` on one machine or a cluster
  (``spark://...``, ``yarn``, ``k8s://...``); tables are temporary views, queries run through
  ``spark.sql(...)`` and only the aggregate is collected (``toPandas``).
- :class:`SQLEngine` -- a database through SQLAlchemy: PostgreSQL with psycopg
  (``postgresql://user@host/db``), SQL Server with pyodbc
  (``mssql+pyodbc://user:password@dsn``); the aggregation needs read access only.

Every engine answers the same four questions: :meth:`Engine.query` (run SQL, get the
aggregate), :meth:`Engine.register` (put a small pandas table under a name),
:meth:`Engine.define` (a named relation given by a ``SELECT``: a view, used to rename your
columns to ours) and :meth:`Engine.tables` (which names exist). Results differ between engines
only in types (PostgreSQL and Spark return ``Decimal`` for sums of decimals, Spark ``int32``
for small integers, nullable integer types with DuckDB); :func:`normalise` maps them to one set
of pandas types in one place, so the same query gives identical frames on every engine.

Why portable SQL and not Ibis. Ibis compiles dataframe expressions to each backend's SQL and
would also reach these engines. We keep hand-written portable SQL because the work is a handful
of fixed joins and GROUP BYs that SQL states most plainly; NHS analysts read and reuse SQL on
their warehouses every day, and the exact text that runs can be printed and pasted into a
warehouse query tool; and Ibis would add a large dependency with a backend extra per engine
whose compiled SQL we would have to check on each of them anyway. The price is keeping the
templates to the common subset of the dialects (see :mod:`analysis.data.aggregate`), which the
tests check by running the same text on DuckDB, Spark and PostgreSQL. Nothing here distributes
work itself: Spark and the database do.

>>> engine = DuckDBEngine()
>>> engine.register("people", pd.DataFrame({"sex": ["Female", "Male", "Male"]}))
>>> engine.query("SELECT sex, COUNT(*) AS n FROM people GROUP BY sex ORDER BY sex")
      sex  n
0  Female  1
1    Male  2
"""

from __future__ import annotations

import abc
import codecs
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analysis.data.dataset import Dataset
from analysis.validation import InputError

#: Engine names, as in the configuration key ``data.engine``.
ENGINE_NAMES = ("duckdb", "spark", "postgres", "mssql")
FILE_FORMATS = ("parquet", "csv")
_RELATION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class EngineUnavailableError(RuntimeError):
    """The engine's client library (or its runtime, such as Java for Spark) is missing."""


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    """One set of pandas types for an aggregate, whichever engine computed it.

    Integers become ``int64`` (``Int64`` when there are NULLs), decimals and floats ``float64``,
    booleans ``bool`` (``boolean`` with NULLs) and text pandas' ``str``; NULLs become missing
    values of those types. Column names and row order are kept.

    Parameters
    ----------
    df
        An aggregate as the engine returned it.

    Returns
    -------
    DataFrame
        The same columns and rows, with those types.

    Examples
    --------
    >>> from decimal import Decimal
    >>> normalise(pd.DataFrame({"n": pd.array([1, 2], dtype="int32"),
    ...                         "py": [Decimal("1.5"), Decimal("2")]})).dtypes.tolist()
    [dtype('int64'), dtype('float64')]
    """
    out = {}
    for name in df.columns:
        column = df[name]
        if column.dtype == object:
            kind = pd.api.types.infer_dtype(column, skipna=True)
            if kind in ("decimal", "floating", "mixed-integer-float"):
                column = column.astype("float64")
            elif kind == "integer":
                column = column.astype("Int64")
            elif kind == "boolean":
                column = column.astype("boolean")
            elif kind == "string":
                column = column.astype("str")
        if pd.api.types.is_bool_dtype(column.dtype):
            column = column.astype("bool" if not column.isna().any() else "boolean")
        elif pd.api.types.is_integer_dtype(column.dtype):
            column = column.astype("int64" if not column.isna().any() else "Int64")
        elif pd.api.types.is_float_dtype(column.dtype):
            column = column.astype("float64")
        elif pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
            column = column.astype("str")
        out[name] = column
    return pd.DataFrame(out, index=df.index)


def _kind(type_name: str) -> str:
    """Return the kind of a stored SQL or Spark type name (see :meth:`Engine.column_kinds`)."""
    name = type_name.lower()
    if name.startswith(("bool", "bit")):
        return "boolean"
    if re.fullmatch(r"u?(tiny|small|big|huge)?int(eger|[248])?|long|short|byte", name):
        return "integer"
    if name.startswith(("double", "float", "real", "decimal", "numeric")):
        return "number"
    if name.startswith(("varchar", "char", "text", "string", "character", "nvarchar", "nchar")):
        return "text"
    return "other"


def _sql_string(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _check_relation_name(name: str) -> str:
    if not _RELATION.match(name):
        raise InputError(f"table name {name!r} must be a plain identifier (letters, digits, _)")
    return name


class Engine(abc.ABC):
    """A place that runs SQL on person-level tables and returns aggregates as pandas."""

    #: The engine's name (one of :data:`ENGINE_NAMES`).
    name: str = ""
    #: Breakdown columns that :func:`analysis.data.aggregate_events` counts together, once per
    #: event and cause, rolling each breakdown among them up from that one result in pandas
    #: (exact: counts are sums). Set by :func:`analysis.data.configured_source` to the
    #: configured breakdowns: one query per outcome instead of one per outcome and breakdown,
    #: which matters where each query has a high fixed cost (Spark: planning, code
    #: generation, task scheduling).
    rollup_from: tuple[str, ...] = ()

    def remember(self, key: tuple, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """Return the aggregate ``compute()`` made for ``key`` earlier, or made now and kept until a table of the engine is replaced or added (:meth:`register`, :meth:`define`).

        ``key`` is a hashable tuple naming the aggregate and everything it depends on;
        ``compute`` is a function of no arguments returning it.
        """
        kept = self.__dict__.setdefault("_remembered", {})
        if key not in kept:
            kept[key] = compute()
        return kept[key]

    def _forget(self) -> None:
        """Drop what :meth:`remember` kept: a table is being replaced or added."""
        self.__dict__.pop("_remembered", None)

    def query(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` and return its result with :func:`normalise`-d types."""
        return normalise(self._fetch(sql))

    @abc.abstractmethod
    def _fetch(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` and return the engine's own pandas conversion of the result."""

    @abc.abstractmethod
    def register(self, name: str, df: pd.DataFrame) -> None:
        """Make the pandas table ``df`` available as ``name`` (replacing one of that name)."""

    @abc.abstractmethod
    def define(self, name: str, select: str) -> None:
        """Make the result of the ``SELECT`` statement ``select`` available as ``name``."""

    @abc.abstractmethod
    def tables(self) -> set[str]:
        """Names of the tables and views a query can use (lower case)."""

    def attach_files(
        self, name: str, path: str | Path, format: str, *, encoding: str = "utf-8"
    ) -> None:
        """Make Parquet or CSV files available as ``name``, read lazily by the engine.

        ``format`` is ``"parquet"`` or ``"csv"``; ``path`` is one file or a folder of files,
        possibly hive-partitioned (``people/district_code=ZD01/part-0.parquet``); the
        partition keys become columns.
        CSV files are read in ``encoding`` (a Python codec name, e.g. ``utf-8``,
        ``latin-1``; see :func:`analysis.data.loaders.text_encoding`).
        """
        raise InputError(
            f"the {self.name} engine reads tables from its database, not files: "
            "use data.format: database with data.connection"
        )

    def columns(self, relation: str) -> list[str]:
        """Column names of ``relation`` (a table or view name), without reading its rows."""
        return list(self.column_kinds(relation))

    @abc.abstractmethod
    def column_kinds(self, relation: str) -> dict[str, str]:
        """Each column of ``relation`` with the kind of its stored type: ``integer``, ``number``, ``boolean``, ``text`` or ``other`` (dates, binary...)."""

    def matches(self, expression: str, pattern: str) -> str:
        """Return SQL that is true where the text ``expression`` matches the regular expression ``pattern`` (anchored with ``^...$``)."""
        return f"regexp_matches({expression}, {_sql_string(pattern)})"

    def cast_type(self, kind: str) -> str:
        """Return the SQL type to ``CAST`` a value of ``kind`` (integer, number, text) to."""
        return {"integer": "BIGINT", "number": "DOUBLE", "text": "VARCHAR"}[kind]

    def quote(self, identifier: str) -> str:
        """Return ``identifier`` quoted for this engine's SQL (keeps its case and any odd characters)."""
        return '"' + identifier.replace('"', '""') + '"'

    @abc.abstractmethod
    def stored(self, name: str) -> str:
        """Return the stored table ``name`` qualified by its schema, so that a relation made with :meth:`define` under the same name can select from it (not from itself)."""

    def close(self) -> None:  # noqa: B027 -- nothing to release by default
        """Release what the engine opened (connections it created); the engine is then unusable."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DuckDBEngine(Engine):
    """DuckDB, embedded: pandas tables are read in place, files lazily.

    ``con`` is an open DuckDB connection (for example on a ``.duckdb`` file holding the tables);
    without one an in-memory database is opened and closed by :meth:`close`.
    """

    name = "duckdb"

    def __init__(
        self, con: duckdb.DuckDBPyConnection | None = None, *, owned: bool | None = None
    ) -> None:
        self._owned = con is None if owned is None else owned
        self.con = duckdb.connect() if con is None else con

    def _fetch(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def register(self, name: str, df: pd.DataFrame) -> None:
        self._forget()
        self.con.register(_check_relation_name(name), df)

    def define(self, name: str, select: str) -> None:
        self._forget()
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {_check_relation_name(name)} AS {select}")

    def tables(self) -> set[str]:
        rows = self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        return {str(r[0]).lower() for r in rows}

    def stored(self, name: str) -> str:
        catalog, schema = self.con.execute("SELECT current_database(), current_schema()").fetchone()
        return ".".join(self.quote(part) for part in (catalog, schema, name))

    def column_kinds(self, relation: str) -> dict[str, str]:
        rows = self.con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        return {str(row[0]): _kind(str(row[1])) for row in rows}

    def attach_files(
        self, name: str, path: str | Path, format: str, *, encoding: str = "utf-8"
    ) -> None:
        reader = {"parquet": "read_parquet", "csv": "read_csv"}.get(format)
        if reader is None:
            raise InputError(f"format is {format!r}; allowed: {', '.join(FILE_FORMATS)}")
        target = Path(path)
        pattern = str(target / "**" / f"*.{format}") if target.is_dir() else str(target)
        options = "hive_partitioning = true"
        if format == "csv":
            options += (
                f", header = true, encoding = {_sql_string(csv_encoding('duckdb', encoding))}"
            )
        self.define(name, f"SELECT * FROM {reader}({_sql_string(pattern)}, {options})")

    def close(self) -> None:
        if self._owned:
            self.con.close()


#: Python codec names and each engine's names for the CSV encodings it reads (DuckDB without
#: an extension; Spark 4 allows these only). A UTF-8 byte-order mark is skipped by both.
CSV_ENCODINGS = {
    "duckdb": {"utf-8": "utf-8", "utf-8-sig": "utf-8", "iso8859-1": "latin-1",
               "utf-16": "utf-16"},
    "spark": {"utf-8": "utf-8", "utf-8-sig": "utf-8", "iso8859-1": "iso-8859-1",
              "ascii": "us-ascii", "utf-16": "utf-16", "utf-16-le": "utf-16le",
              "utf-16-be": "utf-16be", "utf-32": "utf-32"},
}  # fmt: skip


def csv_encoding(engine: str, encoding: str) -> str:
    """Return the name ``engine`` gives the Python codec ``encoding``.

    Parameters
    ----------
    engine
        The engine's configuration name, a key of :data:`CSV_ENCODINGS`.
    encoding
        A Python codec name (any alias, such as ``"latin-1"``).

    Returns
    -------
    str
        The engine's name for the encoding.

    Raises
    ------
    InputError
        When the engine cannot read CSV in that encoding; the message says how to convert
        the files.
    """
    names = CSV_ENCODINGS[engine]
    name = codecs.lookup(encoding).name
    if name not in names:
        raise InputError(
            f"data.engine {engine} reads CSV in {', '.join(sorted(set(names.values())))}, not "
            f"{encoding!r}: convert the files to UTF-8 (e.g. iconv -f {encoding} -t utf-8)"
        )
    return names[name]


def _import_pyspark() -> Any:
    try:
        import pyspark.sql
    except ImportError as err:
        raise EngineUnavailableError(
            "data.engine spark needs PySpark: pip install -e '.[scale]' (and Java 17 or later)"
        ) from err
    return pyspark.sql


#: JVM options of a local Spark driver (``local[n]``), where one JVM does all the work in a
#: few dozen short queries: the quick-start compiler only (C1: the optimising compiler's work
#: would not pay off before each query ends) and the parallel garbage collector (fewer
#: concurrent threads than G1 competing for the machine's cores). On the default indicator
#: set on 2 shared cores this took the run from about 125-180 s to about 60 s
#: (``benchmarks/bench_spark.py``).
LOCAL_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseParallelGC"


def spark_session(master: str | None = None, **config: str) -> Any:
    """Return the active ``SparkSession``, or a new one on ``master`` (default ``local[*]``).

    Arrow transfers (fast ``toPandas``) are switched on. In local mode the driver's JVM runs
    with :data:`LOCAL_JAVA_OPTIONS` unless ``config`` sets ``spark.driver.extraJavaOptions``.
    An existing session is returned as it is (Spark allows one per process).

    Parameters
    ----------
    master
        A Spark master URL: ``local[2]`` (this machine, two cores), ``spark://host:7077`` (a
        standalone cluster), ``yarn`` or ``k8s://...``.
    config
        Further Spark settings, e.g. ``**{"spark.executor.memory": "8g"}``.

    Returns
    -------
    pyspark.sql.SparkSession
        The session.

    Raises
    ------
    EngineUnavailableError
        When PySpark is not installed or Spark cannot start (no Java, for example).
    """
    sql = _import_pyspark()
    master = master or "local[*]"
    builder = (
        sql.SparkSession.builder.master(master)
        .appName("nhs-inequalities")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if master.startswith("local"):  # no dependence on the machine's host name resolving
        builder = (
            builder.config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.extraJavaOptions", LOCAL_JAVA_OPTIONS)
        )
    for key, value in config.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as err:  # Java missing or too old: the JVM fails to start
        raise EngineUnavailableError(f"could not start Spark on {master!r}: {err}") from err


class SparkEngine(Engine):
    """Spark SQL on a ``SparkSession``: tables are temporary views of that session.

    Pass ``spark.newSession()`` to keep this engine's views apart from others in the same
    process (sessions share the JVM and the cluster). :meth:`close` drops the views this
    engine made but leaves the session running (starting one is slow, and others may use it).
    """

    name = "spark"

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self._views: list[str] = []

    def _fetch(self, sql: str) -> pd.DataFrame:
        return self.spark.sql(sql).toPandas()

    def _view(self, name: str, frame: Any) -> None:
        self._forget()
        frame.createOrReplaceTempView(_check_relation_name(name))
        self._views.append(name)

    def register(self, name: str, df: pd.DataFrame) -> None:
        import pyarrow as pa

        # Through Arrow: exact column types (also for empty tables), NA as NULL.
        self._view(name, self.spark.createDataFrame(pa.Table.from_pandas(df, preserve_index=False)))

    def define(self, name: str, select: str) -> None:
        self._view(name, self.spark.sql(select))

    def tables(self) -> set[str]:
        return {t.name.lower() for t in self.spark.catalog.listTables()}

    def attach_files(
        self, name: str, path: str | Path, format: str, *, encoding: str = "utf-8"
    ) -> None:
        reader = self.spark.read
        if format == "parquet":
            frame = reader.parquet(str(path))
        elif format == "csv":
            charset = csv_encoding("spark", encoding)
            frame = reader.csv(str(path), header=True, inferSchema=True, encoding=charset)
        else:
            raise InputError(f"format is {format!r}; allowed: {', '.join(FILE_FORMATS)}")
        self._view(name, frame)

    def column_kinds(self, relation: str) -> dict[str, str]:
        frame = self.spark.sql(f"SELECT * FROM {relation}")  # planned, not run
        return {str(c): _kind(t) for c, t in frame.dtypes}

    def matches(self, expression: str, pattern: str) -> str:
        return f"{expression} RLIKE {_sql_string(pattern)}"

    def cast_type(self, kind: str) -> str:
        return {"integer": "BIGINT", "number": "DOUBLE", "text": "STRING"}[kind]

    def quote(self, identifier: str) -> str:
        return "`" + identifier.replace("`", "``") + "`"

    def stored(self, name: str) -> str:
        return f"{self.quote(self.spark.catalog.currentDatabase())}.{self.quote(name)}"

    def close(self) -> None:
        for name in dict.fromkeys(self._views):
            self.spark.catalog.dropTempView(name)
        self._views.clear()


def _import_sqlalchemy() -> Any:
    try:
        import sqlalchemy
    except ImportError as err:
        raise EngineUnavailableError(
            "a database engine needs SQLAlchemy and a driver: pip install -e '.[scale]' "
            "(psycopg for PostgreSQL; pyodbc and Microsoft's ODBC driver for SQL Server)"
        ) from err
    return sqlalchemy


class SQLEngine(Engine):
    """A SQL database through SQLAlchemy, on one connection held open (autocommit).

    ``database`` is an SQLAlchemy URL or engine: ``postgresql://user@host:5432/db`` (run with
    psycopg 3) or ``mssql+pyodbc://user:password@dsn`` (SQL Server through ODBC). Relations
    made with :meth:`define` are sent as common table expressions in front of each query, so
    aggregating needs only read access. :meth:`register` writes a real table (it needs write
    access; used to load test data and small lookups).
    """

    def __init__(self, database: Any) -> None:
        sa = _import_sqlalchemy()
        self._owned = isinstance(database, str)
        if self._owned:
            url = sa.engine.make_url(database)
            if url.drivername == "postgresql":
                url = url.set(drivername="postgresql+psycopg")
            database = sa.create_engine(url)
        self.database = database
        dialect = database.dialect.name
        self.name = {"postgresql": "postgres"}.get(dialect, dialect)
        self._conn = database.connect().execution_options(isolation_level="AUTOCOMMIT")
        self._defined: dict[str, str] = {}

    def _with_definitions(self, sql: str) -> str:
        if not self._defined:
            return sql
        ctes = ", ".join(f"{name} AS ({select})" for name, select in self._defined.items())
        body = sql.lstrip()
        if re.match(r"(?is)^with\s", body):
            return f"WITH {ctes}, {body[4:].lstrip()}"
        return f"WITH {ctes} {body}"

    def _fetch(self, sql: str) -> pd.DataFrame:
        result = self._conn.exec_driver_sql(self._with_definitions(sql))
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def register(self, name: str, df: pd.DataFrame) -> None:
        self._forget()
        df.to_sql(_check_relation_name(name), self._conn, if_exists="replace", index=False)

    def define(self, name: str, select: str) -> None:
        self._forget()
        self._defined[_check_relation_name(name)] = select

    def tables(self) -> set[str]:
        inspector = _import_sqlalchemy().inspect(self._conn)
        names = [*inspector.get_table_names(), *inspector.get_view_names(), *self._defined]
        return {n.lower() for n in names}

    def column_kinds(self, relation: str) -> dict[str, str]:
        result = self._conn.exec_driver_sql(
            self._with_definitions(f"SELECT * FROM {relation} WHERE 1 = 0")
        )
        kinds = {}
        for column in result.cursor.description:
            code = column[1]
            if self.name == "postgres":  # psycopg gives the type's oid: ask for its name
                code = self._conn.exec_driver_sql(f"SELECT {int(code)}::regtype::text").scalar()
            else:  # pyodbc gives the Python type
                code = getattr(code, "__name__", str(code))
                code = {"str": "varchar", "bool": "bit", "int": "int", "float": "float",
                        "Decimal": "decimal"}.get(code, code)  # fmt: skip
            kinds[str(column[0])] = _kind(str(code))
        result.close()
        return kinds

    def matches(self, expression: str, pattern: str) -> str:
        if self.name == "postgres":
            return f"{expression} ~ {_sql_string(pattern)}"
        # SQL Server has no regular expressions: a number pattern is a successful TRY_CAST
        return f"TRY_CAST({expression} AS FLOAT) IS NOT NULL"

    def cast_type(self, kind: str) -> str:
        if self.name == "postgres":
            return {"integer": "BIGINT", "number": "DOUBLE PRECISION", "text": "TEXT"}[kind]
        return {"integer": "BIGINT", "number": "FLOAT", "text": "NVARCHAR(4000)"}[kind]

    def quote(self, identifier: str) -> str:
        return self.database.dialect.identifier_preparer.quote_identifier(identifier)

    def stored(self, name: str) -> str:
        schema = _import_sqlalchemy().inspect(self._conn).default_schema_name
        return f"{self.quote(schema)}.{self.quote(name)}"

    def close(self) -> None:
        self._conn.close()
        if self._owned:
            self.database.dispose()


def register_dataset(engine: Engine, dataset: Dataset) -> Engine:
    """Register every table of an in-memory ``dataset`` with ``engine``; return the engine.

    Parameters
    ----------
    engine
        The engine; it is changed in place.
    dataset
        The tables.

    Returns
    -------
    Engine
        ``engine``.
    """
    for name, df in dataset.tables().items():
        engine.register(name, df)
    return engine


def as_engine(source: Any) -> Engine:
    """Return the engine to run on ``source`` (see :func:`running` to close what it opens).

    Parameters
    ----------
    source
        An :class:`Engine` (returned as it is), a :class:`Dataset` (its pandas tables in a new
        in-memory DuckDB), a DuckDB connection, a ``SparkSession`` or an SQLAlchemy engine,
        each already holding the tables ``people``, ``areas`` and the event tables.

    Returns
    -------
    Engine
        The engine.

    Raises
    ------
    InputError
        For a source of any other type.
    """
    if isinstance(source, Engine):
        return source
    if isinstance(source, Dataset):
        return register_dataset(DuckDBEngine(), source)
    if isinstance(source, duckdb.DuckDBPyConnection):
        return DuckDBEngine(source)
    module = type(source).__module__
    if module.startswith("pyspark."):
        return SparkEngine(source)
    if module.startswith("sqlalchemy."):
        return SQLEngine(source)
    raise InputError(
        f"cannot run on a {type(source).__name__}: give a Dataset, an Engine, a DuckDB "
        "connection, a SparkSession or an SQLAlchemy engine"
    )


#: Spark joins by broadcast only when adaptive execution has measured the smaller side at
#: under 1 MB (a lookup table such as areas): Spark's static estimate scales a file's size by
#: the columns read, so the person ids of 10 million people (the schema checks' links) or of
#: half a million deaths were broadcast as hash tables keyed by person and exhausted a 2 GB
#: heap. ``data.spark`` settings override these.
SPARK_DEFAULTS = {
    "spark.sql.autoBroadcastJoinThreshold": "-1",
    "spark.sql.adaptive.autoBroadcastJoinThreshold": "1m",
}


def open_engine(
    name: str = "duckdb",
    connection: str | None = None,
    *,
    spark_settings: Mapping[str, str] | None = None,
) -> Engine:
    """Return a new engine by configuration name (``data.engine``) and ``data.connection``.

    Parameters
    ----------
    name
        ``"duckdb"``, ``"spark"``, ``"postgres"`` or ``"mssql"``.
    connection
        ``duckdb``: an optional DuckDB database file (opened read-only; default: a new
        in-memory database). ``spark``: the Spark master URL (default ``local[*]``; an
        already running session is reused). ``postgres`` / ``mssql``: the SQLAlchemy URL
        (required).
    spark_settings
        Spark properties (from ``data.spark``, e.g. ``{"spark.driver.memory": "2g",
        "spark.sql.shuffle.partitions": "8"}``), over :data:`SPARK_DEFAULTS`: all apply to a
        session started here; the ``spark.sql.*`` ones also to the new session of a JVM
        already running (memory is fixed when the JVM starts). Ignored by other engines.

    Returns
    -------
    Engine
        The engine; close it when done (or use :func:`running`).

    Raises
    ------
    InputError
        For an unknown name, or a database engine without a connection URL or with the URL
        of another kind of database.
    EngineUnavailableError
        When the engine's client library is not installed.
    """
    if name == "duckdb":
        con = duckdb.connect(connection, read_only=True) if connection else None
        return DuckDBEngine(con, owned=True)
    if name == "spark":
        settings = {**SPARK_DEFAULTS, **(spark_settings or {})}
        session = spark_session(connection, **settings).newSession()
        for key, value in settings.items():
            if key.startswith("spark.sql."):
                session.conf.set(key, value)
        return SparkEngine(session)
    if name in ("postgres", "mssql"):
        if not connection:
            raise InputError(f"the {name} engine needs a connection URL (data.connection)")
        engine = SQLEngine(connection)
        if engine.name != name:
            raise InputError(
                f"data.connection {connection.split('://')[0]}://... is not a {name} URL "
                "(postgresql://... for postgres, mssql+pyodbc://... for mssql)"
            )
        return engine
    raise InputError(f"engine is {name!r}; allowed: {', '.join(ENGINE_NAMES)}")


@contextmanager
def running(source: Any) -> Iterator[Engine]:
    """``as_engine(source)`` for a ``with`` block, closed afterwards if it was made here.

    Parameters
    ----------
    source
        Anything :func:`as_engine` accepts.

    Returns
    -------
    Iterator of Engine
        For a ``with`` block: the engine.

    Raises
    ------
    InputError
        For a source :func:`as_engine` does not accept.
    """
    engine = as_engine(source)
    try:
        yield engine
    finally:
        if engine is not source:
            engine.close()
