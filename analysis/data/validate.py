"""Validation of person-level and aggregated input against :mod:`analysis.data.schema`.

This is the in-memory executor of the schema's one rule set (the engine executor is
:func:`analysis.data.configured.check_tables`). Every rule raises
:class:`~analysis.validation.InputError` naming the table (and file) and column, the rule and
up to five example rows; nothing is dropped or repaired silently. Types follow the schema's
stored-type rule: typed columns must hold their kind; text from CSV is read by its written
form (:data:`~analysis.data.schema.NUMBER_TEXT`, :data:`~analysis.data.schema.TRUE_TEXT`,
:data:`~analysis.data.schema.FALSE_TEXT`); the result has canonical types (whole numbers
``int64``, flags ``bool``, codes text).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from analysis.data.dataset import Dataset
from analysis.data.schema import (
    AGGREGATED,
    EVENT_YEARS,
    FALSE_TEXT,
    LINKS,
    NUMBER_TEXT,
    PERSON_LEVEL,
    TRUE_TEXT,
    UNIQUE_KEYS,
    Column,
)
from analysis.standards import five_year_age_band
from analysis.validation import InputError, check_counts, fail_rows, require_columns


def _text_values(s: pd.Series) -> pd.Series:
    """Which values of ``s`` are text (strings), whatever the column's dtype."""
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return pd.Series(False, index=s.index)
    if pd.api.types.is_string_dtype(s) and s.dtype != object:
        return s.notna()
    return s.map(lambda v: isinstance(v, str)).astype(bool)


def _read_text(
    df: pd.DataFrame, col: Column, what: str, text: pd.Series, kind: str, from_text: bool
) -> None:
    """Reject text values in a number or flag column of a typed source (see the schema)."""
    if not from_text:
        fail_rows(
            df,
            text,
            col.name,
            f"{what}: {kind} stored as text; store them as {kind} in the extract (text is "
            "read by its written form only from CSV)",
        )


def _as_boolean(df: pd.DataFrame, col: Column, what: str, from_text: bool) -> pd.Series:
    s = df[col.name]
    text = _text_values(s)
    _read_text(df, col, what, text, "flags", from_text)
    written = s.where(text).astype("string").str.strip().str.lower()
    allowed = ", ".join(TRUE_TEXT + FALSE_TEXT)
    bad_text = text & ~written.isin(TRUE_TEXT + FALSE_TEXT)
    fail_rows(df, bad_text, col.name, f"{what}: must be a flag written as one of {allowed}")
    other = s.where(~text)
    if pd.api.types.is_bool_dtype(s):
        numeric = other.astype("boolean")
    else:
        number = pd.to_numeric(other, errors="coerce")
        bad = other.notna() & ~number.isin([0, 1])
        fail_rows(df, bad, col.name, f"{what}: flags must be true/false or 1/0")
        numeric = number.eq(1).astype("boolean")
    values = numeric.mask(text, written.isin(TRUE_TEXT)).mask(s.isna())
    return values if col.nullable else values.astype(bool)


def _as_number(df: pd.DataFrame, col: Column, what: str, from_text: bool) -> pd.Series:
    s = df[col.name]
    text = _text_values(s)
    _read_text(df, col, what, text, "numbers", from_text)
    if text.any():
        written = s.where(text).astype("string").str.strip()
        bad = text & ~written.str.fullmatch(NUMBER_TEXT).fillna(False)
        fail_rows(df, bad, col.name, f"{what}: must be numeric (a number written in digits)")
        s = s.mask(text, pd.to_numeric(written))
    if pd.api.types.is_bool_dtype(s) or (
        s.dtype == object and s.map(lambda v: isinstance(v, bool)).any()
    ):
        fail_rows(df, s.notna(), col.name, f"{what}: must be numeric, not true/false")
    values = pd.to_numeric(s).astype("float64")
    fail_rows(df, np.isinf(values), col.name, f"{what}: must be a finite number, not inf")
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


def conform_table(
    df: pd.DataFrame, columns: Sequence[Column], what: str, *, from_text: bool = False
) -> pd.DataFrame:
    """Check one table's columns (presence, missing values, types, allowed values, ranges) and return it with canonical types.

    ``what`` names the table in messages; ``from_text`` says the table was read from CSV,
    whose numbers and flags are text (see the schema's rule).

    Parameters
    ----------
    df
        The table.
    columns
        The schema's columns of the table (:mod:`analysis.data.schema`).
    what
        The table's name in messages.
    from_text
        The table was read from CSV.

    Returns
    -------
    DataFrame
        A copy with each schema column in its canonical type; other columns unchanged.

    Raises
    ------
    InputError
        For the first rule broken: the message names the table, column and rule with example
        rows.
    """
    require_columns(df, [c.name for c in columns if c.required], what=what)
    out = df.copy()
    for col in columns:
        if col.name not in df.columns:
            continue
        if not col.nullable:
            fail_rows(df, df[col.name].isna(), col.name, f"{what}: must not be missing")
        if col.kind in ("integer", "number"):
            out[col.name] = _as_number(df, col, what, from_text)
        elif col.kind == "boolean":
            out[col.name] = _as_boolean(df, col, what, from_text)
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


def validate_dataset(
    dataset: Dataset,
    *,
    years: Sequence[int] | None = None,
    text_tables: Collection[str] = (),
    sources: Mapping[str, str] | None = None,
) -> Dataset:
    """Check every table and the links between them; return the dataset with canonical types.

    Rules (:mod:`analysis.data.schema`, the same that :func:`analysis.data.configured.
    check_tables` runs in an engine): required columns present; no missing values where not
    allowed; stored types fitting each column (``text_tables`` name the tables read from CSV,
    whose numbers and flags written as text are read by the schema's rule); numbers whole where
    counts or years; ages and counts not negative; event years from 1900 to the current year
    (and within ``years`` when given); categories among the allowed values (sex, ethnicity,
    age band, cause, site...); codes known (:data:`~analysis.data.schema.LINKS`); unique
    keys and one death per person (:data:`~analysis.data.schema.UNIQUE_KEYS`); ``age_band``
    agrees with ``age``; no event after death. ``sources`` names where each table came from
    (a file), for the messages.

    Parameters
    ----------
    dataset
        The person-level tables.
    years
        Event years must lie within them (default: not checked).
    text_tables
        The tables read from CSV.
    sources
        Where each table came from, by table name.

    Returns
    -------
    Dataset
        The same tables with canonical types.

    Raises
    ------
    InputError
        For the first rule broken: the message names the table (and its source), the column
        and the rule with example rows.

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> checked = validate_dataset(generate_population(5_000))
    >>> len(checked.people)
    5000
    """
    sources = sources or {}

    def what(name: str) -> str:
        return f"table {name!r}" + (f" ({sources[name]})" if name in sources else "")

    tables = {
        name: conform_table(df, PERSON_LEVEL[name], what(name), from_text=name in text_tables)
        for name, df in dataset.tables().items()
    }
    for name, column in UNIQUE_KEYS:
        rule = " (one death per person)" if name == "deaths" else ""
        _unique(tables[name], column, what(name) + rule)
    for name, column, other, other_column in LINKS:
        if column in tables[name]:
            known = tables[other][other_column]
            _known(tables[name], column, known, what(name), f"{other}.{other_column}")
    people = tables["people"]
    if "age_band" in people:
        expected = np.asarray(five_year_age_band(people["age"]).astype(str))
        fail_rows(
            people,
            people["age_band"].to_numpy() != expected,
            ["age", "age_band"],
            f"{what('people')}: age_band does not match age (ESP 2013 five-year bands)",
            context=["person_id"],
        )
    for name, year_column in EVENT_YEARS.items():
        if years is not None:
            _years(tables[name], year_column, years, what(name))
        if name != "deaths":
            _not_after_death(tables[name], year_column, tables["deaths"], what(name))
    return replace(dataset, **tables)


def validate_aggregated(
    data: pd.DataFrame, *, group_by: Sequence[str] = (), years: Sequence[int] | None = None
) -> pd.DataFrame:
    """Check aggregated input (one row per stratum of ``group_by``, year and age band, with ``events`` and ``population``) and return it with canonical types.

    Rules: required columns present, counts whole and not negative, population not negative,
    known age bands, years in range, and no stratum repeated.

    Parameters
    ----------
    data
        The aggregated counts: ``*group_by``, ``year``, ``age_band``, ``events`` and
        ``population``.
    group_by
        The breakdown columns that, with year and age band, identify a stratum.
    years
        The years the analysis covers: a row with a year outside their range is an error
        (default: not checked).

    Returns
    -------
    DataFrame
        A copy with canonical types.

    Raises
    ------
    InputError
        For the first rule broken, naming the column and rule with example rows.

    Examples
    --------
    >>> validate_aggregated(pd.DataFrame({"year": [2020], "age_band": ["0-4"],
    ...                                   "events": [3], "population": [1200]}))["events"].tolist()
    [3]
    """
    require_columns(data, [*group_by, *(c.name for c in AGGREGATED)], what="aggregated data")
    out = conform_table(data, AGGREGATED, "aggregated data")
    check_counts(out, "events", context=[*group_by, "year", "age_band"])
    if years is not None:
        _years(out, "year", years, "aggregated data")
    keys = [*group_by, "year", "age_band"]
    fail_rows(
        out,
        out.duplicated(keys, keep=False),
        keys,
        "aggregated data: each stratum (breakdowns, year, age band) must appear once",
    )
    return out


__all__ = ["InputError", "conform_table", "validate_aggregated", "validate_dataset"]
