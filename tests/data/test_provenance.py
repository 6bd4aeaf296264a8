"""The sentence naming a chapter's data: synthetic default, files, databases, years."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.config import parse_config
from analysis.data import data_label, data_statement, generate_population
from analysis.data.dataset import Dataset
from analysis.validation import InputError

SYNTHETIC = (
    "The figures in this chapter use the book's synthetic integrated care system: no real patients."
)


def test_the_synthetic_default_says_no_real_patients():
    assert data_statement(config=parse_config({})) == SYNTHETIC
    assert data_label(parse_config({})) == "Synthetic data"
    smaller = parse_config({"data": {"n_people": 20_000}})
    assert "synthetic integrated care system (20,000 residents): no real patients" in (
        data_statement(config=smaller)
    )


def test_the_book_scope_and_a_bad_scope():
    assert data_statement(config=parse_config({}), scope="book").startswith(
        "The figures in this book use"
    )
    with pytest.raises(InputError, match="scope must be one of chapter, book"):
        data_statement(config=parse_config({}), scope="page")


def test_files_are_named_without_their_path_with_the_years_of_the_events():
    config = parse_config(
        {"data": {"source": "person", "format": "parquet", "path": "/home/me/nhs/ics-extract"}}
    )
    data = generate_population(2_000, seed=3)
    # keep only 2021-2023 events: the years come from the data, not from the defaults
    kept = Dataset(
        areas=data.areas,
        practices=data.practices,
        people=data.people,
        deaths=data.deaths[data.deaths["year"].between(2021, 2022)],
        cancers=data.cancers[data.cancers["diagnosis_year"].between(2022, 2023)],
        admissions=data.admissions.iloc[0:0],
    )
    statement = data_statement(kept, config=config)
    assert statement == (
        "The figures in this chapter use the person-level data in ics-extract (Parquet files), "
        "2021 to 2023."
    )
    assert "/home" not in statement and "synthetic" not in statement
    assert data_label(config) == "Data: ics-extract"


def test_no_events_and_no_years_gives_no_period():
    config = parse_config({"data": {"source": "person", "format": "duckdb", "path": "x/a.duckdb"}})
    empty = pd.DataFrame({"year": [], "diagnosis_year": []})
    data = Dataset(*(empty,) * 6)
    assert data_statement(data, config=config) == (
        "The figures in this chapter use the person-level data in a.duckdb (a DuckDB database)."
    )


def test_a_database_is_named_by_its_kind_only():
    config = parse_config(
        {
            "data": {
                "source": "aggregated",
                "format": "database",
                "engine": "postgres",
                "connection": "postgresql+psycopg://analyst:secret@db.trust.nhs.uk/ics",
            }
        }
    )
    statement = data_statement(config=config, years=(2019, 2023))
    assert statement == (
        "The figures in this chapter use the aggregated counts in a postgresql database, "
        "2019 to 2023."
    )
    assert data_label(config) == "Data: postgresql database"
