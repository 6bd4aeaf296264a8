"""House rules for figures: colour arithmetic against hand calculations, the NHS palettes
under simulated colour-vision deficiency, each rule caught on a figure that breaks it, and the
package's plotting functions keeping every rule."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from plotnine import (  # noqa: E402
    aes,
    coord_flip,
    facet_grid,
    geom_line,
    geom_point,
    geom_text,
    geom_tile,
    ggplot,
    labs,
    scale_colour_manual,
    scale_fill_manual,
    scale_y_continuous,
    theme,
)

from analysis.models import binary_model, maihda, standardised_predictions  # noqa: E402
from analysis.models.plots import caterpillar_plot, forest_plot, predicted_chart  # noqa: E402
from analysis.report import (  # noqa: E402
    QUALITATIVE,
    FigureRuleError,
    check_figure,
    deprivation_palette,
    theme_nhs,
    thousands_labels,
)
from analysis.report.colours import (  # noqa: E402
    DEFICIENCY_MATRICES,
    contrast_ratio,
    palette_separation,
    simulate_colour_vision,
)
from analysis.report.figures import MIN_SEPARATION, figure_problems, palette_safe  # noqa: E402
from tests.models.conftest import simulate_people  # noqa: E402


def _luminance(colour: str) -> float:
    """WCAG relative luminance written out from the definition, channel by channel."""
    out = 0.0
    for weight, i in zip((0.2126, 0.7152, 0.0722), (1, 3, 5), strict=True):
        c = int(colour[i : i + 2], 16) / 255
        out += weight * (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return out


@pytest.mark.parametrize(
    ("a", "b"), [("#005EB8", "#FFFFFF"), ("#231F20", "#003087"), ("#FFB81C", "#425563")]
)
def test_contrast_ratio_follows_the_wcag_definition(a, b):
    la, lb = _luminance(a), _luminance(b)
    expected = (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
    assert contrast_ratio(a, b) == pytest.approx(expected, rel=1e-12)
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)


def test_simulated_vision_keeps_greys_and_confuses_red_with_green():
    for matrix in DEFICIENCY_MATRICES.values():
        assert matrix.sum(axis=1) == pytest.approx(np.ones(3), abs=1e-3)  # white stays white
    grey = simulate_colour_vision(["#808080"], "deuteranopia")[0]
    assert grey == pytest.approx(np.full(3, 128 / 255), abs=2e-3)
    pure = palette_separation(["#FF0000", "#00FF00"])
    assert pure["deuteranopia"] < pure["normal"] / 5


def test_nhs_palettes_are_safe_for_colour_blind_readers():
    for k in range(2, len(QUALITATIVE) + 1):  # every leading run, as figures use them
        assert min(palette_separation(QUALITATIVE[:k]).values()) >= MIN_SEPARATION
    for n in (2, 3, 5, 10):
        assert palette_safe(deprivation_palette(n))
    assert not palette_safe(["#7C2855", "#425563"])


def _plot(**changes) -> ggplot:
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 3.0], "g": ["a", "b", "c"]})
    return (
        ggplot(df, aes("x", "y", colour="g"))
        + geom_point()
        + labs(x="Year of death", y="Deaths per 100,000 person-years", colour="Group")
        + theme_nhs()
    )


def test_a_plot_that_keeps_the_rules_passes():
    plot = _plot()
    assert figure_problems(plot) == []
    assert check_figure(plot) is plot


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (labs(y="deaths per 100,000"), "not in sentence case"),
        (labs(y="Deaths"), "does not state a unit"),
        (scale_y_continuous(breaks=[1, 2, 3], labels=["850000", "2", "3"]), "thousands"),
        (theme(legend_position=(1.6, 0.5)), "legend lies partly outside"),
        (scale_colour_manual(values=["#7C2855", "#425563", "#005EB8"]), "colour-vision"),
    ],
)
def test_each_rule_is_caught(change, problem):
    with pytest.raises(FigureRuleError, match=problem):
        check_figure(_plot() + change)


def test_an_ordered_palette_passes_beside_a_fixed_colour():
    order = [3, 0, 7, 1, 9, 2, 8, 4, 6, 5]  # rows in any order: the scale's order counts
    df = pd.DataFrame(
        {"x": np.arange(10.0), "y": np.arange(10.0), "d": pd.Categorical(order, range(10))}
    )
    plot = (
        ggplot(df, aes("x", "y"))
        + geom_line(colour="#425563")  # one fixed colour: not part of the palette
        + geom_point(aes(colour="d"))
        + scale_colour_manual(values=deprivation_palette(10), guide=None)
        + labs(x="Rank (0 = most deprived)", y="Deaths per 100,000 person-years")
        + theme_nhs()
    )
    assert figure_problems(plot) == []


def test_dark_text_on_a_navy_tile_is_caught_and_white_text_passes():
    df = pd.DataFrame({"x": ["a", "b"], "y": ["r", "r"], "v": ["low", "high"]})
    base = (
        ggplot(df, aes("x", "y", fill="v"))
        + geom_tile()
        + scale_fill_manual(values={"high": "#003087", "low": "#A6DDF2"})
        + labs(x="", y="", fill="Level")
        + theme_nhs()
    )
    with pytest.raises(FigureRuleError, match="contrast"):
        check_figure(base + geom_text(aes(label="v"), colour="#231F20"))
    readable = df.assign(ink=["#231F20", "#FFFFFF"])
    assert (
        figure_problems(
            base + geom_text(aes(label="v"), data=readable, colour=readable["ink"].tolist())
        )
        == []
    )


def test_colliding_facet_labels_are_caught():
    df = pd.DataFrame({"x": [1.0] * 6, "y": list("abcdef"), "f": ["Sex", "Age group"] + ["Q"] * 4})
    plot = (
        ggplot(df, aes("x", "y"))
        + geom_point()
        + facet_grid("f ~ .", scales="free_y", space="free_y")
        + labs(x="Rate ratio", y="")
        + theme_nhs()
        + theme(figure_size=(4, 1.6))
    )
    with pytest.raises(FigureRuleError, match="facet label"):
        check_figure(plot)


def test_thousands_labels_on_an_axis_pass():
    df = pd.DataFrame({"x": [1.0, 2.0], "y": [100_000.0, 850_000.0]})
    plot = (
        ggplot(df, aes("x", "y"))
        + geom_point()
        + scale_y_continuous(labels=thousands_labels)
        + labs(x="Year", y="Registered population")
        + theme_nhs()
    )
    assert figure_problems(plot) == []


@pytest.fixture(scope="module")
def fit():
    return binary_model(simulate_people(5_000, 1), "late", ["quintile", "sex", "age_group"])


def test_package_plotting_functions_keep_the_rules(fit):
    strata = maihda(simulate_people(20_000, 2), ["quintile", "sex", "age_group"], "late").strata
    plots = [
        forest_plot(
            fit.table,
            labels={"quintile": "Deprivation quintile", "sex": "Sex", "age_group": "Age group"},
        ),
        predicted_chart(standardised_predictions(fit, "quintile", multiplier=100)),
        caterpillar_plot(strata, y_label="Late diagnosis (%)"),
    ]
    for plot in plots:
        assert figure_problems(plot) == []


def test_checking_leaves_the_plot_to_be_drawn_as_before():
    df = pd.DataFrame({"x": ["a", "b"], "y": [1.0, 2.0]})
    flipped = (
        ggplot(df, aes("x", "y"))
        + geom_point()
        + coord_flip()
        + labs(x="Age band", y="Share of residents (%)")
        + theme_nhs()
    )
    check_figure(flipped)
    figure = flipped.draw()
    titles = flipped.theme.targets
    assert (titles.axis_title_x.get_text(), titles.axis_title_y.get_text()) == (
        "Share of residents (%)",
        "Age band",
    )
    assert len(figure.texts) == 2
