"""Life expectancy at every age (Chiang II, Silcocks' final band) against
PHEindicatormethods ``phe_life_expectancy`` outputs committed in
tests/fixtures/pheindicatormethods/life_expectancy (no R needed). The R call was given
``startage`` built from our band labels. Areas cover large and middling populations, a total
population under 5,000 and no deaths in the 90+ band (the whole area suppressed), no deaths
below age 40, and thin old-age bands (wide limits suppressed at those ages), at 95% and 99.8%."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.measures import life_expectancy
from tests.conftest import (
    assert_agrees_with_fixture,
    confidence_levels,
    phe_fixture_cases,
    read_phe_fixture,
)


@pytest.mark.parametrize("case", phe_fixture_cases("life_expectancy"))
def test_life_expectancy_and_suppression_equal_phe_life_expectancy(case):
    expected = read_phe_fixture("life_expectancy", case["case"])
    ours = life_expectancy(
        read_phe_fixture("life_expectancy", "input"), "deaths", "pop", group_by="area",
        confidence=confidence_levels(case["confidence"]),
    )  # fmt: skip
    ours["age_band"] = ours["age_band"].astype(str)
    # Where the package suppresses a whole area for no deaths in the 90+ band it leaves an
    # infinite upper limit beside the missing value (the Chiang variance divides by those
    # deaths); ours are missing. No published value is involved, so such limits count as NA.
    limits = [c for c in expected.columns if c.startswith(("lower", "upper"))]
    artefact = expected["value"].isna().to_numpy()[:, None] & np.isinf(expected[limits])
    assert artefact.to_numpy().any(), "the fixture no longer has a suppressed 90+ band"
    expected[limits] = expected[limits].mask(artefact)
    keys = ["area", "age_band"]
    assert_agrees_with_fixture(
        "life_expectancy", ours, expected, keys,
        [c for c in expected.columns if c not in [*keys, "startage"]],
    )  # fmt: skip
