"""WHO HEAT summary measures: hand calculations, properties and input errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.inequality import summary_measures
from analysis.validation import InputError

Z = 1.959963984540054


@pytest.fixture
def three_groups():
    """Non-ordered dimension: three ethnic groups with unequal populations."""
    return pd.DataFrame(
        {
            "group": ["A", "B", "C"],
            "prev": [10.0, 20.0, 40.0],
            "pop": [500.0, 300.0, 200.0],
            "se": [1.0, 2.0, 4.0],
            "ref": [True, False, False],
        }
    )


def _by_measure(out):
    return out.set_index("measure")


def test_non_ordered_measures_match_hand_calculation(three_groups):
    out = _by_measure(
        summary_measures(
            three_groups,
            "prev",
            "pop",
            category="group",
            se="se",
            scale=100,
            seed=1,
            polarity="adverse",
        )
    )
    p = np.array([0.5, 0.3, 0.2])
    y = np.array([10.0, 20.0, 40.0])
    mu = 0.5 * 10 + 0.3 * 20 + 0.2 * 40  # 19
    assert mu == 19
    assert out.loc["D", "value"] == pytest.approx(30)  # highest - lowest
    assert out.loc["D", "uppercl"] == pytest.approx(30 + Z * math.sqrt(16 + 1))
    assert out.loc["R", "value"] == pytest.approx(4)
    assert out.loc["R", "lowercl"] == pytest.approx(4 * math.exp(-Z * math.sqrt(0.01 + 0.01)))
    bgv = 0.5 * 81 + 0.3 * 1 + 0.2 * 441  # 128.8
    assert out.loc["BGV", "value"] == pytest.approx(bgv)
    assert out.loc["BGSD", "value"] == pytest.approx(math.sqrt(bgv))
    assert out.loc["COV", "value"] == pytest.approx(100 * math.sqrt(bgv) / 19)
    assert out.loc["MDMU", "value"] == pytest.approx((9 + 1 + 21) / 3)
    assert out.loc["MDMW", "value"] == pytest.approx(0.5 * 9 + 0.3 * 1 + 0.2 * 21)
    # adverse indicator (default): best = lowest = 10
    assert out.loc["MDBU", "value"] == pytest.approx((0 + 10 + 30) / 3)
    assert out.loc["MDBW", "value"] == pytest.approx(0.3 * 10 + 0.2 * 30)
    assert out.loc["IDISU", "value"] == pytest.approx(100 * (31 / 3) / 19)
    assert out.loc["IDISW", "value"] == pytest.approx(100 * 9.0 / 19)
    r = y / 19
    assert out.loc["TI", "value"] == pytest.approx(1000 * sum(p * r * np.log(r)))
    assert out.loc["MLD", "value"] == pytest.approx(1000 * sum(p * -np.log(r)))
    # PAR: best (lowest, adverse) minus the mean; PAF relative to the mean
    assert out.loc["PAR", "value"] == pytest.approx(10 - 19)
    assert out.loc["PAF", "value"] == pytest.approx(100 * -9 / 19)


def test_bgv_interval_and_theil_delta_method_by_hand(three_groups):
    out = _by_measure(
        summary_measures(
            three_groups,
            "prev",
            "pop",
            category="group",
            se="se",
            measures=["BGV", "TI", "MLD"],
            polarity="adverse",
        )  # fmt: skip
    )
    p, y, s = np.array([0.5, 0.3, 0.2]), np.array([10.0, 20, 40]), np.array([1.0, 2, 4])
    mu = 19.0
    # BGV standard error as in the HEAT technical notes
    var = 4 * sum(p**2 * s**2 * (y - mu) ** 2) + 2 * (
        sum(p**2 * s**2) ** 2 - sum(p**4 * s**4) + sum(p**2 * (1 - p) ** 2 * s**4)
    )
    assert out.loc["BGV", "uppercl"] - out.loc["BGV", "value"] == pytest.approx(Z * math.sqrt(var))

    # Theil index: numerical gradient (independent of the analytic one in the module)
    def theil(v):
        m = sum(p * v)
        return sum(p * v / m * np.log(v / m))

    eps = 1e-6
    grad = np.array([(theil(y + eps * np.eye(3)[i]) - theil(y - eps * np.eye(3)[i])) / (2 * eps)
                     for i in range(3)])  # fmt: skip
    se_ti = 1000 * math.sqrt(sum(grad**2 * s**2))
    assert out.loc["TI", "uppercl"] - out.loc["TI", "value"] == pytest.approx(Z * se_ti, rel=1e-5)


def test_concentration_index_of_linear_gradient():
    """Equal quintiles, y = 10, 20, ..., 50: cov_p(y, rank) = 4, mean 30, RCI = 2*4/30."""
    d = pd.DataFrame({"q": [1, 2, 3, 4, 5], "y": [10.0, 20, 30, 40, 50], "pop": [1.0] * 5})
    out = _by_measure(summary_measures(d, "y", "pop", quantile="q",
                                       measures=["RCI", "ACI", "D", "R"], polarity="favourable"))  # fmt: skip
    assert out.loc["RCI", "value"] == pytest.approx(8 / 30)
    assert out.loc["ACI", "value"] == pytest.approx(8)
    assert out.loc["D", "value"] == pytest.approx(40)  # favourable: advantaged - disadvantaged
    assert out.loc["R", "value"] == pytest.approx(5)


def test_zero_inequality_gives_zero_and_one():
    d = pd.DataFrame(
        {"q": [1, 2, 3, 4], "y": [25.0] * 4, "pop": [10.0, 20, 30, 40], "se": [1.0] * 4}
    )
    ordered = _by_measure(summary_measures(d, "y", "pop", quantile="q", se="se",
                                           scale=100, polarity="adverse"))  # fmt: skip
    flat = _by_measure(
        summary_measures(
            d, "y", "pop", category="q", se="se", seed=1, scale=100, polarity="adverse"
        )
    )
    for m in ("D", "ACI", "RCI", "PAR", "PAF"):
        assert ordered.loc[m, "value"] == pytest.approx(0, abs=1e-12)
    assert ordered.loc["R", "value"] == pytest.approx(1)
    for m in ("BGV", "BGSD", "COV", "MDMU", "MDMW", "MDBU", "IDISW", "TI", "MLD"):
        assert flat.loc[m, "value"] == pytest.approx(0, abs=1e-9)


def test_relative_measures_are_scale_invariant(three_groups):
    scaled = three_groups.assign(prev=three_groups["prev"] * 7, se=three_groups["se"] * 7)
    kw = dict(
        category="group",
        polarity="adverse",
        se="se",
        seed=5,
        measures=["R", "COV", "IDISW", "TI", "MLD"],
    )
    a = _by_measure(summary_measures(three_groups, "prev", "pop", **kw))
    b = _by_measure(summary_measures(scaled, "prev", "pop", **kw))
    np.testing.assert_allclose(a["value"], b["value"], rtol=1e-12)
    np.testing.assert_allclose(a["lowercl"], b["lowercl"], rtol=1e-9)


def test_groups_are_vectorised_and_reference_group_used(three_groups):
    two = pd.concat(
        [three_groups.assign(area="X"), three_groups.assign(area="Y", prev=[5.0, 5, 20])]
    )
    out = summary_measures(two, "prev", "pop", category="group", se="se", reference="ref",
                           group_by="area", measures=["MDRU", "MDRW", "D"], seed=2, polarity="adverse")  # fmt: skip
    y = out.set_index(["area", "measure"])["value"]
    assert y[("X", "MDRU")] == pytest.approx((0 + 10 + 30) / 3)
    assert y[("Y", "MDRW")] == pytest.approx(0.2 * 15)
    assert y[("X", "D")] == pytest.approx(40 - 10)  # adverse: worst (max) - reference


def test_simulated_limits_bracket_estimate_and_are_seeded(three_groups):
    kw = dict(
        category="group", polarity="adverse", se="se", measures=["COV", "MDMW", "IDISU"], seed=9
    )
    a = summary_measures(three_groups, "prev", "pop", **kw)
    b = summary_measures(three_groups, "prev", "pop", **kw)
    pd.testing.assert_frame_equal(a, b)
    assert (a["lowercl"] < a["value"]).all() and (a["value"] < a["uppercl"]).all()


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (dict(prev=[-1.0, 20, 40]), {}, "must not be negative"),
        (dict(pop=[0.0, 300, 200]), {}, "greater than zero"),
        (dict(ref=[True, True, False]), dict(reference="ref"), "exactly one reference"),
        ({}, dict(measures=["RCI"]), "not available"),
        ({}, dict(polarity="good"), "polarity must be 'adverse'"),
        ({}, dict(quantile="group"), "exactly one of quantile= .* or category="),
        ({}, dict(category=None), "exactly one of quantile= .* or category="),
        (dict(q=[1, 2, 3]), dict(category=None, quantile="q", reference="ref"), "non-ordered"),
        (dict(group=["1", "x", "3"]), dict(category=None, quantile="group"), "'group'"),
    ],
)
def test_invalid_input_raises_input_error(three_groups, change, kwargs, message):
    data = three_groups.assign(**change)
    kwargs = {"category": "group", "polarity": "adverse", **kwargs}
    with pytest.raises(InputError, match=message):
        summary_measures(data, "prev", "pop", **kwargs)


def test_polarity_is_required(three_groups):
    """D, R and the best subgroup depend on the polarity, so there is no default."""
    with pytest.raises(TypeError, match="polarity"):
        summary_measures(three_groups, "prev", "pop", category="group")


def test_quantile_labels_stored_as_text_are_read_in_numeric_order():
    """Ten quantiles labelled "1" to "10" as text: "10" is the most advantaged (last), not
    the second (as text would sort it); D compares quantile 1 with quantile 10: 100 - 10."""
    d = pd.DataFrame({"q": [str(q) for q in range(1, 11)], "pop": 1.0})
    d["y"] = 110.0 - 10 * d["q"].astype(int)
    out = _by_measure(summary_measures(d, "y", "pop", quantile="q", polarity="adverse",
                                       measures=["D", "SII"]))  # fmt: skip
    assert out.loc["D", "value"] == pytest.approx(100 - 10)
    assert out.loc["SII", "value"] == pytest.approx(-100, rel=1e-9)  # HEAT: unflipped slope


def test_measure_names_the_index_and_statistic_describes_it(three_groups):
    """The naming convention (CONTRIBUTING): ``measure`` the short name, ``statistic`` HEAT's
    name for it."""
    out = summary_measures(three_groups, "prev", "pop", category="group", polarity="adverse",
                           measures=["D", "TI", "PAF"], scale=100)  # fmt: skip
    assert out[["measure", "statistic"]].values.tolist() == [
        ["D", "difference"],
        ["TI", "Theil index"],
        ["PAF", "population attributable fraction"],
    ]
