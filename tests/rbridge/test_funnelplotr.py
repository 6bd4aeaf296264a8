"""Overdispersed funnels: Python against the installed FunnelPlotR's ``funnel_plot``, through
the bridge (:mod:`analysis.rbridge.funnelplotr`). Skips without R or FunnelPlotR (fails under
``NHS_REQUIRE_R_PACKAGES=1``). The same comparisons run without R against saved output in
``tests/measures/test_funnel_overdispersion.py``.

Tolerance: phi, tau2 and z-scores to 1e-6 relative (they agree to about 1e-12); limits to 1e-6
relative plus 1e-5 x multiplier absolute (FunnelPlotR rounds the normal quantiles to 1.959964
and 3.090232). FunnelPlotR 0.5.0's limits for ratios of counts use another variance and are
checked against their own formula instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.measures import funnel_overdispersion
from analysis.rbridge.funnelplotr import MINIMUM_VERSION, funnel_plot_r, funnelplotr_agreement
from analysis.validation import InputError


def _units(statistic: str, spread: float, seed: int, n: int = 45) -> pd.DataFrame:
    """Generated units: observed and expected (or at risk, or a second count), with a
    log-normal between-unit spread (0 = none), small counts and, for proportions, a zero."""
    rng = np.random.default_rng(seed)
    size = rng.uniform(3, 900, n)
    effect = np.exp(rng.normal(0, spread, n))
    if statistic == "standardised_ratio":
        return pd.DataFrame({"unit": [f"u{i:02d}" for i in range(n)], "o": rng.poisson(size * effect),
                             "d": np.round(size, 2)})  # fmt: skip
    if statistic == "proportion":
        d = np.ceil(size).astype(int)
        o = rng.binomial(d, np.minimum(0.25 * effect, 1))
        o[0] = 0
    else:
        d = rng.poisson(size) + 1
        o = rng.poisson(0.4 * d * effect)
    return pd.DataFrame({"unit": [f"u{i:02d}" for i in range(n)], "o": o, "d": d})


CASES = [
    ("standardised_ratio", "winsorise", 0.1, 1, 0.25),
    ("standardised_ratio", "winsorise", 0.05, 100, 0.0),
    ("standardised_ratio", "truncate", 0.1, 1, 0.25),
    ("standardised_ratio", "truncate", 0.1, 100, 0.0),
    ("standardised_ratio", "truncate", 0.2, 1, 0.25),
    ("proportion", "winsorise", 0.1, 100, 0.3),
    ("proportion", "winsorise", 0.1, 1, 0.0),
    ("ratio", "winsorise", 0.1, 1, 0.3),
    ("ratio", "winsorise", 0.2, 1, 0.0),
]


@pytest.mark.r
@pytest.mark.parametrize(("statistic", "method", "trim", "multiplier", "spread"), CASES)
def test_python_agrees_with_funnelplotr(
    funnelplotr_version, compared, statistic, method, trim, multiplier, spread
):
    data = _units(statistic, spread, seed=len(statistic) + int(100 * trim) + multiplier)
    options = {"statistic": statistic, "method": method, "trim": trim, "multiplier": multiplier}
    result = funnel_plot_r(data, "o", "d", unit="unit", **options)
    assert (
        result.parameters["r_implementation"][0] == f"FunnelPlotR {funnelplotr_version} funnel_plot"
    )
    table = funnelplotr_agreement(data, "o", "d", "unit", result, **options)
    if statistic == "ratio":  # FunnelPlotR's RC limits: see the test below
        table = table[~table["quantity"].str.contains("limits")]
    failing = table[~table["agrees"]]
    assert failing.empty, failing.to_string()
    assert table.set_index("quantity")["values_compared"]["z"] == len(data)
    fit = funnel_overdispersion(data, "o", "d", statistic=statistic, method=method, trim=trim)
    assert bool(fit["overdispersed"][0]) is (spread > 0)  # the planted spread is detected
    compared["FunnelPlotR funnel_plot"] += int(table["values_compared"].sum())


@pytest.mark.r
def test_funnelplotr_ratio_of_counts_limits_use_the_square_root_scale_error(
    funnelplotr_version, compared
):
    """FunnelPlotR's RC limits are exp(log(sum O / sum D) +/- z sqrt(1 / (4 D) + tau2))."""
    data = _units("ratio", 0.3, seed=3)
    result = funnel_plot_r(data, "o", "d", unit="unit", statistic="ratio")
    x = result.limits["n"].to_numpy()
    target = np.log(data["o"].sum() / data["d"].sum())
    width = np.sqrt(1 / (4 * x) + result.parameters["tau2"][0])
    np.testing.assert_allclose(
        result.limits["upper_3s_limit"], np.exp(target + 3.090232 * width), rtol=1e-9
    )
    np.testing.assert_allclose(
        result.limits["unadjusted_lower_2s_limit"],
        np.exp(target - 1.959964 / (2 * np.sqrt(x))),
        rtol=1e-9,
    )
    compared["FunnelPlotR funnel_plot"] += 2 * len(x)


@pytest.mark.r
def test_hook_names_and_options(funnelplotr_version):
    data = _units("standardised_ratio", 0.2, seed=1, n=12)
    result = funnel_plot_r(data, "o", "d", statistic="standardised_ratio")  # units by row
    assert result.units["unit"].tolist() == sorted(str(i) for i in range(1, 13))
    assert {"x", "n", "z", "z_trimmed", "upper_3s_limit", "unadjusted_upper_3s_limit"} <= set(
        result.units.columns
    )
    by_row = result.units.set_index("unit").loc[[str(i) for i in range(1, 13)]]
    np.testing.assert_array_equal(by_row["x"], data["o"])  # its columns under our names
    np.testing.assert_array_equal(by_row["n"], data["d"])
    assert result.limits.columns[0] == "n"
    assert funnelplotr_version >= MINIMUM_VERSION


def test_hook_refuses_options_funnelplotr_lacks():
    data = _units("proportion", 0.0, seed=2, n=10)
    with pytest.raises(InputError, match="statistic must be one of"):
        funnel_plot_r(data, "o", "d", statistic="rate")
    with pytest.raises(InputError, match="SHMI method"):
        funnel_plot_r(data, "o", "d", statistic="proportion", method="truncate")
