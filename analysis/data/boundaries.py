"""Small-area boundaries for maps: synthetic ones for the fictional areas, or yours (GeoJSON).

Boundaries are held as a tidy table of polygon outlines, one row per vertex: ``area_code``,
``part`` (a polygon id, unique over the table), ``order`` (vertex order) and ``x``, ``y``.
Only outer rings are kept: a hole (rare in LSOAs: an area wholly inside another) is drawn by
drawing the enclosed area on top, which the map functions do by drawing larger parts first.

Synthetic boundaries (:func:`synthetic_boundaries`) are generated deterministically, without
any file: the system's outline is split into districts by a Voronoi tessellation of district
centres, and each district into its small areas by a Voronoi tessellation of points drawn
uniformly in it, each cell clipped to the district (Sutherland & Hodgman 1974, *Commun ACM*
17:32-42, for clipping a polygon to a convex one). More deprived areas are placed nearer
the centre (the urban core), as in many real systems.

Real boundaries: the ONS publishes LSOA boundaries as GeoJSON (Open Government Licence);
point ``geography.boundaries`` of the configuration at the file and ``geography.boundary_code``
at the property holding the LSOA code (``LSOA21CD`` by default); :func:`read_boundaries`
reads Polygon and MultiPolygon features. Coordinates are drawn as given (British National
Grid metres are drawn true to scale; longitude and latitude are stretched east-west).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import Voronoi

from analysis.data import parameters as P
from analysis.validation import InputError, require_columns

#: Seed of the boundary generator (fixed: the same areas always get the same map).
BOUNDARY_SEED = 20_190_927
#: Property of ONS LSOA GeoJSON features holding the 2021 LSOA code.
DEFAULT_CODE_PROPERTY = "LSOA21CD"


def _clip(polygon: np.ndarray, convex: np.ndarray) -> np.ndarray:
    """``polygon`` clipped to the ``convex`` polygon (both counter-clockwise, n x 2)."""
    out = polygon
    for a, b in zip(convex, np.roll(convex, -1, axis=0), strict=True):
        if len(out) == 0:
            break
        edge = b - a
        side = edge[0] * (out[:, 1] - a[1]) - edge[1] * (out[:, 0] - a[0])
        nxt = np.roll(out, -1, axis=0)
        side_next = np.roll(side, -1)
        kept = []
        for p, q, sp, sq in zip(out, nxt, side, side_next, strict=True):
            if sp >= 0:
                kept.append(p)
            if (sp >= 0) != (sq >= 0):
                kept.append(p + (q - p) * (sp / (sp - sq)))
        out = np.array(kept).reshape(-1, 2)
    return out


def _counter_clockwise(polygon: np.ndarray) -> np.ndarray:
    centre = polygon.mean(axis=0)
    angle = np.arctan2(polygon[:, 1] - centre[1], polygon[:, 0] - centre[0])
    return polygon[np.argsort(angle)]


def _voronoi_cells(points: np.ndarray, outline: np.ndarray) -> list[np.ndarray]:
    """Voronoi cells of ``points`` clipped to the convex ``outline``, in the points' order."""
    span = np.ptp(outline, axis=0).max() * 10
    centre = outline.mean(axis=0)
    far = centre + span * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])
    vor = Voronoi(np.vstack([points, far]))
    cells = []
    for i in range(len(points)):
        region = vor.regions[vor.point_region[i]]
        cell = _counter_clockwise(vor.vertices[region])
        cells.append(_clip(cell, outline))
    return cells


def _inside(points: np.ndarray, convex: np.ndarray) -> np.ndarray:
    edges = np.roll(convex, -1, axis=0) - convex
    rel = points[:, None, :] - convex[None, :, :]
    cross = edges[None, :, 0] * rel[:, :, 1] - edges[None, :, 1] * rel[:, :, 0]
    return (cross >= 0).all(axis=1)


def _points_in(convex: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    low, high = convex.min(axis=0), convex.max(axis=0)
    found = np.empty((0, 2))
    while len(found) < n:
        draw = low + (high - low) * rng.random((4 * n + 16, 2))
        found = np.vstack([found, draw[_inside(draw, convex)]])
    return found[:n]


def synthetic_boundaries(areas: pd.DataFrame) -> pd.DataFrame:
    """Deterministic boundaries for the synthetic areas (see the module docstring).

    Districts are placed as in :data:`analysis.data.parameters.DISTRICTS`: the first (the
    urban, most deprived district) in the centre, the others around it.

    Parameters
    ----------
    areas
        The synthetic areas: ``area_code``, ``district_code`` and ``imd_score`` (the most
        deprived areas of a district are placed nearest the centre).

    Returns
    -------
    DataFrame
        One row per vertex: ``area_code``, ``part`` (a polygon id, unique over the table),
        ``order`` (the vertex's place in its polygon), ``x`` and ``y``.

    Raises
    ------
    InputError
        When ``areas`` lacks one of those columns.

    Examples
    --------
    >>> from analysis.data import generate_population
    >>> b = synthetic_boundaries(generate_population(5_000).areas)
    >>> sorted(b.columns)
    ['area_code', 'order', 'part', 'x', 'y']
    """
    require_columns(areas, ["area_code", "district_code", "imd_score"])
    rng = np.random.default_rng(BOUNDARY_SEED)
    angles = np.linspace(0, 2 * np.pi, 9)[:-1] + np.pi / 8
    outline = np.column_stack([np.cos(angles), 0.8 * np.sin(angles)]) * 100
    codes = [d[0] for d in P.DISTRICTS]
    districts = [c for c in codes if c in set(areas["district_code"])]
    districts += sorted(set(areas["district_code"]) - set(districts))
    around = np.linspace(0, 2 * np.pi, max(len(districts) - 1, 1), endpoint=False)
    centres = np.vstack([[0.0, 0.0], np.column_stack([np.cos(around), 0.8 * np.sin(around)]) * 65])[
        : len(districts)
    ]
    district_cells = _voronoi_cells(centres, outline) if len(districts) > 1 else [outline]
    rows = []
    for district, cell in zip(districts, district_cells, strict=True):
        members = areas[areas["district_code"] == district]
        # most deprived first, placed nearest the system's centre
        members = members.sort_values("imd_score", ascending=False, kind="stable")
        points = _points_in(cell, len(members), rng)
        points = points[np.argsort(np.hypot(points[:, 0], points[:, 1]), kind="stable")]
        cells = _voronoi_cells(points, cell) if len(members) > 1 else [cell]
        for code, polygon in zip(members["area_code"], cells, strict=True):
            rows.append((code, polygon))
    return _long(rows)


def _long(rows: list[tuple[str, np.ndarray]]) -> pd.DataFrame:
    sizes = np.array([len(p) for _, p in rows])
    xy = np.vstack([p for _, p in rows])
    return pd.DataFrame(
        {
            "area_code": np.repeat([c for c, _ in rows], sizes),
            "part": np.repeat(np.arange(len(rows)), sizes),
            "order": np.concatenate([np.arange(s) for s in sizes]),
            "x": xy[:, 0],
            "y": xy[:, 1],
        }
    )


def read_boundaries(path: str | Path, code_property: str = DEFAULT_CODE_PROPERTY) -> pd.DataFrame:
    """Boundaries from a GeoJSON FeatureCollection of Polygon or MultiPolygon features.

    Only the outer ring of each polygon is read (holes are left out), and only ``x`` and ``y``
    of each position.

    Parameters
    ----------
    path
        The GeoJSON file.
    code_property
        The feature property holding the area code.

    Returns
    -------
    DataFrame
        One row per vertex: ``area_code``, ``part`` (a polygon id, unique over the table),
        ``order`` (the vertex's place in its polygon), ``x`` and ``y``.

    Raises
    ------
    InputError
        A feature without ``code_property`` (naming the properties it has), a geometry of
        another type, or a file that is not a FeatureCollection or has no features.
    """
    collection = json.loads(Path(path).read_text(encoding="utf-8"))
    if collection.get("type") != "FeatureCollection":
        raise InputError(f"{path}: expected a GeoJSON FeatureCollection")
    rows = []
    for number, feature in enumerate(collection.get("features", []), start=1):
        props = feature.get("properties") or {}
        if code_property not in props:
            raise InputError(
                f"{path}: feature {number} has no property {code_property!r} (it has "
                f"{sorted(props)}); set geography.boundary_code to the one holding the area code"
            )
        geometry = feature.get("geometry") or {}
        kind = geometry.get("type")
        if kind == "Polygon":
            polygons = [geometry["coordinates"]]
        elif kind == "MultiPolygon":
            polygons = geometry["coordinates"]
        else:
            raise InputError(
                f"{path}: feature {number} ({props[code_property]}) is a {kind}, "
                "not a Polygon or MultiPolygon"
            )
        for rings in polygons:
            rows.append((str(props[code_property]), np.asarray(rings[0], dtype=float)[:, :2]))
    if not rows:
        raise InputError(f"{path}: the FeatureCollection has no features")
    return _long(rows)


def boundaries_geojson(boundaries: pd.DataFrame) -> dict:
    """Return the boundaries as a GeoJSON FeatureCollection (one Polygon or MultiPolygon per area).

    Parameters
    ----------
    boundaries
        One row per vertex: ``area_code``, ``part``, ``order``, ``x`` and ``y``.

    Returns
    -------
    dict
        The FeatureCollection, each feature with the property ``area_code`` and its
        coordinates rounded to 3 decimals, each ring closed.
    """
    features = []
    for code, area in boundaries.groupby("area_code", sort=True):
        polygons = [
            [part[["x", "y"]].round(3).to_numpy().tolist()]
            for _, part in area.sort_values("order").groupby("part", sort=True)
        ]
        for rings in polygons:
            rings[0].append(rings[0][0])
        geometry = (
            {"type": "Polygon", "coordinates": polygons[0]}
            if len(polygons) == 1
            else {"type": "MultiPolygon", "coordinates": polygons}
        )
        features.append(
            {"type": "Feature", "properties": {"area_code": code}, "geometry": geometry}
        )
    return {"type": "FeatureCollection", "features": features}
