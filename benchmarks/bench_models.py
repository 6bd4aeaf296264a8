"""Benchmark: inequality models on 10 million people, and MAIHDA on the default population.

1. Rate (Poisson) and logistic models on 10 million simulated people with categorical
   predictors (deprivation quintile, ethnicity, sex, district, age band): the person rows are
   collapsed to strata (the sufficient statistics) and the model fitted -- target: seconds.
2. MAIHDA (null + main-effects models, adaptive quadrature) on the default ~1M-person
   synthetic population: undiagnosed hypertension (logistic) and CVD deaths (Poisson) --
   target: <= 60 s each.

Run: ``.venv/bin/python benchmarks/bench_models.py``. Prints wall time and peak resident memory.
"""

from __future__ import annotations

import resource
import time

import numpy as np
import pandas as pd

from analysis.data import aggregate_events, default_dataset
from analysis.models import binary_model, maihda, rate_model, standardised_predictions
from analysis.standards import ESP2013_AGE_BANDS

N_PEOPLE = 10_000_000
PREDICTORS = ["imd_quintile", "ethnicity", "sex", "district", "age_band"]


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, fn):
    start = time.perf_counter()
    out = fn()
    print(f"{label:<62} {time.perf_counter() - start:7.2f} s   peak RSS {peak_memory_mb():7.0f} MB")
    return out


def ten_million_people(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = N_PEOPLE
    cat = pd.Categorical.from_codes
    people = pd.DataFrame(
        {
            "imd_quintile": rng.integers(1, 6, n).astype("int8"),
            "ethnicity": cat(rng.choice(6, n, p=[0.8, 0.085, 0.035, 0.025, 0.015, 0.04]),
                             ["White", "Asian", "Black", "Mixed", "Other", "Not stated"]),
            "sex": cat(rng.integers(0, 2, n), ["Female", "Male"]),
            "district": cat(rng.integers(0, 6, n), [f"ZD00{i}" for i in range(1, 7)]),
            "age_band": cat(rng.integers(8, 19, n), list(ESP2013_AGE_BANDS)),
        }
    )  # fmt: skip
    age = people["age_band"].cat.codes.to_numpy()
    eta = -9 + 0.3 * age + 0.15 * (5 - people["imd_quintile"].to_numpy())
    people["years"] = 1.0
    people["deaths"] = rng.poisson(np.exp(eta)).astype("int32")
    people["late"] = (rng.random(n) < 1 / (1 + np.exp(-(eta + 6)))).astype("int8")
    return people


def main() -> None:
    print(f"Inequality models: {N_PEOPLE:,} people, predictors {PREDICTORS}")
    people = timed("simulate 10M people (not part of the model time)", ten_million_people)
    ref = {"imd_quintile": 5, "ethnicity": "White"}
    rate = timed(
        "Poisson rate model (collapse to strata + fit)",
        lambda: rate_model(people, "deaths", "years", PREDICTORS, reference=ref),
    )
    print(f"  {len(rate.data):,} strata; quintile 1 rate ratio "
          f"{rate.table.set_index('term').loc['imd_quintile=1', 'value']:.3f} (planted {np.exp(0.6):.3f})")  # fmt: skip
    timed(
        "negative binomial on the same strata",
        lambda: rate_model(rate.data, "deaths", "years", PREDICTORS, reference=ref,
                           family="negative_binomial"),
    )  # fmt: skip
    logit = timed(
        "logistic model (collapse to successes/trials + fit)",
        lambda: binary_model(people, "late", PREDICTORS, reference=ref),
    )
    timed(
        "standardised probabilities by quintile (delta method)",
        lambda: standardised_predictions(logit, "imd_quintile"),
    )
    timed(
        "standardised probabilities by quintile (2,000 simulations)",
        lambda: standardised_predictions(logit, "imd_quintile", method="simulation", seed=1),
    )
    del people

    print("\nMAIHDA on the default synthetic population")
    dataset = timed("load the default dataset", default_dataset)
    people = dataset.people
    ages = pd.cut(people["age"], [17, 44, 64, 200], labels=["18-44", "45-64", "65+"])
    with_hypertension = people[people["hypertension"] & ages.notna()].assign(
        age_group=ages.astype(str),
        undiagnosed=lambda d: (~d["hypertension_recorded"]).astype("int64"),
    )
    strata_by = ["imd_quintile", "ethnicity", "sex", "age_group"]
    result = timed(
        f"MAIHDA undiagnosed hypertension ({len(with_hypertension):,} people, logistic)",
        lambda: maihda(with_hypertension, strata_by, "undiagnosed",
                       reference={"imd_quintile": 5, "ethnicity": "White"}),
    )  # fmt: skip
    print(f"  {result.summary.loc[0, 'n_strata']} strata; VPC null {result.summary.loc[0, 'vpc']:.3f}, "
          f"PCV {result.summary.loc[1, 'pcv']:.3f}")  # fmt: skip
    deaths = timed(
        "aggregate CVD deaths by strata in DuckDB",
        lambda: aggregate_events(dataset, "deaths", cause="CVD",
                                 group_by=["imd_quintile", "ethnicity", "sex"], measure="person_years"),
    )  # fmt: skip
    deaths = deaths[deaths["age_band"].isin(ESP2013_AGE_BANDS[8:])]
    timed(
        "MAIHDA CVD deaths (Poisson, strata x 5-year age band 40+)",
        lambda: maihda(deaths, ["imd_quintile", "ethnicity", "sex", "age_band"], "events",
                       family="poisson", n="population"),
    )  # fmt: skip


if __name__ == "__main__":
    main()
