"""The one configuration file that points the book and the indicator command at your data.

The book and ``python -m analysis.indicators`` read ``analysis.yml`` at the project root, or the
file named by the environment variable ``NHS_ANALYSIS_CONFIG``; with neither they use the
embedded synthetic data. A documented example is ``analysis.example.yml``. Every key is checked:
an unknown key, a wrong type or a value that is not allowed raises :class:`ConfigError` naming the
key and saying what is allowed.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from analysis.report.disclosure import DisclosureRule

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_ENV_VAR = "NHS_ANALYSIS_CONFIG"
DEFAULT_CONFIG_FILE = "analysis.yml"

SOURCES = ("synthetic", "person", "aggregated")
FORMATS = ("csv", "parquet", "duckdb", "database")
ENGINES = ("duckdb", "spark", "postgres", "mssql")
STANDARD_POPULATIONS = ("esp2013",)
BREAKDOWNS = ("imd_quintile", "imd_decile", "ethnicity", "sex", "district_name", "age_band")
OUTCOMES = (
    "cvd_mortality",
    "cancer_mortality",
    "all_cause_mortality",
    "cvd_admissions",
    "cancer_incidence",
    "late_stage_cancer",
    "emergency_presentation",
    "hypertension_detection",
)


_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}$")


class ConfigError(ValueError):
    """Invalid configuration: the message names the key and what is allowed."""


_MEMORY = re.compile(r"^[1-9][0-9]*[kmgt]$", re.IGNORECASE)


@dataclass(frozen=True)
class SparkConfig:
    """Spark resources for ``data.engine: spark`` (``data.spark``).

    The JVM heap of the driver and of each executor (e.g. ``2g``; in ``local[n]`` mode
    everything runs in the driver) and the number of partitions of each shuffle (few for one machine, more on a cluster).
    """

    driver_memory: str = "2g"
    executor_memory: str | None = None
    shuffle_partitions: int = 8

    def properties(self) -> dict[str, str]:
        """Return the settings as Spark properties (``spark.driver.memory`` ...)."""
        out = {
            "spark.driver.memory": self.driver_memory,
            "spark.sql.shuffle.partitions": str(self.shuffle_partitions),
        }
        if self.executor_memory is not None:
            out["spark.executor.memory"] = self.executor_memory
        return out


def _parse_spark(raw: Mapping[str, Any]) -> SparkConfig:
    _check_keys("data.spark", raw, _names(SparkConfig))
    for key in ("driver_memory", "executor_memory"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or not _MEMORY.match(value)):
            raise ConfigError(
                f"'data.spark.{key}' must be a memory size such as '2g' or '512m', got {value!r}"
            )
    partitions = raw.get("shuffle_partitions", SparkConfig.shuffle_partitions)
    if not isinstance(partitions, int) or isinstance(partitions, bool) or partitions < 1:
        raise ConfigError(
            f"'data.spark.shuffle_partitions' must be a whole number of at least 1, "
            f"got {partitions!r}"
        )
    return SparkConfig(**{**raw, "shuffle_partitions": partitions})


def _parse_encoding(value: Any) -> str:
    """``data.encoding``: the text encoding of CSV files (a byte-order mark overrides it)."""
    try:
        return codecs.lookup(value).name if isinstance(value, str) else _bad_encoding(value)
    except LookupError:
        return _bad_encoding(value)


def _bad_encoding(value: Any) -> str:
    raise ConfigError(
        f"'data.encoding' must be a text encoding such as utf-8, latin-1 or cp1252, got {value!r}"
    )


@dataclass(frozen=True)
class DataConfig:
    """Where the data are and how their columns map to ours."""

    source: str = "synthetic"
    format: str | None = None
    path: str | None = None
    connection: str | None = None
    engine: str = "duckdb"
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    n_people: int | None = None
    seed: int | None = None
    encoding: str = "utf-8"
    spark: SparkConfig = field(default_factory=SparkConfig)


@dataclass(frozen=True)
class AnalysisConfig:
    """What to compute: outcomes, breakdowns, years and the standardisation."""

    outcomes: tuple[str, ...] = OUTCOMES
    breakdowns: tuple[str, ...] = ("imd_quintile", "ethnicity", "sex", "district_name")
    years: tuple[int, int] | None = None
    standard_population: str = "esp2013"
    confidence: tuple[float, ...] = (0.95, 0.998)
    multiplier: int = 100_000


@dataclass(frozen=True)
class GeographyConfig:
    """Your postcode lookup and small-area boundaries (paths relative to the configuration)."""

    postcode_lookup: str | None = None  # CSV: postcode and area_code (or NSPL pcds, lsoa21cd)
    boundaries: str | None = None  # GeoJSON of your small areas (e.g. ONS LSOA boundaries)
    boundary_code: str = "LSOA21CD"  # the feature property holding the area code


@dataclass(frozen=True)
class Config:
    """The whole configuration (see ``analysis.example.yml``)."""

    data: DataConfig = field(default_factory=DataConfig)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    disclosure: DisclosureRule = field(default_factory=DisclosureRule)
    source_file: str | None = None
    geography: GeographyConfig = field(default_factory=GeographyConfig)


def _check_keys(section: str, given: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    if not isinstance(given, Mapping):
        raise ConfigError(f"'{section}' must be a mapping of keys to values, got {given!r}")
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ConfigError(
            f"unknown key(s) {', '.join(f'{section}.{k}' for k in unknown)}; "
            f"allowed keys in '{section}': {', '.join(allowed)}"
        )


def _one_of(key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"'{key}' is {value!r}; allowed values: {', '.join(allowed)}")
    return value


def _whole(key: str, value: Any, minimum: int) -> int:
    """``value`` as a whole number of at least ``minimum`` (not a bool, text or fraction)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"'{key}' must be a whole number of at least {minimum}, got {value!r}")
    return value


def _text(key: str, value: Any) -> str | None:
    """``value`` as text, or None where the key is absent."""
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"'{key}' must be text, got {value!r}")
    return value


def _choices(key: str, value: Any, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Return a non-empty list of distinct values from ``allowed``."""
    if not isinstance(value, list | tuple) or not value:
        raise ConfigError(
            f"'{key}' must be a non-empty list, e.g. [{allowed[0]}], got {value!r}; "
            f"allowed values: {', '.join(allowed)}"
        )
    for item in value:
        _one_of(key, item, allowed)
    repeated = sorted({v for v in value if list(value).count(v) > 1})
    if repeated:
        raise ConfigError(f"'{key}' lists {', '.join(repeated)} more than once")
    return tuple(value)


def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


_URL_EXAMPLES = {
    "postgres": "postgresql://user@host:5432/db",
    "mssql": "mssql+pyodbc://user:password@dsn",
}


def _check_engine(fmt: str | None, engine: str, connection: str | None) -> None:
    """Engine, format and connection must fit together (see ``analysis.example.yml``)."""
    if engine in ("postgres", "mssql"):
        if fmt != "database":
            raise ConfigError(
                f"'data.engine: {engine}' aggregates tables in a database: set "
                "data.source: person, data.format: database and data.connection"
            )
        scheme = str(connection).split("://")[0]
        if not scheme.startswith(_URL_EXAMPLES[engine].split(":")[0]):
            raise ConfigError(
                f"'data.connection' must be an SQLAlchemy URL for {engine}, e.g. "
                f"{_URL_EXAMPLES[engine]!r}; got {connection!r}"
            )
    elif fmt == "database":
        raise ConfigError(
            f"'data.format: database' needs data.engine postgres or mssql, not {engine!r}"
        )
    elif engine == "spark" and fmt == "duckdb":
        raise ConfigError(
            "'data.engine: spark' reads parquet or csv files (data.format), not a DuckDB file"
        )
    elif engine == "duckdb" and connection:
        raise ConfigError(
            "'data.connection' is for data.engine spark (the master URL, e.g. local[2] or "
            "spark://host:7077) or a database engine; DuckDB reads data.path"
        )


def _parse_data(raw: Mapping[str, Any]) -> DataConfig:
    _check_keys("data", raw, _names(DataConfig))
    source = _one_of("data.source", raw.get("source", "synthetic"), SOURCES)
    engine = _one_of("data.engine", raw.get("engine", "duckdb"), ENGINES)
    fmt = raw.get("format")
    path, connection = (
        _text("data.path", raw.get("path")),
        _text("data.connection", raw.get("connection")),
    )
    if source != "synthetic":
        fmt = _one_of("data.format", fmt, FORMATS)
        if fmt == "database" and not connection:
            raise ConfigError(
                "'data.connection' is required when data.format is 'database' "
                "(e.g. 'postgresql://user@host/db' or 'mssql+pyodbc://...')"
            )
        if fmt != "database" and not path:
            raise ConfigError(
                f"'data.path' is required when data.format is {fmt!r}: the file or folder "
                "holding your tables"
            )
    _check_engine(fmt, engine, connection)
    tables_key = ("people", "deaths", "cancers", "admissions", "areas", "practices")
    columns = raw.get("columns") or {}
    _check_keys("data.columns", columns, (*tables_key, "aggregated"))
    for table, mapping in columns.items():
        if not isinstance(mapping, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            raise ConfigError(
                f"'data.columns.{table}' must map your column names to ours, "
                "e.g. {{patient_id: person_id, lsoa21cd: area_code}}"
            )
    tables = raw.get("tables") or {}
    _check_keys("data.tables", tables, tables_key)
    if tables and fmt != "database":
        raise ConfigError(
            "'data.tables' names tables in a database (data.format: database); files must be "
            "named after our tables (people.parquet or a folder people/)"
        )
    for table, name in tables.items():
        if not isinstance(name, str) or not _TABLE_NAME.match(name):
            raise ConfigError(
                f"'data.tables.{table}' must be a table or view name, optionally with its "
                f"schema (e.g. dbo.patients), got {name!r}"
            )
    n_people = raw.get("n_people")
    if n_people is not None:
        _whole("data.n_people", n_people, 1000)
    seed = raw.get("seed")
    if seed is not None:
        _whole("data.seed", seed, 0)
    if source != "synthetic" and (n_people is not None or seed is not None):
        raise ConfigError("'data.n_people' and 'data.seed' are for data.source: synthetic")
    return DataConfig(
        source=source,
        format=fmt,
        path=path,
        connection=connection,
        engine=engine,
        columns={k: dict(v) for k, v in columns.items()},
        tables=dict(tables),
        n_people=n_people,
        seed=seed,
        encoding=_parse_encoding(raw.get("encoding", "utf-8")),
        spark=_parse_spark(raw.get("spark") or {}),
    )


def _parse_analysis(raw: Mapping[str, Any]) -> AnalysisConfig:
    _check_keys("analysis", raw, _names(AnalysisConfig))
    defaults = AnalysisConfig()
    outcomes = _choices("analysis.outcomes", raw.get("outcomes", defaults.outcomes), OUTCOMES)
    breakdowns = _choices(
        "analysis.breakdowns", raw.get("breakdowns", defaults.breakdowns), BREAKDOWNS
    )
    years = raw.get("years")
    if years is not None:
        if (
            not isinstance(years, list | tuple)
            or len(years) != 2
            or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)
            or years[0] > years[1]
        ):
            raise ConfigError(f"'analysis.years' must be [first, last] whole years, got {years!r}")
        years = (years[0], years[1])
    confidence = raw.get("confidence", defaults.confidence)
    confidence = tuple(confidence) if isinstance(confidence, list | tuple) else (confidence,)
    for level in confidence:
        if not isinstance(level, float | int) or isinstance(level, bool) or not 0.9 <= level < 1:
            raise ConfigError(f"'analysis.confidence' levels must lie in [0.9, 1), got {level!r}")
    multiplier = raw.get("multiplier", defaults.multiplier)
    if isinstance(multiplier, bool) or multiplier not in (1, 100, 1000, 10_000, 100_000):
        raise ConfigError(
            f"'analysis.multiplier' is {multiplier!r}; allowed values: 1, 100, 1000, 10000, 100000"
        )
    return AnalysisConfig(
        outcomes=outcomes,
        breakdowns=breakdowns,
        years=years,
        standard_population=_one_of(
            "analysis.standard_population",
            raw.get("standard_population", "esp2013"),
            STANDARD_POPULATIONS,
        ),
        confidence=confidence,
        multiplier=multiplier,
    )


def _parse_disclosure(raw: Mapping[str, Any]) -> DisclosureRule:
    _check_keys("disclosure", raw, ("min_count", "max_count", "rounding_base"))
    for key in ("min_count", "max_count"):
        if key in raw:
            _whole(f"disclosure.{key}", raw[key], 1)
    if raw.get("rounding_base") is not None:
        _whole("disclosure.rounding_base", raw["rounding_base"], 1)
    try:
        return DisclosureRule(**raw)
    except ValueError as err:
        raise ConfigError(f"'disclosure': {err}") from err


def parse_config(raw: Mapping[str, Any] | None, *, source_file: str | None = None) -> Config:
    """Validate a configuration given as a mapping (as read from YAML).

    Parameters
    ----------
    raw
        The configuration as nested mappings, with the sections ``data``, ``analysis``,
        ``disclosure`` and ``geography`` (each optional; ``None`` or an empty mapping gives
        the defaults: synthetic data).
    source_file
        The file the mapping was read from, kept on the result for messages and provenance.

    Returns
    -------
    Config
        The checked configuration, defaults filled in.

    Raises
    ------
    ConfigError
        For an unknown key, or a value of the wrong type or outside its allowed values; the
        message names the key.

    Examples
    --------
    >>> parse_config({"data": {"source": "synthetic"}}).data.source
    'synthetic'
    >>> parse_config({"data": {"sauce": "x"}})
    Traceback (most recent call last):
    ...
    analysis.config.ConfigError: unknown key(s) data.sauce; allowed keys in 'data': source, format, path, connection, engine, columns, tables, n_people, seed, encoding, spark
    """
    raw = raw or {}
    _check_keys("configuration", raw, ("data", "analysis", "disclosure", "geography"))
    return Config(
        data=_parse_data(raw.get("data") or {}),
        analysis=_parse_analysis(raw.get("analysis") or {}),
        disclosure=_parse_disclosure(raw.get("disclosure") or {}),
        source_file=source_file,
        geography=_parse_geography(raw.get("geography") or {}),
    )


def _parse_geography(raw: Mapping[str, Any]) -> GeographyConfig:
    _check_keys("geography", raw, _names(GeographyConfig))
    return GeographyConfig(
        postcode_lookup=_text("geography.postcode_lookup", raw.get("postcode_lookup")),
        boundaries=_text("geography.boundaries", raw.get("boundaries")),
        boundary_code=_text("geography.boundary_code", raw.get("boundary_code"))
        or GeographyConfig.boundary_code,
    )


def config_path() -> Path | None:
    """Return the configuration file in use: ``$NHS_ANALYSIS_CONFIG``, else ``analysis.yml`` if present."""
    named = os.environ.get(CONFIG_ENV_VAR)
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"{CONFIG_ENV_VAR} names {named!r}, which is not a file")
        return path
    default = PROJECT_ROOT / DEFAULT_CONFIG_FILE
    return default if default.is_file() else None


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate the configuration file (defaults: synthetic data, see module doc).

    Relative data and geography paths in the file are read relative to the file, not to the
    working directory.

    Parameters
    ----------
    path
        The YAML file; by default the file :func:`config_path` finds
        (``$NHS_ANALYSIS_CONFIG``, else ``analysis.yml``), and with neither the defaults.

    Returns
    -------
    Config
        The checked configuration, with data and geography paths made absolute.

    Raises
    ------
    ConfigError
        When the file does not exist, is not UTF-8 text or valid YAML, or holds an invalid
        configuration (:func:`parse_config`).
    """
    path = Path(path) if path is not None else config_path()
    if path is None:
        return Config()
    if not Path(path).is_file():
        raise ConfigError(f"the configuration file {str(path)!r} does not exist or is not a file")
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path} is not UTF-8 text (byte {err.start})") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(f"{path} is not valid YAML{where}: {' '.join(problem.split())}") from err
    config = parse_config(raw, source_file=str(path))
    data_path = config.data.path
    if data_path and "://" not in data_path and not Path(data_path).is_absolute():
        # relative paths are relative to the configuration file, not the working directory
        resolved = str((Path(path).resolve().parent / data_path).resolve())
        config = replace(config, data=replace(config.data, path=resolved))
    geography = config.geography
    for key in ("postcode_lookup", "boundaries"):
        value = getattr(geography, key)
        if value and not Path(value).is_absolute():
            resolved = str((Path(path).resolve().parent / value).resolve())
            geography = replace(geography, **{key: resolved})
    return replace(config, geography=geography)
