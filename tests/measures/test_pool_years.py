"""pool_years (analysis.measures.pooled) on small tables whose pooled totals are worked out by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.measures import pool_years
from analysis.validation import InputError


def yearly() -> pd.DataFrame:
    """Two quintiles by two age bands over 2019-2021; quintile 2, 85+ has no 2020 row."""
    return pd.DataFrame(
        {
            "quintile": [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2],
            "age_band": ["0-4", "85+"] * 3 + ["0-4", "85+", "0-4", "0-4", "85+"],
            "year": [2019, 2019, 2020, 2020, 2021, 2021, 2019, 2019, 2020, 2021, 2021],
            "events": [1, 7, 0, 9, 2, 8, 0, 4, 1, 3, 5],
            "population": [100.0, 40.5, 101.0, 39.5, 99.0, 41.0, 200, 20, 202, 204, 21.5],
        }
    )


def test_counts_and_denominators_are_summed_over_the_years_by_group():
    out = pool_years(yearly(), ["quintile", "age_band"], missing_years="zero")
    # by hand: (1, 0-4) events 1+0+2, population 100+101+99; (2, 85+) has 2019 and 2021 only
    expected = pd.DataFrame(
        {
            "quintile": [1, 1, 2, 2],
            "age_band": ["0-4", "85+", "0-4", "85+"],
            "events": [3, 24, 4, 9],
            "population": [300.0, 121.0, 606.0, 41.5],
        }
    )
    pd.testing.assert_frame_equal(out, expected)


def test_rows_come_in_the_order_groups_first_appear():
    shuffled = yearly().iloc[::-1].reset_index(drop=True)
    out = pool_years(shuffled, ["quintile", "age_band"], missing_years="zero")
    assert list(out[["quintile", "age_band"]].itertuples(index=False, name=None)) == [
        (2, "85+"),
        (2, "0-4"),
        (1, "85+"),
        (1, "0-4"),
    ]
    assert out.set_index(["quintile", "age_band"]).loc[(1, "85+"), "events"] == 24


def test_a_group_lacking_a_year_raises_by_default_naming_it():
    with pytest.raises(InputError, match=r"1 group\(s\) lack some of the years") as error:
        pool_years(yearly(), ["quintile", "age_band"])
    assert "85+" in str(error.value) and "2020" in str(error.value)


def test_exclude_leaves_out_the_incomplete_group_with_a_warning():
    with pytest.warns(UserWarning, match="left out 1 group"):
        out = pool_years(yearly(), ["quintile", "age_band"], missing_years="exclude")
    assert list(out[["quintile", "age_band"]].itertuples(index=False, name=None)) == [
        (1, "0-4"),
        (1, "85+"),
        (2, "0-4"),
    ]
    assert out["events"].tolist() == [3, 24, 4]


def test_complete_groups_pool_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = pool_years(yearly(), "quintile", years=[2019, 2021])
    # quintile 1: 1+7+2+8 events, 100+40.5+99+41 population; quintile 2: 0+4+3+5, 200+20+204+21.5
    assert out["events"].tolist() == [18, 12]
    assert out["population"].tolist() == [280.5, 445.5]


def test_requested_years_absent_from_a_group_are_missing_years():
    with pytest.raises(InputError, match="2022"):
        pool_years(yearly(), "quintile", years=[2021, 2022])
    out = pool_years(yearly(), "quintile", years=[2021, 2022], missing_years="zero")
    assert out["events"].tolist() == [10, 8]


def test_no_groups_gives_one_total_and_several_count_columns_are_summed():
    table = yearly().assign(admissions=lambda d: 2 * d["events"])
    out = pool_years(table, [], x=["events", "admissions"], missing_years="zero")
    assert out.to_dict("records") == [{"events": 40, "admissions": 80, "population": 1068.5}]
    assert list(pool_years(table, "quintile", n=None).columns) == ["quintile", "events"]


def test_a_missing_group_label_is_a_group_of_its_own():
    table = pd.DataFrame(
        {"ethnicity": ["A", None, "A", None], "year": [1, 1, 2, 2], "events": [1, 2, 3, 4],
         "population": [10, 20, 30, 40]}
    )  # fmt: skip
    out = pool_years(table, "ethnicity")
    assert out["events"].tolist() == [4, 6] and out["ethnicity"].isna().tolist() == [False, True]


def test_categorical_groups_keep_only_observed_categories():
    table = yearly().assign(age_band=lambda d: pd.Categorical(d["age_band"], ["0-4", "5-9", "85+"]))
    out = pool_years(table, "age_band")
    assert out["age_band"].astype(str).tolist() == ["0-4", "85+"]
    assert out["events"].tolist() == [7, 33]


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("events", -1, "must not be negative"),
        ("events", 1.5, "whole numbers"),
        ("events", np.nan, "must not be missing"),
        ("population", -2.0, "must not be negative"),
        ("population", np.nan, "must not be missing"),
        ("year", np.nan, "must not be missing"),
        ("year", 2019.5, "whole numbers"),
    ],
)
def test_bad_counts_denominators_and_years_raise_naming_the_column(column, value, rule):
    table = yearly()
    table[column] = table[column].astype("float64")
    table.loc[3, column] = value
    with pytest.raises(InputError, match=rf"column '{column}'.*{rule}"):
        pool_years(table, "quintile", missing_years="zero")


def test_a_missing_column_or_a_bad_option_raises():
    with pytest.raises(InputError, match=r"missing column\(s\) \['deaths'\]"):
        pool_years(yearly(), "quintile", x="deaths")
    with pytest.raises(InputError, match="missing_years must be one of"):
        pool_years(yearly(), "quintile", missing_years="drop")
    with pytest.raises(InputError, match="group_by includes the year column"):
        pool_years(yearly(), ["quintile", "year"])
    with pytest.raises(InputError, match="none of the years"):
        pool_years(yearly(), "quintile", years=[1990])
    with pytest.raises(InputError, match="no rows"):
        pool_years(yearly().iloc[:0], "quintile")
