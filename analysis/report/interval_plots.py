"""Dot plots of estimates with their confidence intervals, one row per group and one panel per indicator.

The book's chapters compare the same rates across the groups of one breakdown (deprivation
quintile, ethnic group, sex, district): :func:`interval_dot_plot` draws them the same way every
time, in the house style (:func:`analysis.report.theme_nhs`) and within the house rules of
:mod:`analysis.report.figures`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from plotnine import (
    aes,
    coord_flip,
    facet_wrap,
    geom_errorbar,
    geom_point,
    ggplot,
    labs,
    scale_colour_manual,
    scale_y_continuous,
    theme,
)

from analysis.report.theme import theme_nhs, thousands_labels
from analysis.validation import InputError, fail_rows, require_columns


def interval_dot_plot(
    table: pd.DataFrame,
    group: str,
    order: Sequence[str],
    colours: Sequence[str],
    *,
    axis_title: str,
    facet: str = "indicator",
    value: str = "value",
    lowercl: str = "lowercl",
    uppercl: str = "uppercl",
) -> ggplot:
    """Draw each group's estimate and confidence interval, groups down the page, one panel per ``facet``.

    The groups run from the first of ``order`` at the top to the last at the bottom, each in
    its own colour; the value axis of each panel has its own range (indicators differ in
    scale), its numbers with thousands separators. No legend: the groups are named on the axis.

    Parameters
    ----------
    table
        One row per ``facet`` and ``group``: the estimate and its limits, for example the
        output of :func:`analysis.measures.indicator_rates` with the indicator named.
    group
        The column naming the groups.
    order
        Every group of ``table``, in the order to show them (top first).
    colours
        One colour per group of ``order`` (for example
        :func:`analysis.report.deprivation_palette` for quintiles).
    axis_title
        Title of the value axis, with its unit (for example "Rate per 100,000 (95% CI)").
    facet
        The column naming the panels.
    value, lowercl, uppercl
        The columns of the estimate and its lower and upper confidence limits.

    Returns
    -------
    plotnine.ggplot
        The plot; end a chapter's figure cell with ``check_figure(plot)``.

    Raises
    ------
    InputError
        If a column is missing, a group is not in ``order`` or ``order`` repeats a group, or
        ``colours`` has not one colour per group.

    Examples
    --------
    >>> rates = pd.DataFrame({"indicator": "CVD mortality", "sex": ["Female", "Male"],
    ...                       "value": [180.0, 260.0], "lowercl": [170.0, 248.0],
    ...                       "uppercl": [190.0, 272.0]})
    >>> plot = interval_dot_plot(rates, "sex", ["Female", "Male"], ["#005EB8", "#ED8B00"],
    ...                          axis_title="Rate per 100,000 (95% CI)")
    >>> list(plot.data["sex"].cat.categories)
    ['Male', 'Female']
    """
    require_columns(table, [facet, group, value, lowercl, uppercl], what="table")
    order = list(order)
    if len(set(order)) != len(order):
        raise InputError(f"order names a group more than once: {order}")
    if len(colours) != len(order):
        raise InputError(f"colours has {len(colours)} colour(s) for {len(order)} group(s)")
    fail_rows(table, ~table[group].isin(order), group, f"every group must be in order {order}")
    shown = table.assign(**{group: pd.Categorical(table[group], order[::-1])})
    return (
        ggplot(shown, aes(group, value, colour=group))
        + geom_errorbar(aes(ymin=lowercl, ymax=uppercl), width=0.3, size=0.7)
        + geom_point(size=2.5)
        + coord_flip()
        + facet_wrap(facet, scales="free_x")
        + scale_colour_manual(values=dict(zip(order, colours, strict=True)), guide=None)
        + scale_y_continuous(labels=thousands_labels)
        + labs(x="", y=axis_title)
        + theme_nhs()
        + theme(panel_spacing_x=0.04)
    )


def extreme_groups(values: pd.Series, most: int) -> list:
    """Return the groups a chart of at most ``most`` rows shows: all, or the highest and lowest.

    A chart with a row per group stays readable up to a few dozen rows; a national extract
    has hundreds of districts or practices. With at most ``most`` groups every group is kept,
    in the order of ``values``; with more, the ``most // 2`` groups with the highest values
    and the ``most // 2`` with the lowest, highest first (ties in the order of ``values``).
    Say in the text which were shown (the full list belongs in a table).

    Parameters
    ----------
    values
        One value per group, indexed by the group (for example age-standardised rates by
        district).
    most
        The most groups to show, at least 2.

    Returns
    -------
    list
        The groups to show.

    Raises
    ------
    InputError
        If ``most`` is below 2, or a value is missing or a group repeated.

    Examples
    --------
    >>> rates = pd.Series({"A": 210.0, "B": 150.0, "C": 330.0, "D": 190.0, "E": 240.0})
    >>> extreme_groups(rates, 10)
    ['A', 'B', 'C', 'D', 'E']
    >>> extreme_groups(rates, 4)
    ['C', 'E', 'D', 'B']
    """
    if isinstance(most, bool) or not isinstance(most, int) or most < 2:
        raise InputError(f"most must be a whole number of at least 2, got {most!r}")
    frame = values.rename("value").rename_axis("group").reset_index()
    fail_rows(frame, frame["value"].isna(), "value", "every group needs a value to rank")
    fail_rows(frame, frame["group"].duplicated(keep=False), "group", "each group once")
    if len(values) <= most:
        return list(values.index)
    ranked = values.sort_values(ascending=False, kind="stable")
    half = most // 2
    return [*ranked.index[:half], *ranked.index[-half:]]
