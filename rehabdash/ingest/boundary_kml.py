"""Reading a KML boundary file (.kml, or the doc.kml of a .kmz).

defusedxml reads it, which refuses a DTD, entities and external references; the root must be <kml>.
Placemarks are read one at a time (iterparse) and dropped once read, so one placemark at most is held
as XML, and that of a bounded size. Each geometry becomes a GeoJSON object, checked as GeoJSON's are.
"""
from __future__ import annotations

import io
import math
import re

import defusedxml.ElementTree as safe_xml
import shapely
from defusedxml import DefusedXmlException
from shapely.errors import GEOSException
from shapely.geometry import shape

from rehabdash.ingest.boundary_geojson import Layer, geometry_vertices
from rehabdash.ingest.boundary_limits import Budget, Refused

KML_GEOMETRIES = {"Point", "LineString", "LinearRing", "Polygon", "MultiGeometry"}
TUPLE = re.compile(r"\S+")  # one "lon,lat[,alt]" of <coordinates>


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _coordinates(element) -> list[list[float]] | None:
    """The <coordinates> below ``element`` as (lon, lat) pairs; None when a tuple is not numbers."""
    node = next((e for e in element.iter() if _local(e.tag) == "coordinates"), None)
    pairs = []
    for item in (node.text or "").split() if node is not None else []:
        values = item.split(",")
        try:
            lon, lat = float(values[0]), float(values[1])
        except (ValueError, IndexError):
            return None
        if not (math.isfinite(lon) and math.isfinite(lat)) or len(values) > 3:
            return None
        pairs.append([lon, lat])
    return pairs


def _kml_geometry(element) -> dict | None:
    """A KML geometry element as a GeoJSON geometry object; None when malformed."""
    kind = _local(element.tag)
    children = list(element)
    if kind == "Point":
        points = _coordinates(element)
        return {"type": "Point", "coordinates": points[0]} if points and len(points) == 1 else None
    if kind in ("LineString", "LinearRing"):
        line = _coordinates(element)
        return None if line is None else {"type": "LineString", "coordinates": line}
    if kind == "Polygon":
        outer, inner = [], []
        for boundary in children:
            rings = {"outerBoundaryIs": outer, "innerBoundaryIs": inner}.get(_local(boundary.tag))
            if rings is None:
                continue
            for ring in boundary:
                if _local(ring.tag) == "LinearRing":
                    coordinates = _coordinates(ring)
                    if coordinates is None:
                        return None
                    rings.append(coordinates)
        return {"type": "Polygon", "coordinates": outer + inner} if len(outer) == 1 else None
    if kind == "MultiGeometry":
        parts = [_kml_geometry(child) for child in children if _local(child.tag) in KML_GEOMETRIES]
        if not parts or None in parts:
            return None
        if all(p["type"] == "Polygon" for p in parts):
            return {"type": "MultiPolygon", "coordinates": [p["coordinates"] for p in parts]}
        return {"type": "GeometryCollection", "geometries": parts}
    return None


def _placemark(element) -> tuple[dict, object]:
    """(attributes, KML geometry element or None) of a <Placemark>: name, description, ExtendedData."""
    row, geometry = {}, None
    for child in element:
        kind = _local(child.tag)
        if kind == "name":
            row["Name"] = (child.text or "").strip()
        elif kind == "description":
            row["Description"] = (child.text or "").strip()
        elif kind == "ExtendedData":
            for item in child.iter():
                if _local(item.tag) == "SimpleData" and item.get("name"):
                    row[item.get("name")] = (item.text or "").strip()
                elif _local(item.tag) == "Data" and item.get("name"):
                    value = next((v for v in item if _local(v.tag) == "value"), None)
                    row[item.get("name")] = "" if value is None else (value.text or "").strip()
        elif kind in KML_GEOMETRIES and geometry is None:
            geometry = child
    return row, geometry


def _drop(parent, element) -> None:
    """Detaches a read element from its parent, searched from the end: the parser runs up to a chunk
    ahead of the events, so the element is among the last children (a search from the front would
    scan them all each time)."""
    if parent is None:
        return
    for index in range(len(parent) - 1, -1, -1):
        if parent[index] is element:
            del parent[index]
            return


def read_kml(content: bytes, file_name: str, budget: Budget) -> Layer:
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        raise budget.unreadable(file_name, "not_kml")
    # Each element costs Python an event or two and some 100 bytes: tags are counted first (two for
    # most elements) against what the vertices and features could need (coordinates are text).
    limits = budget.limits
    if (tags := content.count(b"<")) > 2 * (limits.max_vertices + 100 * limits.max_features):
        budget.refuse("limit_xml_tags", "max_vertices", file=file_name, count=f"{tags:,}")
    layer, names = Layer(None), {}
    limit = limits.max_feature_vertices  # elements held for one placemark, as for vertices
    stack, placemark_depth, held, n = [], None, 0, 0
    try:
        events = safe_xml.iterparse(io.BytesIO(content), events=("start", "end"),
                                    forbid_dtd=True, forbid_entities=True, forbid_external=True)
        for count, (event, element) in enumerate(events):
            if count % 10_000 == 0:
                budget.clock()
            if event == "start":
                if not stack and _local(element.tag) != "kml":
                    raise budget.unreadable(file_name, "not_kml")
                if placemark_depth is None and _local(element.tag) == "Placemark":
                    placemark_depth, held = len(stack), 0
                    n += 1
                    budget.features(n, file_name)
                elif placemark_depth is not None:
                    held += 1
                    if held > limit:  # no township's placemark: reading stops here
                        budget.refuse("limit_feature_elements", "max_feature_vertices", n=n, count=f"{limit:,}")
                stack.append(element)
                continue
            stack.pop()
            parent = stack[-1] if stack else None
            if placemark_depth is not None and len(stack) > placemark_depth:
                continue  # held until the placemark ends
            if placemark_depth is not None:  # the placemark itself ends
                placemark_depth = None
                _add_placemark(layer, names, n, element, budget)
            _drop(parent, element)  # read: the tree never holds more than one placemark
    except Refused:
        raise
    except DefusedXmlException:
        raise budget.unreadable(file_name, "xml_entities") from None
    except safe_xml.ParseError as error:
        line = getattr(error, "position", ("?",))[0]
        raise budget.unreadable(file_name, "bad_xml", line=line) from None
    layer.names = list(names)
    return layer


def _add_placemark(layer: Layer, names: dict, n: int, element, budget: Budget) -> None:
    row, geometry_element = _placemark(element)
    for key in row:
        names.setdefault(key, None)
    layer.rows.append(row)
    if geometry_element is None:
        layer.geometries.append(None)
        return
    # the tuples of every <coordinates>, counted before any is parsed
    vertices = sum(sum(1 for _ in TUPLE.finditer(e.text or "")) for e in geometry_element.iter()
                   if _local(e.tag) == "coordinates")
    if problem := budget.feature(n, vertices):
        layer.problems[n] = problem
        layer.geometries.append(None)
        return
    geometry = _kml_geometry(geometry_element)
    if geometry is None or geometry_vertices(geometry) is None:
        layer.problems[n] = budget.message("bad_geometry", n=n)
        layer.geometries.append(None)
        return
    try:
        layer.geometries.append(shapely.force_2d(shape(geometry)))
    except (ValueError, TypeError, GEOSException):
        layer.problems[n] = budget.message("bad_geometry", n=n)
        layer.geometries.append(None)
