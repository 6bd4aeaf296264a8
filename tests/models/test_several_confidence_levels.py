"""The models at several confidence levels: one pair of limit columns per level, from one fit.

Independent values: statsmodels' own ``conf_int(alpha)`` of a formula-built GLM, base R's
``confint.default()`` (committed in ``tests/fixtures/r_glm``), the closed-form Wald limits of
a 2 x 2 table's log odds ratio, and the noncentral chi-squared power in closed form.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import statsmodels.api as sm  # noqa: E402
import statsmodels.formula.api as smf  # noqa: E402
from scipy import stats  # noqa: E402

from analysis.models import (  # noqa: E402
    binary_model,
    interaction_power,
    maihda,
    overdispersion,
    rate_model,
    standardised_predictions,
    trend_test,
)
from analysis.models.plots import caterpillar_plot, forest_plot, predicted_chart  # noqa: E402
from analysis.validation import InputError  # noqa: E402
from tests.models.conftest import simulate_people  # noqa: E402

LEVELS = [0.95, 0.998]
PAIRS = [("lower95_0cl", "upper95_0cl"), ("lower99_8cl", "upper99_8cl")]
PREDICTORS = ["quintile", "sex", "age_group"]
FIXTURES = Path(__file__).parents[1] / "fixtures" / "r_glm"


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return simulate_people(20_000, seed=3)


def _statsmodels_limits(fit, alpha: float) -> pd.DataFrame:
    """statsmodels' limits of the same model built from a formula, named as our terms."""
    limits = fit.conf_int(alpha=alpha)
    names = {
        name: name.replace("C(quintile, Treatment(5))[T.", "quintile=")
        .replace("sex[T.", "sex=")
        .replace("age_group[T.", "age_group=")
        .removesuffix("]")
        for name in limits.index
    }
    return np.exp(limits.rename(index=names).drop(index="Intercept"))


def test_rate_and_binary_models_match_statsmodels_conf_int_at_each_level(people):
    formula = "C(quintile, Treatment(5)) + sex + age_group"
    ours = {
        "rate": rate_model(
            people, "deaths", "years", PREDICTORS, reference={"quintile": 5}, confidence=LEVELS
        ).table.set_index("term"),
        "binary": binary_model(
            people, "late", PREDICTORS, reference={"quintile": 5}, confidence=LEVELS
        ).table.set_index("term"),
    }
    theirs = {
        "rate": smf.glm(f"deaths ~ {formula}", data=people, family=sm.families.Poisson(),
                        offset=np.log(people["years"])).fit(),
        "binary": smf.glm(f"late ~ {formula}", data=people,
                          family=sm.families.Binomial()).fit(),
    }  # fmt: skip
    for model, table in ours.items():
        assert set(table["confidence"]) == {"95%, 99.8%"}
        for level, (lower, upper) in zip(LEVELS, PAIRS, strict=True):
            expected = _statsmodels_limits(theirs[model], 1 - level).loc[table.index]
            np.testing.assert_allclose(table[lower], expected[0], rtol=1e-6)
            np.testing.assert_allclose(table[upper], expected[1], rtol=1e-6)
        # 99.8% limits are wider than, and so differ from, the 95% limits
        assert (table["lower99_8cl"] < table["lower95_0cl"]).all()
        assert (table["upper99_8cl"] > table["upper95_0cl"]).all()


@pytest.mark.parametrize("model", ["rate", "binary"])
def test_limits_equal_r_confint_default_at_95_and_99_8_percent(model):
    data = pd.read_csv(FIXTURES / "input.csv")
    expected = pd.read_csv(FIXTURES / "limits.csv").query("model == @model")
    if model == "rate":
        fit = rate_model(data, "deaths", "years", PREDICTORS, reference={"quintile": 5},
                         confidence=LEVELS)  # fmt: skip
    else:
        fit = binary_model(data, "late", PREDICTORS, n="people", reference={"quintile": 5},
                           confidence=LEVELS)  # fmt: skip
    table = fit.table.set_index("term")
    for level, (lower, upper) in zip(LEVELS, PAIRS, strict=True):
        r = expected[np.isclose(expected["confidence"], level)].set_index("term")
        assert len(r) == len(table) == 7
        np.testing.assert_allclose(table["coefficient"], r.loc[table.index, "coefficient"],
                                   atol=1e-8, rtol=0)  # fmt: skip
        np.testing.assert_allclose(np.log(table[lower]), r.loc[table.index, "lower"],
                                   atol=1e-8, rtol=0)  # fmt: skip
        np.testing.assert_allclose(np.log(table[upper]), r.loc[table.index, "upper"],
                                   atol=1e-8, rtol=0)  # fmt: skip


def test_two_by_two_odds_ratio_limits_are_the_closed_form_wald_limits_at_each_level():
    """Woolf's log odds ratio: SE = sqrt(1/a + 1/b + 1/c + 1/d), limits exp(log OR -/+ z SE)."""
    data = pd.DataFrame({"g": ["exposed", "ref"], "x": [30, 20], "n": [100, 120]})
    table = binary_model(data, "x", ["g"], n="n", reference={"g": "ref"}, confidence=LEVELS)
    row = table.table.iloc[0]
    log_or = np.log((30 / 70) / (20 / 100))
    se = np.sqrt(1 / 30 + 1 / 70 + 1 / 20 + 1 / 100)
    for z, (lower, upper) in zip((1.959963984540054, 3.090232306167813), PAIRS, strict=True):
        assert row[lower] == pytest.approx(np.exp(log_or - z * se), rel=1e-9)
        assert row[upper] == pytest.approx(np.exp(log_or + z * se), rel=1e-9)


def test_a_two_level_fit_gives_the_limits_of_each_single_level_fit(people):
    both = rate_model(people, "deaths", "years", PREDICTORS, confidence=[95, 99.8]).table
    for level, (lower, upper) in zip(LEVELS, PAIRS, strict=True):
        one = rate_model(people, "deaths", "years", PREDICTORS, confidence=level).table
        assert set(one["confidence"]) == {f"{level:.1%}".replace(".0%", "%")}
        np.testing.assert_array_equal(both[lower], one["lowercl"])
        np.testing.assert_array_equal(both[upper], one["uppercl"])
    assert "lowercl" not in both


def test_trend_test_and_overdispersion_carry_every_level(people):
    fit = rate_model(people, "deaths", "years", PREDICTORS, confidence=LEVELS)
    trend = trend_test(people, fit, "quintile")
    assert {c for pair in PAIRS for c in pair} <= set(trend.columns)
    over = overdispersion(fit).iloc[0]
    # the Wald limits of log alpha at both levels share one standard error
    z95, z998 = stats.norm.ppf([0.975, 0.999])
    width95 = np.log(over["alpha_upper95_0cl"]) - np.log(over["alpha_lower95_0cl"])
    width998 = np.log(over["alpha_upper99_8cl"]) - np.log(over["alpha_lower99_8cl"])
    assert width998 / width95 == pytest.approx(z998 / z95, rel=1e-9)


def test_standardised_predictions_at_each_level(people):
    fit = binary_model(people, "late", PREDICTORS, confidence=LEVELS)
    delta = standardised_predictions(fit, "quintile")
    single = standardised_predictions(binary_model(people, "late", PREDICTORS), "quintile")
    se = (single["uppercl"] - single["lowercl"]) / (2 * stats.norm.ppf(0.975))
    z998 = stats.norm.ppf(0.999)
    np.testing.assert_allclose(delta["lower99_8cl"], delta["value"] - z998 * se, rtol=1e-9)
    np.testing.assert_allclose(delta["upper95_0cl"], single["uppercl"], rtol=1e-12)
    sim = standardised_predictions(fit, "quintile", method="simulation", seed=4)
    assert set(sim["confidence"]) == {"95%, 99.8%"}
    assert (sim["lower99_8cl"] < sim["lower95_0cl"]).all()
    assert (sim["upper99_8cl"] > sim["upper95_0cl"]).all()
    # simulation percentiles approximate the delta-method limits at both levels
    width = (delta["upper99_8cl"] - delta["lower99_8cl"]).max()
    np.testing.assert_allclose(sim["lower99_8cl"], delta["lower99_8cl"], atol=0.15 * width)


def test_maihda_gives_every_interval_at_each_level():
    people = simulate_people(20_000, 2)
    both = maihda(people, PREDICTORS, "late", confidence=LEVELS)
    one = maihda(people, PREDICTORS, "late", confidence=0.998)
    for name in ("sigma2_u", "vpc"):
        np.testing.assert_allclose(both.summary[f"{name}_lower99_8cl"],
                                   one.summary[f"{name}_lowercl"], rtol=1e-12)  # fmt: skip
        assert (both.summary[f"{name}_lower99_8cl"] <= both.summary[f"{name}_lower95_0cl"]).all()
    np.testing.assert_allclose(both.strata["upper99_8cl"], one.strata["uppercl"], rtol=1e-12)
    np.testing.assert_allclose(both.strata["interaction_lower99_8cl"],
                               one.strata["interaction_lowercl"], rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(both.fixed_effects["lower99_8cl"],
                               one.fixed_effects["lowercl"], rtol=1e-12)  # fmt: skip
    assert set(both.summary["confidence"]) == {"95%, 99.8%"}
    # the stratum variance's limits are Wald limits of log sigma_u, squared
    null = both.summary.iloc[0]
    z95, z998 = stats.norm.ppf([0.975, 0.999])
    ratio95 = np.log(null["sigma2_u_upper95_0cl"] / null["sigma2_u"])
    ratio998 = np.log(null["sigma2_u_upper99_8cl"] / null["sigma2_u"])
    assert ratio998 / ratio95 == pytest.approx(z998 / z95, rel=1e-9)


def test_interaction_power_gives_one_row_per_level_in_closed_form():
    grid = pd.DataFrame({"a": [0, 0, 1, 1], "b": [0, 1, 0, 1], "x": [50] * 4,
                         "n": [100] * 4, "delta": [0, 0, 0, 1.0]})  # fmt: skip
    out = interaction_power(grid, "delta", ["a", "b"], x="x", n="n", confidence=LEVELS)
    assert list(out["confidence"]) == ["95%", "99.8%"]
    # weights n p (1 - p) = 25, residual +-1/4 in every cell: noncentrality 4 x 25 / 16
    lam = 25 / 4
    expected = stats.ncx2.sf(stats.chi2.ppf(LEVELS, 1), 1, lam)
    np.testing.assert_allclose(out["power_targeted"], expected, rtol=1e-12)
    assert out.loc[1, "power_targeted"] < out.loc[0, "power_targeted"]


def test_charts_draw_the_level_asked_for_and_refuse_to_guess(people):
    fit = binary_model(people, "late", PREDICTORS, confidence=LEVELS)
    with pytest.raises(InputError, match="several levels"):
        forest_plot(fit.table)
    plot = forest_plot(fit.table, confidence=0.998)
    assert plot.mapping["ymin"] == "lower99_8cl" and "99.8% confidence" in plot.labels.y
    with pytest.raises(InputError, match="no limits at that level"):
        forest_plot(fit.table, confidence=0.9)
    chart = predicted_chart(standardised_predictions(fit, "quintile"), confidence=0.95)
    assert chart.mapping["ymax"] == "upper95_0cl" and "95% CI" in chart.labels.y
    strata = maihda(simulate_people(20_000, 2), PREDICTORS, "late", confidence=LEVELS).strata
    caterpillar = caterpillar_plot(strata, value="interaction", confidence=0.998)
    assert caterpillar.mapping["ymin"] == "interaction_lower99_8cl"
    single = forest_plot(binary_model(people, "late", PREDICTORS).table)
    assert single.mapping["ymin"] == "lowercl" and "95% confidence" in single.labels.y
