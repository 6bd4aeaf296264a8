"""great-tables tables in NHS style, with number formats an analyst expects.

Tables also say which columns hold counts, for the book's disclosure check
(:mod:`analysis.book.disclosure_check`): ``counts=[...]`` marks those column headings with the
class ``sdc-count`` and every other heading with ``sdc-other``.

>>> import pandas as pd
>>> table = nhs_table(pd.DataFrame({"area": ["A"], "deaths": [1234], "value": [56.789]}))
>>> "1,234" in table.as_raw_html() and "56.8" in table.as_raw_html()
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

import numpy as np
import pandas as pd
from great_tables import GT, html, loc, style

from analysis.report.disclosure import SUPPRESSED_SYMBOL
from analysis.report.theme import DARK_BLUE, NHS_BLUE, PALE_GREY, WHITE
from analysis.validation import InputError

#: Shown for a missing value that was not suppressed (e.g. a share with no denominator).
MISSING_SYMBOL = "–"
#: Heading classes read by :mod:`analysis.book.disclosure_check`.
COUNT_CLASS = "sdc-count"
OTHER_CLASS = "sdc-other"
#: Cells of a column whose values are all this short (numbers, intervals) do not wrap.
LONG_TEXT = 20


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
    counts: Sequence[str] | None = None,
) -> GT:
    """Return a :class:`great_tables.GT` of ``data`` in NHS colours.

    Whole-number columns get thousands separators. Cells of numbers and of short text such
    as intervals ("51.0–52.3") do not wrap; longer text does. Missing values that are not
    suppressed counts show a dash.

    Parameters
    ----------
    data
        The table, one row per table row; a ``suppressed`` column (from
        :func:`analysis.report.disclosure.apply_disclosure_control`) is not shown, and every
        cell it lists shows ``[c]``.
    title, subtitle
        The table's heading (the subtitle only with a title).
    source
        The source note under the table.
    decimals
        Decimal places of the numeric columns that are not whole numbers: one number for
        all, or ``{column: places}``.
    percent
        Columns holding fractions shown as percentages (0.123 -> 12.3%).
    labels
        New column headings, ``{column: heading}``.
    rowname_col, groupname_col
        Columns of row names (the stub) and of row groups.
    counts
        The columns holding counts of people or events (including population
        denominators): the render's disclosure check then verifies that none holds a count
        of 1 to 7, and every other column is declared not to hold counts (``counts=[]``
        when the table has none). Left as ``None``, the check reports every whole number of
        1 to 7 in the table, since it cannot tell counts from labels. Pass counts through
        :func:`analysis.report.disclosure.apply_disclosure_control` first: missing count
        cells show ``[c]``.

    Returns
    -------
    great_tables.GT
        The styled table.

    Raises
    ------
    InputError
        ``counts`` names a column the table does not show.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["A", "B"], "deaths": pd.array([None, 12], dtype="Int64")})
    >>> html = nhs_table(t, counts=["deaths"]).as_raw_html()
    >>> 'class="sdc-count">deaths<' in html and ">[c]<" in html
    True
    """
    table = GT(data, rowname_col=rowname_col, groupname_col=groupname_col)
    if title:
        table = table.tab_header(title=title, subtitle=subtitle)
    table = format_numbers(table, data, decimals=decimals, percent=percent)
    table = _show_suppressed(table, data, counts or ())
    labels = dict(labels or {})
    stub = None if rowname_col is None else str(labels.get(rowname_col, rowname_col))
    shown = [c for c in data.columns if c not in {rowname_col, groupname_col, "suppressed"}]
    if counts is not None:
        missing = sorted(set(counts) - set(shown))
        if missing:
            raise InputError(
                f"nhs_table: counts names column(s) {', '.join(missing)} that the table does "
                f"not show; shown columns: {', '.join(shown)}"
            )
        labels = {
            column: html(
                f'<span class="{COUNT_CLASS if column in counts else OTHER_CLASS}">'
                f"{escape(str(labels.get(column, column)))}</span>"
            )
            for column in shown
        }
    if labels:
        table = table.cols_label(**labels)
    if stub is not None:  # the row names' column has a heading too (screen readers, CSV)
        marked = html(f'<span class="{OTHER_CLASS}">{escape(stub)}</span>')
        table = table.tab_stubhead(label=marked if counts is not None else stub)
    if source:
        table = table.tab_source_note(source)
    short = [c for c in shown if not _long_text(data[c])]
    if short:  # numbers and intervals ("51.0–52.3") stay on one line; long text wraps
        table = table.tab_style(style=style.css("white-space: nowrap"), locations=loc.body(short))
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


def _show_suppressed(table: GT, data: pd.DataFrame, counts: Sequence[str]) -> GT:
    """``[c]`` in missing count cells and in the cells listed in a ``suppressed`` column.

    Other missing cells show a dash.
    """
    table = table.sub_missing(missing_text=MISSING_SYMBOL)
    if counts:
        table = table.sub_missing(columns=list(counts), missing_text=SUPPRESSED_SYMBOL)
    if "suppressed" in data.columns:
        listed = "," + data["suppressed"].fillna("").astype(str) + ","
        for column in data.columns.intersection(listed.str.split(",").explode().unique()):
            rows = np.flatnonzero(listed.str.contains(f",{column},", regex=False)).tolist()
            table = table.sub_missing(columns=column, rows=rows, missing_text=SUPPRESSED_SYMBOL)
        table = table.cols_hide("suppressed")
    return table


def _long_text(column: pd.Series) -> bool:
    """Text that may wrap: any value longer than :data:`LONG_TEXT` characters."""
    return not pd.api.types.is_numeric_dtype(column) and bool(
        (column.dropna().astype(str).str.len() > LONG_TEXT).any()
    )


def format_numbers(
    table: GT,
    data: pd.DataFrame,
    *,
    decimals: int | Mapping[str, int] = 1,
    percent: Sequence[str] = (),
) -> GT:
    """Thousands separators for whole numbers, ``decimals`` places for the rest, and ``percent`` columns shown as percentages.

    Parameters
    ----------
    table
        The great_tables table to format.
    data
        The data shown in ``table``: the type of each column decides its format.
    decimals
        Decimal places of non-whole numbers and percentages: one number for all columns, or
        one per column name (1 for columns not named).
    percent
        Columns of proportions shown as percentages (0.25 shown as 25%).

    Returns
    -------
    great_tables.GT
        The formatted table.
    """
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
