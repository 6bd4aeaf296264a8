"""Rate funnels allowing for overdispersion: the rate as a standardised ratio against the
overall rate, checked against the PHEindicatormethods-style rate funnel (``funnel_points``,
``funnel_limits``) and the exact Poisson definition of the limits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.measures import (
    funnel_limits,
    funnel_overdispersion,
    funnel_points,
    overdispersed_rate_funnel_limits,
    overdispersed_rate_funnel_points,
)
from analysis.validation import InputError

OPTIONS = {"multiplier": 100_000, "years_of_data": 5}


@pytest.fixture
def practices() -> pd.DataFrame:
    rng = np.random.default_rng(19)
    person_years = rng.uniform(5_000, 90_000, 120)
    deaths = rng.poisson(person_years * 0.003 * np.exp(rng.normal(0, 0.15, 120))) + 10
    dsr = 1e5 * deaths / person_years * rng.uniform(0.9, 1.1, 120)  # standardisation moves it
    return pd.DataFrame({"practice": np.arange(120), "deaths": deaths, "dsr": dsr})


def test_population_and_baseline_are_those_of_the_pheindicatormethods_rate_funnel(practices):
    ours = overdispersed_rate_funnel_points(practices, "deaths", "dsr", **OPTIONS)
    theirs = funnel_points(practices, "deaths", "dsr", rate_type="dsr", **OPTIONS)
    np.testing.assert_allclose(ours["population_1_year"], theirs["denominator_derived"])
    limits = overdispersed_rate_funnel_limits(practices, "deaths", "dsr", **OPTIONS)
    phe = funnel_limits(practices, "deaths", statistic="rate", rate="dsr", rate_type="dsr",
                        **OPTIONS)  # fmt: skip
    assert limits["baseline"].iloc[0] == pytest.approx(phe["baseline"].iloc[0])
    # the rate against the baseline is the standardised ratio O / E
    np.testing.assert_allclose(
        ours["dsr"] / limits["baseline"].iloc[0], ours["deaths"] / ours["expected"]
    )


def test_a_rate_column_named_value_is_kept(practices):
    """The rate column keeps its values whatever it is called (DSR output calls it value)."""
    renamed = practices.rename(columns={"dsr": "value"})
    points = overdispersed_rate_funnel_points(renamed, "deaths", "value", **OPTIONS)
    np.testing.assert_array_equal(points["value"], practices["dsr"])
    assert list(points.columns[:3]) == ["practice", "deaths", "value"]


def test_limits_span_every_practice(practices):
    """Issue #19: both limits reach the largest practice (and the smallest)."""
    points = overdispersed_rate_funnel_points(practices, "deaths", "dsr", **OPTIONS)
    limits = overdispersed_rate_funnel_limits(practices, "deaths", "dsr", **OPTIONS)
    assert limits["population_1_year"].iloc[0] == pytest.approx(points["population_1_year"].min())
    assert limits["population_1_year"].iloc[-1] == pytest.approx(points["population_1_year"].max())
    assert limits.filter(like="_limit").notna().all().all()


def test_unadjusted_limits_are_exact_poisson_around_the_baseline(practices):
    """At the axis point where E events are expected, P(Poisson(E L / r0) >= E) = 0.025 for
    the lower 95% limit L (a whole E is not needed: the gamma form of the Poisson tail)."""
    limits = overdispersed_rate_funnel_limits(practices, "deaths", "dsr", adjust=False, **OPTIONS)
    baseline = limits["baseline"].iloc[0]
    expected = limits["population_1_year"] * OPTIONS["years_of_data"] * baseline / 1e5
    lower = limits["lower_2s_limit"] / baseline
    np.testing.assert_allclose(stats.gamma.cdf(expected * lower, expected), 0.025)
    upper = limits["upper_3s_limit"] / baseline
    np.testing.assert_allclose(stats.gamma.sf(expected * upper, expected + 1), 0.001)


def test_overdispersion_widens_the_limits_and_matches_the_ratio_fit(practices):
    adjusted = overdispersed_rate_funnel_limits(practices, "deaths", "dsr", adjust=True, **OPTIONS)
    plain = overdispersed_rate_funnel_limits(practices, "deaths", "dsr", adjust=False, **OPTIONS)
    # where the between-practice variance dominates (the larger half of the axis); at the
    # smallest populations the normal approximation can sit just inside the exact limits
    larger = slice(len(adjusted) // 2, None)
    assert (adjusted["upper_3s_limit"][larger] > plain["upper_3s_limit"][larger]).all()
    assert (adjusted["lower_3s_limit"][larger] < plain["lower_3s_limit"][larger]).all()
    points = overdispersed_rate_funnel_points(practices, "deaths", "dsr", **OPTIONS)
    fit = funnel_overdispersion(points, "deaths", "expected", statistic="standardised_ratio")
    assert adjusted["phi"].iloc[0] == pytest.approx(fit["phi"][0])
    assert adjusted["tau2"].iloc[0] == pytest.approx(fit["tau2"][0])
    assert adjusted["adjusted"].all() and not plain["adjusted"].any()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"deaths": 0}, "at least one event"),
        ({"dsr": np.nan}, "'dsr'.*must not be missing"),
        ({"dsr": -1.0}, "greater than zero"),
    ],
)
def test_invalid_units_are_refused(practices, change, message):
    bad = practices.copy()
    column, value = next(iter(change.items()))
    bad.loc[3, column] = value
    with pytest.raises(InputError, match=message):
        overdispersed_rate_funnel_points(bad, "deaths", "dsr", **OPTIONS)


def test_years_of_data_must_be_positive(practices):
    with pytest.raises(InputError, match="years_of_data"):
        overdispersed_rate_funnel_limits(
            practices, "deaths", "dsr", multiplier=100_000, years_of_data=0
        )
