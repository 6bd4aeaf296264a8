"""Slope and relative index of inequality: reference values, exact limits, R, presets, errors.

Only ``test_ohid_sii_matches_phe_reference_sheet`` needs the published reference sheet (an
extra check; the same function is compared with the committed PHEindicatormethods fixtures in
test_sii_agrees_with_pheindicatormethods_fixtures.py). The other tests run on the generated
quantile rows committed in tests/fixtures/pheindicatormethods/sii/input.csv or on data made
here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from analysis.inequality import slope_index_of_inequality
from analysis.validation import InputError
from tests.conftest import read_phe_fixture

GROUPS = ["Area", "Grouping1", "Grouping2"]
MC_TOLERANCE = 0.05  # the reference package's own tolerance for Monte-Carlo limits
REPS = 100_000  # as the reference values were made; per-element 5% then holds comfortably


@pytest.fixture(scope="module")
def sii_sheet(phe_reference):
    return pd.read_excel(phe_reference / "testdata_SII.xlsx", sheet_name="testdata_SII")


def generated_rows(kind: str, n_quantiles: int = 10) -> pd.DataFrame:
    """Generated quantile rows of one value type (columns area, quantile, population, value,
    se, lower_cl, upper_cl), from the committed fixture input."""
    data = read_phe_fixture("sii", "input")
    per_area = data.groupby("area")["quantile"].transform("size")
    return data[(data["kind"] == kind) & (per_area == n_quantiles)].reset_index(drop=True)


@pytest.fixture(scope="module")
def life_expectancy() -> pd.DataFrame:
    """Life-expectancy-like values by decile for 40 areas x 2 sexes (fixed seed)."""
    rng = np.random.default_rng(20261205)
    groups = pd.MultiIndex.from_product([[f"A{i:02d}" for i in range(40)], ["F", "M"]])
    data = groups.to_frame(index=False, name=["GeoCode", "Sex"]).merge(
        pd.DataFrame({"Decile": range(1, 11)}), how="cross"
    )
    data["Pop"] = rng.integers(3000, 40000, len(data))
    slope = np.repeat(rng.uniform(3, 12, len(groups)), 10)
    data["LifeExp"] = 76 + slope * (data["Decile"] - 5.5) / 10 + rng.normal(0, 0.5, len(data))
    data["SE"] = rng.uniform(0.2, 1.5, len(data))
    return data


# (input rows, expected rows, keyword arguments) as in the reference package's test script;
# its negative multipliers are polarity="adverse" here (the others "favourable")
CASES = {
    "normal, SE given": ((1, 20), (1, 11), dict(se="StandardError")),
    "normal, limits given": ((1, 20), (1, 11), dict(lower_cl="LowerCL", upper_cl="UpperCL")),
    "normal, intercept": ((1, 20), (246, 256), dict(lower_cl="LowerCL", upper_cl="UpperCL", intercept=True)),
    "normal, 99% limits": ((21, 40), (21, 31), dict(se="StandardError", confidence=0.99)),
    "normal, 95% and 99% limits": ((226, 245), (226, 236), dict(se="StandardError", confidence=[95, 99])),
    "normal, 100,000 repetitions": ((41, 60), (41, 51), dict(se="StandardError", repetitions=100_000)),
    "normal, quintiles": ((61, 70), (61, 66), dict(se="StandardError")),
    "rate, SE given": ((71, 90), (71, 81), dict(value_type="rate", se="StandardError")),
    "rate, limits given": ((71, 90), (71, 81), dict(value_type="rate", lower_cl="LowerCL", upper_cl="UpperCL")),
    "rate, intercept": ((71, 90), (266, 276), dict(value_type="rate", lower_cl="LowerCL", upper_cl="UpperCL", intercept=True)),
    "rate, log fit": ((306, 325), (306, 316), dict(value_type="rate", lower_cl="LowerCL", upper_cl="UpperCL", transform=True, intercept=True)),
    "rate, log fit, adverse (multiplier -1)": ((386, 405), (386, 396), dict(value_type="rate", lower_cl="LowerCL", upper_cl="UpperCL", transform=True, intercept=True, polarity="adverse")),
    "rate, log fit, 98%": ((406, 425), (406, 416), dict(value_type="rate", lower_cl="LowerCL", upper_cl="UpperCL", transform=True, intercept=True, confidence=98)),
    "rate, log fit, 95% and 98%": ((366, 385), (366, 376), dict(value_type="rate", lower_cl="LowerCL", upper_cl="UpperCL", transform=True, intercept=True, confidence=[95, 98])),
    "rate, log fit, no RII": ((426, 445), (426, 436), dict(value_type="rate", lower_cl="LowerCL", upper_cl="UpperCL", transform=True, rii=False)),
    "proportion, SE given": ((91, 110), (91, 101), dict(value_type="proportion", se="StandardError")),
    "proportion, limits given": ((91, 110), (91, 101), dict(value_type="proportion", lower_cl="LowerCL", upper_cl="UpperCL")),
    "proportion, intercept": ((91, 110), (286, 296), dict(value_type="proportion", lower_cl="LowerCL", upper_cl="UpperCL", intercept=True)),
    "proportion, multiplier 100": ((111, 130), (111, 121), dict(value_type="proportion", lower_cl="LowerCL", upper_cl="UpperCL", multiplier=100)),
    "proportion, multiplier 100, adverse (multiplier -100)": ((131, 150), (131, 141), dict(value_type="proportion", lower_cl="LowerCL", upper_cl="UpperCL", multiplier=100, polarity="adverse")),
    "proportion, logit fit": ((326, 345), (326, 336), dict(value_type="proportion", lower_cl="LowerCL", upper_cl="UpperCL", transform=True, intercept=True)),
    "proportion, logit fit, adverse (multiplier -1)": ((346, 365), (346, 356), dict(value_type="proportion", lower_cl="LowerCL", upper_cl="UpperCL", transform=True, intercept=True, polarity="adverse")),
    "proportion, logit fit, 98%": ((466, 485), (466, 476), dict(value_type="proportion", lower_cl="LowerCL", upper_cl="UpperCL", transform=True, intercept=True, confidence=98)),
    "proportion, logit fit, 95% and 98%": ((486, 505), (486, 496), dict(value_type="proportion", lower_cl="LowerCL", upper_cl="UpperCL", transform=True, intercept=True, confidence=[95, 98])),
    "proportion, logit fit, no RII": ((446, 465), (446, 456), dict(value_type="proportion", lower_cl="LowerCL", upper_cl="UpperCL", transform=True, rii=False)),
}  # fmt: skip


def _expected_columns(limits_given: bool, levels: int) -> list[tuple[str, str, str]]:
    """(statistic, our column, reference column) pairs to compare."""
    ours = ["lowercl", "uppercl"] if levels == 1 else ["lower95_0cl", "upper95_0cl"]
    second = ["lower99_0cl", "upper99_0cl"]
    pairs = [("SII", "value", "sii")]
    if limits_given:
        pairs += [("SII", ours[0], "sii_lowercl_1"), ("SII", ours[1], "sii_uppercl_1")]
    return pairs, second


@pytest.mark.parametrize("case", list(CASES))
def test_ohid_sii_matches_phe_reference_sheet(sii_sheet, case):
    """Point estimates to 1e-6; Monte-Carlo limits within the reference's 5% (10,000 reps)."""
    (first, last), expected_rows, kwargs = CASES[case]
    kwargs = {"rii": True, "repetitions": REPS, "polarity": "favourable", **kwargs}
    out = slope_index_of_inequality(
        sii_sheet.iloc[first - 1 : last], "Quantile", "Population", "Value",
        group_by=GROUPS, seed=20240501, **kwargs,
    )  # fmt: skip
    expected = sii_sheet.iloc[[r - 1 for r in expected_rows]].reset_index(drop=True)
    sii = out[out["measure"] == "SII"].reset_index(drop=True)
    np.testing.assert_array_equal(sii["Area"], expected["Area"])
    np.testing.assert_allclose(sii["value"], expected["sii"], rtol=1e-6)
    levels = 1 if np.isscalar(kwargs.get("confidence", 0.95)) else 2
    tags = ["lowercl", "uppercl"] if levels == 1 else ["lower95_0cl", "upper95_0cl"]
    checks = [(sii, tags, "sii", "1")]
    if levels == 2:
        second = "99_0" if 99 in kwargs["confidence"] else "98_0"
        checks.append((sii, [f"lower{second}cl", f"upper{second}cl"], "sii", "2"))
    if kwargs["rii"]:
        rii = out[out["measure"] == "RII"].reset_index(drop=True)
        np.testing.assert_allclose(rii["value"], expected["rii"], rtol=1e-6)
        checks += [(rii, cols, "rii", n) for _, cols, _, n in list(checks)]
    if case != "normal, quintiles":  # the reference sheet has only the SII for quintiles
        for frame, (lower, upper), stat, n in checks:
            np.testing.assert_allclose(
                frame[lower], expected[f"{stat}_lowercl_{n}"], rtol=MC_TOLERANCE
            )
            np.testing.assert_allclose(
                frame[upper], expected[f"{stat}_uppercl_{n}"], rtol=MC_TOLERANCE
            )
    if kwargs.get("intercept"):
        start = out[out["measure"] == "intercept"].reset_index(drop=True)
        np.testing.assert_allclose(start["value"], expected["Intercept"], rtol=1e-6)


def test_monte_carlo_limits_converge_to_normal_theory_limits(life_expectancy):
    """For untransformed normal values the simulated slope is exactly normal with variance
    sum(c_i^2 se_i^2) (c_i the WLS slope weights), so the MC limits must approach
    slope +/- z * sd; computed here independently with numpy's weighted polyfit. The 2.5%
    sample quantile of 100,000 draws has standard error sd * sqrt(0.025 * 0.975 / 1e5) /
    phi(1.96) = 0.0085 sd; 160 limits are allowed 5 of those (0.042 sd)."""
    data = life_expectancy[
        life_expectancy["GeoCode"].isin(life_expectancy["GeoCode"].unique()[:40])
    ]
    out = slope_index_of_inequality(
        data,
        "Decile",
        "Pop",
        "LifeExp",
        group_by=["GeoCode", "Sex"],
        se="SE",
        seed=7,
        polarity="favourable",
    )
    for (code, sex), grp in data.groupby(["GeoCode", "Sex"]):
        grp = grp.sort_values("Decile")
        share = grp["Pop"].to_numpy() / grp["Pop"].sum()
        rank = np.cumsum(share) - share / 2
        slope = np.polyfit(rank, grp["LifeExp"], 1, w=np.sqrt(share))[0]
        # slope is linear in the values: derivative by finite differences of the fit
        jac = np.array([np.polyfit(rank, np.eye(10)[i], 1, w=np.sqrt(share))[0] for i in range(10)])
        sd = np.sqrt(np.sum(jac**2 * grp["SE"].to_numpy() ** 2))
        row = out[(out["GeoCode"] == code) & (out["Sex"] == sex)].iloc[0]
        assert row["value"] == pytest.approx(slope, rel=1e-9)
        z = stats.norm.ppf(0.975)
        assert row["lowercl"] == pytest.approx(slope - z * sd, abs=0.042 * sd)
        assert row["uppercl"] == pytest.approx(slope + z * sd, abs=0.042 * sd)


@pytest.mark.parametrize(
    ("kind", "link", "inverse"),
    [("rate", np.log, np.exp), ("proportion", special.logit, special.expit)],
)
def test_transformed_fit_is_the_back_transformed_weighted_line(kind, link, inverse):
    """transform=True (PHEindicatormethods 2.1, absent from the 2.0.0 fixtures): the line is
    fitted to log rates / logit proportions with population-share weights, so SII =
    g^-1(a + b) - g^-1(a), RII = g^-1(a + b) / g^-1(a), intercept = g^-1(a); a and b here
    from numpy's weighted polyfit on the generated rows."""
    data = generated_rows(kind)
    out = slope_index_of_inequality(
        data, "quantile", "population", "value", group_by="area", value_type=kind,
        lower_cl="lower_cl", upper_cl="upper_cl", transform=True, rii=True, intercept=True,
        repetitions=1000, seed=1, polarity="favourable",
    ).set_index(["area", "measure"])["value"]  # fmt: skip
    for area, grp in data.groupby("area"):
        share = grp["population"].to_numpy() / grp["population"].sum()
        rank = np.cumsum(share) - share / 2
        slope, start = np.polyfit(rank, link(grp["value"].to_numpy()), 1, w=np.sqrt(share))
        top, bottom = inverse(start + slope), inverse(start)
        assert out[area, "SII"] == pytest.approx(top - bottom, rel=1e-9)
        assert out[area, "RII"] == pytest.approx(top / bottom, rel=1e-9)
        assert out[area, "intercept"] == pytest.approx(bottom, rel=1e-9)


def test_same_seed_same_limits_and_generator_accepted():
    args = (generated_rows("normal"), "quantile", "population", "value")
    kw = dict(group_by="area", se="se", repetitions=2000, rii=True, polarity="favourable")
    a = slope_index_of_inequality(*args, seed=3, **kw)
    b = slope_index_of_inequality(*args, seed=np.random.default_rng(3), **kw)
    pd.testing.assert_frame_equal(a, b)
    c = slope_index_of_inequality(*args, seed=4, **kw)
    assert not np.allclose(a["lowercl"], c["lowercl"])


def test_measure_names_the_index_and_statistic_describes_it():
    """The naming convention (CONTRIBUTING): ``measure`` holds the short name, ``statistic``
    a description as in PHEindicatormethods, for every row and every group."""
    out = slope_index_of_inequality(
        generated_rows("normal"), "quantile", "population", "value",
        group_by="area", se="se", repetitions=1000, rii=True, intercept=True, seed=1, polarity="favourable",
    )  # fmt: skip
    pairs = set(zip(out["measure"], out["statistic"], strict=True))
    assert pairs == {
        ("SII", "slope index of inequality"),
        ("RII", "relative index of inequality"),
        ("intercept", "fitted value at rank 0 (most deprived end)"),
    }
    assert out.columns[out.columns.get_loc("measure") + 1 :][:2].tolist() == [
        "statistic",
        "value",
    ]


def test_reliability_statistic_is_small_relative_to_interval():
    out = slope_index_of_inequality(
        generated_rows("normal"), "quantile", "population", "value", group_by="area",
        se="se", repetitions=5000, reliability_stat=True, seed=1, polarity="favourable",
    )  # fmt: skip
    width = out["uppercl"] - out["lowercl"]
    assert (out["mad"] > 0).all() and (out["mad"] < 0.05 * width).all()


def _r_weighted_lm():
    pytest.importorskip("rpy2")
    from analysis.rbridge.session import r_available

    if not r_available():
        pytest.skip("R is not available through rpy2")
    import rpy2.robjects as ro

    return ro, ro.r(
        "function(y, x, w, level) { m <- lm(y ~ x, weights = w); "
        "c(coef(m), confint(m, level = level)[2, ]) }"
    )


@pytest.mark.r
def test_sii_and_scotpho_limits_match_base_r_weighted_lm():
    """Point estimate (all presets) and ScotPHO t limits against R's lm(weights = population)
    on generated rates by decile and quintile."""
    ro, fit = _r_weighted_lm()
    data = pd.concat([generated_rows("rate"), generated_rows("rate", n_quantiles=5)])
    out = {
        m: slope_index_of_inequality(
            data,
            "quantile",
            "population",
            "value",
            group_by="area",
            value_type="rate",
            lower_cl="lower_cl",
            upper_cl="upper_cl",
            method=m,
            intercept=True,
            seed=1,
            repetitions=2000,
            polarity="favourable",
        )  # fmt: skip
        for m in ("ohid", "scotpho", "who_heat")
    }
    for area, grp in data.groupby("area"):
        grp = grp.sort_values("quantile")
        share = grp["population"].to_numpy() / grp["population"].sum()
        rank = np.cumsum(share) - share / 2
        r = np.asarray(
            fit(ro.FloatVector(grp["value"]), ro.FloatVector(rank),
                ro.FloatVector(grp["population"]), 0.95)
        )  # fmt: skip
        for frame in out.values():
            rows = frame[frame["area"] == area].set_index("measure")
            assert rows.loc["SII", "value"] == pytest.approx(r[1], rel=1e-9)
            assert rows.loc["intercept", "value"] == pytest.approx(r[0], rel=1e-9)
        scot = out["scotpho"][out["scotpho"]["area"] == area].set_index("measure")
        assert scot.loc["SII", "lowercl"] == pytest.approx(r[2], rel=1e-9)
        assert scot.loc["SII", "uppercl"] == pytest.approx(r[3], rel=1e-9)


def test_who_heat_matches_statsmodels_robust_fits():
    """HEAT preset against statsmodels' HC1 covariance (independent implementation): binomial
    GLM for proportions and linear WLS for the same values as rates per 100 (generated)."""
    sm = pytest.importorskip("statsmodels.api")
    data = generated_rows("proportion")
    grp = data[data["area"] == data["area"].iloc[0]].rename(columns={"value": "p"})
    grp = grp.assign(Rate=grp["p"] * 100).sort_values("quantile")
    share = grp["population"].to_numpy() / grp["population"].sum()
    rank = np.cumsum(share) - share / 2
    x = sm.add_constant(rank)
    z = stats.norm.ppf(0.975)
    # logistic, proportions
    glm = sm.GLM(grp["p"].to_numpy(), x, family=sm.families.Binomial(), var_weights=share)
    res = glm.fit(cov_type="HC0")  # HC1 = HC0 * n / (n - k) (MacKinnon & White 1985)
    k = len(grp)
    p0, p1 = 1 / (1 + np.exp(-res.params[0])), 1 / (1 + np.exp(-res.params.sum()))
    grad = np.array([p1 * (1 - p1) - p0 * (1 - p0), p1 * (1 - p1)])
    se = np.sqrt(grad @ res.cov_params() @ grad * k / (k - 2))
    out = slope_index_of_inequality(
        grp,
        "quantile",
        "population",
        "p",
        value_type="proportion",
        method="who_heat",
        rii=True,
        polarity="favourable",
    ).set_index("measure")
    assert out.loc["SII", "value"] == pytest.approx(p1 - p0, rel=1e-8)
    assert out.loc["SII", "lowercl"] == pytest.approx(p1 - p0 - z * se, rel=1e-6)
    assert out.loc["RII", "value"] == pytest.approx(p1 / p0, rel=1e-8)
    # linear, rates per 100
    wls = sm.WLS(grp["Rate"].to_numpy(), x, weights=share).fit(cov_type="HC1")
    out = slope_index_of_inequality(
        grp,
        "quantile",
        "population",
        "Rate",
        value_type="rate",
        method="who_heat",
        polarity="favourable",
    )
    assert out["value"].iloc[0] == pytest.approx(wls.params[1], rel=1e-9)
    assert out["uppercl"].iloc[0] == pytest.approx(wls.params[1] + z * wls.bse[1], rel=1e-9)


def test_presets_on_the_same_data_differ_as_documented():
    """Same slope for normal/rate data; ScotPHO RII = SII / weighted mean; HEAT RII = ratio
    of the line's ends (as OHID); limits differ (sampling error vs residual scatter)."""
    data = generated_rows("rate")
    grp = data[data["area"] == data["area"].iloc[0]]
    kw = dict(
        value_type="rate",
        lower_cl="lower_cl",
        upper_cl="upper_cl",
        rii=True,
        seed=2,
        polarity="favourable",
    )
    res = {
        m: slope_index_of_inequality(
            grp, "quantile", "population", "value", method=m, **kw
        ).set_index("measure")
        for m in ("ohid", "scotpho", "who_heat")
    }
    sii = res["ohid"].loc["SII", "value"]
    assert res["scotpho"].loc["SII", "value"] == pytest.approx(sii)
    assert res["who_heat"].loc["SII", "value"] == pytest.approx(sii)
    mean = np.average(grp["value"], weights=grp["population"])
    assert res["scotpho"].loc["RII", "value"] == pytest.approx(sii / mean)
    assert res["who_heat"].loc["RII", "value"] == pytest.approx(res["ohid"].loc["RII", "value"])
    widths = {m: r.loc["SII", "uppercl"] - r.loc["SII", "lowercl"] for m, r in res.items()}
    assert len({round(w, 6) for w in widths.values()}) == 3


SE = dict(se="se")
LIMITS = dict(lower_cl="lower_cl", upper_cl="upper_cl")


# (value type and number of quantiles of the generated rows, (column, quantile, new value)
# set before the call or None, keyword arguments, message), as the reference package's own
# invalid-input cases
@pytest.mark.parametrize(
    ("rows", "change", "kwargs", "message"),
    [
        (("proportion", 10), ("population", 2, -200), SE, "greater than zero"),
        (("normal", 5), ("se", 3, -5), SE, "must not be negative"),
        (("normal", 10), ("se", 1, np.nan), SE, "must not be missing"),
        (("normal", 10), ("lower_cl", 4, np.nan), LIMITS, "must not be missing"),
        (("normal", 10), None, dict(**SE, value_type="proportion"), "between 0 and 1"),
        (("proportion", 5), ("upper_cl", 4, 11), dict(**LIMITS, value_type="proportion"), "between 0 and 1"),
        (("proportion", 5), ("lower_cl", 2, 8), dict(**LIMITS, value_type="proportion"), "between 0 and 1"),
        (("normal", 10), ("quantile", None, 3), LIMITS, "between 5 and 100 quantiles"),
        (("normal", 10), ("quantile", None, 0), SE, "data has no rows"),
        (("normal", 10), None, dict(**LIMITS, transform=True), "transform"),
        (("rate", 10), None, dict(**SE, value_type="rate", transform=True), "not se"),
        (("normal", 10), None, dict(), "either se or both"),
        (("normal", 10), None, dict(**SE, repetitions=10), "1000 or more"),
        (("normal", 10), None, dict(**SE, confidence=0.35), "confidence level"),
        (("normal", 10), None, dict(**SE, value_type="rates"), "value_type"),
        (("normal", 10), None, dict(**SE, multiplier=-1), "polarity='adverse' instead of a negative multiplier"),
        (("normal", 10), None, dict(**SE, multiplier=0), "multiplier must be a positive number"),
        (("normal", 10), None, dict(**SE, polarity="higher is worse"), "polarity must be 'adverse'"),
        (("normal", 10), None, dict(**SE, polarity=True), "polarity must be 'adverse'"),
    ],
)  # fmt: skip
def test_invalid_input_raises_input_error(rows, change, kwargs, message):
    data = generated_rows(*rows)
    if change is not None:
        column, quantile, value = change
        if column == "quantile":  # keep only the first `value` quantiles of each area
            data = data[data["quantile"] <= value]
        else:
            data.loc[data["quantile"] == quantile, column] = value
    kwargs = dict(kwargs)
    with pytest.raises(InputError, match=message):
        slope_index_of_inequality(
            data,
            "quantile",
            "population",
            "value",
            group_by="area",
            repetitions=kwargs.pop("repetitions", 1000),
            polarity=kwargs.pop("polarity", "favourable"),
            **kwargs,
        )


def test_polarity_is_required():
    """The SII's sign depends on the polarity, so there is no default."""
    with pytest.raises(TypeError, match="polarity"):
        slope_index_of_inequality(generated_rows("normal"), "quantile", "population", "value",
                                  group_by="area", se="se")  # fmt: skip


@pytest.mark.parametrize("method", ["ohid", "scotpho", "who_heat"])
def test_perfect_mortality_gradient_by_polarity(method):
    """Closed form: equal deciles with a rate falling by 10 a decile, 200 in decile 1, lie on
    the line 205 - 100 r of the relative rank r (midpoints 0.05, ..., 0.95); so the line is
    205 at the most deprived end and 105 at the least. Favourable (the unflipped slope): SII
    -100, RII 105 / 205 (ScotPHO: SII / mean, -100 / 155). Adverse: SII +100, RII 205 / 105
    (ScotPHO +100 / 155): a positive SII means the most deprived fare worse."""
    data = pd.DataFrame({"q": range(1, 11), "pop": 1000.0, "se": 1.0})
    data["rate"] = 200.0 - 10 * (data["q"] - 1)
    kw = dict(se="se", rii=True, method=method, value_type="rate", seed=1, repetitions=1000)
    sii = {
        p: slope_index_of_inequality(data, "q", "pop", "rate", polarity=p, **kw).set_index(
            "measure"
        )["value"]
        for p in ("favourable", "adverse")
    }
    assert sii["favourable"]["SII"] == pytest.approx(-100, rel=1e-9)
    assert sii["adverse"]["SII"] == pytest.approx(100, rel=1e-9)
    if method == "scotpho":
        assert sii["favourable"]["RII"] == pytest.approx(-100 / 155, rel=1e-9)
        assert sii["adverse"]["RII"] == pytest.approx(100 / 155, rel=1e-9)
    else:
        assert sii["favourable"]["RII"] == pytest.approx(105 / 205, rel=1e-9)
        assert sii["adverse"]["RII"] == pytest.approx(205 / 105, rel=1e-9)


@pytest.mark.parametrize("method", ["ohid", "scotpho", "who_heat"])
@pytest.mark.parametrize("transform", [False, True])
def test_adverse_polarity_flips_the_sii_and_inverts_the_rii_with_their_limits(method, transform):
    """Same data and seed: the adverse SII and its limits are the favourable ones negated
    (lower from upper), the RII and its limits inverted (ScotPHO's RII, SII / mean, negated);
    the intercept is unchanged; multiplier scales both alike."""
    if transform and method != "ohid":
        pytest.skip("transform is an OHID option")
    data = generated_rows("rate")
    kw = dict(group_by="area", value_type="rate", lower_cl="lower_cl", upper_cl="upper_cl",
              rii=True, intercept=True, method=method, seed=5, repetitions=2000,
              transform=transform, multiplier=100)  # fmt: skip
    fav, adv = (
        slope_index_of_inequality(data, "quantile", "population", "value", polarity=p, **kw)
        for p in ("favourable", "adverse")
    )
    pd.testing.assert_frame_equal(fav.drop(columns=["value", "lowercl", "uppercl"]),
                                  adv.drop(columns=["value", "lowercl", "uppercl"]))  # fmt: skip
    # OHID's untransformed limits are order statistics of the simulated statistic with the
    # polarity applied, at the 1-based positions round(R a / 2) and round(R (1 - a / 2)) (as
    # phe_sii with a negative multiplier); these are not symmetric, so the flipped limits are
    # the neighbouring order statistics of the favourable ones (0.3% apart at 2,000 draws
    # here). The other presets, and the transformed fit, flip exactly.
    rtol = 0.01 if method == "ohid" and not transform else 1e-6
    for measure in ("SII", "RII", "intercept"):
        f, a = fav[fav["measure"] == measure], adv[adv["measure"] == measure]
        if measure == "intercept":
            np.testing.assert_allclose(a["value"], f["value"], rtol=1e-12)
            continue
        if measure == "SII" or method == "scotpho":
            flipped = -f["value"], -f["uppercl"], -f["lowercl"]
        else:
            flipped = 1 / f["value"], 1 / f["uppercl"], 1 / f["lowercl"]
        np.testing.assert_allclose(a["value"], flipped[0], rtol=1e-12)
        np.testing.assert_allclose(a["lowercl"], flipped[1], rtol=rtol)
        np.testing.assert_allclose(a["uppercl"], flipped[2], rtol=rtol)


def test_non_positive_rate_and_missing_population_name_rows():
    data = pd.DataFrame(
        {"q": range(1, 6), "pop": [10.0, 20, np.nan, 10, 10], "v": [1.0, 0, 2, 3, 4], "se": 0.1}
    )
    with pytest.raises(InputError, match=r"'pop'.*must not be missing"):
        slope_index_of_inequality(data, "q", "pop", "v", se="se", polarity="favourable")
    data["pop"] = 10.0
    with pytest.raises(InputError, match=r"'v'.*greater than zero"):
        slope_index_of_inequality(
            data, "q", "pop", "v", se="se", value_type="rate", polarity="favourable"
        )
    with pytest.raises(InputError, match="once per group"):
        slope_index_of_inequality(
            pd.concat([data, data]), "q", "pop", "v", se="se", polarity="favourable"
        )
