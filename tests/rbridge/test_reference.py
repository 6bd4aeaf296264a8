"""The base-R reference itself, checked against R's own tests (prop.test, poisson.test), the
published PHEindicatormethods expected values, and glm against statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.rbridge.convert import to_pandas
from analysis.rbridge.hooks import call_reference, r_value
from analysis.rbridge.session import reference_environment
from analysis.standards import ESP2013_WEIGHTS

RNG = np.random.default_rng(7)


def reference_vectors(name: str, *args) -> pd.DataFrame:
    """Call a vector function of R/reference.R (returning a data.frame)."""
    return to_pandas(reference_environment().find(name)(*[r_value(a) for a in args]))


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.998])
def test_wilson_formula_matches_prop_test(r_reference, confidence):
    n = RNG.integers(1, 3000, 30)
    x = RNG.integers(0, n + 1)
    x[:2], n[:2] = [0, 7], [5, 7]  # none and all
    ours = call_reference(
        "ref_proportion", pd.DataFrame({"x": x, "n": n}), x="x", n="n", confidence=confidence
    )
    test = reference_vectors("wilson_prop_test", x, n, confidence)
    np.testing.assert_allclose(ours["lowercl"], test["lower"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours["uppercl"], test["upper"], rtol=1e-12, atol=1e-15)


def test_exact_poisson_limits_match_poisson_test(r_reference):
    x = np.arange(0, 10)
    n = np.full(10, 100_000)
    ours = call_reference(
        "ref_crude_rate", pd.DataFrame({"x": x, "n": n}), x="x", n="n", confidence=0.95
    )
    test = reference_vectors("exact_poisson_test", x, 0.95)
    np.testing.assert_allclose(ours["lowercl"], test["lower"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours["uppercl"], test["upper"], rtol=1e-9)
    assert (ours["method"] == "Exact").all()


def test_dsr_matches_published_results(r_reference, phe_reference):
    """The reference R DSR reproduces PHEindicatormethods' expected per-100,000 results."""
    book = phe_reference / "testdata_DSR_ISR.xlsx"
    data = pd.read_excel(book, sheet_name="testdata_multiarea")
    # bands are in ESP order within each area (one label in the sheet reads "55-69")
    data["esp"] = np.tile(np.asarray(ESP2013_WEIGHTS, dtype=float), data["area"].nunique())
    expected = pd.read_excel(book, sheet_name="testresults_DSR").iloc[4:7].set_index("area")
    ours = call_reference(
        "ref_dsr",
        data,
        x="count",
        n="pop",
        standard="esp",
        group_by=["area"],
        confidence=[0.95, 0.998],
    ).set_index("area")
    ours = ours.loc[expected.index]
    assert ours["value"].isna().tolist() == [False, False, True]  # total count below 10
    for column in ["value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]:
        np.testing.assert_allclose(ours[column], expected[column], rtol=1e-9, err_msg=column)


def test_poisson_glm_with_offset_matches_statsmodels(r_reference):
    n = 200
    data = pd.DataFrame(
        {
            "quintile": RNG.integers(1, 6, n).astype(float),
            "female": RNG.integers(0, 2, n).astype(float),
            "population": RNG.integers(500, 5000, n).astype(float),
        }
    )
    rate = np.exp(-6 + 0.15 * data["quintile"] - 0.2 * data["female"])
    data["deaths"] = RNG.poisson(rate * data["population"]).astype(float)
    ours = call_reference(
        "ref_glm",
        data,
        formula="deaths ~ quintile + female",
        family="poisson",
        offset="population",
    )
    design = sm.add_constant(data[["quintile", "female"]])
    fit = sm.GLM(
        data["deaths"], design, family=sm.families.Poisson(), offset=np.log(data["population"])
    ).fit()
    np.testing.assert_allclose(ours["estimate"], fit.params.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours["std_error"], fit.bse.to_numpy(), rtol=1e-6)
    assert ours["deviance"].iloc[0] == pytest.approx(fit.deviance, rel=1e-6)


def test_binomial_glm_matches_statsmodels(r_reference):
    n = 500
    data = pd.DataFrame({"age": RNG.uniform(40, 80, n), "deprived": RNG.integers(0, 2, n)})
    logit = -8 + 0.1 * data["age"] + 0.5 * data["deprived"]
    data["diabetes"] = (RNG.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    ours = call_reference("ref_glm", data, formula="diabetes ~ age + deprived", family="binomial")
    design = sm.add_constant(data[["age", "deprived"]].astype(float))
    fit = sm.GLM(data["diabetes"], design, family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(ours["estimate"], fit.params.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours["std_error"], fit.bse.to_numpy(), rtol=1e-6)
