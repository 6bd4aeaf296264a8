"""Python measures against R through compare_with_r: each test runs twice, against the
independent base-R reference and against the installed PHEindicatormethods (2.0 or 2.1).

Each test builds varied inputs (small and zero counts, several groups, two confidence levels)
and requires every number to agree to 1e-9 relative (Monte-Carlo limits: see
``test_slope_index_agrees_within_monte_carlo_tolerance``). The label of what ran is checked
on each side. Without the package, its half skips (fails under ``NHS_REQUIRE_R_PACKAGES=1``).
The number of values compared against the package is printed per function at the end of
the session (``compared`` in conftest.py; run with ``-n0`` to see them).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from analysis.rbridge.align import compare_with_r, python_measure
from analysis.rbridge.hooks import PHE, REFERENCE_LABEL
from analysis.standards import (
    ESP2013_AGE_BANDS,
    LIFE_TABLE_AGE_BANDS,
    LIFE_TABLE_START_AGES,
)

RNG = np.random.default_rng(20240101)
BOTH_LEVELS = [0.95, 0.998]


def needs(measure: str) -> None:
    try:
        python_measure(measure)
    except NotImplementedError as err:
        pytest.skip(f"the Python measure has not landed yet: {err}")


@dataclass
class Side:
    """Which R runs (the base-R reference or the installed PHEindicatormethods), and the
    session's count of values compared with the package per R function."""

    use_package: bool
    compared: Counter


@pytest.fixture(params=["reference", "package"])
def side(request, r_reference, compared) -> Side:
    if request.param == "package":
        request.getfixturevalue("phe_version")
    return Side(request.param == "package", compared)


def compare(side: Side, measure: str, data: pd.DataFrame, **kwargs) -> pd.DataFrame:
    table = compare_with_r(measure, data, use_package=side.use_package, **kwargs)
    ran = table["r_implementation"].iloc[0]
    if side.use_package:
        side.compared[ran.split()[-1]] += len(table)
    return table


def assert_agrees(table: pd.DataFrame, expected_rows: int) -> None:
    assert len(table) == expected_rows
    # the column's name compared, not PHEindicatormethods' ``statistic`` (a description)
    assert "compared" in table.columns and "statistic" not in table.columns
    failed = table[~table["pass"]]
    assert failed.empty, failed.to_string()
    ran = table["r_implementation"].iloc[0]
    assert (table["r_implementation"] == ran).all()
    if ran.startswith(PHE):
        assert re.fullmatch(rf"{PHE} \d+\.\d+\.\d+ \w+", ran), ran
        function = ran.split()[-1]
        assert re.search(rf"\b{function}\(", table.attrs["r_code"])  # the code that ran
    else:
        assert ran.startswith(f"{REFERENCE_LABEL} ref_"), ran
    assert table["python"].notna().any()


def counts_frame() -> pd.DataFrame:
    n = RNG.integers(1, 5000, 40)
    x = np.minimum(RNG.poisson(n * RNG.uniform(0.0005, 0.4, 40)), n)
    x[:4] = [0, 1, 9, 10]  # exact/Byar's switch and the zero edge
    x[4] = n[4]  # everyone
    return pd.DataFrame({"area": np.repeat(list("ABCDEFGH"), 5), "x": x, "n": n})


@pytest.mark.parametrize("measure", ["proportion", "crude_rate"])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"confidence": BOTH_LEVELS},
        {"group_by": "area"},
        {"group_by": "area", "confidence": 0.9},
    ],
)
def test_counts_agree(side, measure, options):
    needs(measure)
    data = counts_frame()
    table = compare(side, measure, data, x="x", n="n", **options)
    rows = data["area"].nunique() if "group_by" in options else len(data)
    levels = 2 if options.get("confidence") == BOTH_LEVELS else 1
    assert_agrees(table, rows * (1 + 2 * levels))


def test_multiplied_proportions_agree(side):
    needs("proportion")
    table = compare(side, "proportion", counts_frame(), x="x", n="n", multiplier=100)
    assert_agrees(table, 40 * 3)


def test_means_agree(side):
    needs("mean")
    data = pd.DataFrame(
        {"g": np.repeat(["a", "b", "c"], [2, 15, 60]), "v": RNG.lognormal(3, 1, 77)}
    )
    assert_agrees(compare(side, "mean", data, value="v", group_by="g"), 3 * 3)
    assert_agrees(
        compare(side, "mean", data, value="v", group_by="g", confidence=BOTH_LEVELS), 3 * 5
    )


def standardisation_frame() -> pd.DataFrame:
    areas = ["big", "small", "tiny"]
    n = RNG.integers(200, 20_000, 19 * 3)
    rate = np.tile(np.exp(np.linspace(-9, -3, 19)), 3) * np.repeat([1.0, 0.2, 0.004], 19)
    return pd.DataFrame(
        {
            "area": np.repeat(areas, 19),
            "age_band": list(ESP2013_AGE_BANDS) * 3,
            "x": RNG.poisson(n * rate * 50),
            "n": n,
            "x_ref": np.tile(RNG.poisson(np.exp(np.linspace(-6, 0, 19)) * 2000), 3),
            "n_ref": np.tile(RNG.integers(50_000, 90_000, 19), 3),
        }
    )


@pytest.mark.parametrize("options", [{}, {"confidence": BOTH_LEVELS, "multiplier": 10_000}])
def test_directly_standardised_rates_agree(side, options):
    needs("directly_standardised_rate")
    data = standardisation_frame()
    table = compare(
        side, "directly_standardised_rate", data, x="x", n="n", group_by="area", **options
    )
    levels = 2 if "confidence" in options else 1
    assert_agrees(table, 3 * (1 + 2 * levels))


@pytest.mark.parametrize(
    "measure", ["indirectly_standardised_ratio", "indirectly_standardised_rate"]
)
def test_indirect_standardisation_agrees(side, measure):
    needs(measure)
    data = standardisation_frame()
    table = compare(
        side,
        measure,
        data,
        x="x",
        n="n",
        x_ref="x_ref",
        n_ref="n_ref",
        group_by="area",
        confidence=BOTH_LEVELS,
    )
    assert_agrees(table, 3 * 5)


def test_life_expectancy_agrees_at_every_age(side):
    needs("life_expectancy")
    age = np.array(LIFE_TABLE_START_AGES * 3, dtype=float)
    population = RNG.integers(3000, 12_000, 60)
    infant = np.where(age == 0, 40.0, 1.0) * np.where(age == 1, 4.0, 1.0)
    level = np.repeat([1.0, 1.4, 0.7], 20)
    data = pd.DataFrame(
        {
            "area": np.repeat(["north", "south", "east"], 20),
            "age_band": list(LIFE_TABLE_AGE_BANDS) * 3,
            "population": population,
            "deaths": RNG.poisson(population * np.exp(-9 + 0.085 * age) * infant * level),
        }
    )
    table = compare(
        side,
        "life_expectancy",
        data,
        x="deaths",
        n="population",
        group_by="area",
        confidence=BOTH_LEVELS,
    )
    assert_agrees(table, 60 * 5)


@pytest.mark.parametrize("polarity", ["adverse", "favourable"])
@pytest.mark.parametrize("n_quantiles", [5, 10])
def test_deprivation_quantiles_agree(side, polarity, n_quantiles):
    needs("deprivation_quantiles")
    data = pd.DataFrame(
        {"district": np.repeat(["X", "Y", "Z"], [23, 40, 97]), "score": RNG.gamma(2, 10, 160)}
    )
    table = compare(
        side,
        "deprivation_quantiles",
        data,
        value="score",
        group_by="district",
        n_quantiles=n_quantiles,
        polarity=polarity,
    )
    assert_agrees(table, 160)


@pytest.mark.parametrize("polarity", ["favourable", "adverse"])
def test_slope_index_agrees_within_monte_carlo_tolerance(side, polarity):
    needs("slope_index_of_inequality")
    rng = np.random.default_rng(17)  # its own draws: the shared RNG's depend on test order
    data = pd.DataFrame(
        {
            "area": np.repeat(["A", "B"], 10),
            "decile": np.tile(np.arange(1, 11), 2),
            "population": rng.integers(5000, 20_000, 20),
            "life_expectancy": np.tile(np.linspace(76, 84, 10), 2) + rng.normal(0, 0.5, 20),
            "se": rng.uniform(0.3, 0.8, 20),
        }
    )
    table = compare(
        side,
        "slope_index_of_inequality",
        data,
        quantile="decile",
        n="population",
        polarity=polarity,
        value="life_expectancy",
        se="se",
        group_by="area",
        repetitions=20_000,
        confidence=BOTH_LEVELS,
        seed=3,
    )
    assert_agrees(table, 2 * 5)
    point = table[table["compared"] == "value"]
    assert (point["rel_diff"] < 1e-9).all()  # the point estimate is closed form
    limits = table[table["compared"] != "value"]
    # a tolerance that still bites: well under a tenth of the limits compared
    assert (limits["tolerance"] < 0.1 * limits["r"].abs()).all()


def test_ungrouped_aggregate_comparison_pairs_the_single_results(side):
    data = pd.DataFrame(
        {"q": range(1, 6), "pop": [1000, 1200, 900, 1100, 1000], "v": [80.0, 78, 77, 75, 74]}
    ).assign(se=1.0)
    table = compare(
        side,
        "slope_index_of_inequality", data, quantile="q", n="pop", polarity="favourable", value="v", se="se",
        repetitions=20_000, seed=3,
    )  # fmt: skip
    assert (table["index"] == "SII").all()
    value = table[table["compared"] == "value"]
    assert len(value) == 1 and bool(value["pass"].iloc[0])
    assert table["pass"].all()
    mean = compare(side, "mean", data, value="v")
    assert (mean["group"] == "all").all() and len(mean) == 3 and mean["pass"].all()
