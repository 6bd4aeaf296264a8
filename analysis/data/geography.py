"""The configured postcode lookup and small-area boundaries (configuration ``geography:``).

For the synthetic data both are generated deterministically from the areas
(:func:`~analysis.data.postcodes.synthetic_postcode_lookup`,
:func:`~analysis.data.boundaries.synthetic_boundaries`); for your own data, point
``geography.postcode_lookup`` at a CSV postcode lookup (columns ``postcode`` and
``area_code``, or the ONS NSPL's ``pcds`` and ``lsoa21cd``/``lsoa11cd``) and
``geography.boundaries`` at a GeoJSON file of your small areas. Without them, these
functions return ``None`` and the chapters say the step was skipped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.config import load_config
from analysis.data.boundaries import read_boundaries, synthetic_boundaries
from analysis.data.chapter_aggregates import area_table
from analysis.data.dataset import Dataset
from analysis.data.engines import Engine
from analysis.data.postcodes import synthetic_postcode_lookup
from analysis.validation import InputError

#: Accepted column pairs of a postcode lookup file: (postcode, area code).
LOOKUP_COLUMNS = (("postcode", "area_code"), ("pcds", "lsoa21cd"), ("pcds", "lsoa11cd"))


def read_postcode_lookup(path: str | Path) -> pd.DataFrame:
    """Return a postcode lookup CSV as ``postcode``, ``area_code`` (names matched ignoring case).

    Parameters
    ----------
    path
        The CSV file, such as the ONS National Statistics Postcode Lookup; all values are read
        as text.

    Returns
    -------
    DataFrame
        One row per row of the file: ``postcode`` and ``area_code``, as written there.

    Raises
    ------
    InputError
        When the file has none of the :data:`LOOKUP_COLUMNS` pairs.
    """
    header = pd.read_csv(path, nrows=0).columns
    lower = {c.lower(): c for c in header}
    for postcode, area in LOOKUP_COLUMNS:
        if postcode in lower and area in lower:
            table = pd.read_csv(
                path, usecols=[lower[postcode], lower[area]], dtype=str, keep_default_na=False
            )
            return table.rename(columns={lower[postcode]: "postcode", lower[area]: "area_code"})
    raise InputError(
        f"{path}: a postcode lookup needs the columns postcode and area_code (or pcds and "
        f"lsoa21cd, or pcds and lsoa11cd); it has {list(header)[:10]}"
    )


def configured_postcode_lookup(data: Dataset | Engine) -> pd.DataFrame | None:
    """Return the configured postcode lookup, the synthetic one for synthetic data, else ``None``.

    The lookup named by ``geography.postcode_lookup`` in the configuration comes first.

    Parameters
    ----------
    data
        A dataset or the configured engine (``configured_source()``), whose ``areas`` table
        the synthetic lookup is made for.

    Returns
    -------
    DataFrame or None
        ``postcode`` and ``area_code`` (:func:`read_postcode_lookup`), or ``None`` when real
        data have no lookup configured.

    Raises
    ------
    InputError
        When the configured file has no recognised pair of columns.
    """
    config = load_config()
    if config.geography.postcode_lookup:
        return read_postcode_lookup(config.geography.postcode_lookup)
    if isinstance(data, Dataset):
        return synthetic_postcode_lookup(data.areas) if data.truth is not None else None
    synthetic = config.data.source == "synthetic"
    return synthetic_postcode_lookup(area_table(data, "areas")) if synthetic else None


def configured_boundaries(data: Dataset | Engine) -> pd.DataFrame | None:
    """Return the configured boundaries, synthetic ones for synthetic data, else ``None``.

    The boundaries named by ``geography.boundaries`` (their area code property
    ``geography.boundary_code``) come first.

    Parameters
    ----------
    data
        A dataset or the configured engine (``configured_source()``), whose ``areas`` table
        the synthetic boundaries are made for.

    Returns
    -------
    DataFrame or None
        One row per boundary vertex: ``area_code``, ``part``, ``order``, ``x`` and ``y``
        (:func:`analysis.data.boundaries.read_boundaries`), or ``None`` when real data have no
        boundaries configured.
    """
    config = load_config()
    geography = config.geography
    if geography.boundaries:
        return read_boundaries(geography.boundaries, geography.boundary_code)
    if isinstance(data, Dataset):
        return synthetic_boundaries(data.areas) if data.truth is not None else None
    synthetic = config.data.source == "synthetic"
    return synthetic_boundaries(area_table(data, "areas")) if synthetic else None
