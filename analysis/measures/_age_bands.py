"""Matching rows to age bands and to per-band standard or reference values.

A per-band input (a standard population, reference counts) can be given as

- ``None``: the European Standard Population 2013, matched by band label (``"0-4"`` ...
  ``"90+"``; leading zeros and spaces are ignored, so ``"00-04"`` matches ``"0-4"``);
- a column name of ``data``: one value per row;
- a :class:`pandas.Series` indexed by band label: matched by label;
- a sequence of numbers: aligned with the bands in order -- the categories' order when the
  age-band column is categorical, otherwise the order in which bands first appear.

Every group must then have each band exactly once (or, with event frequencies, at least once).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.measures._inputs import Groups
from analysis.standards import ESP2013_AGE_BANDS, ESP2013_WEIGHTS
from analysis.validation import InputError, fail_rows

PerBand = str | pd.Series | Sequence[float] | np.ndarray | None


def _normalise(label: object) -> str:
    return re.sub(r"(?<!\d)0+(?=\d)", "", str(label).replace(" ", ""))


@dataclass(frozen=True)
class Bands:
    """Each row's band code (0 .. len(labels) - 1) and the band labels in order."""

    codes: np.ndarray
    labels: pd.Index


def bands_in_data(data: pd.DataFrame, age_band: str, *, context: Sequence[str] = ()) -> Bands:
    """Return each row's age-band code and the band labels (categorical order or first appearance)."""
    column = data[age_band]
    fail_rows(data, column.isna(), age_band, "age band must not be missing", context=context)
    if isinstance(column.dtype, pd.CategoricalDtype):
        return Bands(column.cat.codes.to_numpy().astype("int64"), pd.Index(column.cat.categories))
    codes, labels = pd.factorize(column, sort=False)
    return Bands(codes.astype("int64"), pd.Index(labels))


def _match_labels(
    data: pd.DataFrame, age_band: str, bands: Bands, wanted: pd.Index, rule: str, context
) -> Bands:
    """Re-code ``bands`` onto the labels ``wanted`` (matching normalised labels)."""
    lookup = {_normalise(label): i for i, label in enumerate(wanted)}
    position = np.array([lookup.get(_normalise(label), -1) for label in bands.labels])
    in_order = np.array_equal(position, np.arange(len(position)))  # nothing to re-code
    codes = bands.codes if in_order or not len(position) else position.take(bands.codes)
    if (position < 0).any():
        fail_rows(data, codes < 0, age_band, rule, context=context)
    return Bands(codes, pd.Index(wanted))


def align_per_band(
    data: pd.DataFrame,
    age_band: str,
    spec: PerBand,
    *,
    what: str,
    default: pd.Series | None = None,
    context: Sequence[str] = (),
) -> tuple[Bands, np.ndarray]:
    """Band codes for the rows and the per-row values of ``spec`` (see module docstring)."""
    bands = bands_in_data(data, age_band, context=context)
    if spec is None and default is not None:
        spec = default
    if isinstance(spec, str):
        if spec not in data.columns:
            raise InputError(
                f"{what} {spec!r} is not a column of data; it has {list(data.columns)}"
            )
        return bands, data[spec].to_numpy(dtype="float64", na_value=np.nan)
    if isinstance(spec, pd.Series):
        rule = f"age band must be one of the bands of the {what} {list(spec.index)}"
        bands = _match_labels(data, age_band, bands, pd.Index(spec.index), rule, context)
        return bands, spec.to_numpy(dtype="float64", na_value=np.nan).take(bands.codes)
    if spec is None:
        raise InputError(f"{what} is required: give a column name, a Series or a sequence")
    values = np.asarray(spec, dtype="float64")
    if values.ndim != 1 or len(values) != len(bands.labels):
        raise InputError(
            f"{what} has {values.size} values but the age-band column {age_band!r} has "
            f"{len(bands.labels)} bands {list(bands.labels)}; give one value per band in "
            "that order, or a Series indexed by band label"
        )
    return bands, values.take(bands.codes)


def esp2013_series() -> pd.Series:
    """ESP 2013 weights indexed by band label."""
    return pd.Series(ESP2013_WEIGHTS, index=ESP2013_AGE_BANDS, dtype="float64")


def check_one_row_per_band(
    data: pd.DataFrame,
    groups: Groups,
    bands: Bands,
    age_band: str,
    *,
    duplicates_allowed: bool = False,
) -> None:
    """Raise unless every group has every band (exactly once unless ``duplicates_allowed``).

    Fast path: a group has each of its ``B`` bands once exactly when it has ``B`` rows and
    the sum of ``2**band`` over its rows is ``2**B - 1`` (no binary carries). Otherwise the
    (group, band) cells are counted to name the offending rows and groups.
    """
    n_bands = len(bands.labels)
    if not duplicates_allowed and n_bands <= 52:
        bits = np.ldexp(1.0, np.arange(n_bands)).take(bands.codes)
        if (groups.count() == n_bands).all() and (groups.sum(bits) == 2.0**n_bands - 1).all():
            return
    cell = groups.codes * n_bands + bands.codes
    counts = np.bincount(cell, minlength=groups.size * n_bands)
    context = [c for c in groups.keys.columns if c != age_band]
    if not duplicates_allowed and counts.max() > 1:
        fail_rows(
            data,
            counts[cell] > 1,
            age_band,
            "each group must have one row per age band (duplicated bands found)",
            context=context,
        )
    absent = counts.reshape(groups.size, n_bands) == 0
    if absent.any():
        missing_bands = [
            ", ".join(map(str, bands.labels[row])) for row in absent[absent.any(axis=1)]
        ]
        report = groups.keys[absent.any(axis=1)].assign(**{age_band: missing_bands})
        fail_rows(
            report,
            np.ones(len(report), dtype=bool),
            age_band,
            "every group must have every age band of the standard; these groups miss the "
            "bands listed (add them with zero counts, or give a standard for fewer bands)",
            context=context,
        )
