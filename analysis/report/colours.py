"""Colour checks for figures: text contrast (WCAG) and palettes seen with colour-vision deficiency.

- :func:`contrast_ratio` -- the WCAG 2.1 contrast ratio of two colours from their relative
  luminance (W3C 2018, *Web Content Accessibility Guidelines 2.1*, success criterion 1.4.3 and
  the definitions of "relative luminance" and "contrast ratio"). Text needs at least
  :data:`MIN_TEXT_CONTRAST` (4.5:1) against what is behind it.
- :func:`simulate_colour_vision` -- how colours look to people with protanopia, deuteranopia or
  tritanopia, by the physiologically based model of Machado, Oliveira & Fernandes (2009, *IEEE
  Trans Vis Comput Graph* 15:1291-1298; severity 1, applied to linear RGB).
- :func:`palette_separation` -- the smallest CIELAB distance (CIE 1976 Delta E) between any two
  colours of a palette, with normal vision and with each simulated deficiency (CIE 15:2004,
  *Colorimetry*, sRGB to XYZ to L*a*b* with the D65 white point).

>>> round(contrast_ratio("#000000", "#FFFFFF"), 1)
21.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: WCAG 2.1 minimum contrast for normal-size text (success criterion 1.4.3, level AA).
MIN_TEXT_CONTRAST = 4.5

#: Machado et al. (2009) simulation matrices at severity 1.0, on linear RGB.
DEFICIENCY_MATRICES: dict[str, np.ndarray] = {
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),  # fmt: skip
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),  # fmt: skip
    "tritanopia": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),  # fmt: skip
}

_SRGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
     [0.0193339, 0.1191920, 0.9503041]]
)  # fmt: skip
_D65 = np.array([0.95047, 1.0, 1.08883])


def to_rgb(colours: str | Sequence[str] | np.ndarray) -> np.ndarray:
    """SRGB in [0, 1], one row per colour, from ``#RRGGBB`` strings or matplotlib names.

    Parameters
    ----------
    colours
        One colour or several: ``#RRGGBB`` strings or matplotlib colour names, or an array
        of sRGB rows in [0, 1] (a fourth, alpha, column is dropped).

    Returns
    -------
    ndarray
        One row per colour, the red, green and blue channels in [0, 1].
    """
    from matplotlib.colors import to_rgb as mpl_rgb

    if isinstance(colours, np.ndarray):
        return np.atleast_2d(colours)[:, :3].astype("float64")
    items = [colours] if isinstance(colours, str) else list(colours)
    return np.array([mpl_rgb(c) for c in items], dtype="float64")


def _linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _gamma(linear: np.ndarray) -> np.ndarray:
    linear = np.clip(linear, 0, 1)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def relative_luminance(colours: str | Sequence[str] | np.ndarray) -> np.ndarray:
    """WCAG relative luminance ``0.2126 R + 0.7152 G + 0.0722 B`` of linearised sRGB.

    Method: WCAG 2.1 relative luminance (sRGB channels linearised, then weighted).

    Parameters
    ----------
    colours
        One colour or several: ``#RRGGBB`` strings or matplotlib colour names, or an array
        of sRGB rows in [0, 1] (a fourth, alpha, column is dropped).

    Returns
    -------
    ndarray
        The luminance of each colour, 0 (black) to 1 (white).
    """
    return _linear(to_rgb(colours)) @ np.array([0.2126, 0.7152, 0.0722])


def contrast_ratio(a: str | Sequence[str], b: str | Sequence[str]) -> float | np.ndarray:
    """WCAG contrast ratio ``(L_lighter + 0.05) / (L_darker + 0.05)``, from 1 to 21.

    Method: WCAG 2.1 contrast ratio of the relative luminances (:func:`relative_luminance`).

    Parameters
    ----------
    a
        One colour or several (``#RRGGBB`` or matplotlib names).
    b
        The colour or colours compared with, paired with ``a`` in order.

    Returns
    -------
    float or ndarray
        The ratio for one pair, or one ratio per pair.

    Examples
    --------
    >>> round(float(contrast_ratio("#231F20", "#003087")), 2)  # near-black text on navy
    1.38
    """
    la, lb = relative_luminance(a), relative_luminance(b)
    ratio = (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)
    return float(ratio[0]) if ratio.size == 1 else ratio


def readable_text_colour(fills: Sequence[str], dark: str, light: str) -> list[str]:
    """For each fill, whichever of ``dark`` and ``light`` text contrasts more with it.

    Parameters
    ----------
    fills
        The background colours.
    dark
        The dark text colour.
    light
        The light text colour.

    Returns
    -------
    list of str
        ``dark`` or ``light`` for each fill (``light`` on a tie).

    Examples
    --------
    >>> readable_text_colour(["#003087", "#E8EDEE"], dark="#231F20", light="#FFFFFF")
    ['#FFFFFF', '#231F20']
    """
    on_dark = contrast_ratio([light] * len(fills), list(fills))
    on_light = contrast_ratio([dark] * len(fills), list(fills))
    return [
        light if a >= b else dark
        for a, b in zip(np.atleast_1d(on_dark), np.atleast_1d(on_light), strict=True)
    ]


def gradient_text_colours(
    values: Sequence[float], low: str, high: str, *, dark: str, light: str
) -> list[str]:
    """Readable text colours for labels on a two-colour gradient fill (as ``scale_fill_gradient(low=..., high=...)`` draws it over the range of ``values``).

    Parameters
    ----------
    values
        The values the fill colours map, from the lowest (``low``) to the highest (``high``);
        when all are equal, every fill is ``low``.
    low
        The gradient's colour at the lowest value.
    high
        The gradient's colour at the highest value.
    dark
        The dark text colour.
    light
        The light text colour.

    Returns
    -------
    list of str
        ``dark`` or ``light`` for each value.

    Examples
    --------
    >>> gradient_text_colours([0, 50, 100], "#E8EDEE", "#003087", dark="#231F20", light="#FFFFFF")
    ['#231F20', '#231F20', '#FFFFFF']
    """
    from mizani.palettes import gradient_n_pal

    v = np.asarray(values, dtype="float64")
    span = np.nanmax(v) - np.nanmin(v)
    where = (v - np.nanmin(v)) / span if span > 0 else np.zeros_like(v)
    return readable_text_colour(list(gradient_n_pal([low, high])(where)), dark=dark, light=light)


def simulate_colour_vision(colours: str | Sequence[str], deficiency: str) -> np.ndarray:
    """SRGB rows of ``colours`` as seen with ``deficiency`` (a key of :data:`DEFICIENCY_MATRICES`, or ``"normal"``).

    Method: the physiologically based model of Machado, Oliveira & Fernandes (2009) at
    severity 1, applied to linear RGB.

    Parameters
    ----------
    colours
        One colour or several (``#RRGGBB`` or matplotlib names).
    deficiency
        ``"normal"`` or a key of :data:`DEFICIENCY_MATRICES` (a dichromacy).

    Returns
    -------
    ndarray
        One sRGB row in [0, 1] per colour.

    Raises
    ------
    ValueError
        When ``deficiency`` is not one of those names.
    """
    rgb = to_rgb(colours)
    if deficiency == "normal":
        return rgb
    if deficiency not in DEFICIENCY_MATRICES:
        raise ValueError(
            f"deficiency {deficiency!r} unknown; allowed: normal, {', '.join(DEFICIENCY_MATRICES)}"
        )
    return _gamma(_linear(rgb) @ DEFICIENCY_MATRICES[deficiency].T)


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) rows of sRGB rows in [0, 1] (CIE 15:2004).

    Parameters
    ----------
    rgb
        sRGB rows in [0, 1], one per colour (:func:`to_rgb`).

    Returns
    -------
    ndarray
        One row per colour: L*, a* and b*.
    """
    xyz = (_linear(rgb) @ _SRGB_TO_XYZ.T) / _D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.column_stack(
        [116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])]
    )


def palette_separation(colours: Sequence[str]) -> dict[str, float]:
    """Smallest pairwise CIE76 Delta E of ``colours`` with normal vision and each deficiency.

    Method: CIE76 colour difference (Euclidean distance in CIE L*a*b*, :func:`to_lab`) after
    simulating each colour vision deficiency (:func:`simulate_colour_vision`).

    Parameters
    ----------
    colours
        The palette, at least two colours.

    Returns
    -------
    dict of str to float
        The smallest difference between any two colours, for ``"normal"`` vision and each
        deficiency.

    Examples
    --------
    >>> sep = palette_separation(["#DA291C", "#009639"])  # NHS red and green
    >>> sep["normal"] > 50 > sep["deuteranopia"]
    True
    """
    result = {}
    for vision in ("normal", *DEFICIENCY_MATRICES):
        lab = to_lab(simulate_colour_vision(list(colours), vision))
        distance = np.linalg.norm(lab[:, None, :] - lab[None, :, :], axis=-1)
        distance[np.diag_indices(len(lab))] = np.inf
        result[vision] = float(distance.min())
    return result
