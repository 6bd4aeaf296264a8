"""interval_dot_plot (analysis.report.interval_plots): groups in the order asked, one colour each, intervals drawn from the named limits, and the house rules for figures kept."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.report import QUALITATIVE, check_figure, deprivation_palette  # noqa: E402
from analysis.report.interval_plots import extreme_groups, interval_dot_plot  # noqa: E402
from analysis.validation import InputError  # noqa: E402

QUINTILES = ["1 (most deprived)", "2", "3", "4", "5 (least deprived)"]
AXIS = "Age-standardised rate per 100,000 person-years (95% CI)"


def rates() -> pd.DataFrame:
    rows = [
        {"indicator": indicator, "group": q, "value": base * (1.5 - 0.1 * i),
         "lowercl": base * (1.4 - 0.1 * i), "uppercl": base * (1.6 - 0.1 * i)}
        for indicator, base in [("CVD mortality", 200.0), ("Cancer incidence", 1_500.0)]
        for i, q in enumerate(QUINTILES)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_groups_run_top_down_in_the_order_given_each_in_its_colour():
    plot = interval_dot_plot(rates(), "group", QUINTILES, deprivation_palette(5), axis_title=AXIS)
    # coord_flip draws the first category at the bottom, so the order is reversed
    assert list(plot.data["group"].cat.categories) == QUINTILES[::-1]
    (colours,) = [scale for scale in plot.scales if scale.aesthetics == ["color"]]
    assert colours.guide is None
    assert colours.palette(5) == dict(zip(QUINTILES, deprivation_palette(5), strict=True))
    assert plot.labels.y == AXIS and plot.labels.x == ""
    assert [type(layer.geom).__name__ for layer in plot.layers] == ["geom_errorbar", "geom_point"]
    mapping = plot.layers[0].mapping
    assert (mapping["ymin"], mapping["ymax"]) == ("lowercl", "uppercl")
    check_figure(plot)  # raises if a house rule is broken


def test_other_column_names():
    table = rates().rename(columns={"value": "dsr", "lowercl": "lo", "uppercl": "hi"})
    plot = interval_dot_plot(
        table, "group", QUINTILES, list(QUALITATIVE[:5]), axis_title=AXIS, value="dsr",
        lowercl="lo", uppercl="hi",
    )  # fmt: skip
    assert plot.mapping["y"] == "dsr"
    assert (plot.layers[0].mapping["ymin"], plot.layers[0].mapping["ymax"]) == ("lo", "hi")


@pytest.mark.parametrize(
    ("order", "colours", "message"),
    [
        (QUINTILES[:4], deprivation_palette(4), "every group must be in order"),
        ([*QUINTILES, "2"], deprivation_palette(5), "more than once"),
        (QUINTILES, deprivation_palette(4), "4 colour"),
    ],
)
def test_bad_orders_and_colours_raise(order, colours, message):
    with pytest.raises(InputError, match=message):
        interval_dot_plot(rates(), "group", order, colours, axis_title=AXIS)


def test_a_missing_column_raises():
    with pytest.raises(InputError, match=r"missing column\(s\) \['breakdown'\]"):
        interval_dot_plot(rates(), "breakdown", QUINTILES, deprivation_palette(5), axis_title=AXIS)


def test_extreme_groups_keeps_all_up_to_the_limit_then_the_highest_and_lowest():
    rates = pd.Series({f"D{i:02d}": float(v) for i, v in enumerate([5, 9, 1, 7, 3, 8, 2, 6])})
    assert extreme_groups(rates, 8) == list(rates.index)  # all, in the order given
    # worked by hand: highest 9 (D01), 8 (D05), 7 (D03); lowest 3 (D04), 2 (D06), 1 (D02)
    assert extreme_groups(rates, 6) == ["D01", "D05", "D03", "D04", "D06", "D02"]
    assert extreme_groups(rates, 7) == ["D01", "D05", "D03", "D04", "D06", "D02"]


@pytest.mark.parametrize(
    "values, most",
    [
        (pd.Series({"a": 1.0, "b": 2.0, "c": 3.0}), 1),
        (pd.Series({"a": 1.0, "b": 2.0, "c": 3.0}), 2.5),
        (pd.Series({"a": 1.0, "b": None, "c": 3.0}), 2),
        (pd.Series([1.0, 2.0, 3.0], index=["a", "a", "c"]), 2),
    ],
)
def test_extreme_groups_refuses_a_bad_limit_missing_values_and_repeated_groups(values, most):
    with pytest.raises(InputError):
        extreme_groups(values, most)
