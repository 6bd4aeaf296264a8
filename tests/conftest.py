"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("NHS_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
PHE_REFERENCE_DIR = SHARED_DIR / "reference" / "pheindicatormethods"


@pytest.fixture(scope="session")
def phe_reference() -> Path:
    """Folder of PHEindicatormethods 2.1.0 reference inputs and expected results.

    It lives in ``../shared`` beside the project (not in a user's clone); tests that need it
    skip with the reason when it is absent.
    """
    if not PHE_REFERENCE_DIR.is_dir():
        pytest.skip(
            f"reference data not found at {PHE_REFERENCE_DIR} "
            "(../shared is only present on the developers' machines; set NHS_SHARED_DIR)"
        )
    return PHE_REFERENCE_DIR
