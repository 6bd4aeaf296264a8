"""Funnel-plot limits, significance and chart points against PHEindicatormethods
``calculate_funnel_limits``, ``assign_funnel_significance`` and ``calculate_funnel_points``
outputs committed in tests/fixtures/pheindicatormethods/funnels (no R needed): proportions
(Wilson) as fractions and percentages, ratios (Poisson) as counts and ISR x 100, crude and
directly standardised rates (Poisson) over 1, 3 and 5 years, per 100,000 and per 100, with
zero numerators and DSRs from fewer than 10 events.

Wilson limits, significance labels and chart points are compared to 1e-9. Two known
differences are allowed, each checked where it applies:

- Poisson limits (ratios, rates). The package finds each limit's expected count ``z`` for
  ``O`` observed events by bisection on ``v = z / (1 + O + z)``, stopping when the step is
  below 1e-7; we solve the chi-squared quantile exactly. A step ``dv`` moves ``z`` by
  ``dv (1 + O + z)^2 / (1 + O)``, so each limit is compared to twice that relative error
  (about 5e-7 for most rows, up to 4e-4 for the upper 99.8% limit of 1 event).
- Proportion limits as fractions (``multiplier=1``). The package caps upper limits at 100,
  the percentage scale, whatever the multiplier, so it reports an upper 99.8% limit above 1
  for a denominator of 1; ours stop at the multiplier (a proportion cannot exceed 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.measures import funnel_limits, funnel_points, funnel_significance
from tests.conftest import (
    FIXTURE_VALUES_COMPARED,
    assert_agrees_with_fixture,
    phe_fixture_cases,
    read_phe_fixture,
)

BISECTION_STEP = 1e-7
COLUMNS = {"proportion": ("numerator", "denominator"), "ratio": ("obs", "expected"),
           "rate": ("count", "pop")}  # fmt: skip


def _ours(case: dict, data: pd.DataFrame) -> pd.DataFrame:
    x, n = COLUMNS[case["statistic"]]
    given = {
        name: case[name]
        for name in ("multiplier", "ratio_type", "rate_type", "years_of_data", "rate")
        if pd.notna(case[name])
    }
    if case["output"] == "limits":
        return funnel_limits(data, x, n, statistic=case["statistic"], **given)
    if case["output"] == "points":
        return funnel_points(data, x, n=n, **given)
    given.pop("years_of_data", None)
    return funnel_significance(data, x, n, statistic=case["statistic"], **given)


def _poisson_limits_within_bisection_error(case: dict, ours: pd.DataFrame, expected) -> list:
    """Check every Poisson limit column; return the columns checked."""
    ratio = case["statistic"] == "ratio"
    observed = expected["Observed_events" if ratio else "Events"].to_numpy(float)
    checked = []
    for side in ("lower", "upper"):
        for spread in ("2s", "3s"):
            group = [c for c in expected if c.startswith(f"{side}_{spread}_")]
            if ratio:
                root = expected[f"{side}_{spread}_exp_events"].to_numpy(float)
            else:  # expected events = yearly population x average rate x years
                per_year = expected[f"{side}_{spread}_population_1_year"].to_numpy(float)
                average = expected["baseline"].to_numpy(float) / case["multiplier"]
                root = per_year * average * case["years_of_data"]
            step = BISECTION_STEP * (1 + observed + root) ** 2 / (1 + observed)
            relative = 2 * step / root
            for column in group:
                theirs = expected[column].to_numpy(float)
                scale = (
                    theirs + 1
                    if case.get("ratio_type") == "count" and column.endswith("limit")
                    else theirs
                )  # ratio - 1: its error is that of the ratio
                difference = np.abs(ours[column].to_numpy(float) - theirs)
                assert (difference <= relative * np.abs(scale)).all(), column
            checked += group
    return checked


@pytest.mark.parametrize("case", phe_fixture_cases("funnels"))
def test_funnel_outputs_equal_pheindicatormethods(case):
    expected = read_phe_fixture("funnels", case["case"])
    data = read_phe_fixture("funnels", f"input_{case['statistic']}")
    ours = _ours(case, data)
    poisson = []
    if case["output"] == "limits":  # 100 points along the axis: compare row by row
        keys = ["row"]
        ours = ours.assign(row=np.arange(len(ours)))
        expected = expected.assign(row=np.arange(len(expected)))
        if case["statistic"] == "proportion":
            limits = [c for c in expected if c.endswith("_limit")]
            capped = expected[limits] > case["multiplier"]
            assert (ours[limits].to_numpy()[capped.to_numpy()] == case["multiplier"]).all()
            expected[limits] = expected[limits].mask(capped, case["multiplier"])
        else:
            poisson = _poisson_limits_within_bisection_error(case, ours, expected)
            FIXTURE_VALUES_COMPARED["funnels"] += len(expected) * len(poisson)
    else:
        keys = ["area"]
        ours["significance"] = ours.get("significance", pd.Series(dtype=str)).astype(str)
    assert_agrees_with_fixture(
        "funnels", ours, expected, keys, [c for c in expected.columns if c not in [*keys, *poisson]]
    )
