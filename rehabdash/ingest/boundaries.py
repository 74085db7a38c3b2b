"""Township boundary import: an admin's GeoJSON, zipped Shapefile or KML of township polygons, read,
matched to the regions table, checked and published into the data directory's ``boundaries/``.

    checked = check_file(content, "乡镇.zip", account, crs="auto", regions=...)
    if checked.valid: publish(checked, account)

Files are read by a reader for their format and nothing else (boundary_files: JSON, hardened XML,
pyshp on bytes in memory), within the limits of config.BoundaryLimits, and coordinates converted to
WGS-84 with pyproj (its network access off): CGCS2000 and WGS-84 are the same at map scale; GCJ-02
(AMap/Tencent) is not a CRS that PROJ knows, so it is converted with coordTransform as the Excel
import does. Every problem is reported at once, in Chinese by default, naming the feature (its
number in the file and its name or code): the first REHAB_BOUNDARY_MAX_PROBLEMS listed, the rest
counted. One problem, or a limit exceeded, means nothing is written. Townships not imported keep
their approximate Voronoi cell on the map.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import coordTransform  # PyPI coordtransform==0.2.1 (MIT)
import numpy as np
import pandas as pd
import pyproj
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import mapping

from rehabdash.access import audit
from rehabdash.access.accounts import Account
from rehabdash.ingest.boundary_files import SUFFIXES, read  # noqa: F401 (SUFFIXES: the page's)
from rehabdash.ingest.boundary_limits import Budget, Refused
from rehabdash.ingest.geo import EDGE_TOLERANCE, district_of, in_china
from rehabdash.kernel import i18n
from rehabdash.kernel.config import BOUNDARY_SETTINGS, boundary_limits, data_dir
from rehabdash.kernel.errors import NoAccess
from rehabdash.store import boundaries
from rehabdash.store.snapshots import list_snapshots, newest_valid

CODE_FIELDS = ("region_code", "code", "adcode", "xzqdm", "区划代码", "行政区划代码", "乡镇代码", "代码")
NAME_FIELDS = ("name", "名称", "乡镇", "乡镇名称", "乡镇街道", "xzqmc", "mc")
OUTSIDE_SHARE = 0.02  # more than this share of a township's area outside its district is an error
PRECISION = 1e-6  # ~0.1 m: published coordinates are rounded to this grid


@dataclass
class CheckedBoundaries:
    file_name: str
    sha256: str
    features: list[dict] = field(default_factory=list)  # WGS-84 features ready to publish
    problems: list[str] = field(default_factory=list)  # the first ones, then "另有 M 个问题"
    problem_count: int = 0  # all of them

    @property
    def valid(self) -> bool:
        return not self.problems and bool(self.features)


def _t(lang: str, key: str, **values) -> str:
    return i18n.text(lang, f"boundaries.{key}", **values)


# GEOS's reasons for an invalid polygon ("Self-intersection[114.03 33.57]"), in the user's language.
GEOS_REASONS = {"Self-intersection": "self_intersection", "Ring Self-intersection": "ring_self_intersection",
                "Too few points in geometry component": "too_few_points",
                "Hole lies outside shell": "hole_outside", "Nested shells": "nested_shells",
                "Interior is disconnected": "interior_disconnected", "Nested holes": "nested_holes"}


def invalid_reason(geom, lang: str) -> str:
    """Why GEOS finds the polygon invalid, and where (longitude, latitude)."""
    reason = shapely.is_valid_reason(geom)
    kind, _, where = reason.partition("[")
    key = GEOS_REASONS.get(kind.strip())
    if key is None:
        return reason
    lon, _, lat = where.rstrip("]").partition(" ")
    try:
        return _t(lang, f"reason_{key}", lon=f"{float(lon):.5f}", lat=f"{float(lat):.5f}")
    except ValueError:
        return _t(lang, f"reason_{key}", lon="?", lat="?")


def newest_regions() -> pd.DataFrame | None:
    """The regions table of the newest valid snapshot, which the file is matched against."""
    snapshot = newest_valid(list_snapshots(data_dir()))
    return None if snapshot is None else pd.read_parquet(snapshot.table_path("regions"))


# ------------------------------------------------------------------------------ coordinates

pyproj.network.set_network_enabled(False)  # PROJ never fetches grids, whatever PROJ_NETWORK says
EPSG_CODE = re.compile(r"^(?:EPSG:)?(\d{4,6})$", re.IGNORECASE)


def to_wgs84(crs_choice: str, file_crs: CRS | None):
    """A function mapping an (n, 2) coordinate array to WGS-84, or None for no change. ``crs_choice``:
    'auto' (the file's own CRS; none means WGS-84), 'wgs84' (CGCS2000 / WGS-84), 'gcj02', or an EPSG
    code ('4547', 'EPSG:4547'), and nothing else PROJ would take (a PROJ string may name a file).
    Raises CRSError for an unknown code."""
    if crs_choice == "gcj02":
        return lambda xy: np.array([coordTransform.gcj02_to_wgs84(x, y) for x, y in xy]).reshape(-1, 2)
    if crs_choice == "wgs84" or (crs_choice == "auto" and not file_crs):
        return None
    if crs_choice == "auto":
        source = file_crs
    elif match := EPSG_CODE.match(crs_choice.strip()):
        source = CRS.from_epsg(int(match.group(1)))
    else:
        raise CRSError(crs_choice)
    if source.is_geographic:
        return None  # CGCS2000, WGS-84 and the like: the same at map scale
    transformer = Transformer.from_crs(source, "EPSG:4326", always_xy=True)
    return lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))


# ------------------------------------------------------------------------------ matching

def _key_fields(names: list[str], chosen: str | None) -> list[str]:
    if chosen:
        return [chosen] if chosen in names else []
    lower = {n.lower(): n for n in names}
    return [lower[c] for c in CODE_FIELDS + NAME_FIELDS if c in lower]


def _normal_code(value: str) -> str | None:
    digits = value.strip()
    if digits.isdigit() and len(digits) in (9, 12):
        return digits.ljust(12, "0")
    return None


def _within(code: str, scope: tuple[str, ...], parents: dict) -> bool:
    """True when the account's scope (empty = every region) holds ``code`` or one of its ancestors."""
    if not scope:
        return True
    seen = set()
    while code and code not in seen:
        if code in scope:
            return True
        seen.add(code)
        code = parents.get(code)
    return False


def check_file(content: bytes, file_name: str, account: Account, *, crs: str = "auto",
               key_field: str | None = None, regions: pd.DataFrame | None = None,
               lang: str = i18n.DEFAULT_LANGUAGE) -> CheckedBoundaries:
    """Read and check an uploaded boundary file; nothing is written. Raises NoAccess if the account is
    not an admin."""
    if not account.may("admin"):
        raise NoAccess([])
    checked = CheckedBoundaries(file_name, hashlib.sha256(content).hexdigest())
    budget = Budget(boundary_limits(), lang)
    try:
        _check(content, file_name, account, crs, key_field, regions, lang, checked, budget)
    except Refused as refused:  # a limit or the format: nothing more is read
        checked.features.clear()
        checked.problems.append(str(refused))
        checked.problem_count += 1
    if checked.problem_count > len(checked.problems):
        checked.problems.append(_t(lang, "more_problems", count=checked.problem_count - len(checked.problems),
                                   limit=budget.limits.max_problems, setting=BOUNDARY_SETTINGS["max_problems"]))
    return checked


def _check(content: bytes, file_name: str, account: Account, crs: str, key_field: str | None,
           regions: pd.DataFrame | None, lang: str, checked: CheckedBoundaries, budget: Budget) -> None:
    def problem(key: str, **values) -> None:
        report(_t(lang, key, **values))

    def report(message: str) -> None:
        checked.problem_count += 1
        if len(checked.problems) < budget.limits.max_problems:
            checked.problems.append(message)

    regions = newest_regions() if regions is None else regions
    if regions is None:
        return problem("no_regions")
    layer = read(content, file_name, budget)
    file_crs, names, rows, geometries = layer.crs, layer.names, layer.rows, layer.geometries
    if not rows:
        return problem("empty", file=file_name)
    try:
        convert = to_wgs84(crs, file_crs)
    except CRSError:
        return problem("bad_crs", crs=crs)
    keys = _key_fields(names, key_field)
    if not keys:
        return problem("no_field", fields="、".join(names) or "—")

    codes = set(regions["region_code"])
    level = dict(zip(regions["region_code"], regions["level"]))
    parent = dict(zip(regions["region_code"], regions["parent_code"]))
    name_of = dict(zip(regions["region_code"], regions["name"]))
    townships = regions[regions["level"] == "township"]
    by_name = townships.groupby("name")["region_code"].apply(list).to_dict()
    seen: dict[str, int] = {}
    district_polygons: dict[str, object] = {}

    for n, (row, geom) in enumerate(zip(rows, geometries), start=1):
        budget.clock()
        values = [str(row[k]).strip() for k in keys if row.get(k) not in (None, "") and not pd.isna(row[k])]
        label = " / ".join(values) or "—"
        # 1. matched to exactly one township of the regions table
        code = None
        for value in values:
            normal = _normal_code(value)
            if normal in codes:
                code = normal
                break
            if normal is None and len(by_name.get(value, [])) == 1:
                code = by_name[value][0]
                break
        if code is None:
            ambiguous = [v for v in values if len(by_name.get(v, [])) > 1]
            if ambiguous:
                problem("ambiguous", n=n, label=label, value=ambiguous[0],
                        codes="、".join(by_name[ambiguous[0]]))
            else:
                problem("unmatched", n=n, label=label, value=values[0] if values else "—")
            continue
        if level[code] != "township":
            problem("not_township", n=n, label=label, value=name_of[code],
                    level=_t(lang, f"level_{level[code]}"))
            continue
        if not _within(code, account.scope, parent):
            problem("outside_account", n=n, label=label, name=name_of[code])
            continue
        if code in seen:
            problem("duplicate", n=n, label=label, name=name_of[code], first=seen[code])
            continue
        seen[code] = n
        # 2. a valid polygon, in longitude and latitude of China once converted
        if n in layer.problems:  # malformed, or beyond the vertices of a feature: not built
            report(layer.problems[n])
            continue
        if geom is None or geom.is_empty:
            problem("no_geometry", n=n, label=label)
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            problem("not_polygon", n=n, label=label, kind=geom.geom_type)
            continue
        if convert is not None:
            geom = shapely.transform(geom, convert)
        minx, miny, maxx, maxy = geom.bounds
        if not (in_china(minx, miny) and in_china(maxx, maxy)):
            problem("not_in_china", n=n, label=label)
            continue
        if not geom.is_valid:
            problem("invalid", n=n, label=label, reason=invalid_reason(geom, lang))
            continue
        # 3. inside its district (outlines are simplified, so a margin of EDGE_TOLERANCE is allowed)
        district = district_of(code, parent, level)
        if district not in district_polygons:
            outline = boundaries.feature("districts", district) if district else None
            district_polygons[district] = (None if outline is None else
                                           shapely.geometry.shape(outline["geometry"]).buffer(EDGE_TOLERANCE))
        area = district_polygons[district]
        if area is not None:
            share = geom.difference(area).area / geom.area if geom.area else 1.0
            if share > OUTSIDE_SHARE:
                problem("outside", n=n, label=label, share=f"{share:.0%}",
                        district=name_of.get(district, district))
                continue
        geom = shapely.set_precision(geom, PRECISION)
        checked.features.append({
            "type": "Feature",
            "properties": {"region_code": code, "name": name_of[code], "parent_code": district,
                           "district_name": name_of.get(district, ""), "approximate": False, "source_file": file_name},
            "geometry": mapping(geom),
        })


# ------------------------------------------------------------------------------ publishing

def published() -> list[dict]:
    """The township polygons imported so far (empty when none)."""
    path = boundaries.imported_path()
    return json.loads(path.read_text(encoding="utf-8"))["features"] if path.is_file() else []


LOCK_FILE = ".townships.lock"


@contextlib.contextmanager
def _publishing(folder: Path):
    """One publisher at a time per data directory (sessions, replicas, the command line): an exclusive
    flock on a file beside the polygons, which NFS passes to its lock manager, so two admins importing
    at once both keep their townships instead of the second overwriting the first's."""
    with open(folder / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def publish(checked: CheckedBoundaries, account: Account) -> Path:
    """Merge the checked polygons into the data directory's imported townships (a township imported
    again is replaced), written to a temporary file, synced and renamed into place, one publisher at a
    time; logged in the audit log."""
    if not account.may("admin"):
        raise NoAccess([])
    if not checked.valid:
        raise ValueError("only a checked file without problems is published")
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    new = {f["properties"]["region_code"]: {**f, "properties": {**f["properties"], "imported_at": now,
                                                                "imported_by": account.username}}
           for f in checked.features}
    path = boundaries.imported_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _publishing(path.parent):
        kept = [f for f in published() if f["properties"]["region_code"] not in new]
        features = sorted(kept + list(new.values()), key=lambda f: f["properties"]["region_code"])
        body = json.dumps({"type": "FeatureCollection",
                           "source": "imported township boundaries (rehabdash.ingest.boundaries), WGS-84",
                           "features": features}, ensure_ascii=False, separators=(",", ":"))
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".townships-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    audit.record("import", account.username, account.scope, kind="township_boundaries",
                 file=checked.file_name, sha256=checked.sha256, features=len(checked.features))
    return path
