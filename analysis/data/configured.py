"""The dataset the configuration file points at: the one entry point chapters and commands use.

Chapters of the book and ``python -m analysis.indicators`` call :func:`configured_dataset`
rather than naming a dataset, so one configuration file (``analysis.yml`` or
``$NHS_ANALYSIS_CONFIG``; see :mod:`analysis.config`) moves the whole book onto your data.
"""

from __future__ import annotations

from analysis.config import Config, ConfigError, load_config
from analysis.data.dataset import Dataset
from analysis.data.loaders import default_dataset, default_directory, load_dataset


def configured_dataset(config: Config | None = None) -> Dataset:
    """Load the data the configuration points at (the synthetic default when it says so).

    With no argument the configuration is read with :func:`analysis.config.load_config`.

    >>> from analysis.config import parse_config
    >>> configured_dataset(parse_config({"data": {"source": "aggregated", "format": "csv",
    ...     "path": "x"}}))
    Traceback (most recent call last):
    ...
    analysis.config.ConfigError: 'data.source: aggregated' is not supported yet: it needs person-level tables (people, deaths, cancers, admissions, areas)
    """
    config = load_config() if config is None else config
    data = config.data
    if data.engine != "duckdb":
        raise ConfigError(
            f"'data.engine: {data.engine}' is not supported yet; "
            "row-level work runs in DuckDB: set data.engine to duckdb"
        )
    if data.source == "synthetic":
        if data.n_people:  # a smaller (or larger) synthetic population, stored beside the default
            folder = default_directory().parent / f"synthetic-{data.n_people}"
            return default_dataset(n_people=data.n_people, directory=folder)
        return default_dataset()
    if data.source == "aggregated":
        raise ConfigError(
            "'data.source: aggregated' is not supported yet: it needs "
            "person-level tables (people, deaths, cancers, admissions, areas)"
        )
    if data.format == "database":
        raise ConfigError(
            "'data.format: database' is not supported yet; export the "
            "tables to Parquet or a DuckDB file and set data.format and data.path"
        )
    fmt = None if data.format == "duckdb" else data.format
    return load_dataset(data.path, format=fmt, columns=data.columns or None)
