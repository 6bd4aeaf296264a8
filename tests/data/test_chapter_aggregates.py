"""Chapter aggregates from the engine: the same counts as pandas on the people, on every engine,
and models fitted on them equal to the person-level fits.

DuckDB (on the in-memory tables) is checked against counts made in pandas from the person
rows; Spark (local mode) and PostgreSQL must then return exactly the DuckDB frames. The model
tests fit the person rows independently (statsmodels on a 0/1 outcome, EM on one row per
person) and compare with the fits on the engine's counts.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.data import generate_population
from analysis.data.aggregate import is_true
from analysis.data.chapter_aggregates import (
    area_table,
    class_counts,
    event_years,
    record_checks,
    strata_counts,
)
from analysis.models import (
    emergency_presentation_model,
    emergency_presentation_strata,
    standardised_predictions,
)
from analysis.models.glm import binary_model
from analysis.models.maihda import maihda
from analysis.segmentation.latent_class import _em, _initial_items, fit_latent_classes, one_hot
from analysis.validation import InputError
from tests.data import test_engines

# fixtures shared with the engine tests (one Spark session and one PostgreSQL per worker)
population = test_engines.population
spark, spark_engine = test_engines.spark, test_engines.spark_engine
postgres_url, postgres_engine = test_engines.postgres_url, test_engines.postgres_engine

AGE_CUTS = [18, 40, 65, 80]
CONDITIONS = ["diabetes", "chd", "copd", "depression"]


def _age_group(age: pd.Series, cuts: list[float]) -> np.ndarray:
    return np.searchsorted(cuts, age.to_numpy(), side="right")


@pytest.fixture(scope="module")
def people_with_areas(population) -> pd.DataFrame:
    return population.people.merge(population.areas[["area_code", "district_name"]], on="area_code")


def test_people_by_sex_area_and_age_group_match_pandas(population, people_with_areas):
    got = strata_counts(population, ["sex", "district_name"], age_groups=AGE_CUTS)
    expected = (
        people_with_areas.assign(age_group=_age_group(people_with_areas["age"], AGE_CUTS))
        .groupby(["sex", "district_name", "age_group"], observed=True)
        .size()
        .rename("n")
        .reset_index()
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got["n"].sum() == len(population.people)


def test_cancer_strata_with_successes_match_pandas(population):
    got = strata_counts(
        population,
        ["imd_quintile", "sex"],
        table="cancers",
        event_group_by=["site"],
        age_groups=[60, 75],
        successes=is_true("e.emergency_presentation"),
    )
    cases = population.cancers.merge(population.people, on="person_id")
    expected = (
        cases.assign(age_group=_age_group(cases["age_at_diagnosis"], [60, 75]))
        .groupby(["imd_quintile", "sex", "site", "age_group"], observed=True)
        .agg(n=("person_id", "size"), successes=("emergency_presentation", "sum"))
        .reset_index()
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_classes_joined_in_the_engine_match_assignment_in_pandas(population):
    patterns = strata_counts(population, CONDITIONS, age_groups=AGE_CUTS)
    rng = np.random.default_rng(3)
    table = patterns[[*CONDITIONS, "age_group"]].assign(
        **{"class": rng.integers(1, 4, len(patterns))}
    )
    got = class_counts(population, table, ["imd_quintile"], age_groups=AGE_CUTS)
    people = population.people.assign(age_group=_age_group(population.people["age"], AGE_CUTS))
    expected = (
        people.merge(table, on=[*CONDITIONS, "age_group"], validate="many_to_one")
        .groupby(["class", "imd_quintile"])
        .size()
        .rename("n")
        .reset_index()
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    with pytest.raises(InputError, match="not in classes"):
        class_counts(population, table.iloc[1:], age_groups=AGE_CUTS)
    reordered = table[["class", "age_group", *reversed(CONDITIONS)]]  # any column order
    pd.testing.assert_frame_equal(
        class_counts(population, reordered, ["imd_quintile"], age_groups=AGE_CUTS), got
    )
    with pytest.raises(InputError, match="exactly when age_groups are given"):
        class_counts(population, table)


def test_event_years_and_refusals(population):
    years = [population.deaths["year"], population.cancers["diagnosis_year"]]
    years.append(population.admissions["year"])
    assert event_years(population) == (min(y.min() for y in years), max(y.max() for y in years))
    with pytest.raises(InputError, match="event_group_by needs an event table"):
        strata_counts(population, ["sex"], event_group_by=["site"])
    with pytest.raises(InputError, match="cancers has no column"):
        strata_counts(population, table="cancers", event_group_by=["nonsense"])
    with pytest.raises(InputError, match="increasing cut points"):
        strata_counts(population, ["sex"], age_groups=[65, 18])


def test_record_checks_and_area_tables_match_pandas(population):
    people, deaths, cancers = population.people, population.deaths, population.cancers
    admissions = population.admissions
    death_year = admissions["person_id"].map(deaths.set_index("person_id")["year"])
    assert record_checks(population) == {
        "people": len(people),
        "unique_people": people["person_id"].nunique(),
        "unknown_area": int((~people["area_code"].isin(population.areas["area_code"])).sum()),
        "missing_core": int(people[["age", "sex", "area_code"]].isna().any(axis=1).sum()),
        "ethnicity_not_stated": int((people["ethnicity"] == "Not stated").sum()),
        "hypertension_recorded": int(people["hypertension_recorded"].sum()),
        "deaths": len(deaths),
        "repeat_deaths": int(deaths["person_id"].duplicated().sum()),
        "cancers": len(cancers),
        "stage_unknown": int(cancers["stage"].isna().sum()),
        "admissions": len(admissions),
        "admissions_after_death": int((admissions["year"] > death_year).sum()),
    }
    broken = population.people.copy()
    broken.loc[:2, "area_code"] = "E00000000"  # three people in no known area
    assert record_checks(replace(population, people=broken))["unknown_area"] == 3
    for name, code in (("areas", "area_code"), ("practices", "practice_code")):
        expected = getattr(population, name).sort_values(code).reset_index(drop=True)
        pd.testing.assert_frame_equal(area_table(population, name), expected, check_dtype=False)
    with pytest.raises(InputError, match="allowed: areas, practices"):
        area_table(population, "people")


# --- the same aggregates on Spark and PostgreSQL --------------------------------------------


@pytest.fixture(params=["spark", "postgres"])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


def test_every_engine_gives_the_duckdb_aggregates(engine, population):
    cases = [
        {"group_by": ["sex", "ethnicity"], "age_groups": AGE_CUTS},
        {"group_by": CONDITIONS, "age_groups": AGE_CUTS},
        {
            "group_by": ["imd_quintile"],
            "table": "cancers",
            "event_group_by": ["site"],
            "age_groups": [60, 75],
            "successes": is_true("e.emergency_presentation"),
        },
    ]
    for kwargs in cases:
        pd.testing.assert_frame_equal(
            strata_counts(engine, **kwargs), strata_counts(population, **kwargs), check_exact=True
        )
    patterns = strata_counts(population, CONDITIONS)
    table = patterns[CONDITIONS].assign(**{"class": np.arange(len(patterns)) % 3})
    pd.testing.assert_frame_equal(
        class_counts(engine, table, ["sex"]), class_counts(population, table, ["sex"])
    )
    assert event_years(engine) == event_years(population)
    assert record_checks(engine) == record_checks(population)
    pd.testing.assert_frame_equal(area_table(engine, "areas"), area_table(population, "areas"))


# --- models on the counts equal the models on the people ------------------------------------


@pytest.fixture(scope="module")
def large():
    return generate_population(60_000, seed=11)


def test_logistic_model_on_engine_strata_equals_the_person_level_fit(large):
    predictors = ["imd_quintile", "sex", "age_group", "site"]
    strata = strata_counts(
        large,
        ["imd_quintile", "sex"],
        table="cancers",
        event_group_by=["site"],
        age_groups=[60, 75],
        successes=is_true("e.emergency_presentation"),
    )
    fit = binary_model(strata, "successes", predictors, n="n", reference={"imd_quintile": 5})
    cases = large.cancers.merge(large.people, on="person_id")
    cases = cases.assign(age_group=_age_group(cases["age_at_diagnosis"], [60, 75]))
    person = sm.GLM(
        cases["emergency_presentation"].astype(float).to_numpy(),
        fit.design.matrix(cases),
        family=sm.families.Binomial(),
    ).fit()
    np.testing.assert_allclose(fit.params, person.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov)), person.bse, rtol=1e-6)
    assert len(strata) < len(cases) / 5  # the fit saw strata, not people


def test_maihda_on_engine_strata_equals_the_fit_on_person_rows(large):
    strata_by = ["imd_quintile", "ethnicity", "sex"]
    people = large.people.assign(outcome=large.people["diabetes"].astype("int64"))
    counts = strata_counts(large, strata_by, successes=is_true("e.diabetes"))
    on_people = maihda(people, strata_by, "outcome")
    on_counts = maihda(counts, strata_by, "successes", n="n")
    pd.testing.assert_frame_equal(on_counts.summary, on_people.summary, rtol=1e-9)


def test_em_on_pattern_counts_is_the_person_level_em():
    """Exact: every EM iteration on the counted patterns equals the iteration on the people."""
    rng = np.random.default_rng(5)
    n_categories = [2, 2, 2, 3]
    codes = np.column_stack([rng.integers(0, c, 4_000) for c in n_categories])
    codes[:1500, :3] = 1  # a second class with most conditions
    patterns, counts = np.unique(codes, axis=0, return_counts=True)
    onehot_patterns, onehot_people = one_hot(patterns, n_categories), one_hot(codes, n_categories)
    uniform = np.repeat(1.0 / np.asarray(n_categories, float), n_categories)
    start_items = _initial_items(onehot_patterns, counts[None, :].astype(float), 2, rng)
    start_shares = np.full((1, 2), 0.5)
    fits = [
        _em(onehot, w[None, :], start_shares, start_items, uniform, max_iter=200, tolerance=0)
        for onehot, w in (
            (onehot_patterns, counts.astype(float)),
            (onehot_people, np.ones(len(codes))),
        )
    ]
    for on_patterns, on_people in zip(fits[0][:3], fits[1][:3], strict=True):
        np.testing.assert_allclose(on_patterns, on_people, rtol=1e-10)
    # and the public fit's log-likelihood is the likelihood of the people at its estimates
    fit = fit_latent_classes(patterns, n_categories, counts[None, :], n_classes=2, seed=1)
    step = _em(
        onehot_people,
        np.ones((1, len(codes))),
        fit.class_shares,
        fit.item_probabilities,
        uniform,
        max_iter=0,
        tolerance=0,
    )
    np.testing.assert_allclose(step[2], fit.log_likelihood, rtol=1e-12)


def test_emergency_presentation_model_on_engine_strata_equals_the_fit_on_cancers(large):
    strata = emergency_presentation_strata(large)
    on_strata = emergency_presentation_model(strata, n="cancers")
    people = large.people[["person_id", "imd_quintile", "ethnicity", "sex"]]
    on_cancers = emergency_presentation_model(large.cancers.merge(people, on="person_id"))
    pd.testing.assert_frame_equal(on_strata.table, on_cancers.table, rtol=1e-9)
    pd.testing.assert_frame_equal(
        standardised_predictions(on_strata, "imd_quintile"),
        standardised_predictions(on_cancers, "imd_quintile"),
        rtol=1e-9,
    )
    assert strata["cancers"].sum() == len(large.cancers)
