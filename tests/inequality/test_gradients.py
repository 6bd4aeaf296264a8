"""Relative ranks and gradient steps: hand-worked values, any row order, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.inequality import slope_index_of_inequality
from analysis.inequality.gradients import gradient_steps, relative_ranks
from analysis.validation import InputError

#: Two gradients with different numbers of quantiles, rows shuffled, a non-default index.
ROWS = pd.DataFrame(
    {
        "outcome": ["b", "a", "b", "a", "a", "b", "b"],
        "q": [3, 2, 1, 1, 3, 4, 2],
        "people": [30.0, 50.0, 10.0, 20.0, 30.0, 40.0, 20.0],
        "rate": [5.0, 8.0, 9.0, 10.0, 8.0, 6.0, 7.0],
    },
    index=[10, 11, 12, 13, 14, 15, 16],
)


def test_relative_ranks_are_cumulative_share_midpoints_by_hand():
    """a: shares 0.2, 0.5, 0.3 -> 0.1, 0.45, 0.85; b: 0.1, 0.2, 0.3, 0.4 -> 0.05, 0.2,
    0.45, 0.8 (Low & Low 2004: the share below plus half the quantile's own)."""
    ranks = relative_ranks(ROWS, "q", "people", group_by="outcome")
    expected = {10: 0.45, 11: 0.45, 12: 0.05, 13: 0.1, 14: 0.85, 15: 0.8, 16: 0.2}
    assert ranks.name == "rank" and ranks.index.tolist() == ROWS.index.tolist()
    np.testing.assert_allclose(ranks, [expected[i] for i in ROWS.index], rtol=1e-12)


def test_relative_ranks_read_numbers_stored_as_text_in_numeric_order():
    data = pd.DataFrame({"q": [str(q) for q in range(10, 0, -1)], "people": 1.0})
    ranks = relative_ranks(data, "q", "people")
    np.testing.assert_allclose(ranks, (np.arange(10, 0, -1) - 0.5) / 10, rtol=1e-12)


def test_weighted_line_on_the_ranks_gives_the_slope_index():
    """The SII is the slope of the population-weighted line through (rank, value): a line
    fitted by numpy on our ranks equals the ScotPHO-preset SII."""
    ranks = relative_ranks(ROWS, "q", "people", group_by="outcome")
    sii = slope_index_of_inequality(
        ROWS,
        "q",
        "people",
        "rate",
        group_by="outcome",
        method="scotpho",
        min_quantiles=3,
        polarity="favourable",
    ).set_index("outcome")["value"]
    for outcome, rows in ROWS.groupby("outcome"):
        weights = np.sqrt(rows["people"] / rows["people"].sum())
        slope = np.polyfit(ranks[rows.index], rows["rate"], 1, w=weights)[0]
        np.testing.assert_allclose(slope, sii[outcome], rtol=1e-9)


def test_gradient_steps_count_rises_and_falls_in_quantile_order():
    """a (q 1, 2, 3): 10 -> 8 -> 8, one fall and one flat step; b (q 1..4): 9 -> 7 -> 5 -> 6,
    two falls and one rise."""
    out = gradient_steps(ROWS, "q", "rate", group_by=["outcome"])
    assert out.to_dict("records") == [
        {"outcome": "a", "steps": 2, "rising": 0, "falling": 1},
        {"outcome": "b", "steps": 3, "rising": 1, "falling": 2},
    ]
    shuffled = gradient_steps(ROWS.sample(frac=1, random_state=3), "q", "rate", group_by="outcome")
    pd.testing.assert_frame_equal(shuffled, out)


def test_gradient_steps_without_groups_and_with_text_labels():
    data = pd.DataFrame({"q": ["10", "2", "1"], "rate": [1.0, 3.0, 2.0]})
    out = gradient_steps(data, "q", "rate")
    assert out.to_dict("records") == [{"steps": 2, "rising": 1, "falling": 1}]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(q=[3, 2, 1, 1, 3, 4, 3]), "each quantile must appear once"),
        (lambda d: d.assign(q=["x", "2", "1", "1", "3", "4", "2"]), "'q'"),
        (lambda d: d.assign(people=[30.0, 50.0, 0.0, 20.0, 30.0, 40.0, 20.0]), "'people'"),
        (lambda d: d.drop(columns="people"), "people"),
    ],
)
def test_relative_ranks_reject_bad_input(change, message):
    with pytest.raises(InputError, match=message):
        relative_ranks(change(ROWS), "q", "people", group_by="outcome")


def test_gradient_steps_reject_a_missing_value():
    with pytest.raises(InputError, match="'rate'"):
        gradient_steps(
            ROWS.assign(rate=[5.0, np.nan, 9, 10, 8, 6, 7]), "q", "rate", group_by="outcome"
        )
