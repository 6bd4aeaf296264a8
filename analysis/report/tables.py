"""great-tables tables in NHS style, with number formats an analyst expects.

>>> import pandas as pd
>>> table = nhs_table(pd.DataFrame({"area": ["A"], "deaths": [1234], "value": [56.789]}))
>>> "1,234" in table.as_raw_html() and "56.8" in table.as_raw_html()
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from great_tables import GT, loc, style

from analysis.report.theme import DARK_BLUE, NHS_BLUE, PALE_GREY, WHITE


def nhs_table(
    data: pd.DataFrame,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    source: str | None = None,
    decimals: int | Mapping[str, int] = 1,
    percent: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    rowname_col: str | None = None,
    groupname_col: str | None = None,
) -> GT:
    """A :class:`great_tables.GT` of ``data`` in NHS colours.

    Whole-number columns get thousands separators; other numeric columns are rounded to
    ``decimals`` places (one number for all, or per column); ``percent`` columns hold
    fractions (0.123 -> 12.3%). ``labels`` renames column headings.
    """
    table = GT(data, rowname_col=rowname_col, groupname_col=groupname_col)
    if title:
        table = table.tab_header(title=title, subtitle=subtitle)
    table = format_numbers(table, data, decimals=decimals, percent=percent)
    if labels:
        table = table.cols_label(**labels)
    if source:
        table = table.tab_source_note(source)
    return (
        table.tab_options(
            table_font_names=["Arial", "DejaVu Sans", "sans-serif"],
            table_font_size="14px",
            heading_title_font_size="16px",
            heading_subtitle_font_size="14px",
            heading_align="left",
            column_labels_background_color=NHS_BLUE,
            column_labels_font_weight="bold",
            row_group_background_color=PALE_GREY,
            row_group_font_weight="bold",
            table_border_top_color=DARK_BLUE,
            table_body_hlines_color=PALE_GREY,
            row_striping_background_color="#F5F8F8",
            source_notes_font_size="12px",
        )
        .opt_row_striping()
        .tab_style(style=style.text(color=WHITE), locations=loc.column_labels())
    )


def format_numbers(
    table: GT,
    data: pd.DataFrame,
    *,
    decimals: int | Mapping[str, int] = 1,
    percent: Sequence[str] = (),
) -> GT:
    """Thousands separators for whole numbers, ``decimals`` places for the rest, and
    ``percent`` columns shown as percentages."""
    for column in data.columns:
        series = data[column]
        if column in percent:
            places = decimals.get(column, 1) if isinstance(decimals, Mapping) else decimals
            table = table.fmt_percent(columns=column, decimals=places)
        elif pd.api.types.is_integer_dtype(series):
            table = table.fmt_integer(columns=column)
        elif pd.api.types.is_float_dtype(series):
            places = decimals.get(column, 1) if isinstance(decimals, Mapping) else decimals
            table = table.fmt_number(columns=column, decimals=places)
    return table
