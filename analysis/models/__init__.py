"""Regression-based inequality models.

Adjusted rate and odds ratios, standardised absolute differences, and intersectional MAIHDA
models.
"""

from analysis.models.glm import (
    ModelFit,
    binary_model,
    interaction_test,
    likelihood_ratio_test,
    overdispersion,
    rate_model,
    trend_test,
)
from analysis.models.maihda import MaihdaResult, auc_from_counts, maihda
from analysis.models.marginal import standardised_predictions
from analysis.models.power import interaction_power
from analysis.models.presentation import (
    emergency_presentation_model,
    emergency_presentation_strata,
)

__all__ = [
    "MaihdaResult",
    "ModelFit",
    "auc_from_counts",
    "binary_model",
    "emergency_presentation_model",
    "emergency_presentation_strata",
    "interaction_power",
    "interaction_test",
    "likelihood_ratio_test",
    "maihda",
    "overdispersion",
    "rate_model",
    "standardised_predictions",
    "trend_test",
]
