"""House rules for the book's figures, checked on the drawn figure.

Every figure cell of the book ends with :func:`check_figure`, which draws the plotnine plot
and raises :class:`FigureRuleError` listing what breaks the rules below, so a figure that
breaks them stops the render (naming the chapter and line) instead of being published:

1. Axis titles are in sentence case (first letter a capital or a digit); the title of a
   continuous axis states its unit or scale (:data:`UNIT_WORDS`). An empty title is allowed
   (for an axis of named groups).
2. Numbers on axes have thousands separators ("850,000", not "850000"); four-digit years are
   allowed on an axis whose title mentions a year.
3. Every legend lies inside the figure.
4. Text drawn in the panels (``geom_text``, ``geom_label``) has a WCAG contrast of at least
   4.5:1 against the tile, bar or background behind it (:mod:`analysis.report.colours`).
5. Strip labels (facet titles) fit their strips and do not overlap one another.
6. Colours that distinguish groups stay distinguishable with colour-vision deficiency: every
   pair at least :data:`MIN_SEPARATION` apart (CIE76 Delta E) with normal vision and simulated
   protanopia, deuteranopia and tritanopia -- or, for an ordered palette (deprivation
   quintiles), at least :data:`MIN_LIGHTNESS_STEP` apart in lightness, which every form of
   colour blindness preserves.
"""

from __future__ import annotations

import re
from copy import deepcopy

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from plotnine import ggplot
from plotnine.scales.scale_continuous import scale_continuous
from plotnine.scales.scale_discrete import scale_discrete

from analysis.report.colours import (
    MIN_TEXT_CONTRAST,
    contrast_ratio,
    palette_separation,
    simulate_colour_vision,
    to_lab,
)

#: Words or signs, one of which the title of a continuous axis must contain (its unit or scale).
UNIT_WORDS = (
    "(", "%", "per ", "years", "year", "ratio", "rate", "share", "number", "rank", "score",
    "index", "percentage", "count", "population", "residents", "people", "bic",
)  # fmt: skip

#: Smallest CIE76 Delta E between colours that identify groups (Szafir 2018, *IEEE Trans Vis
#: Comput Graph* 24:392-401, finds differences of about 10 needed for small marks).
MIN_SEPARATION = 10.0

#: Smallest lightness step (CIE L*) between neighbouring colours of an ordered palette.
MIN_LIGHTNESS_STEP = 3.0

_NUMBER = re.compile(r"^[−-]?\d+(\.\d+)?%?$")


class FigureRuleError(ValueError):
    """A figure breaks the house rules; the message lists every problem."""


def check_figure(plot: ggplot) -> ggplot:
    """Return ``plot`` unchanged if it keeps the house rules, else raise listing the problems.

    Parameters
    ----------
    plot
        The figure, as it will be published.

    Returns
    -------
    plotnine.ggplot
        ``plot``, unchanged.

    Raises
    ------
    FigureRuleError
        When the figure breaks a house rule; the message lists every problem
        (:func:`figure_problems`).

    Examples
    --------
    >>> import pandas as pd
    >>> from plotnine import aes, geom_point, labs
    >>> from analysis.report import theme_nhs
    >>> df = pd.DataFrame({"x": [1, 2], "y": [100_000, 850_000]})
    >>> check_figure(ggplot(df, aes("x", "y")) + geom_point() + labs(x="Year", y="people")
    ...              + theme_nhs())
    Traceback (most recent call last):
    ...
    analysis.report.figures.FigureRuleError: the figure breaks the house rules: ...
    """
    problems = figure_problems(plot)
    if problems:
        raise FigureRuleError("the figure breaks the house rules: " + "; ".join(problems))
    return plot


def figure_problems(plot: ggplot) -> list[str]:
    """Every house-rule problem of ``plot`` (an empty list when it keeps them all).

    A copy is drawn: drawing changes a plotnine plot (a flipped plot drawn twice swaps its
    axis titles back), and the book draws the original once more to publish it.

    Parameters
    ----------
    plot
        The figure, as it will be published; it is not changed.

    Returns
    -------
    list of str
        One sentence per problem: axis titles, tick labels, legends, text contrast and
        palettes.
    """
    plot = deepcopy(plot)
    figure = plot.draw()
    try:
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        renderer = canvas.get_renderer()
        return [
            *_axis_title_problems(plot),
            *_tick_label_problems(plot, figure),
            *_legend_problems(plot, figure, renderer),
            *_text_contrast_problems(figure, renderer),
            *_strip_problems(plot, renderer),
            *_palette_problems(plot),
        ]
    finally:
        import matplotlib.pyplot as plt

        plt.close(figure)


def _continuous(plot: ggplot, axis: str) -> bool:
    return isinstance(plot.scales.get_scales(axis), scale_continuous)


def _flipped(plot: ggplot) -> bool:
    return type(plot.coordinates).__name__ == "coord_flip"


def _axis_title_problems(plot: ggplot) -> list[str]:
    problems = []
    targets = plot.theme.targets
    for side, artist in (("x", targets.axis_title_x), ("y", targets.axis_title_y)):
        text = artist.get_text().strip() if artist is not None else ""
        if not text:
            continue
        if not (text[0].isupper() or text[0].isdigit()):
            problems.append(f"{side} axis title {text!r} is not in sentence case")
        aesthetic = {"x": "y", "y": "x"}[side] if _flipped(plot) else side
        if _continuous(plot, aesthetic) and not any(w in text.lower() for w in UNIT_WORDS):
            problems.append(f"{side} axis title {text!r} does not state a unit or scale")
    return problems


def _tick_label_problems(plot: ggplot, figure: Figure) -> list[str]:
    problems = set()
    titles = " ".join(
        a.get_text().lower()
        for a in (plot.theme.targets.axis_title_x, plot.theme.targets.axis_title_y)
        if a is not None
    )
    for ax in figure.axes:
        for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
            text = label.get_text().strip()
            if not _NUMBER.match(text):
                continue
            digits = len(text.lstrip("−-").split(".")[0].rstrip("%"))
            year = digits == 4 and "year" in titles and 1800 <= float(text.rstrip("%")) <= 2200
            if digits >= 4 and not year:
                problems.add(f"axis number {text!r} has no thousands separator")
    return sorted(problems)


def _legend_problems(plot: ggplot, figure: Figure, renderer: RendererAgg) -> list[str]:
    legends = plot.theme.targets.legends
    if legends is None:
        return []
    boxes = [getattr(legends, side) for side in ("left", "right", "top", "bottom")]
    artists = [b.box for b in boxes if b is not None] + [b.box for b in legends.inside]
    frame = figure.bbox.padded(1)
    problems = []
    for artist in artists:
        extent = artist.get_window_extent(renderer)
        if not (frame.containsx(extent.x0) and frame.containsx(extent.x1)
                and frame.containsy(extent.y0) and frame.containsy(extent.y1)):  # fmt: skip
            problems.append("a legend lies partly outside the figure")
    return problems


def _background_at(ax: Axes, point: tuple[float, float]) -> str:
    """Return the colour drawn under a display point: the topmost filled patch or collection containing it, else the panel background."""
    from matplotlib.collections import Collection
    from matplotlib.patches import Patch

    below = to_hex(ax.get_facecolor())
    for artist in sorted(ax.get_children(), key=lambda a: a.get_zorder()):
        if isinstance(artist, Patch) and artist is not ax.patch and artist.get_visible():
            if artist.get_fill() and artist.contains_point(point):
                below = to_hex(artist.get_facecolor())
        elif isinstance(artist, Collection) and artist.get_visible():
            faces = artist.get_facecolors()
            if len(faces) == 0:
                continue
            paths = artist.get_paths()
            transform = artist.get_transform()
            for k, path in enumerate(paths):
                if path.contains_point(point, transform=transform):
                    below = to_hex(faces[k % len(faces)])
    return below


def _text_contrast_problems(figure: Figure, renderer: RendererAgg) -> list[str]:
    problems = set()
    for ax in figure.axes:
        for text in ax.texts:
            if not text.get_visible() or not text.get_text().strip():
                continue
            extent = text.get_window_extent(renderer)
            centre = ((extent.x0 + extent.x1) / 2, (extent.y0 + extent.y1) / 2)
            fill = _background_at(ax, centre)
            colour = to_hex(text.get_color())
            ratio = contrast_ratio(colour, fill)
            if ratio < MIN_TEXT_CONTRAST:
                problems.add(
                    f"text {text.get_text()!r} in {colour} on {fill} has contrast "
                    f"{ratio:.1f}:1 (at least {MIN_TEXT_CONTRAST}:1 needed)"
                )
    return sorted(problems)


def _strip_problems(plot: ggplot, renderer: RendererAgg) -> list[str]:
    targets = plot.theme.targets
    problems = []
    for texts, backgrounds in (
        (targets.strip_text_x or [], targets.strip_background_x or []),
        (targets.strip_text_y or [], targets.strip_background_y or []),
    ):
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
        for (label, box), background in zip(boxes, backgrounds, strict=False):
            strip = background.get_window_extent(renderer).padded(1)
            if not (strip.containsx(box.x0) and strip.containsx(box.x1)
                    and strip.containsy(box.y0) and strip.containsy(box.y1)):  # fmt: skip
                problems.append(f"facet label {label!r} does not fit its strip")
        for i, (a, box_a) in enumerate(boxes):
            for b, box_b in boxes[i + 1 :]:
                if box_a.overlaps(box_b):
                    problems.append(f"facet labels {a!r} and {b!r} overlap")
    return problems


def _palette_problems(plot: ggplot) -> list[str]:
    problems = []
    for aesthetic in ("color", "fill"):
        scale = plot.scales.get_scales(aesthetic)
        if not isinstance(scale, scale_discrete):
            continue
        mapped = any(
            aesthetic not in layer.geom.aes_params  # a fixed colour identifies no group
            and (aesthetic in layer.mapping or (layer.inherit_aes and aesthetic in plot.mapping))
            for layer in plot.layers
        )
        if not mapped or scale.final_limits is None:
            continue
        levels = list(scale.final_limits)  # in the scale's order, for ordered palettes
        colours = list(dict.fromkeys(to_hex(c) for c in scale.map(levels) if isinstance(c, str)))
        if len(colours) < 2 or palette_safe(colours):
            continue
        problems.append(
            f"the {aesthetic} palette {colours} is not distinguishable with colour-vision "
            "deficiency"
        )
    return problems


def palette_safe(colours: list[str]) -> bool:
    """Whether ``colours`` (in scale order) keep the palette rule: distinct for every vision, or an ordered ramp whose lightness steps survive every vision.

    Parameters
    ----------
    colours
        The palette's colours, in scale order.

    Returns
    -------
    bool
        True when the smallest colour difference (:func:`analysis.report.colours.palette_separation`)
        is at least :data:`MIN_SEPARATION` for every vision, or the lightness of the colours
        rises or falls by at least :data:`MIN_LIGHTNESS_STEP` at every step for every vision.

    Examples
    --------
    >>> from analysis.report.theme import QUALITATIVE, deprivation_palette
    >>> palette_safe(list(QUALITATIVE)), palette_safe(deprivation_palette(5))
    (True, True)
    >>> palette_safe(["#7C2855", "#425563"])  # dark pink and dark grey: alike to deuteranopes
    False
    """
    if min(palette_separation(colours).values()) >= MIN_SEPARATION:
        return True
    for vision in ("normal", "protanopia", "deuteranopia", "tritanopia"):
        lightness = to_lab(simulate_colour_vision(colours, vision))[:, 0]
        steps = np.diff(lightness)
        if not (np.all(steps >= MIN_LIGHTNESS_STEP) or np.all(steps <= -MIN_LIGHTNESS_STEP)):
            return False
    return True
