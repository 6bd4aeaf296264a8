"""Proportions with Wilson limits: PHEindicatormethods reference values, PHStatsMethods on
random inputs, input errors and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.measures import proportion
from analysis.measures.intervals import wilson_limits
from analysis.validation import InputError

RTOL = 1e-6


def test_wilson_limits_match_reference_byars_wilson_sheet(phe_reference):
    sheet = pd.read_excel(phe_reference / "testdata_Byars_Wilson.xlsx", sheet_name="testdata_B_W")
    rows = sheet[sheet["method"] == "Wilson"]
    levels = rows["confidence"].str.rstrip("%").astype(float) / 100
    for level in levels.unique():
        part = rows[levels == level]
        lower, upper = wilson_limits(part["x"], part["n"], level)
        np.testing.assert_allclose(lower, part["lowercl"], rtol=RTOL)
        np.testing.assert_allclose(upper, part["uppercl"], rtol=RTOL)


@pytest.mark.parametrize("multiplier", [1, 100])
def test_proportion_per_row_matches_reference_at_95_and_99_8(phe_reference, multiplier):
    sheet = pd.read_excel(phe_reference / "testdata_Proportion.xlsx", sheet_name="testdata_Prop")
    expected = sheet[sheet["multiplier"] == multiplier].reset_index(drop=True)
    out = proportion(
        expected[["Area", "Numerator", "Denominator"]],
        "Numerator",
        "Denominator",
        confidence=[0.95, 0.998],
        multiplier=multiplier,
        missing="na",
    )
    for column in ["value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]:
        np.testing.assert_allclose(out[column], expected[column], rtol=RTOL, equal_nan=True)
    assert (out["statistic"] == expected["statistic"]).all()
    assert (out["method"] == expected["method"]).all()
    assert (out["confidence"] == "95%, 99.8%").all()
    assert list(out["Area"]) == list(expected["Area"])


def test_grouped_proportion_matches_reference_with_na_groups(phe_reference):
    sheet = pd.read_excel(phe_reference / "testdata_Proportion.xlsx", sheet_name="testdata_Prop")
    expected = pd.read_excel(
        phe_reference / "testdata_Proportion.xlsx", sheet_name="testdata_Prop_g"
    ).set_index("Area")
    out = proportion(sheet, "Numerator", "Denominator", group_by="Area", missing="na")
    out = out.set_index("Area").loc[expected.index]
    for column in ["Numerator", "Denominator", "value", "lowercl", "uppercl"]:
        np.testing.assert_allclose(out[column], expected[column], rtol=RTOL, equal_nan=True)
    for column in ["confidence", "statistic", "method"]:
        assert (out[column] == expected[column]).all()


def test_proportion_agrees_with_phstatsmethods_on_random_groups():
    ph = pytest.importorskip("PHStatsMethods")
    rng = np.random.default_rng(4)
    n = rng.integers(1, 5000, 300)
    df = pd.DataFrame({"g": rng.integers(0, 60, 300), "x": rng.binomial(n, 0.3), "n": n})
    ours = proportion(df, "x", "n", group_by="g", confidence=[0.95, 0.998], multiplier=100)
    theirs = ph.ph_proportion(
        df, "x", "n", group_cols="g", confidence=[0.95, 0.998], multiplier=100
    )
    theirs = theirs.sort_values("g").reset_index(drop=True)
    np.testing.assert_allclose(ours["value"], theirs["Value"], rtol=1e-9)
    for mine, other in [("lower95_0cl", "lower_95_ci"), ("upper99_8cl", "upper_99_8_ci")]:
        np.testing.assert_allclose(ours[mine], theirs[other], rtol=1e-9)


def test_missing_numerator_raises_by_default_naming_the_column():
    df = pd.DataFrame({"area": ["A", "B"], "x": [1, np.nan], "n": [10, 10]})
    with pytest.raises(InputError, match=r"'x'.*must not be missing"):
        proportion(df, "x", "n")


@pytest.mark.parametrize(
    ("x", "n", "message"),
    [
        ([-1, 2], [10, 10], "must not be negative"),
        ([1.5, 2], [10, 10], "whole numbers"),
        ([11, 2], [10, 10], "must not be greater than 'n'"),
        ([1, 2], [0, 10], "greater than zero"),
    ],
)
def test_invalid_counts_raise_input_error_with_rule_and_rows(x, n, message):
    df = pd.DataFrame({"area": ["A", "B"], "x": x, "n": n})
    with pytest.raises(InputError, match=message) as err:
        proportion(df, "x", "n", group_by="area")
    assert "Example rows" in str(err.value)


def test_missing_column_and_empty_data_raise():
    df = pd.DataFrame({"x": [1], "n": [2]})
    with pytest.raises(InputError, match="missing column"):
        proportion(df, "cases", "n")
    with pytest.raises(InputError, match="no rows"):
        proportion(df.iloc[:0], "x", "n")


counts = st.lists(
    st.tuples(st.integers(0, 3), st.integers(1, 2000), st.floats(0, 1)), min_size=1, max_size=30
)


def _frame(rows):
    n = np.array([r[1] for r in rows])
    return pd.DataFrame(
        {
            "g": [r[0] for r in rows],
            "x": np.floor(np.array([r[2] for r in rows]) * n).astype(int),
            "n": n,
        }
    )


@settings(max_examples=40, deadline=None)
@given(counts)
def test_limits_bracket_value_and_widen_with_confidence(rows):
    out = proportion(_frame(rows), "x", "n", group_by="g", confidence=[0.95, 0.998])
    assert (out["lower95_0cl"] <= out["value"] + 1e-12).all()
    assert (out["value"] <= out["upper95_0cl"] + 1e-12).all()
    assert (out["lower99_8cl"] <= out["lower95_0cl"] + 1e-12).all()
    assert (out["upper95_0cl"] <= out["upper99_8cl"] + 1e-12).all()


@settings(max_examples=30, deadline=None)
@given(counts, st.randoms(use_true_random=False))
def test_grouped_result_invariant_to_row_order_and_split_calls(rows, rnd):
    df = _frame(rows)
    whole = proportion(df, "x", "n", group_by="g").set_index("g")
    order = list(range(len(df)))
    rnd.shuffle(order)
    shuffled = proportion(df.iloc[order], "x", "n", group_by="g").set_index("g")
    pd.testing.assert_frame_equal(whole, shuffled.loc[whole.index], check_exact=False, rtol=1e-12)
    parts = [proportion(df[df["g"] == g], "x", "n", group_by="g") for g in df["g"].unique()]
    split = pd.concat(parts).set_index("g").loc[whole.index]
    pd.testing.assert_frame_equal(whole, split, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize(
    "keys",
    [
        [3, 7, 12, 40],
        ["E01", "E02", "E03", "E04"],
        pd.Categorical(["d", "c", "b", "a"], categories=["d", "c", "b", "a"]),
        pd.to_datetime(["2021-01-01", "2022-01-01", "2023-01-01", "2024-01-01"]),
    ],
)
def test_rows_already_one_per_group_give_the_same_result_as_any_order(keys):
    df = pd.DataFrame({"g": keys, "x": [3, 0, 50, 7], "n": [10, 20, 50, 70]}, index=[9, 8, 7, 6])
    direct = proportion(df, "x", "n", group_by="g", confidence=[0.95, 0.998])
    shuffled = proportion(df.iloc[[2, 0, 3, 1]], "x", "n", group_by="g", confidence=[0.95, 0.998])
    pd.testing.assert_frame_equal(direct, shuffled)
    assert list(direct["x"]) == [3, 0, 50, 7]


def test_result_does_not_share_writable_memory_with_the_input():
    df = pd.DataFrame({"area": ["A", "B"], "x": [1.0, 2.0], "n": [10.0, 10.0]})
    out = proportion(df, "x", "n")
    out.loc[0, ["x", "n", "value", "lowercl"]] = [5.0, 50.0, 0.0, 0.0]
    out.loc[0, "area"] = "Z"
    assert df.loc[0, "x"] == 1.0 and df.loc[0, "n"] == 10.0 and df.loc[0, "area"] == "A"
    grouped = proportion(df.assign(g=[1, 2]), "x", "n", group_by="g")
    grouped.loc[0, "x"] = 5.0
    assert df.loc[0, "x"] == 1.0


@pytest.mark.parametrize("missing", ["raise", "na"])
def test_non_whole_and_non_numeric_counts_raise_with_either_missing_rule(missing):
    df = pd.DataFrame({"x": [1.5, np.nan if missing == "na" else 2.0], "n": [10, 10]})
    with pytest.raises(InputError, match="'x': counts must be whole numbers"):
        proportion(df, "x", "n", missing=missing)
    with pytest.raises(InputError, match="'x': must be numeric"):
        proportion(pd.DataFrame({"x": ["1", "two"], "n": [10, 10]}), "x", "n", missing=missing)
    with pytest.raises(InputError, match="'n': must be numeric"):
        proportion(pd.DataFrame({"x": [1, 2], "n": ["10", "ten"]}), "x", "n", missing=missing)


def test_missing_na_gives_na_rows_and_keeps_the_others():
    df = pd.DataFrame({"x": [1, np.nan, 3], "n": [10, 10, np.nan]})
    out = proportion(df, "x", "n", missing="na")
    assert out["value"].isna().tolist() == [False, True, True]
    assert out["lowercl"].isna().tolist() == [False, True, True]
    with pytest.raises(InputError, match="'n'.*must not be missing"):
        proportion(df.fillna({"x": 0}), "x", "n")


def test_rows_sorted_by_group_give_the_same_groups_as_unsorted_rows():
    df = pd.DataFrame(
        {"g": ["a", "a", "b", "c", "c", "c"], "x": [1, 2, 3, 4, 5, 6], "n": [9, 9, 9, 9, 9, 9]}
    )
    direct = proportion(df, "x", "n", group_by="g")
    shuffled = proportion(df.iloc[[5, 2, 0, 4, 1, 3]], "x", "n", group_by="g")
    pd.testing.assert_frame_equal(direct, shuffled)
    assert direct["x"].tolist() == [3, 3, 15] and direct["n"].tolist() == [18, 9, 27]
