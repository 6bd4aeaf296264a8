"""Postcode to small area to IMD (analysis.data.postcodes): statuses, normalisation, the lookup.

The SQL version run in the engines is tested in tests/data/test_record_aggregates.py.
"""

from __future__ import annotations

import itertools
import re
import sys

import pandas as pd
import pytest

from analysis.data import generate_population
from analysis.data.postcodes import (
    MATCH_STATUSES,
    POSTCODE_FORMATS,
    WHITESPACE,
    attach_deprivation,
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


def test_every_white_space_character_is_removed_and_only_a_to_z_capitalised():
    assert "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()) == WHITESPACE
    spaced = pd.Series(["\u00a0xa1\t2bd\u3000", "xa1\u20092bd", "xa1 2bı"])  # dotless i
    out = attach_deprivation(spaced.to_frame("postcode"), LOOKUP, AREAS)
    assert out["postcode_clean"].tolist()[:2] == ["XA1 2BD", "XA1 2BD"]
    # Python's upper() makes the dotless i an I; a postcode holding it is not well formed
    assert out["match_status"].astype(str).tolist() == ["matched", "matched", "invalid"]


def test_the_formats_are_the_published_postcode_shape():
    # the six formats are exactly the strings of the published pattern in letters A and digits 9
    shape = re.compile(r"[A]{1,2}9[A9]?9AA")
    candidates = {"".join(p) for n in range(5, 8) for p in itertools.product("A9", repeat=n)}
    assert sorted(c for c in candidates if shape.fullmatch(c)) == sorted(POSTCODE_FORMATS)


def test_weighted_summary_equals_the_summary_of_the_rows():
    out = attach_deprivation(RECORDS, LOOKUP, AREAS)
    weighted = out.groupby("match_status", observed=True).size().rename("n").reset_index()
    pd.testing.assert_frame_equal(match_summary(weighted, n="n"), match_summary(out))


def test_synthetic_lookup_is_unique_well_formed_and_never_real(small_population):
    lookup = synthetic_postcode_lookup(small_population.areas)
    assert lookup["postcode"].is_unique
    compact = lookup["postcode"].str.replace(" ", "")
    assert compact.str.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}").all()
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
