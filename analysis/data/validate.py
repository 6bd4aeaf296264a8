"""Validation of person-level and aggregated input against :mod:`analysis.data.schema`.

Every rule raises :class:`~analysis.validation.InputError` naming the table and column, the
rule and up to five example rows; nothing is dropped or repaired silently. Types are made
canonical first (whole numbers to ``int64``, flags to ``bool``, codes to text) and a value
that cannot be converted is itself an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from analysis.data import parameters as P
from analysis.data.dataset import Dataset
from analysis.data.schema import AGGREGATED, PERSON_LEVEL, Column
from analysis.standards import five_year_age_band
from analysis.validation import InputError, check_counts, fail_rows, require_columns

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def _as_boolean(df: pd.DataFrame, col: Column, what: str) -> pd.Series:
    s = df[col.name]
    if pd.api.types.is_bool_dtype(s) and not s.isna().any():
        return s.astype(bool)
    text = s.astype("string").str.strip().str.lower()
    bad = s.notna() & ~text.isin(_TRUE | _FALSE)
    fail_rows(df, bad, col.name, f"{what}: must be true/false (or 1/0)")
    out = pd.array(text.isin(_TRUE), dtype="boolean")
    out[s.isna().to_numpy()] = pd.NA
    return (
        pd.Series(out, index=s.index)
        if col.nullable
        else pd.Series(out, index=s.index).astype(bool)
    )


def _as_number(df: pd.DataFrame, col: Column, what: str) -> pd.Series:
    s = df[col.name]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        converted = pd.to_numeric(s, errors="coerce")
        fail_rows(df, converted.isna() & s.notna(), col.name, f"{what}: must be numeric")
        s = converted
    values = s.astype("float64")
    if col.kind == "integer":
        whole = values.isna() | (values == np.round(values))
        fail_rows(df, ~whole, col.name, f"{what}: must be a whole number")
    if col.minimum is not None:
        rule = "must not be negative" if col.minimum == 0 else f"must be at least {col.minimum:g}"
        fail_rows(df, values < col.minimum, col.name, f"{what}: {rule}")
    if col.maximum is not None:
        fail_rows(df, values > col.maximum, col.name, f"{what}: must be at most {col.maximum:g}")
    if col.kind == "integer":
        return values.astype("Int64") if col.nullable else values.astype("int64")
    return values


def conform_table(df: pd.DataFrame, columns: Sequence[Column], what: str) -> pd.DataFrame:
    """Check one table's columns (presence, missing values, types, allowed values, ranges) and
    return it with canonical types. ``what`` names the table in messages."""
    require_columns(df, [c.name for c in columns if c.required], what=what)
    out = df.copy()
    for col in columns:
        if col.name not in df.columns:
            continue
        if not col.nullable:
            fail_rows(df, df[col.name].isna(), col.name, f"{what}: must not be missing")
        if col.kind in ("integer", "number"):
            out[col.name] = _as_number(df, col, what)
        elif col.kind == "boolean":
            out[col.name] = _as_boolean(df, col, what)
        else:
            out[col.name] = df[col.name].astype(str)
            if col.allowed is not None:
                fail_rows(
                    df,
                    ~out[col.name].isin(col.allowed),
                    col.name,
                    f"{what}: unknown value; allowed values are {', '.join(col.allowed)}",
                )
    return out


def _unique(df: pd.DataFrame, column: str, what: str) -> None:
    fail_rows(df, df[column].duplicated(keep=False), column, f"{what}: duplicate {column}")


def _known(df: pd.DataFrame, column: str, known: pd.Series, what: str, where: str) -> None:
    fail_rows(df, ~df[column].isin(known), column, f"{what}: unknown code, not in {where}")


def _years(df: pd.DataFrame, column: str, years: Sequence[int], what: str) -> None:
    lo, hi = min(years), max(years)
    fail_rows(
        df, (df[column] < lo) | (df[column] > hi), column, f"{what}: year out of range {lo}-{hi}"
    )


def _not_after_death(df: pd.DataFrame, column: str, deaths: pd.DataFrame, what: str) -> None:
    death_year = df["person_id"].map(deaths.set_index("person_id")["year"])
    fail_rows(
        df.assign(death_year=death_year),
        death_year.notna() & (df[column] > death_year),
        [column, "death_year"],
        f"{what}: event after the person's year of death",
        context=["person_id"],
    )


def validate_dataset(dataset: Dataset, *, years: Sequence[int] = P.YEARS) -> Dataset:
    """Check every table and the links between them; return the dataset with canonical types.

    Rules: required columns present; no missing values where not allowed; numbers numeric and
    whole where counts or years; ages and counts not negative; categories among the allowed
    values (sex, ethnicity, age band, cause, site...); codes known (people's ``area_code`` in
    ``areas``, ``practice_code`` in ``practices``, events' ``person_id`` in ``people``);
    unique ``person_id``, ``area_code``, ``practice_code`` and one death per person; years
    within ``years``; ``age_band`` agrees with ``age``; no event after death.

    >>> from analysis.data import generate_population
    >>> checked = validate_dataset(generate_population(5_000))
    >>> len(checked.people)
    5000
    """
    tables = {}
    for name, df in dataset.tables().items():
        tables[name] = conform_table(df, PERSON_LEVEL[name], f"table {name!r}")
    areas, people = tables["areas"], tables["people"]
    _unique(areas, "area_code", "table 'areas'")
    _unique(tables["practices"], "practice_code", "table 'practices'")
    _unique(people, "person_id", "table 'people'")
    _known(people, "area_code", areas["area_code"], "table 'people'", "areas.area_code")
    if "practice_code" in people:
        _known(
            people,
            "practice_code",
            tables["practices"]["practice_code"],
            "table 'people'",
            "practices.practice_code",
        )
    if "district_code" in people:
        _known(
            people, "district_code", areas["district_code"], "table 'people'", "areas.district_code"
        )
    if "age_band" in people:
        expected = np.asarray(five_year_age_band(people["age"]).astype(str))
        fail_rows(
            people,
            people["age_band"].to_numpy() != expected,
            ["age", "age_band"],
            "table 'people': age_band does not match age (ESP 2013 five-year bands)",
            context=["person_id"],
        )
    _unique(tables["deaths"], "person_id", "table 'deaths' (one death per person)")
    for name, year_column in (
        ("deaths", "year"),
        ("cancers", "diagnosis_year"),
        ("admissions", "year"),
    ):
        what = f"table {name!r}"
        df = tables[name]
        _known(df, "person_id", people["person_id"], what, "people.person_id")
        _years(df, year_column, years, what)
        if name != "deaths":
            _not_after_death(df, year_column, tables["deaths"], what)
    return replace(dataset, **tables)


def validate_aggregated(
    data: pd.DataFrame, *, by: Sequence[str] = (), years: Sequence[int] | None = None
) -> pd.DataFrame:
    """Check aggregated input (one row per stratum of ``by``, year and age band, with
    ``events`` and ``population``) and return it with canonical types.

    Rules: required columns present, counts whole and not negative, population not negative,
    known age bands, years in range, and no stratum repeated.

    >>> validate_aggregated(pd.DataFrame({"year": [2020], "age_band": ["0-4"],
    ...                                   "events": [3], "population": [1200]}))["events"].tolist()
    [3]
    """
    require_columns(data, [*by, *(c.name for c in AGGREGATED)], what="aggregated data")
    out = conform_table(data, AGGREGATED, "aggregated data")
    check_counts(out, "events", context=[*by, "year", "age_band"])
    if years is not None:
        _years(out, "year", years, "aggregated data")
    keys = [*by, "year", "age_band"]
    fail_rows(
        out,
        out.duplicated(keys, keep=False),
        keys,
        "aggregated data: each stratum (breakdowns, year, age band) must appear once",
    )
    return out


__all__ = ["InputError", "conform_table", "validate_aggregated", "validate_dataset"]
