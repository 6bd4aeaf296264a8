"""The synthetic default dataset, loaders, validation and DuckDB aggregation."""

from analysis.data.dataset import Dataset, SyntheticPopulation, dataset_checksum, table_checksum
from analysis.data.synthetic import generate_population, write_truth

__all__ = [
    "Dataset",
    "SyntheticPopulation",
    "dataset_checksum",
    "generate_population",
    "table_checksum",
    "write_truth",
]
