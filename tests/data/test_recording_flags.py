"""Recording columns of the synthetic data (analysis.data.recording): nothing else changed, and
the planted learning-disability and inclusion-health gaps in truth.json are recovered."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from analysis.data import generate_population, table_checksum
from analysis.data import parameters as P
from analysis.data.postcodes import NO_FIXED_ABODE, attach_deprivation, synthetic_postcode_lookup
from analysis.data.recording import RECORDING_COLUMNS
from analysis.inequality.recording_gaps import flag_gaps, planted_gaps
from analysis.validation import InputError

#: table_checksum of every table (people without the recording columns) of
#: generate_population(20_000, seed=5), computed before the recording columns were added.
BEFORE = {
    "areas": "11864fce290f7962685714068d359da89e9380157ec61f973234267f5dc99596",
    "practices": "d2e9d6546ca58f04c2591865843e9cccb4fb118786789dc76b52e3622bf1fa19",
    "people": "0e20f65c418406351b213346ed34c10e8b4674fe4b14b2c29363924123941c70",
    "deaths": "9464bf10ab4ecd28c0a7f3d9bc92e9980961065af8ea801067b7a305e597116f",
    "cancers": "b8aadef0b0d7c119b322abd6642e1d42e8c770b2395dfa216f9242e28cddc0b1",
    "admissions": "a149e1249d5b3a49e071e74a4967ebc6594640c6f7115b70605b3dec0600ba27",
    "people_truth": "c75ed7c55e399698c9db5bcbf03b4b526647a4aa81047388a9ee24ffe4f8f7e9",
}


@pytest.fixture(scope="module")
def population_500k():
    return generate_population(500_000)


def test_adding_the_recording_columns_changed_no_other_column():
    pop = generate_population(20_000, seed=5)
    tables = pop.tables()
    tables["people"] = tables["people"].drop(columns=list(RECORDING_COLUMNS))
    assert {name: table_checksum(t) for name, t in tables.items()} == BEFORE
    assert list(pop.people.columns[-len(RECORDING_COLUMNS) :]) == list(RECORDING_COLUMNS)


def test_planted_gaps_in_truth_are_recovered(population_500k):
    gaps = flag_gaps(population_500k).merge(planted_gaps(population_500k.truth), on="flag")
    assert sorted(gaps["flag"]) == sorted(P.RECORDING_FLAGS)
    assert (gaps["outcome_x"] == gaps["outcome_y"]).all()
    se = (np.log(gaps["uppercl"]) - np.log(gaps["lowercl"])) / (2 * 1.959964)
    assert (abs(np.log(gaps["value"]) - np.log(gaps["planted"])) < 3 * se).all()
    assert (se < 0.15).all()  # precise enough to tell the planted gap (or its absence)
    # the learning-disability and homelessness gaps are clearly there; autism has none
    clear = gaps.set_index("flag")["lowercl"] > 1
    assert clear["learning_disability"] and clear["homeless"] and not clear["autism"]


def test_flags_absent_from_own_data_are_skipped(population_500k):
    own = replace(population_500k, people=population_500k.people.drop(columns=["autism"]))
    assert flag_gaps(own)["flag"].tolist() == ["learning_disability", "homeless"]
    none = replace(own, people=own.people.drop(columns=["learning_disability", "homeless"]))
    assert flag_gaps(none).empty
    assert list(flag_gaps(none).columns) == list(flag_gaps(own).columns)
    coded = replace(
        own, people=own.people.assign(homeless=own.people["homeless"].map({True: "Y", False: "N"}))
    )
    with pytest.raises(InputError, match="homeless.*True/False"):
        flag_gaps(coded)


def test_no_fixed_abode_only_for_people_experiencing_homelessness(population_500k):
    people = population_500k.people
    zz99 = people["postcode"] == NO_FIXED_ABODE
    assert people.loc[zz99, "homeless"].all()
    share = zz99[people["homeless"]].mean()
    assert share == pytest.approx(
        P.POSTCODE_RECORDING["homeless_zz99"] * (1 - P.POSTCODE_RECORDING["missing"]), abs=0.03
    )


def test_match_shares_follow_the_planted_recording(population_500k):
    pop = population_500k
    lookup = synthetic_postcode_lookup(pop.areas)
    status = attach_deprivation(pop.people[["postcode"]], lookup, pop.areas)["match_status"]
    shares = status.value_counts(normalize=True)
    rates = P.POSTCODE_RECORDING
    assert shares["missing"] == pytest.approx(rates["missing"], rel=0.1)
    assert shares["not in lookup"] == pytest.approx(rates["unmatched"], rel=0.1)
    assert shares["invalid"] == 0
