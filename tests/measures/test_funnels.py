"""Funnel-plot limits, significance and points against the PHEindicatormethods 2.x
reference outputs (proportions, ratios, crude and DSR rates, axis variations)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.measures import funnel_limits, funnel_points, funnel_significance
from analysis.validation import InputError

RTOL = 1e-6
# PHEindicatormethods finds the Poisson funnel by bisection on v = z / (1 + O + z), stopping
# when the step is below 1e-7; we use the exact chi-squared root. Where that bisection's
# resolution exceeds 1e-6 relative (1 observed event, upper limits) cells are compared on
# its own scale instead.
BISECTION_STEP = 1.2e-7


def _csv(phe_reference, name):
    return pd.read_csv(phe_reference / name, encoding="utf-8-sig")


def _assert_limits(out, expected, observed):
    """Every numeric cell to 1e-6 relative, or the Poisson root to the bisection's step."""
    for column in expected.columns:
        if not pd.api.types.is_numeric_dtype(expected[column]):
            assert list(out[column]) == list(expected[column]), column
            continue
        ours, theirs = out[column].to_numpy(float), expected[column].to_numpy(float)
        close = np.isclose(ours, theirs, rtol=RTOL, atol=0)
        if not close.all():
            # Convert to the implied expected count z and compare on the bisection scale.
            o = observed[~close]
            z_ours, z_theirs = (
                _implied_root(column, ours[~close], o),
                _implied_root(column, theirs[~close], o),
            )
            v = np.abs(z_ours / (1 + o + z_ours) - z_theirs / (1 + o + z_theirs))
            assert (v <= BISECTION_STEP).all(), (column, ours[~close], theirs[~close])


def _implied_root(column, values, observed):
    if column.endswith("_count"):  # ratio - 1
        return observed / (values + 1)
    if column.endswith("_isr"):  # ratio x 100
        return observed / (values / 100)
    return values  # expected events (ratios) are the root itself


@pytest.fixture(scope="module")
def proportions_in(phe_reference):
    return _csv(phe_reference, "testdata_funnel_prop_inputs.csv")


PROPORTION_COLUMNS = [
    "Population", "lower_2s_limit", "upper_2s_limit", "lower_3s_limit", "upper_3s_limit",
    "baseline",
]  # fmt: skip


def test_proportion_funnel_limits_match_reference(phe_reference, proportions_in):
    expected = _csv(phe_reference, "testdata_funnel_prop_outputs.csv")
    expected.columns = PROPORTION_COLUMNS
    out = funnel_limits(
        proportions_in, "numerator", "denominator", statistic="proportion", multiplier=100,
        metadata=False,
    )  # fmt: skip
    assert list(out.columns) == PROPORTION_COLUMNS
    np.testing.assert_allclose(out.to_numpy(float), expected.to_numpy(float), rtol=RTOL)


def test_proportion_funnel_limits_with_axis_variation_match_reference(
    phe_reference, proportions_in
):
    expected = _csv(phe_reference, "testdata_funnel_prop_outputs_with_axis_variation.csv")
    expected.columns = PROPORTION_COLUMNS
    out = funnel_limits(
        proportions_in[proportions_in["denominator"] < 31000], "numerator", "denominator",
        statistic="proportion", multiplier=100,
    )  # fmt: skip
    np.testing.assert_allclose(out[PROPORTION_COLUMNS], expected, rtol=RTOL)
    assert (out["statistic"] == "proportion").all() and (out["method"] == "Wilson").all()


def test_proportion_significance_labels_match_reference(proportions_in):
    out = funnel_significance(
        proportions_in[["Area", "numerator", "denominator"]], "numerator", "denominator",
        statistic="proportion",
    )  # fmt: skip
    assert list(out["significance"].astype(str)) == list(proportions_in["significance"])


@pytest.fixture(scope="module")
def ratio_reference(phe_reference):
    inputs = _csv(phe_reference, "testdata_funnel_ratio_inputs.csv")
    outputs = _csv(phe_reference, "testdata_funnel_ratio_outputs.csv")
    outputs = outputs.rename(columns={outputs.columns[0]: "Observed_events"})
    return inputs, outputs


@pytest.mark.parametrize(("ratio_type", "other"), [("count", "isr"), ("isr", "count")])
def test_ratio_funnel_limits_match_reference(ratio_reference, ratio_type, other):
    inputs, outputs = ratio_reference
    expected = outputs.drop(columns=[c for c in outputs if c.endswith(other)])
    out = funnel_limits(
        inputs, "obs", "expected", statistic="ratio", multiplier=100, ratio_type=ratio_type
    )
    renamed = out.rename(columns=lambda c: c.replace("limit", ratio_type))
    _assert_limits(renamed, expected, expected["Observed_events"].to_numpy(float))
    assert (out["statistic"] == f"ratio ({ratio_type})").all() and (
        out["method"] == "Poisson"
    ).all()


def test_ratio_significance_labels_match_reference(ratio_reference):
    inputs, _ = ratio_reference
    out = funnel_significance(inputs[["obs", "expected"]], "obs", "expected", statistic="ratio")
    assert list(out["significance"].astype(str)) == list(inputs["significance"])


@pytest.fixture(scope="module")
def rate_funnel_input(phe_reference):
    return _csv(phe_reference, "testdata_funnel_rate_input_funnels.csv")


def _rate_limits_match(out, expected):
    events = expected["Events"].to_numpy(float)
    average = expected["baseline"].to_numpy(float) / 1e5
    for column in expected.columns:
        if column.endswith("population_1_year"):
            # population per year = z / average / 3: compare its root z on the bisection scale
            expected[column] = expected[column] * average * 3
            out[column] = out[column] * average * 3
        elif column.endswith("_limit"):
            expected[column] = events / (expected[column] / 1e5 / average)
            out[column] = events / (out[column] / 1e5 / average)
    _assert_limits(out, expected, events)


def test_dsr_rate_funnel_limits_match_reference(phe_reference, rate_funnel_input):
    out = funnel_limits(
        rate_funnel_input, "ev", rate="rate", multiplier=1e5, statistic="rate",
        rate_type="dsr", years_of_data=3,
    )  # fmt: skip
    _rate_limits_match(out, _csv(phe_reference, "testdata_funnel_rate_outputs.csv"))


def test_crude_rate_funnel_limits_with_fewer_than_10_events_match_reference(
    phe_reference, rate_funnel_input
):
    data = rate_funnel_input.assign(
        ev=np.where(
            rate_funnel_input["ev"] == rate_funnel_input["ev"].max(), 5, rate_funnel_input["ev"]
        )
    )
    out = funnel_limits(
        data, "ev", rate="rate", multiplier=1e5, statistic="rate", rate_type="crude",
        years_of_data=3,
    )  # fmt: skip
    _rate_limits_match(out, _csv(phe_reference, "testdata_funnel_rate_outputs_2.csv"))


def test_crude_rate_funnel_limits_with_zero_events_and_denominator_match_reference(
    phe_reference, rate_funnel_input
):
    data = rate_funnel_input[["ev", "rate"]].assign(pop=lambda t: 1e5 * t["ev"] / t["rate"])
    top = data["ev"] == data["ev"].max()
    data.loc[top, ["ev", "rate"]] = 0
    data = data[data["pop"] > data["pop"].max() / 2]
    with pytest.raises(InputError, match="0 events need the denominator"):
        funnel_limits(data, "ev", rate="rate", multiplier=1e5, statistic="rate",
                      rate_type="crude", years_of_data=3)  # fmt: skip
    out = funnel_limits(
        data, "ev", "pop", rate="rate", multiplier=1e5, statistic="rate", rate_type="crude",
        years_of_data=3,
    )  # fmt: skip
    _rate_limits_match(out, _csv(phe_reference, "testdata_funnel_rate_outputs_3.csv"))


@pytest.mark.parametrize(
    ("rate_type", "rate", "multiplier", "label"),
    [
        ("dsr", "rate_dsr", 1e5, "dsr_per_100000"),
        ("dsr", "rate_dsr", 100, "dsr_per_100"),
        ("crude", "rate_crude_per_100000", 1e5, "crude_per_100000"),
        ("crude", "rate_crude_per_100", 100, "crude_per_100"),
    ],
)
@pytest.mark.parametrize("with_zero", [True, False])
def test_rate_significance_labels_match_reference(
    phe_reference, rate_type, rate, multiplier, label, with_zero
):
    inputs = _csv(phe_reference, "testdata_funnel_rate_dsr_inputs.csv")
    if not with_zero:
        inputs = inputs[inputs["count"] != 0]
    out = funnel_significance(
        inputs[["count", rate, "pop"]], "count", "pop", rate=rate, statistic="rate",
        rate_type=rate_type, multiplier=multiplier,
    )  # fmt: skip
    expected = inputs[f"{label}_{'with' if with_zero else 'without'}_0"]
    assert list(out["significance"].astype(str)) == list(expected)


def test_funnel_points_match_reference(rate_funnel_input):
    data = rate_funnel_input
    top = data["ev"] == data["ev"].max()
    dsr = funnel_points(
        data[["ev", "rate"]].assign(ev=np.where(top, 5, data["ev"])), "ev", "rate",
        rate_type="dsr", years_of_data=3, multiplier=1e5,
    )  # fmt: skip
    np.testing.assert_allclose(dsr["rate_chart"], data["rate_chart"], rtol=RTOL, equal_nan=True)
    np.testing.assert_allclose(
        dsr["denominator_derived"], data["denominator_derived"], rtol=RTOL, equal_nan=True
    )
    crude = funnel_points(
        data[["ev", "rate"]], "ev", "rate", rate_type="crude", years_of_data=3, multiplier=1e5
    )
    np.testing.assert_allclose(crude["rate_chart"], data["rate_chart_crude"], rtol=RTOL)
    np.testing.assert_allclose(
        crude["denominator_derived"], data["denominator_derived_crude"], rtol=RTOL
    )
    zero = funnel_points(
        data[["ev", "rate", "pop"]].assign(ev=np.where(top, 0, data["ev"])), "ev", "rate",
        n="pop", rate_type="crude", years_of_data=5, multiplier=1e5,
    )  # fmt: skip
    np.testing.assert_allclose(zero["rate_chart"], data["rate_chart_crude_with_denom"], rtol=RTOL)
    np.testing.assert_allclose(
        zero["denominator_derived"], data["denominator_derived_crude_with_denom"], rtol=RTOL
    )


@pytest.mark.parametrize(
    ("x", "n", "message"),
    [([65, 80, 30], [100, 100, 0], r"column 'pop': denominators \(n\) must be greater than zero"),
     ([65, -80, 30], [100, 100, 200], r"column 'obs': counts \(x\) must not be negative"),
     ([65, 80, 30], [100, 100, 20], r"counts \(x\) must not be greater than denominators \(n\)")],
)  # fmt: skip
def test_invalid_funnel_inputs_raise(x, n, message):
    """Errors name the column and the argument it was given as (issue #15: ``x`` and ``n``)."""
    df = pd.DataFrame({"area": ["A1", "A2", "A3"], "obs": x, "pop": n})
    with pytest.raises(InputError, match=message):
        funnel_significance(df, x="obs", n="pop", statistic="proportion")
    with pytest.raises(InputError, match=r"statistic='ratio' needs n \(the denominator column\)"):
        funnel_limits(df, "obs", statistic="ratio", multiplier=100)
    with pytest.raises(InputError, match="statistic must be one of"):
        funnel_limits(df, "obs", "pop", statistic="pop", multiplier=100)
