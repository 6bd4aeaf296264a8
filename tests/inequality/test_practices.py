"""Structural inequalities in general practice: practice deprivation from registered patients'
IMD, and the most and least deprived fifths of practices against all practices, checked
against direct pandas counts on the synthetic tables and independent interval formulas."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.data import generate_population
from analysis.inequality.practices import (
    PRACTICE_GROUPS,
    PRACTICE_INDICATORS,
    practice_deprivation,
    practice_deprivation_gaps,
    practice_dumbbell_r_code,
)
from analysis.measures import indicator_rates
from analysis.report.disclosure import DisclosureRule
from analysis.validation import InputError


@pytest.fixture(scope="module")
def population():
    return generate_population(80_000, seed=3)  # 10 practices: two in each fifth


@pytest.fixture(scope="module")
def gaps(population):
    return practice_deprivation_gaps(population)


@pytest.fixture(scope="module")
def registered(population) -> pd.DataFrame:
    """Practice of each person with their area's IMD score, straight from the tables."""
    return population.people.merge(population.areas[["area_code", "imd_score"]], on="area_code")


def _members(population, registered) -> dict[str, set]:
    scores = registered.groupby("practice_code")["imd_score"].mean().sort_values()
    fifth = len(scores) // 5  # the synthetic practices split evenly into fifths
    assert len(scores) % 5 == 0
    return {
        "Most deprived fifth": set(scores.index[-fifth:]),
        "Least deprived fifth": set(scores.index[:fifth]),
        "All practices": set(scores.index),
    }


def test_practice_score_is_the_mean_imd_of_registered_patients(population, registered):
    practices = practice_deprivation(population).set_index("practice_code")
    expected = registered.groupby("practice_code")["imd_score"].agg(["mean", "size"])
    np.testing.assert_allclose(practices["imd_score"], expected["mean"].loc[practices.index])
    assert practices["registered"].tolist() == expected["size"].loc[practices.index].tolist()
    # quintile 1 holds the highest scores, and each fifth the next band of scores
    by_score = practices.sort_values("imd_score", ascending=False)["quantile"]
    assert by_score.is_monotonic_increasing and by_score.iloc[0] == 1
    assert practices["quantile"].value_counts().nunique() == 1  # equal fifths


def test_proportions_are_pooled_counts_of_each_group(population, registered, gaps):
    members = _members(population, registered)
    people = population.people
    cancers = population.cancers.merge(people[["person_id", "practice_code"]], on="person_id")
    for group, codes in members.items():
        mine = people[people["practice_code"].isin(codes)]
        theirs = cancers[cancers["practice_code"].isin(codes)]
        staged = theirs[theirs["early_stage"].notna()]
        expected = {
            "hypertension_detection": (
                int(mine.loc[mine["hypertension"], "hypertension_recorded"].sum()),
                int(mine["hypertension"].sum()),
            ),
            "early_diagnosis": (int(staged["early_stage"].astype(bool).sum()), len(staged)),
            "emergency_presentation": (int(theirs["emergency_presentation"].sum()), len(theirs)),
        }
        for indicator, (numerator, denominator) in expected.items():
            row = gaps[(gaps["indicator"] == indicator) & (gaps["group"] == group)].iloc[0]
            assert (row["numerator"], row["denominator"]) == (numerator, denominator)
            assert row["practices"] == len(codes)
            wilson = stats.binomtest(numerator, denominator).proportion_ci(method="wilson")
            assert row["value"] == pytest.approx(100 * numerator / denominator)
            assert (row["lowercl"], row["uppercl"]) == pytest.approx(
                (100 * wilson.low, 100 * wilson.high)
            )


def test_all_practices_mortality_is_the_overall_rate(population, gaps):
    overall = indicator_rates(population, "cvd_mortality", [])
    row = gaps[(gaps["indicator"] == "cvd_mortality") & (gaps["group"] == "All practices")]
    assert row["value"].iloc[0] == pytest.approx(overall["value"].iloc[0])
    assert row["numerator"].iloc[0] == overall["total_count"].iloc[0]
    ends = gaps[(gaps["indicator"] == "cvd_mortality") & (gaps["group"] != "All practices")]
    assert ends["numerator"].sum() < row["numerator"].iloc[0]


def test_one_row_per_indicator_and_group_in_display_order(gaps):
    assert gaps["indicator"].astype(str).tolist() == [
        i for i in PRACTICE_INDICATORS for _ in PRACTICE_GROUPS
    ]
    assert gaps["group"].astype(str).tolist() == list(PRACTICE_GROUPS) * 4
    assert gaps["suppressed"].eq("").all()  # 80,000 people: no small counts


def test_planted_deprivation_gaps_are_seen(gaps):
    """The synthetic data plant lower hypertension detection and higher CVD mortality among
    deprived patients (data/truth.json): the fifths of practices differ that way."""
    wide = gaps.pivot(index="indicator", columns="group", values="value")
    most, least = wide["Most deprived fifth"], wide["Least deprived fifth"]
    assert most["hypertension_detection"] < least["hypertension_detection"]
    assert most["cvd_mortality"] > least["cvd_mortality"]


def test_small_counts_are_suppressed_with_their_values(population):
    strict = practice_deprivation_gaps(population, rule=DisclosureRule(max_count=500))
    hidden = strict["numerator"].isna()
    assert hidden.any()
    assert strict.loc[hidden, ["value", "lowercl", "uppercl"]].isna().all().all()


def test_too_many_groups_are_refused(population):
    with pytest.raises(InputError, match="n_quantiles must be at least 2"):
        practice_deprivation(population, n_quantiles=1)
    with pytest.raises(InputError, match="cannot be split into 1000"):
        practice_deprivation(population, n_quantiles=1000)


def test_the_ggplot2_code_shown_in_the_book_draws_the_chart(gaps, tmp_path):
    """The R code the chapter shows runs on the table and draws the chart (where R and
    ggplot2 are installed; skipped otherwise: this code is shown, not run, by the book)."""
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript is not installed")
    check = subprocess.run(
        ["Rscript", "-e", "quit(status = !requireNamespace('ggplot2', quietly = TRUE))"],
        capture_output=True,
    )
    if check.returncode != 0:
        pytest.skip("the R package ggplot2 is not installed")
    gaps.to_csv(tmp_path / "gaps.csv", index=False)
    script = tmp_path / "draw.R"
    script.write_text(
        f'gaps <- read.csv("{tmp_path / "gaps.csv"}")\n'
        + practice_dumbbell_r_code()
        + f'\nggsave("{tmp_path / "dumbbells.png"}", dumbbells, width = 7, height = 6)\n'
        + "stopifnot(length(dumbbells$layers) == 3)\n"
    )
    run = subprocess.run(["Rscript", str(script)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "dumbbells.png").stat().st_size > 10_000
