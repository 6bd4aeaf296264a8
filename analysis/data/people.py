"""Residents of the synthetic system: age, sex, ethnicity, smoking, BMI and latent group.

Everything is drawn for all people at once (numpy arrays, one element per person); category
columns are kept as integer codes here and labelled when the tables are assembled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data import parameters as P
from analysis.data.sampling import bernoulli, categorical, lookup


def _age_sex(rng: np.random.Generator, area_z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Age in whole years at 1 January 2020 and sex code (0 Female, 1 Male)."""
    band_mid = np.arange(19) * 5 + 2.5
    tilt = P.AGE_TILT_PER_DEPRIVATION * area_z[:, None] * ((band_mid - 40) / 20)[None, :]
    logits = np.log(np.asarray(P.AGE_BAND_SHARES))[None, :] + tilt
    band = categorical(rng, logits)
    within = rng.random(band.size)
    open_band = np.minimum(np.floor(rng.exponential(3.5, band.size)), 15)
    age = np.where(band == 18, 90 + open_band, band * 5 + np.floor(within * 5)).astype("int64")
    female = rng.random(band.size) < np.asarray(P.FEMALE_SHARES)[band]
    return age, (~female).astype("int64")


def _ethnicity(rng, age, area_z, urban) -> np.ndarray:
    shares = np.asarray(P.ETHNICITY_SHARES)
    logits = (
        np.log(shares / shares[0])[None, :]
        + area_z[:, None] * np.asarray(P.ETHNICITY_DEPRIVATION)[None, :]
        + urban[:, None] * np.asarray(P.ETHNICITY_URBAN)[None, :]
        + (age < 40)[:, None] * np.asarray(P.ETHNICITY_UNDER_40)[None, :]
        + (age >= 65)[:, None] * np.asarray(P.ETHNICITY_65_PLUS)[None, :]
    )
    return categorical(rng, logits)


def _smoking(rng, age, male, d, ethnicity) -> np.ndarray:
    s, f = P.SMOKING_CURRENT, P.SMOKING_FORMER
    current = bernoulli(
        rng,
        s["intercept"]
        + s["d"] * d
        + s["male"] * male
        + s["age_per_10_over_45"] * np.maximum(age - 45, 0) / 10
        + lookup(s["ethnicity"], P.ETHNICITIES, ethnicity),
    )
    former = bernoulli(rng, f["intercept"] + f["age_per_10_over_40"] * (age - 40) / 10)
    code = np.where(current, 2, np.where(former, 1, 0))
    return np.where(age >= 16, code, 0)


def _bmi_band(rng, age, d, ethnicity) -> np.ndarray:
    b = P.BMI
    latent = (
        b["d"] * d
        + b["adult_middle_age"] * ((age >= 45) & (age < 75))
        + b["child"] * (age < 18)
        + lookup(b["ethnicity"], P.ETHNICITIES, ethnicity)
        + rng.logistic(size=age.size)
    )
    return np.searchsorted(np.asarray(b["cuts"]), latent)


def latent_group_logits(age, female, d, obese, current_smoker, asian) -> np.ndarray:
    """Multinomial logits (people x groups) of the latent multimorbidity groups for adults.

    The first group is the reference (logit 0).

    Parameters
    ----------
    age
        Age in years.
    female
        1 for women, else 0.
    d
        Deprivation, 0 (least deprived quintile) to 1 (most deprived).
    obese
        Whether obese.
    current_smoker
        Whether a current smoker.
    asian
        Whether in the Asian ethnic group.

    Returns
    -------
    ndarray
        People x latent groups (``LATENT_GROUPS``).
    """
    cols = [np.zeros(age.size)]
    for group in P.LATENT_GROUPS[1:]:
        g = P.LATENT_GROUP_LOGITS[group]
        cols.append(
            g["intercept"]
            + g["age_per_10_over_50"] * (age - 50) / 10
            + g["d"] * d
            + g["obese"] * obese
            + g["current_smoker"] * current_smoker
            + g["asian"] * asian
            + g["female"] * female
        )
    return np.column_stack(cols)


def make_people(
    rng: np.random.Generator,
    areas: pd.DataFrame,
    area_z: np.ndarray,
    main_practice: np.ndarray,
    n_practices_by_district: dict[str, tuple[int, int]],
) -> dict[str, np.ndarray]:
    """Person-level arrays: area index, practice index, age, sex, ethnicity, smoking, BMI, deprivation ``d`` and latent group (codes into the category tuples of ``parameters``).

    Parameters
    ----------
    rng
        The random generator.
    areas
        The areas table (:func:`analysis.data.places.make_areas`); each area gets its
        ``population`` of people.
    area_z
        Each area's deprivation z score.
    main_practice
        Each area's main practice (row index into the practices).
    n_practices_by_district
        For each district code: the index of its first practice and its number of practices.

    Returns
    -------
    dict of str to ndarray
        ``area``, ``district``, ``practice``, ``age``, ``male``, ``ethnicity``, ``quintile``,
        ``d``, ``smoking``, ``bmi`` and ``group``, one element per person.
    """
    area = np.repeat(np.arange(len(areas)), areas["population"].to_numpy())
    z = area_z[area]
    urban_by_district = {code: urban for code, *_, urban in P.DISTRICTS}
    district = areas["district_code"].to_numpy()[area]
    urban = np.vectorize(urban_by_district.get, otypes=["int64"])(
        areas["district_code"].to_numpy()
    )[area]
    age, male = _age_sex(rng, z)
    ethnicity = _ethnicity(rng, age, z, urban)
    quintile = areas["imd_quintile"].to_numpy()[area]
    d = (5 - quintile) / 4
    smoking = _smoking(rng, age, male, d, ethnicity)
    bmi = _bmi_band(rng, age, d, ethnicity)
    # Practice: the area's main practice for 80%, otherwise any practice of the district.
    first = np.array([n_practices_by_district[c][0] for c in areas["district_code"]])[area]
    count = np.array([n_practices_by_district[c][1] for c in areas["district_code"]])[area]
    other = first + np.floor(rng.random(area.size) * count).astype("int64")
    practice = np.where(rng.random(area.size) < 0.8, main_practice[area], other)
    logits = latent_group_logits(age, 1 - male, d, bmi == 3, smoking == 2, ethnicity == 1)
    group = np.where(age >= 18, categorical(rng, logits), 0)
    return {
        "area": area,
        "district": district,
        "practice": practice,
        "age": age,
        "male": male,
        "ethnicity": ethnicity,
        "quintile": quintile,
        "d": d,
        "smoking": smoking,
        "bmi": bmi,
        "group": group,
    }
