"""NHS identity colours and a plotnine theme for the book's figures.

Colours are those of the NHS identity guidelines (NHS England, *NHS identity: colours*).
:data:`QUALITATIVE` is for unordered groups (ethnicity, sex, sites); :func:`deprivation_palette`
gives an ordered palette for deprivation quintiles or deciles, darkest for the most deprived.

>>> deprivation_palette(5)[0] == DARK_BLUE
True
>>> len(QUALITATIVE)
9
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from plotnine import (
    element_blank,
    element_line,
    element_rect,
    element_text,
    scale_colour_manual,
    scale_fill_manual,
    theme,
    theme_minimal,
)

from analysis.validation import InputError

NHS_BLUE = "#005EB8"
DARK_BLUE = "#003087"
BRIGHT_BLUE = "#0072CE"
LIGHT_BLUE = "#41B6E6"
AQUA_BLUE = "#00A9CE"
AQUA_GREEN = "#00A499"
GREEN = "#009639"
LIGHT_GREEN = "#78BE20"
WARM_YELLOW = "#FFB81C"
ORANGE = "#ED8B00"
RED = "#DA291C"
DARK_PINK = "#7C2855"
PINK = "#AE2573"
PURPLE = "#330072"
DARK_GREY = "#425563"
MID_GREY = "#768692"
PALE_GREY = "#E8EDEE"
BLACK = "#231F20"
WHITE = "#FFFFFF"

#: Colours for unordered groups, in the order to use them: each colour was added in turn as
#: the NHS identity colour furthest (smallest CIE76 Delta E to those before it) from the
#: colours already chosen, with normal vision and simulated protanopia, deuteranopia and
#: tritanopia (:func:`analysis.report.colours.palette_separation`), so every leading run of
#: it stays distinguishable for colour-blind readers (Delta E at least 12 for all nine).
QUALITATIVE: tuple[str, ...] = (
    NHS_BLUE,
    WARM_YELLOW,
    DARK_PINK,
    RED,
    LIGHT_BLUE,
    PURPLE,
    GREEN,
    MID_GREY,
    ORANGE,
)

#: Stops of the deprivation ramp, most deprived first (dark blue to pale blue).
_DEPRIVATION_STOPS = (DARK_BLUE, NHS_BLUE, LIGHT_BLUE, "#A6DDF2")

#: Font for figures: DejaVu Sans ships with matplotlib, so it exists on every machine.
FONT_FAMILY = "DejaVu Sans"


def deprivation_palette(n: int = 5) -> list[str]:
    """``n`` ordered colours from most deprived (dark blue) to least deprived (pale blue).

    Parameters
    ----------
    n
        The number of colours, at least 1 (one colour: the darkest).

    Returns
    -------
    list of str
        ``#RRGGBB`` colours, interpolated along the ramp dark blue, NHS blue, light blue,
        pale blue.

    Raises
    ------
    InputError
        When ``n`` is less than 1.

    Examples
    --------
    >>> deprivation_palette(2)
    ['#003087', '#A6DDF2']
    """
    if n < 1:
        raise InputError(f"n (the number of colours) must be at least 1, got {n!r}")
    stops = np.array([_rgb(c) for c in _DEPRIVATION_STOPS])
    positions = np.linspace(0, 1, len(stops))
    where = np.linspace(0, 1, n) if n > 1 else np.array([0.0])
    channels = [np.interp(where, positions, stops[:, k]) for k in range(3)]
    return [
        "#{:02X}{:02X}{:02X}".format(*np.rint(rgb).astype(int))
        for rgb in zip(*channels, strict=True)
    ]


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def theme_nhs(base_size: float = 11) -> theme:
    """Return a clean plotnine theme in NHS colours, legible at PDF size (legend at the bottom).

    Parameters
    ----------
    base_size
        The text size in points; titles and captions are scaled from it.

    Returns
    -------
    plotnine.theme
        The theme, to add to a plot.
    """
    return theme_minimal(base_size=base_size, base_family=FONT_FAMILY) + theme(
        text=element_text(color=BLACK),
        plot_title=element_text(color=DARK_BLUE, weight="bold", size=base_size * 1.25),
        plot_subtitle=element_text(color=DARK_GREY, size=base_size),
        plot_caption=element_text(color=MID_GREY, size=base_size * 0.8),
        axis_title=element_text(color=DARK_GREY),
        axis_text=element_text(color=DARK_GREY),
        panel_grid_major=element_line(color=PALE_GREY, size=0.6),
        panel_grid_minor=element_blank(),
        axis_line_x=element_line(color=MID_GREY),
        legend_position="bottom",
        legend_title=element_text(color=DARK_GREY, size=base_size * 0.9),
        strip_background=element_rect(fill=PALE_GREY, color=PALE_GREY),
        strip_text=element_text(color=DARK_BLUE, weight="bold"),
        plot_background=element_rect(fill=WHITE, color=WHITE),
    )


def sentence_case(text: str) -> str:
    """``text`` with its first letter a capital and the rest as written (acronyms kept).

    Parameters
    ----------
    text
        The text.

    Returns
    -------
    str
        The text with its first character upper case.

    Examples
    --------
    >>> sentence_case("odds ratio"), sentence_case("IMD quintile")
    ('Odds ratio', 'IMD quintile')
    """
    return text[:1].upper() + text[1:]


def thousands_labels(values: Sequence[float]) -> list[str]:
    """Axis labels with thousands separators and no needless decimals (``850,000``; ``0.5``).

    Parameters
    ----------
    values
        The axis break values.

    Returns
    -------
    list of str
        One label per value, all with the same (fewest exact, up to 3) decimals.

    Examples
    --------
    >>> thousands_labels([0, 850000, 1_000_000])
    ['0', '850,000', '1,000,000']
    """
    return [f"{v:,.{_decimals(values)}f}" for v in values]


def percent_labels(values: Sequence[float]) -> list[str]:
    """Axis labels for values already in per cent (``25%``; ``12.5%``).

    Parameters
    ----------
    values
        The axis break values, in per cent (25 for 25%).

    Returns
    -------
    list of str
        One label per value, all with the same decimals, ending ``%``.

    Examples
    --------
    >>> percent_labels([0, 12.5, 25])
    ['0.0%', '12.5%', '25.0%']
    """
    return [f"{v:,.{_decimals(values)}f}%" for v in values]


def _decimals(values: Sequence[float]) -> int:
    """Fewest decimals (up to 3) that write every value exactly."""
    for places in range(4):
        if all(abs(round(float(v), places) - float(v)) < 1e-9 for v in values):
            return places
    return 3


def scale_colour_nhs(**kwargs) -> scale_colour_manual:
    """Qualitative NHS colours for the ``colour`` aesthetic.

    Parameters
    ----------
    kwargs
        Passed on to plotnine's ``scale_colour_manual`` (for example ``name``, ``breaks``, ``labels``).

    Returns
    -------
    plotnine.scale_colour_manual
        The scale, to add to a plot.
    """
    return scale_colour_manual(values=list(QUALITATIVE), **kwargs)


def scale_fill_nhs(**kwargs) -> scale_fill_manual:
    """Qualitative NHS colours for the ``fill`` aesthetic.

    Parameters
    ----------
    kwargs
        Passed on to plotnine's ``scale_fill_manual`` (for example ``name``, ``breaks``, ``labels``).

    Returns
    -------
    plotnine.scale_fill_manual
        The scale, to add to a plot.
    """
    return scale_fill_manual(values=list(QUALITATIVE), **kwargs)


def scale_colour_deprivation(n: int = 5, **kwargs) -> scale_colour_manual:
    """Ordered colours for ``n`` deprivation groups (level 1 = most deprived = darkest).

    Parameters
    ----------
    n
        The number of deprivation groups (:func:`deprivation_palette`).
    kwargs
        Passed on to plotnine's ``scale_colour_manual`` (for example ``name``, ``breaks``, ``labels``).

    Returns
    -------
    plotnine.scale_colour_manual
        The scale, to add to a plot.
    """
    return scale_colour_manual(values=deprivation_palette(n), **kwargs)


def scale_fill_deprivation(n: int = 5, **kwargs) -> scale_fill_manual:
    """Ordered fills for ``n`` deprivation groups (level 1 = most deprived = darkest).

    Parameters
    ----------
    n
        The number of deprivation groups (:func:`deprivation_palette`).
    kwargs
        Passed on to plotnine's ``scale_fill_manual`` (for example ``name``, ``breaks``, ``labels``).

    Returns
    -------
    plotnine.scale_fill_manual
        The scale, to add to a plot.
    """
    return scale_fill_manual(values=deprivation_palette(n), **kwargs)
