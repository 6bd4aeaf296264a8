"""Loaders for published files in their own column layouts: OHID Fingertips and IMD 2019.

- :func:`read_fingertips_csv` -- a CSV from Fingertips' "Export data" (one row per indicator,
  area, sex, age, category and period), as tidy rows with the PHEindicatormethods column
  names (``value``, ``lowercl``, ``uppercl``, ...). Suppressed or missing values stay
  missing with their ``value_note``; nothing is dropped.
- :func:`read_imd2019_lsoa` -- the English Indices of Deprivation 2019 LSOA file (File 1 or
  File 7, saved as CSV), as an ``areas`` table of this toolkit's schema: ``area_code``,
  ``area_name``, ``district_code``, ``district_name``, ``imd_score`` (File 7 only),
  ``imd_rank``, ``imd_decile``, ``imd_quintile`` and ``core20``. Quintiles are the national
  deciles paired (1-2 -> 1, ..., 9-10 -> 5), as OHID does, so they are national quintiles.

Both raise :class:`~analysis.validation.InputError` naming the file, the column and the rule
when a file is not in the expected layout.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.validation import InputError, fail_rows

#: Fingertips export columns -> tidy names (the export's own headings).
FINGERTIPS_COLUMNS = {
    "Indicator ID": "indicator_id",
    "Indicator Name": "indicator_name",
    "Parent Code": "parent_code",
    "Parent Name": "parent_name",
    "Area Code": "area_code",
    "Area Name": "area_name",
    "Area Type": "area_type",
    "Sex": "sex",
    "Age": "age",
    "Category Type": "category_type",
    "Category": "category",
    "Time period": "time_period",
    "Value": "value",
    "Lower CI 95.0 limit": "lowercl",
    "Upper CI 95.0 limit": "uppercl",
    "Lower CI 99.8 limit": "lower99_8cl",
    "Upper CI 99.8 limit": "upper99_8cl",
    "Count": "count",
    "Denominator": "denominator",
    "Value note": "value_note",
    "Time period Sortable": "time_period_sortable",
}
_FINGERTIPS_NUMBERS = (
    "value", "lowercl", "uppercl", "lower99_8cl", "upper99_8cl", "count", "denominator",
)  # fmt: skip
_FINGERTIPS_REQUIRED = ("Indicator ID", "Area Code", "Time period", "Value")

#: IMD 2019 headings (start of the heading) -> areas columns.
IMD2019_COLUMNS = {
    "LSOA code": "area_code",
    "LSOA name": "area_name",
    "Local Authority District code": "district_code",
    "Local Authority District name": "district_name",
    "Index of Multiple Deprivation (IMD) Score": "imd_score",
    "Index of Multiple Deprivation (IMD) Rank": "imd_rank",
    "Index of Multiple Deprivation (IMD) Decile": "imd_decile",
}
#: LSOAs in England in the 2011 geography that IMD 2019 ranks.
IMD2019_LSOAS = 32_844


def _numeric(table: pd.DataFrame, column: str, path: Path) -> pd.Series:
    text = table[column].astype("string").str.strip().replace("", pd.NA)
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    fail_rows(
        table.assign(**{column: text}),
        numbers.isna() & text.notna(),
        column,
        f"must be a number in {path.name}",
    )
    return numbers.astype("Float64")


def read_fingertips_csv(path: str | Path) -> pd.DataFrame:
    """Rows of a Fingertips "Export data" CSV, tidy (see :data:`FINGERTIPS_COLUMNS`).

    Columns the export has but this list does not (trend and comparison flags) are dropped;
    text stays text (area codes keep leading zeros), numbers become numbers, and blank cells
    become missing values. ``confidence`` is ``"95%"``.

    Parameters
    ----------
    path
        The CSV file (UTF-8, with or without a byte-order mark).

    Returns
    -------
    DataFrame
        One row per row of the export, the columns renamed to ours.

    Raises
    ------
    InputError
        When a required column is missing or a number column holds text.

    Examples
    --------
    >>> from pathlib import Path
    >>> here = Path("tests/fixtures/published_formats/fingertips_export.csv")
    >>> read_fingertips_csv(here)[["area_code", "value", "lowercl", "count"]].head(2)
       area_code   value  lowercl    count
    0  E92000001    77.1     76.7  91234.0
    1   ZZ000001  101.25     95.5   1204.0
    """
    path = Path(path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in _FINGERTIPS_REQUIRED if c not in table.columns]
    if missing:
        raise InputError(
            f"{path.name}: not a Fingertips export: no column(s) {missing} "
            f"(it has {list(table.columns)[:8]}...)"
        )
    table = table[[c for c in FINGERTIPS_COLUMNS if c in table.columns]].rename(
        columns=FINGERTIPS_COLUMNS
    )
    for column in table.columns:
        if column in _FINGERTIPS_NUMBERS:
            table[column] = _numeric(table, column, path)
        else:
            table[column] = table[column].astype("string").replace("", pd.NA)
    table["confidence"] = "95%"
    return table


def read_imd2019_lsoa(path: str | Path) -> pd.DataFrame:
    """Return the IMD 2019 LSOA file (File 1 or File 7 as CSV) as an ``areas`` table.

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    DataFrame
        One row per LSOA: ``area_code``, ``area_name``, ``district_code``,
        ``district_name``, ``imd_score`` (File 7 only), ``imd_rank``, ``imd_decile``,
        ``imd_quintile`` and ``core20``.

    Raises
    ------
    InputError
        A missing heading, a repeated LSOA code, a decile outside 1-10 or a rank outside
        1-32,844.

    Examples
    --------
    >>> areas = read_imd2019_lsoa("tests/fixtures/published_formats/imd2019_lsoa_file7.csv")
    >>> areas[["area_code", "imd_rank", "imd_decile", "imd_quintile", "core20"]].head(2)
        area_code  imd_rank  imd_decile  imd_quintile  core20
    0  ZZ01000001       150           1             1    True
    1  ZZ01000002      6843           3             2   False
    """
    path = Path(path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    found = {}
    for start, name in IMD2019_COLUMNS.items():
        matches = [c for c in table.columns if c.strip().startswith(start)]
        if matches:
            found[matches[0]] = name
        elif name != "imd_score":  # File 1 has ranks and deciles but no score
            raise InputError(
                f"{path.name}: not the IMD 2019 LSOA file: no column starting {start!r}"
            )
    areas = table[list(found)].rename(columns=found)
    for column in ("area_code", "area_name", "district_code", "district_name"):
        areas[column] = areas[column].str.strip()
    fail_rows(areas, areas["area_code"].duplicated(keep=False), "area_code", "must be unique")
    if "imd_score" in areas:
        areas["imd_score"] = _numeric(areas, "imd_score", path).astype("float64")
    for column, top in (("imd_rank", IMD2019_LSOAS), ("imd_decile", 10)):
        values = _numeric(areas, column, path)
        fail_rows(
            areas,
            ~values.between(1, top).fillna(False) | (values % 1 != 0).fillna(True),
            column,
            f"must be a whole number from 1 to {top:,}",
        )
        areas[column] = values.astype("int64")
    areas["imd_quintile"] = (areas["imd_decile"] + 1) // 2
    areas["core20"] = areas["imd_quintile"] == 1
    return areas
