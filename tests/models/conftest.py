"""Fixtures for the model tests: an R evaluator (skips without R) and simulated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.rbridge import RUnavailableError, to_r
from analysis.rbridge.session import base_function, rinterface


@pytest.fixture(scope="session")
def r_eval():
    """Evaluate R code with data frames bound by name; returns the result as a float array."""
    try:
        ri = rinterface()
    except RUnavailableError as err:
        pytest.skip(f"R or rpy2 not installed: {err}")

    def run(code: str, **frames: pd.DataFrame) -> np.ndarray:
        env = base_function("new.env")()
        for name, frame in frames.items():
            env[name] = to_r(frame)
        parsed = base_function("parse")(text=ri.StrSexpVector([code]))
        return np.asarray(base_function("eval")(parsed, envir=env), dtype="float64")

    return run


def simulate_people(n: int, seed: int) -> pd.DataFrame:
    """People with deprivation quintile, sex, age group; a known Poisson rate and logistic risk.

    True log rate ratios: quintile q vs 5: 0.1 * (5 - q); male 0.3; age 60-79 1.0, 80+ 2.0.
    True log odds ratios: the same numbers (on the logit scale, intercept -1).
    """
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "quintile": rng.integers(1, 6, n),
            "sex": rng.choice(["Female", "Male"], n),
            "age_group": rng.choice(["40-59", "60-79", "80+"], n),
        }
    )
    age = np.select([df["age_group"] == "60-79", df["age_group"] == "80+"], [1.0, 2.0], 0.0)
    effects = 0.1 * (5 - df["quintile"]) + 0.3 * (df["sex"] == "Male") + age
    df["years"] = rng.uniform(0.2, 1.0, n)
    df["deaths"] = rng.poisson(np.exp(-5 + effects) * df["years"])
    df["late"] = (rng.random(n) < 1 / (1 + np.exp(-(-1 + effects)))).astype("int64")
    return df


TRUE_LOG_RATIOS = {
    "quintile=1": 0.4,
    "quintile=2": 0.3,
    "quintile=3": 0.2,
    "quintile=4": 0.1,
    "sex=Male": 0.3,
    "age_group=60-79": 1.0,
    "age_group=80+": 2.0,
}
