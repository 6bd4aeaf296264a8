"""Charts of model results (plotnine, NHS theme): forest plots, predicted rates, caterpillars.

Plotting sits at the edge: each function takes a tidy table produced by the models and
returns a ``plotnine.ggplot`` without computing any statistic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from plotnine import (
    aes,
    coord_flip,
    element_blank,
    element_text,
    facet_grid,
    geom_errorbar,
    geom_hline,
    geom_point,
    ggplot,
    labs,
    scale_y_continuous,
    scale_y_log10,
    theme,
)

from analysis.measures._output import confidence_label
from analysis.models.tidy import limit_names
from analysis.report.theme import (
    DARK_GREY,
    NHS_BLUE,
    percent_labels,
    sentence_case,
    theme_nhs,
    thousands_labels,
)
from analysis.validation import InputError, check_confidence, level_tag, require_columns

RATIO_STATISTICS = ("rate ratio", "odds ratio")


def interval_columns(
    table: pd.DataFrame, confidence: float | None = None, *, prefix: str = ""
) -> tuple[str, str, str]:
    """Return the lower and upper limit columns of ``table`` to draw, and their level (``"95%"``).

    Parameters
    ----------
    table
        A model's tidy table: limits ``lowercl``/``uppercl`` (``prefix_lowercl``, ...) at one
        level, or a pair per level (``lower95_0cl``, ...) at several.
    confidence
        The one level to draw; required when the table has several, and checked against the
        table's ``confidence`` column when it has one.
    prefix
        The quantity whose limits are drawn when it is not the row's ``value`` (MAIHDA's
        ``"interaction"``: ``interaction_lowercl``, ...).

    Returns
    -------
    tuple of str
        The lower and upper limit columns, and the level's text (from the table's
        ``confidence`` column when it has one; empty if it has none and no ``confidence``
        was given).

    Raises
    ------
    InputError
        Several levels in the table and no ``confidence``, several levels asked for, or no
        limits at the level asked for.
    """
    start = f"{prefix}_" if prefix else ""
    single = limit_names([0.95], prefix=prefix)[0]
    if confidence is None:
        if not set(single) <= set(table.columns):
            several = [c for c in table.columns if c.startswith(f"{start}lower") and c != single[0]]
            raise InputError(
                f"the table has limits at several levels ({several}); choose the one to draw "
                "with confidence=, e.g. confidence=0.95"
            )
        shown = str(table["confidence"].iloc[0]) if "confidence" in table else ""
        return *single, shown
    levels = check_confidence(confidence)
    if len(levels) > 1:
        raise InputError(f"confidence: a chart draws one level of limits, got {levels}")
    tag = level_tag(levels[0])
    tagged = (f"{start}lower{tag}cl", f"{start}upper{tag}cl")
    if set(tagged) <= set(table.columns):
        return *tagged, confidence_label(levels)
    if set(single) <= set(table.columns) and (
        "confidence" not in table or set(table["confidence"]) == {confidence_label(levels)}
    ):
        return *single, confidence_label(levels)
    raise InputError(
        f"confidence={confidence!r}: the table has no limits at that level "
        f"(columns {list(table.columns)})"
    )


def forest_plot(
    table: pd.DataFrame,
    *,
    variables: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
    confidence: float | None = None,
) -> ggplot:
    """Estimates with intervals, one row per term, faceted by variable; ratios on a log axis.

    The line of no difference is drawn at 1 for ratios and 0 otherwise.

    Parameters
    ----------
    table
        A model's tidy table (``term, variable, level, value``, the limits,
        ``confidence, statistic``), optionally several models stacked (coloured by
        ``model``); one ``statistic`` only.
    variables
        The variables whose terms are drawn (default: all).
    labels
        New names of the variables in the facet strips (e.g. ``{"imd_quintile": "IMD
        quintile"}``).
    title
        The chart's title.
    confidence
        The level to draw when the table has limits at several (:func:`interval_columns`).

    Returns
    -------
    plotnine.ggplot
        The chart.
    """
    require_columns(table, ["variable", "level", "value", "confidence", "statistic"], what="table")
    lower, upper, level = interval_columns(table, confidence)
    rows = table if variables is None else table[table["variable"].isin(list(variables))]
    if rows.empty:
        raise InputError(f"no terms to plot for variables {variables}")
    statistics = rows["statistic"].unique()
    if len(statistics) != 1:
        raise InputError(f"plot one statistic at a time; the table mixes {list(statistics)}")
    ratio = statistics[0] in RATIO_STATISTICS
    rows = rows.assign(
        level=pd.Categorical(rows["level"], categories=list(dict.fromkeys(rows["level"]))[::-1]),
        variable=pd.Categorical(
            rows["variable"].map(lambda v: (labels or {}).get(v, v)),
            categories=[(labels or {}).get(v, v) for v in dict.fromkeys(rows["variable"])],
        ),
    )
    several = "model" in rows and rows["model"].nunique() > 1
    mapping = aes(
        "level", "value", ymin=lower, ymax=upper, **({"colour": "model"} if several else {})
    )
    point = {} if several else {"colour": NHS_BLUE}
    return (
        ggplot(rows, mapping)
        + geom_hline(yintercept=1 if ratio else 0, colour=DARK_GREY, linetype="dashed")
        + geom_errorbar(width=0.25, **point)
        + geom_point(size=2.2, **point)
        + (scale_y_log10() if ratio else scale_y_continuous())
        + coord_flip()
        + facet_grid("variable ~ .", scales="free_y", space="free_y")
        + labs(
            x="",
            y=f"{sentence_case(statistics[0])} ({level} confidence interval)",
            title=title or "",
        )
        + theme_nhs()
        # horizontal facet labels: a one-row facet is too short for a vertical one, and
        # neighbouring vertical labels ran together ("SexAge group")
        + theme(strip_text_y=element_text(rotation=0, ha="left"))
    )


def predicted_chart(
    predictions: pd.DataFrame, *, title: str | None = None, confidence: float | None = None
) -> ggplot:
    """Plot standardised probabilities or rates by level with their intervals.

    Parameters
    ----------
    predictions
        The output of :func:`analysis.models.standardised_predictions`; its difference rows
        are left out.
    title
        The chart's title.
    confidence
        The level to draw when the table has limits at several (:func:`interval_columns`).

    Returns
    -------
    plotnine.ggplot
        The chart.
    """
    require_columns(predictions, ["level", "value", "confidence", "statistic"], what="predictions")
    lower, upper, level = interval_columns(predictions, confidence)
    rows = predictions[predictions["statistic"].str.startswith("standardised")]
    if rows.empty:
        raise InputError("predictions has no standardised rows to chart")
    rows = rows.assign(
        level=pd.Categorical(rows["level"], categories=sorted(rows["level"].unique()))
    )
    statistic = rows["statistic"].iloc[0]
    percentage = statistic == "standardised probability per 100"
    return (
        ggplot(rows, aes("level", "value", ymin=lower, ymax=upper))
        + geom_errorbar(width=0.25, colour=NHS_BLUE)
        + geom_point(size=2.5, colour=NHS_BLUE)
        + scale_y_continuous(labels=percent_labels if percentage else thousands_labels)
        + labs(
            x=sentence_case(rows["variable"].iloc[0]) if "variable" in rows else "",
            y=f"Standardised percentage ({level} CI)"
            if percentage
            else f"{sentence_case(statistic)} ({level} CI)",
            title=title or "",
        )  # fmt: skip
        + theme_nhs()
    )


def caterpillar_plot(
    strata: pd.DataFrame,
    *,
    value: str = "value",
    y_label: str = "Predicted value",
    title: str | None = None,
    confidence: float | None = None,
) -> ggplot:
    """Stratum estimates ranked from lowest to highest with their intervals (a caterpillar plot of MAIHDA strata).

    Parameters
    ----------
    strata
        MAIHDA's stratum table (``strata`` of :func:`analysis.models.maihda`'s result).
    value
        The column drawn: the null model's predictions (``"value"``) or, with
        ``value="interaction"``, the main-effects model's stratum interaction effects. The
        limits drawn are those named after it (``lowercl``/``uppercl`` for ``"value"``,
        ``interaction_lowercl``/``interaction_uppercl`` for ``"interaction"``).
    y_label
        The axis title of the values.
    title
        The chart's title.
    confidence
        The level to draw when the strata have limits at several (:func:`interval_columns`).

    Returns
    -------
    plotnine.ggplot
        The chart.
    """
    require_columns(strata, [value], what="strata")
    prefix = "" if value == "value" else value
    lower, upper, _ = interval_columns(strata, confidence, prefix=prefix)
    rows = strata.sort_values(value).reset_index(drop=True)
    rows = rows.assign(rank=range(1, len(rows) + 1))
    return (
        ggplot(rows, aes("rank", value, ymin=lower, ymax=upper))
        + geom_errorbar(width=0, colour=DARK_GREY, alpha=0.6)
        + geom_point(size=1.2, colour=NHS_BLUE)
        + labs(x="Stratum (ranked)", y=sentence_case(y_label), title=title or "")
        + theme_nhs()
        + theme(axis_text_x=element_blank())
    )
