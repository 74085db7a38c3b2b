"""Reading an uploaded township boundary file, each format by a reader for that format and nothing else.

    layer = read(content, "乡镇.zip", Budget(config.boundary_limits()), "zh")  # or raises Refused

- GeoJSON (.geojson, .json): the standard library's JSON parser; the content must be a JSON object.
  Geometries are checked (types, numbers, vertex counts) before shapely builds them.
- KML (.kml) and KMZ (.kmz, a zip holding doc.kml): defusedxml, which refuses a DTD, entities and
  external references; the root must be <kml>. Placemarks are read one at a time (iterparse) and
  dropped once read, so one placemark at most is held as XML, and that of a bounded size.
- Shapefile: only inside a .zip with its .shp, .shx and .dbf (.prj and .cpg if there), read by pyshp
  from bytes in memory; the .prj by pyproj's WKT parser. The record headers of the .shp are counted
  before pyshp builds a shape.

Nothing here opens a file by name, a database, a virtual file system or a URL: the upload's bytes
are all there is (GDAL, which opens whatever format the content is, VRT included, is not used). The
content must match the suffix. A zip's sizes, compression ratio and number of files are checked in
its directory before anything is unpacked; its names are never used as paths. Every limit is a
setting (config.BoundaryLimits) named in its message.
"""
from __future__ import annotations

import io
import json
import math
import re
import struct
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import defusedxml.ElementTree as safe_xml
import shapefile  # pyshp
import shapely
from defusedxml import DefusedXmlException
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.errors import GEOSException
from shapely.geometry import shape

from rehabdash.kernel import i18n
from rehabdash.kernel.config import BOUNDARY_SETTINGS, BoundaryLimits

SUFFIXES = (".geojson", ".json", ".zip", ".kml", ".kmz")
ZIP_MAGIC = b"PK\x03\x04"
ZIP_ENTRY = b"PK\x01\x02"  # one per file in a zip's central directory
RATIO_FROM = 2**20  # the ratio applies to files of the zip over 1 MB unpacked, as for workbooks
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
MB = 2**20


class Refused(Exception):
    """The file is not read: its message (in the user's language) says why and names the limit."""


@dataclass
class Layer:
    crs: CRS | None  # declared by the file (.prj, GeoJSON "crs"); None when it declares none
    names: list[str] = field(default_factory=list)  # attribute names, in order of appearance
    rows: list[dict] = field(default_factory=list)  # one attribute dict per feature
    geometries: list = field(default_factory=list)  # one shapely geometry (2-D) or None per feature
    problems: dict[int, str] = field(default_factory=dict)  # feature number → why its geometry is not read


class Budget:
    """The limits of one check, and what it has spent of them."""

    def __init__(self, limits: BoundaryLimits, lang: str = i18n.DEFAULT_LANGUAGE):
        self.limits, self.lang = limits, lang
        self.deadline = time.monotonic() + limits.max_seconds
        self.vertices = 0

    def message(self, key: str, **values) -> str:
        return i18n.text(self.lang, f"boundaries.{key}", **values)

    def unreadable(self, file_name: str, why: str, **values) -> Refused:
        """The file is not of its format: the reason is ``boundaries.why_<why>``."""
        return Refused(self.message("unreadable", file=file_name, reason=self.message(f"why_{why}", **values)))

    def refuse(self, key: str, limit: str, **values):
        raise Refused(self.message(key, limit=_number(getattr(self.limits, limit)),
                                   setting=BOUNDARY_SETTINGS[limit], **values))

    def clock(self) -> None:
        if time.monotonic() > self.deadline:
            self.refuse("limit_time", "max_seconds")

    def features(self, count: int, file_name: str) -> None:
        if count > self.limits.max_features:
            self.refuse("limit_features", "max_features", file=file_name, count=f"{count:,}")

    def feature(self, n: int, vertices: int) -> str | None:
        """Adds a feature's vertices to the total (refused beyond it); the problem of a feature
        beyond its own limit, whose geometry is then not built."""
        self.clock()
        self.vertices += vertices
        if self.vertices > self.limits.max_vertices:
            self.refuse("limit_vertices", "max_vertices")
        if vertices > self.limits.max_feature_vertices:
            return self.message("limit_feature_vertices", n=n, count=f"{vertices:,}",
                                limit=_number(self.limits.max_feature_vertices),
                                setting=BOUNDARY_SETTINGS["max_feature_vertices"])
        return None


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def _size(count: int) -> str:
    return f"{count / MB:.1f} MB" if count >= MB else f"{count / 1024:.0f} KB"


def read(content: bytes, file_name: str, budget: Budget) -> Layer:
    """The features of an uploaded boundary file; raises Refused (the message says why) when the file
    is not one of the accepted formats, does not match its suffix, or is beyond a limit."""
    suffix = PurePosixPath(file_name).suffix.lower()
    if suffix not in SUFFIXES:
        raise budget.unreadable(file_name, "suffix", suffix=suffix or "—")
    if len(content) > budget.limits.max_mb * MB:
        budget.refuse("limit_file", "max_mb", file=file_name, size=_size(len(content)))
    if suffix in (".geojson", ".json"):
        return _read_geojson(content, file_name, budget)
    if suffix == ".kml":
        return _read_kml(content, file_name, budget)
    parts = _unzip(content, file_name, budget, ".kml" if suffix == ".kmz" else SHAPEFILE_PARTS)
    if suffix == ".kmz":
        kml = parts.get("doc.kml") or (next(iter(parts.values())) if len(parts) == 1 else None)
        if kml is None:
            raise budget.unreadable(file_name, "no_doc_kml")
        return _read_kml(kml, file_name, budget)
    return _read_shapefiles(parts, file_name, budget)


# ------------------------------------------------------------------------------ zip

def _unzip(content: bytes, file_name: str, budget: Budget, wanted) -> dict[str, bytes]:
    """The files of the zip whose names end in ``wanted`` ({name: bytes}), after the zip's number of
    files, names, unpacked sizes and ratios have been checked in its directory."""
    limits = budget.limits
    if not content.startswith(ZIP_MAGIC):
        raise budget.unreadable(file_name, "not_zip")
    # Counted before zipfile reads the directory, which costs memory per entry.
    if (entries := content.count(ZIP_ENTRY)) > limits.max_zip_files:
        budget.refuse("limit_zip_files", "max_zip_files", file=file_name, count=f"{entries:,}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        raise budget.unreadable(file_name, "not_zip") from None
    if len(entries) > limits.max_zip_files:
        budget.refuse("limit_zip_files", "max_zip_files", file=file_name, count=f"{len(entries):,}")
    unpacked = 0
    for entry in entries:
        name = entry.filename
        if name.startswith(("/", "\\")) or "\\" in name or ":" in name or ".." in PurePosixPath(name).parts:
            raise budget.unreadable(file_name, "zip_path", name=name[:100])
        unpacked += entry.file_size
        if unpacked > limits.max_unpacked_mb * MB:
            budget.refuse("limit_unpacked", "max_unpacked_mb", file=file_name, size=_size(unpacked))
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_FROM and ratio > limits.max_ratio:
            budget.refuse("limit_ratio", "max_ratio", file=file_name, name=name[:100], ratio=f"{ratio:,.0f}")
    parts = {}
    for entry in entries:
        if entry.is_dir() or not entry.filename.lower().endswith(wanted):
            continue  # never unpacked
        try:
            with archive.open(entry) as member:
                data = member.read(entry.file_size + 1)  # zipfile stops at the declared size; checked
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
            raise budget.unreadable(file_name, "zip_member", name=entry.filename[:100]) from None
        if len(data) != entry.file_size:
            raise budget.unreadable(file_name, "zip_member", name=entry.filename[:100])
        parts[entry.filename] = data
    return parts


# ------------------------------------------------------------------------------ GeoJSON

GEOJSON_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
                 "MultiPolygon": 3}
# GeoJSON of 2008 declared its CRS by name; these spell an EPSG code or longitude/latitude.
EPSG_NAME = re.compile(r"^(?:urn:ogc:def:crs:EPSG:[\d.]*:|EPSG:)(\d{4,6})$", re.IGNORECASE)
CRS84_NAME = re.compile(r"^(?:urn:ogc:def:crs:OGC:1\.3:CRS84|OGC:CRS84|CRS84)$", re.IGNORECASE)


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


def _geometry_vertices(geometry, nested: bool = False) -> int | None:
    """Vertices of a GeoJSON geometry object (a collection of simple geometries included); None when
    it is malformed."""
    if not isinstance(geometry, dict):
        return None
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        members = geometry.get("geometries")
        if nested or not isinstance(members, list):
            return None
        counts = [_geometry_vertices(g, nested=True) for g in members]
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


def _read_geojson(content: bytes, file_name: str, budget: Budget) -> Layer:
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
        vertices = _geometry_vertices(geometry)
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


# ------------------------------------------------------------------------------ KML

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


def _read_kml(content: bytes, file_name: str, budget: Budget) -> Layer:
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
    if geometry is None or _geometry_vertices(geometry) is None:
        layer.problems[n] = budget.message("bad_geometry", n=n)
        layer.geometries.append(None)
        return
    try:
        layer.geometries.append(shapely.force_2d(shape(geometry)))
    except (ValueError, TypeError, GEOSException):
        layer.problems[n] = budget.message("bad_geometry", n=n)
        layer.geometries.append(None)


# ------------------------------------------------------------------------------ Shapefile

SHP_CODE = 9994
POINTS_AT = {3: 40, 5: 40, 13: 40, 15: 40, 23: 40, 25: 40, 31: 40, 8: 36, 18: 36, 28: 36}
SINGLE_POINT = {1, 11, 21}
PRJ_BYTES = 64 * 1024  # a coordinate system in WKT is a few KB


def _shp_vertices(shp: bytes, limit: int) -> list[int] | None:
    """The vertex count of every record of a .shp, read from the record headers alone (pyshp would
    build the points); None when the file is not a Shapefile or its records overrun it. Stops past
    ``limit`` records."""
    if len(shp) < 100 or struct.unpack(">i", shp[:4])[0] != SHP_CODE:
        return None
    counts, offset = [], 100
    while offset < len(shp) and len(counts) <= limit:
        if offset + 12 > len(shp):
            return None
        _, words = struct.unpack(">2i", shp[offset:offset + 8])
        length, kind = 2 * words, struct.unpack("<i", shp[offset + 8:offset + 12])[0]
        if length < 4 or offset + 8 + length > len(shp):
            return None
        if kind in POINTS_AT:
            at = offset + 8 + POINTS_AT[kind]
            if at + 4 > offset + 8 + length:
                return None
            points = struct.unpack("<i", shp[at:at + 4])[0]
            if points < 0 or 16 * points > length:
                return None
        else:
            points = 1 if kind in SINGLE_POINT else 0
        counts.append(points)
        offset += 8 + length
    return counts


def _dbf_encoding(dbf: bytes, cpg: bytes | None) -> str:
    """The .cpg's code page; else GBK when the header says so (code page mark 0x4D) or the text is not
    UTF-8 (files written by Chinese GIS software are GBK)."""
    if cpg:
        name = cpg.decode("ascii", errors="replace").strip().lower().replace("-", "")
        if name in ("utf8", "65001"):
            return "utf-8"
        if name in ("gbk", "cp936", "936", "gb2312", "gb18030"):
            return "gb18030"
    if len(dbf) > 32 and dbf[29] == 0x4D:
        return "gb18030"
    try:
        dbf[struct.unpack("<H", dbf[8:10])[0]:].decode("utf-8") if len(dbf) > 32 else None
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _read_shapefiles(parts: dict[str, bytes], file_name: str, budget: Budget) -> Layer:
    """Every Shapefile of the zip (a .shp with its .shx and .dbf of the same name) as one layer."""
    by_stem: dict[str, dict[str, bytes]] = {}
    for name, data in parts.items():
        stem, suffix = name[:-4], name[-4:].lower()
        by_stem.setdefault(stem, {})[suffix] = data
    shapefiles = {stem: files for stem, files in by_stem.items() if {".shp", ".shx", ".dbf"} <= set(files)}
    if not shapefiles:
        raise budget.unreadable(file_name, "no_shapefile")
    layer, names, n = Layer(None), {}, 0
    for stem, files in sorted(shapefiles.items()):
        label = PurePosixPath(stem).name + ".shp"
        if ".prj" in files:
            try:
                if len(files[".prj"]) > PRJ_BYTES:
                    raise CRSError("too long")
                crs = CRS.from_wkt(files[".prj"].decode("utf-8-sig", errors="replace").strip())
            except CRSError:
                raise budget.unreadable(file_name, "bad_prj", name=PurePosixPath(stem).name + ".prj") from None
            layer.crs = layer.crs or crs
        # Feature counts from the headers first: the .shx (8 bytes a record) and the .dbf.
        budget.features(n + max(0, (len(files[".shx"]) - 100) // 8), file_name)
        vertices = _shp_vertices(files[".shp"], budget.limits.max_features - n)
        if vertices is None:
            raise budget.unreadable(file_name, "bad_shapefile", name=label)
        budget.features(n + len(vertices), file_name)
        try:
            # Without its .shx pyshp finds the records by walking the .shp, as _shp_vertices did: an
            # index pointing into a record's points cannot make it read a shape not counted.
            reader = shapefile.Reader(shp=io.BytesIO(files[".shp"]), dbf=io.BytesIO(files[".dbf"]),
                                      encoding=_dbf_encoding(files[".dbf"], files.get(".cpg")),
                                      encodingErrors="replace")
            budget.features(n + (reader.numRecords or 0), file_name)
            if reader.numRecords != len(vertices):
                raise budget.unreadable(file_name, "bad_shapefile", name=label)
            fields = [f.name for f in reader.fields[1:]]
            for key in fields:
                names.setdefault(key, None)
            for i, count in enumerate(vertices):
                n += 1
                record = reader.record(i)
                layer.rows.append(dict(zip(fields, record)) if record is not None else {})
                if problem := budget.feature(n, count):
                    layer.problems[n] = problem
                    layer.geometries.append(None)
                    continue
                geometry = reader.shape(i)
                if geometry.shapeType == shapefile.NULL:
                    layer.geometries.append(None)
                    continue
                layer.geometries.append(shapely.force_2d(shape(geometry.__geo_interface__)))
        except Refused:
            raise
        except (shapefile.ShapefileException, struct.error, ValueError, IndexError, TypeError,
                AttributeError, GEOSException):
            raise budget.unreadable(file_name, "bad_shapefile", name=label) from None
    layer.names = list(names)
    return layer
