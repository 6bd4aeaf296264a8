"""Inline values for chapters (analysis.report.inline): look-ups, estimates with intervals, and crude against adjusted ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.report.inline import crude_versus_adjusted, format_estimate, lookup, lookup_row
from analysis.validation import InputError

SII = pd.DataFrame(
    {
        "outcome": ["CVD", "CVD", "Cancer", "Cancer"],
        "measure": ["SII", "RII", "SII", "RII"],
        "value": [210.4, 2.31, 95.2, 1.42],
        "lowercl": [180.0, 2.0, -5.0, 1.1],
        "uppercl": [240.9, 2.6, 190.1, 1.8],
    }
)


def test_lookup_reads_the_one_matching_row():
    assert lookup(SII, outcome="Cancer", measure="SII") == 95.2
    assert lookup(SII, "uppercl", outcome="CVD", measure="RII") == 2.6
    row = lookup_row(SII, outcome="Cancer", measure="RII")
    assert row[["value", "lowercl", "uppercl"]].tolist() == [1.42, 1.1, 1.8]


def test_a_key_named_like_an_argument_is_a_column():
    table = pd.DataFrame({"table": ["a", "b"], "column": [1, 2], "value": [3.0, 4.0]})
    assert lookup(table, table="b") == 4.0 and lookup(table, "value", column=1) == 3.0


@pytest.mark.parametrize(
    ("keys", "found"),
    [({"outcome": "Stroke", "measure": "SII"}, "0 rows"), ({"measure": "SII"}, "2 rows")],
)
def test_no_match_or_several_raise(keys, found):
    with pytest.raises(InputError, match=f"{found} have .*exactly one must match"):
        lookup(SII, **keys)


def test_unknown_columns_or_no_keys_raise():
    with pytest.raises(InputError, match=r"missing column\(s\) \['sex'\]"):
        lookup(SII, sex="Male")
    with pytest.raises(InputError, match=r"missing column\(s\) \['lower'\]"):
        lookup(SII, "lower", outcome="CVD", measure="SII")
    with pytest.raises(InputError, match="at least one"):
        lookup_row(SII)


@pytest.mark.parametrize(
    ("numbers", "digits", "text"),
    [
        ((210.44, 180.0, 240.95), 0, "210 (95% CI 180 to 241)"),
        ((2.3149, 1.9951, 2.6), 2, "2.31 (95% CI 2.00 to 2.60)"),
        ((1234.56, -12.0, 2500.0), 1, "1,234.6 (95% CI -12.0 to 2,500.0)"),
    ],
)
def test_format_estimate(numbers, digits, text):
    assert format_estimate(*numbers, digits) == text


def test_format_estimate_names_the_level_and_refuses_missing_numbers():
    assert format_estimate(1, 0.5, 2, 1, level="99.8%") == "1.0 (99.8% CI 0.5 to 2.0)"
    with pytest.raises(InputError, match="missing"):
        format_estimate(1.0, np.nan, 2.0, 1)


@pytest.mark.parametrize(
    ("crude", "adjusted", "null", "reading"),
    [
        (1.2, 1.5, 1.0, "understated"),  # |0.2| < |0.5|, same side
        (0.8, 0.6, 1.0, "understated"),  # below the null: |-0.2| < |-0.4|
        (1.9, 1.5, 1.0, "overstated"),
        (0.9, 1.5, 1.0, "reversed"),  # opposite sides of 1
        (1.5, 1.5, 1.0, "equal"),
        (1.0, 1.5, 1.0, "understated"),  # the crude shows no association at all
        (-3.0, 2.0, 0.0, "reversed"),  # differences: the null is 0
        (5.0, 2.0, 0.0, "overstated"),
    ],
)
def test_crude_versus_adjusted(crude, adjusted, null, reading):
    assert crude_versus_adjusted(crude, adjusted, null) == reading


def test_crude_versus_adjusted_refuses_missing_measures():
    with pytest.raises(InputError, match="missing"):
        crude_versus_adjusted(np.nan, 1.2)
