"""Calling R functions by name with our data: the NHS-R community's packages and the base-R reference, returning pandas with our column names and saying which R implementation ran.

- :func:`r_packages` -- which R packages are installed, with their versions.
- :func:`require_r_package` -- a clear :class:`RPackageError` (with the ``install.packages``
  command) when a package is missing or too old.
- :func:`call_package` -- the installed package function for one of our measures, found in
  its namespace (e.g. ``"directly_standardised_rate"`` -> ``calculate_dsr`` in
  PHEindicatormethods 2.1, ``phe_dsr`` in 2.0), called with the Python function's arguments.
- :func:`call_reference` -- a function of the shipped base-R reference (``R/reference.R``).
- :func:`call_r` -- any R function by name.

Both :func:`call_package` and :func:`call_reference` write the R call as source text and run
that text; the result's ``r_implementation`` column names what ran (``"PHEindicatormethods
2.0.0 phe_dsr"``, ``"base-R reference ref_dsr"``) and ``result.attrs["r_code"]`` holds the
code. To add a package, give its measures :class:`~analysis.rbridge.rcode.PackageFunction`
entries in :data:`PACKAGE_FUNCTIONS`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.rbridge.convert import to_pandas, to_r
from analysis.rbridge.errors import RPackageError
from analysis.rbridge.phe import PHE, PHE_FUNCTIONS
from analysis.rbridge.rcode import (
    PackageFunction,
    find_function,
    install_command,
    r_literal,
    run,
)
from analysis.rbridge.session import base_function, rinterface, shipped_environment
from analysis.validation import InputError

FUNNELPLOTR = "FunnelPlotR"
#: Environment variable naming R packages the bridge treats as not installed.
HIDE_VARIABLE = "NHS_R_HIDE_PACKAGES"
#: Oldest versions whose documented interface the hooks follow.
MINIMUM_VERSIONS: dict[str, str] = {PHE: "2.0.0", FUNNELPLOTR: "0.4.0"}
#: How the base-R reference is named in ``r_implementation`` (followed by the function).
REFERENCE_LABEL = "base-R reference"
#: Where the base-R reference lives.
REFERENCE_FILE = "analysis/rbridge/R/reference.R"

#: Our measure names -> R package functions. A package adds its own entries here.
PACKAGE_FUNCTIONS: dict[str, PackageFunction] = {**PHE_FUNCTIONS}


def hidden_packages() -> set[str]:
    """R packages the bridge treats as not installed: those named, separated by spaces or commas, in the environment variable ``NHS_R_HIDE_PACKAGES`` (e.g. to build the book or run the tests with the base-R reference while PHEindicatormethods is installed)."""
    return set(re.split(r"[\s,]+", os.environ.get(HIDE_VARIABLE, "").strip())) - {""}


def r_packages(names: Sequence[str] | None = None) -> pd.DataFrame:
    """Installed R packages and their versions.

    Packages named in ``NHS_R_HIDE_PACKAGES`` count as not installed
    (:func:`hidden_packages`).

    Parameters
    ----------
    names
        the packages to look up; None (default): every installed package.

    Returns
    -------
    pandas.DataFrame
        ``package``, ``version``; with ``names``, one row per name, ``version`` missing where
        it is not installed.

    Raises
    ------
    RUnavailableError
        If R or rpy2 is missing.
    """
    env = shipped_environment("hooks.R")
    hidden = hidden_packages()
    if names is None:
        found = to_pandas(env.find("all_installed")())
        return found[~found["package"].isin(hidden)].reset_index(drop=True)
    names = list(names)
    if not names:
        return pd.DataFrame({"package": pd.Series([], dtype="str"), "version": []})
    found = to_pandas(env.find("installed_versions")(rinterface().StrSexpVector(names)))
    return found.assign(version=found["version"].where(~found["package"].isin(hidden)))


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.replace("-", ".").split(".") if part.isdigit())


def require_r_package(package: str, minimum_version: str | None = None) -> str:
    """Return the installed version of an R package, or say how to install it.

    Parameters
    ----------
    package
        the R package's name.
    minimum_version
        the oldest version accepted, e.g. ``"2.0.0"``; None (default): any.

    Returns
    -------
    str
        The installed version.

    Raises
    ------
    RPackageError
        If the package is not installed (saying how to install it) or is older than
        ``minimum_version``.
    RUnavailableError
        If R or rpy2 is missing.
    """
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
    """Convert a Python value to R.

    Parameters
    ----------
    value
        a DataFrame (an R data.frame), text, a number, a flag, a sequence of flags, texts
        or numbers, or None (``NULL``).

    Returns
    -------
    rpy2 object
        The R value; numbers become doubles.

    Raises
    ------
    ConversionError
        If a DataFrame cannot be converted (:func:`~analysis.rbridge.convert.to_r`).
    """
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


def _result(value: Any) -> Any:
    ri = rinterface()
    if getattr(value, "typeof", None) == ri.RTYPES.VECSXP and "data.frame" in list(value.rclass):
        return to_pandas(value)
    return value


def call_r(function: str, *args: Any, package: str | None = None, **arguments: Any) -> Any:
    """Call an R function with Python arguments.

    DataFrames are converted to R data frames and a returned data frame comes back as
    pandas.

    Parameters
    ----------
    function
        the R function's name.
    *args
        positional arguments, converted by :func:`r_value`.
    package
        the R package the function comes from; None (default): R's search path.
    **arguments
        named arguments, converted by :func:`r_value`; for R names that are not Python
        names write ``**{"conf.level": 0.9}``.

    Returns
    -------
    object
        The result: a pandas DataFrame when R returns a data frame, otherwise the rpy2
        object.

    Raises
    ------
    RPackageError
        If ``package`` is not installed.
    RUnavailableError
        If R or rpy2 is missing.
    """
    if package:
        require_r_package(package)
        fun = base_function("getExportedValue")(r_value(package), r_value(function))
    else:
        fun = base_function(function)
    ri = rinterface()
    items = [(None, r_value(a)) for a in args] + [(k, r_value(v)) for k, v in arguments.items()]
    return _result(fun.rcall(tuple(items), ri.globalenv))


def package_available(package: str) -> bool:
    """Return True when R starts and an R package is installed (at least the version the hooks need).

    Parameters
    ----------
    package
        the R package's name.

    Returns
    -------
    bool
        Whether the package can be used.
    """
    try:
        require_r_package(package, MINIMUM_VERSIONS.get(package))
    except (RPackageError, RuntimeError):
        return False
    return True


def call_package(measure: str, data: pd.DataFrame, **arguments: Any) -> pd.DataFrame:
    """Run the installed R package function for one of our measures.

    Parameters
    ----------
    measure
        the name of our measure, e.g. ``"crude_rate"`` (a key of :data:`PACKAGE_FUNCTIONS`).
    data
        the table the measure reads.
    **arguments
        the Python function's arguments, by its names (``x="deaths"``,
        ``x_ref="ref_deaths"``, ``confidence=[0.95, 0.998]``, ``group_by="area"``).

    Returns
    -------
    pandas.DataFrame
        The result under our column names, with ``r_implementation`` (e.g.
        ``"PHEindicatormethods 2.0.0 phe_dsr"``) and the R code that ran in
        ``result.attrs["r_code"]``.

    Raises
    ------
    InputError
        For an unknown measure or an argument with no counterpart in the R function.
    RPackageError
        If the package is missing, or an option the installed version lacks is asked for
        (naming the version).
    RUnavailableError
        If R or rpy2 is missing.

    Examples
    --------
    >>> call_package("crude_rate", rates, x="deaths", n="population")  # doctest: +SKIP
    """
    if measure not in PACKAGE_FUNCTIONS:
        raise InputError(f"no R package hook for {measure!r}; known: {sorted(PACKAGE_FUNCTIONS)}")
    spec = PACKAGE_FUNCTIONS[measure]
    unknown = sorted(set(arguments) - spec.accepts)
    if unknown:
        raise InputError(
            f"{spec.package} {'/'.join(spec.names)} has no counterpart for {unknown}; "
            f"it takes {sorted(spec.accepts)}"
        )
    version = require_r_package(spec.package, MINIMUM_VERSIONS.get(spec.package))
    fn = find_function(spec.package, version, spec.names)
    call = spec.adapt(data, dict(arguments), fn)
    result = spec.tidy(run(call), arguments).assign(r_implementation=fn.label)
    result.attrs["r_code"] = call.code
    return result


def call_reference(function: str, data: pd.DataFrame, **arguments: Any) -> pd.DataFrame:
    """Run a function of the base-R reference (``R/reference.R``) on a table.

    Parameters
    ----------
    function
        the reference function's name.
    data
        the table it reads.
    **arguments
        its arguments by their R names; column arguments are column names as text.

    Returns
    -------
    pandas.DataFrame
        The function's result, with ``r_implementation`` (``"base-R reference
        <function>"``) and the R code that ran in ``result.attrs["r_code"]``.

    Raises
    ------
    RUnavailableError
        If R or rpy2 is missing.
    """
    env = shipped_environment("reference.R")
    listed = "".join(f",\n  {k} = {r_literal(v)}" for k, v in arguments.items())
    code = f"{function}(data{listed})"
    ri = rinterface()
    scope = base_function("new.env")(parent=env)
    scope["data"] = to_r(data)
    expressions = base_function("parse")(text=ri.StrSexpVector([code]))
    out = to_pandas(base_function("eval")(expressions, scope))
    out = out.assign(r_implementation=f"{REFERENCE_LABEL} {function}")
    out.attrs["r_code"] = f"source({r_literal(REFERENCE_FILE)})\n{code}"
    return out
