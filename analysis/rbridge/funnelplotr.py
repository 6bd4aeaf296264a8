"""FunnelPlotR's ``funnel_plot`` from Python, with our argument and column names.

:func:`funnel_plot_r` runs FunnelPlotR (the NHS-R community's funnel-plot package, 0.5.0 or
later) on a data frame and returns its dispersion ``phi``, between-unit variance ``tau2``,
each unit's z-scores and limits, and its limits along the x axis, named as
:func:`analysis.measures.overdispersed_funnel_points` and
:func:`analysis.measures.overdispersed_funnel_limits` name them, so the two can be compared
column by column. :func:`from_funnelplotr` does the renaming alone (no R needed), for
FunnelPlotR output saved to CSV (``tests/fixtures/funnelplotr``).

Our arguments map onto FunnelPlotR's as follows: ``x`` -> ``numerator``; ``n`` ->
``denominator``; ``statistic`` "standardised_ratio",
"proportion", "ratio" -> ``data_type`` "SR", "PR", "RC"; ``method`` "winsorise", "truncate" ->
``sr_method`` "CQC", "SHMI"; ``trim`` -> ``trim_by``; ``multiplier`` -> ``multiplier``.
Expected values are not rounded (``SHMI_rounding = FALSE``).

Two conventions of FunnelPlotR 0.5.0, read from its output, are worth knowing:

- with ``sr_method = "CQC"`` its overdispersion-adjusted limits are on the square-root scale
  (``1 ± z sqrt(s² + τ²)``, not squared back); :func:`from_funnelplotr` squares them
  (negative values, below the bottom of the scale, become 0), so they are on the ratio scale
  of the plotted points as ours are;
- for ratios of counts ("RC") its limits use ``s = 1 / (2 sqrt(D))`` on the log scale, while
  its z-scores (and so ``phi`` and ``tau2``) use the delta-method variance
  ``O/(O+½)² + D/(D+½)²``; ours use that variance for the limits too. Its RC limits are
  returned unchanged, and are narrower than ours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.measures.overdispersion import (
    funnel_overdispersion,
    overdispersed_funnel_limits,
    overdispersed_funnel_points,
)
from analysis.rbridge.convert import to_pandas, to_r
from analysis.rbridge.hooks import FUNNELPLOTR, require_r_package
from analysis.rbridge.session import rinterface, shipped_environment
from analysis.validation import InputError, require_columns

#: Our ``statistic`` -> FunnelPlotR's ``data_type``.
DATA_TYPES = {"standardised_ratio": "SR", "proportion": "PR", "ratio": "RC"}
#: Our ``method`` -> FunnelPlotR's ``sr_method``.
SR_METHODS = {"winsorise": "CQC", "truncate": "SHMI"}
#: Oldest FunnelPlotR with this interface (tidy evaluation, ``trim_by``, ``draw_adjusted``).
MINIMUM_VERSION = "0.5.0"

_LIMIT_NAMES = ("lower_2s_limit", "upper_2s_limit", "lower_3s_limit", "upper_3s_limit")
_UNIT_LIMITS = {
    "adjusted": ("OD95LCL", "OD95UCL", "OD99LCL", "OD99UCL"),
    "unadjusted": ("LCL95", "UCL95", "LCL99", "UCL99"),
}
_AXIS_LIMITS = {
    "adjusted": ("odll95", "odul95", "odll998", "odul998"),
    "unadjusted": ("ll95", "ul95", "ll998", "ul998"),
}


@dataclass(frozen=True)
class FunnelPlotRResult:
    """FunnelPlotR's output under our names.

    ``parameters``: one row of ``phi``, ``tau2``, ``adjusted`` (whether FunnelPlotR draws
    adjusted limits when asked for them alone) and ``r_implementation``. ``units``: ``unit``,
    ``x`` (FunnelPlotR's ``numerator``), ``n`` (its ``denominator``), ``z``, ``z_trimmed`` (NaN
    where truncated) and the unit's ``lower_2s_limit`` ... ``upper_3s_limit``, adjusted, with
    the unadjusted ones prefixed ``unadjusted_``. ``limits``: ``n`` (the denominator) and the
    same limit columns along the x axis.
    """

    parameters: pd.DataFrame
    units: pd.DataFrame
    limits: pd.DataFrame


def _mapped(statistic: str, method: str) -> tuple[str, str]:
    if statistic not in DATA_TYPES:
        raise InputError(f"statistic must be one of {list(DATA_TYPES)}, got {statistic!r}")
    if method not in SR_METHODS:
        raise InputError(f"method must be one of {list(SR_METHODS)}, got {method!r}")
    if statistic != "standardised_ratio" and method != "winsorise":
        raise InputError("method='truncate' (FunnelPlotR's SHMI method) is for standardised ratios")
    return DATA_TYPES[statistic], SR_METHODS[method]


def _limit_frame(
    table: pd.DataFrame, names: dict[str, tuple[str, ...]], square_adjusted: bool, scale: float
) -> pd.DataFrame:
    out = pd.DataFrame(index=table.index)
    for kind, columns in names.items():
        prefix = "" if kind == "adjusted" else "unadjusted_"
        for ours, theirs in zip(_LIMIT_NAMES, columns, strict=True):
            values = table[theirs].to_numpy(dtype="float64")
            if kind == "adjusted" and square_adjusted:
                values = np.maximum(values / scale, 0) ** 2 * scale
            out[prefix + ours] = values
    return out


def from_funnelplotr(
    units: pd.DataFrame,
    limits: pd.DataFrame,
    *,
    phi: float,
    tau2: float,
    adjusted: bool,
    statistic: str,
    method: str = "winsorise",
    multiplier: float = 1,
    implementation: str = "FunnelPlotR funnel_plot",
) -> FunnelPlotRResult:
    """FunnelPlotR's ``source_data()`` and ``limits()`` tables under our names (no R needed).

    Adjusted limits of ``sr_method = "CQC"`` are squared onto the ratio scale (see the module
    documentation).

    Parameters
    ----------
    units
        FunnelPlotR's ``source_data()``: ``group``, ``numerator``, ``denominator``,
        ``Uzscore``, ``Wuzscore`` and the per-unit limits (``OD95LCL`` ... ``UCL99``).
    limits
        FunnelPlotR's ``limits()``: ``number.seq`` and the axis limits (``odll95`` ...
        ``ul998``).
    phi
        FunnelPlotR's overdispersion factor.
    tau2
        FunnelPlotR's between-unit variance.
    adjusted
        whether FunnelPlotR draws adjusted limits when asked for them alone.
    statistic
        ``"standardised_ratio"``, ``"proportion"`` or ``"ratio"``.
    method
        ``"winsorise"`` (default; FunnelPlotR ``sr_method = "CQC"``) or ``"truncate"``
        (``"SHMI"``), for standardised ratios.
    multiplier
        scale of ratios (default 1).
    implementation
        the text put in ``r_implementation`` (default ``"FunnelPlotR funnel_plot"``).

    Returns
    -------
    FunnelPlotRResult
        ``parameters`` (``phi``, ``tau2``, ``adjusted``, ``r_implementation``), ``units``
        (``unit``, ``x``, ``n``, ``z``, ``z_trimmed`` and the limits) and ``limits`` (``n``
        and the limits along the axis).

    Raises
    ------
    InputError
        For an unknown ``statistic`` or ``method``, ``method="truncate"`` for a statistic
        other than a standardised ratio, or a missing column.
    """
    data_type, sr_method = _mapped(statistic, method)
    require_columns(
        units, ["group", "numerator", "denominator", "Uzscore", "Wuzscore",
                *_UNIT_LIMITS["adjusted"], *_UNIT_LIMITS["unadjusted"]], what="units",
    )  # fmt: skip
    require_columns(
        limits, ["number.seq", *_AXIS_LIMITS["adjusted"], *_AXIS_LIMITS["unadjusted"]],
        what="limits",
    )  # fmt: skip
    square = data_type == "SR" and sr_method == "CQC"
    unit_table = pd.concat(
        [
            pd.DataFrame({
                "unit": units["group"].astype(str).to_numpy(),
                "x": units["numerator"].to_numpy(dtype="float64"),
                "n": units["denominator"].to_numpy(dtype="float64"),
                "z": units["Uzscore"].to_numpy(dtype="float64"),
                "z_trimmed": pd.to_numeric(units["Wuzscore"]).to_numpy(dtype="float64"),
            }),
            _limit_frame(units.reset_index(drop=True), _UNIT_LIMITS, square, multiplier),
        ],
        axis=1,
    ).sort_values("unit", ignore_index=True)  # fmt: skip
    ordered = limits.sort_values("number.seq", ignore_index=True)
    axis = pd.concat(
        [
            pd.DataFrame({"n": ordered["number.seq"].to_numpy(dtype="float64")}),
            _limit_frame(ordered, _AXIS_LIMITS, square, multiplier),
        ],
        axis=1,
    )
    parameters = pd.DataFrame(
        {
            "phi": [float(phi)],
            "tau2": [float(tau2)],
            "adjusted": [bool(adjusted)],
            "r_implementation": [implementation],
        }
    )
    return FunnelPlotRResult(parameters, unit_table, axis)


def _element(result: object, name: str) -> object:
    return result[list(result.names).index(name)]  # type: ignore[attr-defined]


def funnel_plot_r(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    statistic: str,
    method: str = "winsorise",
    trim: float = 0.1,
    multiplier: float = 1,
    unit: str | None = None,
) -> FunnelPlotRResult:
    """Run FunnelPlotR's ``funnel_plot`` with our argument names; results under our names.

    Method: FunnelPlotR (Mainey), Spiegelhalter (2005) overdispersion as
    :func:`analysis.measures.funnel_overdispersion`; see the module documentation for how the
    arguments map and for FunnelPlotR's conventions.

    Parameters
    ----------
    data
        one row per unit.
    x, n
        column names of the count (observed; FunnelPlotR's ``numerator``) and the
        denominator (expected, at risk or second count; its ``denominator``).
    statistic
        ``"standardised_ratio"``, ``"proportion"`` or ``"ratio"``.
    method
        ``"winsorise"`` (FunnelPlotR ``sr_method = "CQC"``) or ``"truncate"``
        (``"SHMI"``), for standardised ratios.
    trim
        fraction Winsorised or truncated at each end (``trim_by``).
    multiplier
        scale of ratios (``multiplier``).
    unit
        column naming the units (default: the row number).

    Returns
    -------
    FunnelPlotRResult
        FunnelPlotR's parameters, units and limits under our names, as
        :func:`from_funnelplotr`.

    Raises
    ------
    InputError
        For an unknown ``statistic`` or ``method``, or a missing column.
    RUnavailableError
        R or rpy2 is missing.
    RPackageError
        FunnelPlotR is missing or older than 0.5.0.

    Examples
    --------
    >>> fit = funnel_plot_r(trusts, "deaths", "expected",
    ...                     statistic="standardised_ratio")  # doctest: +SKIP
    >>> fit.parameters[["phi", "tau2", "r_implementation"]]  # doctest: +SKIP
    """
    data_type, sr_method = _mapped(statistic, method)
    require_columns(data, [x, n] + ([unit] if unit else []))
    version = require_r_package(FUNNELPLOTR, MINIMUM_VERSION)
    names = data[unit].astype(str) if unit else pd.Series(np.arange(1, len(data) + 1)).astype(str)
    frame = pd.DataFrame(
        {
            "numerator": data[x].to_numpy(dtype="float64"),
            "denominator": data[n].to_numpy(dtype="float64"),
            "unit": names.to_numpy(),
        }
    )
    ri = rinterface()
    result = shipped_environment("funnelplotr.R").find("funnelplotr_fit")(
        to_r(frame),
        data_type=ri.StrSexpVector([data_type]),
        sr_method=ri.StrSexpVector([sr_method]),
        trim=ri.FloatSexpVector([float(trim)]),
        multiplier=ri.FloatSexpVector([float(multiplier)]),
    )
    return from_funnelplotr(
        to_pandas(_element(result, "units")),
        to_pandas(_element(result, "limits")),
        phi=_element(result, "phi")[0],
        tau2=_element(result, "tau2")[0],
        adjusted=bool(_element(result, "adjusted")[0]),
        statistic=statistic,
        method=method,
        multiplier=multiplier,
        implementation=f"{FUNNELPLOTR} {version} funnel_plot",
    )


def _difference(
    quantity: str,
    ours: np.ndarray,
    theirs: np.ndarray,
    tolerance: tuple[float, float],
    note: str = "",
) -> dict:
    ours, theirs = np.asarray(ours, dtype="float64"), np.asarray(theirs, dtype="float64")
    both = ~np.isnan(ours) & ~np.isnan(theirs)
    gap = np.abs(ours[both] - theirs[both])
    rtol, atol = tolerance
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = gap / np.maximum(np.abs(theirs[both]), 1e-300)
    return {
        "quantity": quantity,
        "values_compared": int(both.sum()),
        "missing_on_one_side": int((np.isnan(ours) != np.isnan(theirs)).sum()),
        "max_abs_difference": float(gap.max()) if gap.size else 0.0,
        "max_rel_difference": float(relative.max()) if gap.size else 0.0,
        "agrees": bool((gap <= atol + rtol * np.abs(theirs[both])).all()),
        "note": note,
    }


def _inside_scale(limits: pd.DataFrame, statistic: str, multiplier: float) -> pd.DataFrame:
    """Limits with values at the edge of a proportion's scale (0 or 1) set to NaN."""
    if statistic != "proportion":
        return limits
    edge = np.isclose(limits, 0, atol=1e-12) | np.isclose(limits, multiplier, atol=1e-12)
    return limits.mask(edge)


def funnelplotr_agreement(
    data: pd.DataFrame,
    x: str,
    n: str,
    unit: str,
    result: FunnelPlotRResult,
    *,
    statistic: str,
    method: str = "winsorise",
    trim: float = 0.1,
    multiplier: float = 1,
    rtol: float = 1e-6,
    atol: float = 1e-5,
) -> pd.DataFrame:
    """Our overdispersed funnel against FunnelPlotR's output, quantity by quantity.

    Runs :func:`analysis.measures.funnel_overdispersion`,
    :func:`~analysis.measures.overdispersed_funnel_points` and
    :func:`~analysis.measures.overdispersed_funnel_limits` (at FunnelPlotR's x axis) on
    ``data`` and compares them with ``result`` (from :func:`funnel_plot_r` or
    :func:`from_funnelplotr`), matching units by ``unit``.

    Parameters
    ----------
    data, x, n
        the units and the columns of their count and denominator, as given to FunnelPlotR.
    unit
        column naming the units (FunnelPlotR's ``group``).
    result
        FunnelPlotR's output under our names.
    statistic, method, trim, multiplier
        as :func:`funnel_plot_r`.
    rtol, atol
        relative tolerance, and absolute tolerance per unit of ``multiplier``.

    Returns
    -------
    pandas.DataFrame
        One row per quantity (``phi``, ``tau2``, ``adjusted``, ``z``, ``z_trimmed``, each
        unit's limits and the axis limits, adjusted and unadjusted): ``values_compared``,
        ``missing_on_one_side``, ``max_abs_difference``, ``max_rel_difference``, ``agrees``
        (every value within ``atol * multiplier + rtol * |FunnelPlotR's|``; FunnelPlotR
        rounds the normal quantiles to 1.959964 and 3.090232, which moves limits by up to
        about 3e-7 of their value) and ``note``.
        Proportion limits at the edge of the scale (0 or 1) are left out: FunnelPlotR sets
        some lower limits just above the edge to 0 and keeps others. For ratios of counts the
        limit rows compare different definitions (see the module documentation) and say so.
    """
    options = {"statistic": statistic, "method": method, "trim": trim}
    fit = funnel_overdispersion(data, x, n, **options).iloc[0]
    theirs = result.parameters.iloc[0]
    tolerance, exact = (rtol, atol * multiplier), (rtol, 0.0)
    rows = [
        _difference("phi", [fit["phi"]], [theirs["phi"]], exact),
        _difference("tau2", [fit["tau2"]], [theirs["tau2"]], (rtol, 1e-12)),
        _difference("adjusted", [float(fit["overdispersed"])], [float(theirs["adjusted"])], exact),
    ]
    note = (
        "FunnelPlotR 0.5.0 RC limits use s = 1/(2 sqrt(D)); ours the delta-method variance"
        if statistic == "ratio"
        else ""
    )
    keyed = data.assign(unit=data[unit].astype(str))
    for adjusted, prefix in ((True, ""), (False, "unadjusted_")):
        label = "adjusted" if adjusted else "unadjusted"
        ours = overdispersed_funnel_points(
            keyed, x, n, adjust=adjusted, multiplier=multiplier, **options
        )
        r_units = result.units.add_prefix("r_").rename(columns={"r_unit": "unit"})
        merged = ours.merge(r_units, on="unit", validate="1:1")
        if adjusted:
            for name in ("z", "z_trimmed"):
                rows.append(_difference(name, merged[name], merged[f"r_{name}"], (rtol, 1e-9)))
        mine = _inside_scale(merged[list(_LIMIT_NAMES)], statistic, multiplier)
        other = merged[[f"r_{prefix}{name}" for name in _LIMIT_NAMES]]
        rows.append(
            _difference(
                f"unit limits ({label})", mine.to_numpy(), other.to_numpy(), tolerance, note
            )
        )
        axis = overdispersed_funnel_limits(
            data, x, n, adjust=adjusted, multiplier=multiplier, at=result.limits["n"], **options,
        )  # fmt: skip
        mine = _inside_scale(axis[list(_LIMIT_NAMES)], statistic, multiplier)
        other = result.limits[[prefix + name for name in _LIMIT_NAMES]]
        rows.append(
            _difference(
                f"axis limits ({label})", mine.to_numpy(), other.to_numpy(), tolerance, note
            )
        )
    return pd.DataFrame(rows)
