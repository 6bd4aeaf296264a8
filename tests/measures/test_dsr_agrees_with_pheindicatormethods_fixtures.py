"""Directly standardised rates with Dobson limits against PHEindicatormethods ``phe_dsr``
outputs committed in tests/fixtures/pheindicatormethods/dsr (no R needed). The European
Standard Population 2013 is a field on each row and the rows are shuffled, so the standard
must follow the age band, not the row position. Areas cover large and small populations,
populations of 1 and 2 in a band, many zero-count bands, a total of exactly 10 events and
totals of 9 and 0 (NA below 10), at 95% and 99.8%, per 100,000 and per 10,000."""

from __future__ import annotations

import pytest

from analysis.measures import directly_standardised_rate
from tests.conftest import (
    assert_agrees_with_fixture,
    confidence_levels,
    phe_fixture_cases,
    read_phe_fixture,
)


@pytest.mark.parametrize("case", phe_fixture_cases("dsr"))
def test_dsr_and_dobson_limits_equal_phe_dsr_with_standard_on_each_row(case):
    expected = read_phe_fixture("dsr", case["case"])
    ours = directly_standardised_rate(
        read_phe_fixture("dsr", "input"), "count", "pop", age_band="ageband", group_by="area",
        standard_population="stdpop", confidence=confidence_levels(case["confidence"]),
        multiplier=case["multiplier"],
    )  # fmt: skip
    assert_agrees_with_fixture(
        "dsr", ours, expected, ["area"], [c for c in expected.columns if c != "area"]
    )
