"""Age-specific rates and prevalence of the synthetic data sit in plausible ranges for England.

Sources of the ranges (deliberately generous around the published figures):
- Mortality: ONS, *Deaths registered in England and Wales* 2019-2022, age-specific rates per
  100,000 (persons): e.g. 50-54 ~330, 60-64 ~750, 70-74 ~2,000, 80-84 ~5,800, 85-89 ~10,500,
  90+ ~23,000; age-standardised (ESP 2013) all-cause ~925 (2019) to ~1,040 (2020); circulatory
  diseases ~24% and cancers ~27% of deaths (OHID Fingertips, mortality profile).
- Prevalence: NHS Digital, *Quality and Outcomes Framework 2022-23* (England): hypertension
  14.4% (all ages), diabetes 7.5% (17+), CHD 3.0%, stroke/TIA 1.8%, heart failure 1.0%, AF 2.1%,
  CKD 4.0% (18+), COPD 1.9%, asthma 6.5%, depression 13.2% (18+), dementia 0.7%; true adult
  hypertension ~30% (Health Survey for England 2019).
- Cancer: NHS Digital / NDRS *Cancer Registration Statistics* and *Routes to Diagnosis*:
  ~600 new cancers per 100,000 a year, ~55-60% of staged cancers at stage 1-2, ~18-20%
  diagnosed after an emergency presentation.
- Emergency admissions: NHS Digital *Hospital Episode Statistics* ~110 per 1,000 a year.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.data import aggregate_events
from analysis.standards import ESP2013_AGE_BANDS, esp2013


@pytest.fixture(scope="module")
def pop(population_100k):
    return population_100k


@pytest.fixture(scope="module")
def deaths(pop):
    return aggregate_events(pop, "deaths", group_by=["sex"])


def _rates(counts, by=()):
    g = counts.groupby([*by, "age_band"], observed=True)[["events", "population"]].sum()
    return g["events"] / g["population"] * 100_000


def _dsr(counts):
    rates = _rates(counts).reindex(list(ESP2013_AGE_BANDS))
    w = esp2013()["standard_population"].to_numpy()
    return float((rates.to_numpy() * w).sum() / w.sum())


MORTALITY_RANGES = {  # deaths per 100,000 person-years, persons
    "45-49": (130, 330), "50-54": (200, 500), "55-59": (300, 750), "60-64": (500, 1100),
    "65-69": (800, 1700), "70-74": (1300, 2800), "75-79": (2200, 4500),
    "80-84": (4000, 8000), "85-89": (7500, 14000), "90+": (15000, 28000),
}  # fmt: skip


@pytest.mark.parametrize(("band", "bounds"), MORTALITY_RANGES.items())
def test_age_specific_mortality_in_range(deaths, band, bounds):
    assert bounds[0] <= _rates(deaths)[band] <= bounds[1]


def test_young_adult_mortality_in_range(deaths):
    young = deaths[deaths["age_band"].isin(ESP2013_AGE_BANDS[3:9])]  # 15-44
    rate = young["events"].sum() / young["population"].sum() * 100_000
    assert 35 <= rate <= 130


def test_standardised_mortality_and_cause_shares(pop, deaths):
    assert 880 <= _dsr(deaths) <= 1150
    male = _dsr(deaths[deaths["sex"] == "Male"]) / _dsr(deaths[deaths["sex"] == "Female"])
    assert 1.2 <= male <= 1.6
    share = pop.deaths["cause_group"].value_counts(normalize=True)
    assert 0.20 <= share["CVD"] <= 0.30
    assert 0.24 <= share["Cancer"] <= 0.31


def test_deprivation_gradient_in_mortality(pop):
    by_q = aggregate_events(pop, "deaths", group_by=["imd_quintile"])
    ratio = _dsr(by_q[by_q["imd_quintile"] == 1]) / _dsr(by_q[by_q["imd_quintile"] == 5])
    assert 1.4 <= ratio <= 2.4


PREVALENCE_RANGES = {  # (column, minimum age of the register, low, high)
    "hypertension_recorded": (0, 0.12, 0.165),
    "diabetes": (17, 0.06, 0.10),
    "chd": (0, 0.025, 0.04),
    "stroke_tia": (0, 0.014, 0.026),
    "heart_failure": (0, 0.007, 0.016),
    "atrial_fibrillation": (0, 0.016, 0.028),
    "ckd": (18, 0.03, 0.06),
    "copd": (0, 0.015, 0.03),
    "asthma": (0, 0.055, 0.09),
    "depression": (18, 0.10, 0.17),
    "dementia": (0, 0.005, 0.011),
}


@pytest.mark.parametrize(("column", "spec"), PREVALENCE_RANGES.items())
def test_recorded_prevalence_in_range(pop, column, spec):
    min_age, low, high = spec
    assert low <= pop.people.loc[pop.people["age"] >= min_age, column].mean() <= high


def test_true_hypertension_and_detection_gap(pop):
    adults = pop.people[pop.people["age"] >= 18]
    assert 0.25 <= adults["hypertension"].mean() <= 0.35
    true = adults[adults["hypertension"]]
    detected = true.groupby("imd_quintile")["hypertension_recorded"].mean()
    assert detected[1] < detected[5]  # larger detection gap in the most deprived areas
    assert not (adults["hypertension_recorded"] & ~adults["hypertension"]).any()


def test_cancer_incidence_stage_and_route(pop):
    person_years = aggregate_events(pop, "cancers")["population"].sum()
    assert 400 <= len(pop.cancers) / person_years * 100_000 <= 750
    staged = pop.cancers["early_stage"].dropna()
    assert 0.45 <= staged.mean() <= 0.65
    assert 0.14 <= pop.cancers["emergency_presentation"].mean() <= 0.25
    late = pop.cancers.merge(pop.people[["person_id", "imd_quintile"]], on="person_id")
    late = 1 - late.groupby("imd_quintile")["early_stage"].mean()
    assert late[1] > late[5]


def test_emergency_admission_rate(pop):
    counts = aggregate_events(pop, "admissions")
    rate = counts["events"].sum() / counts["population"].sum() * 1000
    assert 80 <= rate <= 150


def test_age_sex_structure_like_england(pop):
    people = pop.people
    assert 0.49 <= (people["sex"] == "Female").mean() <= 0.52
    assert 0.16 <= (people["age"] >= 65).mean() <= 0.21
    assert 0.17 <= (people["age"] < 16).mean() <= 0.22
    assert np.isclose(people["age"].median(), 40, atol=4)
