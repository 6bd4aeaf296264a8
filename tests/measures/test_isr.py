"""Indirectly standardised ratios and rates against the PHEindicatormethods reference,
PHStatsMethods, input errors and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.measures import indirectly_standardised_rate, indirectly_standardised_ratio
from analysis.standards import ESP2013_AGE_BANDS
from analysis.validation import InputError
from tests.conftest import read_phe_fixture

RTOL = 1e-6
TWO_LEVELS = ["lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]


@pytest.fixture(scope="module")
def isr_book(phe_reference):
    return pd.read_excel(phe_reference / "testdata_DSR_ISR.xlsx", sheet_name=None)


def _results(book, rows):
    return book["testresults_ISR"].iloc[rows].reset_index(drop=True)


def _assert_matches(out, expected, columns):
    for column in columns:
        np.testing.assert_allclose(out[column], expected[column], rtol=RTOL, equal_nan=True)
    assert list(out["statistic"]) == list(expected["statistic"])
    assert list(out["method"]) == list(expected["method"])


def _reference(book, as_columns):
    """Reference counts/populations: columns of the data, or vectors in band order (the
    vector for the events has the missing 10-14 count that the reference treats as 0)."""
    if as_columns:
        return {"x_ref": "refcount", "n_ref": "refpop"}
    ref = book["refdata"]
    return {
        "x_ref": ref["refcount"].where(ref.index != 2).tolist(),
        "n_ref": ref["refpop"].tolist(),
    }


COMMON = dict(age_band="ageband", group_by="area", confidence=[0.95, 0.998], missing="zero")


@pytest.mark.parametrize("as_columns", [True, False])
@pytest.mark.parametrize(("multiplier", "rows"), [(100_000, slice(0, 3)), (1000, slice(3, 6))])
def test_isr_rate_matches_reference_byars_and_exact_below_10(
    isr_book, as_columns, multiplier, rows
):
    out = indirectly_standardised_rate(
        isr_book["testdata_multiarea_isr"], "count", "pop", multiplier=multiplier,
        **_reference(isr_book, as_columns), **COMMON,
    )  # fmt: skip
    columns = ["observed", "expected", "ref_rate", "value", *TWO_LEVELS]
    _assert_matches(out, _results(isr_book, rows), columns)


@pytest.mark.parametrize("as_columns", [True, False])
@pytest.mark.parametrize(("refvalue", "rows"), [(1, slice(6, 9)), (100, slice(9, 12))])
def test_isr_ratio_matches_reference_byars_and_exact_below_10(isr_book, as_columns, refvalue, rows):
    out = indirectly_standardised_ratio(
        isr_book["testdata_multiarea_isr"], "count", "pop", refvalue=refvalue,
        **_reference(isr_book, as_columns), **COMMON,
    )  # fmt: skip
    _assert_matches(out, _results(isr_book, rows), ["observed", "expected", "value", *TWO_LEVELS])


def test_isr_rate_and_ratio_from_observed_totals_match_reference(isr_book):
    data = isr_book["testdata_multiarea_isr"].drop(columns="count")
    totals = isr_book["testdata_multiarea_lookup"]
    kwargs = dict(observed_totals=totals, **_reference(isr_book, False), **COMMON)
    rate = indirectly_standardised_rate(data, "total_count", "pop", **kwargs)
    _assert_matches(
        rate, _results(isr_book, slice(0, 3)), ["observed", "expected", "value", *TWO_LEVELS]
    )
    ratio = indirectly_standardised_ratio(data, "total_count", "pop", **kwargs)
    _assert_matches(
        ratio, _results(isr_book, slice(6, 9)), ["observed", "expected", "value", *TWO_LEVELS]
    )


def test_isr_with_a_zero_population_band_matches_reference_err2_rows(isr_book):
    data = isr_book["testdata_err2"].assign(ageband=np.tile(ESP2013_AGE_BANDS, 2))
    kwargs = dict(
        **_reference(isr_book, False), age_band="ageband", group_by="area", missing="zero"
    )
    rate = indirectly_standardised_rate(data, "count", "pop", **kwargs)
    columns = ["observed", "expected", "value", "lowercl", "uppercl"]
    expected = _results(isr_book, slice(12, 14)).rename(
        columns={"lower95_0cl": "lowercl", "upper95_0cl": "uppercl"}
    )
    _assert_matches(rate, expected, [*columns, "ref_rate"])
    ratio = indirectly_standardised_ratio(data, "count", "pop", refvalue=100, **kwargs)
    expected = _results(isr_book, slice(14, 16)).rename(
        columns={"lower95_0cl": "lowercl", "upper95_0cl": "uppercl"}
    )
    _assert_matches(ratio, expected, columns)


GENERATED = dict(x_ref="refcount", n_ref="refpop", age_band="ageband", group_by="area")


# One bad cell in generated input, as the reference package's testdata_err1 and err3.
@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("count", -26, "'count': counts must not be negative"),
        ("pop", -558, "'pop': counts must not be negative"),
    ],
)
def test_invalid_inputs_are_rejected(column, value, message):
    data = read_phe_fixture("isr", "input")
    data.loc[data.index[5], column] = value
    with pytest.raises(InputError, match=message):
        indirectly_standardised_ratio(data, "count", "pop", **GENERATED)


def test_missing_reference_values_and_totals_raise():
    data = read_phe_fixture("isr", "input")
    missing = data.assign(count=data["count"].mask(data.index == 7))
    with pytest.raises(InputError, match="'count': must not be missing"):
        indirectly_standardised_ratio(missing, "count", "pop", **GENERATED)
    totals = data.groupby("area", as_index=False)["count"].sum().iloc[:2]
    with pytest.raises(InputError, match="every group needs an observed total"):
        indirectly_standardised_ratio(
            data.drop(columns="count"), "count", "pop", observed_totals=totals, **GENERATED
        )
    with pytest.raises(InputError, match="n_ref"):
        indirectly_standardised_ratio(data, "count", "pop", **{**GENERATED, "n_ref": [0] * 19})


def test_isr_agrees_with_phstatsmethods_on_random_groups():
    ph = pytest.importorskip("PHStatsMethods")
    rng = np.random.default_rng(5)
    groups = 30
    df = pd.DataFrame(
        {
            "g": np.repeat(np.arange(groups), 19),
            "age_band": np.tile(ESP2013_AGE_BANDS, groups),
            "x": rng.poisson(3, 19 * groups),
            "n": rng.integers(100, 4000, 19 * groups),
            "xr": np.tile(rng.poisson(400, 19), groups),
            "nr": np.tile(rng.integers(10_000, 60_000, 19), groups),
        }
    )
    kwargs = dict(x_ref="xr", n_ref="nr", group_by="g", confidence=[0.95, 0.998])
    pairs = [("value", "Value"), ("lower95_0cl", "lower_95_ci"), ("upper95_0cl", "upper_95_ci"),
             ("lower99_8cl", "lower_99_8_ci"), ("upper99_8cl", "upper_99_8_ci")]  # fmt: skip
    ours = indirectly_standardised_ratio(df, "x", "n", **kwargs)
    theirs = ph.ph_ISRatio(df, "x", "n", "xr", "nr", group_cols="g", confidence=[0.95, 0.998])
    for mine, other in pairs:
        np.testing.assert_allclose(ours[mine], theirs.sort_values("g")[other], rtol=1e-9)
    ours = indirectly_standardised_rate(df, "x", "n", **kwargs)
    theirs = ph.ph_ISRate(df, "x", "n", "xr", "nr", group_cols="g", confidence=[0.95, 0.998])
    for mine, other in pairs:
        np.testing.assert_allclose(ours[mine], theirs.sort_values("g")[other], rtol=1e-9)


def test_ratio_is_one_when_the_area_has_the_reference_rates():
    ref_x, ref_n = np.array([10.0, 50, 300]), np.array([10_000.0, 8000, 2000])
    df = pd.DataFrame({"age_band": ["young", "middle", "old"], "n": [5000, 4000, 1000]})
    df["x"] = ref_x / ref_n * df["n"]
    out = indirectly_standardised_ratio(df, "x", "n", x_ref=ref_x, n_ref=ref_n)
    assert out.loc[0, "value"] == pytest.approx(1.0)
    assert out.loc[0, "lowercl"] < 1 < out.loc[0, "uppercl"]
