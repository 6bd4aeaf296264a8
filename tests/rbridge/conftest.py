"""Fixtures for the R bridge tests: R is started once per test session (per worker).

Without R, rpy2 or an R package the tests that need them skip, saying why -- unless
``NHS_REQUIRE_R_PACKAGES=1`` (set by ``.ci/run``), under which they fail: CI must check the
agreement with the real packages, not skip it.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter

import pytest

from analysis.rbridge import RUnavailableError
from analysis.rbridge.hooks import FUNNELPLOTR, MINIMUM_VERSIONS, PHE, require_r_package
from analysis.rbridge.session import reference_environment, rinterface

REQUIRE_FLAG = "NHS_REQUIRE_R_PACKAGES"


def required() -> bool:
    """True when missing R or R packages must fail the tests instead of skipping them."""
    return os.environ.get(REQUIRE_FLAG, "") not in ("", "0")


def missing(reason: str) -> None:
    """Skip with ``reason``, or fail when :func:`required`."""
    if required():
        pytest.fail(f"{reason} ({REQUIRE_FLAG}=1: the R oracle is required)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def r_session():
    """The initialised ``rpy2.rinterface``; skips (with the reason) without R and rpy2."""
    try:
        return rinterface()
    except RUnavailableError as err:
        missing(f"R or rpy2 not installed: {err}")


@pytest.fixture(scope="session")
def r_command(r_session) -> str:
    """The path of the ``R`` command line (to install test packages); skips without it."""
    path = shutil.which("R")
    if path is None:
        missing("the R command line is not on PATH")
    return path


@pytest.fixture(scope="session")
def r_reference(r_session):
    """The R environment holding the base-R reference functions (``R/reference.R``)."""
    return reference_environment()


def package_version(package: str) -> str:
    """The installed version of an R package, or skip (fail under the flag) saying why."""
    try:
        return require_r_package(package, MINIMUM_VERSIONS.get(package))
    except RuntimeError as err:  # RUnavailableError or RPackageError
        missing(str(err))


@pytest.fixture(scope="session")
def phe_version(r_session) -> str:
    """The installed PHEindicatormethods version (e.g. ``"2.0.0"``)."""
    return package_version(PHE)


@pytest.fixture(scope="session")
def funnelplotr_version(r_session) -> str:
    """The installed FunnelPlotR version (e.g. ``"0.5.0"``)."""
    return package_version(FUNNELPLOTR)


COMPARED_KEY = pytest.StashKey[Counter]()


@pytest.fixture(scope="session")
def compared(request) -> Counter:
    """Values compared against the installed package, per R function (printed at the end)."""
    return request.config.stash.setdefault(COMPARED_KEY, Counter())


def pytest_terminal_summary(terminalreporter, config) -> None:
    """Print how many values each R package function was compared on (run with -n0)."""
    counts = config.stash.get(COMPARED_KEY, None)
    if counts:
        terminalreporter.section("values compared with the installed R package")
        for function, count in sorted(counts.items()):
            terminalreporter.write_line(f"{function}: {count:,}")
