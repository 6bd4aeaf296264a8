"""Core20 versus the rest and gaps to a Core20PLUS5 ambition: closed-form cases, rounding
of the people needed, agreement with proportion() output, and input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.inequality.core20 import (
    ABOVE,
    AMBITIONS,
    BELOW,
    CORE20,
    REST,
    SIMILAR,
    ambition_gap,
    core20_group,
)
from analysis.measures import proportion
from analysis.validation import InputError


def test_quintile_one_is_core20_and_the_index_is_kept():
    quintile = pd.Series([1, 2, 3, 4, 5, 1], index=list("abcdef"), name="imd_quintile")
    out = core20_group(quintile)
    assert out.tolist() == [CORE20, REST, REST, REST, REST, CORE20]
    assert out.index.tolist() == list("abcdef")
    assert list(out.cat.categories) == [CORE20, REST] and out.cat.ordered


@pytest.mark.parametrize("bad", [0, 6, np.nan, 1.5, "one"])
def test_a_quintile_outside_one_to_five_is_refused(bad):
    quintile = pd.Series([1, bad, 3], name="imd_quintile", dtype=object)
    with pytest.raises(InputError) as error:
        core20_group(quintile)
    assert "column 'imd_quintile': must be a national IMD quintile, 1 to 5" in str(error.value)
    assert "1 row(s) fail" in str(error.value)


def test_the_ambitions_are_the_published_targets():
    assert AMBITIONS["early_diagnosis"].target == 0.75
    assert AMBITIONS["hypertension_detection"].target == 0.80


def test_gap_limits_and_comparison_in_closed_form():
    table = pd.DataFrame(
        {
            "x": [60, 78, 90],
            "n": [100, 100, 100],
            "value": [60.0, 78.0, 90.0],
            "lowercl": [50.2, 68.9, 82.6],
            "uppercl": [69.1, 85.0, 94.5],
        }
    )
    out = ambition_gap(table, 0.8)
    np.testing.assert_allclose(out["ambition"], 80.0)
    np.testing.assert_allclose(out["gap"], [20.0, 2.0, -10.0])
    np.testing.assert_allclose(out["gap_lowercl"], [10.9, -5.0, -14.5])
    np.testing.assert_allclose(out["gap_uppercl"], [29.8, 11.1, -2.6])
    assert out["comparison"].tolist() == [BELOW, SIMILAR, ABOVE]
    assert out["additional"].tolist() == [20, 2, 0]
    assert list(table.columns) == ["x", "n", "value", "lowercl", "uppercl"]  # input untouched


def test_people_needed_rounds_up_but_not_floating_point_noise():
    # 0.8 * 35 = 28.000000000000004 in floating point: 28 detected already meet the ambition
    table = pd.DataFrame(
        {"x": [28, 27, 0, 10], "n": [35, 35, 7, 13], "value": 0.0, "lowercl": 0.0, "uppercl": 1.0}
    )
    out = ambition_gap(table, 0.8, multiplier=1)
    # 0.8 * 7 = 5.6 -> 6 people; 0.8 * 13 - 10 = 0.4 -> 1 person
    assert out["additional"].tolist() == [0, 1, 6, 1]


def test_works_on_proportion_output_with_its_column_names():
    counts = pd.DataFrame({"area": ["A", "B"], "early": [150, 400], "staged": [200, 500]})
    props = proportion(counts, "early", "staged", multiplier=100)
    out = ambition_gap(props, AMBITIONS["early_diagnosis"].target, x="early", n="staged")
    np.testing.assert_allclose(out["gap"], [0.0, -5.0], atol=1e-12)
    assert out["comparison"].tolist() == [SIMILAR, ABOVE]
    assert out["additional"].tolist() == [0, 0]


@pytest.mark.parametrize(
    ("table", "kwargs", "message"),
    [
        (
            pd.DataFrame({"x": [1], "n": [2], "value": [50.0], "lowercl": [1.0], "uppercl": [99]}),
            {"target": 80},
            "target must be a proportion between 0 and 1",
        ),
        (
            pd.DataFrame({"x": [3], "n": [2], "value": [50.0], "lowercl": [1.0], "uppercl": [99]}),
            {"target": 0.8},
            "'x' must not be greater than 'n'",
        ),
        (
            pd.DataFrame({"x": [1], "n": [2], "value": [50.0]}),
            {"target": 0.8},
            "table is missing column(s) ['lowercl', 'uppercl']",
        ),
        (
            pd.DataFrame({"x": [1], "n": [2], "value": [50.0], "lowercl": [1.0], "uppercl": [99]}),
            {"target": 0.8, "multiplier": 0},
            "multiplier must be a positive number",
        ),
    ],
)
def test_bad_input_names_the_problem(table, kwargs, message):
    with pytest.raises(InputError) as error:
        ambition_gap(table, **kwargs)
    assert message in str(error.value)


def test_proportions_at_several_confidence_levels_are_refused_with_the_way_out():
    """One interval is compared with the ambition: limits at two levels (issue #15's naming,
    ``lower95_0cl`` ...) raise, saying to compute the proportions at one level."""
    counts = pd.DataFrame({"x": [150, 400], "n": [200, 500]})
    both = proportion(counts, "x", "n", confidence=[0.95, 0.998], multiplier=100)
    with pytest.raises(InputError, match=r"several confidence levels \(lower95_0cl, lower99_8cl\)"):
        ambition_gap(both, 0.75)
    one = ambition_gap(proportion(counts, "x", "n", confidence=0.998, multiplier=100), 0.75)
    np.testing.assert_allclose(one["gap_uppercl"], 75 - both["lower99_8cl"])
