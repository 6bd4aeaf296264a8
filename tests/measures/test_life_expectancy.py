"""Life expectancy (Chiang II, Silcocks variance) against independent expected values.

Independent checks:
- the PHE life expectancy calculator's worked example, as published with the tests of
  PHEindicatormethods (``tests/testthat/testLifeExpectancy.R``, ``answer1``: life expectancy
  and 95% limits at every age; the limits there were computed with z = 1.96);
- a closed form: with the same death rate m in every band, Chiang's table gives e = 1/m at
  every age (the a = 0.5 and a = 0.1 approximations make L = d / m in each band);
- a base-R life table written in this file from the published formulas, run through rpy2.

``LE_testdata.csv`` in the shared reference folder holds published life expectancies with
standard errors by local authority, sex and decile, but not the deaths and populations by
age band behind them, so it cannot check the life table itself. The life table is compared
with PHEindicatormethods itself on generated deaths and populations in
test_life_expectancy_agrees_with_pheindicatormethods_fixtures.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.measures.life_expectancy import (
    REASON_DEATHS_ABOVE_POPULATION,
    REASON_NO_OLD_DEATHS,
    REASON_NO_SURVIVORS,
    REASON_SMALL,
    REASON_WIDE_CI,
    REASON_ZERO_POPULATION,
    chiang_life_table,
    life_expectancy,
)
from analysis.standards import LIFE_TABLE_AGE_BANDS, LIFE_TABLE_START_AGES
from analysis.validation import InputError

DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605, 1936, 1937]
POPULATION = [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209, 56416,
              46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936]  # fmt: skip

# PHE life expectancy calculator worked example (published with PHEindicatormethods' tests).
EXPECTED_VALUE = [80.16960813, 79.36245674, 75.44193645, 70.47299936, 65.52909542, 60.67510088,
                  55.78835987, 50.92752727, 46.06740425, 41.24505636, 36.49322717, 31.83343842,
                  27.26027992, 22.9719144, 18.76856852, 14.95858336, 11.51684445, 8.618849241,
                  6.163942934, 6.16210635]  # fmt: skip
EXPECTED_LOWER = [79.88268548, 79.0898816, 75.17407307, 70.20675732, 65.26548673, 60.41876577,
                  55.53801579, 50.68279939, 45.82666794, 41.00842831, 36.26223216, 31.60996318,
                  27.04337271, 22.76653134, 18.57570352, 14.77985004, 11.34831778, 8.451134045,
                  5.978358351, 5.887683386]  # fmt: skip
EXPECTED_UPPER = [80.45653078, 79.63503188, 75.70979983, 70.7392414, 65.79270412, 60.931436,
                  56.03870395, 51.17225516, 46.30814055, 41.48168441, 36.72422219, 32.05691365,
                  27.47718713, 23.17729746, 18.96143352, 15.13731667, 11.68537112, 8.786564437,
                  6.349527517, 6.436529314]  # fmt: skip


def example(area: str | None = None) -> pd.DataFrame:
    df = pd.DataFrame(
        {"age_band": LIFE_TABLE_AGE_BANDS, "deaths": DEATHS, "population": POPULATION}
    )
    if area is not None:
        df.insert(0, "area", area)
    return df


def test_matches_phe_calculator_worked_example_values_and_limits() -> None:
    out = life_expectancy(example(), "deaths", "population")
    assert out["age_band"].astype(str).tolist() == list(LIFE_TABLE_AGE_BANDS)
    np.testing.assert_allclose(out["value"], EXPECTED_VALUE, rtol=0, atol=1e-7)
    # the calculator used z = 1.96: our standard error reproduces its limits exactly ...
    np.testing.assert_allclose(out["value"] - 1.96 * out["se"], EXPECTED_LOWER, atol=1e-7)
    np.testing.assert_allclose(out["value"] + 1.96 * out["se"], EXPECTED_UPPER, atol=1e-7)
    # ... and our limits (exact normal quantile) agree to 4 decimals, as the R package's do
    np.testing.assert_allclose(out["lowercl"], EXPECTED_LOWER, atol=1e-4)
    np.testing.assert_allclose(out["uppercl"], EXPECTED_UPPER, atol=1e-4)
    assert (out["confidence"] == "95%").all()
    assert (
        out["statistic"].iloc[2] == "life expectancy at 5"
    )  # the start age, as PHEindicatormethods
    assert out["suppression_reason"].isna().all()


def test_used_populations_and_deaths_are_totals_at_and_above_each_age() -> None:
    out = life_expectancy(example(), "deaths", "population", le_age=["0", "85-89"])
    assert out["pops_used"].tolist() == [sum(POPULATION), POPULATION[-2] + POPULATION[-1]]
    assert out["dths_used"].tolist() == [sum(DEATHS), DEATHS[-2] + DEATHS[-1]]


def test_numeric_start_ages_and_custom_labels_give_the_same_table() -> None:
    by_label = life_expectancy(example(), "deaths", "population")
    numeric = example().assign(age_band=LIFE_TABLE_START_AGES)
    by_age = life_expectancy(numeric, "deaths", "population", le_age=[0, 90])
    np.testing.assert_allclose(by_age["value"], by_label["value"].iloc[[0, 19]])
    custom = [f"age {x}" for x in LIFE_TABLE_START_AGES]
    renamed = example().assign(age_band=custom).iloc[::-1]
    by_custom = life_expectancy(renamed, "deaths", "population", age_labels=custom)
    np.testing.assert_allclose(by_custom["value"], by_label["value"])


def test_age_labels_out_of_order_raise_instead_of_a_wrong_life_expectancy() -> None:
    """Issue #15: labels matched to bands by position, given out of order, gave e0 = 80.1676
    (the right value is 80.1696); now they raise, naming the order to use."""
    swapped = list(LIFE_TABLE_AGE_BANDS)
    swapped[1], swapped[2] = swapped[2], swapped[1]
    with pytest.raises(InputError, match=r"youngest first.*\['0', '1-4', '5-9'"):
        life_expectancy(example(), "deaths", "population", age_labels=swapped)
    custom = [f"age {x}" for x in LIFE_TABLE_START_AGES]
    with pytest.raises(InputError, match="youngest first"):
        life_expectancy(
            example().assign(age_band=custom), "deaths", "population", age_labels=custom[::-1]
        )
    out = life_expectancy(example(), "deaths", "population", age_labels=LIFE_TABLE_AGE_BANDS)
    assert out["value"].iloc[0] == pytest.approx(80.16960813, abs=1e-7)


def test_age_labels_without_start_ages_are_taken_as_given() -> None:
    labels = ["<1", *(f"band {chr(97 + i)}" for i in range(19))]  # no start age to check
    out = life_expectancy(
        example().assign(age_band=labels), "deaths", "population", age_labels=labels
    )
    np.testing.assert_allclose(out["value"], EXPECTED_VALUE, atol=1e-7)


def test_several_confidence_levels_give_one_pair_of_columns_each() -> None:
    out = life_expectancy(example(), "deaths", "population", confidence=[0.95, 0.998])
    assert {"lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"} <= set(out.columns)
    assert (out["lower99_8cl"] < out["lower95_0cl"]).all()
    assert (out["confidence"] == "95%, 99.8%").all()


def test_constant_death_rate_gives_closed_form_life_expectancy() -> None:
    rate = np.array([0.002, 0.01, 0.05])
    population = np.full((3, 20), 50_000.0)
    table = chiang_life_table(population * rate[:, None], population)
    np.testing.assert_allclose(table.life_expectancy, np.repeat(1 / rate[:, None], 20, 1))


def test_groups_rows_order_and_splitting_across_calls_do_not_change_results() -> None:
    rng = np.random.default_rng(3)
    frames = []
    for area in ["a", "b", "c"]:
        df = example(area)
        df["deaths"] = rng.poisson(np.array(DEATHS) * rng.uniform(0.6, 1.4))
        df.loc[19, "deaths"] = max(df.loc[19, "deaths"], 1)
        frames.append(df)
    data = pd.concat(frames, ignore_index=True)
    together = life_expectancy(data.sample(frac=1, random_state=1), "deaths", "population",
                               group_by="area")  # fmt: skip
    for area in ["a", "b", "c"]:
        alone = life_expectancy(data[data["area"] == area], "deaths", "population")
        mine = together[together["area"] == area]
        np.testing.assert_allclose(mine["value"], alone["value"], rtol=1e-12)
        np.testing.assert_allclose(mine["uppercl"], alone["uppercl"], rtol=1e-12)


@pytest.mark.parametrize(
    ("band", "column", "new", "reason"),
    [
        (5, "population", 0, REASON_ZERO_POPULATION),
        (18, "population", 119, REASON_DEATHS_ABOVE_POPULATION),
        (19, "deaths", 0, REASON_NO_OLD_DEATHS),
    ],
)
def test_invalid_band_suppresses_the_group_and_says_why(band, column, new, reason) -> None:
    bad = example("bad")
    bad.loc[band, column] = new
    data = pd.concat([example("good"), bad], ignore_index=True)
    out = life_expectancy(data, "deaths", "population", group_by="area")
    flagged = out[out["area"] == "bad"]
    assert flagged[["value", "lowercl", "uppercl"]].isna().all().all()
    assert (flagged["suppression_reason"] == reason).all()
    np.testing.assert_allclose(out.loc[out["area"] == "good", "value"], EXPECTED_VALUE, atol=1e-7)


def test_total_population_of_5000_or_fewer_is_suppressed() -> None:
    small = example().assign(population=250, deaths=[1] * 20)  # 20 x 250 = 5,000
    out = life_expectancy(small, "deaths", "population")
    assert out["value"].isna().all() and (out["suppression_reason"] == REASON_SMALL).all()
    out = life_expectancy(small.assign(population=251), "deaths", "population")
    assert out["suppression_reason"].ne(REASON_SMALL).all()


def test_confidence_interval_wider_than_20_years_withholds_only_the_value() -> None:
    sparse = example().assign(population=300, deaths=[0] * 19 + [1])
    out = life_expectancy(sparse, "deaths", "population", le_age="90+")
    assert np.isnan(out["value"].iloc[0])
    assert out["uppercl"].iloc[0] - out["lowercl"].iloc[0] > 20
    assert out["suppression_reason"].iloc[0] == REASON_WIDE_CI


def test_missing_age_band_is_an_error_naming_the_group_and_band() -> None:
    data = pd.concat([example("complete"), example("short").drop(index=7)])
    with pytest.raises(InputError, match=r"area='short': missing \['30-34'\]"):
        life_expectancy(data, "deaths", "population", group_by="area")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(deaths=d["deaths"].where(d.index != 3, -5)), "must not be negative"),
        (lambda d: d.assign(deaths=d["deaths"].astype(float).where(d.index != 3)), "missing"),
        (lambda d: pd.concat([d, d.iloc[[4]]]), "band is repeated"),
        (lambda d: d.assign(age_band=d["age_band"].replace("90+", "90 +")), "must be one of"),
    ],
)
def test_invalid_input_raises_a_clear_error(change, message) -> None:
    with pytest.raises(InputError, match=message):
        life_expectancy(change(example()), "deaths", "population")


def test_ages_no_one_reaches_are_withheld_not_reported_as_zero() -> None:
    df = example().assign(deaths=lambda d: d["deaths"].where(d.index != 17, 12_000))
    out = life_expectancy(df, "deaths", "population")  # q = 1 in 80-84: nobody reaches 85
    assert out["value"].iloc[:18].notna().all()
    assert out["value"].iloc[18:].isna().all()
    assert (out["suppression_reason"].iloc[18:] == REASON_NO_SURVIVORS).all()


def test_unknown_le_age_and_missing_column_are_errors() -> None:
    with pytest.raises(InputError, match="le_age"):
        life_expectancy(example(), "deaths", "population", le_age="4")
    with pytest.raises(InputError, match="missing column"):
        life_expectancy(example(), x="died", n="population")


@settings(max_examples=40, deadline=None)
@given(
    # up to 2.5 times the example's deaths, so twice them stays below the population of the
    # oldest bands (11,936): more deaths than population would withhold the value
    scale=st.floats(0.3, 2.5),
    seed=st.integers(0, 10_000),
    level=st.sampled_from([0.9, 0.95, 0.99, 0.998]),
)
def test_properties_limits_bracket_value_and_more_deaths_shorten_life(scale, seed, level) -> None:
    rng = np.random.default_rng(seed)
    deaths = rng.poisson(np.array(DEATHS) * scale) + 1
    df = example().assign(deaths=deaths)
    out = life_expectancy(df, "deaths", "population", confidence=level)
    published = out["value"].notna()
    assert published.iloc[0]
    assert (out.loc[published, "lowercl"] <= out.loc[published, "value"]).all()
    assert (out.loc[published, "value"] <= out.loc[published, "uppercl"]).all()
    worse = life_expectancy(df.assign(deaths=deaths * 2), "deaths", "population", le_age="0")
    assert worse["value"].iloc[0] < out["value"].iloc[0]


BASE_R_LIFE_TABLE = """
function(deaths, pops) {
  # Chiang II abridged life table with Silcocks' final-band variance, from the formulas in
  # the PHE technical guide; written independently of the Python implementation.
  k <- length(deaths); start <- c(0, 1, seq(5, 90, 5)); n <- c(diff(start), NA)
  a <- ifelse(start == 0, 0.1, 0.5); M <- deaths / pops
  q <- pmin(n * M / (1 + n * (1 - a) * M), 1); q[k] <- 1
  l <- 100000 * cumprod(c(1, 1 - q[-k])); d <- l - c(l[-1], 0)
  L <- n * (c(l[-1], 0) + a * d); L[k] <- l[k] / M[k]
  Tx <- rev(cumsum(rev(L))); e <- Tx / l
  vp <- ifelse(d > 0, q^2 * (1 - q) / deaths, 0)
  w <- vp * l^2 * ((1 - a) * n + c(e[-1], 0))^2
  w[k] <- (l[k] / 2)^2 * 4 / (deaths[k] * M[k]^2)
  se <- sqrt(rev(cumsum(rev(w))) / l^2)
  c(e, se)
}
"""


def test_agrees_with_base_r_life_table_from_published_formulas() -> None:
    session = pytest.importorskip("analysis.rbridge.session")
    if not session.r_available():
        pytest.skip("R (with rpy2) is not available")
    import rpy2.robjects as ro

    r_table = ro.r(BASE_R_LIFE_TABLE)
    rng = np.random.default_rng(11)
    frames, expected = [], []
    for g in range(6):
        population = rng.integers(1_000, 60_000, size=20)
        rate = 0.00005 * np.exp(0.09 * np.array(LIFE_TABLE_START_AGES)) * rng.uniform(0.5, 2)
        deaths = np.maximum(rng.poisson(population * rate), 0)
        deaths[-1] = max(deaths[-1], 1)
        frames.append(pd.DataFrame({"g": g, "age_band": LIFE_TABLE_AGE_BANDS,
                                    "deaths": deaths, "population": population}))  # fmt: skip
        result = np.asarray(r_table(ro.FloatVector(deaths), ro.FloatVector(population)))
        expected.append(result.reshape(2, 20))
    expected = np.stack(expected)
    out = life_expectancy(pd.concat(frames), "deaths", "population", group_by="g")
    np.testing.assert_allclose(out["se"].to_numpy().reshape(6, 20), expected[:, 1], rtol=1e-10)
    shown = out["value"].notna().to_numpy()
    np.testing.assert_allclose(out["value"][shown], expected[:, 0].ravel()[shown], rtol=1e-12)
    assert shown.sum() > 100
