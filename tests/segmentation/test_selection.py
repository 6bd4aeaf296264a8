"""The elbow of the BIC curve: hand-worked curves, order, the flat-never case and errors."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.segmentation.selection import elbow
from analysis.validation import InputError


def curve(bic: list[float], start: int = 1) -> pd.DataFrame:
    return pd.DataFrame({"n_segments": range(start, start + len(bic)), "bic": bic})


def test_first_small_step_after_the_first_large_one():
    # steps: 400, 100, 5, 2; 2% of 400 = 8, so the step from 3 to 4 (5) is the first small one
    assert elbow(curve([1000, 600, 500, 495, 493])) == 3
    # with a 30% tolerance (120) the step from 2 to 3 (100) is already small
    assert elbow(curve([1000, 600, 500, 495, 493]), tolerance=0.3) == 2


def test_rows_in_any_order_and_another_criterion():
    shuffled = (
        curve([1000, 600, 500, 495, 493]).rename(columns={"bic": "aic"}).iloc[[3, 0, 4, 2, 1]]
    )
    assert elbow(shuffled, criterion="aic") == 3


def test_a_later_rise_counts_as_no_improvement():
    # a step that makes the criterion worse is below any tolerance
    assert elbow(curve([900, 500, 300, 310, 100], start=2)) == 4


def test_largest_number_when_the_curve_never_flattens():
    assert elbow(curve([1000, 500, 250, 125])) == 4


@pytest.mark.parametrize(
    ("table", "kwargs", "message"),
    [
        (curve([1000, 600]), {"tolerance": 2}, "tolerance must be between 0 and 1"),
        (curve([1000]), {}, "needs at least two numbers of segments"),
        (curve([600, 1000]), {}, "bic does not improve from 1 to 2 segments"),
        (
            pd.DataFrame({"n_segments": [1, 2, 4], "bic": [3.0, 2.0, 1.0]}),
            {},
            "column 'n_segments': must be consecutive whole numbers",
        ),
        (pd.DataFrame({"n_segments": [1, 2]}), {}, "selection curve is missing column(s) ['bic']"),
    ],
)
def test_bad_input_names_the_problem(table, kwargs, message):
    with pytest.raises(InputError) as error:
        elbow(table, **kwargs)
    assert message in str(error.value)
