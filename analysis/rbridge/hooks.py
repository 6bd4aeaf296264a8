"""Calling R functions by name with our data: the NHS-R community's packages and the base-R
reference, returning pandas with our column names and saying which R implementation ran.

- :func:`r_packages` -- which R packages are installed, with their versions.
- :func:`require_r_package` -- a clear :class:`RPackageError` (with the ``install.packages``
  command) when a package is missing or too old.
- :func:`call_package` -- a PHEindicatormethods or FunnelPlotR function for one of our measures
  (e.g. ``"directly_standardised_rate"`` -> ``calculate_dsr``, or ``phe_dsr`` in 1.x).
- :func:`call_reference` -- a function of the shipped base-R reference (``R/reference.R``).
- :func:`call_r` -- any R function by name.

Column arguments are given as text (``x="deaths"``); they reach tidy-evaluation functions as
unquoted column names, and grouping (``group_by=[...]``) is applied with ``dplyr::group_by``
as an R user would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.rbridge.convert import to_pandas, to_r
from analysis.rbridge.errors import RPackageError
from analysis.rbridge.session import base_function, rinterface, shipped_environment

PHE = "PHEindicatormethods"
FUNNELPLOTR = "FunnelPlotR"
#: Oldest versions whose documented interface the hooks follow.
MINIMUM_VERSIONS: dict[str, str] = {PHE: "2.0.0", FUNNELPLOTR: "0.4.0"}
#: Where the base-R reference lives, as reported in ``r_implementation``.
REFERENCE_LABEL = "base-R reference (analysis/rbridge/R/reference.R)"


@dataclass(frozen=True)
class PackageFunction:
    """How one of our measures maps onto an R package function.

    ``names`` lists the function's names, newest first (older releases used other names);
    ``columns`` maps our column arguments to the function's; ``arguments`` maps our other
    arguments to the function's; ``fixed`` are arguments always passed.
    """

    package: str
    names: tuple[str, ...]
    columns: Mapping[str, str]
    arguments: Mapping[str, str] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)


_LEVELS = {"confidence": "confidence", "multiplier": "multiplier"}

#: Our measure names -> PHEindicatormethods 2.x / FunnelPlotR functions (documented APIs).
PACKAGE_FUNCTIONS: dict[str, PackageFunction] = {
    "proportion": PackageFunction(PHE, ("phe_proportion",), {"x": "x", "n": "n"}, _LEVELS),
    "crude_rate": PackageFunction(PHE, ("phe_rate",), {"x": "x", "n": "n"}, _LEVELS),
    "mean": PackageFunction(PHE, ("phe_mean",), {"value": "x"}, {"confidence": "confidence"}),
    "directly_standardised_rate": PackageFunction(
        PHE,
        ("calculate_dsr", "phe_dsr"),
        {"x": "x", "n": "n", "standard_population": "stdpop", "event_frequency": "eventfreq"},
        {**_LEVELS, "independent_events": "independent_events"},
    ),
    "indirectly_standardised_ratio": PackageFunction(
        PHE,
        ("calculate_ISRatio", "phe_smr"),
        {"x": "x", "n": "n", "reference_x": "x_ref", "reference_n": "n_ref"},
        {"confidence": "confidence", "multiplier": "refvalue"},
        {"refpoptype": "field"},
    ),
    "indirectly_standardised_rate": PackageFunction(
        PHE,
        ("calculate_ISRate", "phe_isr"),
        {"x": "x", "n": "n", "reference_x": "x_ref", "reference_n": "n_ref"},
        _LEVELS,
        {"refpoptype": "field"},
    ),
    "life_expectancy": PackageFunction(
        PHE,
        ("phe_life_expectancy",),
        {"deaths": "deaths", "population": "population", "start_age": "startage"},
        {"confidence": "confidence"},
    ),
    "deprivation_quantiles": PackageFunction(
        PHE,
        ("phe_quantile",),
        {"value": "values"},
        {"n_quantiles": "nquantiles", "invert": "invert"},
    ),
    "slope_index_of_inequality": PackageFunction(
        PHE,
        ("phe_sii",),
        {
            "quantile": "quantile",
            "population": "population",
            "value": "value",
            "se": "se",
            "lower_cl": "lower_cl",
            "upper_cl": "upper_cl",
        },
        {
            **_LEVELS,
            "repetitions": "repetitions",
            "transform": "transform",
            "rii": "rii",
            "intercept": "intercept",
        },
    ),
    "funnel_limits": PackageFunction(
        PHE,
        ("calculate_funnel_limits",),
        {"x": "numerator", "n": "denominator", "rate": "rate"},
        {"statistic": "statistic", "multiplier": "multiplier", "rate_type": "rate_type"},
    ),
    "funnel_significance": PackageFunction(
        PHE,
        ("assign_funnel_significance",),
        {"x": "numerator", "n": "denominator", "rate": "rate"},
        {"statistic": "statistic", "rate_type": "rate_type"},
    ),
    "funnel_plot": PackageFunction(
        FUNNELPLOTR,
        ("funnel_plot",),
        {"x": "numerator", "n": "denominator", "group": "group"},
        {"data_type": "data_type", "limit": "limit"},
    ),
}

#: PHEindicatormethods output names -> ours (the rest already match).
OUR_COLUMN_NAMES = {"quantile": "quantile", "obs": "observed", "exp": "expected"}


def install_command(package: str) -> str:
    """The R command that installs ``package`` from CRAN."""
    return f"install.packages('{package}')"


def r_packages(names: Sequence[str] | None = None) -> pd.DataFrame:
    """Installed R packages and their versions (``package``, ``version``).

    With ``names``, one row per name, ``version`` missing where it is not installed.
    """
    env = shipped_environment("hooks.R")
    if names is None:
        return to_pandas(env.find("all_installed")())
    names = list(names)
    if not names:
        return pd.DataFrame({"package": pd.Series([], dtype="str"), "version": []})
    return to_pandas(env.find("installed_versions")(rinterface().StrSexpVector(names)))


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.replace("-", ".").split(".") if part.isdigit())


def require_r_package(package: str, minimum_version: str | None = None) -> str:
    """Return the installed version of ``package``, or raise :class:`RPackageError` saying how
    to install it (or that it is older than ``minimum_version``)."""
    found = r_packages([package])["version"].iloc[0]
    if pd.isna(found):
        raise RPackageError(
            f"the R package {package} is not installed; install it in R with "
            f"{install_command(package)} (it needs CRAN or a local copy of the package)"
        )
    if minimum_version and _version_tuple(found) < _version_tuple(minimum_version):
        raise RPackageError(
            f"the R package {package} is version {found}, older than {minimum_version} which "
            f"these hooks need; update it in R with {install_command(package)}"
        )
    return str(found)


def r_value(value: Any) -> Any:
    """Convert a Python value (DataFrame, text, number, flag, sequence, None) to R."""
    ri = rinterface()
    if value is None:
        return ri.NULL
    if isinstance(value, pd.DataFrame):
        return to_r(value)
    if isinstance(value, str):
        return ri.StrSexpVector([value])
    values = list(value) if isinstance(value, (list, tuple, np.ndarray, pd.Series)) else [value]
    if all(isinstance(v, (bool, np.bool_)) for v in values):
        return ri.BoolSexpVector([bool(v) for v in values])
    if all(isinstance(v, str) for v in values):
        return ri.StrSexpVector(values)
    return ri.FloatSexpVector([float(v) for v in values])


def _named_list(arguments: Mapping[str, Any]) -> Any:
    ri = rinterface()
    items = ri.ListSexpVector([r_value(v) for v in arguments.values()])
    if arguments:
        items.names = ri.StrSexpVector(list(arguments))
    return items


def _result(value: Any) -> Any:
    ri = rinterface()
    if getattr(value, "typeof", None) == ri.RTYPES.VECSXP and "data.frame" in list(value.rclass):
        return to_pandas(value)
    return value


def call_r(function: str, *args: Any, package: str | None = None, **arguments: Any) -> Any:
    """Call the R function ``function`` (from ``package`` if given) with Python arguments.

    DataFrames are converted to R data frames and a returned data frame comes back as pandas.
    Use ``arguments={"conf.level": 0.9}`` style keywords via ``**{"conf.level": 0.9}``.
    """
    if package:
        require_r_package(package)
        fun = base_function("getExportedValue")(r_value(package), r_value(function))
    else:
        fun = base_function(function)
    ri = rinterface()
    items = [(None, r_value(a)) for a in args] + [(k, r_value(v)) for k, v in arguments.items()]
    return _result(fun.rcall(tuple(items), ri.globalenv))


def _function_name(spec: PackageFunction, package_version: str) -> str:
    exported = set(base_function("getNamespaceExports")(r_value(spec.package)))
    for name in spec.names:
        if name in exported:
            return name
    raise RPackageError(
        f"{spec.package} {package_version} has none of the functions {list(spec.names)}; "
        f"update it in R with {install_command(spec.package)}"
    )


def call_package(
    measure: str,
    data: pd.DataFrame,
    *,
    group_by: str | Sequence[str] | None = None,
    **arguments: Any,
) -> pd.DataFrame:
    """Run the PHEindicatormethods/FunnelPlotR function for one of our measures.

    Column arguments use our names (``x="deaths", n="population"``); other arguments too
    (``confidence=0.95``). Extra package-specific arguments can be passed under their R names
    with ``r_arguments={...}``. The result has our column names and ``r_implementation``.

    >>> call_package("crude_rate", rates, x="deaths", n="population")  # doctest: +SKIP
    """
    if measure not in PACKAGE_FUNCTIONS:
        raise ValueError(f"no R package hook for {measure!r}; known: {sorted(PACKAGE_FUNCTIONS)}")
    spec = PACKAGE_FUNCTIONS[measure]
    version = require_r_package(spec.package, MINIMUM_VERSIONS.get(spec.package))
    name = _function_name(spec, version)
    extra = dict(arguments.pop("r_arguments", {}) or {})
    columns = {spec.columns[k]: v for k, v in arguments.items() if k in spec.columns and v}
    values = {spec.arguments[k]: v for k, v in arguments.items() if k in spec.arguments}
    unknown = set(arguments) - set(spec.columns) - set(spec.arguments)
    if unknown:
        raise ValueError(
            f"{spec.package}::{name} has no counterpart for {sorted(unknown)}; pass R "
            "arguments by their R names in r_arguments={...}"
        )
    groups = [group_by] if isinstance(group_by, str) else list(group_by or [])
    env = shipped_environment("hooks.R")
    if spec.package == FUNNELPLOTR:
        out = env.find("funnel_plot_data")(
            to_r(data), columns=_named_list(columns), arguments=_named_list({**values, **extra})
        )
    else:
        out = env.find("call_with_columns")(
            r_value(spec.package),
            r_value(name),
            to_r(data),
            group_by=rinterface().StrSexpVector(groups),
            columns=_named_list(columns),
            arguments=_named_list({**spec.fixed, **values, **extra}),
        )
    result = to_pandas(base_function("as.data.frame")(out)).rename(columns=OUR_COLUMN_NAMES)
    return result.assign(r_implementation=f"{spec.package} {version}")


def call_reference(function: str, data: pd.DataFrame, **arguments: Any) -> pd.DataFrame:
    """Run a function of the base-R reference (``R/reference.R``) on ``data``.

    Arguments are passed by their R names; column arguments are column names as text.
    """
    env = shipped_environment("reference.R")
    items = [(None, to_r(data))] + [(k, r_value(v)) for k, v in arguments.items()]
    out = env.find(function).rcall(tuple(items), env)
    return to_pandas(out).assign(r_implementation=REFERENCE_LABEL)
