"""R code as text: the package hooks write the R an analyst would write, run exactly that text, and keep it, so what a report shows as "the R code" is the code that ran.

- :class:`InstalledFunction` -- an R package function found in the installed namespace, with
  its package version and argument names (options the installed version lacks are refused
  with an error naming the version).
- :class:`RCall` -- R code and the data frames it reads by name.
- :class:`PackageFunction` -- how one of our measures maps onto an R package function.
- :func:`run` -- evaluate an :class:`RCall` in a fresh R environment and return pandas.
- :func:`r_literal`, :func:`r_symbol`, :func:`r_arguments` -- Python values as R source text.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.rbridge.convert import to_pandas, to_r
from analysis.rbridge.errors import RPackageError
from analysis.rbridge.session import base_function, rinterface

_SYNTACTIC = re.compile(r"^(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*$|^\.$")
_RESERVED = {
    "if", "else", "repeat", "while", "function", "for", "next", "break", "TRUE", "FALSE",
    "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_", "in",
}  # fmt: skip


def install_command(package: str) -> str:
    """Return the R command that installs a package from CRAN.

    Parameters
    ----------
    package
        the R package's name, e.g. ``"PHEindicatormethods"``.

    Returns
    -------
    str
        The command, to run in R.
    """
    return f"install.packages('{package}')"


def r_symbol(name: str) -> str:
    """Return a column name as an R symbol: as is when syntactic, otherwise in backticks.

    Parameters
    ----------
    name
        the column name.

    Returns
    -------
    str
        The name as R source.
    """
    name = str(name)
    if _SYNTACTIC.match(name) and name not in _RESERVED:
        return name
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def r_literal(value: Any) -> str:
    """Return a Python value as R source text.

    Parameters
    ----------
    value
        ``None`` (``NULL``), a flag (``TRUE``/``FALSE``), a number (NaN as ``NA_real_``,
        infinities as ``Inf``/``-Inf``), text, or a sequence of them (``c(...)``; one item
        alone as itself).

    Returns
    -------
    str
        The value as R source.

    Raises
    ------
    TypeError
        For a value of any other type.
    """
    if value is None:
        return "NULL"
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        items = [r_literal(v) for v in value]
        return items[0] if len(items) == 1 else f"c({', '.join(items)})"
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "NA_real_"
        if math.isinf(value):
            return "Inf" if value > 0 else "-Inf"
        return repr(float(value))
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid R string literal
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as an R literal")


def r_arguments(columns: Mapping[str, str], values: Mapping[str, Any]) -> str:
    """Write function arguments as R source: columns as symbols, then values as literals.

    Parameters
    ----------
    columns
        ``name = column`` arguments whose values are column names (:func:`r_symbol`).
    values
        ``name = value`` arguments whose values are Python values (:func:`r_literal`).

    Returns
    -------
    str
        The arguments, comma-separated.
    """
    parts = [f"{name} = {r_symbol(column)}" for name, column in columns.items()]
    parts += [f"{name} = {r_literal(value)}" for name, value in values.items()]
    return ", ".join(parts)


@dataclass(frozen=True)
class InstalledFunction:
    """A function of an installed R package: where it was found and what it accepts."""

    package: str
    version: str
    name: str
    formals: frozenset[str]

    @property
    def label(self) -> str:
        """What ran, e.g. ``"PHEindicatormethods 2.0.0 phe_dsr"``."""
        return f"{self.package} {self.version} {self.name}"

    def has(self, argument: str) -> bool:
        """Return whether the R function takes the argument named ``argument``."""
        return argument in self.formals

    def require(self, argument: str, option: str) -> None:
        """Raise :class:`RPackageError` when the R function lacks ``argument``.

        The error names ``option`` (the option of ours that needs the argument), the
        installed version and how to install a newer one.
        """
        if not self.has(argument):
            raise RPackageError(
                f"{option} needs the argument '{argument}', which {self.label} does not have "
                f"(it has {sorted(self.formals)}); install a newer {self.package} in R with "
                f"{install_command(self.package)}"
            )


def find_function(package: str, version: str, names: Sequence[str]) -> InstalledFunction:
    """Return the first of several function names exported by an installed R package.

    Parameters
    ----------
    package
        the R package's name.
    version
        its installed version, kept with the function for error messages.
    names
        the candidate function names, newest interface first.

    Returns
    -------
    InstalledFunction
        The function found, with its package version and argument names.

    Raises
    ------
    RPackageError
        If the package exports none of ``names`` (naming the version and how to update it).
    """
    ri = rinterface()
    exported = set(base_function("getNamespaceExports")(ri.StrSexpVector([package])))
    for name in names:
        if name in exported:
            fun = base_function("getExportedValue")(
                ri.StrSexpVector([package]), ri.StrSexpVector([name])
            )
            formals = base_function("names")(base_function("formals")(fun))
            found = frozenset(str(a) for a in formals) if formals is not ri.NULL else frozenset()
            return InstalledFunction(package, version, name, found)
    raise RPackageError(
        f"{package} {version} has none of the functions {list(names)}; "
        f"update it in R with {install_command(package)}"
    )


@dataclass(frozen=True)
class RCall:
    """R source code and the data frames it reads, by the names it uses for them."""

    code: str
    inputs: Mapping[str, pd.DataFrame]


Adapter = Callable[[pd.DataFrame, dict[str, Any], InstalledFunction], RCall]
Tidier = Callable[[pd.DataFrame, dict[str, Any]], pd.DataFrame]


def _unchanged(result: pd.DataFrame, kwargs: dict[str, Any]) -> pd.DataFrame:
    return result


@dataclass(frozen=True)
class PackageFunction:
    """How one of our measures maps onto an R package function.

    ``names`` lists the function's names, newest interface first; ``accepts`` the Python
    function's arguments the mapping understands; ``adapt`` writes the R call for the
    installed function; ``tidy`` renames its output to our columns.
    """

    package: str
    names: tuple[str, ...]
    accepts: frozenset[str]
    adapt: Adapter
    tidy: Tidier = field(default=_unchanged)


def run(call: RCall) -> pd.DataFrame:
    """Evaluate R code in a new R environment holding its input data frames; return pandas.

    Parameters
    ----------
    call
        the R code (``call.code``) and the data frames it reads, by name
        (``call.inputs``).

    Returns
    -------
    pandas.DataFrame
        The result of the code, converted by ``as.data.frame`` and
        :func:`~analysis.rbridge.convert.to_pandas`.

    Raises
    ------
    ConversionError
        If an input or the result cannot be converted.
    """
    ri = rinterface()
    env = base_function("new.env")(parent=ri.globalenv)
    for name, frame in call.inputs.items():
        env[name] = to_r(frame)
    expressions = base_function("parse")(text=ri.StrSexpVector([call.code]))
    result = base_function("eval")(expressions, env)
    return to_pandas(base_function("as.data.frame")(result))
