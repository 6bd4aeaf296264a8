"""Every validation rule raises InputError naming the column, the rule and example rows."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from analysis.data import (
    generate_population,
    load_dataset,
    save_dataset,
    validate_aggregated,
    validate_dataset,
)
from analysis.data.loaders import text_encoding
from analysis.data.schema import THIS_YEAR
from analysis.validation import InputError


@pytest.fixture(scope="module")
def pop():
    return generate_population(5_000, seed=3)


def _edit(pop, table, fn):
    df = getattr(pop, table).copy()
    return replace(pop, **{table: fn(df)})


def _set(column, row, value):
    def fn(df):
        df[column] = df[column].astype(object)
        df.loc[row, column] = value
        return df

    return fn


CASES = [
    # (table, edit, column named, rule text, value shown in the example rows)
    ("people", lambda d: d.drop(columns="ethnicity"), "ethnicity", "missing column", None),
    ("people", _set("age", 4, "forty"), "age", "numbers stored as text", "forty"),
    ("people", _set("age", 4, -3), "age", "must not be negative", "-3"),
    ("people", _set("age", 4, 131), "age", "must be at most 120", "131"),
    ("people", _set("age", 4, 40.5), "age", "must be a whole number", "40.5"),
    ("people", _set("sex", 4, "M"), "sex", "unknown value", "M"),
    (
        "people",
        _set("ethnicity", 4, "Asian British"),
        "ethnicity",
        "unknown value",
        "Asian British",
    ),
    ("people", _set("age_band", 4, "40-49"), "age_band", "unknown value", "40-49"),
    (
        "people",
        _set("area_code", 4, "E01000001"),
        "area_code",
        "not in areas.area_code",
        "E01000001",
    ),
    ("people", _set("practice_code", 4, "A81001"), "practice_code", "not in practices", "A81001"),
    ("people", _set("person_id", 4, 1), "person_id", "duplicate person_id", "1"),
    ("people", _set("sex", 4, None), "sex", "must not be missing", "None"),
    ("people", _set("diabetes", 4, "maybe"), "diabetes", "flags stored as text", "maybe"),
    ("people", _set("diabetes", 4, 2), "diabetes", "flags must be true/false or 1/0", "2"),
    ("people", _set("age", 4, 0), "age_band", "does not match age", None),
    ("areas", _set("area_code", 1, "ZA000001"), "area_code", "duplicate area_code", "ZA000001"),
    ("areas", _set("imd_quintile", 1, 6), "imd_quintile", "must be at most 5", "6"),
    ("deaths", _set("year", 0, 2031), "year", f"must be at most {THIS_YEAR}", "2031"),
    ("deaths", _set("year", 0, 1899), "year", "must be at least 1900", "1899"),
    ("deaths", _set("cause_group", 0, "Covid"), "cause_group", "unknown value", "Covid"),
    ("deaths", _set("person_id", 0, 999_999), "person_id", "not in people.person_id", "999999"),
    ("cancers", _set("site", 0, "Skin"), "site", "unknown value", "Skin"),
    ("cancers", _set("stage", 0, 5), "stage", "must be at most 4", "5"),
    ("cancers", _set("diagnosis_year", 0, 2031), "diagnosis_year", "must be at most", "2031"),
    ("admissions", _set("year", 0, "last year"), "year", "stored as text", "last year"),
    ("admissions", _set("year", 0, "2021"), "year", "stored as text", "2021"),
]


@pytest.mark.parametrize(("table", "edit", "column", "rule", "shown"), CASES)
def test_rule_names_column_rule_and_rows(pop, table, edit, column, rule, shown):
    with pytest.raises(InputError) as err:
        validate_dataset(_edit(pop, table, edit))
    message = str(err.value)
    assert column in message and rule in message
    if shown is not None:
        assert "Example rows" in message and shown in message


def test_duplicate_death_and_event_after_death(pop):
    dup = _edit(pop, "deaths", lambda d: pd.concat([d, d.iloc[[0]]], ignore_index=True))
    with pytest.raises(InputError, match="one death per person"):
        validate_dataset(dup)
    dead = pop.deaths.iloc[0]
    late = pd.DataFrame(
        {"person_id": [dead["person_id"]], "year": [2024], "cause_group": ["Other"]}
    )
    if dead["year"] < 2024:
        bad = _edit(pop, "admissions", lambda d: pd.concat([d, late], ignore_index=True))
        with pytest.raises(InputError, match="after the person's year of death"):
            validate_dataset(bad)


def test_years_are_checked_against_the_years_given(pop):
    bad = _edit(pop, "cancers", _set("diagnosis_year", 0, 2019))
    validate_dataset(bad)  # a plausible year: only the caller's years exclude it
    with pytest.raises(InputError, match="table 'cancers': year out of range 2020-2024"):
        validate_dataset(bad, years=[2020, 2024])


def test_text_from_csv_is_read_by_its_written_form(pop, tmp_path):
    """CSV has no types: numbers in digits and flags as written text are read by the rule;
    the same values stored as text in a typed source (Parquet) are rejected."""
    people = pop.people.assign(
        age=pop.people["age"].astype(str).radd(" "),
        copd=pop.people["copd"].map({True: "Y", False: "n"}),
        diabetes=pop.people["diabetes"].map({True: "TRUE", False: "false"}),
        hypertension=pop.people["hypertension"].astype(int),
    )
    edited = replace(pop, people=people)
    save_dataset(edited, tmp_path, format="csv")
    checked = load_dataset(tmp_path, format="csv")
    assert checked.people["age"].dtype == "int64" and checked.people["copd"].dtype == bool
    for flag in ("copd", "diabetes", "hypertension"):
        assert (checked.people[flag] == pop.people[flag]).all()
    assert (checked.people["age"] == pop.people["age"]).all()
    parquet = tmp_path / "parquet"
    save_dataset(edited, parquet)
    with pytest.raises(InputError) as err:
        load_dataset(parquet)
    message = str(err.value)
    assert "people.parquet" in message and "'age'" in message
    assert "numbers stored as text" in message


def test_bad_text_in_csv_is_named_with_the_file(pop, tmp_path):
    people = pop.people.astype({"age": object})
    people.loc[3, "age"] = "40 yrs"
    save_dataset(replace(pop, people=people), tmp_path, format="csv")
    with pytest.raises(InputError) as err:
        load_dataset(tmp_path, format="csv")
    message = str(err.value)
    assert "people.csv" in message and "'age'" in message and "40 yrs" in message
    assert "must be numeric (a number written in digits)" in message


def test_latin1_csv_is_named_with_file_and_line_and_reads_with_the_encoding(pop, tmp_path):
    areas = pop.areas.copy()
    areas.loc[2, "area_name"] = "Ch\u00e2teau"
    save_dataset(replace(pop, areas=areas), tmp_path, format="csv")
    (tmp_path / "areas.csv").write_bytes((tmp_path / "areas.csv").read_text().encode("latin-1"))
    with pytest.raises(InputError, match=r"areas\.csv: line 4 is not valid utf-8"):
        load_dataset(tmp_path, format="csv")
    loaded = load_dataset(tmp_path, format="csv", encoding="latin-1")
    assert loaded.areas.loc[2, "area_name"] == "Ch\u00e2teau"
    # a UTF-8 byte-order mark is recognised whatever the encoding configured
    text = (tmp_path / "areas.csv").read_bytes().decode("latin-1")
    (tmp_path / "areas.csv").write_bytes(text.encode("utf-8-sig"))
    assert text_encoding(tmp_path / "areas.csv", "latin-1") == "utf-8-sig"
    assert load_dataset(tmp_path, format="csv").areas.loc[2, "area_name"] == "Ch\u00e2teau"


AGG = pd.DataFrame(
    {
        "sex": ["Female", "Male"],
        "year": [2020, 2020],
        "age_band": ["0-4", "0-4"],
        "events": [3, 4],
        "population": [1000, 1100],
    }
)


@pytest.mark.parametrize(
    ("edit", "column", "rule"),
    [
        (lambda d: d.assign(events=[-1, 4]), "events", "must not be negative"),
        (lambda d: d.assign(events=[1.5, 4]), "events", "must be a whole number"),
        (lambda d: d.assign(population=[-10, 4]), "population", "must not be negative"),
        (lambda d: d.assign(age_band=["0-5", "0-4"]), "age_band", "unknown value"),
        (lambda d: d.assign(sex=["Male", "Male"]), "sex", "must appear once"),
        (lambda d: d.drop(columns="population"), "population", "missing column"),
    ],
)
def test_aggregated_rules(edit, column, rule):
    with pytest.raises(InputError) as err:
        validate_aggregated(edit(AGG.copy()), group_by=["sex"])
    assert column in str(err.value) and rule in str(err.value)


def test_aggregated_years_out_of_range():
    with pytest.raises(InputError, match="year out of range 2021-2022"):
        validate_aggregated(AGG, group_by=["sex"], years=[2021, 2022])
