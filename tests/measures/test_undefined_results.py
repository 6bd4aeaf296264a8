"""Functions never return a number, or NA, without saying why (issue 18, item 7).

An infinite count or denominator is an input error; a mean of one value states why its limits
are NA; PAF limits are computed whenever the estimates' scale is known (and an error names the
scale otherwise); standardised shares of adults only leave out the empty child bands; strata
with nobody at risk give an NA rate with the empty bands named.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.inequality import summary_measures
from analysis.measures import (
    crude_rate,
    directly_standardised_rate,
    indirectly_standardised_ratio,
    mean,
    proportion,
)
from analysis.measures.strata import complete_strata, standardised_rate_of_strata
from analysis.segmentation import segment_shares
from analysis.standards import ESP2013_AGE_BANDS, ESP2013_WEIGHTS
from analysis.validation import InputError

# --- infinite inputs ------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["raise", "na"])
@pytest.mark.parametrize("measure", [proportion, crude_rate])
def test_an_infinite_denominator_is_an_input_error_naming_the_column(measure, missing):
    data = pd.DataFrame({"area": ["A", "B"], "x": [3, 4], "n": [100.0, np.inf]})
    with pytest.raises(InputError, match=r"column 'n': must be a finite number, not inf") as err:
        measure(data, "x", "n", group_by="area", missing=missing)
    assert "B" in str(err.value)  # the example row is shown


def test_infinite_counts_and_populations_raise_in_standardised_rates():
    bands = list(ESP2013_AGE_BANDS)
    data = pd.DataFrame({"age_band": bands, "x": 10.0, "n": 1000.0})
    with pytest.raises(InputError, match=r"column 'n': must be a finite number"):
        directly_standardised_rate(data.assign(n=[np.inf] + [1000.0] * 18), "x", "n")
    with pytest.raises(InputError, match=r"column 'x': must be a finite number"):
        directly_standardised_rate(data.assign(x=[np.inf] + [10.0] * 18), "x", "n", missing="zero")
    with pytest.raises(InputError, match=r"column 'v': must be a finite number"):
        mean(pd.DataFrame({"v": [1.0, -np.inf]}), "v")
    reference = pd.Series(100.0, index=bands)
    with pytest.raises(InputError, match=r"column 'n': must be a finite number"):
        indirectly_standardised_ratio(
            data.assign(n=[np.inf] + [1000.0] * 18), "x", "n", x_ref=reference, n_ref=reference
        )


# --- mean of one value ----------------------------------------------------------------------


def test_mean_of_one_value_states_why_its_limits_are_missing():
    out = mean(pd.DataFrame({"g": ["a", "b", "b"], "v": [7.0, 2.0, 4.0]}), "v", group_by="g")
    one, two = out.iloc[0], out.iloc[1]
    assert one["value"] == 7.0 and np.isnan(one["lowercl"]) and np.isnan(one["stdev"])
    assert one["statistic"] == "mean; limits NA for fewer than 2 values"
    # the group of two has limits, by hand: mean 3, s = sqrt(2), t(0.975, 1) = 12.7062
    assert two["statistic"] == "mean"
    assert two["uppercl"] == pytest.approx(3 + 12.706204736 * math.sqrt(2) / math.sqrt(2))


# --- PAF limits -----------------------------------------------------------------------------


@pytest.fixture
def percentages() -> pd.DataFrame:
    """An ordered dimension, estimates in per cent."""
    return pd.DataFrame(
        {"q": [1, 2, 3, 4, 5], "y": [50.0, 40, 30, 20, 10], "pop": [1000.0, 800, 900, 700, 600]}
    )


def _paf(data: pd.DataFrame, value: str = "y", **kwargs) -> pd.DataFrame:
    out = summary_measures(data, value, "pop", quantile="q", measures=["PAR", "PAF"],
                           polarity="adverse", **kwargs)  # fmt: skip
    return out.set_index("measure")


def test_paf_limits_of_percentages_equal_those_of_the_same_risks_as_proportions(percentages):
    as_percent = _paf(percentages, scale=100)
    as_proportion = _paf(percentages.assign(y=percentages["y"] / 100))  # scale 1: risks
    assert as_percent[["lowercl", "uppercl"]].notna().all().all()
    # the PAF (a percentage of the mean) and its limits do not depend on the units of y
    np.testing.assert_allclose(
        as_percent.loc["PAF", ["value", "lowercl", "uppercl"]].to_numpy(float),
        as_proportion.loc["PAF", ["value", "lowercl", "uppercl"]].to_numpy(float),
        rtol=1e-12,
    )
    # the PAR is in the units of y
    np.testing.assert_allclose(
        as_percent.loc["PAR", ["value", "lowercl", "uppercl"]].to_numpy(float),
        100 * as_proportion.loc["PAR", ["value", "lowercl", "uppercl"]].to_numpy(float),
        rtol=1e-12,
    )
    # reference = most advantaged (q 5, 10%), mean = weighted mean: PAF = 100 (10 - mean)/mean
    mu = np.average(percentages["y"], weights=percentages["pop"])
    assert as_percent.loc["PAF", "value"] == pytest.approx(100 * (10 - mu) / mu)
    lower, value, upper = as_percent.loc["PAF", ["lowercl", "value", "uppercl"]]
    assert lower < value < upper


def test_paf_scale_defaults_to_the_upper_bound_of_percentages(percentages):
    pd.testing.assert_frame_equal(_paf(percentages, upper_bound=100), _paf(percentages, scale=100))


def test_paf_with_estimates_above_the_scale_names_the_scale_to_pass(percentages):
    with pytest.raises(InputError, match=r"column 'y': the PAR and PAF interval .* scale=100"):
        _paf(percentages)
    # other measures do not need the scale
    out = summary_measures(
        percentages, "y", "pop", quantile="q", measures=["D"], polarity="adverse"
    )
    assert out["value"].item() == pytest.approx(40)


# --- strata counted by the package: empty strata --------------------------------------------


def _esp_rate(counts: pd.DataFrame) -> float:
    """Hand calculation: ESP-weighted mean of the age-specific rates per 100,000."""
    weights = pd.Series(ESP2013_WEIGHTS, index=ESP2013_AGE_BANDS)
    rates = counts.set_index("age_band")["x"] / counts.set_index("age_band")["n"]
    return float(100_000 * (rates * weights).sum() / weights.sum())


def test_a_group_with_nobody_in_a_band_gets_no_rate_and_the_bands_are_named():
    bands = list(ESP2013_AGE_BANDS)
    full = pd.DataFrame({"g": "full", "age_band": bands, "x": np.arange(1, 20), "n": 1000})
    part = pd.DataFrame({"g": "part", "age_band": bands[:17], "x": 5, "n": 500})
    out = standardised_rate_of_strata(pd.concat([part, full]), "x", "n", group_by="g")
    assert out["g"].tolist() == ["full", "part"]
    rated, unrated = out.iloc[0], out.iloc[1]
    assert rated["value"] == pytest.approx(_esp_rate(full), rel=1e-12)
    assert rated["statistic"] == "dsr per 100000"
    assert np.isnan(unrated["value"]) and np.isnan(unrated["lowercl"])
    assert unrated["statistic"] == "dsr NA: no population in age band(s) 85-89, 90+"
    assert (unrated["total_count"], unrated["total_pop"]) == (85, 17 * 500)
    # the rated group is exactly what the DSR gives on its own
    alone = directly_standardised_rate(full, "x", "n", group_by="g")
    pd.testing.assert_series_equal(
        out.iloc[0][["value", "lowercl", "uppercl"]].astype(float),
        alone.iloc[0][["value", "lowercl", "uppercl"]].astype(float),
        check_names=False,
    )


def test_events_without_people_at_risk_are_still_an_error():
    bands = list(ESP2013_AGE_BANDS)
    counts = pd.DataFrame({"g": "a", "age_band": bands, "x": [1] + [0] * 18, "n": [0] + [9] * 18})
    with pytest.raises(InputError, match="must be greater than zero"):
        standardised_rate_of_strata(counts, "x", "n", group_by="g")


def test_complete_strata_rejects_unknown_bands():
    counts = pd.DataFrame({"g": ["a"], "age_band": ["0-5"], "x": [1], "n": [2]})
    with pytest.raises(InputError, match="age band must be one of"):
        complete_strata(counts, "x", "n", group_by=["g"], bands=["0-4"])


# --- segment shares of adults only ----------------------------------------------------------


def test_segment_shares_of_adults_only_standardise_over_the_adult_bands():
    rng = np.random.default_rng(3)
    n = 30_000
    band = rng.integers(4, 19, size=n)  # 20-24 and older only
    quintile = rng.integers(1, 3, size=n)
    band[(quintile == 2) & (band == 18)] = 17  # quintile 2 has nobody aged 90+
    people = pd.DataFrame(
        {
            "age_band": np.asarray(ESP2013_AGE_BANDS)[band],
            "imd_quintile": quintile,
            "segment": np.where(rng.random(n) < 0.1 + 0.02 * band, 2, 1),
        }
    )
    out = segment_shares(people)
    first = out[out["imd_quintile"] == 1]
    assert np.allclose(first["value"].sum(), 100)
    # hand calculation: ESP weights of the adult bands only
    sub = people[people["imd_quintile"] == 1]
    share = sub.groupby("age_band")["segment"].apply(lambda s: (s == 2).mean())
    weights = pd.Series(ESP2013_WEIGHTS, index=ESP2013_AGE_BANDS)[share.index]
    expected = 100 * (share * weights).sum() / weights.sum()
    assert first.loc[first["segment"] == 2, "value"].item() == pytest.approx(expected, rel=1e-12)
    second = out[out["imd_quintile"] == 2]
    assert second["value"].isna().all()
    assert (second["statistic"] == "dsr NA: no population in age band(s) 90+").all()


def test_indicator_rates_of_a_small_population_give_na_with_the_empty_bands_named():
    """3,000 people: some ethnic group has nobody in the oldest bands. The package built the
    counts, so that is a zero count: its rate is NA with the reason, the others are rated."""
    from analysis.data import generate_population
    from analysis.measures import indicator_rates

    rates = indicator_rates(generate_population(3_000), "all_cause_mortality", ["ethnicity"])
    empty = rates["statistic"].str.startswith("dsr NA: no population in age band(s)")
    assert empty.any() and rates.loc[empty, "value"].isna().all()
    assert rates.loc[empty, "total_pop"].gt(0).all()
    assert set(rates["statistic"]) <= {
        *rates.loc[empty, "statistic"],
        "dsr per 100000",
        "dsr NA for total count < 10",
    }
