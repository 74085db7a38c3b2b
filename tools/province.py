"""A synthetic province, to measure the dashboard at scale (issue 10). Not committed data.

    python -m tools.province --data-dir /tmp/province [--cities 14]

Cities sit on a grid inside a plausible province box, each city cell split into 3 x 3 districts and
each district into 4 x 4 townships (rectangles: simple synthetic boundaries, written to
<data dir>/boundaries/ where rehabdash.store.boundaries finds them); villages lie at random inside their
township. Codes have the real 12-digit shape under a made-up province prefix (49). Every table of
the contract is filled from January 2023 to August 2025 with the demo sample's helpers, and cut into
snapshots by sample.cut_history, so facts read the same in every snapshot.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from rehabdash.kernel.contract import (
    AGE_BANDS,
    DEVICE_TYPES,
    DISABILITY_TYPES,
    FUNDING_SOURCES,
    INDICATORS,
    INSTITUTION_KINDS,
    PROGRAMS,
)
from rehabdash.store import boundaries
from rehabdash.store.snapshots import write_snapshot
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
    due_year,
    monthly_counts,
    months_of,
    random_date,
    rng_for,
    weights_of,
    with_ids,
)

PROVINCE = "49"  # no real province has this prefix
BOX = (110.4, 31.4, 116.4, 36.0)  # lon/lat of a plausible inland province (about 560 x 510 km)
GRID_COLUMNS = 4
DISTRICTS_PER_SIDE = 3  # districts per city: 3 x 3
TOWNSHIPS_PER_SIDE = 4  # townships per district: 4 x 4
VILLAGES = (15, 22)  # villages per township, low..high (inclusive)
SNAPSHOT_DATES = (dt.date(2025, 6, 30), dt.date(2025, 8, 31))
CITY_STEMS = "青州 云阳 宁川 安平 临河 东陵 西原 南浦 北岭 平江 长丰 广济 永宁 清源 泰和 德安".split()
PLACE_STEMS = ("城关 东城 西城 南关 北关 新华 红旗 解放 和平 建设 胜利 光明 前进 团结 文化 迎宾 "
               "柳林 杨庄 李集 王店 张楼 刘寨 陈桥 赵庄 孙湖 周口 吴营 郑岗 冯塘 朱集 马湾 胡店").split()
ROOM_SCHEDULES = {"before2023": 0.50, "2023": 0.07, "2024": 0.07, "2025": 0.04, "plan2025": 0.02,
                  "plan2026": 0.08, "plan2027": 0.04, "plan2028": 0.02, "none": 0.16}


# ---------------------------------------------------------------------------------------------
# Regions and their rectangles
# ---------------------------------------------------------------------------------------------

def _cells(box, side_x: int, side_y: int):
    """Sub-rectangles of `box` row by row, each (min_lon, min_lat, max_lon, max_lat)."""
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) / side_x, (y1 - y0) / side_y
    return [(x0 + i * dx, y0 + j * dy, x0 + (i + 1) * dx, y0 + (j + 1) * dy)
            for j in range(side_y) for i in range(side_x)]


def _centre(cell) -> tuple[float, float]:
    return round((cell[0] + cell[2]) / 2, 5), round((cell[1] + cell[3]) / 2, 5)


def build_regions(cities: int, rng) -> tuple[pd.DataFrame, dict[str, tuple]]:
    """Regions (city .. village) and {district or township code: its rectangle}."""
    rows_y = -(-cities // GRID_COLUMNS)
    city_cells = _cells(BOX, GRID_COLUMNS, rows_y)[:cities]
    rows, cells = [], {}

    def add(code, name, level, parent, lon, lat, people=0):
        rows.append({"region_code": code, "name": name, "level": level, "parent_code": parent,
                     "lon": lon, "lat": lat, "registered_disabled": people})

    for c, city_cell in enumerate(city_cells, start=1):
        city = f"{PROVINCE}{c:02d}00000000"
        add(city, f"{CITY_STEMS[c - 1]}市", "city", None, *_centre(city_cell))
        district_cells = _cells(city_cell, DISTRICTS_PER_SIDE, DISTRICTS_PER_SIDE)
        for d, district_cell in enumerate(district_cells, start=1):
            district = f"{city[:4]}{d:02d}000000"
            cells[district] = district_cell
            suffix = "区" if d <= 3 else "县"
            add(district, f"{CITY_STEMS[c - 1][0]}{PLACE_STEMS[d]}{suffix}", "district", city,
                *_centre(district_cell))
            for t, township_cell in enumerate(_cells(district_cell, TOWNSHIPS_PER_SIDE,
                                                     TOWNSHIPS_PER_SIDE), start=1):
                street = suffix == "区" and t <= 6
                number = t if street else 100 + t
                township = f"{district[:6]}{number:03d}000"
                cells[township] = township_cell
                name = PLACE_STEMS[t - 1] + ("街道" if street else "镇")
                add(township, name, "township", district, *_centre(township_cell))
                stems = COMMUNITY_STEMS if street else VILLAGE_STEMS + GACHA_STEMS
                count = int(rng.integers(VILLAGES[0], VILLAGES[1] + 1))
                x0, y0, x1, y1 = township_cell
                margin_x, margin_y = (x1 - x0) * 0.08, (y1 - y0) * 0.08
                lons = rng.uniform(x0 + margin_x, x1 - margin_x, count).round(5)
                lats = rng.uniform(y0 + margin_y, y1 - margin_y, count).round(5)
                people = rng.integers(30, 250, count)
                for v, stem in enumerate(rng.choice(stems, size=count, replace=False)):
                    add(f"{township[:9]}{(1 if street else 201) + v:03d}",
                        stem + ("社区" if street else "村"), "village", township,
                        float(lons[v]), float(lats[v]), int(people[v]))
    regions = pd.DataFrame(rows)
    # Registered disabled persons add up the tree (villages -> townships -> districts -> cities).
    for level, child in (("township", "village"), ("district", "township"), ("city", "district")):
        sums = regions[regions["level"] == child].groupby("parent_code")["registered_disabled"].sum()
        upper = regions["level"] == level
        regions.loc[upper, "registered_disabled"] = regions.loc[upper, "region_code"].map(sums).fillna(0)
    regions["registered_disabled"] = regions["registered_disabled"].astype("int64")
    return regions.sort_values("region_code", ignore_index=True), cells


def _rectangle(cell) -> dict:
    x0, y0, x1, y1 = (round(v, 5) for v in cell)
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def write_boundaries(data_dir: Path, regions: pd.DataFrame, cells: dict) -> None:
    """<data dir>/boundaries/{districts,townships_approx}.geojson: the rectangles of every unit."""
    out = Path(data_dir) / "boundaries"
    out.mkdir(parents=True, exist_ok=True)
    for kind, level in (("districts", "district"), ("townships", "township")):
        units = regions[regions["level"] == level]
        features = [{"type": "Feature", "geometry": _rectangle(cells[r.region_code]),
                     "properties": {"region_code": r.region_code, "name": r.name,
                                    "parent_code": r.parent_code, "approximate": True,
                                    "seat_lon": r.lon, "seat_lat": r.lat}}
                    for r in units.itertuples()]
        collection = {"type": "FeatureCollection", "source": "synthetic province (tools.province)",
                      "features": features}
        (out / boundaries.FILES[kind]).write_text(dumps(collection), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Facilities, institutions, stations
# ---------------------------------------------------------------------------------------------

def _opening(schedules: np.ndarray, rng) -> tuple[list, list]:
    """opened_on and planned_year for each schedule ('before2023', a year, 'plan<year>')."""
    opened, planned = [], []
    for schedule in schedules:
        if schedule == "before2023":
            opened.append(random_date(rng, dt.date(2017, 3, 1), dt.date(2022, 12, 20)))
            planned.append(None)
        elif schedule.startswith("plan"):
            opened.append(None)
            planned.append(int(schedule[4:]))
        else:
            year = int(schedule)
            opened.append(random_date(rng, dt.date(year, 1, 10), min(dt.date(year, 12, 20),
                                                                     dt.date(2025, 8, 20))))
            planned.append(year)
    return opened, planned


def _jitter(values: pd.Series, rng, spread: float) -> np.ndarray:
    return (values.to_numpy() + rng.uniform(-spread, spread, len(values))).round(5)


def build_facilities(regions: pd.DataFrame, rng) -> pd.DataFrame:
    """A centre per district, a station per township (a few planned), a room in most villages."""
    frames = []
    for level, tier, schedules, host in (
        ("district", "district_center", {"before2023": 1.0}, ("public_hospital", "人民医院")),
        ("township", "township_station", {"before2023": 0.75, "2023": 0.06, "2024": 0.05, "2025": 0.03,
                                          "plan2025": 0.02, "plan2026": 0.06, "plan2027": 0.03},
         ("township_health_center", "卫生院")),
        ("village", "village_room", ROOM_SCHEDULES, ("village_clinic", "卫生室")),
    ):
        units = regions[regions["level"] == level]
        drawn = rng.choice(list(schedules), size=len(units), p=list(schedules.values()))
        keep = drawn != "none"
        units, drawn = units[keep], drawn[keep]
        opened, planned = _opening(drawn, rng)
        suffix = {"district_center": "康复指导中心", "township_station": "康复站", "village_room": "康复室"}[tier]
        frames.append(pd.DataFrame({
            "name": (units["name"] + suffix).to_numpy(), "tier": tier,
            "region_code": units["region_code"].to_numpy(), "host_type": host[0],
            "host_name": (units["name"] + host[1]).to_numpy(), "opened_on": opened,
            "planned_year": planned, "lon": _jitter(units["lon"], rng, 0.002),
            "lat": _jitter(units["lat"], rng, 0.002),
            "staff": rng.integers(1, 8, len(units)),
        }))
    frame = pd.concat(frames, ignore_index=True)
    return with_ids(frame, "facility_id", "F", frame["region_code"], width=5)


def build_institutions(regions: pd.DataFrame, rng) -> pd.DataFrame:
    """Ten designated institutions per city, at township seats."""
    rows = []
    for city in regions[regions["level"] == "city"].itertuples():
        townships = regions[(regions["level"] == "township") & regions["region_code"].str.startswith(city.region_code[:4])]
        for n, township in enumerate(townships.sample(n=10, random_state=rng).itertuples()):
            kind = INSTITUTION_KINDS[n % len(INSTITUTION_KINDS)]
            rows.append({"name": f"{city.name}{township.name}第{n + 1}康复机构", "kind": kind,
                         "ownership": "public" if n % 3 else "private", "region_code": township.region_code,
                         "lon": round(township.lon + 0.003, 5), "lat": round(township.lat + 0.003, 5),
                         "serves_children": kind != "assessment"})
    frame = pd.DataFrame(rows).sort_values("region_code", ignore_index=True)
    return with_ids(frame, "institution_id", "I", frame["region_code"])


def build_pairings(regions: pd.DataFrame, institutions: pd.DataFrame, rng) -> pd.DataFrame:
    """Each institution guides 2-6 townships of its city."""
    townships = regions.loc[regions["level"] == "township", "region_code"]
    rows = []
    for inst in institutions.itertuples():
        own = townships[townships.str[:4] == inst.region_code[:4]].to_numpy()
        for code in sorted(rng.choice(own, size=int(rng.integers(2, 7)), replace=False)):
            rows.append({"institution_id": inst.institution_id, "township_code": code,
                         "since": random_date(rng, dt.date(2023, 1, 1), dt.date(2025, 6, 30))})
    return pd.DataFrame(rows)


def build_device_stations(regions: pd.DataFrame, rng) -> pd.DataFrame:
    """A fitting centre per district, a community station in one township in three."""
    frames = []
    for level, kind, share, label in (("district", "fitting_center", 1.0, "辅助器具适配中心"),
                                      ("township", "community_station", 1 / 3, "辅具服务站")):
        units = regions[regions["level"] == level]
        units = units[rng.random(len(units)) < share]
        frames.append(pd.DataFrame({
            "name": (units["name"] + label).to_numpy(), "kind": kind,
            "region_code": units["region_code"].to_numpy(),
            "lon": _jitter(units["lon"], rng, 0.004), "lat": _jitter(units["lat"], rng, 0.004),
            "opened_on": [random_date(rng, dt.date(2020, 1, 1), dt.date(2025, 7, 31)) for _ in range(len(units))],
        }))
    frame = pd.concat(frames, ignore_index=True).sort_values("region_code", ignore_index=True)
    return with_ids(frame, "station_id", "S", frame["region_code"])


def build_device_stock(stations: pd.DataFrame, rng) -> pd.DataFrame:
    rows = [{"station_id": s.station_id, "device_type": device, "source": "budget",
             "placed_on": s.opened_on, "quantity": int(rng.integers(2, 12))}
            for s in stations.itertuples() for device in ("wheelchair", "walking_aid")]
    return pd.DataFrame(rows)


def build_device_loans(stations: pd.DataFrame, rng) -> pd.DataFrame:
    """A handful of loans per station from its opening (or 2023) to the history's end."""
    rows = []
    for s in stations.itertuples():
        first = max(s.opened_on, dt.date(2023, 1, 1))
        for _ in range(int(rng.integers(0, 8))):
            lent_on = random_date(rng, first, dt.date(2025, 8, 31))
            due_on = lent_on + dt.timedelta(days=int(rng.choice([30, 60, 90])))
            back = lent_on + dt.timedelta(days=int(rng.integers(5, 100)))
            rows.append({"station_id": s.station_id, "device_type": str(rng.choice(["wheelchair", "walking_aid"])),
                         "lent_on": lent_on, "due_on": due_on,
                         "returned_on": back if rng.random() < 0.95 else None,
                         # a few dozen regulars per district, chosen without a draw (the stream stays as it was)
                         "borrower_ref": f"JY{s.station_id[4:8]}-{lent_on.toordinal() % 37:04d}",
                         "loan_status": None})
    frame = pd.DataFrame(rows).sort_values(["station_id", "lent_on"], ignore_index=True)
    return with_ids(frame, "loan_id", "L", frame["station_id"].str[2:8], width=6)


# ---------------------------------------------------------------------------------------------
# Monthly facts, funding, targets
# ---------------------------------------------------------------------------------------------

def _grid(counts: dict[str, np.ndarray], year: int, codes, categories, column: str) -> pd.DataFrame:
    index = pd.MultiIndex.from_product([[dt.date(year, m, 1) for m in months_of(year)], list(codes),
                                        list(categories)], names=["period", "region_code", column])
    return pd.DataFrame({k: v.ravel() for k, v in counts.items()}, index=index).reset_index()


def served_and_need(townships: pd.DataFrame, rate: float, categories, category_weights: dict,
                    value: str, column: str, rng) -> pd.DataFrame:
    """Dense monthly rows (months x townships x categories), value <= need on every row."""
    weights = townships["registered_disabled"].to_numpy() * rng.lognormal(0, 0.3, len(townships))
    frames = []
    for year in YEARS:
        share = len(months_of(year)) / 12
        total = int(townships["registered_disabled"].sum() * rate * share)
        served = monthly_counts(total, year, weights, weights_of(category_weights, categories), rng)
        need = served + rng.binomial(2, 0.1, served.shape)
        frames.append(_grid({"need_count": need, value: served}, year, townships["region_code"],
                            categories, column))
    return pd.concat(frames, ignore_index=True)


def build_child_rehab(townships: pd.DataFrame, institutions: pd.DataFrame, rng) -> pd.DataFrame:
    """Children drawn one by one (about one per 60 registered persons a year), then summed."""
    serving = institutions[institutions["serves_children"]]
    by_city = serving.groupby(serving["region_code"].str[:4])["institution_id"].apply(np.array)
    frames = []
    for year in YEARS:
        months = months_of(year)
        n = int(townships["registered_disabled"].sum() / 60 * len(months) / 12)
        p = townships["registered_disabled"].to_numpy(dtype=float)
        codes = rng.choice(townships["region_code"].to_numpy(), size=n, p=p / p.sum())
        children = pd.DataFrame({
            "period": [dt.date(year, int(m), 1) for m in rng.choice(months, size=n)],
            "region_code": codes,
            "institution_id": [rng.choice(by_city[c[:4]]) for c in codes],
            "disability_type": rng.choice(DISABILITY_TYPES, size=n,
                                          p=weights_of(CHILD_TYPE_WEIGHTS, DISABILITY_TYPES)),
            "age_band": rng.choice(AGE_BANDS, size=n, p=[0.26, 0.44, 0.25, 0.05]),
            "applicants": 1,
        })
        children["aided"] = (rng.random(n) < 0.97).astype(np.int64)
        children["early_intervention"] = (children["aided"].eq(1) & children["age_band"].eq("0-3")
                                          & (rng.random(n) < 0.3)).astype(np.int64)
        children["funds_yuan"] = children["aided"] * rng.integers(100, 250, n) * 100.0
        keys = ["period", "region_code", "institution_id", "disability_type", "age_band"]
        frames.append(children.groupby(keys, as_index=False)[
            ["applicants", "aided", "early_intervention", "funds_yuan"]].sum())
    return pd.concat(frames, ignore_index=True)


def build_activities(townships: pd.DataFrame, rng) -> pd.DataFrame:
    """A few kinds per township and month, sparse (months with none have no row)."""
    frames = []
    for kind, per_person in (("home_visit", 1.4), ("needs_resolved", 0.3), ("cataract_surgery", 0.03),
                             ("lecture_or_clinic", 0.02)):
        for year in YEARS:
            total = int(townships["registered_disabled"].sum() * per_person * len(months_of(year)) / 12)
            counts = monthly_counts(total, year, townships["registered_disabled"].to_numpy(dtype=float),
                                    np.ones(1), rng)
            frames.append(_grid({"count": counts}, year, townships["region_code"], [kind], "kind"))
    frame = pd.concat(frames, ignore_index=True)
    return frame[frame["count"] > 0].reset_index(drop=True)


def build_funding(regions: pd.DataFrame, rng) -> pd.DataFrame:
    """Per district and year, each programme from a random source; the city keeps a share."""
    rows = []
    units = regions[regions["level"].isin(["city", "district"])]
    for year in YEARS:
        for unit in units.itertuples():
            for program in PROGRAMS:
                allocated = round(unit.registered_disabled * rng.uniform(20, 80) / (3 if unit.level == "city" else 1), -2)
                rows.append({"year": year, "region_code": unit.region_code,
                             "source": str(rng.choice(FUNDING_SOURCES, p=[0.6, 0.1, 0.25, 0.05])),
                             "program": program, "allocated_yuan": float(allocated),
                             "spent_yuan": float(round(allocated * rng.uniform(0.85, 1.0), -2)),
                             "spend_power": rng.uniform(0.9, 1.5)})
    frame = pd.DataFrame(rows)
    return frame.groupby(["year", "region_code", "source", "program"], as_index=False).agg(
        allocated_yuan=("allocated_yuan", "sum"), spent_yuan=("spent_yuan", "sum"),
        spend_power=("spend_power", "first"))


def build_targets(regions, facilities, services, devices, children, activities, rng) -> pd.DataFrame:
    """Each district's task near what it does (give or take 15 %); facilities: the planned size."""
    districts = regions.loc[regions["level"] == "district", "region_code"]

    def yearly(frame, column):
        return frame.groupby([frame["period"].map(lambda d: d.year),
                              frame["region_code"].str[:6] + "000000"])[column].sum()

    actuals = {"precise_rehab_served": yearly(services, "served_count"),
               "devices_fitted": yearly(devices, "fitted_count"),
               "children_aided": yearly(children, "aided"),
               "cataract_surgery": yearly(activities[activities["kind"] == "cataract_surgery"], "count")}
    due = pd.Series([due_year(o, p) for o, p in zip(facilities["opened_on"], facilities["planned_year"])])
    district_of = facilities["region_code"].str[:6] + "000000"
    rows = []
    for year in YEARS:
        full_year = 12 / len(months_of(year))
        for indicator in INDICATORS:
            if indicator in actuals:
                values = [max(1, round(actuals[indicator].get((year, d), 0) * full_year * rng.uniform(0.85, 1.15)))
                          for d in districts]
            else:
                tier = "village_room" if indicator == "village_rooms_built" else "township_station"
                planned = district_of[(facilities["tier"] == tier) & (due <= year)]
                counts = planned.value_counts()
                values = [int(counts.get(d, 0)) for d in districts]
            rows += [{"year": year, "region_code": d, "indicator": indicator, "target_value": int(v)}
                     for d, v in zip(districts, values)]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# History, snapshots, CLI
# ---------------------------------------------------------------------------------------------

def build_history(cities: int = 14, seed_part: str = "province") -> tuple[dict[str, pd.DataFrame], dict]:
    """Every table from January 2023 to August 2025, with the columns snapshots are cut by; and the
    rectangles of the districts and townships."""
    rng = rng_for(seed_part)
    regions, cells = build_regions(cities, rng)
    townships = regions[regions["level"] == "township"]
    facilities = build_facilities(regions, rng)
    institutions = build_institutions(regions, rng)
    institutions["designated_2024"] = False
    services = served_and_need(townships, 0.45, DISABILITY_TYPES, SERVICE_TYPE_WEIGHTS, "served_count",
                               "disability_type", rng)
    devices = served_and_need(townships, 0.15, DEVICE_TYPES, DEVICE_TYPE_WEIGHTS, "fitted_count",
                              "device_type", rng)
    children = build_child_rehab(townships, institutions, rng)
    activities = build_activities(townships, rng)
    stations = build_device_stations(regions, rng)
    history = {
        "regions": regions, "facilities": facilities, "institutions": institutions,
        "pairings": build_pairings(regions, institutions, rng), "funding": build_funding(regions, rng),
        "rehab_services": services, "child_rehab": children, "assistive_devices": devices,
        "device_stations": stations, "device_loans": build_device_loans(stations, rng),
        "device_stock": build_device_stock(stations, rng),
        "targets": build_targets(regions, facilities, services, devices, children, activities, rng),
        "activities": activities,
        # no yearly projects in the benchmark province (the pages read an empty table)
        "programs": pd.DataFrame({"year": [], "region_code": [], "kind": [], "measure": [], "count": []}),
    }
    return history, cells


def write_province(data_dir: Path, cities: int = 14, dates=SNAPSHOT_DATES) -> list[Path]:
    """Write the province's snapshots and boundaries into data_dir (refuses existing snapshots)."""
    history, cells = build_history(cities)
    write_boundaries(data_dir, history["regions"], cells)
    return [write_snapshot(Path(data_dir), as_of, cut_history(history, as_of), source="sample")
            for as_of in dates]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.province",
                                     description="Write a synthetic province's snapshots (for benchmarks).")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--cities", type=int, default=14)
    args = parser.parse_args(argv)
    for path in write_province(args.data_dir, args.cities):
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        rows = ", ".join(f"{t} {f['rows']}" for t, f in manifest["files"].items())
        print(f"{path}: {rows}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
