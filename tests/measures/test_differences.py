"""Difference between two proportions: Newcombe's (1998) published examples, grouping,
coverage by simulation and input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.measures.differences import newcombe_limits, proportion_difference
from analysis.validation import InputError

#: Newcombe (1998), Stat Med 17:873-890, Table II: x1, n1, x2, n2 and the limits of
#: method 10 (hybrid score, no continuity correction), to 4 decimal places.
NEWCOMBE_TABLE_II = [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000),
]


def test_limits_match_newcombe_table_ii():
    x1, n1, x2, n2, lower, upper = np.array(NEWCOMBE_TABLE_II, dtype=float).T
    got_lower, got_upper = newcombe_limits(x1, n1, x2, n2, 0.95)
    np.testing.assert_allclose(got_lower, lower, atol=5e-5)
    np.testing.assert_allclose(got_upper, upper, atol=5e-5)


def test_difference_per_cell_sums_parts_and_matches_table_ii():
    # two group_by cells, each one of Newcombe's examples, with numerators split over rows
    data = pd.DataFrame(
        {
            "cell": ["a", "a", "a", "b", "b"],
            "arm": ["new", "new", "old", "new", "old"],
            "x": [50, 6, 48, 9, 3],
            "n": [60, 10, 80, 10, 10],
        }
    )
    out = proportion_difference(data, "x", "n", "arm", reference="old", group_by="cell")
    assert out[["cell", "arm", "reference"]].values.tolist() == [
        ["a", "new", "old"],
        ["b", "new", "old"],
    ]
    assert out["x"].tolist() == [56, 9] and out["n"].tolist() == [70, 10]
    assert out["reference_x"].tolist() == [48, 3] and out["reference_n"].tolist() == [80, 10]
    np.testing.assert_allclose(out["value"], [20.0, 60.0])
    np.testing.assert_allclose(out["lowercl"], [5.24, 17.05], atol=5e-3)
    np.testing.assert_allclose(out["uppercl"], [33.39, 80.90], atol=5e-3)
    assert out["statistic"].iloc[0] == "difference in percentage points"
    assert out["method"].iloc[0] == "Newcombe hybrid score"
    assert out["confidence"].iloc[0] == "95%"


def test_every_other_level_is_compared_with_the_reference():
    data = pd.DataFrame({"group": ["A", "B", "C"], "x": [10, 20, 30], "n": [100, 100, 100]})
    out = proportion_difference(data, "x", "n", category="group", reference="B", multiplier=1)
    assert out["group"].tolist() == ["A", "C"]
    np.testing.assert_allclose(out["value"], [-0.1, 0.1])
    assert out["statistic"].iloc[0] == "difference in proportions"


def test_two_confidence_levels_nest():
    data = pd.DataFrame({"g": ["x", "y"], "x": [56, 48], "n": [70, 80]})
    out = proportion_difference(data, "x", "n", "g", reference="y", confidence=[0.95, 0.998])
    assert out["lower99_8cl"].iloc[0] < out["lower95_0cl"].iloc[0] < out["value"].iloc[0]
    assert out["value"].iloc[0] < out["upper95_0cl"].iloc[0] < out["upper99_8cl"].iloc[0]


def test_coverage_close_to_nominal_by_simulation():
    rng = np.random.default_rng(7)
    p1, n1, p2, n2, repetitions = 0.3, 200, 0.2, 150, 20_000
    x1, x2 = rng.binomial(n1, p1, repetitions), rng.binomial(n2, p2, repetitions)
    lower, upper = newcombe_limits(x1, n1, x2, n2, 0.95)
    coverage = np.mean((lower <= p1 - p2) & (p1 - p2 <= upper))
    assert 0.94 < coverage < 0.96  # Monte-Carlo SE about 0.0015


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        (
            pd.DataFrame({"g": ["a", "b"], "x": [1, 2], "n": [10, 10]}),
            {"reference": "z"},
            "reference 'z' not found in column 'g'",
        ),
        (
            pd.DataFrame({"c": [1, 1, 2], "g": ["a", "b", "a"], "x": [1, 2, 3], "n": [9] * 3}),
            {"reference": "b", "group_by": "c"},
            "group_by cells [{'c': 2}]",
        ),
        (
            pd.DataFrame({"g": ["a", "b"], "x": [11, 2], "n": [10, 10]}),
            {"reference": "b"},
            "'x' must not be greater than 'n'",
        ),
        (
            pd.DataFrame({"g": ["a", "b"], "x": [1, 2], "n": [0, 10]}),
            {"reference": "b"},
            "column 'n': must be greater than zero",
        ),
        (
            pd.DataFrame({"g": ["b", "b"], "x": [1, 2], "n": [10, 10]}),
            {"reference": "b"},
            "no level other than the reference",
        ),
        (
            pd.DataFrame({"g": ["a", "b"], "x": [1, 2], "n": [10, 10]}),
            {"reference": "b", "group_by": "g"},
            "must not also be in group_by",
        ),
        (
            pd.DataFrame({"g": ["a", "b"], "x": [1.5, 2], "n": [10, 10]}),
            {"reference": "b"},
            "counts must be whole numbers",
        ),
    ],
)
def test_bad_input_names_the_problem(data, kwargs, message):
    with pytest.raises(InputError) as error:
        proportion_difference(data, "x", "n", "g", **kwargs)
    assert message in str(error.value)
