"""A small population with planted condition groups, for examples and tests.

People belong to one of three planted groups -- generally well (younger), respiratory
conditions, and cardiometabolic multimorbidity (older) -- and, within a group, have each
condition independently with the group's prevalence: exactly a latent class model, so a
segmentation should recover the groups.

>>> people, truth = simulate_condition_groups(n_people=1000, seed=1)
>>> sorted(people.columns)[:3], np.bincount(truth).tolist()
(['age', 'asthma', 'chd'], [596, 188, 216])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Planted prevalence of each condition (rows) in each group (columns).
PLANTED_PREVALENCE = pd.DataFrame(
    {
        "Generally well": [0.02, 0.02, 0.01, 0.04, 0.05, 0.00],
        "Respiratory": [0.05, 0.05, 0.35, 0.70, 0.20, 0.01],
        "Cardiometabolic": [0.75, 0.65, 0.15, 0.10, 0.30, 0.15],
    },
    index=["diabetes", "chd", "copd", "asthma", "depression", "dementia"],
)
#: Share of people in each group and the (uniform) age range of each group.
PLANTED_SHARES = (0.6, 0.2, 0.2)
PLANTED_AGES = ((0, 60), (10, 80), (50, 95))


def simulate_condition_groups(
    n_people: int = 10_000, *, seed: int | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Simulate people with planted condition groups (see the module docstring).

    Parameters
    ----------
    n_people
        how many people (default 10,000).
    seed
        the random seed (default None).

    Returns
    -------
    tuple
        ``(people, group)``: people (``person_id``, ``age``, ``sex``, six condition flags)
        and each person's planted group (0 generally well, 1 respiratory, 2
        cardiometabolic), as a numpy array.
    """
    rng = np.random.default_rng(seed)
    group = rng.choice(len(PLANTED_SHARES), size=n_people, p=PLANTED_SHARES)
    low, high = np.array(PLANTED_AGES).T
    age = rng.integers(low[group], high[group])
    prevalence = PLANTED_PREVALENCE.to_numpy().T[group]  # (n, conditions)
    flags = rng.random(prevalence.shape) < prevalence
    people = pd.DataFrame(flags, columns=PLANTED_PREVALENCE.index)
    people.insert(0, "person_id", np.arange(n_people, dtype="int64"))
    people.insert(1, "age", age)
    people.insert(2, "sex", rng.choice(["Female", "Male"], size=n_people))
    return people, group
