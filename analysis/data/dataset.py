"""The person-level dataset: a frozen bundle of tidy tables."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

#: Tables every dataset has, in a fixed order.
TABLES: tuple[str, ...] = ("areas", "practices", "people", "deaths", "cancers", "admissions")


@dataclass(frozen=True)
class Dataset:
    """Person-level tables (see ``data/README.md`` for the schema).

    ``people_truth`` (each person's planted latent group) and ``truth`` (the planted effects)
    exist only for the synthetic data; they are for tests and never published.
    """

    areas: pd.DataFrame
    practices: pd.DataFrame
    people: pd.DataFrame
    deaths: pd.DataFrame
    cancers: pd.DataFrame
    admissions: pd.DataFrame
    people_truth: pd.DataFrame | None = None
    truth: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the tables present, by name (including ``people_truth`` when there is one)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "truth" and getattr(self, f.name) is not None
        }


#: The synthetic population is a :class:`Dataset` with ``people_truth`` and ``truth`` filled in.
SyntheticPopulation = Dataset


def table_checksum(df: pd.DataFrame) -> str:
    """SHA-256 of a table's values, row order and column names and order.

    Independent of file formats and writer versions: it hashes
    :func:`pandas.util.hash_pandas_object` of each column (index excluded).

    Parameters
    ----------
    df
        The table.

    Returns
    -------
    str
        The checksum as 64 hexadecimal characters.
    """
    h = hashlib.sha256()
    for name in df.columns:
        h.update(str(name).encode())
        h.update(pd.util.hash_pandas_object(df[name], index=False).to_numpy(np.uint64).tobytes())
    return h.hexdigest()


def dataset_checksum(dataset: Dataset) -> str:
    """SHA-256 over :func:`table_checksum` of every table of ``dataset``.

    Parameters
    ----------
    dataset
        The tables.

    Returns
    -------
    str
        The checksum as 64 hexadecimal characters.
    """
    h = hashlib.sha256()
    for name, df in dataset.tables().items():
        h.update(name.encode())
        h.update(table_checksum(df).encode())
    return h.hexdigest()
