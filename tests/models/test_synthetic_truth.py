"""On the default synthetic population, the models recover the effects planted in data/truth.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data import aggregate_events, default_dataset
from analysis.models import binary_model, maihda, rate_model

TRUTH = Path(__file__).resolve().parents[2] / "data" / "truth.json"


def planted(model: str, outcome: str) -> dict[str, float]:
    effects = json.loads(TRUTH.read_text(encoding="utf-8"))["effects"]
    return {
        e["term"]: e["value"] for e in effects if e["model"] == model and e["outcome"] == outcome
    }


@pytest.fixture(scope="module")
def dataset():
    return default_dataset()


@pytest.fixture(scope="module")
def cancers(dataset) -> pd.DataFrame:
    people = dataset.people[["person_id", "ethnicity", "imd_quintile", "sex"]]
    out = dataset.cancers.merge(people, on="person_id", validate="one_to_one")
    return out.assign(
        d=(5 - out["imd_quintile"]) / 4,
        age_over_65_per_10=(out["age_at_diagnosis"] - 65) / 10,
        emergency=out["emergency_presentation"].astype("int64"),
    )


def _log_interval(table: pd.DataFrame, term: str) -> tuple[float, float]:
    row = table.set_index("term").loc[term]
    return float(np.log(row["lowercl"])), float(np.log(row["uppercl"]))


def test_cvd_mortality_rate_ratios_recover_deprivation_ethnicity_and_interaction(dataset):
    counts = aggregate_events(
        dataset, "deaths", cause="CVD", group_by=["sex", "ethnicity", "imd_quintile"],
        measure="person_years",
    )  # fmt: skip
    counts = counts[counts["age_band"].isin(["50-54", "55-59", "60-64", "65-69", "70-74",
                                              "75-79", "80-84", "85-89", "90+"])]  # fmt: skip
    counts = counts.assign(d=(5 - counts["imd_quintile"]) / 4)
    fit = rate_model(
        counts, "events", "population", ["age_band", "sex", "d", "ethnicity"],
        continuous=["d"], reference={"ethnicity": "White"},
        interactions=[("age_band", "sex"), ("d", "ethnicity")],
    )  # fmt: skip
    truth = planted("mortality", "CVD")
    checks = {"d": truth["d"], "ethnicity=Asian": truth["ethnicity[Asian]"],
              "d:ethnicity=Asian": truth["d:ethnicity[Asian]"]}  # fmt: skip
    for term, value in checks.items():
        lower, upper = _log_interval(fit.table, term)
        assert lower <= value <= upper, (term, value, lower, upper)


def test_emergency_presentation_odds_ratios_recover_deprivation_and_age(cancers):
    fit = binary_model(
        cancers, "emergency", ["d", "age_over_65_per_10", "site", "ethnicity"],
        continuous=["d", "age_over_65_per_10"], reference={"site": "Lung", "ethnicity": "White"},
    )  # fmt: skip
    truth = planted("emergency_presentation", "emergency_presentation")
    checks = {"d": truth["d"], "age_over_65_per_10": 0.25,
              "site=Breast": truth["site[Breast]"] - truth["site[Lung]"]}  # fmt: skip
    for term, value in checks.items():
        lower, upper = _log_interval(fit.table, term)
        assert lower <= value <= upper, (term, value, lower, upper)


def test_late_stage_odds_ratios_recover_deprivation_and_emergency_presentation(cancers):
    staged = cancers[cancers["stage"].notna()]
    staged = staged.assign(late=(staged["stage"] >= 3).astype("int64"))
    fit = binary_model(
        staged, "late", ["d", "emergency", "age_over_65_per_10", "site", "ethnicity"],
        continuous=["d", "emergency", "age_over_65_per_10"],
        reference={"site": "Lung", "ethnicity": "White"},
    )  # fmt: skip
    truth = planted("late_stage", "late_stage")
    for term, value in {"d": truth["d"], "emergency": truth["emergency_presentation"]}.items():
        lower, upper = _log_interval(fit.table, term)
        assert lower <= value <= upper, (term, value, lower, upper)


def test_maihda_of_emergency_presentation_finds_little_intersectional_variance(cancers):
    """Emergency presentation was planted additively (no stratum interactions): the main
    effects should explain most of the between-stratum variance."""
    cancers = cancers.assign(
        age_group=pd.cut(cancers["age_at_diagnosis"], [-1, 59, 74, 200],
                         labels=["under 60", "60-74", "75+"]).astype(str)
    )  # fmt: skip
    fit = maihda(
        cancers, ["imd_quintile", "ethnicity", "sex", "age_group"], "emergency",
        reference={"imd_quintile": 5, "ethnicity": "White"},
    )  # fmt: skip
    summary = fit.summary.set_index("model")
    assert summary.loc["main effects", "sigma2_u"] < summary.loc["null", "sigma2_u"]
    assert summary.loc["main effects", "sigma2_u_lowercl"] < 0.02  # near zero (site mix aside)
    fe = fit.fixed_effects.set_index("term")
    assert fe.loc["imd_quintile=1", "lowercl"] > 1  # deprivation raises the odds
