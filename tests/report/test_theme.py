import matplotlib.font_manager as fm
import pandas as pd
import pytest
from plotnine import aes, geom_col, ggplot

from analysis.report import theme
from analysis.report.theme import deprivation_palette, scale_fill_deprivation, theme_nhs
from analysis.validation import InputError

# Hex values from the NHS identity colour guidelines.
NHS_IDENTITY = {
    "NHS_BLUE": "#005EB8",
    "DARK_BLUE": "#003087",
    "BRIGHT_BLUE": "#0072CE",
    "LIGHT_BLUE": "#41B6E6",
    "AQUA_GREEN": "#00A499",
    "WARM_YELLOW": "#FFB81C",
    "DARK_GREY": "#425563",
    "MID_GREY": "#768692",
    "PALE_GREY": "#E8EDEE",
    "RED": "#DA291C",
    "DARK_PINK": "#7C2855",
    "PURPLE": "#330072",
    "GREEN": "#009639",
    "ORANGE": "#ED8B00",
}


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #RRGGBB colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize(("name", "hex_value"), NHS_IDENTITY.items())
def test_named_colours_match_nhs_identity(name, hex_value):
    assert getattr(theme, name) == hex_value


def test_qualitative_palette_has_distinct_identity_colours():
    assert len(set(theme.QUALITATIVE)) == len(theme.QUALITATIVE)
    assert set(theme.QUALITATIVE) <= set(NHS_IDENTITY.values())


@pytest.mark.parametrize("n", [2, 5, 10])
def test_deprivation_palette_goes_from_dark_most_deprived_to_light(n):
    palette = deprivation_palette(n)
    assert len(palette) == n
    assert palette[0] == "#003087"
    luminance = [relative_luminance(c) for c in palette]
    assert all(a < b for a, b in zip(luminance, luminance[1:], strict=False))


def test_deprivation_palette_rejects_zero():
    with pytest.raises(InputError, match="at least 1, got 0"):
        deprivation_palette(0)


def test_theme_font_exists_for_matplotlib():
    path = fm.findfont(fm.FontProperties(family=theme.FONT_FAMILY), fallback_to_default=False)
    assert "DejaVuSans" in path


def test_theme_renders_a_plot(tmp_path):
    data = pd.DataFrame({"quintile": list("12345"), "rate": [5, 4, 3, 2, 1]})
    plot = (
        ggplot(data, aes("quintile", "rate", fill="quintile"))
        + geom_col()
        + theme_nhs()
        + scale_fill_deprivation(5)
    )
    plot.save(tmp_path / "plot.png", verbose=False, width=4, height=3, dpi=50)
    assert (tmp_path / "plot.png").stat().st_size > 1000
