"""Boundaries (analysis.data.boundaries) and maps (analysis.report.maps)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from analysis.data import generate_population
from analysis.data.boundaries import boundaries_geojson, read_boundaries, synthetic_boundaries
from analysis.report import check_figure, deprivation_palette
from analysis.report.maps import SUPPRESSED_LABEL, choropleth, map_data, svg_choropleth
from analysis.validation import InputError


@pytest.fixture(scope="module")
def areas():
    return generate_population(30_000, seed=3).areas


@pytest.fixture(scope="module")
def boundaries(areas):
    return synthetic_boundaries(areas)


def _polygon_areas(boundaries):
    x, y = boundaries["x"].to_numpy(), boundaries["y"].to_numpy()
    out = {}
    for part, rows in boundaries.groupby("part").indices.items():
        px, py = x[rows], y[rows]
        out[part] = 0.5 * abs(np.dot(px, np.roll(py, -1)) - np.dot(py, np.roll(px, -1)))
    return pd.Series(out)


def test_synthetic_boundaries_tile_the_outline_once_per_area(areas, boundaries):
    assert set(boundaries["area_code"]) == set(areas["area_code"])
    assert boundaries.groupby("area_code")["part"].nunique().eq(1).all()
    # the cells tile the octagon: their areas add up to the octagon's (radius 100, y x 0.8)
    octagon = 0.5 * 8 * 100**2 * np.sin(2 * np.pi / 8) * 0.8
    assert _polygon_areas(boundaries).sum() == pytest.approx(octagon, rel=1e-9)
    assert synthetic_boundaries(areas).equals(boundaries)  # deterministic


def test_more_deprived_areas_are_nearer_the_centre(areas, boundaries):
    centres = boundaries.groupby("area_code")[["x", "y"]].mean()
    distance = np.hypot(centres["x"], centres["y"]).reindex(areas["area_code"])
    assert np.corrcoef(distance, areas["imd_score"])[0, 1] < -0.3


def test_geojson_round_trip(tmp_path, boundaries):
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(boundaries_geojson(boundaries)))
    back = read_boundaries(path, "area_code")
    assert sorted(back["area_code"].unique()) == sorted(boundaries["area_code"].unique())
    # closing vertex repeated in GeoJSON; the shapes are the same polygons
    np.testing.assert_allclose(
        sorted(_polygon_areas(back)), sorted(_polygon_areas(boundaries)), rtol=1e-3
    )


def test_multipolygon_and_missing_property(tmp_path):
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    far = [[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]]
    feature = {
        "type": "Feature",
        "properties": {"LSOA21CD": "E01000001"},
        "geometry": {"type": "MultiPolygon", "coordinates": [[square], [far]]},
    }
    path = tmp_path / "lsoa.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    read = read_boundaries(path)
    assert read["part"].nunique() == 2 and set(read["area_code"]) == {"E01000001"}
    with pytest.raises(InputError, match="no property 'LSOA11CD'.*LSOA21CD"):
        read_boundaries(path, "LSOA11CD")


def test_enclosing_polygons_are_drawn_first():
    outer = pd.DataFrame({"x": [0, 10, 10, 0], "y": [0, 0, 10, 10]})
    inner = pd.DataFrame({"x": [4, 6, 6, 4], "y": [4, 4, 6, 6]})
    b = pd.concat(
        [inner.assign(area_code="in", part=0), outer.assign(area_code="out", part=1)]
    ).assign(order=[0, 1, 2, 3] * 2)
    values = pd.DataFrame({"area_code": ["in", "out"], "v": [1, 2]})
    data = map_data(b, values)
    assert data["area_code"].iloc[0] == "out"
    # rows in any order: each polygon's vertices are put back in order, outer drawn first
    shuffled = map_data(b.sample(frac=1, random_state=1), values)
    pd.testing.assert_frame_equal(shuffled, data)
    with pytest.raises(InputError, match="no area of the values"):
        map_data(b, pd.DataFrame({"area_code": ["x"], "v": [1]}))


def test_static_maps_keep_the_figure_rules(areas, boundaries):
    values = areas.assign(
        decile=pd.Categorical(areas["imd_decile"].astype(str), [str(i) for i in range(1, 11)]),
        score=areas["imd_score"].where(areas.index % 7 != 0),
    )
    check_figure(choropleth(boundaries, values, "decile", legend="IMD decile",
                            palette=deprivation_palette(10)))  # fmt: skip
    plot = check_figure(choropleth(boundaries, values, "score", legend="IMD score"))
    assert plot.data["score"].isna().any()  # suppressed areas are kept, drawn grey
    suppressed = values.assign(decile=values["decile"].where(areas.index % 5 != 0))
    plot = choropleth(boundaries, suppressed, "decile", legend="IMD decile",
                      palette=deprivation_palette(10))  # fmt: skip
    assert SUPPRESSED_LABEL in set(plot.data["decile"])


def test_svg_map_has_one_titled_path_per_area_and_no_script(areas, boundaries):
    values = areas.assign(
        tip=areas["area_name"] + ": IMD score " + areas["imd_score"].round(1).astype(str)
    )
    svg = svg_choropleth(
        boundaries, values, "imd_score", tooltip="tip", legend="IMD score", description="d"
    )._repr_html_()
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    paths = list(root.iter(f"{ns}path"))
    assert len(paths) == len(areas)
    titles = {p.find(f"{ns}title").text for p in paths}
    assert titles == set(values["tip"])
    assert "<script" not in svg and not re.search(r"https?://(?!www\.w3\.org/2000/svg)", svg)
