"""Means with Student's t limits against PHEindicatormethods ``phe_mean`` outputs committed
in tests/fixtures/pheindicatormethods/mean (no R needed): groups of 2 to 200 values,
negative and skewed values, 95% and 99.8% limits, by area and over all rows."""

from __future__ import annotations

import pytest

from analysis.measures import mean
from tests.conftest import (
    assert_agrees_with_fixture,
    confidence_levels,
    phe_fixture_cases,
    read_phe_fixture,
)


@pytest.mark.parametrize("case", phe_fixture_cases("mean"))
def test_mean_and_student_t_limits_equal_phe_mean(case):
    expected = read_phe_fixture("mean", case["case"])
    group_by = case["group_by"] if isinstance(case["group_by"], str) else None  # NA: all rows
    ours = mean(
        read_phe_fixture("mean", "input"), "value", group_by=group_by,
        confidence=confidence_levels(case["confidence"]),
    )  # fmt: skip
    keys = [group_by] if group_by else []
    if not keys:  # one row: match it on a constant key
        ours, expected, keys = ours.assign(all=1), expected.assign(all=1), ["all"]
    assert_agrees_with_fixture(
        "mean", ours, expected, keys, [c for c in expected.columns if c not in keys]
    )
