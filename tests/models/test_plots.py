"""Chart helpers build and draw from the models' tidy tables, and refuse mixed statistics."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.models import binary_model, maihda, standardised_predictions  # noqa: E402
from analysis.models.plots import caterpillar_plot, forest_plot, predicted_chart  # noqa: E402
from analysis.validation import InputError  # noqa: E402
from tests.models.conftest import simulate_people  # noqa: E402


@pytest.fixture(scope="module")
def fit():
    return binary_model(simulate_people(5_000, 1), "late", ["quintile", "sex", "age_group"])


def test_forest_plot_draws_and_lists_every_term(fit):
    plot = forest_plot(fit.table, variables=["quintile", "sex"])
    assert len(plot.data) == 5 and plot.draw() is not None


def test_forest_plot_refuses_mixed_statistics(fit):
    mixed = pd.concat([fit.table, fit.table.assign(statistic="rate ratio")])
    with pytest.raises(InputError, match="one statistic at a time"):
        forest_plot(mixed)


def test_predicted_chart_keeps_only_standardised_rows(fit):
    plot = predicted_chart(standardised_predictions(fit, "quintile"))
    assert len(plot.data) == 5 and plot.draw() is not None


def test_caterpillar_ranks_the_strata():
    people = simulate_people(20_000, 2)
    result = maihda(people, ["quintile", "sex", "age_group"], "late")
    plot = caterpillar_plot(result.strata, y_label="per cent")
    assert list(plot.data["rank"]) == list(range(1, 31))
    assert plot.data["value"].is_monotonic_increasing and plot.draw() is not None
