"""Fixtures for the data tests: one synthetic population shared by the slower checks."""

from __future__ import annotations

import pytest

from analysis.data import generate_population


@pytest.fixture(scope="session")
def population_100k():
    """The default-seed synthetic population at 100,000 people (about 2 seconds)."""
    return generate_population(100_000)
