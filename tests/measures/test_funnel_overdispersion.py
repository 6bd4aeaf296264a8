"""Overdispersed funnels (Spiegelhalter 2005): against FunnelPlotR 0.5.0's saved output
(tests/fixtures/funnelplotr, no R needed), closed forms and simulation.

Tolerance against FunnelPlotR: phi, tau2 and z-scores to 1e-6 relative (they agree to about
1e-12); limits to 1e-6 relative plus 1e-5 x multiplier absolute, because FunnelPlotR rounds the
normal quantiles to 1.959964 and 3.090232 (limits move by up to about 3e-7 of their value).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.measures import (
    funnel_overdispersion,
    overdispersed_funnel_limits,
    overdispersed_funnel_points,
)
from analysis.rbridge.funnelplotr import FunnelPlotRResult, from_funnelplotr, funnelplotr_agreement
from analysis.validation import InputError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "funnelplotr"
STATISTICS = {"SR": "standardised_ratio", "PR": "proportion", "RC": "ratio"}
METHODS = {"CQC": "winsorise", "SHMI": "truncate"}
Z95, Z998 = stats.norm.ppf(0.975), stats.norm.ppf(0.999)


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / name)


CASES = _read("cases.csv")


def _case(name: str) -> tuple[pd.DataFrame, FunnelPlotRResult, dict]:
    """The inputs of a fixture case, FunnelPlotR's output under our names, our options."""
    case = CASES.set_index("case").loc[name]
    statistic = STATISTICS[case["data_type"]]
    method = METHODS[case["sr_method"]] if statistic == "standardised_ratio" else "winsorise"
    options = {"statistic": statistic, "method": method, "multiplier": case["multiplier"]}
    parameters = _read("parameters.csv").set_index("case").loc[name]
    result = from_funnelplotr(
        _read("units.csv").query("case == @name"),
        _read("limits.csv").query("case == @name"),
        phi=parameters["phi"],
        tau2=parameters["tau2"],
        adjusted=parameters["adjusted"],
        **options,
    )
    inputs = _read("inputs.csv").query("case == @name").reset_index(drop=True)
    return inputs, result, {**options, "trim": case["trim"]}


def test_fixtures_record_the_funnelplotr_version():
    versions = _read("versions.csv").set_index("software")["version"]
    assert versions["FunnelPlotR"] == "0.5.0"
    assert len(CASES) == 12
    assert set(CASES["data_type"]) == {"SR", "PR", "RC"}


@pytest.mark.parametrize("name", CASES["case"])
def test_agrees_with_funnelplotr_fixtures(name):
    inputs, result, options = _case(name)
    table = funnelplotr_agreement(inputs, "numerator", "denominator", "unit", result, **options)
    if options["statistic"] == "ratio":  # FunnelPlotR's RC limits use another variance
        table = table[~table["quantity"].str.contains("limits")]
    failing = table[~table["agrees"]]
    assert failing.empty, failing.to_string()
    assert (table["values_compared"] > 0).all()
    counts = table.set_index("quantity")["values_compared"]
    assert counts["z"] == len(inputs)
    # only proportion limits at the edge of the scale (0) are left out, a few per quantity
    allowed = 2 if options["statistic"] == "proportion" else 0
    assert (table["missing_on_one_side"] <= allowed).all()


def test_case_with_phi_between_its_limits_shows_the_auto_rule():
    """phi 0.99 with 40 units: tau2 > 0 (I phi > I - 1) yet limits are not widened, as
    FunnelPlotR does; at phi 1.01 they are."""
    for name, widened in (("sr_shmi_phi_below_1", False), ("sr_shmi_phi_above_1", True)):
        inputs, result, options = _case(name)
        fit = funnel_overdispersion(
            inputs, "numerator", "denominator",
            **{k: options[k] for k in ("statistic", "method", "trim")},
        ).iloc[0]  # fmt: skip
        assert fit["tau2"] > 0
        assert bool(fit["overdispersed"]) is widened is bool(result.parameters["adjusted"][0])


@pytest.mark.parametrize("name", ["rc_overdispersed", "rc_no_overdispersion"])
def test_funnelplotr_ratio_of_counts_limits_use_the_square_root_scale_error(name):
    """FunnelPlotR 0.5.0's RC limits are exp(target +/- z sqrt(1/(4 D) + tau2)), with our
    target and tau2; ours, from the delta-method variance of the z-scores, are wider."""
    inputs, result, options = _case(name)
    fit = funnel_overdispersion(inputs, "numerator", "denominator", statistic="ratio").iloc[0]
    x = result.limits["n"].to_numpy()
    target = np.log(fit["target"])
    for prefix, tau2 in (("", fit["tau2"]), ("unadjusted_", 0.0)):
        width = np.sqrt(1 / (4 * x) + tau2)
        np.testing.assert_allclose(
            result.limits[f"{prefix}upper_2s_limit"], np.exp(target + 1.959964 * width),
            rtol=1e-9,
        )  # fmt: skip
        np.testing.assert_allclose(
            result.limits[f"{prefix}lower_3s_limit"], np.exp(target - 3.090232 * width),
            rtol=1e-9,
        )  # fmt: skip
    ours = overdispersed_funnel_limits(
        inputs, "numerator", "denominator", statistic="ratio", at=x, adjust=True
    )
    assert (ours["upper_2s_limit"] > result.limits["upper_2s_limit"]).all()
    assert (ours["lower_2s_limit"] < result.limits["lower_2s_limit"]).all()


# --- closed forms -------------------------------------------------------------------------


def test_phi_and_tau2_by_hand():
    """Square-root scale: z = 2 (sqrt(O) - sqrt(E)) = 2, 2, -4, so phi = 24 / 3 = 8; weights
    4E = 36, 64, 100 give tau2 = (3 x 8 - 2) / (200 - 15392 / 200) = 22 / 123.04."""
    data = pd.DataFrame({"o": [16, 25, 9], "e": [9, 16, 25]})
    fit = funnel_overdispersion(data, "o", "e", statistic="standardised_ratio", trim=0).iloc[0]
    assert fit["phi"] == pytest.approx(8)
    assert fit["tau2"] == pytest.approx(22 / 123.04)
    assert fit["p_value"] == pytest.approx(stats.chi2.sf(24, 3))
    assert fit["target"] == 1 and fit["units_used"] == 3
    points = overdispersed_funnel_points(data, "o", "e", statistic="standardised_ratio", trim=0)
    np.testing.assert_allclose(points["z"], [2, 2, -4])
    # additive: (sqrt(O/E) - 1) / sqrt(1/(4E) + tau2)
    expected = (np.sqrt(data["o"] / data["e"]) - 1) / np.sqrt(1 / (4 * data["e"]) + 22 / 123.04)
    np.testing.assert_allclose(points["z_adjusted"], expected)


def _planted_sr(z: np.ndarray, expected: float = 100.0) -> pd.DataFrame:
    """Units with the given square-root-scale z-scores: O = (sqrt(E) + z / 2)^2."""
    return pd.DataFrame({"o": (np.sqrt(expected) + z / 2) ** 2, "e": expected})


def test_winsorisation_uses_the_type_7_quantiles():
    """Ten z-scores -9, 1, 2, ..., 8, 30: the 10% quantile is at position 1.9 of the sorted
    values (-9 + 0.9 x 10 = 0) and the 90% quantile at 9.1 (8 + 0.1 x 22 = 10.2)."""
    z = np.array([-9, 1, 2, 3, 4, 5, 6, 7, 8, 30], dtype=float)
    points = overdispersed_funnel_points(_planted_sr(z), "o", "e", statistic="standardised_ratio")
    np.testing.assert_allclose(points["z"], z)
    np.testing.assert_allclose(points["z_trimmed"], np.clip(z, 0, 10.2), atol=1e-12)
    fit = funnel_overdispersion(_planted_sr(z), "o", "e", statistic="standardised_ratio")
    assert fit["phi"][0] == pytest.approx(np.mean(np.clip(z, 0, 10.2) ** 2))


@pytest.mark.parametrize(
    ("units", "dropped_low", "dropped_high"),
    [(8, 0, 0), (9, 0, 1), (11, 1, 1), (19, 1, 2), (37, 3, 3), (59, 5, 6)],
)
def test_truncation_drops_units_by_their_rank_position(units, dropped_low, dropped_high):
    """Rank r of I is dropped when r / (I + 1) < 0.1 or >= 0.9 (FunnelPlotR's SHMI rule)."""
    z = np.linspace(-2, 2, units)
    data = pd.DataFrame({"o": 100 * np.exp(z / 10), "e": 100.0})  # log scale: z = 10 log(O/E)
    points = overdispersed_funnel_points(
        data, "o", "e", statistic="standardised_ratio", method="truncate"
    )
    dropped = points["z_trimmed"].isna().to_numpy()
    assert dropped[: units // 2].sum() == dropped_low
    assert dropped[units // 2 :].sum() == dropped_high
    fit = funnel_overdispersion(data, "o", "e", statistic="standardised_ratio", method="truncate")
    assert fit["units_used"][0] == units - dropped_low - dropped_high


def test_unadjusted_standardised_ratio_limits_are_exact_poisson():
    """At a whole number of expected events k, the lower 95% limit L is where observing k or
    more events has probability 0.025 when the mean is k L (and the upper one likewise)."""
    data = _planted_sr(np.zeros(5))
    k = np.array([4.0, 10, 50, 400])
    limits = overdispersed_funnel_limits(
        data, "o", "e", statistic="standardised_ratio", adjust=False, at=k
    )
    np.testing.assert_allclose(stats.poisson.sf(k - 1, k * limits["lower_2s_limit"]), 0.025)
    np.testing.assert_allclose(stats.poisson.cdf(k, k * limits["upper_3s_limit"]), 0.001)
    assert limits["method"].eq("Poisson").all()


def test_proportion_limits_back_transform_the_arcsine_scale():
    data = pd.DataFrame({"x": [20, 30, 25, 40], "n": [100, 100, 100, 100]})  # p0 = 0.2875
    limits = overdispersed_funnel_limits(
        data, "x", "n", statistic="proportion", adjust=False, at=[400], multiplier=100
    )
    middle = np.arcsin(np.sqrt(0.2875))
    expected = 100 * np.sin(middle + Z95 / (2 * np.sqrt(400))) ** 2
    assert limits["upper_2s_limit"][0] == pytest.approx(expected)
    assert limits["target"][0] == pytest.approx(28.75)


def test_multiplicative_limits_are_sqrt_phi_times_wider_on_the_log_scale():
    z = np.array([-6, -3, -1, 0, 0.5, 1, 2, 4, 7], dtype=float)
    data = pd.DataFrame({"o": 100 * np.exp(z / 10), "e": 100.0})
    options = {"statistic": "standardised_ratio", "method": "truncate", "trim": 0}
    phi = funnel_overdispersion(data, "o", "e", **options)["phi"][0]
    limits = overdispersed_funnel_limits(
        data, "o", "e", model="multiplicative", adjust=True, at=[25, 900], **options
    )
    np.testing.assert_allclose(
        np.log(limits["upper_3s_limit"]), Z998 * np.sqrt(phi) / np.sqrt([25, 900])
    )


def test_units_outside_limits_are_those_with_large_adjusted_z():
    """The limits at a unit's denominator and its adjusted z-score tell the same story; for
    ratios of counts nearly always (the limits use the variance at the target, the z-score
    the unit's own), and the exceptions lie close to a limit."""
    rng = np.random.default_rng(7)
    for statistic in ("standardised_ratio", "proportion", "ratio"):
        n = rng.integers(20, 2000, 300).astype(float)
        p = 0.3 * np.exp(rng.normal(0, 0.25, 300))
        data = pd.DataFrame({"o": rng.binomial(n.astype(int), np.minimum(p, 1)), "n": n})
        if statistic == "standardised_ratio":
            data["n"] = data["n"] * 0.3
        points = overdispersed_funnel_points(data, "o", "n", statistic=statistic, adjust=True)
        outside = ~points["significance"].eq("Not significant")
        differ = outside.to_numpy() != (points["z_adjusted"].abs() > Z95).to_numpy()
        if statistic == "ratio":
            assert differ.mean() < 0.03
            assert (np.abs(points["z_adjusted"].abs()[differ] - Z95) < 0.3).all()
        else:
            assert not differ.any()
        high = points["significance"].astype(str).str.startswith("High")
        assert (points.loc[high, "z_adjusted"] > 0).all()


def test_default_axis_spans_every_unit():
    """The limits reach the largest and smallest unit (issue #19: the funnel stopped short)."""
    data = pd.DataFrame({"o": [5, 40, 120, 900, 3000], "e": [4.0, 50, 100, 1000, 2500]})
    limits = overdispersed_funnel_limits(data, "o", "e", statistic="standardised_ratio")
    assert limits["n"].iloc[0] == 4 and limits["n"].iloc[-1] == 2500
    assert len(limits) == 200 and limits["n"].is_monotonic_increasing
    assert limits.filter(like="_limit").notna().all().all()


# --- simulation ---------------------------------------------------------------------------


def _winsorised_normal_second_moment(trim: float) -> float:
    """E[z_w^2] for z ~ N(0, 1) Winsorised at its trim and 1 - trim quantiles."""
    c = stats.norm.ppf(1 - trim)
    return (1 - 2 * trim) - 2 * c * stats.norm.pdf(c) + 2 * trim * c**2


def test_phi_is_one_without_overdispersion():
    """20,000 units drawn without overdispersion: phi is 1 untrimmed (standard error about
    sqrt(2 / 20000) = 0.01), and Winsorising 10% each end lowers it to E[z_w^2] = 0.679."""
    rng = np.random.default_rng(2005)
    expected = rng.uniform(200, 3000, 20_000)
    data = pd.DataFrame({"o": rng.poisson(expected), "e": expected})
    untrimmed = funnel_overdispersion(data, "o", "e", statistic="standardised_ratio", trim=0)
    assert untrimmed["phi"][0] == pytest.approx(1, abs=0.04)
    assert untrimmed["p_value"][0] > 0.001
    winsorised = funnel_overdispersion(data, "o", "e", statistic="standardised_ratio")
    assert winsorised["phi"][0] == pytest.approx(_winsorised_normal_second_moment(0.1), abs=0.03)
    assert not winsorised["overdispersed"][0] and winsorised["tau2"][0] == 0
    n = rng.integers(50, 1000, 20_000)
    proportions = pd.DataFrame({"x": rng.binomial(n, 0.15), "n": n})
    fit = funnel_overdispersion(proportions, "x", "n", statistic="proportion", trim=0)
    assert fit["phi"][0] == pytest.approx(1, abs=0.04)


def test_planted_overdispersion_is_recovered():
    """Ratios with a planted between-unit variance tau2 = 0.01 on the log scale (a log-normal
    random effect): the moment estimator finds it, and phi is about 1 + tau2 x mean(E)."""
    rng = np.random.default_rng(14)
    expected = rng.uniform(500, 5000, 20_000)
    observed = rng.poisson(expected * np.exp(rng.normal(0, 0.1, expected.size)))
    data = pd.DataFrame({"o": observed, "e": expected})
    fit = funnel_overdispersion(
        data, "o", "e", statistic="standardised_ratio", method="truncate", trim=0
    ).iloc[0]
    assert fit["tau2"] == pytest.approx(0.01, rel=0.1)
    assert fit["phi"] == pytest.approx(1 + 0.01 * expected.mean(), rel=0.1)
    assert fit["overdispersed"] and fit["p_value"] < 1e-12


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        ({"o": [1, -2, 3], "e": [1, 2, 3]}, {}, r"'o'.*counts \(x\) must not be negative"),
        ({"o": [1, 2, 3], "e": [1, 0, 3]}, {}, r"'e'.*denominators \(n\) must be greater than zero"),
        ({"o": [1, 2, 3], "e": [1, 2, 3]}, {"statistic": "rate"}, "statistic must be one of"),
        ({"o": [1, 5, 3], "e": [1, 2, 3]}, {"statistic": "proportion"},
         r"must not be greater than denominators \(n\)"),
        ({"o": [0, 2, 3], "e": [1, 2, 3]}, {"method": "truncate"}, "at least one event"),
        ({"o": [1, 2, 3], "e": [1, 2, 3]}, {"trim": 0.5}, "trim must be"),
        ({"o": [1, 2], "e": [1, 2]}, {}, "at least 3 units"),
        ({"o": [1, 2, 3], "e": [3, 3, 3]}, {"statistic": "ratio", "method": "truncate"},
         "standardised_ratio"),
        ({"o": [1, None, 3], "e": [1, 2, 3]}, {}, "'o'.*must not be missing"),
    ],
)  # fmt: skip
def test_invalid_input_is_refused(data, options, message):
    options = {"statistic": "standardised_ratio", **options}
    with pytest.raises(InputError, match=message):
        funnel_overdispersion(pd.DataFrame(data), x="o", n="e", **options)


def test_invalid_options_are_refused():
    data = pd.DataFrame({"o": [1, 2, 3], "e": [1, 2, 3]})
    with pytest.raises(InputError, match="adjust must be"):
        overdispersed_funnel_points(data, "o", "e", statistic="standardised_ratio", adjust="x")
    with pytest.raises(InputError, match="model must be"):
        overdispersed_funnel_limits(data, "o", "e", statistic="standardised_ratio", model="x")
    with pytest.raises(InputError, match="at must be"):
        overdispersed_funnel_limits(data, "o", "e", statistic="standardised_ratio", at=[0, 1])


@pytest.mark.parametrize(
    ("statistic", "described"),
    [
        ("standardised_ratio", "standardised ratio"),
        ("proportion", "proportion"),
        ("ratio", "ratio of counts"),
    ],
)
def test_statistic_column_describes_the_indicator(statistic, described):
    """``statistic`` is a description (FunnelPlotR's SR, PR, RC), not the argument's code."""
    data = pd.DataFrame({"o": [30, 52, 18, 45, 60, 25], "e": [35.0, 90, 30, 94, 100, 53]})
    fit = funnel_overdispersion(data, "o", "e", statistic=statistic)
    assert fit["statistic"].tolist() == [described]
    limits = overdispersed_funnel_limits(data, "o", "e", statistic=statistic, points=2)
    assert (limits["statistic"] == described).all()
    scaled = overdispersed_funnel_limits(
        data, "o", "e", statistic=statistic, points=2, multiplier=100
    )
    assert (scaled["statistic"] == f"{described} x 100").all()
