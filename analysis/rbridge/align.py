"""Python and R side by side: run one of our measures and its R counterpart on the same input and return a tidy table of the differences.

:func:`compare_with_r` runs the Python measure (from :mod:`analysis.measures` or
:mod:`analysis.inequality`) and, in R, PHEindicatormethods when it is installed or else the
shipped base-R reference (``R/reference.R``), then lines the results up by their keys. The
slope index of inequality goes to ``phe_sii`` and the funnel functions to their
PHEindicatormethods counterparts (they have no base-R reference).

=================  ===============================================================
column             meaning
=================  ===============================================================
keys               the ``group_by`` columns (or ``row`` for per-row statistics; for the
                   slope index, also ``index``: ``SII``, ``RII`` or ``INTERCEPT``)
compared           which number is compared: the column's name (``value``, ``lowercl``,
                   ``uppercl`` ...)
python, r          the two results
abs_diff           ``|python - r|``
rel_diff           ``abs_diff / |r|``
tolerance          the largest difference allowed (absolute)
pass               ``abs_diff <= tolerance`` (or both missing)
r_implementation   what ran, e.g. ``PHEindicatormethods 2.0.0 phe_dsr`` or
                   ``base-R reference ref_dsr``
=================  ===============================================================

``table.attrs["r_code"]`` holds the R code that ran. Text results (funnel significance
labels) are compared as codes of their sorted labels, so they agree only when equal.

Tolerances: closed-form statistics agree to ``1e-9`` relative (plus ``1e-12`` absolute for
zeros). Monte-Carlo limits (the slope index of inequality) are random on both sides; the
standard error of a simulated ``p`` quantile from ``R`` repetitions is
``sigma * sqrt(p (1 - p) / R) / phi(z_p)`` (the normal approximation to the sampling
distribution of a quantile), and the two independent simulations may differ by four
standard errors of their difference (``4 * sqrt(2)`` of those). PHEindicatormethods finds
the expected counts of ratio and rate funnels by bisection, which stops about ``1e-7`` from
the exact value; at one observed event the 99.8% upper expected count is ``0.001``, so funnel
outputs are compared at ``1e-4`` relative (the largest seen: ``4.7e-5``, at that point).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.rbridge.hooks import (
    PACKAGE_FUNCTIONS,
    call_package,
    call_reference,
    package_available,
)
from analysis.rbridge.phe import sii_multiplier
from analysis.standards import ESP2013_AGE_BANDS, ESP2013_WEIGHTS
from analysis.validation import POLARITIES, InputError

#: Relative and absolute tolerance for closed-form statistics.
RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12
#: Standard errors of the difference allowed between two Monte-Carlo limits.
MONTE_CARLO_SE_MULTIPLE = 4.0
#: Relative tolerance for funnels, whose limits PHEindicatormethods finds by bisection.
BISECTION_TOLERANCE = 1e-4
#: Result columns that describe a result rather than measure it.
_METADATA = {"confidence", "statistic", "method", "r_implementation", "groupvars", "qinverted"}

_LIMIT = re.compile(r"^(lower|upper)(\d+_\d)?cl$")

Prepared = tuple[pd.DataFrame, dict[str, Any]]


def _groups(group_by: str | Sequence[str] | None) -> list[str]:
    return [group_by] if isinstance(group_by, str) else list(group_by or [])


def _same(names: Sequence[str]) -> Callable[[pd.DataFrame, dict[str, Any]], Prepared]:
    """Arguments passed to R under the same names, plus ``group_by``."""

    def prepare(data: pd.DataFrame, kwargs: dict[str, Any]) -> Prepared:
        args = {k: kwargs[k] for k in names if k in kwargs}
        return data, {**args, "group_by": _groups(kwargs.get("group_by"))}

    return prepare


def _standardised(data: pd.DataFrame, kwargs: dict[str, Any]) -> Prepared:
    standard = kwargs.get("standard_population")
    band = kwargs.get("age_band", "age_band")
    if standard is None:
        weights = dict(zip(ESP2013_AGE_BANDS, ESP2013_WEIGHTS, strict=True))
        data = data.assign(_standard=data[band].astype(str).map(weights).astype("float64"))
        standard = "_standard"
    elif not isinstance(standard, str):
        raise InputError(
            "standard_population must be a column name to compare with R (R reads the standard "
            f"from a column), got {type(standard).__name__}; add it as a column and pass its name"
        )
    args = {
        "x": kwargs["x"],
        "n": kwargs["n"],
        "standard": standard,
        "group_by": _groups(kwargs.get("group_by")),
        "independent_events": kwargs.get("independent_events", True),
    }
    if kwargs.get("event_frequency"):
        args["frequency"] = kwargs["event_frequency"]
    return data, args | {k: kwargs[k] for k in ("confidence", "multiplier") if k in kwargs}


def _indirect(rate: bool) -> Callable[[pd.DataFrame, dict[str, Any]], Prepared]:
    def prepare(data: pd.DataFrame, kwargs: dict[str, Any]) -> Prepared:
        if not (isinstance(kwargs.get("x_ref"), str) and isinstance(kwargs.get("n_ref"), str)):
            raise InputError(
                "x_ref and n_ref must be column names to compare with R, got "
                f"x_ref={kwargs.get('x_ref')!r}, n_ref={kwargs.get('n_ref')!r}; add the "
                "reference counts as columns and pass their names"
            )
        args = {
            "x": kwargs["x"],
            "n": kwargs["n"],
            "ref_x": kwargs["x_ref"],
            "ref_n": kwargs["n_ref"],
            "group_by": _groups(kwargs.get("group_by")),
            "rate": rate,
            "multiplier": kwargs.get("multiplier", 100_000) if rate else kwargs.get("refvalue", 1),
        }
        return data, args | ({"confidence": kwargs["confidence"]} if "confidence" in kwargs else {})

    return prepare


def _start_age(label: Any) -> float:
    return float(str(label).split("-")[0].rstrip("+"))


def _life_table(data: pd.DataFrame, kwargs: dict[str, Any]) -> Prepared:
    band = kwargs.get("age_band", "age_band")
    groups = _groups(kwargs.get("group_by"))
    frame = data.assign(_start_age=data[band].map(_start_age).astype("float64"))
    frame = frame.sort_values([*groups, "_start_age"], kind="stable")
    args = {
        "deaths": kwargs["x"],
        "population": kwargs["n"],
        "start_age": "_start_age",
        "group_by": groups,
    }
    return frame, args | ({"confidence": kwargs["confidence"]} if "confidence" in kwargs else {})


def _quantiles(data: pd.DataFrame, kwargs: dict[str, Any]) -> Prepared:
    polarity = kwargs.get("polarity", "adverse")
    if polarity not in POLARITIES or kwargs.get("inequality_type", "adhoc") != "adhoc":
        raise InputError(
            "the base-R reference quantiles take polarity='adverse' or 'favourable' and "
            f"inequality_type='adhoc' only, got polarity={polarity!r}, "
            f"inequality_type={kwargs.get('inequality_type')!r}"
        )
    args = {
        "value": kwargs["value"],
        "group_by": _groups(kwargs.get("group_by")),
        "n_quantiles": kwargs.get("n_quantiles", 10),
        "highest_is_first": polarity == "adverse",
    }
    return data, args


def _slope_index(data: pd.DataFrame, kwargs: dict[str, Any]) -> Prepared:
    se = kwargs.get("se")
    if kwargs.get("transform") or kwargs.get("value_type", "normal") != "normal":
        raise InputError(
            "the base-R reference SII covers value_type='normal' without transform, got "
            f"value_type={kwargs.get('value_type', 'normal')!r}, "
            f"transform={kwargs.get('transform')!r}; compare the others with PHEindicatormethods"
        )
    if se is None:
        z = stats.norm.ppf(0.5 + kwargs.get("limits_confidence", 0.95) / 2)
        spread = data[kwargs["upper_cl"]] - data[kwargs["lower_cl"]]
        data = data.assign(_se=spread / (2 * z))
        se = "_se"
    args = {
        "quantile": kwargs["quantile"],
        "population": kwargs["n"],
        "value": kwargs["value"],
        "se": se,
        "group_by": _groups(kwargs.get("group_by")),
        "repetitions": kwargs.get("repetitions", 100_000),
        "multiplier": sii_multiplier(kwargs),
    }
    return data, args | ({"confidence": kwargs["confidence"]} if "confidence" in kwargs else {})


@dataclass(frozen=True)
class Counterpart:
    """A Python measure and its base-R reference function (``None``: package only).

    ``prepare`` turns the data and the Python keyword arguments into the reference call's
    data and arguments; ``per_row`` marks statistics that are per input row when ungrouped;
    ``extra_keys`` are output columns that identify rows besides the grouping;
    ``statistics`` the columns compared besides the confidence limits (``None``: every
    result column both sides have that is not an input, a key or a description).
    """

    module: str
    function: str
    reference: str | None = None
    prepare: Callable[[pd.DataFrame, dict[str, Any]], Prepared] | None = None
    per_row: bool = False
    extra_keys: tuple[str, ...] = ()
    statistics: tuple[str, ...] | None = ("value",)
    monte_carlo: bool = False
    relative_tolerance: float = RELATIVE_TOLERANCE


MEASURES: dict[str, Counterpart] = {
    "proportion": Counterpart(
        "analysis.measures",
        "proportion",
        "ref_proportion",
        _same(("x", "n", "confidence", "multiplier")),
        per_row=True,
    ),
    "crude_rate": Counterpart(
        "analysis.measures",
        "crude_rate",
        "ref_crude_rate",
        _same(("x", "n", "confidence", "multiplier")),
        per_row=True,
    ),
    "mean": Counterpart("analysis.measures", "mean", "ref_mean", _same(("value", "confidence"))),
    "directly_standardised_rate": Counterpart(
        "analysis.measures", "directly_standardised_rate", "ref_dsr", _standardised
    ),
    "indirectly_standardised_ratio": Counterpart(
        "analysis.measures", "indirectly_standardised_ratio", "ref_isr", _indirect(rate=False)
    ),
    "indirectly_standardised_rate": Counterpart(
        "analysis.measures", "indirectly_standardised_rate", "ref_isr", _indirect(rate=True)
    ),
    "life_expectancy": Counterpart(
        "analysis.measures",
        "life_expectancy",
        "ref_life_expectancy",
        _life_table,
        extra_keys=("start_age",),
    ),
    "deprivation_quantiles": Counterpart(
        "analysis.measures",
        "deprivation_quantiles",
        "ref_deprivation_quantiles",
        _quantiles,
        extra_keys=("row",),
        statistics=("quantile",),
    ),
    "slope_index_of_inequality": Counterpart(
        "analysis.inequality",
        "slope_index_of_inequality",
        "ref_sii",
        _slope_index,
        extra_keys=("index",),
        monte_carlo=True,
    ),
    **{
        name: Counterpart(
            "analysis.measures",
            name,
            per_row=True,
            statistics=None,
            relative_tolerance=BISECTION_TOLERANCE,
        )
        for name in ("funnel_limits", "funnel_significance", "funnel_points")
    },
}


def available_measures() -> list[str]:
    """Return the measures whose Python implementation has landed (importable) and has an R side."""
    out = []
    for name, spec in MEASURES.items():
        try:
            module = importlib.import_module(spec.module)
        except ImportError:
            continue
        if hasattr(module, spec.function):
            out.append(name)
    return out


def python_measure(measure: str) -> Callable[..., pd.DataFrame]:
    """Return the Python function of a measure (imported lazily), with a clear error if absent.

    Parameters
    ----------
    measure
        the measure's name, a key of :data:`MEASURES` (e.g. ``"crude_rate"``).

    Returns
    -------
    callable
        The Python function.

    Raises
    ------
    InputError
        For an unknown measure.
    NotImplementedError
        If the measure's module or function is not available in this version.
    """
    if measure not in MEASURES:
        raise InputError(f"unknown measure {measure!r}; choose from {sorted(MEASURES)}")
    spec = MEASURES[measure]
    try:
        return getattr(importlib.import_module(spec.module), spec.function)
    except (ImportError, AttributeError) as err:
        raise NotImplementedError(
            f"{spec.module}.{spec.function} is not available in this version ({err})"
        ) from err


def run_in_r(
    measure: str, data: pd.DataFrame, *, use_package: bool | None = None, **kwargs: Any
) -> pd.DataFrame:
    """Run the R counterpart of a measure: its package function, or the base-R reference.

    Measures without a reference (the funnels) need the package.

    Parameters
    ----------
    measure
        the measure's name, a key of :data:`MEASURES`.
    data
        the table the measure reads.
    use_package
        True to run the package function, False to run the base-R reference; None (default):
        the package when it is installed, else the reference.
    **kwargs
        the Python function's arguments, by its names.

    Returns
    -------
    pandas.DataFrame
        The result, with ``r_implementation`` and the R code that ran in
        ``attrs["r_code"]``.

    Raises
    ------
    InputError
        With ``use_package=False`` for a measure that has no base-R reference (and as
        :func:`~analysis.rbridge.hooks.call_package`).
    RPackageError
        If the package is needed and missing.
    """
    spec = MEASURES[measure]
    package = PACKAGE_FUNCTIONS[measure].package if measure in PACKAGE_FUNCTIONS else None
    if spec.reference is None and use_package is False:
        raise InputError(
            f"{measure} has no base-R reference: it runs in R only through {package}; "
            "leave use_package at None or True"
        )
    if use_package is None:
        use_package = spec.reference is None or (package is not None and package_available(package))
    if use_package:
        return call_package(measure, data, **kwargs)
    frame, args = spec.prepare(data, kwargs)
    return call_reference(spec.reference, frame, **args)


def _statistics(
    spec: Counterpart, python: pd.DataFrame, r: pd.DataFrame, data: pd.DataFrame, keys: list[str]
) -> list[str]:
    if spec.statistics is None:
        skip = set(data.columns) | set(keys) | _METADATA
        return [c for c in python.columns if c in r.columns and c not in skip]
    limits = [c for c in python.columns if _LIMIT.match(str(c)) and c in r.columns]
    return [s for s in spec.statistics if s in python.columns and s in r.columns] + limits


def _numbers(python: pd.Series, r: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Both sides as numbers; text as codes of the sorted labels of either side."""
    if pd.api.types.is_numeric_dtype(python) and pd.api.types.is_numeric_dtype(r):
        return python.astype("float64"), r.astype("float64")
    python, r = python.astype("string"), r.astype("string")
    labels = sorted(set(python.dropna()) | set(r.dropna()))
    codes = {label: float(i) for i, label in enumerate(labels)}
    return python.map(codes).astype("float64"), r.map(codes).astype("float64")


def _keys(spec: Counterpart, kwargs: dict[str, Any]) -> list[str]:
    groups = _groups(kwargs.get("group_by"))
    if spec.per_row and not groups:
        return ["row"]
    return groups + list(spec.extra_keys)


def compare_with_r(
    measure: str,
    data: pd.DataFrame,
    *,
    use_package: bool | None = None,
    relative_tolerance: float | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Run ``measure`` in Python and in R on ``data`` and return the side-by-side table.

    Parameters
    ----------
    measure
        The name of the Python function, one of :func:`available_measures` (e.g.
        ``"directly_standardised_rate"``).
    data
        The input, as the Python function takes it.
    use_package
        True: run the R package's function (PHEindicatormethods); False: the base-R
        reference; None (default): the package when it is installed (:func:`run_in_r`).
    relative_tolerance
        Overrides the measure's tolerance for closed-form statistics (module docstring).
    **kwargs
        The Python function's arguments, by name (e.g. ``x="deaths"``); the R side gets the
        same.

    Returns
    -------
    pandas.DataFrame
        One row per key and statistic compared (columns in the module docstring), with the
        R code that ran in ``attrs["r_code"]``.

    Examples
    --------
    >>> compare_with_r("crude_rate", deaths, x="deaths", n="population")  # doctest: +SKIP
    """
    spec = MEASURES.get(measure)
    python_fn = python_measure(measure)
    python = python_fn(data, **kwargs)
    keys = _keys(spec, kwargs)
    numbered = data.assign(row=np.arange(len(data))) if "row" in spec.extra_keys else data
    r = run_in_r(measure, numbered, use_package=use_package, **kwargs)
    r_code = r.attrs.get("r_code", "")
    python = _with_keys(spec, python, kwargs)
    if spec.monte_carlo:  # SII, RII, intercept: one row each per group, as both sides give
        python, r = _indexed(python), _indexed(r)
        python = python[python["index"].isin(r["index"])]  # the reference has no RII
    r = r.assign(row=np.arange(len(r))) if keys == ["row"] else r
    if not keys:  # one ungrouped result on each side: pair them under a constant key
        keys = ["group"]
        python, r = python.assign(group="all"), r.assign(group="all")
    statistics = _statistics(spec, python, r, data, keys)
    if not statistics:
        raise InputError(f"no statistic in common: Python {list(python)}, R {list(r)}")
    merged = python[keys + statistics].merge(
        r[keys + statistics + ["r_implementation"]],
        on=keys,
        how="outer",
        suffixes=("_python", "_r"),
        validate="one_to_one",
    )
    parts = []
    for s in statistics:
        ours, theirs = _numbers(merged[f"{s}_python"], merged[f"{s}_r"])
        parts.append(
            merged[keys].assign(
                compared=s, python=ours, r=theirs, r_implementation=merged["r_implementation"]
            )
        )
    table = pd.concat(parts, ignore_index=True)
    tolerance = spec.relative_tolerance if relative_tolerance is None else relative_tolerance
    table = _judge(table, spec, kwargs, tolerance)
    table.attrs["r_code"] = r_code
    return table


def _indexed(result: pd.DataFrame) -> pd.DataFrame:
    """Return the index of inequality of each row (``SII``, ``RII``, ``INTERCEPT``) as ``index``."""
    index = result["measure"].astype(str).str.upper()
    return result.drop(columns=["measure", "statistic"]).assign(index=index)


def _with_keys(spec: Counterpart, python: pd.DataFrame, kwargs: dict[str, Any]) -> pd.DataFrame:
    """``python`` with the keys it is paired on: ``row`` numbers, ``start_age`` of the band."""
    if _keys(spec, kwargs) == ["row"] or "row" in spec.extra_keys:
        python = python.reset_index(drop=True).assign(row=np.arange(len(python)))
    if "start_age" in spec.extra_keys and "start_age" not in python.columns:
        band = kwargs.get("age_band", "age_band")
        python = python.assign(start_age=python[band].map(_start_age).astype("float64"))
    return python


def _judge(
    table: pd.DataFrame,
    spec: Counterpart,
    kwargs: dict[str, Any],
    relative_tolerance: float,
) -> pd.DataFrame:
    diff = (table["python"] - table["r"]).abs()
    scale = np.maximum(table["python"].abs(), table["r"].abs())
    tolerance = relative_tolerance * scale + ABSOLUTE_TOLERANCE
    if spec.monte_carlo:
        tolerance = np.where(
            table["compared"] == "value", tolerance, _monte_carlo_tolerance(table, kwargs)
        )
    both_missing = table["python"].isna() & table["r"].isna()
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = diff / table["r"].abs()
    return table.assign(
        abs_diff=diff,
        rel_diff=relative,
        tolerance=tolerance,
        **{"pass": both_missing | (diff <= tolerance)},
    )[
        [c for c in table.columns if c != "r_implementation"]
        + ["abs_diff", "rel_diff", "tolerance", "pass", "r_implementation"]
    ]


def _monte_carlo_tolerance(table: pd.DataFrame, kwargs: dict[str, Any]) -> np.ndarray:
    """Return the allowed difference between two simulated limits (see the module docstring).

    The spread ``sigma`` of the simulated statistic is read from R's widest limits.
    """
    repetitions = float(kwargs.get("repetitions", 100_000))
    confidence = kwargs.get("confidence", 0.95)
    levels = [float(confidence)] if np.isscalar(confidence) else [float(c) for c in confidence]
    levels = [c / 100 if c > 1 else c for c in levels]
    keys = list(table.columns[: table.columns.get_loc("compared")])
    group = table.groupby(keys, dropna=False).ngroup() if keys else pd.Series(0, table.index)
    name = table["compared"].astype(str)
    low = table["r"].where(name.str.startswith("lower")).groupby(group).transform("min")
    high = table["r"].where(name.str.startswith("upper")).groupby(group).transform("max")
    sigma = (high - low).to_numpy() / (2 * stats.norm.ppf(0.5 + max(levels) / 2))
    label = name.str.extract(r"(\d+_\d)cl$")[0]
    level = pd.to_numeric(label.str.replace("_", "."), errors="coerce") / 100
    tail = ((1 - level.fillna(levels[0])) / 2).to_numpy()
    quantile_se = (
        sigma * np.sqrt(tail * (1 - tail) / repetitions) / stats.norm.pdf(stats.norm.ppf(tail))
    )
    return MONTE_CARLO_SE_MULTIPLE * np.sqrt(2) * quantile_se
