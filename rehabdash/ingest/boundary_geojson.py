"""Reading a GeoJSON boundary file (.geojson, .json), and the GeoJSON model every format is read into.

The standard library's JSON parser reads it; the content must be a JSON object. Geometries are checked
(types, numbers, vertex counts) before shapely builds them. The other readers turn their geometries
into GeoJSON objects too and check them here (`geometry_vertices`), and all fill a `Layer`.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.errors import GEOSException
from shapely.geometry import shape

from rehabdash.ingest.boundary_limits import Budget

GEOJSON_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
                 "MultiPolygon": 3}
# GeoJSON of 2008 declared its CRS by name; these spell an EPSG code or longitude/latitude.
EPSG_NAME = re.compile(r"^(?:urn:ogc:def:crs:EPSG:[\d.]*:|EPSG:)(\d{4,6})$", re.IGNORECASE)
CRS84_NAME = re.compile(r"^(?:urn:ogc:def:crs:OGC:1\.3:CRS84|OGC:CRS84|CRS84)$", re.IGNORECASE)


@dataclass
class Layer:
    """The features of one file, as every reader yields them."""

    crs: CRS | None  # declared by the file (.prj, GeoJSON "crs"); None when it declares none
    names: list[str] = field(default_factory=list)  # attribute names, in order of appearance
    rows: list[dict] = field(default_factory=list)  # one attribute dict per feature
    geometries: list = field(default_factory=list)  # one shapely geometry (2-D) or None per feature
    problems: dict[int, str] = field(default_factory=dict)  # feature number → why its geometry is not read


def _positions(coordinates, depth: int) -> int | None:
    """Vertices in nested ``coordinates`` ``depth`` levels deep; None when they are not arrays of
    two or three finite numbers."""
    if depth == 0:
        ok = (isinstance(coordinates, list) and len(coordinates) in (2, 3) and
              all(type(v) in (int, float) and math.isfinite(v) for v in coordinates))
        return 1 if ok else None
    if not isinstance(coordinates, list):
        return None
    total = 0
    for item in coordinates:
        count = _positions(item, depth - 1)
        if count is None:
            return None
        total += count
    return total


def geometry_vertices(geometry, nested: bool = False) -> int | None:
    """Vertices of a GeoJSON geometry object (a collection of simple geometries included); None when
    it is malformed."""
    if not isinstance(geometry, dict):
        return None
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        members = geometry.get("geometries")
        if nested or not isinstance(members, list):
            return None
        counts = [geometry_vertices(g, nested=True) for g in members]
        return None if None in counts else sum(counts)
    if kind not in GEOJSON_DEPTH:
        return None
    return _positions(geometry.get("coordinates"), GEOJSON_DEPTH[kind])


def _declared_crs(document: dict, file_name: str, budget: Budget) -> CRS | None:
    declared = document.get("crs")
    if declared is None:
        return None
    name = declared.get("properties", {}).get("name") if isinstance(declared, dict) else None
    name = name.strip() if isinstance(name, str) else ""
    if CRS84_NAME.match(name):
        return CRS.from_epsg(4326)
    if match := EPSG_NAME.match(name):
        try:
            return CRS.from_epsg(int(match.group(1)))
        except CRSError:
            pass
    raise budget.unreadable(file_name, "geojson_crs", crs=str(name or declared)[:100])


def _text(value) -> object:
    """An attribute as the checks read it: nested objects and arrays as JSON text."""
    return json.dumps(value, ensure_ascii=False)[:1000] if isinstance(value, (dict, list)) else value


def read_geojson(content: bytes, file_name: str, budget: Budget) -> Layer:
    if not content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        raise budget.unreadable(file_name, "not_json")
    # Parsed JSON costs up to 80 bytes a value (a list per vertex, a float per number, a short string),
    # up to twenty times the text: values are counted first (a comma or bracket each, at least), and a
    # file with more than its vertices and features could need is refused before it is parsed.
    limits = budget.limits
    values = content.count(b",") + content.count(b"[") + content.count(b"{")
    if values > 3 * limits.max_vertices + 20 * limits.max_features + 10_000:
        budget.refuse("limit_json_values", "max_vertices", file=file_name, count=f"{values:,}")
    text = content.decode("utf-8-sig", errors="replace")
    try:
        document = json.loads(text, parse_constant=lambda name: None)  # NaN and Infinity are no numbers
    except json.JSONDecodeError as error:
        raise budget.unreadable(file_name, "bad_json", line=error.lineno, column=error.colno) from None
    except (RecursionError, ValueError):
        raise budget.unreadable(file_name, "bad_json", line="?", column="?") from None
    del text
    if not isinstance(document, dict):
        raise budget.unreadable(file_name, "not_json")
    kind = document.get("type")
    if kind == "FeatureCollection" and isinstance(document.get("features"), list):
        features = document["features"]
    elif kind == "Feature":
        features = [document]
    elif kind in GEOJSON_DEPTH or kind == "GeometryCollection":
        features = [{"type": "Feature", "properties": {}, "geometry": document}]
    else:
        raise budget.unreadable(file_name, "not_geojson")
    budget.features(len(features), file_name)
    layer = Layer(_declared_crs(document, file_name, budget))
    seen_names = {}
    for n, feature in enumerate(features, start=1):
        budget.clock()
        if not isinstance(feature, dict):
            feature = {}
        properties = feature.get("properties")
        row = {str(k): _text(v) for k, v in properties.items()} if isinstance(properties, dict) else {}
        for key in row:
            seen_names.setdefault(key, None)
        layer.rows.append(row)
        geometry = feature.get("geometry")
        if geometry is None:
            layer.geometries.append(None)
            continue
        vertices = geometry_vertices(geometry)
        if vertices is None:
            layer.problems[n] = budget.message("bad_geometry", n=n)
            layer.geometries.append(None)
            continue
        if problem := budget.feature(n, vertices):
            layer.problems[n] = problem
            layer.geometries.append(None)
            continue
        try:
            layer.geometries.append(shapely.force_2d(shape(geometry)))
        except (ValueError, TypeError, AttributeError, GEOSException):
            layer.problems[n] = budget.message("bad_geometry", n=n)
            layer.geometries.append(None)
    layer.names = list(seen_names)
    return layer
