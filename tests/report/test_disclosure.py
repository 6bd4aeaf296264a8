"""Disclosure control: small counts, derived values, secondary suppression, rounding."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.report.disclosure import DisclosureRule, apply_disclosure_control, format_suppressed
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
    # Area A: one small cell -> the smallest other cell (12) is also suppressed.
    # Area B: two small cells already protect each other.
    t = pd.DataFrame(
        {"area": list("AAABBB"), "n": [3, 12, 40, 2, 5, 90]},
    )
    out = apply_disclosure_control(t, ["n"], margins=[["area"]])
    assert out["n"].isna().tolist() == [True, True, False, True, True, False]


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
def test_no_margin_ever_has_exactly_one_suppressed_cell(a, b):
    t = pd.DataFrame({"row": np.repeat(["r1", "r2"], 6), "col": list("abcdef") * 2, "n": a + b})
    out = apply_disclosure_control(t, ["n"], margins=[["row"], ["col"]])
    hidden = pd.Series(out["n"].isna().to_numpy())
    for key in ("row", "col"):
        assert not (hidden.groupby(t[key].to_numpy()).sum() == 1).any()
    small = (t["n"] >= 1) & (t["n"] <= 7)
    assert hidden[small.to_numpy()].all()


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
