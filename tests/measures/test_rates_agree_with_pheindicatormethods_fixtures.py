"""Crude rates against PHEindicatormethods ``phe_rate`` outputs committed in
tests/fixtures/pheindicatormethods/crude_rate (no R needed): exact Poisson limits below 10
events and Byar's from 10, zero counts, populations of 1 to 10, 95% and 99.8% limits, per row
and summed over groups, per 100, 1,000 and 100,000."""

from __future__ import annotations

import pytest

from analysis.measures import crude_rate
from tests.conftest import (
    assert_agrees_with_fixture,
    confidence_levels,
    phe_fixture_cases,
    read_phe_fixture,
)


@pytest.mark.parametrize("case", phe_fixture_cases("crude_rate"))
def test_crude_rate_and_poisson_limits_equal_phe_rate(case):
    expected = read_phe_fixture("crude_rate", case["case"])
    ours = crude_rate(
        read_phe_fixture("crude_rate", "input"), "x", "n", group_by=case["group_by"],
        confidence=confidence_levels(case["confidence"]), multiplier=case["multiplier"],
    )  # fmt: skip
    key = case["group_by"]
    assert_agrees_with_fixture(
        "crude_rate", ours, expected, [key], [c for c in expected.columns if c != key]
    )
