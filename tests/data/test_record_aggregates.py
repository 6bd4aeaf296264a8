"""The records-to-deprivation counts made in the engine (analysis.data.record_aggregates).

DuckDB (on the in-memory tables) is checked against counts made in pandas from the person
rows: the postcode statuses and deciles from the pandas join (attach_deprivation) on every
person, and the statuses of hand-written awkward postcodes; the flag tables from the people
and deaths directly. Spark (local[1]) and PostgreSQL must then return exactly the DuckDB frames.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pandas as pd
import pytest

from analysis.data import default_dataset, generate_population
from analysis.data.dataset import TABLES, Dataset
from analysis.data.postcodes import attach_deprivation, match_summary, synthetic_postcode_lookup
from analysis.data.record_aggregates import (
    flag_counts,
    postcode_counts,
    postcode_match_counts,
    postcode_match_sql,
    records_by_status_and_decile,
)
from analysis.inequality.recording_gaps import FLAG_OUTCOMES
from analysis.validation import InputError
from tests.data import test_engines

spark, spark_engine = test_engines.spark, test_engines.spark_engine
postgres_url, postgres_engine = test_engines.postgres_url, test_engines.postgres_engine

FLAGS = list(FLAG_OUTCOMES)
#: Awkward postcodes given to the first people, with the status each must get (the first
#: three are the person's own lookup postcode rewritten: {pc} is it, {lower} in lower case).
AWKWARD = [
    ("{lower}", "matched"),
    ("\u00a0{compact}\t\u3000", "matched"),  # no-break, tab and ideographic spaces
    ("{outward}\u2009{inward}", "matched"),  # thin space
    ("{outward}\u0131", "invalid"),  # dotless i: not a-z, left as it is
    ("ZZ99 3VZ", "no fixed abode"),
    ("zz993cz", "no fixed abode"),
    ("", "missing"),
    ("  \n ", "missing"),
    (None, "missing"),
    ("12345", "invalid"),
    ("XA1 2B%", "invalid"),
    ("XZ9 9ZZ", "not in lookup"),
]


@pytest.fixture(scope="module")
def population() -> Dataset:
    """Synthetic people whose first postcodes are rewritten as :data:`AWKWARD`."""
    made = generate_population(15_000, seed=7)
    lookup = synthetic_postcode_lookup(made.areas)
    own = lookup.groupby("area_code")["postcode"].first()
    people = made.people.copy()
    for i, (pattern, _) in enumerate(AWKWARD):
        pc = own[people.at[i, "area_code"]]
        people.at[i, "postcode"] = (
            None
            if pattern is None
            else pattern.format(
                lower=pc.lower(), compact=pc.replace(" ", ""), outward=pc[:-4], inward=pc[-3:]
            )
        )
    return Dataset(
        **{name: getattr(made, name) for name in TABLES if name != "people"}, people=people
    )


@pytest.fixture(scope="module")
def lookup(population) -> pd.DataFrame:
    return synthetic_postcode_lookup(population.areas)


def test_awkward_postcodes_get_their_status_in_sql_and_pandas(population, lookup):
    few = replace(population, people=population.people.iloc[: len(AWKWARD)])
    got = postcode_match_counts(few, lookup)
    counted = got.groupby("match_status", observed=True)["records"].sum()
    assert counted.to_dict() == dict(Counter(s for _, s in AWKWARD))
    python = attach_deprivation(few.people, lookup, few.areas)
    assert python["match_status"].astype(str).tolist() == [s for _, s in AWKWARD]


def test_match_counts_equal_the_pandas_join_of_every_person(population, lookup):
    got = postcode_match_counts(population, lookup)
    joined = attach_deprivation(population.people, lookup, population.areas)
    own = joined["area_code"].map(population.areas.set_index("area_code")["imd_decile"])
    expected = (
        joined.assign(own_decile=own.astype("Int64"))
        .groupby(["match_status", "imd_decile", "own_decile"], observed=True, dropna=False)
        .size()
        .rename("records")
        .reset_index()
    )
    expected = expected[expected["records"] > 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_categorical=False)
    assert got["records"].sum() == len(population.people)
    matched = got[got["match_status"] == "matched"]
    assert (matched["imd_decile"] == matched["own_decile"]).all()  # the lookup finds own area
    summary = match_summary(got, n="records")
    pd.testing.assert_frame_equal(summary, match_summary(joined))


def test_the_python_version_on_postcode_counts_gives_the_sql_counts(population, lookup):
    postcodes = postcode_counts(population)
    assert postcodes["records"].sum() == len(population.people)
    assert postcodes["postcode"].is_unique and postcodes["postcode"].isna().iloc[-1]
    python = records_by_status_and_decile(attach_deprivation(postcodes, lookup, population.areas))
    sql = records_by_status_and_decile(postcode_match_counts(population, lookup))
    pd.testing.assert_frame_equal(python, sql)
    assert list(sql.columns) == ["match_status", "imd_decile", "records"]


def test_postcode_counts_refuse_bad_input(population, lookup):
    with pytest.raises(InputError, match="must appear once"):
        postcode_match_counts(population, pd.concat([lookup, lookup.iloc[:1]]))
    with pytest.raises(InputError, match="must be in the areas table"):
        postcode_match_counts(population, lookup.assign(area_code="E01999999"))
    without = replace(population, people=population.people.drop(columns="postcode"))
    with pytest.raises(InputError, match="no column postcode"):
        postcode_match_counts(without, lookup)


def test_flag_counts_equal_pandas_counts_of_the_people(population):
    people, deaths = population.people, population.deaths
    died = people["person_id"].isin(deaths["person_id"])
    cvd = people["person_id"].isin(deaths.loc[deaths["cause_group"] == "CVD", "person_id"])
    expected = pd.concat(
        [
            pd.DataFrame(
                {
                    "flag": flag,
                    "flagged": [False, True],
                    "people": [int((~people[flag]).sum()), int(people[flag].sum())],
                    "deaths": [int((died & ~people[flag]).sum()), int((died & people[flag]).sum())],
                    "cvd_deaths": [
                        int((cvd & ~people[flag]).sum()),
                        int((cvd & people[flag]).sum()),
                    ],
                }
            )
            for flag in FLAGS
        ],
        ignore_index=True,
    )
    got = flag_counts(population, [*FLAGS, "not_a_column"])
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert flag_counts(population, ["not_a_column"]).empty


@pytest.mark.parametrize(
    ("values", "rule"),
    [
        (lambda s: s.map({True: "Y", False: "N"}), "stored as text, e.g. 'N'"),
        (lambda s: s.astype("boolean").mask(s.index == 3), r"1 row\(s\) fail; values missing"),
        (lambda s: s.astype("int64").mask(s.index == 3, 2), r"1 row\(s\) fail; values 2"),
    ],
)
def test_flag_counts_refuse_flags_that_are_not_true_or_false(population, values, rule):
    people = population.people.assign(autism=values(population.people["autism"]))
    with pytest.raises(InputError, match=rf"'autism': a flag must be True/False.*{rule}"):
        flag_counts(replace(population, people=people), FLAGS)


# --- the same counts on Spark and PostgreSQL ------------------------------------------------


@pytest.fixture(params=["spark", "postgres"])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


def test_every_engine_gives_the_duckdb_counts(engine, population, lookup):
    pd.testing.assert_frame_equal(
        postcode_match_counts(engine, lookup), postcode_match_counts(population, lookup)
    )
    pd.testing.assert_frame_equal(postcode_counts(engine), postcode_counts(population))
    pd.testing.assert_frame_equal(flag_counts(engine, FLAGS), flag_counts(population, FLAGS))


def test_the_sql_text_is_the_same_on_every_engine():
    sql = postcode_match_sql()
    assert "TRANSLATE" in sql and "regexp" not in sql.lower() and "RLIKE" not in sql
    assert all(f"{name} " in sql for name in ("people", "areas", "agg_postcode_lookup"))


# --- the default data: what the chapter shows ----------------------------------------------


@pytest.mark.slow
def test_on_the_default_data_the_engine_counts_equal_pandas_on_every_person():
    data = default_dataset()
    lookup = synthetic_postcode_lookup(data.areas)
    joined = attach_deprivation(data.people, lookup, data.areas)
    got = postcode_match_counts(data, lookup)
    pd.testing.assert_frame_equal(
        records_by_status_and_decile(got),
        records_by_status_and_decile(joined.assign(records=1)),
    )
    pd.testing.assert_frame_equal(match_summary(got, n="records"), match_summary(joined))
    people, deaths = data.people, data.deaths
    died = people["person_id"].isin(deaths["person_id"])
    cvd = people["person_id"].isin(deaths.loc[deaths["cause_group"] == "CVD", "person_id"])
    counts = flag_counts(data, FLAGS).set_index(["flag", "flagged"])
    for flag in FLAGS:
        for value in (False, True):
            chosen = people[flag] == value
            assert counts.loc[(flag, value)].tolist() == [
                int(chosen.sum()),
                int((died & chosen).sum()),
                int((cvd & chosen).sum()),
            ]
