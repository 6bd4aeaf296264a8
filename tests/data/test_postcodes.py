"""Postcode to small area to IMD (analysis.data.postcodes): statuses, the SQL twin, the lookup."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data import generate_population
from analysis.data.postcodes import (
    MATCH_STATUSES,
    POSTCODE_SHAPE,
    attach_deprivation,
    attach_deprivation_sql,
    match_summary,
    normalise_postcodes,
    synthetic_postcode_lookup,
)
from analysis.validation import InputError

AREAS = pd.DataFrame(
    {
        "area_code": ["ZA1", "ZA2"],
        "imd_score": [45.5, 8.25],
        "imd_rank": [120, 30_000],
        "imd_decile": [1, 10],
        "imd_quintile": [1, 5],
    }
)
LOOKUP = pd.DataFrame({"postcode": ["XA1 2BD", "XA11 3EF"], "area_code": ["ZA1", "ZA2"]})
RECORDS = pd.DataFrame(
    {
        "postcode": ["xa1 2bd", "XA113EF", " ZZ99 3VZ", "zz993cz", None, "", "12345", "XA1 9ZZ"],
        "id": range(8),
    }
)
EXPECTED = [
    "matched", "matched", "no fixed abode", "no fixed abode", "missing", "missing", "invalid",
    "not in lookup",
]  # fmt: skip


@pytest.fixture(scope="module")
def small_population():
    return generate_population(20_000, seed=5)


def test_normalised_to_the_pcds_form():
    assert normalise_postcodes(pd.Series(["xa113ef", " XA1  2BD "])).tolist() == [
        "XA11 3EF",
        "XA1 2BD",
    ]


def test_every_record_is_kept_with_its_status_and_area():
    out = attach_deprivation(RECORDS, LOOKUP, AREAS)
    assert out["id"].tolist() == list(range(8))
    assert out["match_status"].astype(str).tolist() == EXPECTED
    assert out["imd_decile"].tolist()[:2] == [1, 10]
    assert out["imd_decile"].iloc[2:].isna().all()
    summary = match_summary(out)
    assert summary["match_status"].tolist() == list(MATCH_STATUSES)
    assert summary["records"].tolist() == [2, 2, 2, 1, 1]
    assert summary["share"].sum() == pytest.approx(1)


def test_sql_version_gives_the_same_rows():
    python = attach_deprivation(RECORDS, LOOKUP, AREAS)
    sql = attach_deprivation_sql(RECORDS, LOOKUP, AREAS)
    assert sql["match_status"].tolist() == python["match_status"].astype(str).tolist()
    assert sql["postcode_clean"].fillna("").tolist() == python["postcode_clean"].fillna("").tolist()
    pd.testing.assert_series_equal(
        sql["imd_decile"].astype("Int64"), python["imd_decile"], check_names=False
    )


def test_sql_and_python_agree_on_the_synthetic_people(small_population):
    people = small_population.people[["person_id", "postcode", "area_code", "imd_decile"]]
    lookup = synthetic_postcode_lookup(small_population.areas)
    python = attach_deprivation(people, lookup, small_population.areas)
    sql = attach_deprivation_sql(people, lookup, small_population.areas)
    assert (sql["match_status"] == python["match_status"].astype(str)).all()
    matched = python["match_status"] == "matched"
    # the join recovers each matched person's own area and decile
    assert (python.loc[matched, "lsoa_code"] == people.loc[matched, "area_code"]).all()
    assert (python.loc[matched, "imd_decile"] == people.loc[matched, "imd_decile"]).all()
    assert (sql.loc[matched.to_numpy(), "imd_decile"] == python.loc[matched, "imd_decile"]).all()


def test_synthetic_lookup_is_unique_well_formed_and_never_real(small_population):
    lookup = synthetic_postcode_lookup(small_population.areas)
    assert lookup["postcode"].is_unique
    compact = lookup["postcode"].str.replace(" ", "")
    assert compact.str.match(POSTCODE_SHAPE).all()
    assert lookup["postcode"].str.startswith("X").all()  # no real postcode area starts with X
    assert lookup.equals(synthetic_postcode_lookup(small_population.areas))  # deterministic


@pytest.mark.parametrize(
    ("lookup", "rule"),
    [
        (pd.concat([LOOKUP, LOOKUP.iloc[:1]]), "must appear once"),
        (LOOKUP.assign(area_code=["ZA1", "ZA9"]), "must be in the areas table"),
    ],
)
def test_a_bad_lookup_raises(lookup, rule):
    with pytest.raises(InputError, match=rule):
        attach_deprivation(RECORDS, lookup, AREAS)
