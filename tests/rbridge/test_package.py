"""The PHEindicatormethods hooks on the installed package (2.0 or 2.1 interface): per-band
inputs joined by label (never by row position), polarity and local quantiles, the funnel
functions, options the installed version lacks, and the R code that ran.

Without the package these tests skip (fail under ``NHS_REQUIRE_R_PACKAGES=1``).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from analysis.rbridge import RPackageError
from analysis.rbridge.align import compare_with_r
from analysis.rbridge.hooks import PACKAGE_FUNCTIONS, PHE, call_package
from analysis.rbridge.phe import SII_VALUE_TYPES
from analysis.rbridge.rcode import find_function
from analysis.standards import (
    ESP2013_AGE_BANDS,
    ESP2013_WEIGHTS,
    LIFE_TABLE_AGE_BANDS,
    LIFE_TABLE_START_AGES,
)
from analysis.validation import InputError

RNG = np.random.default_rng(20261205)


@pytest.fixture
def agree(phe_version: str, compared: Counter):
    """Compare with the installed package and require every value to agree."""

    def check(measure: str, data: pd.DataFrame, expected_rows: int, **kwargs) -> pd.DataFrame:
        table = compare_with_r(measure, data, use_package=True, **kwargs)
        failed = table[~table["pass"]]
        assert failed.empty, failed.to_string()
        assert len(table) == expected_rows
        ran = table["r_implementation"].iloc[0]
        assert ran.startswith(f"{PHE} {phe_version} "), ran
        compared[ran.split()[-1]] += len(table)
        return table

    return check


def installed(measure: str, phe_version: str):
    spec = PACKAGE_FUNCTIONS[measure]
    return find_function(spec.package, phe_version, spec.names)


def deaths_by_age(areas: int = 4) -> pd.DataFrame:
    n = RNG.integers(300, 30_000, 19 * areas)
    rate = np.tile(np.exp(np.linspace(-9, -2.5, 19)), areas)
    return pd.DataFrame(
        {
            "area": np.repeat([f"area {i}" for i in range(areas)], 19),
            "age_band": list(ESP2013_AGE_BANDS) * areas,
            "x": RNG.poisson(n * rate),
            "n": n,
        }
    )


def test_dsr_standard_population_goes_by_label_not_position(agree):
    ordered = deaths_by_age()
    shuffled = ordered.sort_values(["area", "age_band"], ignore_index=True)  # "10-14" first
    assert shuffled["age_band"].iloc[0] == "0-4" and shuffled["age_band"].iloc[1] == "10-14"
    first = agree("directly_standardised_rate", ordered, 4 * 5, x="x", n="n", group_by="area",
                  confidence=[0.95, 0.998])  # fmt: skip
    second = agree("directly_standardised_rate", shuffled, 4 * 5, x="x", n="n", group_by="area",
                   confidence=[0.95, 0.998])  # fmt: skip
    np.testing.assert_allclose(first["r"], second["r"], rtol=1e-12)
    assert "left_join(standard" in first.attrs["r_code"]


def test_dsr_with_other_standard_populations(agree):
    data = deaths_by_age(3)
    flat = pd.Series(1000.0, index=list(ESP2013_AGE_BANDS)[::-1])  # a Series, reversed
    agree("directly_standardised_rate", data, 3 * 3, x="x", n="n", group_by="area",
          standard_population=flat)  # fmt: skip
    weights = dict(zip(ESP2013_AGE_BANDS, ESP2013_WEIGHTS, strict=True))
    column = data.assign(esp=data["age_band"].map(weights) * 2.0).sample(frac=1, random_state=1)
    table = agree("directly_standardised_rate", column, 3 * 3, x="x", n="n", group_by="area",
                  standard_population="esp", multiplier=1000)  # fmt: skip
    assert "stdpop = esp" in table.attrs["r_code"]


def test_dsr_non_independent_events_need_the_2_1_interface(agree, phe_version):
    data = deaths_by_age(2).assign(freq=1)
    data = pd.concat([data, data.assign(x=data["x"] // 3, freq=2)], ignore_index=True)
    options = dict(x="x", n="n", group_by="area", independent_events=False,
                   event_frequency="freq")  # fmt: skip
    if installed("directly_standardised_rate", phe_version).has("independent_events"):
        agree("directly_standardised_rate", data, 2 * 3, **options)
    else:
        with pytest.raises(RPackageError, match=rf"{PHE} {phe_version} phe_dsr.*install"):
            call_package("directly_standardised_rate", data, **options)


def test_indirect_standardisation_with_reference_by_band(agree):
    data = deaths_by_age(3).sort_values("age_band", ignore_index=True)
    x_ref = pd.Series(RNG.poisson(np.exp(np.linspace(-6, 0, 19)) * 5000), index=ESP2013_AGE_BANDS)
    n_ref = pd.Series(RNG.integers(80_000, 120_000, 19), index=ESP2013_AGE_BANDS)
    for measure in ("indirectly_standardised_ratio", "indirectly_standardised_rate"):
        agree(measure, data, 3 * 5, x="x", n="n", x_ref=x_ref, n_ref=n_ref, group_by="area",
              confidence=[0.95, 0.998])  # fmt: skip


def test_quantiles_with_polarity_by_column_and_local_quantiles(agree):
    areas = pd.DataFrame(
        {
            "district": np.repeat(["P", "Q", "R"], [31, 12, 57]),
            "score": RNG.gamma(2, 10, 100).round(1),  # rounded: ties
        }
    )
    areas = areas.sample(frac=1, random_state=3, ignore_index=True)  # districts interleaved
    areas["polarity"] = np.where(areas["district"] != "Q", "adverse", "favourable")
    table = agree("deprivation_quantiles", areas, 100, value="score", group_by="district",
                  polarity="polarity", n_quantiles=5)  # fmt: skip
    assert 'inverttype = "field"' in table.attrs["r_code"]
    table = agree("deprivation_quantiles", areas, 100, value="score", n_quantiles=4,
                  inequality_type="local", parent_area="district")  # fmt: skip
    assert "group_by(district)" in table.attrs["r_code"]
    agree("deprivation_quantiles", areas, 100, value="score", n_quantiles=10,
          polarity="favourable")  # fmt: skip


def funnel_units(k: int = 40) -> pd.DataFrame:
    n = RNG.integers(40, 8000, k)
    x = RNG.binomial(n, 0.08)
    x[:3] = [0, 1, 5]  # no events, one, a small count
    population = n * 25
    return pd.DataFrame({"x": x, "n": n, "expected": n * 0.08, "pop": population}).assign(
        rate=lambda d: d["x"] / d["pop"] * 100_000
    )


def test_funnel_limits_and_significance_for_proportions_and_ratios(agree):
    units = funnel_units()
    agree("funnel_limits", units, 100 * 6, x="x", n="n",
          statistic="proportion", multiplier=100)  # fmt: skip
    agree("funnel_significance", units, 40, x="x", n="n",
          statistic="proportion")  # fmt: skip
    for ratio_type in ("isr", "count"):
        agree("funnel_limits", units, 100 * 9, x="x", n="expected",
              statistic="ratio", multiplier=100, ratio_type=ratio_type)  # fmt: skip
    agree("funnel_significance", units, 40, x="x", n="expected",
          statistic="ratio")  # fmt: skip


@pytest.mark.parametrize("rate_type", ["dsr", "crude"])
def test_funnel_functions_for_rates(agree, rate_type):
    units = funnel_units()
    rates = dict(x="x", n="pop", rate="rate", rate_type=rate_type,
                 multiplier=100_000)  # fmt: skip
    agree("funnel_limits", units, 100 * 10, statistic="rate", years_of_data=3, **rates)
    table = agree("funnel_significance", units, 40, statistic="rate", **rates)
    assert table["r"].nunique() > 1  # several significance labels compared
    agree("funnel_points", units, 40 * 2, years_of_data=3, **rates)


def test_sii_options_the_installed_version_lacks_name_the_version(phe_version):
    data = pd.DataFrame(
        {"q": range(1, 11), "pop": [1000.0] * 10, "v": np.linspace(0.01, 0.02, 10)}
    ).assign(lo=lambda d: d["v"] * 0.9, hi=lambda d: d["v"] * 1.1)
    options = dict(quantile="q", n="pop", polarity="favourable", value="v", lower_cl="lo", upper_cl="hi",
                   value_type="rate", transform=True, repetitions=1000, seed=1)  # fmt: skip
    if installed("slope_index_of_inequality", phe_version).has("transform"):
        assert len(call_package("slope_index_of_inequality", data, **options)) == 1
    else:
        with pytest.raises(RPackageError, match=rf"transform.*{PHE} {phe_version} phe_sii"):
            call_package("slope_index_of_inequality", data, **options)


def test_sii_runs_phe_sii_with_its_rii_and_the_seed_in_the_code(phe_version):
    data = pd.DataFrame(
        {
            "sex": np.repeat(["F", "M"], 10),
            "decile": np.tile(np.arange(1, 11), 2),
            "pop": RNG.integers(5000, 9000, 20),
            "le": np.tile(np.linspace(78, 84, 10), 2),
            "se": 0.4,
        }
    )
    out = call_package("slope_index_of_inequality", data, quantile="decile", n="pop", polarity="favourable",
                       value="le", se="se", group_by="sex", rii=True, repetitions=2000,
                       seed=11, confidence=[0.95, 0.998])  # fmt: skip
    assert out[["sex", "measure"]].values.tolist() == [["F", "SII"], ["M", "SII"],
                                                         ["F", "RII"], ["M", "RII"]]  # fmt: skip
    assert {"lower95_0cl", "upper99_8cl"} <= set(out.columns)
    assert out.attrs["r_code"].splitlines()[2] == "set.seed(11)"
    again = call_package("slope_index_of_inequality", data, quantile="decile", n="pop", polarity="favourable",
                         value="le", se="se", group_by="sex", rii=True, repetitions=2000,
                         seed=11, confidence=[0.95, 0.998])  # fmt: skip
    pd.testing.assert_frame_equal(out, again)  # the seed makes the R limits reproducible


def test_unknown_arguments_are_refused_before_r_runs(phe_version):
    with pytest.raises(InputError, match=r"no counterpart for \['observed_totals'\]"):
        call_package("indirectly_standardised_ratio", pd.DataFrame(), x="x", n="n",
                     x_ref="a", n_ref="b", observed_totals=pd.DataFrame())  # fmt: skip


@pytest.mark.parametrize("value_type", ["normal", "rate", "proportion"])
def test_sii_value_types_agree_with_phe_sii_within_monte_carlo_tolerance(agree, value_type):
    """SII and RII: the point estimates are closed form (1e-9); the limits are simulated on
    both sides and agree within four standard errors of the difference of two simulated
    quantiles (align.py). In a trial of 5 seeds x 3 value types x 24 SII limits (10,000
    repetitions) the largest difference was 0.75 of that tolerance, as expected of the
    largest of 360 normal deviates divided by 4."""
    groups, rng = 6, np.random.default_rng(list(SII_VALUE_TYPES).index(value_type))
    value = np.tile(np.linspace(0.02, 0.01, 10), groups) * rng.uniform(0.8, 1.2, 10 * groups)
    population = rng.integers(5000, 20_000, 10 * groups)
    se = np.sqrt(value * (1 - value) / population)
    data = pd.DataFrame(
        {
            "area": np.repeat([f"area {i}" for i in range(groups)], 10),
            "decile": np.tile(np.arange(1, 11), groups),
            "pop": population,
            "value": value,
            "lo": value - 1.96 * se,
            "hi": value + 1.96 * se,
        }
    )
    table = agree("slope_index_of_inequality", data, groups * 2 * 5, quantile="decile",
                  n="pop", polarity="adverse", value="value", lower_cl="lo", upper_cl="hi",
                  value_type=value_type, group_by="area", repetitions=20_000, seed=7,
                  confidence=[0.95, 0.998], multiplier=100, rii=True)  # fmt: skip
    assert set(table["index"]) == {"SII", "RII"}
    limits = table[table["compared"] != "value"].groupby(["area", "index"])
    width = limits["r"].max() - limits["r"].min()  # of the 99.8% interval
    assert (limits["tolerance"].max() < 0.1 * width).all()  # 20% too wide a SE would fail
    assert (table.loc[table["compared"] == "value", "rel_diff"] < 1e-9).all()


@pytest.mark.parametrize("le_age", ["all", ["0", "65-69"], "90+"])
def test_life_expectancy_from_shuffled_bands_with_zero_deaths(agree, le_age):
    """startage is built from our band labels ("1-4" -> 1) and the rows sorted in R, so the
    input order does not matter; le_age takes our labels (start ages for R)."""
    age = np.array(LIFE_TABLE_START_AGES * 4, dtype=float)
    population = RNG.integers(50, 3000, 80)  # small areas
    deaths = RNG.poisson(population * np.exp(-9 + 0.085 * age))
    deaths[:3] = 0  # no deaths in the youngest bands of one area
    data = pd.DataFrame(
        {
            "area": np.repeat(list("abcd"), 20),
            "age_band": list(LIFE_TABLE_AGE_BANDS) * 4,
            "population": population,
            "deaths": deaths,
        }
    ).sample(frac=1, random_state=2)
    ages = 20 if le_age == "all" else 2 if isinstance(le_age, list) else 1
    table = agree("life_expectancy", data, 4 * ages * 3, x="deaths",
                  n="population", group_by="area", le_age=le_age)  # fmt: skip
    assert "arrange(startage, .by_group = TRUE)" in table.attrs["r_code"]


def test_funnels_have_no_base_r_reference(r_session):
    units = funnel_units(5)
    with pytest.raises(
        InputError, match="funnel_limits has no base-R reference.*PHEindicatormethods"
    ):
        compare_with_r("funnel_limits", units, use_package=False, x="x",
                       n="n", statistic="proportion", multiplier=100)  # fmt: skip
