"""Places of the synthetic integrated care system: districts, small areas and GP practices.

All names and codes are invented. Codes use prefixes no ONS or NHS ODS code uses
(``ZD`` districts, ``ZA`` small areas, ``ZP`` practices).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr

from analysis.data import parameters as P

_PRACTICE_WORDS = (
    "Larches", "Elms", "Willows", "Beeches", "Limes", "Maples", "Rowans", "Hollies",
    "Cedars", "Alders", "Poplars", "Hawthorns", "Chestnuts", "Birches", "Laurels", "Yews",
)  # fmt: skip
_PRACTICE_KINDS = (
    "Surgery",
    "Medical Centre",
    "Health Centre",
    "Medical Practice",
    "Family Practice",
)


def national_position(z: np.ndarray) -> np.ndarray:
    """Share of the fictional nation's areas less deprived than an area with deprivation ``z``.

    Parameters
    ----------
    z
        Deprivation z scores (higher: more deprived).

    Returns
    -------
    ndarray
        Shares from 0 to 1 (the standard normal distribution function of ``z``).
    """
    return ndtr(z)


def imd_columns(z: np.ndarray) -> pd.DataFrame:
    """IMD-like score, national rank (1 = most deprived), decile and quintile (1 = most deprived).

    Parameters
    ----------
    z
        Each area's deprivation z score.

    Returns
    -------
    DataFrame
        ``imd_score``, ``imd_rank``, ``imd_decile`` and ``imd_quintile``, one row per area.
    """
    position = national_position(z)
    score = np.round(np.exp(P.IMD_LOG_MEAN + P.IMD_LOG_SD * z), 3)
    rank = np.minimum(np.floor((1 - position) * P.NATIONAL_AREAS) + 1, P.NATIONAL_AREAS)
    decile = np.minimum(np.floor((1 - position) * 10) + 1, 10).astype("int64")
    return pd.DataFrame(
        {
            "imd_score": score,
            "imd_rank": rank.astype("int64"),
            "imd_decile": decile,
            "imd_quintile": (decile + 1) // 2,
        }
    )


def make_areas(n_people: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Small areas with their district, deprivation and resident count.

    Returns the areas table and each area's deprivation z score (used to shape its people).

    Parameters
    ----------
    n_people
        The number of residents shared among the areas.
    rng
        The random generator.

    Returns
    -------
    tuple of (DataFrame, ndarray)
        The areas table (codes, names, district, IMD columns, ``core20`` and ``population``)
        and each area's deprivation z score.
    """
    codes, names, shares, means, _ = zip(*P.DISTRICTS, strict=True)
    n_areas = max(len(codes), round(n_people / P.RESIDENTS_PER_AREA))
    per_district = np.maximum(1, np.round(np.array(shares) * n_areas).astype("int64"))
    district = np.repeat(np.arange(len(codes)), per_district)
    n_areas = district.size
    z = np.asarray(means)[district] + P.AREA_DEPRIVATION_SD * rng.standard_normal(n_areas)
    # Residents: multinomial over areas with gamma-distributed sizes (CV ~ 0.2).
    size = rng.gamma(25.0, 1 / 25.0, n_areas)
    population = rng.multinomial(n_people, size / size.sum())
    within = np.arange(n_areas) - np.repeat(np.cumsum(per_district) - per_district, per_district)
    letters = np.array(list("ABCDE"))[within % 5]
    areas = pd.DataFrame(
        {
            "area_code": [f"ZA{i + 1:06d}" for i in range(n_areas)],
            "area_name": [
                f"{names[d]} {w // 5 + 1:03d}{letter}"
                for d, w, letter in zip(district, within, letters, strict=True)
            ],
            "district_code": np.asarray(codes)[district],
            "district_name": np.asarray(names)[district],
        }
    )
    imd = imd_columns(z)
    areas = pd.concat([areas, imd], axis=1)
    areas["core20"] = areas["imd_quintile"] == 1
    areas["population"] = population.astype("int64")
    return areas, z


def make_practices(
    areas: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """GP practices in each district, and each area's main practice (row index into practices).

    Parameters
    ----------
    areas
        The areas table (:func:`make_areas`).
    rng
        The random generator.

    Returns
    -------
    tuple of (DataFrame, ndarray)
        The practices table and each area's main practice.
    """
    district_pop = areas.groupby("district_code", sort=True)["population"].sum()
    counts = np.maximum(1, np.round(district_pop.to_numpy() / P.RESIDENTS_PER_PRACTICE)).astype(
        "int64"
    )
    district_of_practice = np.repeat(district_pop.index.to_numpy(), counts)
    n = district_of_practice.size
    names_by_code = dict(zip(areas["district_code"], areas["district_name"], strict=False))
    words = np.asarray(_PRACTICE_WORDS)[np.arange(n) % len(_PRACTICE_WORDS)]
    kinds = np.asarray(_PRACTICE_KINDS)[
        (np.arange(n) // len(_PRACTICE_WORDS)) % len(_PRACTICE_KINDS)
    ]
    practices = pd.DataFrame(
        {
            "practice_code": [f"ZP{i + 1:04d}" for i in range(n)],
            "practice_name": [
                f"The {w} {k}, {names_by_code[d]}"
                for w, k, d in zip(words, kinds, district_of_practice, strict=True)
            ],
            "district_code": district_of_practice,
        }
    )
    # Each area's main practice: a random practice of its own district.
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    district_index = np.searchsorted(
        district_pop.index.to_numpy(), areas["district_code"].to_numpy()
    )
    main = first[district_index] + np.floor(rng.random(len(areas)) * counts[district_index]).astype(
        "int64"
    )
    return practices, main
