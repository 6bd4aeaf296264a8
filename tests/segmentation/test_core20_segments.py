"""Segments by Core20 from counts: shares by hand in one age band (where the age-standardised
share is the crude share), the ratio, and what happens when a place or a segment is missing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.inequality.core20 import CORE20, REST
from analysis.report.disclosure import DisclosureRule
from analysis.segmentation.core20 import (
    core20_segment_shares,
    high_need_shares,
    most_concentrated,
    segment_concentration,
)
from analysis.validation import InputError

BAND = "40-44"


def _counted() -> pd.DataFrame:
    # Core20 (quintile 1): 30, 50, 20 people in segments 1-3; the rest (quintiles 2, 4): 120, 40
    # and 40 (split over two quintiles)
    rows = [(1, 1, 30), (2, 1, 50), (3, 1, 20), (1, 2, 60), (1, 4, 60), (2, 4, 40), (3, 2, 40)]
    return pd.DataFrame(
        [{"segment": s, "imd_quintile": q, "age_band": BAND, "n": n} for s, q, n in rows]
    )


SEGMENTS = pd.DataFrame({"segment": [1, 2, 3], "segment_label": ["Healthy", "Mental", "Frail"]})


def test_shares_in_one_age_band_are_the_crude_shares():
    shares = core20_segment_shares(_counted(), rule=DisclosureRule())
    got = shares.set_index(["core20", "segment"])["value"]
    expected = {
        (CORE20, 1): 30,
        (CORE20, 2): 50,
        (CORE20, 3): 20,
        (REST, 1): 60,
        (REST, 2): 20,
        (REST, 3): 20,
    }
    for key, value in expected.items():
        assert got[key] == pytest.approx(value)


def test_concentration_ratio_and_the_most_concentrated_segment():
    table = segment_concentration(core20_segment_shares(_counted()), SEGMENTS)
    assert table["ratio"].tolist() == pytest.approx([0.5, 2.5, 1.0])
    assert most_concentrated(table)["segment_label"] == "Mental"
    assert most_concentrated(table.assign(ratio=np.nan)) is None


def test_a_place_with_nobody_gives_no_ratio_rather_than_an_error():
    only_rest = _counted().query("imd_quintile != 1")
    table = segment_concentration(core20_segment_shares(only_rest), SEGMENTS)
    assert table["value_Core20"].isna().all() and table["ratio"].isna().all()
    assert most_concentrated(table) is None


def test_small_counts_are_suppressed_with_their_share():
    counted = _counted()
    counted.loc[counted["segment"] == 3, "n"] = [5, 40]  # 5 Core20 residents in segment 3
    shares = core20_segment_shares(counted).set_index(["core20", "segment"])
    assert pd.isna(shares.loc[(CORE20, 3), "value"]) and pd.isna(
        shares.loc[(CORE20, 3), "total_count"]
    )


def test_high_need_shares_add_the_high_need_segments():
    out = high_need_shares(_counted(), [2, 3])
    assert out.loc[CORE20, "value"] == pytest.approx(70.0)
    assert out.loc[REST, "value"] == pytest.approx(40.0)


def test_the_people_column_is_named_by_n():
    people = _counted().rename(columns={"n": "residents"})
    assert core20_segment_shares(people, n="residents")["value"].tolist() == pytest.approx(
        core20_segment_shares(_counted())["value"].tolist()
    )
    out = high_need_shares(people, [2, 3], n="residents")
    assert out.loc[CORE20, "value"] == pytest.approx(70.0)
    with pytest.raises(InputError, match="residents"):
        high_need_shares(_counted(), [2, 3], n="residents")
