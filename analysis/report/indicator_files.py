"""The files of an indicator run: rounded CSVs, full-precision Parquet, a workbook, a manifest.

``python -m analysis.indicators`` (:mod:`analysis.indicators`) writes, into one folder
(made atomic by :mod:`analysis.report.output_folder`):

- **one CSV per table**, after disclosure control, with numbers rounded to a stated precision
  (:data:`PRECISION`): counts as whole numbers; every other number (rates, percentages, their
  confidence limits, the slope and relative index of inequality, person-years) to one decimal
  place, or to four significant figures where that keeps more digits (a relative index of
  0.3516 or a rate of 0.01235 per person keep four figures, a rate of 358.1 per 100,000 one
  decimal);
- with ``--parquet``, **one Parquet file per table** holding the same cells at full precision;
- with ``--excel``, **one workbook** (``indicators.xlsx``) with a sheet per table (rounded as
  the CSVs) and a first sheet, ``Index``, listing each sheet with its table's name and a
  description. Sheet names are readable short forms ("CVD deaths by IMD quintile",
  "Emergency route by district"), at most 31 characters and unique; a name that would be
  longer (a table this module does not know) ends in "…" and the index gives it in full;
- **``manifest.json``**: when and how the run was made (the configuration, with any password
  in a connection string hidden), a fingerprint of the data, the versions of Python and the
  packages used, the disclosure rule and precision, and the list of tables and files.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.config import Config
from analysis.report.output_folder import MANIFEST

#: How the CSV files and the workbook round numbers (also recorded in the manifest).
PRECISION = (
    "counts are whole numbers; other numbers are rounded to 1 decimal place, or to 4 "
    "significant figures where that keeps more digits; the Parquet files (--parquet) hold "
    "full precision"
)

#: Short, readable words for sheet names (Excel allows 31 characters).
SHEET_WORDS = {
    "all_cause_mortality": "All deaths",
    "cvd_mortality": "CVD deaths",
    "cancer_mortality": "Cancer deaths",
    "cvd_admissions": "CVD admissions",
    "cancer_incidence": "New cancers",
    "late_stage_cancer": "Late-stage",
    "emergency_presentation": "Emergency route",
    "hypertension_detection": "HTN detection",
    "slope_index_of_inequality": "SII",
    "imd_quintile": "IMD quintile",
    "imd_decile": "IMD decile",
    "deprivation_decile": "IMD decile",
    "ethnicity": "ethnicity",
    "sex": "sex",
    "district_name": "district",
    "age_band": "age band",
}
SHEET_LIMIT = 31

#: Packages whose versions the manifest records (those installed).
PACKAGES = (
    "nhs-inequalities-analysis", "numpy", "pandas", "scipy", "duckdb", "pyarrow", "openpyxl",
    "pyyaml", "pyspark", "sqlalchemy", "psycopg",
)  # fmt: skip


def rounded(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its non-count numbers rounded as :data:`PRECISION` says.

    Parameters
    ----------
    table
        An indicator table; its float columns are rounded (integer columns, the counts, are
        left as they are).

    Returns
    -------
    DataFrame
        A copy rounded to 1 decimal place, or to 4 significant figures where that keeps more
        digits.

    Examples
    --------
    >>> table = pd.DataFrame({"value": [358.0589669727382, 0.35161640480703843, 12298.5]})
    >>> rounded(table)["value"].tolist()
    [358.1, 0.3516, 12298.5]
    """
    out = table.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            values = out[column].to_numpy(dtype="float64")
            magnitude = np.floor(np.log10(np.abs(np.where(values == 0, 1, values))))
            decimals = np.maximum(1, 3 - np.nan_to_num(magnitude)).astype(int)
            scale = 10.0**decimals
            out[column] = np.round(values * scale) / scale
    return out


def sheet_names(names: list[str]) -> dict[str, str]:
    """Return a readable, unique sheet name of at most 31 characters for each table name.

    Parameters
    ----------
    names
        The table names, ``<outcome>_by_<breakdown>``.

    Returns
    -------
    dict of str to str
        The sheet name of each table name: known words spelt out (:data:`SHEET_WORDS`), cut
        to 31 characters (Excel's limit) with an ellipsis, and numbered ``(2)``, ``(3)``, ...
        when two would be the same; never ``index``.

    Examples
    --------
    >>> list(sheet_names(["emergency_presentation_by_imd_quintile", "cvd_mortality_by_sex"]
    ...                  ).values())
    ['Emergency route by IMD quintile', 'CVD deaths by sex']
    """
    sheets: dict[str, str] = {}
    taken: set[str] = {"index"}
    for name in names:
        words = [SHEET_WORDS.get(part, part.replace("_", " ")) for part in name.split("_by_")]
        base = " by ".join(words)
        base = base[0].upper() + base[1:]
        if len(base) > SHEET_LIMIT:
            base = base[: SHEET_LIMIT - 1].rstrip() + "…"
        sheet, number = base, 2
        while sheet.lower() in taken:
            suffix = f" ({number})"
            sheet = base[: SHEET_LIMIT - len(suffix)].rstrip() + suffix
            number += 1
        taken.add(sheet.lower())
        sheets[name] = sheet
    return sheets


def write_tables(
    tables: dict[str, pd.DataFrame],
    descriptions: dict[str, str],
    folder: Path,
    *,
    excel: bool,
    parquet: bool,
) -> list[dict[str, Any]]:
    """Write the CSVs (and Parquet files, workbook) into ``folder``; return the table list.

    Parameters
    ----------
    tables
        The tables to write, by name.
    descriptions
        One line describing each table, by name (an empty one for a name left out).
    folder
        The folder written into; it must exist.
    excel
        Also write ``indicators.xlsx``: an ``Index`` sheet and one sheet per table.
    parquet
        Also write each table unrounded as ``<name>.parquet``.

    Returns
    -------
    list of dict
        One entry per table for the manifest: ``name``, ``description``, ``rows``,
        ``columns``, ``csv``, and ``parquet`` and ``sheet`` when written.
    """
    listed = []
    sheets = sheet_names(list(tables)) if excel else {}
    for name, table in tables.items():
        entry: dict[str, Any] = {
            "name": name,
            "description": descriptions.get(name, ""),
            "rows": len(table),
            "columns": list(table.columns),
            "csv": f"{name}.csv",
        }
        rounded(table).to_csv(folder / entry["csv"], index=False)
        if parquet:
            entry["parquet"] = f"{name}.parquet"
            table.to_parquet(folder / entry["parquet"], index=False)
        if excel:
            entry["sheet"] = sheets[name]
        listed.append(entry)
    if excel:
        index = pd.DataFrame(
            {
                "sheet": [e["sheet"] for e in listed],
                "table": [e["name"] for e in listed],
                "description": [e["description"] for e in listed],
            }
        )
        with pd.ExcelWriter(folder / "indicators.xlsx") as workbook:
            index.to_excel(workbook, sheet_name="Index", index=False)
            for name, table in tables.items():
                rounded(table).to_excel(workbook, sheet_name=sheets[name], index=False)
    return listed


def data_fingerprint(config: Config) -> dict[str, Any]:
    """Return what identifies the data a run used, without reading the data again.

    Synthetic data: the generator's parameters and the SHA-256 of its code. Files: the number
    and total size of the files under ``data.path`` and a SHA-256 of their names, sizes and
    modification times. A database: its engine and table names only (the data behind a
    connection cannot be fingerprinted without reading them).

    Parameters
    ----------
    config
        The configuration of the run; its ``data`` section names the data.

    Returns
    -------
    dict
        ``kind`` (``"synthetic"``, ``"files"`` or ``"database or remote files"``) and what
        identifies data of that kind.
    """
    data = config.data
    if data.source == "synthetic":
        from analysis.data import parameters as P
        from analysis.data.loaders import generator_fingerprint

        return {
            "kind": "synthetic",
            "n_people": data.n_people or P.DEFAULT_N_PEOPLE,
            "seed": P.DEFAULT_SEED if data.seed is None else data.seed,
            "generator_sha256": generator_fingerprint(),
        }
    if data.format == "database" or not data.path or "://" in data.path:
        return {"kind": "database or remote files", "engine": data.engine, "tables": data.tables}
    root = Path(data.path)
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    digest = hashlib.sha256()
    size = 0
    for file in files:
        stat = file.stat()
        size += stat.st_size
        name = file.relative_to(root) if root.is_dir() else file.name
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return {
        "kind": "files",
        "files": len(files),
        "bytes": size,
        "names_sizes_times_sha256": digest.hexdigest(),
    }


def _hide_password(url: str | None) -> str | None:
    return None if url is None else re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def write_manifest(
    folder: Path, config: Config, tables: list[dict[str, Any]], *, command: list[str]
) -> None:
    """Write ``manifest.json`` describing the run (see the module documentation).

    Parameters
    ----------
    folder
        The folder holding the run's files; the manifest lists them.
    config
        The configuration of the run (a database password is replaced by ``***``).
    tables
        The table list :func:`write_tables` returned.
    command
        The command line of the run.
    """
    settings = asdict(config)
    settings["data"]["connection"] = _hide_password(config.data.connection)
    packages = {}
    for package in PACKAGES:
        try:
            packages[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    files = sorted(p.name for p in folder.iterdir()) + [MANIFEST]
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": ["python", "-m", "analysis.indicators", *command],
        "configuration_file": config.source_file,
        "configuration": settings,
        "data": data_fingerprint(config),
        "python": platform.python_version(),
        "platform": sys.platform,
        "packages": packages,
        "disclosure_control": config.disclosure.describe(),
        "precision": PRECISION,
        "tables": tables,
        "files": sorted(files),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n")
