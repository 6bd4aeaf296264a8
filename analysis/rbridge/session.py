"""Starting R through rpy2, lazily: importing :mod:`analysis.rbridge` never needs R.

R is embedded in the Python process once (rpy2 cannot restart it), so :func:`rinterface`
and :func:`reference_environment` cache their result; everything else is stateless.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from types import ModuleType
from typing import Any

from analysis.rbridge.errors import INSTALL_R, RUnavailableError


@functools.cache
def rinterface() -> ModuleType:
    """Import and initialise ``rpy2.rinterface``, or raise :class:`RUnavailableError`."""
    library_path = os.environ.get("LD_LIBRARY_PATH")
    try:
        import rpy2.rinterface as ri  # imported lazily on purpose
    except ImportError as err:
        raise RUnavailableError(f"rpy2 is not installed ({err}). {INSTALL_R}") from err
    except Exception as err:  # rpy2 raises various errors when R itself is missing
        raise RUnavailableError(f"R could not be found by rpy2 ({err}). {INSTALL_R}") from err
    try:
        ri.initr_simple()
    except Exception as err:
        raise RUnavailableError(f"R failed to start ({err}). {INSTALL_R}") from err
    # rpy2 puts R's and the system's library folders first on LD_LIBRARY_PATH; R is loaded
    # now, and child processes (the book's Jupyter kernels) must not inherit them: the system
    # libpython they contain breaks a differently built Python (pyarrow fails to import).
    if library_path is None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = library_path
    return ri


def r_available() -> bool:
    """Return True when R and rpy2 are installed and R starts."""
    try:
        rinterface()
    except RUnavailableError:
        return False
    return True


def base_function(name: str) -> Any:
    """Return an R function found on R's search path (base, stats, utils, ...).

    Parameters
    ----------
    name
        the R function's name, e.g. ``"nrow"``.

    Returns
    -------
    rpy2 object
        The R function, callable from Python.
    """
    return rinterface().globalenv.find(name)


@functools.cache
def shipped_environment(file_name: str) -> Any:
    """Return a new R environment holding the functions of a shipped R file.

    Each file is loaded once per session (the result is cached).

    Parameters
    ----------
    file_name
        the file's name in the package's ``R/`` folder, e.g. ``"reference.R"``.

    Returns
    -------
    rpy2 object
        The R environment.
    """
    ri = rinterface()
    env = base_function("new.env")()
    path = resources.files("analysis.rbridge") / "R" / file_name
    with resources.as_file(path) as file:
        base_function("sys.source")(ri.StrSexpVector([str(file)]), envir=env)
    return env


def reference_environment() -> Any:
    """Return the R environment holding the base-R reference functions of ``R/reference.R``."""
    return shipped_environment("reference.R")


def r_version() -> str:
    """Return the running R's version, e.g. ``"4.2.2"``."""
    version = base_function("getRversion")()
    return str(base_function("as.character")(version)[0])
