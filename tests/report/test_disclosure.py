"""Disclosure control: small counts, derived values, secondary suppression, rounding."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from analysis.report.disclosure import (
    DisclosureRule,
    TableCounts,
    apply_disclosure_control,
    apply_joint_disclosure_control,
    format_suppressed,
)
from analysis.validation import InputError


def test_counts_one_to_seven_suppressed_zero_and_eight_published():
    t = pd.DataFrame({"n": [0, 1, 7, 8, 100]})
    out = apply_disclosure_control(t, ["n"])
    assert out["n"].isna().tolist() == [False, True, True, False, False]
    assert out["suppressed"].tolist() == ["", "n", "n", "", ""]


def test_derived_values_follow_their_counts_row_by_row():
    t = pd.DataFrame(
        {"deaths": [5, 50], "pop": [1000, 2000], "rate": [500.0, 2500.0], "lcl": [1.0, 2.0]}
    )
    out = apply_disclosure_control(
        t, ["deaths", "pop"], derived={"rate": ["deaths"], "lcl": ["deaths"]}
    )
    assert out["rate"].isna().tolist() == [True, False]
    assert out["lcl"].isna().tolist() == [True, False]
    assert out["pop"].tolist() == [1000, 2000]


def test_single_suppressed_cell_in_a_margin_gets_a_partner():
    # Area A: one small cell -> the smallest other cell (12) is also suppressed: 3 + 12 = 15,
    # so from the total the 3 could be anything up to 15 - 1 = 14.
    # Area B: 2 and 5 add up to 7 (each is 1 to 6 given the other is at least 1): the smallest
    # other cell (90) goes too.
    t = pd.DataFrame(
        {"area": list("AAABBB"), "n": [3, 12, 40, 2, 5, 90]},
    )
    out = apply_disclosure_control(t, ["n"], margins=[["area"]])
    assert out["n"].isna().tolist() == [True, True, False, True, True, True]


def test_secondary_cells_are_never_zero():
    # the example: suppressing the 0 beside the 3 would leave their sum, 3, published
    t = pd.DataFrame({"n": [3, 0, 20, 50]})
    out = apply_disclosure_control(t, ["n"], margins=[[]])
    assert out["n"].isna().tolist() == [True, False, True, False]


def test_secondary_suppression_protects_both_margins_of_a_two_way_table():
    t = pd.DataFrame(
        {
            "area": ["A", "A", "B", "B"],
            "sex": ["F", "M", "F", "M"],
            "n": [4, 30, 25, 60],
        }
    )
    out = apply_disclosure_control(t, ["n"], margins=[["area"], ["sex"]])
    hidden = out["n"].isna().to_numpy()
    # every area and every sex has either no or at least two suppressed cells
    for key in ("area", "sex"):
        per_group = pd.Series(hidden).groupby(t[key]).sum()
        assert ((per_group == 0) | (per_group >= 2)).all()
    assert hidden.tolist() == [True, True, True, True]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=40), min_size=6, max_size=6),
    st.lists(st.integers(min_value=0, max_value=40), min_size=6, max_size=6),
)
def test_every_margin_hides_its_small_cells_behind_enough_other_cells(a, b):
    t = pd.DataFrame({"row": np.repeat(["r1", "r2"], 6), "col": list("abcdef") * 2, "n": a + b})
    out = apply_disclosure_control(t, ["n"], margins=[["row"], ["col"]])
    hidden = out["n"].isna().to_numpy()
    n = t["n"].to_numpy()
    small = (n >= 1) & (n <= 7)
    assert hidden[small].all()
    assert not hidden[n == 0].any()  # zeros are never suppressed
    # a cell that is the only non-zero one of its row or column equals that total: hiding it
    # would hide nothing, so it cannot protect another
    alone = np.zeros(len(t), dtype=bool)
    for key in ("row", "col"):
        alone |= (t["n"] > 0).groupby(t[key]).transform("sum").to_numpy() == 1
    for key in ("row", "col"):
        for _, rows in t.groupby(key).groups.items():
            rows = np.asarray(rows)
            k, total = hidden[rows].sum(), n[rows][hidden[rows]].sum()
            others_left = ((n[rows] > 0) & ~hidden[rows] & ~alone[rows]).any()
            # protected: nothing hidden, or >= 2 hidden whose sum leaves each able to exceed 7;
            # otherwise no cell that could protect them is left (the totals give them away)
            assert k == 0 or (k >= 2 and total - (k - 1) > 7) or not others_left


def test_rounding_to_nearest_five_applies_to_published_counts_only():
    t = pd.DataFrame({"n": [3, 12, 13, 1002]})
    out = apply_disclosure_control(t, ["n"], rule=DisclosureRule(rounding_base=5))
    assert out["n"].tolist()[1:] == [10, 15, 1000]
    assert pd.isna(out["n"].iloc[0])


def test_display_shows_the_confidential_symbol():
    out = apply_disclosure_control(pd.DataFrame({"n": [2, 2000]}), ["n"])
    assert format_suppressed(out, ["n"])["n"].tolist() == ["[c]", "2,000"]


def test_invalid_input_is_named():
    with pytest.raises(InputError, match="'n'.*must not be negative"):
        apply_disclosure_control(pd.DataFrame({"n": [-1]}), ["n"])
    with pytest.raises(InputError, match="missing column"):
        apply_disclosure_control(pd.DataFrame({"n": [1]}), ["deaths"])
    with pytest.raises(InputError, match="min_count"):
        DisclosureRule(min_count=5, max_count=2)
    with pytest.raises(InputError, match="derived columns must name count columns"):
        apply_disclosure_control(
            pd.DataFrame({"n": [1], "r": [1.0], "m": [2]}), ["n"], derived={"r": ["m"]}
        )


def test_the_configured_rule_applies_unless_a_rule_is_given(tmp_path, monkeypatch):
    config = tmp_path / "analysis.yml"
    config.write_text("disclosure:\n  max_count: 10\n  rounding_base: 5\n")
    monkeypatch.setenv("NHS_ANALYSIS_CONFIG", str(config))
    t = pd.DataFrame({"n": [9, 11, 23]})
    configured = apply_disclosure_control(t, ["n"])["n"]
    assert configured.isna().tolist() == [True, False, False]
    assert configured.dropna().tolist() == [10, 25]  # 11 and 23 rounded to the nearest 5
    default = apply_disclosure_control(t, ["n"], rule=DisclosureRule())["n"]
    assert default.tolist() == [9, 11, 23]


def test_an_empty_margin_protects_the_table_total():
    t = pd.DataFrame({"group": ["a", "b", "c"], "n": [5, 30, 12]})
    assert apply_disclosure_control(t, ["n"])["n"].isna().tolist() == [True, False, False]
    out = apply_disclosure_control(t, ["n"], margins=[[]])
    assert out["n"].isna().tolist() == [True, False, True]  # 12: the smallest other cell


def test_tables_sharing_a_total_are_protected_together():
    # the attack: deaths by sex add up to 262, the published ethnic groups to 257
    by_sex = pd.DataFrame({"sex": ["F", "M"], "deaths": [140, 122]})
    by_ethnicity = pd.DataFrame(
        {"ethnicity": ["Asian", "Black", "Other", "White"], "deaths": [31, 27, 5, 199]}
    )
    out = apply_joint_disclosure_control(
        {
            "sex": TableCounts(by_sex, {"deaths": "deaths"}, keys=["sex"]),
            "ethnicity": TableCounts(by_ethnicity, {"deaths": "deaths"}, keys=["ethnicity"]),
        }
    )
    assert out["ethnicity"]["deaths"].isna().tolist() == [False, True, True, False]
    assert out["sex"]["deaths"].tolist() == [140, 122]


def test_one_count_in_two_tables_is_suppressed_in_both():
    # person-years by sex appear in a mortality and an admissions table: the 5 is primary
    # in both, and the partner chosen for it (the 9) must go in both as well
    mortality = pd.DataFrame(
        {"sex": ["F", "M", "X"], "deaths": [30, 20, 0], "pop": [900, 9, 5], "rate": [1.0] * 3}
    )
    admissions = pd.DataFrame(
        {"sex": ["F", "M", "X"], "admissions": [60, 50, 0], "pop": [900, 9, 5]}
    )
    out = apply_joint_disclosure_control(
        {
            "m": TableCounts(mortality, {"deaths": "deaths", "pop": "pop"}, keys=["sex"],
                             derived={"rate": ["deaths", "pop"]}),
            "a": TableCounts(admissions, {"admissions": "admissions", "pop": "pop"}, keys=["sex"]),
        }
    )  # fmt: skip
    for name in ("m", "a"):
        assert out[name]["pop"].isna().tolist() == [False, True, True]
    assert out["m"]["rate"].isna().tolist() == [False, True, True]
    assert out["m"]["deaths"].tolist() == [30, 20, 0]  # counts of other quantities untouched


def test_a_small_complement_suppresses_the_part():
    # 20 of 23 people have a recorded diagnosis: the 3 without one is a small count too
    t = pd.DataFrame({"area": ["A", "B", "C"], "recorded": [20, 50, 60], "people": [23, 70, 90]})
    out = apply_joint_disclosure_control(
        {"t": TableCounts(t, {"recorded": "recorded", "people": "people"}, keys=["area"])},
        parts=[("people", ["recorded"])],
    )
    # 3 is hidden through its part (20), protected by a second one (50: complement 20)
    assert out["t"]["recorded"].isna().tolist() == [True, True, False]
    assert out["t"]["people"].tolist() == [23, 70, 90]


def test_parts_larger_than_their_whole_are_refused():
    t = pd.DataFrame({"area": ["A"], "recorded": [30], "people": [20]})
    with pytest.raises(InputError, match="recorded exceed people"):
        apply_joint_disclosure_control(
            {"t": TableCounts(t, {"recorded": "recorded", "people": "people"}, keys=["area"])},
            parts=[("people", ["recorded"])],
        )


def test_a_small_whole_cannot_bound_its_suppressed_parts():
    # 8 deaths at 40-44, of which 1 CVD and 5 cancer: with the 8 published, the CVD deaths
    # could be at most 8 - 1 (cancer) = 7 -- so the 8 goes too, protected by its breakdown
    t = pd.DataFrame(
        {
            "age": ["40-44", "45-49", "50-54"],
            "all": [8, 30, 60],
            "cvd": [1, 10, 20],
            "cancer": [5, 12, 25],
        }
    )
    counts = {"all": "all", "cvd": "cvd", "cancer": "cancer"}
    out = apply_joint_disclosure_control(
        {"t": TableCounts(t, counts, keys=["age"])},
        parts=[("all", ["cvd"]), ("all", ["cancer"]), ("all", ["cvd", "cancer"])],
    )["t"]
    assert out["all"].isna().tolist() == [True, True, False]
    assert out["cvd"].isna().tolist() == [True, True, False]
    assert out["cancer"].isna().tolist() == [True, True, False]


def test_a_small_difference_never_suppresses_a_zero_part():
    # 3 deaths, none from CVD: the 3 non-CVD deaths are hidden through the whole, not the 0
    t = pd.DataFrame({"area": ["A", "B", "C"], "all": [3, 40, 50], "cvd": [0, 9, 12]})
    out = apply_joint_disclosure_control(
        {"t": TableCounts(t, {"all": "all", "cvd": "cvd"}, keys=["area"])},
        parts=[("all", ["cvd"])],
    )["t"]
    assert out["cvd"].tolist()[0] == 0
    assert out["all"].isna().tolist() == [True, True, False]


def _largest(t: pd.DataFrame, hidden: np.ndarray, cell: int) -> float:
    """The largest value of ``cell`` given the published cells and every row and column total
    of a two-way table, suppressed cells being at least 1 (an intruder's linear programme)."""
    values = t["n"].to_numpy(dtype=float)
    totals = [
        (t[key] == level).to_numpy(dtype=float) for key in ("r", "c") for level in set(t[key])
    ]
    bounds = [(1, None) if h else (v, v) for h, v in zip(hidden, values, strict=True)]
    objective = -np.eye(len(values))[cell]
    result = linprog(
        objective, A_eq=np.array(totals), b_eq=[m @ values for m in totals], bounds=bounds
    )
    return np.inf if result.status == 3 else -result.fun


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=2, max_value=4),
    st.lists(st.sampled_from([0, 1, 2, 3, 5, 8, 12, 20, 40]), min_size=20, max_size=20),
)
def test_no_small_cell_of_a_two_way_table_can_be_narrowed_to_one_to_seven(n_rows, values):
    n_columns = 5
    t = pd.DataFrame(
        {
            "r": np.repeat(np.arange(n_rows), n_columns),
            "c": np.tile(np.arange(n_columns), n_rows),
            "n": values[: n_rows * n_columns],
        }
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = apply_disclosure_control(t, ["n"], margins=[["r"], ["c"], []])
    hidden = out["n"].isna().to_numpy()
    small = np.flatnonzero((t["n"] >= 1) & (t["n"] <= 7))
    confined = [i for i in small if _largest(t, hidden, i) < 8 - 1e-9]
    # either protected, or said: the published totals themselves give the cell away
    assert not confined or any("can still be shown" in str(w.message) for w in caught)


def test_crossing_margins_are_checked_by_linear_programming(monkeypatch):
    # every row and column protected on its own, yet rows and columns together confine the
    # small cells; the linear programme finds them and more cells are suppressed
    t = pd.DataFrame(
        {
            "r": np.repeat(np.arange(4), 3),
            "c": np.tile(np.arange(3), 4),
            "n": [1, 2, 40, 40, 8, 40, 8, 8, 40, 3, 2, 8],
        }
    )
    small = np.flatnonzero(t["n"] <= 7)
    out = apply_disclosure_control(t, ["n"], margins=[["r"], ["c"]])
    assert all(_largest(t, out["n"].isna().to_numpy(), i) >= 8 for i in small)
    # without the linear programme (every cell reported unbounded) the pattern is too thin
    monkeypatch.setattr(
        "analysis.report.disclosure.largest_values",
        lambda value, hidden, targets, **_: np.full(len(targets), np.inf),
    )
    thin = apply_disclosure_control(t, ["n"], margins=[["r"], ["c"]])["n"].isna().to_numpy()
    assert any(_largest(t, thin, i) < 8 for i in small)


def test_a_total_published_in_a_totals_table_is_protected_by_its_rows():
    # residents by area and sex, and a table of area totals: area C's total (6) is small, so
    # it is suppressed -- and then one of C's rows must go too, or 6 = 3 + 3 is recovered
    by_sex = pd.DataFrame(
        {"area": list("AABBCC"), "sex": list("FMFMFM"), "n": [40, 35, 50, 20, 3, 3]}
    )
    totals = pd.DataFrame({"area": list("ABC"), "n": [75, 70, 6]})
    out = apply_joint_disclosure_control(
        {
            "by_sex": TableCounts(by_sex, {"n": "n"}, keys=["area", "sex"], margins=[["area"]]),
            "totals": TableCounts(totals, {"n": "n"}, keys=["area"]),
        }
    )
    assert out["totals"]["n"].isna().tolist()[2]
    assert out["by_sex"]["n"].isna().tolist()[4:] == [True, True]
    assert out["totals"]["n"].isna().sum() >= 2  # and C's total is not the only one hidden
