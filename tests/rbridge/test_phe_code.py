"""The R code the PHEindicatormethods hooks write for the 2.1 and the 2.0 interfaces, checked
without R: the installed function is described by its name and arguments (as the hooks read
them from the package's namespace), so the 2.1 calls are checked where only 2.0 installs."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.rbridge import RPackageError
from analysis.rbridge.phe import PHE, PHE_FUNCTIONS
from analysis.rbridge.rcode import InstalledFunction
from analysis.standards import ESP2013_AGE_BANDS, ESP2013_WEIGHTS

#: Argument names of the two interfaces (from the packages' reference manuals).
CALCULATE_DSR_2_1 = InstalledFunction(
    PHE,
    "2.1.0",
    "calculate_dsr",
    frozenset(
        (
            "data",
            "x",
            "n",
            "stdpop",
            "type",
            "confidence",
            "multiplier",
            "independent_events",
            "eventfreq",
            "ageband",
        )
    ),  # fmt: skip
)
PHE_DSR_2_0 = InstalledFunction(
    PHE,
    "2.0.0",
    "phe_dsr",
    frozenset(("data", "x", "n", "stdpop", "stdpoptype", "type", "confidence", "multiplier")),
)
PHE_SII_2_0 = InstalledFunction(
    PHE,
    "2.0.0",
    "phe_sii",
    frozenset(
        (
            "data",
            "quantile",
            "population",
            "x",
            "value",
            "value_type",
            "lower_cl",
            "upper_cl",
            "se",
            "multiplier",
            "repetitions",
            "confidence",
            "rii",
            "reliability_stat",
            "type",
        )
    ),  # fmt: skip
)


def dsr_input() -> pd.DataFrame:
    bands = sorted(ESP2013_AGE_BANDS)  # alphabetical: "0-4", "10-14", ...
    return pd.DataFrame({"age_band": bands * 2, "area": ["a"] * 19 + ["b"] * 19}).assign(
        x=1, n=100, freq=1
    )


def adapt(measure: str, fn: InstalledFunction, data: pd.DataFrame, **kwargs):
    return PHE_FUNCTIONS[measure].adapt(data, kwargs, fn)


def test_dsr_on_2_1_passes_the_standard_population_field_and_event_frequencies():
    call = adapt("directly_standardised_rate", CALCULATE_DSR_2_1, dsr_input(), x="x", n="n",
                 group_by="area", independent_events=False, event_frequency="freq")  # fmt: skip
    assert call.code.endswith(
        'data |>\n  left_join(standard, by = "age_band") |>\n  group_by(area) |>\n'
        "  calculate_dsr(x = x, n = n, stdpop = stdpop, eventfreq = freq, ageband = age_band, "
        "independent_events = FALSE)"
    )
    assert "stdpoptype" not in call.code


def test_dsr_standard_population_table_is_keyed_by_label():
    call = adapt("directly_standardised_rate", PHE_DSR_2_0, dsr_input(), x="x", n="n")
    standard = call.inputs["standard"].set_index("age_band")["stdpop"]
    expected = dict(zip(ESP2013_AGE_BANDS, ESP2013_WEIGHTS, strict=True))
    assert standard.to_dict() == {band: float(w) for band, w in expected.items()}
    assert 'stdpoptype = "field"' in call.code


def test_dsr_on_2_0_refuses_non_independent_events_naming_the_version():
    with pytest.raises(RPackageError, match=r"PHEindicatormethods 2\.0\.0 phe_dsr does not have"):
        adapt("directly_standardised_rate", PHE_DSR_2_0, dsr_input(), x="x", n="n",
              independent_events=False)  # fmt: skip


def test_sii_on_2_0_refuses_transform_and_writes_the_seed():
    data = pd.DataFrame({"q": range(1, 6), "p": 100, "v": 1.0, "se": 0.1})
    with pytest.raises(RPackageError, match=r"transform.*2\.0\.0 phe_sii"):
        adapt("slope_index_of_inequality", PHE_SII_2_0, data, quantile="q", n="p", polarity="favourable",
              value="v", se="se", value_type="rate", transform=True)  # fmt: skip
    call = adapt("slope_index_of_inequality", PHE_SII_2_0, data, quantile="q", n="p", polarity="favourable",
                 value="v", se="se", value_type="proportion", seed=4, rii=True)  # fmt: skip
    assert "set.seed(4)" in call.code
    assert (
        "phe_sii(quantile = q, population = p, value = v, se = se, value_type = 2, rii = TRUE)"
        in (call.code)
    )


def test_sii_polarity_and_n_are_phe_sii_multiplier_sign_and_population():
    """Our ``n`` is phe_sii's ``population``; ``polarity="adverse"`` its negative multiplier."""
    data = pd.DataFrame({"q": range(1, 6), "p": 100, "v": 1.0, "se": 0.1})
    call = adapt("slope_index_of_inequality", PHE_SII_2_0, data, quantile="q", n="p",
                 polarity="adverse", value="v", se="se", multiplier=100)  # fmt: skip
    assert "phe_sii(quantile = q, population = p, value = v, se = se, value_type = 0, " \
        "multiplier = -100)" in call.code  # fmt: skip
    call = adapt("slope_index_of_inequality", PHE_SII_2_0, data, quantile="q", n="p",
                 polarity="adverse", value="v", se="se")  # fmt: skip
    assert "multiplier = -1)" in call.code


def test_funnels_and_life_expectancy_pass_x_and_n_under_the_package_names():
    """Our ``x`` and ``n`` (issue #15's one naming) are the funnels' ``numerator`` and
    ``denominator`` and ``phe_life_expectancy``'s ``deaths`` and ``population``."""
    funnel = InstalledFunction(PHE, "2.0.0", "calculate_funnel_limits", frozenset())
    units = pd.DataFrame({"obs": [3, 9], "people": [100, 200]})
    call = adapt("funnel_limits", funnel, units, x="obs", n="people",
                 statistic="proportion", multiplier=100)  # fmt: skip
    assert call.code.endswith(
        'calculate_funnel_limits(numerator = obs, denominator = people, statistic = "proportion", '
        "multiplier = 100)"
    )
    life = InstalledFunction(PHE, "2.0.0", "phe_life_expectancy", frozenset())
    bands = pd.DataFrame({"age_band": ["0", "1-4"], "died": [1, 2], "pop": [100, 400]})
    call = adapt("life_expectancy", life, bands, x="died", n="pop", le_age="0")
    assert "phe_life_expectancy(deaths = died, population = pop, startage = startage, " in (
        call.code
    )
