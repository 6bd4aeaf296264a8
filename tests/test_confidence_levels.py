"""Every statistic's ``confidence`` argument: one level, several, or a clear InputError.

Issue #15: ``crude_rate(confidence=None)`` raised a bare ``TypeError`` and
``binary_model(confidence=[0.95, 0.998])`` silently kept only the first level. Each public
function of the statistics that takes ``confidence`` is listed in :data:`CASES` with what it
does with several levels: ``"several"`` (one pair of limit columns per level, named as
PHEindicatormethods names them) or ``"rows"`` (one row per level: the power of a test at
each level, which has no limits). A test fails when a new function with ``confidence`` is not
listed.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from analysis.data import generate_population
from analysis.inequality.practices import practice_deprivation_gaps
from analysis.inequality.sii import slope_index_of_inequality
from analysis.inequality.summary_measures import summary_measures
from analysis.measures.area_ratios import smoothed_area_ratios
from analysis.measures.differences import newcombe_limits, proportion_difference
from analysis.measures.dsr import directly_standardised_rate
from analysis.measures.intervals import z_value
from analysis.measures.isr import indirectly_standardised_rate, indirectly_standardised_ratio
from analysis.measures.life_expectancy import life_expectancy
from analysis.measures.means import mean
from analysis.measures.odds_ratios import odds_ratio
from analysis.measures.pooled import indicator_rates
from analysis.measures.proportion_shrinkage import empirical_bayes_proportions
from analysis.measures.proportions import proportion
from analysis.measures.rates import crude_rate
from analysis.measures.shrinkage import empirical_bayes_rates
from analysis.measures.strata import standardised_rate_of_strata
from analysis.models.glm import binary_model, rate_model
from analysis.models.maihda import maihda
from analysis.models.power import interaction_power
from analysis.models.presentation import emergency_presentation_model
from analysis.segmentation.inequality import segment_shares
from analysis.standards import ESP2013_AGE_BANDS, LIFE_TABLE_AGE_BANDS
from analysis.validation import InputError, check_confidence, check_single_confidence

PACKAGES = ("analysis.measures", "analysis.inequality", "analysis.models", "analysis.segmentation")
#: Array building blocks that take one level their callers have checked (tested below), and
#: the model charts, whose ``confidence`` picks which of a table's levels to draw
#: (tests/models/test_several_confidence_levels.py).
BUILDING_BLOCKS = {"analysis.measures.intervals", "analysis.models.tidy", "analysis.models.plots"}
BUILDING_BLOCK_FUNCTIONS = {"newcombe_limits"}

COUNTS = pd.DataFrame({"area": ["A", "B"], "x": [5, 65], "n": [100, 100]})
BANDS = pd.DataFrame({"age_band": ESP2013_AGE_BANDS, "x": 10, "n": 1000})
LIFE = pd.DataFrame(
    {
        "age_band": LIFE_TABLE_AGE_BANDS,
        "deaths": [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872,
                   1390, 1605, 1936, 1937],
        "population": [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601,
                       50209, 56416, 46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936],
    }
)  # fmt: skip
DECILES = pd.DataFrame({"decile": range(1, 11), "pop": 1000, "v": np.arange(1.0, 11.0), "se": 0.5})
STRATA = pd.DataFrame(
    {"a": ["p", "p", "q", "q"] * 3, "b": ["r", "s", "r", "s"] * 3, "x": range(20, 32), "n": 200}
)
#: Cancers by the emergency presentation model's strata (levels drawn at random).
_RNG = np.random.default_rng(15)
CANCERS = pd.DataFrame(
    {
        "imd_quintile": _RNG.integers(1, 6, 200),
        "ethnicity": _RNG.choice(["White", "Asian", "Black"], 200),
        "sex": _RNG.choice(["Female", "Male"], 200),
        "age_group": _RNG.choice(["under 60", "60-74", "75 and over"], 200),
        "site": _RNG.choice(["Breast", "Lung", "Colorectal"], 200),
        "emergency_presentation": _RNG.integers(5, 40, 200),
        "cancers": 100,
    }
)


@pytest.fixture(scope="module")
def dataset():
    return generate_population(5_000)


def _people() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    size = 4_000
    return pd.DataFrame(
        {
            "segment": rng.integers(1, 3, size),
            "imd_quintile": rng.integers(1, 3, size),
            "age_band": rng.choice(ESP2013_AGE_BANDS[8:12], size),
        }
    )


#: name -> (call with a given confidence, "several" or "one").
CASES: dict[str, tuple[Callable, str]] = {
    "crude_rate": (lambda c, d: crude_rate(COUNTS, "x", "n", confidence=c), "several"),
    "proportion": (lambda c, d: proportion(COUNTS, "x", "n", confidence=c), "several"),
    "mean": (lambda c, d: mean(DECILES, "v", confidence=c), "several"),
    "odds_ratio": (
        lambda c, d: odds_ratio(
            COUNTS.assign(e=[True, False]), "x", "n", exposed="e", confidence=c
        ),
        "several",
    ),
    "proportion_difference": (
        lambda c, d: proportion_difference(COUNTS, "x", "n", "area", reference="A", confidence=c),
        "several",
    ),
    "directly_standardised_rate": (
        lambda c, d: directly_standardised_rate(BANDS, "x", "n", confidence=c),
        "several",
    ),
    "standardised_rate_of_strata": (
        lambda c, d: standardised_rate_of_strata(
            BANDS.assign(g="A"), "x", "n", group_by="g", confidence=c
        ),
        "several",
    ),
    "indirectly_standardised_ratio": (
        lambda c, d: indirectly_standardised_ratio(
            BANDS, "x", "n", x_ref=[20] * 19, n_ref=[3000] * 19, confidence=c
        ),
        "several",
    ),
    "indirectly_standardised_rate": (
        lambda c, d: indirectly_standardised_rate(
            BANDS, "x", "n", x_ref=[20] * 19, n_ref=[3000] * 19, confidence=c
        ),
        "several",
    ),
    "empirical_bayes_rates": (
        lambda c, d: empirical_bayes_rates(
            pd.DataFrame({"x": [2, 60, 12, 40], "n": [100, 1000, 400, 2000]}),
            "x",
            "n",
            confidence=c,
        ),
        "several",
    ),  # fmt: skip
    "empirical_bayes_proportions": (
        lambda c, d: empirical_bayes_proportions(
            pd.DataFrame({"x": [2, 60, 12, 40], "n": [100, 1000, 400, 2000]}),
            "x",
            "n",
            confidence=c,
        ),
        "several",
    ),  # fmt: skip
    "life_expectancy": (
        lambda c, d: life_expectancy(LIFE, "deaths", "population", le_age="0", confidence=c),
        "several",
    ),
    "indicator_rates": (
        lambda c, d: indicator_rates(d, "cvd_mortality", confidence=c),
        "several",
    ),
    "smoothed_area_ratios": (
        lambda c, d: smoothed_area_ratios(d, cause="CVD", confidence=c),
        "several",
    ),
    "practice_deprivation_gaps": (
        lambda c, d: practice_deprivation_gaps(d, confidence=c),
        "several",
    ),
    "slope_index_of_inequality": (
        lambda c, d: slope_index_of_inequality(
            DECILES,
            "decile",
            "pop",
            "v",
            polarity="adverse",
            se="se",
            confidence=c,
            repetitions=1000,
            seed=1,
        ),
        "several",
    ),
    "summary_measures": (
        lambda c, d: summary_measures(
            DECILES,
            "v",
            "pop",
            quantile="decile",
            polarity="adverse",
            se="se",
            measures=["D", "SII"],
            confidence=c,
        ),
        "several",
    ),  # fmt: skip
    "segment_shares": (lambda c, d: segment_shares(_people(), confidence=c), "several"),
    "rate_model": (
        lambda c, d: rate_model(STRATA, "x", "n", ["a", "b"], confidence=c),
        "several",
    ),
    "binary_model": (
        lambda c, d: binary_model(STRATA, "x", ["a", "b"], n="n", confidence=c),
        "several",
    ),
    "maihda": (
        lambda c, d: maihda(STRATA, ["a", "b"], "x", n="n", confidence=c),
        "several",
    ),
    "emergency_presentation_model": (
        lambda c, d: emergency_presentation_model(CANCERS, n="cancers", confidence=c),
        "several",
    ),
    "interaction_power": (
        lambda c, d: interaction_power(
            STRATA.iloc[:4].assign(delta=[0, 0, 0, 1.0]),
            "delta",
            ["a", "b"],
            x="x",
            n="n",
            confidence=c,
        ),
        "rows",
    ),  # fmt: skip
}
NEEDS_DATASET = {"indicator_rates", "smoothed_area_ratios", "practice_deprivation_gaps"}


def _functions_with_confidence() -> set[str]:
    found = set()
    for package in PACKAGES:
        for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
            name = f"{package}.{info.name}"
            if info.name.startswith("_") or name in BUILDING_BLOCKS:
                continue
            module = importlib.import_module(name)
            for attribute, value in vars(module).items():
                if (
                    inspect.isfunction(value)
                    and value.__module__ == name
                    and not attribute.startswith("_")
                    and attribute not in BUILDING_BLOCK_FUNCTIONS
                    and "confidence" in inspect.signature(value).parameters
                ):
                    found.add(attribute)
    return found


def test_every_function_with_a_confidence_argument_is_checked() -> None:
    assert _functions_with_confidence() == set(CASES)


def _run(name: str, confidence: object, request: pytest.FixtureRequest) -> pd.DataFrame:
    call, _ = CASES[name]
    data = request.getfixturevalue("dataset") if name in NEEDS_DATASET else None
    return call(confidence, data)


def _table(result: object) -> pd.DataFrame:
    """The table of limits of any result (a frame, a model fit or a MAIHDA result)."""
    for attribute in ("table", "fixed_effects"):
        if hasattr(result, attribute):
            return getattr(result, attribute)
    return result


#: ... the last two levels are distinct but their limit columns would share a name.
NOT_LEVELS = [None, "0.95", True, [], [0.95, 0.95], 0.5, float("nan"), [0.9991, 0.9994]]


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        (name, bad)
        for name in sorted(CASES)
        # the dataset functions run the same check; two bad values are enough for them
        for bad in (NOT_LEVELS[:2] if name in NEEDS_DATASET else NOT_LEVELS)
    ],
)
def test_a_confidence_that_is_not_a_level_raises_a_clear_error(
    name: str, bad: object, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(InputError, match="confidence"):
        _run(name, bad, request)


@pytest.mark.parametrize("name", sorted(CASES))
def test_several_levels_give_limits_for_each_or_a_clear_error(
    name: str, request: pytest.FixtureRequest
) -> None:
    _, several = CASES[name]
    if several == "rows":  # a power calculation: one row per level, no limits
        out = _table(_run(name, [0.95, 0.998], request))
        assert list(out["confidence"]) == ["95%", "99.8%"]
        single = _table(_run(name, 0.998, request))
        pd.testing.assert_frame_equal(out.iloc[[1]].reset_index(drop=True), single)
        return
    out = _table(_run(name, [0.95, 0.998], request))
    for column in ("lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"):
        assert column in out.columns, (name, list(out.columns))
    assert "lowercl" not in out.columns
    assert set(out["confidence"].astype(str)) == {"95%, 99.8%"}
    single = _table(_run(name, 0.998, request))
    # the 99.8% limits of a two-level call are those of a call at 99.8% alone
    pd.testing.assert_series_equal(
        out["lower99_8cl"].reset_index(drop=True),
        single["lowercl"].reset_index(drop=True),
        check_names=False,
    )
    assert (out["lower99_8cl"].dropna() <= out["lower95_0cl"].dropna() + 1e-12).all()


def test_check_confidence_accepts_proportions_and_percentages() -> None:
    assert check_confidence(0.95) == [0.95]
    assert check_confidence([95, 99.8]) == [0.95, 0.998]
    assert check_confidence(np.array([0.95, 0.998])) == [0.95, 0.998]
    assert check_single_confidence(99.8) == 0.998


@pytest.mark.parametrize(
    ("levels", "named"),
    [
        ([0.9991, 0.9994], r"levels 0\.9991 and 0\.9994 .* lower99_9cl/upper99_9cl"),
        ([95, 99.91, 99.94], r"levels 99\.91 and 99\.94 .* lower99_9cl/upper99_9cl"),
        ([0.95, 0.95004], r"levels 0\.95 and 0\.95004 .* lower95_0cl/upper95_0cl"),
    ],
)
def test_levels_whose_limit_columns_would_share_a_name_raise(levels: list, named: str) -> None:
    with pytest.raises(InputError, match=named):
        check_confidence(levels)


def test_levels_that_differ_by_a_tenth_of_a_point_keep_their_own_columns() -> None:
    assert check_confidence(0.9991) == [0.9991]  # one level: lowercl/uppercl, nothing shared
    out = proportion(COUNTS, "x", "n", confidence=[0.998, 0.999])
    assert {"lower99_8cl", "upper99_8cl", "lower99_9cl", "upper99_9cl"} <= set(out.columns)
    assert (out["lower99_9cl"] < out["lower99_8cl"]).all()


def test_the_level_of_supplied_limits_is_one_level() -> None:
    with pytest.raises(InputError, match=r"limits_confidence: the limits supplied .* one conf"):
        check_single_confidence([0.95, 0.998], name="limits_confidence")
    with pytest.raises(InputError, match=r"limits_confidence: the limits supplied"):
        slope_index_of_inequality(
            DECILES.assign(low=DECILES["v"] - 1, high=DECILES["v"] + 1),
            "decile",
            "pop",
            "v",
            polarity="adverse",
            lower_cl="low",
            upper_cl="high",
            limits_confidence=[0.95, 0.998],
        )


@pytest.mark.parametrize("bad", [None, "0.95", True, 0.0, 1.0, [0.95]])
def test_the_interval_building_blocks_take_one_level_between_0_and_1(bad: object) -> None:
    with pytest.raises(InputError, match="confidence"):
        z_value(bad)
    with pytest.raises(InputError, match="confidence"):
        newcombe_limits(np.array([5.0]), np.array([10.0]), np.array([3.0]), np.array([10.0]), bad)
