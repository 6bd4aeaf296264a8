"""The tidy coefficient table shared by every model (one row per term, intercept left out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.measures.intervals import z_value
from analysis.models.design import INTERCEPT, Design


def coefficient_table(
    design: Design,
    coefficients: np.ndarray,
    std_errors: np.ndarray,
    *,
    model: str,
    scale: str,
    confidence: float,
    exponentiate: bool = True,
) -> pd.DataFrame:
    """Wald estimates with intervals and two-sided p-values, exponentiated for ratio scales.

    Columns: ``term, variable, level, reference, estimate, lower, upper, p, coefficient,
    std_error, model, scale, confidence`` (``coefficient``/``std_error`` on the linear-predictor
    scale, e.g. log rate ratio).
    """
    z = z_value(confidence)
    keep = [j for j, t in enumerate(design.terms) if t.name != INTERCEPT]
    b, s = np.asarray(coefficients)[keep], np.asarray(std_errors)[keep]
    terms = [design.terms[j] for j in keep]
    transform = np.exp if exponentiate else np.asarray
    return pd.DataFrame(
        {
            "term": [t.name for t in terms],
            "variable": [t.variable for t in terms],
            "level": [t.level for t in terms],
            "reference": [t.reference for t in terms],
            "estimate": transform(b),
            "lower": transform(b - z * s),
            "upper": transform(b + z * s),
            "p": 2 * stats.norm.sf(np.abs(b / s)),
            "coefficient": b,
            "std_error": s,
            "model": model,
            "scale": scale,
            "confidence": confidence,
        }
    )
