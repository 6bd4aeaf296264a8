"""Reference tables shipped in ``data/reference/``, written from :mod:`analysis.standards` (the numbers live there only): the European Standard Population 2013 and the age bands."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.data.aggregate import age_band_table
from analysis.standards import esp2013


def age_bands_reference() -> pd.DataFrame:
    """Both age-band schemes (``scheme`` = ``esp2013`` or ``life_table``) with start and end ages in whole years (the open top band ends at 999)."""
    return pd.concat(
        [age_band_table(s).assign(scheme=s) for s in ("esp2013", "life_table")], ignore_index=True
    )[["scheme", "band_order", "age_band", "start_age", "end_age"]]


def write_reference_tables(folder: str | Path) -> list[Path]:
    """Write ``esp2013.csv`` and ``age_bands.csv`` to ``folder``; return their paths.

    Parameters
    ----------
    folder
        The folder written into (created if missing).

    Returns
    -------
    list of Path
        The two files: the European Standard Population 2013 by age band, and the age bands of
        both schemes (:func:`analysis.data.aggregate.age_band_table`).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    esp_path, bands_path = folder / "esp2013.csv", folder / "age_bands.csv"
    esp2013().to_csv(esp_path, index=False, lineterminator="\n")
    age_bands_reference().to_csv(bands_path, index=False, lineterminator="\n")
    return [esp_path, bands_path]
