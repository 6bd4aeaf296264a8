"""Reporting helpers: NHS styling for figures (:mod:`.theme`) and tables (:mod:`.tables`), the house rules for figures (:mod:`.figures`, with colour checks in :mod:`.colours`), and statistical disclosure control (:mod:`.disclosure`)."""

from analysis.report.figures import FigureRuleError, check_figure
from analysis.report.tables import format_numbers, nhs_table
from analysis.report.theme import (
    QUALITATIVE,
    deprivation_palette,
    percent_labels,
    scale_colour_deprivation,
    scale_colour_nhs,
    scale_fill_deprivation,
    scale_fill_nhs,
    sentence_case,
    theme_nhs,
    thousands_labels,
)

__all__ = [
    "QUALITATIVE",
    "FigureRuleError",
    "check_figure",
    "deprivation_palette",
    "format_numbers",
    "nhs_table",
    "percent_labels",
    "scale_colour_deprivation",
    "scale_colour_nhs",
    "scale_fill_deprivation",
    "scale_fill_nhs",
    "sentence_case",
    "theme_nhs",
    "thousands_labels",
]
