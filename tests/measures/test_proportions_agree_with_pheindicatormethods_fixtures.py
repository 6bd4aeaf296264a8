"""Proportions with Wilson limits against PHEindicatormethods ``phe_proportion`` outputs
committed in tests/fixtures/pheindicatormethods/proportion (no R needed): zero numerators,
numerators equal to denominators, denominators of 1 to 10, 95% and 99.8% limits, per row
and summed over groups, as proportions and percentages."""

from __future__ import annotations

import pytest

from analysis.measures import proportion
from tests.conftest import (
    assert_agrees_with_fixture,
    confidence_levels,
    phe_fixture_cases,
    read_phe_fixture,
)


@pytest.mark.parametrize("case", phe_fixture_cases("proportion"))
def test_proportion_and_wilson_limits_equal_phe_proportion(case):
    expected = read_phe_fixture("proportion", case["case"])
    ours = proportion(
        read_phe_fixture("proportion", "input"), "x", "n", group_by=case["group_by"],
        confidence=confidence_levels(case["confidence"]), multiplier=case["multiplier"],
    )  # fmt: skip
    key = case["group_by"]
    assert_agrees_with_fixture(
        "proportion", ours, expected, [key], [c for c in expected.columns if c != key]
    )
