"""Summaries of compare_with_r tables (analysis.rbridge.agreement) on tables built by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.rbridge.agreement import agreement_summary, r_code_markdown, ran_in_r
from analysis.validation import InputError


def comparison(implementation: str, abs_diff, rel_diff, tolerance, passed) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "compared": ["value", "lowercl", "uppercl"][: len(abs_diff)],
            "abs_diff": abs_diff,
            "rel_diff": rel_diff,
            "tolerance": tolerance,
            "pass": passed,
            "r_implementation": implementation,
        }
    )
    table.attrs["r_code"] = "data |>\n  phe_dsr(x, n)"
    return table


DSR = comparison(
    "PHEindicatormethods 2.0.0 phe_dsr", [0.0, 3e-14, 1e-13], [0.0, 1e-16, np.inf],
    [1e-9, 2e-9, 3e-9], [True, True, True],
)  # fmt: skip
SII = comparison("base-R reference ref_sii", [0.5, 2.0], [0.01, 0.04], [1.0, 1.5], [True, False])


def test_ran_in_r_splits_the_implementation_from_the_function():
    assert ran_in_r(DSR) == ("PHEindicatormethods 2.0.0", "phe_dsr")
    assert ran_in_r(SII) == ("base-R reference", "ref_sii")


def test_ran_in_r_refuses_several_implementations_or_none():
    mixed = pd.concat([DSR, SII])
    with pytest.raises(InputError, match="one 'implementation function' expected"):
        ran_in_r(mixed)
    with pytest.raises(InputError, match="one 'implementation function' expected"):
        ran_in_r(DSR.iloc[:0])
    with pytest.raises(InputError, match="r_implementation"):
        ran_in_r(DSR.drop(columns="r_implementation"))


def test_agreement_summary_one_row_per_comparison_in_order():
    out = agreement_summary({"Directly standardised rate": DSR, "SII": SII})
    expected = pd.DataFrame(
        {
            "measure": ["Directly standardised rate", "SII"],
            "r_function": ["phe_dsr", "ref_sii"],
            "values": [3, 2],
            "max_abs_diff": [1e-13, 2.0],
            "max_rel_diff": [1e-16, 0.04],  # the infinite relative difference left out
            "largest_tolerance": [3e-9, 1.5],
            "agree": [True, False],
            "r_side": ["PHEindicatormethods 2.0.0", "base-R reference"],
        }
    )
    pd.testing.assert_frame_equal(out, expected)


def test_agreement_summary_needs_the_comparison_columns():
    with pytest.raises(InputError, match="comparison table 'DSR'.*tolerance"):
        agreement_summary({"DSR": DSR.drop(columns="tolerance")})


def test_r_code_markdown():
    text = r_code_markdown(DSR, "**Rates**, `data` = `cvd`")
    assert text == (
        "**Rates**, `data` = `cvd` -- `phe_dsr` from PHEindicatormethods 2.0.0:\n\n"
        "```r\ndata |>\n  phe_dsr(x, n)\n```\n"
    )
    without = DSR.copy()
    without.attrs = {}
    with pytest.raises(InputError, match="no R code"):
        r_code_markdown(without, "**Rates**")
