"""Age-standardised segment shares and the slope index of inequality of high need."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.segmentation import high_need_gradient, segment_shares
from analysis.standards import ESP2013_AGE_BANDS, ESP2013_WEIGHTS


def _people(rng: np.random.Generator) -> pd.DataFrame:
    n = 40_000
    band = rng.integers(0, 19, size=n)
    decile = rng.integers(1, 11, size=n)
    # chance of high need rises with age band and with deprivation (decile 1 most deprived)
    p = 0.02 + 0.01 * band + 0.02 * (10 - decile)
    return pd.DataFrame(
        {
            "age_band": np.asarray(ESP2013_AGE_BANDS)[band],
            "imd_decile": decile,
            "segment": np.where(rng.random(n) < p, 3, rng.integers(1, 3, size=n)),
        }
    )


def test_shares_are_the_esp_weighted_average_of_band_shares_and_sum_to_100():
    people = _people(np.random.default_rng(0))
    out = segment_shares(people, group_by=["imd_decile"])
    assert np.allclose(out.groupby("imd_decile")["value"].sum(), 100)
    # independent hand calculation for one group
    sub = people[people["imd_decile"] == 4]
    share = sub.groupby("age_band")["segment"].apply(lambda s: (s == 3).mean())
    weights = pd.Series(ESP2013_WEIGHTS, index=ESP2013_AGE_BANDS)
    expected = 100 * (share * weights).sum() / weights.sum()
    got = out.query("imd_decile == 4 and segment == 3")["value"].item()
    assert got == pytest.approx(expected, rel=1e-12)


def test_sii_of_high_need_recovers_the_planted_gradient():
    people = _people(np.random.default_rng(1))
    shares, sii = high_need_gradient(people, [3], repetitions=2000, seed=1)
    assert shares["imd_decile"].tolist() == list(range(1, 11))
    # planted: 2 percentage points more per decile more deprived -> 18 points from decile 10
    # to decile 1; over the rank scale (0..1) the SII is 10/10 * 2 * 10 = 20 points, positive
    # because the most deprived have the higher share
    value = sii.loc[sii["measure"] == "SII", "value"].item()
    assert value == pytest.approx(20, abs=2.5)
    assert sii["lowercl"].item() < value < sii["uppercl"].item()
