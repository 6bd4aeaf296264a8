"""Fixtures for the R bridge tests: R is started once per test session (per worker)."""

from __future__ import annotations

import pytest

from analysis.rbridge import RUnavailableError
from analysis.rbridge.session import reference_environment, rinterface


@pytest.fixture(scope="session")
def r_session():
    """The initialised ``rpy2.rinterface``; skips (with the reason) without R and rpy2."""
    try:
        return rinterface()
    except RUnavailableError as err:
        pytest.skip(f"R or rpy2 not installed: {err}")


@pytest.fixture(scope="session")
def r_reference(r_session):
    """The R environment holding the base-R reference functions (``R/reference.R``)."""
    return reference_environment()
