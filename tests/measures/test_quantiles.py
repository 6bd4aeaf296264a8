"""Deprivation quantiles (OHID method) against PHEindicatormethods' published expected values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.measures.quantiles import (
    REASON_NO_VALUE,
    REASON_TOO_FEW,
    deprivation_quantiles,
)
from analysis.validation import InputError
from tests.conftest import read_phe_fixture

#: The reference sheet's polarity (and phe_quantile's invert flag) as our polarity.
POLARITY = {
    "RAG - High is good": "favourable",
    "RAG - Low is good": "adverse",
    True: "adverse",
    False: "favourable",
}


@pytest.fixture(scope="module")
def reference(phe_reference) -> pd.DataFrame:
    data = pd.read_excel(phe_reference / "testdata_Quantiles.xlsx", sheet_name="testdata_Quantiles")
    # the sheet writes the ungrouped set as the text "None", which pandas reads as missing
    data["GroupSet"] = data["GroupSet"].fillna("None")
    # "RAG - Low is good": a high value is bad (adverse), so quantile 1 holds the highest values
    data["polarity"] = data["Polarity"].map(POLARITY)
    data["expected"] = data["QuantileInGrp"].astype("Int64")
    return data


def good(reference: pd.DataFrame, group_set: str) -> pd.DataFrame:
    return reference[
        reference["Test"].str.startswith("Good") & (reference["GroupSet"] == group_set)
    ]


def assert_assignments_match(result: pd.DataFrame) -> None:
    expected, got = result["expected"], result["quantile"]
    same = (expected.isna() & got.isna()) | (expected == got).fillna(False)
    assert same.all(), result.loc[~same, ["AreaCode", "Value", "expected", "quantile"]]


def test_reference_deciles_within_regions_with_polarity_column(reference) -> None:
    data = good(reference, "IndSexReg")
    out = deprivation_quantiles(data, "Value", group_by=["IndSexRef", "ParentCode"],
                                polarity="polarity")  # fmt: skip
    assert len(out) == 339
    assert_assignments_match(out)
    # regions with fewer areas than deciles (East Midlands, 9 areas) get no decile, with a reason
    too_few = out["expected"].isna() & out["Value"].notna()
    assert too_few.sum() == 18
    assert (out.loc[too_few, "quantile_reason"] == REASON_TOO_FEW).all()
    assert (out.loc[out["Value"].isna(), "quantile_reason"] == REASON_NO_VALUE).all()


def test_reference_local_deciles_match_grouping_by_region(reference) -> None:
    data = good(reference, "IndSexReg")
    out = deprivation_quantiles(data, "Value", group_by="IndSexRef", parent_area="ParentCode",
                                inequality_type="local", polarity="polarity")  # fmt: skip
    assert_assignments_match(out)
    assert (out["groupvars"] == "IndSexRef, ParentCode").all()


def test_reference_deciles_with_favourable_polarity(reference) -> None:
    """The reference's invert = FALSE rows: quantile 1 holds the lowest values."""
    data = good(reference, "IndSexReg")
    data = data[data["IndSexRef"] == "90366Female"]
    assert (data["polarity"] == "favourable").all()
    out = deprivation_quantiles(
        data, "Value", group_by=["IndSexRef", "ParentCode"], polarity="favourable"
    )
    assert_assignments_match(out)
    assert (out["qinverted"] == "lowest quantile represents lowest values").all()


def test_reference_septiles_by_indicator(reference) -> None:
    data = good(reference, "IndSex")
    out = deprivation_quantiles(data, "Value", group_by="IndSexRef", polarity="polarity",
                                n_quantiles=7)  # fmt: skip
    assert_assignments_match(out)


def test_reference_quartiles_ungrouped_default_polarity(reference) -> None:
    data = good(reference, "None")
    for kind in ["adhoc", "national"]:
        out = deprivation_quantiles(data, "Value", n_quantiles=4, inequality_type=kind)
        assert_assignments_match(out)


def test_polarity_varying_within_a_group_is_an_error() -> None:
    """As the reference sheet's BadPolarity rows, on the generated fixture input."""
    data = read_phe_fixture("quantiles", "input")
    data.loc[data.index[3], "high_is_bad"] = not data.loc[data.index[3], "high_is_bad"]
    data["polarity"] = data["high_is_bad"].map(POLARITY)
    with pytest.raises(InputError, match="same value for every area"):
        deprivation_quantiles(
            data, "value", group_by="indicator", polarity="polarity", n_quantiles=7
        )


def test_national_classification_ignores_parent_area() -> None:
    df = pd.DataFrame({"parent": ["x"] * 5 + ["y"] * 5, "score": np.arange(10.0)})
    national = deprivation_quantiles(df, "score", n_quantiles=5, parent_area="parent",
                                     inequality_type="national")  # fmt: skip
    local = deprivation_quantiles(df, "score", n_quantiles=5, parent_area="parent",
                                  inequality_type="local")  # fmt: skip
    assert national["quantile"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert local["quantile"].tolist() == [5, 4, 3, 2, 1] * 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_quantiles": 1}, "n_quantiles"),
        ({"n_quantiles": 2.5}, "n_quantiles"),
        ({"inequality_type": "regional"}, "inequality_type"),
        ({"inequality_type": "local"}, "parent_area"),
        ({"polarity": "no_such_column"}, "polarity must be 'adverse'"),
        ({"polarity": True}, "polarity must be 'adverse'"),
        ({"polarity": "flag"}, r"'flag': must be one of \['adverse', 'favourable'\]"),
        ({"polarity": "mixed"}, "must take the same value for every area classified together"),
    ],
)
def test_invalid_arguments_raise(kwargs, message) -> None:
    df = pd.DataFrame(
        {"score": np.arange(10.0), "flag": True, "mixed": ["adverse"] * 9 + ["favourable"]}
    )
    with pytest.raises(InputError, match=message):
        deprivation_quantiles(df, "score", **kwargs)


def test_non_numeric_values_raise() -> None:
    with pytest.raises(InputError, match="numeric"):
        deprivation_quantiles(pd.DataFrame({"score": list("abcdefghij")}), "score")


@settings(max_examples=60, deadline=None)
@given(n_per=st.integers(1, 30), q=st.integers(2, 10), adverse=st.booleans())
def test_divisible_groups_split_into_equal_quantiles(n_per, q, adverse) -> None:
    values = np.random.default_rng(n_per * 31 + q).permutation(n_per * q).astype(float)
    out = deprivation_quantiles(
        pd.DataFrame({"v": values}), "v", n_quantiles=q, polarity=POLARITY[adverse]
    )
    assert (out["quantile"].value_counts() == n_per).all()
    assert out["quantile"].nunique() == q


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 40), min_size=1, max_size=60),
    q=st.integers(2, 10),
    adverse=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_quantiles_monotone_in_value_and_invariant_to_row_order(values, q, adverse, seed) -> None:
    df = pd.DataFrame({"v": np.asarray(values, dtype=float)})
    out = deprivation_quantiles(df, "v", n_quantiles=q, polarity=POLARITY[adverse])
    if len(values) < q:
        assert out["quantile"].isna().all()
        return
    order = np.argsort(df["v"].to_numpy(), kind="stable")
    assigned = out["quantile"].to_numpy(dtype=float)[order]
    steps = np.diff(assigned)
    assert (steps <= 0).all() if adverse else (steps >= 0).all()
    assert assigned.min() >= 1 and assigned.max() <= q
    shuffled = df.sample(frac=1, random_state=seed)
    again = deprivation_quantiles(shuffled, "v", n_quantiles=q, polarity=POLARITY[adverse])
    pd.testing.assert_series_equal(again["quantile"].sort_index(), out["quantile"])


@pytest.mark.filterwarnings("ignore::UserWarning")  # the port warns about small groups
@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(0, 25), min_size=1, max_size=5), q=st.integers(2, 6))
def test_agrees_with_dhsc_port_on_random_groups(sizes, q) -> None:
    ph = pytest.importorskip("PHStatsMethods")
    rng = np.random.default_rng(sum(sizes) + q)
    df = pd.DataFrame({
        "g": np.repeat(np.arange(len(sizes)), sizes),
        "v": rng.integers(0, 15, size=sum(sizes)).astype(float),
    })  # fmt: skip
    if df.empty:
        return
    ours = deprivation_quantiles(df, "v", group_by="g", n_quantiles=q)
    theirs = ph.ph_quantile(df, "v", group_cols=["g"], nquantiles=q)
    np.testing.assert_array_equal(ours["quantile"].to_numpy(dtype=float, na_value=np.nan),
                                  theirs["quantile"].to_numpy(dtype=float))  # fmt: skip
