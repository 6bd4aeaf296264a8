"""Indirectly standardised ratios and rates against PHEindicatormethods
``calculate_ISRatio`` / ``calculate_ISRate`` outputs committed in
tests/fixtures/pheindicatormethods/isr (no R needed): reference counts and populations as
fields on shuffled rows, areas with no events, a few events (exact limits below 10) and many
(Byar's), 95% and 99.8% limits, ratios x 1 and x 100, rates per 100,000 and per 1,000."""

from __future__ import annotations

import pytest

from analysis.measures import indirectly_standardised_rate, indirectly_standardised_ratio
from tests.conftest import (
    assert_agrees_with_fixture,
    confidence_levels,
    phe_fixture_cases,
    read_phe_fixture,
)


@pytest.mark.parametrize("case", phe_fixture_cases("isr"))
def test_isr_and_limits_equal_calculate_isratio_and_israte(case):
    expected = read_phe_fixture("isr", case["case"])
    common = dict(
        x_ref="refcount", n_ref="refpop", age_band="ageband", group_by="area",
        confidence=confidence_levels(case["confidence"]),
    )  # fmt: skip
    data = read_phe_fixture("isr", "input")
    if case["statistic"] == "ratio":
        ours = indirectly_standardised_ratio(
            data, "count", "pop", refvalue=case["refvalue"], **common
        )
    else:
        ours = indirectly_standardised_rate(
            data, "count", "pop", multiplier=case["multiplier"], **common
        )
    assert_agrees_with_fixture(
        "isr", ours, expected, ["area"], [c for c in expected.columns if c != "area"]
    )
