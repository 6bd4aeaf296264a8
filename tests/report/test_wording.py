"""Numbers into words: every branch of the wording helpers, with hand-written expected text,
and the suppression symbol (never a number) wherever a value is missing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.inequality.ambitions import DETECTED
from analysis.inequality.core20 import ABOVE, BELOW, CORE20, REST, SIMILAR
from analysis.inequality.headlines import EMERGENCY, PERCENT_LABELS, QUINTILE_LABELS, RATE_LABELS
from analysis.report.disclosure import SUPPRESSED_SYMBOL
from analysis.report.wording import (
    NOT_COMPUTABLE,
    NOT_DEFINED,
    ambition_relation,
    compare_frequency,
    concentration_words,
    crossed_group_words,
    difference_words,
    direction_words,
    ethnic_group_words,
    format_count,
    format_number,
    gradient_cells,
    group_words,
    groups_below_words,
    headline_sentence,
    interval_cell,
    largest_words,
    numbered_list,
)


def test_numbers_and_counts():
    assert format_number(1234.567) == "1,234.6"
    assert format_number(0.4567, 0, "%") == "0%"
    assert format_number(32.4, 0, "%") == "32%"
    assert format_number(None) == format_number(np.nan) == format_number(pd.NA) == SUPPRESSED_SYMBOL
    assert format_count(42406) == "42,406" and format_count(pd.NA) == SUPPRESSED_SYMBOL
    assert format_number(np.nan, missing=NOT_COMPUTABLE) == "not computable"
    assert format_number(6.71, suffix=" years", missing=NOT_COMPUTABLE) == "6.7 years"


def test_interval_cell():
    assert interval_cell({"value": 52.3, "lowercl": 51.61, "uppercl": 53.04}) == "51.6–53.0"
    assert interval_cell({"value": np.nan, "lowercl": 1.0, "uppercl": 2.0}) == SUPPRESSED_SYMBOL


@pytest.mark.parametrize(
    ("comparison", "expected"),
    [(BELOW, "below"), (ABOVE, "at or above"), (SIMILAR, "not significantly different from")],
)
def test_ambition_relation(comparison, expected):
    assert ambition_relation(comparison) == expected


def test_ambition_relation_without_a_figure_says_so():
    assert "no figure" in ambition_relation(np.nan)


def test_difference_words():
    assert difference_words({"value": -9.61, "lowercl": -10.4, "uppercl": -8.8}) == (
        "9.6 percentage points lower than in other areas"
    )
    assert difference_words({"value": 2.0, "lowercl": 1.0, "uppercl": 3.0}, "White residents") == (
        "2.0 percentage points higher than in White residents"
    )
    assert difference_words({"value": 0.5, "lowercl": -0.2, "uppercl": 1.2}) == (
        "not significantly different from other areas"
    )
    assert SUPPRESSED_SYMBOL in difference_words({"value": np.nan, "lowercl": 1, "uppercl": 2})
    assert SUPPRESSED_SYMBOL in difference_words(None)


def test_groups_below_words():
    assert groups_below_words(9, 9) == "all 9 groups"
    assert groups_below_words(7, 9) == "7 of the 9 groups"
    assert groups_below_words(1, 1) == "1 of the 1 groups"
    assert groups_below_words(0, 0) == "0 of the 0 groups"


def test_crossed_and_ethnic_group_words_including_no_group():
    row = {"core20": CORE20, "ethnicity": "Black", "value": 35.24}
    assert crossed_group_words(row) == "residents of Core20 areas in the Black group (35.2%)"
    assert crossed_group_words({**row, "core20": REST}).startswith("residents of other areas")
    assert crossed_group_words(None).startswith("no group")
    assert ethnic_group_words({"group": "Black"}) == "the Black group"
    assert "none can be shown" in ethnic_group_words(None)


def test_group_words():
    assert group_words(QUINTILE_LABELS[1]) == "residents of the most deprived fifth of areas"
    assert group_words(QUINTILE_LABELS[5]) == "residents of the least deprived fifth"
    assert group_words(QUINTILE_LABELS[3]) == "residents of deprivation quintile 3"
    assert group_words("Asian") == "Asian residents"


def test_headline_sentences():
    gap = {
        "indicator": RATE_LABELS["cvd_mortality"],
        "group": QUINTILE_LABELS[1],
        "reference": QUINTILE_LABELS[5],
        "ratio": 2.2468,
        "value": 380.6,
        "reference_value": 169.4,
    }
    assert headline_sentence(gap) == (
        "Residents of the most deprived fifth of areas die from CVD at 2.25 times the rate of "
        "residents of the least deprived fifth, age for age (381 against 169 per 100,000 "
        "person-years)."
    )
    detected = {
        **gap,
        "indicator": PERCENT_LABELS[DETECTED],
        "group": "Black",
        "reference": "White",
        "ratio": 1.65,
        "value": 41.24,
        "reference_value": 64.4,
    }
    assert headline_sentence(detected) == (
        "41.2% of Black residents with high blood pressure are on a GP register, against 64.4% "
        "of White residents: 1.65 times as many are undiagnosed."
    )
    emergency = {**detected, "indicator": EMERGENCY, "value": 24.1, "reference_value": 15.5}
    assert headline_sentence(emergency).startswith("24.1% of cancers among Black residents")


def test_numbered_list():
    assert numbered_list(["a.", "b."], empty="None.") == "1. a.\n2. b."
    assert numbered_list([], empty="None.") == "None."


def test_compare_frequency():
    more = {"lowercl": 4.9, "uppercl": 5.1}
    less = {"lowercl": 4.1, "uppercl": 4.2}
    assert compare_frequency(more, less) == "more often"
    assert compare_frequency(less, more) == "less often"
    assert compare_frequency(more, {"lowercl": 5.0, "uppercl": 5.5}) == "about as often"
    assert "suppressed" in compare_frequency(more, {"lowercl": np.nan, "uppercl": np.nan})


def test_concentration_words():
    row = {"segment_label": "Mental health conditions", "ratio": 1.2551}
    assert concentration_words(row) == (
        '"Mental health conditions", with 1.26 times the age-standardised share of other areas'
    )
    assert concentration_words(None).startswith("not known")


def test_gradient_cells():
    summary = pd.DataFrame(
        {
            "measure": ["Deaths", "Life expectancy"],
            "digits": [0, 1],
            "most": [395.2, 75.04],
            "least": [169.4, 81.66],
            "sii_value": [251.3, -6.71],
            "sii_lowercl": [240.1, -7.2],
            "sii_uppercl": [262.0, np.nan],
            "rii_value": [2.641, np.nan],
            "rii_lowercl": [2.5, np.nan],
            "rii_uppercl": [2.8, np.nan],
        }
    )
    out = gradient_cells(summary)
    assert out.iloc[0].tolist() == [
        "Deaths",
        "395",
        "169",
        "251",
        "240 to 262",
        "2.64",
        "2.50 to 2.80",
    ]
    assert out.iloc[1].tolist() == [
        "Life expectancy",
        "75.0",
        "81.7",
        "-6.7",
        f"-7.2 to {NOT_DEFINED}",
        NOT_DEFINED,
        NOT_DEFINED,
    ]


def test_direction_words():
    words = {1: "up", -1: "down", 0: "flat"}
    assert direction_words(0.5, 2.0, words, missing="?") == "up"
    assert direction_words(-2.0, -0.5, words, missing="?") == "down"
    assert direction_words(-0.5, 0.5, words, missing="?") == "flat"
    assert direction_words(np.nan, 0.5, words, missing="?") == "?"
    assert direction_words(3.0, 4.0, words, missing="?", other_lower=4.5, other_upper=5) == "down"


def test_largest_words():
    assert largest_words({"name": "CVD deaths", "rii_value": 2.6351}) == "CVD deaths (2.64)"
    assert largest_words(None).startswith("no measure")
