"""Arriaga decomposition of the life-expectancy gap by age and cause.

Independent checks: closed forms (constant death rates give e = 1/m in Chiang's table; a
difference in one band only puts the whole gap there), and the stepwise-replacement
algorithm, which reproduces Arriaga's decomposition when the focus population's rates are
replaced by the reference's from the oldest age down (Andreev, Shkolnikov & Begun 2002,
*Demographic Research* 7:499-522); it uses nothing but life expectancy itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.inequality.decomposition import decompose_life_expectancy_gap
from analysis.measures.life_expectancy import chiang_life_table
from analysis.standards import LIFE_TABLE_AGE_BANDS, LIFE_TABLE_START_AGES
from analysis.validation import InputError

AGES = np.array(LIFE_TABLE_START_AGES, dtype=float)
CAUSES = ["CVD", "Cancer", "Other"]


def tidy(rates: dict[str, np.ndarray], population: float = 20_000.0, **extra) -> pd.DataFrame:
    """Rows per population, band and cause from death rates (bands x causes) per population."""
    frames = [
        pd.DataFrame(
            {
                "quintile": name,
                "age_band": np.repeat(LIFE_TABLE_AGE_BANDS, m.shape[1]),
                "cause": np.tile(CAUSES[: m.shape[1]], 20),
                "population": population,
                "deaths": (m * population).ravel(),
            }
        )  # fmt: skip
        for name, m in rates.items()
    ]
    return pd.concat(frames, ignore_index=True).assign(**extra)


def gompertz(level: float, slope: float = 0.09, mix=(0.4, 0.3, 0.3)) -> np.ndarray:
    return level * np.exp(slope * AGES)[:, None] * np.asarray(mix)[None, :]


def decompose(data: pd.DataFrame, **kwargs) -> pd.DataFrame:
    options = {"category": "quintile", "focus": "Q1", "reference": "Q5", **kwargs}
    return decompose_life_expectancy_gap(data, x="deaths", n="population", **options)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), method=st.sampled_from(["arriaga", "symmetric"]))
def test_contributions_add_up_to_the_gap_exactly(seed, method) -> None:
    rng = np.random.default_rng(seed)
    data = pd.concat([
        tidy({"Q1": gompertz(6e-5) * rng.uniform(0.5, 2, (20, 3)),
              "Q5": gompertz(4e-5) * rng.uniform(0.5, 2, (20, 3))}, sex=sex)
        for sex in ["Female", "Male"]
    ])  # fmt: skip
    out = decompose(data, group_by="sex", method=method)
    totals = out.groupby("sex")[["contribution", "share_of_gap"]].sum()
    gaps = out.groupby("sex")["gap"].first()
    np.testing.assert_allclose(totals["contribution"], gaps, rtol=0, atol=1e-9)
    np.testing.assert_allclose(totals["share_of_gap"], 1, rtol=0, atol=1e-9)
    assert len(out) == 2 * 20 * 3


def test_gap_is_the_difference_of_chiang_life_expectancies() -> None:
    q1, q5 = gompertz(7e-5), gompertz(4e-5)
    out = decompose(tidy({"Q1": q1, "Q5": q5}))
    pop = np.full((2, 20), 20_000.0)
    e0 = chiang_life_table(np.stack([q1.sum(1), q5.sum(1)]) * pop, pop).life_expectancy[:, 0]
    assert out["le_focus"].iloc[0] == pytest.approx(e0[0], abs=1e-10)
    assert out["gap"].iloc[0] == pytest.approx(e0[1] - e0[0], abs=1e-10)


def test_constant_death_rates_give_the_closed_form_gap() -> None:
    m1, m5 = 0.02, 0.0125  # Chiang's table gives e0 = 1/m exactly for constant rates
    data = tidy({"Q1": np.full((20, 1), m1), "Q5": np.full((20, 1), m5)})
    out = decompose(data, cause=None)
    assert out["gap"].iloc[0] == pytest.approx(1 / m5 - 1 / m1, abs=1e-9)
    assert out["contribution"].sum() == pytest.approx(1 / m5 - 1 / m1, abs=1e-9)


def test_difference_in_the_open_band_only_has_the_closed_form_contribution() -> None:
    base = gompertz(5e-5)
    q1 = base.copy()
    q1[-1] *= 1.5
    out = decompose(tidy({"Q1": q1, "Q5": base}))
    by_age = out.groupby("age_band", observed=True)["contribution"].sum()
    np.testing.assert_allclose(by_age.iloc[:-1], 0, atol=1e-12)
    pop = np.full((1, 20), 20_000.0)
    survivors_90 = chiang_life_table(base.sum(1)[None] * pop, pop).survivors[0, -1]
    expected = survivors_90 / 100_000 * (1 / base[-1].sum() - 1 / q1[-1].sum())
    assert by_age.iloc[-1] == pytest.approx(expected, rel=1e-12)


def test_one_cause_differing_takes_the_whole_gap() -> None:
    q1 = gompertz(5e-5)
    q1[:, 1] *= 1.4  # only cancer mortality is higher
    out = decompose(tidy({"Q1": q1, "Q5": gompertz(5e-5)}))
    by_cause = out.groupby("cause")["contribution"].sum()
    assert by_cause["Cancer"] == pytest.approx(out["gap"].iloc[0], abs=1e-12)
    assert by_cause[["CVD", "Other"]].abs().max() < 1e-12


def test_arriaga_equals_stepwise_replacement_from_the_oldest_age() -> None:
    rng = np.random.default_rng(5)
    q1 = gompertz(6e-5, mix=[1]) * rng.uniform(0.6, 1.8, (20, 1))
    q5 = gompertz(4e-5, 0.092, mix=[1]) * rng.uniform(0.6, 1.8, (20, 1))
    out = decompose(tidy({"Q1": q1, "Q5": q5}), cause=None)
    pop = np.full((1, 20), 1.0)

    def e0(rates: np.ndarray) -> float:
        return float(chiang_life_table(rates[None], pop).life_expectancy[0, 0])

    rates, expected = q1.sum(1), np.zeros(20)
    for band in range(19, -1, -1):
        before = e0(rates)
        rates = rates.copy()
        rates[band] = q5.sum(1)[band]
        expected[band] = e0(rates) - before
    np.testing.assert_allclose(out["contribution"], expected, rtol=0, atol=1e-10)


def test_swapping_populations_negates_the_gap_and_symmetric_contributions() -> None:
    data = tidy({"Q1": gompertz(7e-5, mix=(0.5, 0.2, 0.3)), "Q5": gompertz(4e-5)})
    forward = decompose(data, method="symmetric")
    backward = decompose(data, focus="Q5", reference="Q1", method="symmetric")
    np.testing.assert_allclose(backward["contribution"], -forward["contribution"], atol=1e-12)
    plain_forward = decompose(data)
    plain_backward = decompose(data, focus="Q5", reference="Q1")
    assert plain_backward["contribution"].sum() == pytest.approx(
        -plain_forward["contribution"].sum(), abs=1e-9
    )


def test_other_populations_in_the_category_column_are_not_used() -> None:
    data = tidy({"Q1": gompertz(7e-5), "Q3": gompertz(6e-5), "Q5": gompertz(4e-5)})
    with_q3 = decompose(data)
    without = decompose(data[data["quintile"] != "Q3"])
    pd.testing.assert_frame_equal(with_q3, without)


def test_missing_cause_rows_count_as_no_deaths() -> None:
    data = tidy({"Q1": gompertz(7e-5), "Q5": gompertz(4e-5)})
    no_cancer_deaths = data.assign(deaths=data["deaths"].where(data["cause"] != "Cancer", 0.0))
    dropped = no_cancer_deaths[no_cancer_deaths["cause"] != "Cancer"]
    full = decompose(no_cancer_deaths)
    full = full[full["cause"] != "Cancer"].reset_index(drop=True)
    np.testing.assert_allclose(decompose(dropped)["contribution"], full["contribution"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop(index=d.index[(d["quintile"] == "Q5") & (d["age_band"] == "5-9")]),
         "Q5'?: '5-9'"),
        (lambda d: d.assign(population=np.where(d.index == 4, 1.0, d["population"])),
         "population \\(n\\) must be the same"),
        (lambda d: pd.concat([d, d.iloc[[0]]]), "appear once"),
        (lambda d: d.assign(deaths=np.where(d.index == 4, -1.0, d["deaths"])), "negative"),
        (lambda d: d.assign(population=100.0), "5,000 or fewer"),
        (lambda d: d[d["quintile"] == "Q1"], "no rows for \\['Q5'\\]"),
    ],
)  # fmt: skip
def test_invalid_input_raises_a_clear_error(change, message) -> None:
    data = tidy({"Q1": gompertz(7e-5), "Q5": gompertz(4e-5)})
    with pytest.raises(InputError, match=message):
        decompose(change(data))


def test_invalid_method_and_same_populations_raise() -> None:
    data = tidy({"Q1": gompertz(7e-5), "Q5": gompertz(4e-5)})
    with pytest.raises(InputError, match="method"):
        decompose(data, method="horiuchi")
    with pytest.raises(InputError, match="different"):
        decompose(data, reference="Q1")


def test_age_labels_out_of_order_or_incomplete_raise() -> None:
    rates = 0.00005 * np.exp(0.09 * np.array(LIFE_TABLE_START_AGES))
    data = pd.DataFrame(
        {"quintile": ["Q1"] * 20 + ["Q5"] * 20, "age_band": list(LIFE_TABLE_AGE_BANDS) * 2,
         "population": 10_000.0, "deaths": np.r_[rates * 1.3, rates] * 10_000}
    )  # fmt: skip
    swapped = list(LIFE_TABLE_AGE_BANDS)
    swapped[-1], swapped[-2] = swapped[-2], swapped[-1]
    for labels, message in ((swapped, "youngest first"), (swapped[:-1], "20 life-table bands")):
        with pytest.raises(InputError, match=message):
            decompose_life_expectancy_gap(
                data, "deaths", "population", category="quintile", focus="Q1",
                reference="Q5", cause=None, age_labels=labels,
            )  # fmt: skip
