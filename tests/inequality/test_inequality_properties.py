"""Property-based tests (hypothesis) of the SII/RII and the WHO HEAT summary measures.

Properties that hold for any data, checked on random groups, quantiles and populations:

- on a perfect linear gradient ``value = a + b * rank`` (rank: the population-weighted
  midpoint of Low & Low 2004) the SII is the slope ``b`` (``-b`` with
  ``polarity="adverse"``) and the intercept ``a``, by every method, and HEAT's SII through
  :func:`summary_measures` too;
- the results do not depend on the order of the rows, nor on the names of the groups
  (``group_by``) or, for a non-ordered dimension, of the subgroups;
- scaling the populations by a constant changes nothing; scaling the values scales the SII;
- quantile labels stored as text (``"1"`` to ``"10"``) give the same SII as numbers (issue
  #15: sorted as text they gave 5.64 instead of 10.0 on a perfect gradient).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.inequality import slope_index_of_inequality, summary_measures
from analysis.validation import InputError

SETTINGS = settings(max_examples=25, deadline=None)
METHODS = ("ohid", "scotpho", "who_heat")


def _ranks(population: np.ndarray) -> np.ndarray:
    """Midpoints of each quantile's range in the cumulative population (Low & Low 2004),
    written out here from the definition rather than taken from the package."""
    share = population / population.sum()
    return np.cumsum(share) - share / 2


@st.composite
def gradients(draw: st.DrawFn) -> tuple[pd.DataFrame, list[tuple[float, float]]]:
    """Groups of ``k`` quantiles on exact straight lines ``a + b * rank``, with their (a, b)."""
    n_groups = draw(st.integers(1, 4))
    k = draw(st.integers(5, 12))
    frames, lines = [], []
    for g in range(n_groups):
        population = np.array(
            draw(st.lists(st.integers(50, 100_000), min_size=k, max_size=k)), dtype="float64"
        )
        a = draw(st.floats(40, 90))
        b = draw(st.floats(-30, 30))
        frames.append(
            pd.DataFrame(
                {
                    "area": f"area {g}",
                    "quantile": np.arange(1, k + 1),
                    "population": population,
                    "value": a + b * _ranks(population),
                    "se": draw(st.floats(0.05, 2.0)),
                }
            )
        )
        lines.append((a, b))
    return pd.concat(frames, ignore_index=True), lines


def _sii(data: pd.DataFrame, method: str, **kwargs) -> pd.DataFrame:
    return slope_index_of_inequality(
        data, "quantile", "population", "value", group_by="area", method=method,
        se="se" if method == "ohid" else None, repetitions=1000, seed=7, intercept=True,
        **{"polarity": "favourable", **kwargs},
    )  # fmt: skip


@SETTINGS
@given(gradients(), st.sampled_from(METHODS))
def test_sii_on_a_perfect_linear_gradient_is_its_slope(case, method: str) -> None:
    data, lines = case
    out = _sii(data, method)
    sii = out[out["measure"] == "SII"].set_index("area")["value"]
    intercept = out[out["measure"] == "intercept"].set_index("area")["value"]
    adverse = _sii(data, method, polarity="adverse")
    flipped = adverse[adverse["measure"] == "SII"].set_index("area")["value"]
    for g, (a, b) in enumerate(lines):
        assert sii[f"area {g}"] == pytest.approx(b, abs=1e-9 * max(1.0, abs(a)))
        assert flipped[f"area {g}"] == pytest.approx(-b, abs=1e-9 * max(1.0, abs(a)))
        assert intercept[f"area {g}"] == pytest.approx(a, rel=1e-9)


@SETTINGS
@given(gradients(), st.sampled_from(METHODS), st.randoms(use_true_random=False))
def test_sii_does_not_depend_on_row_order_or_group_names(case, method: str, rnd) -> None:
    data, _ = case
    noisy = data.assign(value=data["value"] + np.sin(np.arange(len(data))))
    expected = _sii(noisy, method)
    order = list(range(len(noisy)))
    rnd.shuffle(order)
    shuffled = noisy.iloc[order]
    pd.testing.assert_frame_equal(_sii(shuffled, method), expected, rtol=1e-10)
    # new names in the opposite alphabetical order: each group keeps its own results
    names = {f"area {g}": f"zone {99 - g}" for g in range(noisy["area"].nunique())}
    renamed = _sii(shuffled.assign(area=shuffled["area"].map(names)), method)
    back = renamed.assign(area=renamed["area"].map({v: k for k, v in names.items()}))
    key = ["area", "measure"]
    pd.testing.assert_frame_equal(
        back.sort_values(key, ignore_index=True),
        expected.sort_values(key, ignore_index=True),
        rtol=1e-10,
    )


@SETTINGS
@given(gradients(), st.sampled_from(("scotpho", "who_heat")), st.floats(0.1, 1000))
def test_sii_scales_with_the_values_and_ignores_the_population_scale(case, method, c) -> None:
    data, _ = case
    noisy = data.assign(value=data["value"] + np.cos(np.arange(len(data))))
    expected = _sii(noisy, method)
    more_people = _sii(noisy.assign(population=noisy["population"] * 7), method)
    pd.testing.assert_frame_equal(more_people, expected, rtol=1e-9)
    scaled = _sii(noisy.assign(value=noisy["value"] * c), method)
    for column in ("value", "lowercl", "uppercl"):
        sii = scaled["measure"] == "SII"
        np.testing.assert_allclose(
            scaled.loc[sii, column], c * expected.loc[sii, column], rtol=1e-9
        )


@SETTINGS
@given(gradients(), st.sampled_from(METHODS))
def test_quantile_labels_stored_as_text_are_read_as_numbers(case, method: str) -> None:
    data, _ = case
    as_text = data.assign(quantile=data["quantile"].astype(str))
    pd.testing.assert_frame_equal(_sii(as_text, method), _sii(data, method))


def test_text_deciles_on_a_perfect_gradient_give_the_slope_not_a_text_sort() -> None:
    """The example of issue #15: deciles "1" to "10" on a gradient of slope 10."""
    data = pd.DataFrame(
        {"quantile": [str(d) for d in range(1, 11)], "population": 1000.0,
         "value": np.arange(1.0, 11.0), "se": 0.5, "area": "all"}
    )  # fmt: skip
    for method in METHODS:
        assert _sii(data, method)["value"].iloc[0] == pytest.approx(10.0, rel=1e-12)


def test_quantile_labels_that_are_not_numbers_raise() -> None:
    data = pd.DataFrame(
        {"quantile": ["most", "2", "3", "4", "least"], "population": 1000.0,
         "value": np.arange(1.0, 6.0), "se": 0.5, "area": "all"}
    )  # fmt: skip
    with pytest.raises(InputError, match="'quantile': must be numeric"):
        _sii(data, "scotpho")


@st.composite
def subgroups(draw: st.DrawFn) -> pd.DataFrame:
    """One or more groups of 3 to 8 subgroups with estimates, populations and SEs."""
    n_groups = draw(st.integers(1, 3))
    k = draw(st.integers(3, 8))
    rows = []
    for g in range(n_groups):
        # distinct estimates: with a tie for the highest or lowest, which subgroup D and R
        # compare (and so their limits) depends on the order of the subgroups
        values = draw(st.lists(st.floats(5, 95), min_size=k, max_size=k, unique=True))
        for j in range(k):
            rows.append(
                {
                    "area": f"area {g}",
                    "subgroup": f"group {j}",
                    "rank": j + 1,
                    "value": values[j],
                    "population": draw(st.floats(100, 50_000)),
                    "se": draw(st.floats(0.1, 3)),
                }
            )
    return pd.DataFrame(rows)


ANALYTIC_NON_ORDERED = ["D", "R", "BGV", "BGSD", "TI", "MLD", "PAR", "PAF"]
ALL_NON_ORDERED = [*ANALYTIC_NON_ORDERED, "COV", "MDMU", "MDMW", "MDBU", "MDBW", "IDISU", "IDISW"]


def _summary(data: pd.DataFrame, measures: list[str], *, ordered: bool) -> pd.DataFrame:
    subgroups = {"quantile": "rank"} if ordered else {"category": "subgroup"}
    return summary_measures(
        data, "value", "population", **subgroups, polarity="adverse", se="se", group_by="area",
        measures=measures, scale=100, upper_bound=100, repetitions=500, seed=3,
    )  # fmt: skip


@SETTINGS
@given(subgroups(), st.randoms(use_true_random=False))
def test_summary_measures_do_not_depend_on_row_order_or_names(data, rnd) -> None:
    key = ["area", "measure"]
    expected = _summary(data, ALL_NON_ORDERED, ordered=False).sort_values(key, ignore_index=True)
    order = list(range(len(data)))
    rnd.shuffle(order)
    shuffled = data.iloc[order]
    got = _summary(shuffled, ALL_NON_ORDERED, ordered=False).sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, rtol=1e-10)
    # new names for the groups and the subgroups (in another alphabetical order): every
    # estimate is unchanged, and the limits of the analytic measures (the simulated ones
    # draw their random numbers in the order of the subgroup names)
    groups = {a: f"zone {9 - i}" for i, a in enumerate(sorted(data["area"].unique()))}
    names = {s: f"{chr(122 - i)}" for i, s in enumerate(sorted(data["subgroup"].unique()))}
    renamed = shuffled.assign(
        area=shuffled["area"].map(groups), subgroup=shuffled["subgroup"].map(names)
    )
    got = _summary(renamed, ALL_NON_ORDERED, ordered=False)
    got = got.assign(area=got["area"].map({v: k for k, v in groups.items()}))
    got = got.sort_values(key, ignore_index=True)
    np.testing.assert_allclose(got["value"], expected["value"], rtol=1e-10)
    analytic = expected["measure"].isin(ANALYTIC_NON_ORDERED)
    for column in ("lowercl", "uppercl"):
        np.testing.assert_allclose(
            got.loc[analytic, column], expected.loc[analytic, column], rtol=1e-10
        )


@SETTINGS
@given(subgroups(), st.floats(5, 95))
def test_equal_subgroups_show_no_inequality(data, level: float) -> None:
    out = _summary(data.assign(value=level), ANALYTIC_NON_ORDERED, ordered=False)
    value = out.set_index(["area", "measure"])["value"].unstack()
    np.testing.assert_allclose(value[["D", "BGV", "BGSD", "TI", "MLD", "PAR", "PAF"]], 0, atol=1e-9)
    np.testing.assert_allclose(value["R"], 1, rtol=1e-12)


@SETTINGS
@given(gradients())
def test_heat_sii_on_a_perfect_linear_gradient_is_its_slope(case) -> None:
    data, lines = case
    data = data.assign(value=data["value"] + 100)
    out = summary_measures(
        data, "value", "population", quantile="quantile", polarity="adverse", group_by="area",
        measures=["SII"],
    )  # fmt: skip
    for g, (_, b) in enumerate(lines):
        got = out.loc[out["area"] == f"area {g}", "value"].iloc[0]
        assert got == pytest.approx(b, abs=1e-8)
