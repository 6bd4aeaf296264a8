"""The synthetic default dataset, loaders, validation and aggregation in a database engine.

- :func:`generate_population` / :func:`default_dataset` -- the synthetic integrated care
  system (``data/README.md`` describes it; everything is synthetic).
- :func:`configured_dataset` -- whatever the configuration file points at (the book uses it);
  :func:`data_statement` / :func:`data_label` -- which data those are, in words;
  :func:`configured_source` -- the same data left in the configured engine (DuckDB, Spark,
  PostgreSQL/SQL Server), for aggregation where the data live.
- :func:`load_dataset` / :func:`save_dataset` -- your own person-level data from CSV, Parquet
  or DuckDB, validated by :func:`validate_dataset`; :func:`validate_aggregated` for counts.
- :func:`population_at_risk`, :func:`aggregate_events`, :func:`area_summary` -- strata counts
  computed inside the engine (DuckDB by default; see :mod:`analysis.data.engines`), ready for
  the measures.
"""

from analysis.data.aggregate import aggregate_events, area_summary, population_at_risk
from analysis.data.configured import configured_dataset, configured_source
from analysis.data.dataset import Dataset, SyntheticPopulation, dataset_checksum, table_checksum
from analysis.data.loaders import default_dataset, load_dataset, save_dataset
from analysis.data.provenance import data_label, data_statement
from analysis.data.reference import write_reference_tables
from analysis.data.synthetic import generate_population, write_truth
from analysis.data.validate import validate_aggregated, validate_dataset

__all__ = [
    "Dataset",
    "SyntheticPopulation",
    "aggregate_events",
    "area_summary",
    "configured_dataset",
    "configured_source",
    "data_label",
    "data_statement",
    "dataset_checksum",
    "default_dataset",
    "generate_population",
    "load_dataset",
    "population_at_risk",
    "save_dataset",
    "table_checksum",
    "validate_aggregated",
    "validate_dataset",
    "write_reference_tables",
    "write_truth",
]
