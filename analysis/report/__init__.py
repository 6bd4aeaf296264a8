"""Reporting helpers: NHS styling for figures (:mod:`.theme`) and tables (:mod:`.tables`),
and statistical disclosure control (:mod:`.disclosure`)."""

from analysis.report.tables import format_numbers, nhs_table
from analysis.report.theme import (
    QUALITATIVE,
    deprivation_palette,
    scale_colour_deprivation,
    scale_colour_nhs,
    scale_fill_deprivation,
    scale_fill_nhs,
    theme_nhs,
)

__all__ = [
    "QUALITATIVE",
    "deprivation_palette",
    "format_numbers",
    "nhs_table",
    "scale_colour_deprivation",
    "scale_colour_nhs",
    "scale_fill_deprivation",
    "scale_fill_nhs",
    "theme_nhs",
]
