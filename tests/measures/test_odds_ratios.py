"""Odds ratios (analysis.measures.odds_ratios) against statsmodels' Table2x2 and by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import Table2x2

from analysis.measures.odds_ratios import odds_ratio
from analysis.validation import InputError


@pytest.mark.parametrize(
    ("a", "n1", "c", "n0"), [(20, 520, 100, 10_100), (3, 40, 1, 90), (150, 900, 40, 1_100)]
)
def test_woolf_limits_agree_with_statsmodels(a, n1, c, n0):
    df = pd.DataFrame({"flag": [True, False], "x": [a, c], "n": [n1, n0]})
    out = odds_ratio(df, "x", "n", exposed="flag", confidence=[0.95, 0.998])
    table = Table2x2(np.array([[a, n1 - a], [c, n0 - c]]))
    assert out["value"].iloc[0] == pytest.approx(table.oddsratio, rel=1e-12)
    lo, hi = table.oddsratio_confint(alpha=0.05, method="normal")
    assert out["lower95_0cl"].iloc[0] == pytest.approx(lo, rel=1e-10)
    assert out["upper95_0cl"].iloc[0] == pytest.approx(hi, rel=1e-10)
    lo, hi = table.oddsratio_confint(alpha=0.002, method="normal")
    assert out["lower99_8cl"].iloc[0] == pytest.approx(lo, rel=1e-10)


def test_zero_cell_uses_haldane_correction_in_its_group_only():
    df = pd.DataFrame(
        {
            "g": ["a", "a", "b", "b"],
            "flag": [True, False, True, False],
            "x": [0, 5, 4, 10],
            "n": [50, 500, 50, 500],
        }
    )
    out = odds_ratio(df, "x", "n", exposed="flag", group_by="g")
    # (0.5 * 495.5) / (50.5 * 5.5), by hand
    assert out["value"].iloc[0] == pytest.approx(0.5 * 495.5 / (50.5 * 5.5))
    assert out["value"].iloc[1] == pytest.approx(4 * 490 / (46 * 10))
    assert out["method"].tolist() == ["Woolf, Haldane 0.5 correction", "Woolf"]


def test_each_group_needs_both_levels():
    df = pd.DataFrame({"g": ["a", "b"], "flag": [True, False], "x": [1, 2], "n": [10, 10]})
    with pytest.raises(InputError, match="exactly one row"):
        odds_ratio(df, "x", "n", exposed="flag", group_by="g")


def test_events_above_people_raise():
    df = pd.DataFrame({"flag": [True, False], "x": [11, 2], "n": [10, 10]})
    with pytest.raises(InputError, match="must not exceed n"):
        odds_ratio(df, "x", "n", exposed="flag")
