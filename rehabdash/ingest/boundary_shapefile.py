"""Reading the Shapefiles of a zipped boundary upload.

Only inside a .zip with its .shp, .shx and .dbf (.prj and .cpg if there), read by pyshp from bytes in
memory; the .prj by pyproj's WKT parser. The record headers of the .shp are counted before pyshp
builds a shape.
"""
from __future__ import annotations

import io
import struct
from pathlib import PurePosixPath

import shapefile  # pyshp
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.errors import GEOSException
from shapely.geometry import shape

from rehabdash.ingest.boundary_geojson import Layer
from rehabdash.ingest.boundary_limits import Budget, Refused

PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")  # unpacked from the zip; the rest is not
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


def read_shapefiles(parts: dict[str, bytes], file_name: str, budget: Budget) -> Layer:
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
