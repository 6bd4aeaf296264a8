"""Choropleth maps of small areas: a static plotnine map (PDF and HTML) and an interactive SVG.

Both take boundaries in the tidy form of :mod:`analysis.data.boundaries` and a table of
values with one row per area (already through disclosure control: a suppressed value is
missing and its area is drawn in grey, labelled "suppressed"). Larger polygons are drawn
first, so an area enclosed by another is drawn on top of it.

The interactive map is a self-contained SVG: each area is a ``<path>`` with a ``<title>``
(the browser shows it as a tooltip on hover or long press, with no script and nothing
downloaded), outlined when the pointer is over it; it needs no JavaScript and works offline.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_hex
from plotnine import (
    aes,
    coord_fixed,
    element_blank,
    geom_polygon,
    geom_text,
    ggplot,
    labs,
    scale_fill_gradientn,
    scale_fill_manual,
    theme,
)

from analysis.report.theme import DARK_BLUE, LIGHT_BLUE, MID_GREY, NHS_BLUE, WHITE, theme_nhs
from analysis.validation import InputError, require_columns

#: Colour stops of continuous map scales (low to high).
CONTINUOUS_STOPS = ("#E8F4FB", LIGHT_BLUE, NHS_BLUE, DARK_BLUE)
#: Fill of areas whose value is suppressed or missing.
SUPPRESSED_FILL = MID_GREY
SUPPRESSED_LABEL = "Suppressed or no data"


def map_data(
    boundaries: pd.DataFrame, values: pd.DataFrame, area: str = "area_code"
) -> pd.DataFrame:
    """Boundaries joined to ``values`` (one row per area), largest polygons first.

    Parameters
    ----------
    boundaries
        Area outlines, one row per vertex: ``area_code``, ``part`` (one polygon ring),
        ``order`` (the vertex's place in its ring), ``x`` and ``y``
        (:func:`analysis.data.boundaries.read_boundaries`).
    values
        One row per area: ``area`` and the value columns.
    area
        The column of ``values`` holding the area codes of the boundaries.

    Returns
    -------
    DataFrame
        The boundary vertices of the areas in both, with the value columns (areas only in the
        boundaries or only in the values are left out), each polygon's vertices in order and
        the largest polygons first so that enclosed ones are drawn over them.

    Raises
    ------
    InputError
        ``values`` with an area twice, or no area in common with the boundaries.
    """
    require_columns(boundaries, ["area_code", "part", "order", "x", "y"], what="boundaries")
    require_columns(values, [area], what="values")
    if values[area].duplicated().any():
        repeated = values.loc[values[area].duplicated(), area].head(5).tolist()
        raise InputError(f"{area}: each area must appear once in the values (repeated: {repeated})")
    joined = boundaries.merge(
        values.rename(columns={area: "area_code"}), on="area_code", how="inner"
    )
    if joined.empty:
        raise InputError(
            f"{area}: no area of the values is in the boundaries (e.g. "
            f"{values[area].head(3).tolist()} against {boundaries['area_code'].head(3).tolist()})"
        )
    joined = joined.sort_values(["part", "order"], kind="stable").reset_index(drop=True)
    x, y = joined["x"].to_numpy(), joined["y"].to_numpy()
    vertices = joined.groupby("part")["order"].transform("size").to_numpy()
    # shoelace area of each part, to draw enclosing polygons first
    following = np.roll(np.arange(len(joined)), -1)
    last = joined.groupby("part").cumcount().to_numpy() == vertices - 1
    first_of_part = joined.groupby("part").cumcount().eq(0).to_numpy()
    starts = np.flatnonzero(first_of_part)
    following[last] = starts[np.searchsorted(starts, np.flatnonzero(last), side="right") - 1]
    cross = x * y[following] - x[following] * y
    size = pd.Series(cross).groupby(joined["part"].to_numpy()).transform("sum").abs().to_numpy()
    order = np.lexsort((joined["order"].to_numpy(), joined["part"].to_numpy(), -size))
    return joined.iloc[order].reset_index(drop=True)


def _map_theme() -> theme:
    return theme_nhs() + theme(
        axis_text=element_blank(),
        axis_ticks=element_blank(),
        panel_grid=element_blank(),
        panel_background=element_blank(),
        axis_line=element_blank(),
        legend_position="right",
    )


def choropleth(
    boundaries: pd.DataFrame,
    values: pd.DataFrame,
    fill: str,
    *,
    legend: str,
    palette: Sequence[str] | None = None,
    area: str = "area_code",
) -> ggplot:
    """Return a static choropleth of ``fill`` (numeric: continuous scale; categorical: ``palette``).

    Missing values (suppressed areas) are drawn in :data:`SUPPRESSED_FILL`; a categorical
    map lists them in the legend as :data:`SUPPRESSED_LABEL`.

    Parameters
    ----------
    boundaries
        Area outlines, one row per vertex: ``area_code``, ``part`` (one polygon ring),
        ``order`` (the vertex's place in its ring), ``x`` and ``y``
        (:func:`analysis.data.boundaries.read_boundaries`).
    values
        One row per area: ``area`` and the value columns.
    fill
        The column to map: numbers get a continuous colour scale, a categorical column (or
        any column when ``palette`` is given) one colour per level.
    legend
        The legend's title.
    palette
        The colours of the levels, in order; levels beyond it are drawn grey.
    area
        The column of ``values`` holding the area codes of the boundaries.

    Returns
    -------
    plotnine.ggplot
        The map.

    Raises
    ------
    InputError
        When an area appears twice in ``values`` or no area is in both (:func:`map_data`).
    """
    data = map_data(boundaries, values[[area, fill]], area)
    plot = ggplot(data, aes("x", "y", group="part", fill=fill))
    if isinstance(data[fill].dtype, pd.CategoricalDtype) or palette is not None:
        levels = list(pd.Categorical(data[fill]).categories)
        if data[fill].isna().any():
            data[fill] = pd.Categorical(data[fill], categories=[*levels, SUPPRESSED_LABEL])
            data[fill] = data[fill].fillna(SUPPRESSED_LABEL)
            levels.append(SUPPRESSED_LABEL)
        # drawn level by level (largest first within a level), so the figure check reads the
        # colours in scale order; an area enclosed by one of a later level may be hidden
        data = data.iloc[
            np.lexsort((np.arange(len(data)), pd.Categorical(data[fill]).codes))
        ].reset_index(drop=True)
        colours = list(palette or [])[: len(levels)]
        colours += [SUPPRESSED_FILL] * (len(levels) - len(colours))
        plot = ggplot(data, aes("x", "y", group="part", fill=fill)) + scale_fill_manual(
            values=dict(zip(levels, colours, strict=True)), name=legend
        )
    else:
        plot += scale_fill_gradientn(
            colors=list(CONTINUOUS_STOPS), na_value=SUPPRESSED_FILL, name=legend
        )
    return (
        plot
        + geom_polygon(colour=WHITE, size=0.1)
        + coord_fixed()
        + labs(x="", y="")
        + _map_theme()
    )


def no_map(message: str) -> ggplot:
    """Return an empty map panel saying why there is no map (e.g. no boundaries configured).

    Parameters
    ----------
    message
        The text shown in the panel.

    Returns
    -------
    plotnine.ggplot
        The panel, styled as a map.
    """
    return (
        ggplot(pd.DataFrame({"x": [0.0], "y": [0.0], "label": [message]}), aes("x", "y"))
        + geom_text(aes(label="label"), size=11, colour=DARK_BLUE)
        + labs(x="", y="")
        + _map_theme()
    )


@dataclass(frozen=True)
class SvgMap:
    """An interactive SVG map; shown by Jupyter (and the book) as HTML."""

    svg: str

    def _repr_html_(self) -> str:
        return self.svg


def _path_data(part: pd.DataFrame, scale: float, x0: float, y1: float) -> str:
    xs = (part["x"].to_numpy() - x0) * scale
    ys = (y1 - part["y"].to_numpy()) * scale
    points = " L".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    return f"M{points}Z"


def svg_choropleth(
    boundaries: pd.DataFrame,
    values: pd.DataFrame,
    fill: str,
    *,
    tooltip: str,
    legend: str,
    description: str,
    area: str = "area_code",
    width: int = 640,
    value_format: str = "{:,.0f}",
) -> SvgMap:
    """Return an interactive choropleth of the numeric column ``fill``.

    ``tooltip`` is the column of text shown for each area; ``description`` is the map's text
    alternative (``aria-label``) for screen readers. Missing values are drawn grey.

    Parameters
    ----------
    boundaries
        Area outlines, one row per vertex: ``area_code``, ``part`` (one polygon ring),
        ``order`` (the vertex's place in its ring), ``x`` and ``y``
        (:func:`analysis.data.boundaries.read_boundaries`).
    values
        One row per area: ``area`` and the value columns.
    fill
        The numeric column to map, on a continuous colour scale from its lowest to its highest
        value.
    tooltip
        The column of text shown when the pointer is over an area.
    legend
        The legend's title.
    description
        The text alternative of the map.
    area
        The column of ``values`` holding the area codes of the boundaries.
    width
        The width of the map in pixels (the legend adds 200).
    value_format
        The format of the lowest and highest values in the legend.

    Returns
    -------
    SvgMap
        The map as SVG inside an HTML ``figure``.

    Raises
    ------
    InputError
        When an area appears twice in ``values`` or no area is in both (:func:`map_data`).
    """
    data = map_data(boundaries, values[[area, fill, tooltip]], area)
    x0, x1 = data["x"].min(), data["x"].max()
    y0, y1 = data["y"].min(), data["y"].max()
    scale = width / (x1 - x0)
    height = (y1 - y0) * scale
    numbers = data[fill].astype("float64")
    low, high = float(np.nanmin(numbers)), float(np.nanmax(numbers))
    cmap = LinearSegmentedColormap.from_list("nhs", list(CONTINUOUS_STOPS))
    norm = Normalize(low, high if high > low else low + 1)
    parts = data.groupby("part", sort=False)
    paths = []
    for _, part in parts:
        value = float(part[fill].iloc[0]) if pd.notna(part[fill].iloc[0]) else None
        colour = SUPPRESSED_FILL if value is None else to_hex(cmap(norm(value)))
        title = html.escape(str(part[tooltip].iloc[0]))
        paths.append(
            f'<path d="{_path_data(part, scale, x0, y1)}" fill="{colour}"><title>{title}'
            "</title></path>"
        )
    bar = 200
    stops = "".join(
        f'<stop offset="{i / 4:.2f}" stop-color="{to_hex(cmap(i / 4))}"/>' for i in range(5)
    )
    key = (
        f'<g transform="translate({width + 20},20)" font-size="12" fill="#231F20">'
        f'<text x="0" y="0">{html.escape(legend)}</text>'
        f'<linearGradient id="g-{fill}" x1="0" y1="1" x2="0" y2="0">{stops}</linearGradient>'
        f'<rect x="0" y="10" width="16" height="{bar}" fill="url(#g-{fill})"/>'
        f'<text x="22" y="{bar + 14}">{html.escape(value_format.format(low))}</text>'
        f'<text x="22" y="20">{html.escape(value_format.format(high))}</text>'
        f'<rect x="0" y="{bar + 30}" width="16" height="12" fill="{SUPPRESSED_FILL}"/>'
        f'<text x="22" y="{bar + 41}">{SUPPRESSED_LABEL}</text></g>'
    )
    svg = (
        f'<figure class="svg-map"><svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{html.escape(description)}" viewBox="0 0 {width + 200:.0f} '
        f'{max(height, bar + 60):.0f}" style="width:100%;height:auto;max-width:{width + 200}px">'
        "<style>.svg-map path{stroke:#fff;stroke-width:0.4}"
        ".svg-map path:hover{stroke:#231F20;stroke-width:2}</style>"
        f"{''.join(paths)}{key}</svg></figure>"
    )
    return SvgMap(svg)
