"""Events over 2020-2024: deaths by cause, cancer diagnoses, emergency admissions.

People are followed from 1 January 2020 as a closed cohort (no births or migration). Each
year's age is the age at 1 January 2020 plus the years elapsed. Event probabilities come from
yearly hazards (``1 - exp(-rate)``) on people x years matrices, so nothing loops over people.
People who die are at risk of cancer and admission up to their year of death and leave the
population at risk afterwards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data import parameters as P
from analysis.data.sampling import bernoulli, categorical, log_interpolate, lookup

N_YEARS = len(P.YEARS)
NOT_DEAD = N_YEARS  # year index meaning "alive at the end of the period"


def _by_sex(male: np.ndarray, female_rate: np.ndarray, male_rate: np.ndarray) -> np.ndarray:
    return np.where(male[:, None] == 1, male_rate, female_rate)


def mortality_rates(people: dict[str, np.ndarray], ages: np.ndarray) -> np.ndarray:
    """Yearly death rates (people x years x causes, per person-year) by cause group.

    Parameters
    ----------
    people
        The person arrays of :func:`analysis.data.people.make_people` (``age``, ``male``,
        ``d``, ``ethnicity``, ...), with the conditions' flags where used.
    ages
        Each person's age in each year (people x years).

    Returns
    -------
    ndarray
        People x years x cause groups (``CAUSE_GROUPS``).
    """
    base = (
        _by_sex(
            people["male"],
            log_interpolate(P.MORTALITY_ANCHOR_AGES, P.MORTALITY_FEMALE, ages),
            log_interpolate(P.MORTALITY_ANCHOR_AGES, P.MORTALITY_MALE, ages),
        )
        / 100_000
    )
    cvd = np.interp(ages, P.MORTALITY_ANCHOR_AGES, P.CAUSE_SHARE_CVD)
    cancer = np.interp(ages, P.MORTALITY_ANCHOR_AGES, P.CAUSE_SHARE_CANCER)
    shares = {"CVD": cvd, "Cancer": cancer, "Other": 1 - cvd - cancer}
    out = []
    for cause in P.CAUSE_GROUPS:
        eff = P.MORTALITY_EFFECTS[cause]
        log_rr = (
            eff["d"] * people["d"]
            + lookup(eff["ethnicity"], P.ETHNICITIES, people["ethnicity"])
            + people["d"] * lookup(eff["d_x_ethnicity"], P.ETHNICITIES, people["ethnicity"])
        )
        out.append(base * shares[cause] * np.exp(log_rr)[:, None])
    return np.stack(out, axis=2)


def first_event_year(rng: np.random.Generator, rate: np.ndarray, at_risk: np.ndarray) -> np.ndarray:
    """Index of the first year with an event (``N_YEARS`` if none) given yearly rates.

    An event happens in a year with probability ``1 - exp(-rate)``.

    Parameters
    ----------
    rng
        The random generator.
    rate
        Yearly rates (people x years).
    at_risk
        Whether each person is at risk in each year (people x years).

    Returns
    -------
    ndarray
        Each person's year index.
    """
    happens = (rng.random(rate.shape) < -np.expm1(-rate)) & at_risk
    return np.where(happens.any(axis=1), happens.argmax(axis=1), NOT_DEAD)


def make_deaths(rng, people) -> tuple[pd.DataFrame, np.ndarray]:
    """Deaths table and each person's year index of death (``N_YEARS`` = survived).

    Parameters
    ----------
    rng
        The random generator.
    people
        The person arrays of :func:`analysis.data.people.make_people` (``age``, ``male``,
        ``d``, ``ethnicity``, ...), with the conditions' flags where used.

    Returns
    -------
    tuple of (DataFrame, ndarray)
        The ``deaths`` table (``person_id``, ``year``, ``age_at_death``, ``cause_group``) and
        each person's year index of death.
    """
    ages = people["age"][:, None] + np.arange(N_YEARS)[None, :]
    rates = mortality_rates(people, ages)
    death_year = first_event_year(rng, rates.sum(axis=2), np.ones(ages.shape, dtype=bool))
    dead = np.flatnonzero(death_year < NOT_DEAD)
    cause = categorical(rng, np.log(rates[dead, death_year[dead], :]))
    deaths = pd.DataFrame(
        {
            "person_id": dead.astype("int64") + 1,
            "year": (P.FIRST_YEAR + death_year[dead]).astype("int64"),
            "age_at_death": ages[dead, death_year[dead]].astype("int64"),
            "cause_group": np.asarray(P.CAUSE_GROUPS)[cause],
        }
    )
    return deaths, death_year


def _alive(death_year: np.ndarray) -> np.ndarray:
    """People x years: alive at the start of the year (at risk during it)."""
    return np.arange(N_YEARS)[None, :] <= death_year[:, None]


def cancer_rates(people, ages) -> np.ndarray:
    """Yearly cancer incidence (people x years x sites, per person-year).

    Parameters
    ----------
    people
        The person arrays of :func:`analysis.data.people.make_people` (``age``, ``male``,
        ``d``, ``ethnicity``, ...), with the conditions' flags where used.
    ages
        Each person's age in each year (people x years).

    Returns
    -------
    ndarray
        People x years x sites (``CANCER_SITES``).
    """
    out = []
    for site in P.CANCER_SITES:
        base = (
            _by_sex(
                people["male"],
                log_interpolate(P.CANCER_ANCHOR_AGES, P.CANCER_INCIDENCE[site]["Female"], ages),
                log_interpolate(P.CANCER_ANCHOR_AGES, P.CANCER_INCIDENCE[site]["Male"], ages),
            )
            / 100_000
        )
        eff = P.CANCER_INCIDENCE_EFFECTS[site]
        log_rr = (
            eff["d"] * people["d"]
            + lookup(eff["ethnicity"], P.ETHNICITIES, people["ethnicity"])
            + eff["current_smoker"] * (people["smoking"] == 2)
            + eff["former_smoker"] * (people["smoking"] == 1)
        )
        out.append(base * np.exp(log_rr)[:, None])
    return np.stack(out, axis=2)


def make_cancers(rng, people, death_year) -> tuple[pd.DataFrame, np.ndarray]:
    """First cancer diagnosed in the period (site, stage, route) and each person's year index of diagnosis (``N_YEARS`` = none).

    Parameters
    ----------
    rng
        The random generator.
    people
        The person arrays of :func:`analysis.data.people.make_people` (``age``, ``male``,
        ``d``, ``ethnicity``, ...), with the conditions' flags where used.
    death_year
        Each person's year index of death (:func:`make_deaths`); the dead are not at risk.

    Returns
    -------
    tuple of (DataFrame, ndarray)
        The ``cancers`` table (``person_id``, ``diagnosis_year``, ``age_at_diagnosis``,
        ``site``, ``stage``, ``early_stage``, ``emergency_presentation``) and each person's
        year index of diagnosis.
    """
    ages = people["age"][:, None] + np.arange(N_YEARS)[None, :]
    rates = cancer_rates(people, ages)
    diagnosis_year = first_event_year(rng, rates.sum(axis=2), _alive(death_year))
    who = np.flatnonzero(diagnosis_year < NOT_DEAD)
    y = diagnosis_year[who]
    site = categorical(rng, np.log(np.maximum(rates[who, y, :], 1e-300)))
    age = ages[who, y]
    d = people["d"][who]
    eth = people["ethnicity"][who]
    e, s = P.EMERGENCY_PRESENTATION, P.LATE_STAGE
    emergency = bernoulli(
        rng,
        e["intercept"]
        + e["d"] * d
        + e["age_per_10_over_65"] * (age - 65) / 10
        + lookup(e["site"], P.CANCER_SITES, site)
        + lookup(e["ethnicity"], P.ETHNICITIES, eth),
    )
    late = bernoulli(
        rng,
        lookup(s["site"], P.CANCER_SITES, site)
        + s["d"] * d
        + s["emergency"] * emergency
        + s["age_per_10_over_65"] * (age - 65) / 10
        + lookup(s["ethnicity"], P.ETHNICITIES, eth),
    )
    split = P.STAGE_SPLIT
    stage_one = rng.random(who.size) < split["stage1_given_early"]
    stage_four = bernoulli(
        rng, split["stage4_given_late_logit"] + split["stage4_emergency"] * emergency
    )
    stage = np.where(late, np.where(stage_four, 4, 3), np.where(stage_one, 1, 2))
    unknown = bernoulli(
        rng, P.STAGE_UNKNOWN["intercept"] + P.STAGE_UNKNOWN["emergency"] * emergency
    )
    stage_col = pd.array(np.where(unknown, 0, stage), dtype="Int64")
    stage_col[unknown] = pd.NA
    cancers = pd.DataFrame(
        {
            "person_id": who.astype("int64") + 1,
            "diagnosis_year": (P.FIRST_YEAR + y).astype("int64"),
            "age_at_diagnosis": age.astype("int64"),
            "site": np.asarray(P.CANCER_SITES)[site],
            "stage": stage_col,
            "early_stage": pd.array(stage_col <= 2, dtype="boolean"),
            "emergency_presentation": emergency,
        }
    )
    return cancers, diagnosis_year


def make_admissions(rng, people, conditions, death_year, diagnosis_year) -> pd.DataFrame:
    """Emergency admissions, one row each, for people alive in each year.

    Parameters
    ----------
    rng
        The random generator.
    people
        The person arrays of :func:`analysis.data.people.make_people` (``age``, ``male``,
        ``d``, ``ethnicity``, ...), with the conditions' flags where used.
    conditions
        The condition flags (:func:`analysis.data.conditions.make_conditions`).
    death_year
        Each person's year index of death.
    diagnosis_year
        Each person's year index of cancer diagnosis.

    Returns
    -------
    DataFrame
        The ``admissions`` table.
    """
    ages = people["age"][:, None] + np.arange(N_YEARS)[None, :]
    base = log_interpolate(P.ADMISSION_ANCHOR_AGES, P.ADMISSION_RATES, ages) / 100_000
    eff = P.ADMISSION_EFFECTS
    log_rr = eff["d"] * people["d"] + lookup(eff["latent_group"], P.LATENT_GROUPS, people["group"])
    rate = base * np.exp(log_rr)[:, None] * _alive(death_year)
    counts = rng.poisson(rate).ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    person, year = np.divmod(cell, N_YEARS)
    cvd = np.zeros(people["age"].size, dtype=bool)
    for name in P.CVD_CONDITIONS:
        cvd |= conditions[name]
    has_cancer = diagnosis_year[person] <= year
    cols = [np.zeros(cell.size)]
    for cause in ("CVD", "Cancer"):
        c = P.ADMISSION_CAUSE[cause]
        cols.append(
            c["intercept"]
            + c["age_per_10_over_60"] * (ages[person, year] - 60) / 10
            + c["cvd_register"] * cvd[person]
            + c["cancer"] * has_cancer
        )
    cause = categorical(rng, np.column_stack(cols[1:] + cols[:1]))  # order CVD, Cancer, Other
    return pd.DataFrame(
        {
            "person_id": person.astype("int64") + 1,
            "year": (P.FIRST_YEAR + year).astype("int64"),
            "cause_group": np.asarray(P.CAUSE_GROUPS)[cause],
        }
    )
