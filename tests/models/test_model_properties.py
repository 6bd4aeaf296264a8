"""Property-based tests (hypothesis) of the rate and binary models.

On random tables of counts by two categorical predictors:

- the fit does not depend on the order of the rows, nor on the names of the levels (each
  level keeps its ratio when every name changes, the reference included);
- with one predictor of two levels the model is saturated and its ratio and Wald interval
  are the closed forms: the odds ratio with Woolf's standard error
  ``sqrt(1/a + 1/b + 1/c + 1/d)`` and the rate ratio with ``sqrt(1/x1 + 1/x0)``;
- doubling every count leaves the ratios unchanged and divides the standard errors by
  ``sqrt(2)`` (the information doubles);
- the standardised probabilities of a saturated model are the observed proportions;
- with several confidence levels each pair of limits is that of a fit at the level alone, and
  the pairs are nested (a higher level, a wider interval).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.models import binary_model, rate_model, standardised_predictions

SETTINGS = settings(max_examples=20, deadline=None)
COMPARED = ["term", "value", "lowercl", "uppercl", "coefficient", "std_error"]


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    """Counts by ``a`` (3 levels) x ``b`` (2 levels): events of trials and person-years."""
    rows = []
    for a in ("low", "mid", "high"):
        for b in ("f", "m"):
            trials = draw(st.integers(300, 2_000))
            rows.append(
                {
                    "a": a,
                    "b": b,
                    "events": draw(st.integers(5, trials - 5)),
                    "trials": trials,
                    "years": draw(st.floats(500, 50_000)),
                }
            )
    return pd.DataFrame(rows)


def _fits(data: pd.DataFrame, reference: dict | None = None) -> dict[str, pd.DataFrame]:
    return {
        "binary": binary_model(data, "events", ["a", "b"], n="trials", reference=reference).table,
        "rate": rate_model(data, "events", "years", ["a", "b"], reference=reference).table,
    }


def _wald_z(table: pd.DataFrame) -> np.ndarray:
    """The |z| a p-value stands for: compared instead of p, whose relative error in the far tail
    is about z^2 times that of z (p = 3e-79 at z = 18.8 moves by 1e-5 when z moves by 3e-8)."""
    return stats.norm.isf(table["p"].to_numpy() / 2)


@SETTINGS
@given(tables(), st.randoms(use_true_random=False))
def test_fits_do_not_depend_on_row_order(data: pd.DataFrame, rnd) -> None:
    order = list(range(len(data)))
    rnd.shuffle(order)
    expected, got = _fits(data), _fits(data.iloc[order])
    for model in expected:
        pd.testing.assert_frame_equal(got[model][COMPARED], expected[model][COMPARED], rtol=1e-7)
        np.testing.assert_allclose(
            _wald_z(got[model]), _wald_z(expected[model]), rtol=1e-6, atol=1e-9
        )


@SETTINGS
@given(tables())
def test_fits_do_not_depend_on_level_names(data: pd.DataFrame) -> None:
    names = {"low": "z3", "mid": "a1", "high": "m2", "f": "y", "m": "b"}
    expected = _fits(data, reference={"a": "low", "b": "f"})
    renamed = data.assign(a=data["a"].map(names), b=data["b"].map(names))
    got = _fits(renamed, reference={"a": "z3", "b": "y"})
    for model in expected:
        mine = got[model].assign(level=got[model]["level"].map({v: k for k, v in names.items()}))
        mine = mine.set_index("level").loc[expected[model]["level"]]
        for column in ("value", "lowercl", "uppercl", "std_error"):
            np.testing.assert_allclose(mine[column], expected[model][column], rtol=1e-7)
        np.testing.assert_allclose(_wald_z(mine), _wald_z(expected[model]), rtol=1e-6, atol=1e-9)


@SETTINGS
@given(
    st.integers(5, 400), st.integers(5, 400), st.integers(5, 400), st.integers(5, 400),
    st.floats(100, 1e6), st.floats(100, 1e6),
)  # fmt: skip
def test_saturated_two_group_models_give_the_closed_forms(x1, y1, x0, y0, t1, t0) -> None:
    """``x`` with the outcome and ``y`` without it, in the exposed (1) and reference (0)
    groups; ``t`` their person-years for the rate model."""
    data = pd.DataFrame(
        {"g": ["ref", "exposed"], "x": [x0, x1], "n": [x0 + y0, x1 + y1], "t": [t0, t1]}
    )
    z = stats.norm.ppf(0.975)
    odds = binary_model(data, "x", ["g"], n="n", reference={"g": "ref"}).table.iloc[0]
    log_or, se = np.log(x1 * y0 / (y1 * x0)), np.sqrt(1 / x1 + 1 / y1 + 1 / x0 + 1 / y0)
    assert odds["value"] == pytest.approx(np.exp(log_or), rel=1e-7)
    assert odds["std_error"] == pytest.approx(se, rel=1e-6)
    assert odds["lowercl"] == pytest.approx(np.exp(log_or - z * se), rel=1e-6)
    assert odds["uppercl"] == pytest.approx(np.exp(log_or + z * se), rel=1e-6)
    rate = rate_model(data, "x", "t", ["g"], reference={"g": "ref"}).table.iloc[0]
    log_rr, se = np.log((x1 / t1) / (x0 / t0)), np.sqrt(1 / x1 + 1 / x0)
    assert rate["value"] == pytest.approx(np.exp(log_rr), rel=1e-7)
    assert rate["std_error"] == pytest.approx(se, rel=1e-6)
    assert rate["p"] == pytest.approx(2 * stats.norm.sf(abs(log_rr) / se), rel=1e-5, abs=1e-12)


@SETTINGS
@given(tables())
def test_doubling_every_count_divides_the_standard_errors_by_root_two(data) -> None:
    expected = _fits(data)
    got = _fits(data.assign(events=data["events"] * 2, trials=data["trials"] * 2,
                            years=data["years"] * 2))  # fmt: skip
    for model in expected:
        np.testing.assert_allclose(got[model]["value"], expected[model]["value"], rtol=1e-7)
        np.testing.assert_allclose(
            got[model]["std_error"], expected[model]["std_error"] / np.sqrt(2), rtol=1e-6
        )


@SETTINGS
@given(tables())
def test_standardised_probabilities_of_a_saturated_model_are_the_observed(data) -> None:
    cells = data.assign(ab=data["a"] + "/" + data["b"])
    fit = binary_model(cells, "events", ["ab"], n="trials")
    out = standardised_predictions(fit, "ab")
    levels = out[out["statistic"] == "standardised probability"].set_index("level")["value"]
    observed = cells.set_index("ab").eval("events / trials")
    np.testing.assert_allclose(levels.loc[observed.index], observed, rtol=1e-7)


@SETTINGS
@given(
    tables(),
    st.lists(st.floats(0.9, 0.999), min_size=2, max_size=3, unique=True).filter(
        lambda levels: len({round(c, 3) for c in levels}) == len(levels)
    ),
)
def test_several_levels_give_nested_pairs_equal_to_single_level_fits(
    data: pd.DataFrame, levels: list[float]
) -> None:
    """Each pair of a several-level fit is that level's single fit; wider levels hold narrower."""
    levels = [round(c, 3) for c in levels]
    both = rate_model(data, "events", "years", ["a", "b"], confidence=levels).table
    tags = [f"{c * 100:.1f}".replace(".", "_") for c in levels]
    for level, tag in zip(levels, tags, strict=True):
        one = rate_model(data, "events", "years", ["a", "b"], confidence=level).table
        np.testing.assert_allclose(both[f"lower{tag}cl"], one["lowercl"], rtol=1e-12)
        np.testing.assert_allclose(both[f"upper{tag}cl"], one["uppercl"], rtol=1e-12)
    ordered = [tag for _, tag in sorted(zip(levels, tags, strict=True))]
    for narrow, wide in zip(ordered, ordered[1:], strict=False):
        assert (both[f"lower{wide}cl"] < both[f"lower{narrow}cl"]).all()
        assert (both[f"upper{wide}cl"] > both[f"upper{narrow}cl"]).all()
