"""Generate the synthetic integrated care system (the book's default data).

A deterministic, fully vectorised generator: one :class:`numpy.random.Generator` seeded with
``seed`` draws every variable for all people at once, in a fixed order, so the same seed and
size give the same tables on any machine. All effects come from
:mod:`analysis.data.parameters`, which also produces the truth file.

>>> pop = generate_population(20_000)
>>> sorted(pop.tables())[:3]
['admissions', 'areas', 'cancers']
>>> int(pop.people["person_id"].is_unique)
1
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data import parameters as P
from analysis.data.conditions import make_conditions
from analysis.data.dataset import SyntheticPopulation
from analysis.data.events import make_admissions, make_cancers, make_deaths
from analysis.data.people import make_people
from analysis.data.places import make_areas, make_practices
from analysis.data.recording import add_recording
from analysis.standards import five_year_age_band
from analysis.validation import InputError


def generate_population(
    n_people: int = P.DEFAULT_N_PEOPLE, seed: int = P.DEFAULT_SEED
) -> SyntheticPopulation:
    """Generate the synthetic population of about ``n_people`` residents (exactly that many).

    Parameters
    ----------
    n_people
        The number of residents, at least 1,000.
    seed
        The random seed; the same number and seed give the same data.

    Returns
    -------
    Dataset
        ``areas``, ``practices``, ``people``, ``deaths``, ``cancers``, ``admissions``,
        ``people_truth`` (each person's planted latent group) and ``truth`` (the planted
        effects).

    Raises
    ------
    InputError
        When ``n_people`` is below 1,000.
    """
    if int(n_people) < 1_000:
        raise InputError(f"n_people must be at least 1,000 to fill the districts, got {n_people}")
    rng = np.random.default_rng(seed)
    areas, area_z = make_areas(int(n_people), rng)
    practices, main_practice = make_practices(areas, rng)
    counts = practices.groupby("district_code", sort=True).size()
    starts = np.concatenate([[0], np.cumsum(counts.to_numpy())[:-1]])
    by_district = {
        c: (int(s), int(n)) for c, s, n in zip(counts.index, starts, counts, strict=True)
    }
    p = make_people(rng, areas, area_z, main_practice, by_district)
    conditions = make_conditions(rng, p)
    deaths, death_year = make_deaths(rng, p)
    cancers, diagnosis_year = make_cancers(rng, p, death_year)
    admissions = make_admissions(rng, p, conditions, death_year, diagnosis_year)
    conditions["cancer"] = diagnosis_year < len(P.YEARS)

    person_id = np.arange(1, p["age"].size + 1, dtype="int64")
    people = pd.DataFrame(
        {
            "person_id": person_id,
            "area_code": areas["area_code"].to_numpy()[p["area"]],
            "district_code": p["district"],
            "practice_code": practices["practice_code"].to_numpy()[p["practice"]],
            "sex": np.asarray(P.SEXES)[p["male"]],
            "age": p["age"],
            "age_band": np.asarray(five_year_age_band(p["age"]).astype(str)),
            "ethnicity": np.asarray(P.ETHNICITIES)[p["ethnicity"]],
            "imd_decile": areas["imd_decile"].to_numpy()[p["area"]],
            "imd_quintile": p["quintile"],
            "smoking": np.asarray(P.SMOKING)[p["smoking"]],
            "bmi_band": np.asarray(P.BMI_BANDS)[p["bmi"]],
            **conditions,
        }
    )
    # Postcodes and recording flags: a random stream of their own, so no column above changes.
    people = add_recording(people, deaths, areas, seed)
    people_truth = pd.DataFrame(
        {
            "person_id": person_id,
            "latent_group": p["group"].astype("int64"),
            "latent_group_name": np.asarray(P.LATENT_GROUPS)[p["group"]],
        }
    )
    return SyntheticPopulation(
        areas=areas,
        practices=practices,
        people=people,
        deaths=deaths,
        cancers=cancers,
        admissions=admissions,
        people_truth=people_truth,
        truth=P.planted_truth(),
    )


def write_truth(path: str | Path) -> Path:
    """Write the planted effects (:func:`analysis.data.parameters.planted_truth`) as JSON.

    Parameters
    ----------
    path
        The file written (replaced if it exists).

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.write_text(json.dumps(P.planted_truth(), indent=1) + "\n", encoding="utf-8")
    return path
