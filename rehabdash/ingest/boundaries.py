"""Township boundary import: an admin's GeoJSON, zipped Shapefile or KML of township polygons, read,
matched to the regions table, checked and published into the data directory's ``boundaries/``.

    checked = check_file(content, "乡镇.zip", account, crs="auto", regions=...)
    if checked.valid: publish(checked, account)

Files are read by a reader for their format and nothing else (boundary_files: JSON, hardened XML,
pyshp on bytes in memory), within the limits of config.BoundaryLimits, and coordinates converted to
WGS-84 with pyproj (its network access off): CGCS2000 and WGS-84 are the same at map scale; GCJ-02
(AMap/Tencent, DataV) is not a CRS that PROJ knows, so it is converted with coordTransform as the Excel
import does. A file that declares no CRS (DataV's GeoJSON never does) is compared with the district
outlines as it is and converted from GCJ-02 (boundary_fit), and the answer says which it was taken
for. DataV's properties are understood: ``adcode`` a number of 6 or 9 digits, ``parent`` an object
naming the parent's adcode (which tells apart townships of the same name); names are matched without
the office's suffix (…街道办事处 → …街道) and a name that matches nothing gets the nearest ones.
District outlines (``kind="districts"``) are imported the same way, and townships are then checked
against them instead of the reference outlines. A township beyond its district's outline is a problem,
unless an admin accepts the file with a reason, which the audit log records. Every problem is
reported at once, in Chinese by default, naming the feature (its number in the file and its name or
code): the first REHAB_BOUNDARY_MAX_PROBLEMS listed, the rest counted. One problem, or a limit exceeded, means nothing is written. Townships not imported keep
their approximate Voronoi cell on the map.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import fcntl
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import mapping

from rehabdash.access import audit
from rehabdash.access.accounts import Account
from rehabdash.ingest import boundary_fit
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
MAX_REASON = 500  # characters of an admin's reason for accepting polygons beyond their district
PRECISION = 1e-6  # ~0.1 m: published coordinates are rounded to this grid


@dataclass
class CheckedBoundaries:
    file_name: str
    sha256: str
    kind: str = "townships"  # or 'districts': what the file holds
    reason: str | None = None  # the admin's reason for accepting polygons beyond their district
    features: list[dict] = field(default_factory=list)  # WGS-84 features ready to publish
    problems: list[str] = field(default_factory=list)  # the first ones, then "另有 M 个问题"
    problem_count: int = 0  # all of them
    outside_count: int = 0  # of them, polygons beyond their district (an admin may accept them)
    accepted: list[dict] = field(default_factory=list)  # those accepted with the reason
    notes: list[str] = field(default_factory=list)  # what was decided (the datum), for the answer
    datum: str | None = None  # 'gcj02' or 'wgs84' when found by comparing with the outlines

    @property
    def only_outside(self) -> bool:
        """Every problem is a polygon beyond its district: an admin may accept the file with a reason."""
        return 0 < self.problem_count == self.outside_count

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
        return boundary_fit.gcj02_to_wgs84
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

# Names as offices spell them (DataV, a bureau's own files) and as the division list does.
OFFICE_SUFFIXES = (("街道办事处", "街道"), ("镇人民政府", "镇"), ("乡人民政府", "乡"), ("苏木人民政府", "苏木"),
                   ("人民政府", ""))
NEAR_NAMES = 3  # suggested for a name that matches nothing
NEAR_CUTOFF = 0.6  # difflib's similarity ratio a suggestion must reach, names compared without their kind
NEAR_LOOKUPS = 20  # names looked up per file (0.2 s each among China's 33,000 township names)
KIND_SUFFIX = re.compile(r"(?:街道|镇|乡|苏木)$")  # common to most names: not what tells them apart


def normal_name(name: str) -> str:
    """A township's name without spaces and without the office's suffix: 海拉尔东路街道办事处 →
    海拉尔东路街道, 保合少镇人民政府 → 保合少镇."""
    name = "".join(name.split())  # the ideographic space (U+3000) too
    for suffix, short in OFFICE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + short
    return name


def _key_fields(names: list[str], chosen: str | None) -> list[str]:
    if chosen:
        return [chosen] if chosen in names else []
    lower = {n.lower(): n for n in names}
    return [lower[c] for c in CODE_FIELDS + NAME_FIELDS if c in lower]


def _normal_code(value: str) -> str | None:
    """A 6-, 9- or 12-digit region code as 12 digits (DataV's adcode is a number of 6 or 9)."""
    digits = value.strip()
    if digits.isdigit() and len(digits) in (6, 9, 12):
        return digits.ljust(12, "0")
    return None


def _parent_code(row: dict) -> str | None:
    """The code of the parent a DataV feature names (``"parent": {"adcode": 150102}``), 12 digits."""
    parent = row.get("parent")
    if isinstance(parent, int) and not isinstance(parent, bool):
        parent = str(parent)
    if not isinstance(parent, str):
        return None
    try:
        adcode = json.loads(parent).get("adcode") if parent.startswith("{") else parent
    except (ValueError, AttributeError):
        return None
    return _normal_code(str(adcode)) if isinstance(adcode, (int, str)) else None


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


KINDS = {"townships": "township", "districts": "district"}  # what a file holds → the level of its features


def check_file(content: bytes, file_name: str, account: Account, *, crs: str = "auto",
               key_field: str | None = None, regions: pd.DataFrame | None = None,
               lang: str = i18n.DEFAULT_LANGUAGE, kind: str = "townships",
               accept_outside: str | None = None) -> CheckedBoundaries:
    """Read and check an uploaded boundary file of ``kind`` ('townships' or 'districts'); nothing is
    written. ``accept_outside``: an admin's reason for accepting polygons beyond their district's
    outline (recorded in the audit log when published). Raises NoAccess if the account is not an admin."""
    if not account.may("admin"):
        raise NoAccess([])
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {tuple(KINDS)}")
    reason = (accept_outside or "").strip()[:MAX_REASON] or None
    checked = CheckedBoundaries(file_name, hashlib.sha256(content).hexdigest(), kind=kind, reason=reason)
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


@dataclass
class _Candidate:
    """A feature matched to its region, before its coordinates are converted and checked."""

    n: int
    label: str
    code: str
    district: str | None
    geom: object


def _outline(code: str | None):
    """(polygon, source) of a district's outline: imported first, else the reference; (None, None)."""
    outline = boundaries.feature("districts", code) if code else None
    if outline is None:
        return None, None
    return shapely.geometry.shape(outline["geometry"]), outline["properties"]["source"]


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

    wanted = KINDS[checked.kind]
    codes = set(regions["region_code"])
    level = dict(zip(regions["region_code"], regions["level"]))
    parent = dict(zip(regions["region_code"], regions["parent_code"]))
    name_of = dict(zip(regions["region_code"], regions["name"]))
    units = regions[regions["level"] == wanted]
    own_units = (units[[_within(c, account.scope, parent) for c in units["region_code"]]]
                 if account.scope else units)  # where near names are looked for
    lookups = NEAR_LOOKUPS
    by_name = (units.assign(normal=units["name"].map(normal_name))
               .groupby("normal")["region_code"].apply(list).to_dict())
    seen: dict[str, int] = {}
    candidates: list[_Candidate] = []

    # 1. matched to exactly one township (or district) of the regions table
    for n, (row, geom) in enumerate(zip(rows, geometries), start=1):
        budget.clock()
        values = [str(row[k]).strip() for k in keys if row.get(k) not in (None, "") and not pd.isna(row[k])]
        label = " / ".join(values) or "—"
        in_parent = _parent_code(row)
        code, ambiguous = None, None
        for value in values:
            normal = _normal_code(value)
            if normal in codes:
                code = normal
                break
            found = by_name.get(normal_name(value), []) if normal is None else []
            if len(found) > 1 and in_parent:  # DataV names the parent: 新城区 is in 呼和浩特 and 西安
                found = [c for c in found if parent.get(c) == in_parent] or found
            if len(found) == 1:
                code = found[0]
                break
            if len(found) > 1 and ambiguous is None:
                ambiguous = (value, found)
        if code is None:
            if ambiguous:
                problem("ambiguous", n=n, label=label, value=ambiguous[0], codes="、".join(ambiguous[1]))
            else:
                value = next((v for v in values if _normal_code(v) is None), values[0] if values else "—")
                near = lookups > 0 and _normal_code(value) is None
                lookups -= near
                report(_unmatched(lang, n, label, value, own_units, in_parent) if near else
                       _t(lang, "unmatched", n=n, label=label, value=value))
            continue
        if level[code] != wanted:
            if wanted == "township" and level[code] == "district":
                problem("district_in_township_file", n=n, label=label, code=code[:6], name=name_of[code])
            else:
                problem("not_township" if wanted == "township" else "not_district", n=n, label=label,
                        value=name_of[code], level=_t(lang, f"level_{level[code]}"))
            continue
        if not _within(code, account.scope, parent):
            problem("outside_account", n=n, label=label, name=name_of[code])
            continue
        if code in seen:
            problem("duplicate", n=n, label=label, name=name_of[code], first=seen[code])
            continue
        seen[code] = n
        if n in layer.problems:  # malformed, or beyond the vertices of a feature: not built
            report(layer.problems[n])
            continue
        if geom is None or geom.is_empty:
            problem("no_geometry", n=n, label=label)
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            problem("not_polygon", n=n, label=label, kind=geom.geom_type)
            continue
        district = district_of(code, parent, level) if wanted == "township" else code
        candidates.append(_Candidate(n, label, code, district, geom))

    # 2. the datum of a file that declares none (DataV's GCJ-02), from how it fits the district outlines
    outlines = {c.district: _outline(c.district) for c in candidates}
    if crs == "auto" and file_crs is None:
        convert = _detect_datum(candidates, outlines, lang, checked) if candidates else None
    else:
        action = _t(lang, "datum_converted" if convert is not None else "datum_unchanged")
        checked.notes.append(_t(lang, "datum_declared", crs=file_crs.name, action=action) if crs == "auto" else
                             _t(lang, "datum_chosen", crs=_t(lang, f"crs_{crs}") if crs in ("wgs84", "gcj02")
                                else crs, action=action))

    # 3. a valid polygon, in longitude and latitude of China, inside its district
    for c in candidates:
        budget.clock()
        geom, n, label, code, district = c.geom, c.n, c.label, c.code, c.district
        if convert is not None:
            geom = shapely.transform(geom, convert)
        minx, miny, maxx, maxy = geom.bounds
        if not (in_china(minx, miny) and in_china(maxx, maxy)):
            problem("not_in_china", n=n, label=label)
            continue
        if not geom.is_valid:
            problem("invalid", n=n, label=label, reason=invalid_reason(geom, lang))
            continue
        # Outlines are simplified, so a margin of EDGE_TOLERANCE is allowed; an admin may accept more.
        outline, source = outlines[district] if wanted == "township" else (None, None)
        if outline is not None:
            share = geom.difference(outline.buffer(EDGE_TOLERANCE)).area / geom.area if geom.area else 1.0
            if share > OUTSIDE_SHARE:
                message = _t(lang, "outside", n=n, label=label, share=f"{share:.0%}",
                             district=name_of.get(district, district),
                             outline=_t(lang, f"outlines_{'imported' if source == 'imported_districts' else 'reference'}"))
                if checked.reason is None:
                    checked.outside_count += 1
                    report(message)
                    continue
                checked.accepted.append({"region_code": code, "share": round(share, 4), "problem": message})
        geom = shapely.set_precision(geom, PRECISION)
        above = district if wanted == "township" else parent.get(code)
        checked.features.append({
            "type": "Feature",
            "properties": {"region_code": code, "name": name_of[code], "parent_code": above,
                           "district_name": name_of.get(above, ""), "approximate": False, "source_file": file_name},
            "geometry": mapping(geom),
        })


def _detect_datum(candidates: list[_Candidate], outlines: dict, lang: str, checked: CheckedBoundaries):
    """The conversion a file without a declared CRS needs (GCJ-02's, or None), with a note that says
    what was found; undecided means WGS-84, and the note says how to choose GCJ-02."""
    by_district: dict[str, list] = {}
    for c in candidates:
        if outlines[c.district][0] is not None:
            by_district.setdefault(c.district, []).append(c.geom)
    fit = boundary_fit.compare(by_district, {d: outlines[d][0] for d in by_district})
    imported = any(outlines[d][1] == "imported_districts" for d in by_district)
    values = {"as_is": f"{fit.as_is_m:,.0f}", "converted": f"{fit.converted_m:,.0f}", "vertices": fit.vertices,
              "outlines": _t(lang, f"outlines_{'imported' if imported else 'reference'}")}
    checked.datum = fit.datum
    if fit.datum == "gcj02":
        checked.notes.append(_t(lang, "datum_gcj02", **values))
        return boundary_fit.gcj02_to_wgs84
    checked.notes.append(_t(lang, "datum_wgs84" if fit.datum == "wgs84" else "datum_unknown", **values))
    return None


def _unmatched(lang: str, n: int, label: str, value: str, units: pd.DataFrame, in_parent: str | None) -> str:
    """No region has this code or name: the message, with the nearest names of the table (those under
    the parent the feature names, if any)."""
    message = _t(lang, "unmatched", n=n, label=label, value=value)
    pool = units[units["parent_code"] == in_parent] if in_parent else units
    if pool.empty:
        pool = units
    def stem(name: str) -> str:
        return KIND_SUFFIX.sub("", normal_name(name))

    named = {}  # stem → "name（code）" of the first unit so named
    for name, code in zip(pool["name"], pool["region_code"]):
        named.setdefault(stem(name), f"{name}（{code}）")
    near = difflib.get_close_matches(stem(value), list(named), n=NEAR_NAMES, cutoff=NEAR_CUTOFF)
    return message + _t(lang, "near_names", names="、".join(named[m] for m in near)) if near else message


# ------------------------------------------------------------------------------ publishing

def published(kind: str = "townships") -> list[dict]:
    """The township (or district) polygons imported so far (empty when none)."""
    path = boundaries.imported_path(kind)
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
    """Merge the checked polygons into the data directory's imported townships or districts (one
    imported again is replaced), written to a temporary file, synced and renamed into place, one
    publisher at a time; logged in the audit log, with the admin's reason and the polygons accepted
    beyond their district if any."""
    if not account.may("admin"):
        raise NoAccess([])
    if not checked.valid:
        raise ValueError("only a checked file without problems is published")
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    new = {f["properties"]["region_code"]: {**f, "properties": {**f["properties"], "imported_at": now,
                                                                "imported_by": account.username}}
           for f in checked.features}
    path = boundaries.imported_path(checked.kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _publishing(path.parent):
        kept = [f for f in published(checked.kind) if f["properties"]["region_code"] not in new]
        features = sorted(kept + list(new.values()), key=lambda f: f["properties"]["region_code"])
        body = json.dumps({"type": "FeatureCollection",
                           "source": f"imported {checked.kind} boundaries (rehabdash.ingest.boundaries), WGS-84",
                           "features": features}, ensure_ascii=False, separators=(",", ":"))
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{checked.kind}-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    overridden = {"outside_accepted": checked.accepted, "reason": checked.reason} if checked.accepted else {}
    audit.record("import", account.username, account.scope, kind=f"{checked.kind[:-1]}_boundaries",
                 file=checked.file_name, sha256=checked.sha256, features=len(checked.features),
                 datum=checked.datum, **overridden)
    return path
