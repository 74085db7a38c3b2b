"""Reading an uploaded township boundary file, each format by a reader for that format and nothing else.

    layer = read(content, "乡镇.zip", Budget(config.boundary_limits(), "zh"))  # or raises Refused

- GeoJSON (.geojson, .json): boundary_geojson.py, the standard library's JSON parser.
- KML (.kml) and KMZ (.kmz, a zip holding doc.kml): boundary_kml.py, defusedxml, one placemark at a time.
- Shapefile: only inside a .zip, boundary_shapefile.py, pyshp from bytes in memory.

Nothing here opens a file by name, a database, a virtual file system or a URL: the upload's bytes
are all there is (GDAL, which opens whatever format the content is, VRT included, is not used). The
content must match the suffix. A zip is checked in its directory before anything is unpacked, and
every limit is a setting named in its message (boundary_limits.py).
"""
from __future__ import annotations

from pathlib import PurePosixPath

from rehabdash.ingest import boundary_shapefile
from rehabdash.ingest.boundary_geojson import Layer, read_geojson
from rehabdash.ingest.boundary_kml import read_kml
from rehabdash.ingest.boundary_limits import Budget, unzip

SUFFIXES = (".geojson", ".json", ".zip", ".kml", ".kmz")


def read(content: bytes, file_name: str, budget: Budget) -> Layer:
    """The features of an uploaded boundary file; raises Refused (the message says why) when the file
    is not one of the accepted formats, does not match its suffix, or is beyond a limit."""
    suffix = PurePosixPath(file_name).suffix.lower()
    if suffix not in SUFFIXES:
        raise budget.unreadable(file_name, "suffix", suffix=suffix or "—")
    budget.file(len(content), file_name)
    if suffix in (".geojson", ".json"):
        return read_geojson(content, file_name, budget)
    if suffix == ".kml":
        return read_kml(content, file_name, budget)
    parts = unzip(content, file_name, budget, ".kml" if suffix == ".kmz" else boundary_shapefile.PARTS)
    if suffix == ".kmz":
        kml = parts.get("doc.kml") or (next(iter(parts.values())) if len(parts) == 1 else None)
        if kml is None:
            raise budget.unreadable(file_name, "no_doc_kml")
        return read_kml(kml, file_name, budget)
    return boundary_shapefile.read_shapefiles(parts, file_name, budget)
