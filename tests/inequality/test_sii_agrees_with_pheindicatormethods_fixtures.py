"""Slope and relative index of inequality against PHEindicatormethods ``phe_sii`` outputs
committed in tests/fixtures/pheindicatormethods/sii (no R needed): normal, rate and
proportion values, with standard errors or with 95% limits, deciles and quintiles, 95%, 99.8%
and both, multipliers 1, 100 and negative (polarity flipped, RII inverted).

The SII and RII are closed forms of the data (to 1e-9). Their limits are Monte-Carlo order
statistics of ``repetitions`` simulated fits, made with R's generator there and numpy's here,
so two runs differ by sampling error only. For the limit at tail probability ``p`` the
sample quantile's standard error is ``sigma * sqrt(p (1 - p) / R) / phi(z_p)`` (the
asymptotic variance of a sample quantile, e.g. Serfling 1980, section 2.3.3), with ``sigma``
the spread of the simulated statistic on that side, estimated as ``|limit - value| / z_p``.
The difference of two independent runs has sqrt(2) times that; we allow 5 of those standard
errors (a false failure about once in 1.7 million limits for a normal statistic): at 100,000
repetitions about 3% of the half-width of a 95% interval and 7% of a 99.8% one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.inequality import slope_index_of_inequality
from tests.conftest import (
    FIXTURE_VALUES_COMPARED,
    confidence_levels,
    phe_fixture_cases,
    read_phe_fixture,
)

MC_STANDARD_ERRORS = 5


def monte_carlo_tolerance(
    value: np.ndarray, limit: np.ndarray, tail: float, repetitions: int
) -> np.ndarray:
    """Allowed |ours - theirs| for a limit at tail probability ``tail`` (see module)."""
    z = stats.norm.ppf(1 - tail)
    sigma = np.abs(limit - value) / z
    quantile_se = sigma * np.sqrt(tail * (1 - tail) / repetitions) / stats.norm.pdf(z)
    return MC_STANDARD_ERRORS * np.sqrt(2) * quantile_se


def _ours(case: dict, data: pd.DataFrame) -> pd.DataFrame:
    spread = (
        {"se": "se"} if case["spread"] == "se" else {"lower_cl": "lower_cl", "upper_cl": "upper_cl"}
    )
    # phe_sii's negative multiplier is our polarity="adverse" with the positive multiplier
    polarity = "adverse" if case["multiplier"] < 0 else "favourable"
    return slope_index_of_inequality(
        data, "quantile", "population", "value", polarity=polarity, group_by="area",
        value_type=case["value_type"], confidence=confidence_levels(case["confidence"]),
        repetitions=int(case["repetitions"]), multiplier=abs(case["multiplier"]), rii=True,
        seed=20261205, **spread,
    )  # fmt: skip


@pytest.mark.parametrize("case", phe_fixture_cases("sii"))
def test_sii_and_rii_equal_phe_sii_and_limits_within_monte_carlo_error(case):
    expected = read_phe_fixture("sii", case["case"]).set_index("area")
    data = read_phe_fixture("sii", "input")
    per_area = data.groupby("area")["quantile"].transform("size")
    data = data[(data["kind"] == case["value_type"]) & (per_area == case["n_quantiles"])]
    ours = _ours(case, data)
    levels = np.atleast_1d(confidence_levels(case["confidence"]))
    compared = 0
    for statistic in ("SII", "RII"):
        mine = ours[ours["measure"] == statistic].set_index("area").loc[expected.index]
        theirs = expected[statistic.lower()].to_numpy(float)
        np.testing.assert_allclose(mine["value"], theirs, rtol=1e-9, err_msg=statistic)
        for level in levels:
            tag = f"{level * 100:.1f}".replace(".", "_")
            for side in ("lower", "upper"):
                column = f"{side}{tag}cl" if len(levels) > 1 else f"{side}cl"
                limit = expected[f"{statistic.lower()}_{side}{tag}cl"].to_numpy(float)
                allowed = monte_carlo_tolerance(
                    theirs, limit, (1 - level) / 2, int(case["repetitions"])
                )
                difference = np.abs(mine[column].to_numpy(float) - limit)
                assert (difference <= allowed).all(), (statistic, column, difference, allowed)
                compared += len(limit)
        compared += len(theirs)
    FIXTURE_VALUES_COMPARED["sii"] += compared
