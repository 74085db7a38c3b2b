"""The sample dataset: two real places, synthetic facts calibrated to the published figures.

包头市 (all ten county-level units) and 漯河市源汇区, with division codes and approximate township seats
from the NBS 2023 list (see data/README.md). Villages, facilities, counts and money are synthetic,
drawn from fixed seeds, and calibrated so that the figures of seeds/DIGEST.md come out exactly.

The full history (2023-01 .. 2025-08) is generated once; a snapshot is a cut of it at its date, so a
fact reads the same in every snapshot that holds it.

    python -m tools.sample [--data-dir DIR]     # rewrites the four sample snapshots
"""
from __future__ import annotations

import argparse
import calendar
import datetime as dt
import functools
import io
import json
import shutil
import sys
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from shapely.geometry import Point, shape
from shapely.prepared import prep

from rehabdash.kernel import config, credit
from rehabdash.kernel.contract import (
    AGE_BANDS,
    DEVICE_TYPES,
    DISABILITY_TYPES,
    INDICATORS,
    MONTHLY_TABLES,
    SNAPSHOT_TABLES,
    TABLES,
)
from rehabdash.store.snapshots import (
    list_snapshots,
    read_manifest,
    snapshots_root,
    version_name,
    write_snapshot,
)

SEED = 20241231
SNAPSHOT_DATES = (dt.date(2024, 6, 30), dt.date(2024, 12, 31), dt.date(2025, 6, 30), dt.date(2025, 8, 31))
YEARS = (2023, 2024, 2025)
LAST_MONTH = dt.date(2025, 8, 1)  # the history ends with August 2025
HISTORY_END = dt.date(2025, 8, 31)

BAOTOU = "150200000000"
LUOHE = "411100000000"
YUANHUI = "411102000000"
QINGSHAN = "150204000000"
SAMPLE_TOWNSHIP = "411102990000"  # made up: the seed counts 9 townships in 源汇区, the NBS list has 8
# Its seat as data/boundaries has it: the suggested (114.05, 33.55) moved just inside 源汇区.
SAMPLE_TOWNSHIP_SEAT = (114.0421, 33.559)
# The outlines the map draws (python -m tools.boundaries); sample points stay inside them.
BOUNDARIES_DIR = config.PROJECT_DIR / "data" / "boundaries"

# An "area" is a place the seeds report on; its codes share a prefix.
AREA_PREFIX = {"baotou": "1502", "yuanhui": "411102"}

# Relative activity by calendar month: quiet around the Spring Festival, a push before the year ends.
MONTH_WEIGHTS = np.array([0.75, 0.6, 0.95, 1.0, 1.05, 1.0, 0.95, 0.95, 1.05, 1.1, 1.15, 1.25])

SERVICE_TYPE_WEIGHTS = {"visual": 0.11, "hearing": 0.12, "speech": 0.04, "physical": 0.40,
                        "intellectual": 0.13, "mental": 0.14, "multiple": 0.06}
CHILD_TYPE_WEIGHTS = {"visual": 0.04, "hearing": 0.14, "speech": 0.13, "physical": 0.21,
                      "intellectual": 0.38, "mental": 0.03, "multiple": 0.07}
AGE_BAND_WEIGHTS = {"0-3": 0.26, "4-6": 0.44, "7-14": 0.25, "15-17": 0.05}
DEVICE_TYPE_WEIGHTS = {"wheelchair": 0.24, "walking_aid": 0.22, "hearing_aid": 0.15, "visual_aid": 0.10,
                       "prosthesis_orthosis": 0.07, "daily_living": 0.16, "other": 0.06}
LOAN_DEVICE_WEIGHTS = {"wheelchair": 0.45, "walking_aid": 0.28, "daily_living": 0.17, "other": 0.10}

# ---------------------------------------------------------------------------------------------
# The plan: yearly totals per area. 2025 rows cover January..August (the history's end).
# Seed figures (Baotou 2024, Yuanhui 2025) are exact; the rest is chosen to look like them.
# ---------------------------------------------------------------------------------------------

# (area, year) -> (served, need) of precise rehab services.
SERVICE_PLAN = {
    ("baotou", 2023): (5894, 5978), ("baotou", 2024): (6260, 6287), ("baotou", 2025): (4412, 4437),
    ("yuanhui", 2023): (688, 699), ("yuanhui", 2024): (746, 752), ("yuanhui", 2025): (521, 521),
}
# (area, year) -> (fitted, need) of assistive devices.
DEVICE_PLAN = {
    ("baotou", 2023): (1838, 1849), ("baotou", 2024): (2017, 2021), ("baotou", 2025): (1391, 1397),
    ("yuanhui", 2023): (262, 265), ("yuanhui", 2024): (288, 290), ("yuanhui", 2025): (207, 208),
}
# (area, year) -> (aided, applicants, early intervention, funds in yuan) of child rehab assistance.
CHILD_PLAN = {
    ("baotou", 2023): (762, 770, 58, 13_200_000), ("baotou", 2024): (814, 814, 67, 14_600_000),
    ("baotou", 2025): (548, 561, 49, 9_760_000),
    ("yuanhui", 2023): (86, 88, 9, 1_150_000), ("yuanhui", 2024): (94, 95, 10, 1_260_000),
    ("yuanhui", 2025): (66, 68, 8, 860_000),
}
# kind -> {(area, year): count}.
ACTIVITY_PLAN = {
    "cataract_surgery": {("baotou", 2023): 151, ("baotou", 2024): 182, ("baotou", 2025): 118,
                         ("yuanhui", 2023): 18, ("yuanhui", 2024): 21, ("yuanhui", 2025): 15},
    # 2023 = 112 so that 2024's 170 reads as the published +51.7 % (the nearest integer).
    "amblyopia_aid": {("baotou", 2023): 112, ("baotou", 2024): 170, ("baotou", 2025): 121,
                      ("yuanhui", 2023): 9, ("yuanhui", 2024): 12, ("yuanhui", 2025): 8},
    "mental_medication": {("baotou", 2023): 186, ("baotou", 2024): 201, ("baotou", 2025): 139},
    "hearing_screening": {("baotou", 2024): 100, ("baotou", 2025): 72},
    "prenatal_screening": {("baotou", 2024): 100, ("baotou", 2025): 66},
    "home_visit": {("baotou", 2023): 8420, ("baotou", 2024): 9180, ("baotou", 2025): 6350,
                   ("yuanhui", 2023): 1350, ("yuanhui", 2024): 1520, ("yuanhui", 2025): 1200},
    "needs_resolved": {("baotou", 2023): 1610, ("baotou", 2024): 1795, ("baotou", 2025): 1240,
                       ("yuanhui", 2023): 310, ("yuanhui", 2024): 352, ("yuanhui", 2025): 268},
    "lecture_or_clinic": {("baotou", 2023): 128, ("baotou", 2024): 146, ("baotou", 2025): 97,
                          ("yuanhui", 2023): 26, ("yuanhui", 2024): 30, ("yuanhui", 2025): 22},
    "brochures": {("baotou", 2023): 14000, ("baotou", 2024): 15600, ("baotou", 2025): 10800,
                  ("yuanhui", 2023): 2600, ("yuanhui", 2024): 3000, ("yuanhui", 2025): 2000},
    "people_reached": {("baotou", 2023): 18300, ("baotou", 2024): 20400, ("baotou", 2025): 14100,
                       ("yuanhui", 2023): 3100, ("yuanhui", 2024): 3500, ("yuanhui", 2025): 2500},
}
# Kinds the seeds tie to some districts only (free medication; the 九原区 prevention pilot).
ACTIVITY_DISTRICTS = {
    "mental_medication": ("150202", "150203", "150271"),
    "hearing_screening": ("150207",),
    "prenatal_screening": ("150207",),
}
# (area, year) -> (the amount that is fixed: "spent" or "allocated", {(program, source): yuan}).
# Baotou 2024 is fixed on spent (投入 1764万元); Yuanhui 2025 on allocated by source.
FUNDING_PLAN = {
    ("baotou", 2023): ("spent", {
        ("child_rehab", "budget"): 10_130_000, ("child_rehab", "higher_level"): 2_300_000,
        ("child_rehab", "supplementary"): 770_000,
        ("precise_rehab", "budget"): 540_000, ("precise_rehab", "higher_level"): 220_000,
        ("assistive_devices", "budget"): 350_000, ("assistive_devices", "higher_level"): 230_000,
        ("cataract_surgery", "social"): 151_000, ("mental_health", "budget"): 372_000,
        ("facility_construction", "budget"): 610_000, ("training", "budget"): 240_000,
        ("other", "budget"): 95_000, ("other", "social"): 40_000,
    }),
    ("baotou", 2024): ("spent", {
        # 14,600,000 for child rehab: 2,575,200 won from the autonomous region, 1,030,000 added by the city.
        ("child_rehab", "budget"): 10_994_800, ("child_rehab", "higher_level"): 2_575_200,
        ("child_rehab", "supplementary"): 1_030_000,
        ("precise_rehab", "budget"): 574_000, ("precise_rehab", "higher_level"): 246_000,
        ("assistive_devices", "budget"): 384_000, ("assistive_devices", "higher_level"): 256_000,
        ("cataract_surgery", "social"): 182_000, ("mental_health", "budget"): 402_000,
        ("facility_construction", "budget"): 560_000, ("training", "budget"): 286_000,
        ("other", "budget"): 100_000, ("other", "social"): 50_000,
    }),
    ("baotou", 2025): ("spent", {
        ("child_rehab", "budget"): 11_480_000, ("child_rehab", "higher_level"): 2_700_000,
        ("child_rehab", "supplementary"): 1_100_000,
        ("precise_rehab", "budget"): 600_000, ("precise_rehab", "higher_level"): 260_000,
        ("assistive_devices", "budget"): 400_000, ("assistive_devices", "higher_level"): 280_000,
        ("cataract_surgery", "social"): 180_000, ("mental_health", "budget"): 420_000,
        ("facility_construction", "budget"): 520_000, ("training", "budget"): 300_000,
        ("other", "budget"): 110_000, ("other", "social"): 60_000,
    }),
    ("yuanhui", 2023): ("spent", {
        ("child_rehab", "budget"): 350_000, ("child_rehab", "higher_level"): 800_000,
        ("precise_rehab", "budget"): 60_000, ("precise_rehab", "higher_level"): 110_000,
        ("assistive_devices", "budget"): 40_000, ("assistive_devices", "higher_level"): 90_000,
        ("facility_construction", "budget"): 30_000, ("training", "budget"): 20_000,
        ("other", "budget"): 10_000,
    }),
    ("yuanhui", 2024): ("spent", {
        ("child_rehab", "budget"): 380_000, ("child_rehab", "higher_level"): 880_000,
        ("precise_rehab", "budget"): 70_000, ("precise_rehab", "higher_level"): 120_000,
        ("assistive_devices", "budget"): 45_000, ("assistive_devices", "higher_level"): 100_000,
        ("facility_construction", "budget"): 40_000, ("training", "budget"): 25_000,
        ("other", "budget"): 12_000,
    }),
    ("yuanhui", 2025): ("allocated", {
        # budget 600,000; 200,000 added mid-year for child rehab; 1,384,900 of higher-level funds.
        ("child_rehab", "budget"): 180_000, ("precise_rehab", "budget"): 90_000,
        ("assistive_devices", "budget"): 50_000, ("facility_construction", "budget"): 200_000,
        ("training", "budget"): 50_000, ("other", "budget"): 30_000,
        ("child_rehab", "supplementary"): 200_000,
        ("child_rehab", "higher_level"): 820_000, ("precise_rehab", "higher_level"): 260_000,
        ("assistive_devices", "higher_level"): 184_900, ("facility_construction", "higher_level"): 120_000,
    }),
}
# (area, year) -> annual task (年度任务) of the whole area, split over its districts by their actuals.
# Baotou 2024 as the seed's completion rates give them (110.6 %, 110.8 %, 182 %; children: 800).
TARGET_PLAN = {
    ("baotou", 2023): {"precise_rehab_served": 5400, "devices_fitted": 1700, "children_aided": 750,
                       "cataract_surgery": 100},
    ("baotou", 2024): {"precise_rehab_served": 5660, "devices_fitted": 1820, "children_aided": 800,
                       "cataract_surgery": 100},
    ("baotou", 2025): {"precise_rehab_served": 6300, "devices_fitted": 2000, "children_aided": 830,
                       "cataract_surgery": 150},
    ("yuanhui", 2023): {"precise_rehab_served": 650, "devices_fitted": 250, "children_aided": 85,
                        "cataract_surgery": 15},
    ("yuanhui", 2024): {"precise_rehab_served": 700, "devices_fitted": 270, "children_aided": 90,
                        "cataract_surgery": 18},
    ("yuanhui", 2025): {"precise_rehab_served": 780, "devices_fitted": 300, "children_aided": 100,
                        "cataract_surgery": 20},
}
# year -> {(region, project kind, measure): count} of the yearly projects and training (programs table);
# 2025 to August. Baotou 2024 as the seed reports it: inpatient subsidy for 8 in 达茂旗, psychological
# rehab for 50 in 青山区, 5 self-help/mutual-help bases (石拐区, 固阳县 and 土右旗) serving 98 persons and
# relatives with 4 employed; 62 professionals ("60余名") sent to national/regional training and 10 city
# training sessions for 986 ("近千人").
PROGRAM_PLAN = {
    2023: {("150223", "inpatient_subsidy", "persons"): 6, ("150204", "psychological_rehab", "persons"): 40,
           ("150205", "self_help_base", "bases"): 1, ("150205", "self_help_base", "persons"): 24,
           ("150205", "self_help_base", "employed"): 1,
           ("150222", "self_help_base", "bases"): 1, ("150222", "self_help_base", "persons"): 19,
           ("150222", "self_help_base", "employed"): 1,
           ("150200", "training_national", "persons"): 45, ("150200", "training_city", "sessions"): 8,
           ("150200", "training_city", "persons"): 760},
    2024: {("150223", "inpatient_subsidy", "persons"): 8, ("150204", "psychological_rehab", "persons"): 50,
           ("150205", "self_help_base", "bases"): 2, ("150205", "self_help_base", "persons"): 40,
           ("150205", "self_help_base", "employed"): 2,
           ("150222", "self_help_base", "bases"): 2, ("150222", "self_help_base", "persons"): 36,
           ("150222", "self_help_base", "employed"): 1,
           ("150221", "self_help_base", "bases"): 1, ("150221", "self_help_base", "persons"): 22,
           ("150221", "self_help_base", "employed"): 1,
           ("150200", "training_national", "persons"): 62, ("150200", "training_city", "sessions"): 10,
           ("150200", "training_city", "persons"): 986,
           ("411102", "training_city", "sessions"): 3, ("411102", "training_city", "persons"): 150},
    2025: {("150223", "inpatient_subsidy", "persons"): 6, ("150204", "psychological_rehab", "persons"): 34,
           ("150205", "self_help_base", "bases"): 2, ("150205", "self_help_base", "persons"): 31,
           ("150205", "self_help_base", "employed"): 1,
           ("150222", "self_help_base", "bases"): 2, ("150222", "self_help_base", "persons"): 27,
           ("150222", "self_help_base", "employed"): 2,
           ("150221", "self_help_base", "bases"): 2, ("150221", "self_help_base", "persons"): 20,
           ("150221", "self_help_base", "employed"): 1,
           ("150200", "training_national", "persons"): 41, ("150200", "training_city", "sessions"): 7,
           ("150200", "training_city", "persons"): 655,
           ("411102", "training_city", "sessions"): 2, ("411102", "training_city", "persons"): 96},
}
QINGSHAN_LOANS_2024 = 418  # "400余人次" at the city's first rental pilot
WHEELCHAIRS_2024 = 212  # won from the autonomous region, placed at community stations


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------

def rng_for(part: str) -> np.random.Generator:
    """A generator per part of the dataset, so changing one part does not reshuffle the others."""
    return np.random.default_rng([SEED, zlib.crc32(part.encode())])


def split_total(total: int, weights, rng: np.random.Generator) -> np.ndarray:
    """Random non-negative integers, shaped like `weights`, that sum exactly to `total`."""
    weights = np.asarray(weights, dtype=float)
    if total == 0:
        return np.zeros(weights.shape, dtype=np.int64)
    return rng.multinomial(int(total), weights.ravel() / weights.sum()).reshape(weights.shape)


def proportional_split(total: int, weights, minimum: int = 0) -> np.ndarray:
    """Integers proportional to `weights` (largest remainder), each >= minimum, summing to `total`."""
    weights = np.asarray(weights, dtype=float)
    rest = total - minimum * len(weights)
    exact = rest * weights / weights.sum()
    shares = np.floor(exact).astype(np.int64)
    shares[np.argsort(-(exact - shares), kind="stable")[: rest - shares.sum()]] += 1
    return shares + minimum


def random_date(rng: np.random.Generator, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=int(rng.integers(0, (last - first).days + 1)))


@functools.lru_cache(maxsize=1)
def boundary_shapes() -> dict:
    """{region_code: polygon} of the districts and approximate townships in data/boundaries."""
    shapes = {}
    for name in ("districts.geojson", "townships_approx.geojson"):
        for feature in json.loads((BOUNDARIES_DIR / name).read_text(encoding="utf-8"))["features"]:
            shapes[feature["properties"]["region_code"]] = prep(shape(feature["geometry"]))
    return shapes


def outline_of(region_code: str):
    """The drawn outline a point of this region must fall in: its township's approximate cell,
    else its district (稀土高新区 has neither: None)."""
    shapes = boundary_shapes()
    township = shapes.get(region_code[:9] + "000")  # for a district code, this is the district
    return township if township is not None else shapes.get(district_of(region_code))


def point_near(lon: float, lat: float, rng: np.random.Generator, min_km: float, max_km: float,
               within: str) -> tuple[float, float]:
    """A point at a random bearing, min_km..max_km away (1° of latitude is about 111 km), inside the
    outline of region `within`; after every ten misses it tries half as far out."""
    outline = outline_of(within)
    for attempt in range(40):
        angle = rng.uniform(0, 2 * np.pi)
        km = rng.uniform(min_km, max_km) * 0.5 ** (attempt // 10)
        point = (round(lon + km * np.cos(angle) / (111.3 * np.cos(np.radians(lat))), 5),
                 round(lat + km * np.sin(angle) / 111.3, 5))
        if outline is None or outline.contains(Point(point)):
            return point
    return round(lon, 5), round(lat, 5)


def months_of(year: int) -> list[int]:
    return list(range(1, 13 if year < LAST_MONTH.year else LAST_MONTH.month + 1))


def district_of(code: str) -> str:
    """The district of a 12-digit NBS code: its first six digits name the county-level division. This is
    how the sample builds its tree from the reference list; the app walks the tree it was given
    (rehabdash.kernel.scope.district_of)."""
    return code[:6] + "000000"


def weights_of(mapping: dict, keys) -> np.ndarray:
    return np.array([mapping[key] for key in keys], dtype=float)


def year_share(as_of: dt.date) -> float:
    """Share of as_of's year elapsed at the end of that day."""
    days = 366 if calendar.isleap(as_of.year) else 365
    return as_of.timetuple().tm_yday / days


# ---------------------------------------------------------------------------------------------
# Regions: real cities, districts and townships; synthetic villages and communities
# ---------------------------------------------------------------------------------------------

COMMUNITY_STEMS = ("东风 红星 新华 幸福 团结 建设 和平 光明 前进 胜利 民主 友谊 文化 富强 阳光 春晖 青年 "
                   "朝阳 育才 康乐 兴盛 华苑 锦绣 翠园 金桥 银河 滨河 北苑 南苑 紫云").split()
VILLAGE_STEMS = ("王庄 李庄 张湾 刘集 陈寨 赵营 孙店 杨屯 黄庄 周堡 吴家营 郑楼 马坊 胡营 郭家湾 何庄 高台 "
                 "罗湾 梁家窑 宋庄 谢营 韩庄 冯湾 邓庄 曹营 彭寨 田家 董庄 潘集 袁庄 蒋湾 蔡庄 杜营 程庄 "
                 "魏庄 苏庄 吕庄 丁庄 沈湾 任庄 姚家圪堵 乔家壕 白家营子 新营子 后营子 东园 西园 南河 北沟 "
                 "大井").split()
GACHA_STEMS = "巴音 乌兰 阿拉坦 哈达 宝力格 呼和 额尔登 查干 希拉 赛音 塔拉 敖包 格日勒 那仁".split()


def township_kind(name: str) -> str:
    if name.endswith("街道"):
        return "street"
    if name.endswith("苏木"):
        return "sumu"
    return "rural"  # 镇, 乡


def make_villages(township, rng: np.random.Generator) -> list[dict]:
    """4-8 villages (Baotou) or 6-8 (Yuanhui, which needs more rooms): communities under a street,
    村 under a town, 嘎查 under a 苏木. Urban communities sit closer to the seat than villages."""
    count = int(rng.integers(6, 9) if township.code12.startswith("411102") else rng.integers(4, 9))
    kind = township_kind(township.name)
    if kind == "street":
        stems, suffix, first_number, km, people = COMMUNITY_STEMS, "社区", 1, (0.5, 1.5), (80, 250)
    elif kind == "sumu":
        stems, suffix, first_number, km, people = GACHA_STEMS, "嘎查", 201, (1.5, 4.0), (30, 90)
    else:
        stems, suffix, first_number, km, people = VILLAGE_STEMS, "村", 201, (1.5, 4.0), (30, 180)
    villages = []
    for number, stem in enumerate(rng.choice(stems, size=count, replace=False), start=first_number):
        lon, lat = point_near(township.lon, township.lat, rng, *km, within=township.code12)
        villages.append({
            "region_code": township.code12[:9] + f"{number:03d}", "name": stem + suffix,
            "level": "village", "parent_code": township.code12, "lon": lon, "lat": lat,
            "registered_disabled": int(rng.integers(people[0], people[1] + 1)),
        })
    return villages


def build_regions() -> pd.DataFrame:
    rng = rng_for("regions")
    townships = pd.read_csv(io.StringIO(TOWNSHIPS_CSV), dtype={"code12": str})
    townships.loc[len(townships)] = [SAMPLE_TOWNSHIP, "样例街道（示例单元）", *SAMPLE_TOWNSHIP_SEAT]
    villages = pd.DataFrame([v for t in townships.itertuples() for v in make_villages(t, rng)])

    township_rows = pd.DataFrame({
        "region_code": townships["code12"], "name": townships["name"], "level": "township",
        "parent_code": townships["code12"].map(district_of), "lon": townships["lon"],
        "lat": townships["lat"],
        "registered_disabled": townships["code12"].map(
            villages.groupby("parent_code")["registered_disabled"].sum()),
    })
    district_rows = []
    for code6, name, _short, lon, lat in DISTRICTS:
        own = township_rows[township_rows["parent_code"] == code6 + "000000"]
        if lon is None:  # 稀土高新区 has no published seat: use the mean of its townships
            lon, lat = round(own["lon"].mean(), 5), round(own["lat"].mean(), 5)
        district_rows.append({
            "region_code": code6 + "000000", "name": name, "level": "district",
            "parent_code": code6[:4] + "00000000", "lon": lon, "lat": lat,
            "registered_disabled": int(own["registered_disabled"].sum()),
        })
    district_rows = pd.DataFrame(district_rows)
    city_rows = pd.DataFrame([{
        "region_code": code6 + "000000", "name": name, "level": "city", "parent_code": None,
        "lon": lon, "lat": lat,
        "registered_disabled": int(district_rows.loc[
            district_rows["parent_code"] == code6 + "000000", "registered_disabled"].sum()),
    } for code6, name, lon, lat in CITIES])
    regions = pd.concat([city_rows, district_rows, township_rows, villages], ignore_index=True)
    # Sorting the codes lists every unit right after its parent.
    return regions.sort_values("region_code", ignore_index=True)


def short_name(district_code: str) -> str:
    return next(short for code6, _name, short, _lon, _lat in DISTRICTS if district_code.startswith(code6))


def township_weights(regions: pd.DataFrame) -> pd.Series:
    """How much activity a township has: its registered disabled persons, give or take local effort."""
    rng = rng_for("township_weights")
    townships = regions[regions["level"] == "township"]
    effort = rng.lognormal(0.0, 0.3, len(townships))
    return pd.Series(townships["registered_disabled"].to_numpy() * effort,
                     index=townships["region_code"].to_numpy())


def townships_in(regions: pd.DataFrame, area: str, districts: tuple[str, ...] | None = None) -> pd.DataFrame:
    rows = regions[(regions["level"] == "township")
                   & regions["region_code"].str.startswith(AREA_PREFIX[area])]
    if districts:
        rows = rows[rows["region_code"].str[:6].isin(districts)]
    return rows


# ---------------------------------------------------------------------------------------------
# Facilities of the three-tier network
# ---------------------------------------------------------------------------------------------
# A facility's history: opened_on (None if not open by the end of the history) and planned_year
# (the year it was or is to be built, None for those built before 2023). Its status at a snapshot
# date follows from these (see facilities_as_of).

def opening(schedule: str, rng: np.random.Generator) -> tuple[dt.date | None, int | None]:
    """'before2023', a year ('2024': opened that year) or 'plan<year>' (not open by August 2025)."""
    if schedule == "before2023":
        return random_date(rng, dt.date(2017, 3, 1), dt.date(2022, 12, 20)), None
    if schedule.startswith("plan"):
        return None, int(schedule[4:])
    year = int(schedule)
    return random_date(rng, dt.date(year, 1, 10), min(dt.date(year, 12, 20), dt.date(2025, 8, 20))), year


TIER_RANK = {"district_center": 0, "township_station": 1, "village_room": 2}
STAFF_RANGE = {"district_center": (6, 15), "township_station": (2, 6), "village_room": (1, 3)}


def facility(rng, tier, name, region_code, host_type, host_name, schedule, lon, lat) -> dict:
    opened_on, planned_year = opening(schedule, rng)
    low, high = STAFF_RANGE[tier]
    return {"name": name, "tier": tier, "region_code": region_code, "host_type": host_type,
            "host_name": host_name, "opened_on": opened_on, "planned_year": planned_year,
            "lon": lon, "lat": lat, "staff": int(rng.integers(low, high + 1))}


def station_host(township, district_short: str, rng) -> tuple[str, str]:
    street = township_kind(township.name) == "street"
    health_center = f"{township.name}社区卫生服务中心" if street else f"{township.name}卫生院"
    host_type = rng.choice(["township_health_center", "community_center", "private_institution"],
                           p=[0.78, 0.14, 0.08])
    if host_type == "township_health_center":
        return str(host_type), health_center
    if host_type == "community_center":
        return str(host_type), f"{township.name}党群服务中心"
    return str(host_type), f"{district_short}{rng.choice(['仁和', '康宁', '益民', '同济'])}康复医院"


def room_host(village, rng, planned: bool) -> tuple[str, str]:
    community = village.name.endswith("社区")
    committee = f"{village.name}居委会" if community else f"{village.name}村委会"
    if planned:  # new rooms are mostly built by the federation itself
        host_type = rng.choice(["government_built", "village_clinic"], p=[0.6, 0.4])
    elif community:
        host_type = rng.choice(["community_center", "village_clinic", "government_built",
                                "private_institution"], p=[0.6, 0.3, 0.05, 0.05])
    else:
        host_type = rng.choice(["village_clinic", "government_built", "community_center",
                                "private_institution"], p=[0.7, 0.2, 0.05, 0.05])
    host_name = {
        "community_center": f"{village.name}党群服务中心",
        "village_clinic": f"{village.name}卫生服务站" if community else f"{village.name}卫生室",
        "government_built": committee,
        "private_institution": f"{village.name}{rng.choice(['康宁', '惠民', '仁济'])}诊所",
    }[host_type]
    return str(host_type), host_name


def baotou_facilities(regions: pd.DataFrame, rng) -> list[dict]:
    rows = []
    districts = regions[(regions["level"] == "district") & regions["region_code"].str.startswith("1502")]
    for district in districts.itertuples():
        short = short_name(district.region_code)
        lon, lat = point_near(district.lon, district.lat, rng, 0.2, 0.8, within=district.region_code)
        rows.append(facility(rng, "district_center", f"{short}康复指导中心", district.region_code,
                             "public_hospital", f"{short}人民医院", "before2023", lon, lat))

    # Township stations: most built, a few on the plan.
    townships = townships_in(regions, "baotou")
    schedules = (["before2023"] * 66 + ["2023"] * 5 + ["2024"] * 4 + ["2025"] * 2 + ["plan2025"]
                 + ["plan2026"] * 5 + ["plan2027"] * 3)
    for township, schedule in zip(townships.itertuples(), rng.permutation(schedules)):
        host_type, host_name = station_host(township, short_name(township.region_code), rng)
        lon, lat = point_near(township.lon, township.lat, rng, 0.1, 0.6, within=township.region_code)
        rows.append(facility(rng, "township_station", f"{township.name}康复站", township.region_code,
                             host_type, host_name, str(schedule), lon, lat))

    # Village rooms: most villages have one, some are planned, some have none yet.
    room_schedules = {"before2023": 0.50, "2023": 0.07, "2024": 0.07, "2025": 0.04, "plan2025": 0.02,
                      "plan2026": 0.08, "plan2027": 0.04, "plan2028": 0.02, "none": 0.16}
    villages = regions[(regions["level"] == "village") & regions["region_code"].str.startswith("1502")]
    for village in villages.itertuples():
        schedule = str(rng.choice(list(room_schedules), p=list(room_schedules.values())))
        if schedule == "none":
            continue
        host_type, host_name = room_host(village, rng, planned=schedule.startswith("plan"))
        lon, lat = point_near(village.lon, village.lat, rng, 0.05, 0.3, within=village.region_code)
        rows.append(facility(rng, "village_room", f"{village.name}康复室", village.region_code,
                             host_type, host_name, schedule, lon, lat))
    return rows


# Yuanhui's private hosts are the ones the seed article names.
YUANHUI_PRIVATE_STATIONS = {"马路街街道": "柳江医院", "干河陈街道": "万安医院",
                            "样例街道（示例单元）": "馨灿儿童能力发展中心"}
YUANHUI_PRIVATE_ROOM_HOST = "朱氏中医妇科医院"


def yuanhui_facilities(regions: pd.DataFrame, rng) -> list[dict]:
    """The network as the seed reports it in August 2025 (see DIGEST.md, Yuanhui rows)."""
    district = regions[regions["region_code"] == YUANHUI].iloc[0]
    lon, lat = point_near(district.lon, district.lat, rng, 0.2, 0.6, within=YUANHUI)
    rows = [facility(rng, "district_center", "源汇区康复指导中心", YUANHUI, "public_hospital",
                     "源汇区人民医院", "before2023", lon, lat)]
    for township in townships_in(regions, "yuanhui").itertuples():
        if township.name in YUANHUI_PRIVATE_STATIONS:
            host_type, schedule = "private_institution", "2024"
            host_name = YUANHUI_PRIVATE_STATIONS[township.name]
        else:
            street = township_kind(township.name) == "street"
            host_name = f"{township.name}社区卫生服务中心" if street else f"{township.name}卫生院"
            host_type, schedule = "township_health_center", str(rng.choice(["before2023", "2023"]))
        lon, lat = point_near(township.lon, township.lat, rng, 0.1, 0.6, within=township.region_code)
        rows.append(facility(rng, "township_station", f"{township.name}康复站", township.region_code,
                             host_type, host_name, schedule, lon, lat))

    # One room per village at most: 18 in village clinics and 1 private host (built by 2024),
    # 10 built by the federation in 2025, 10 near-term (2026) and 12 long-term (2027-28) planned.
    villages = regions[(regions["level"] == "village") & regions["region_code"].str.startswith("411102")]
    plan = (["clinic"] * 18 + ["private"] + ["built2025"] * 10 + ["plan2026"] * 10
            + ["plan2027"] * 10 + ["plan2028"] * 2)
    for village, kind in zip(villages.sample(frac=1.0, random_state=rng).itertuples(), plan):
        community = village.name.endswith("社区")
        if kind == "clinic":
            host_type, schedule = "village_clinic", str(rng.choice(["before2023", "2023", "2024"]))
            host_name = f"{village.name}卫生服务站" if community else f"{village.name}卫生室"
        elif kind == "private":
            host_type, host_name, schedule = "private_institution", YUANHUI_PRIVATE_ROOM_HOST, "2024"
        else:
            host_type, schedule = "government_built", "2025" if kind == "built2025" else kind
            host_name = f"{village.name}居委会" if community else f"{village.name}村委会"
        lon, lat = point_near(village.lon, village.lat, rng, 0.05, 0.3, within=village.region_code)
        row = facility(rng, "village_room", f"{village.name}康复室", village.region_code,
                       host_type, host_name, schedule, lon, lat)
        if kind == "built2025":  # all ten in use by the report of 2025-08-25
            row["opened_on"] = random_date(rng, dt.date(2025, 3, 1), dt.date(2025, 7, 31))
        rows.append(row)
    return rows


def with_ids(frame: pd.DataFrame, column: str, prefix: str, districts: pd.Series,
             width: int = 4) -> pd.DataFrame:
    """Number rows within each district in their current order: F-150202-0001, ..."""
    districts = districts.str[:6].to_numpy()
    sequence = pd.Series(districts).groupby(districts).cumcount() + 1
    frame.insert(0, column, [f"{prefix}-{d}-{n:0{width}d}" for d, n in zip(districts, sequence)])
    return frame


def build_facilities(regions: pd.DataFrame) -> pd.DataFrame:
    rng = rng_for("facilities")
    frame = pd.DataFrame(baotou_facilities(regions, rng) + yuanhui_facilities(regions, rng))
    # Numbered per district: the centre first, then stations, then rooms, each by region code.
    order = frame.assign(district=frame["region_code"].str[:6], tier_rank=frame["tier"].map(TIER_RANK))
    order = order.sort_values(["district", "tier_rank", "region_code"]).index
    frame = frame.loc[order].reset_index(drop=True)
    return with_ids(frame, "facility_id", "F", frame["region_code"])


def due_year(opened_on: dt.date | None, planned_year) -> int:
    """The year a facility was or is to be built."""
    return opened_on.year if isinstance(opened_on, dt.date) else int(planned_year)


def facilities_as_of(history: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Built if opened by as_of; otherwise planned: near-term if due by next year, else long-term."""
    rows = []
    for row in history.to_dict("records"):
        if isinstance(row["opened_on"], dt.date) and row["opened_on"] <= as_of:
            rows.append({**row, "status": "built"})
            continue
        year = due_year(row["opened_on"], row["planned_year"])
        status = "planned_near" if year <= as_of.year + 1 else "planned_far"
        rows.append({**row, "status": status, "opened_on": None, "planned_year": year, "staff": 0})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Site tasks (建设任务): every facility built since 2023 or planned has a task, a responsible unit and
# person, a deadline and its stages; Baotou's sites due in 2025 and not open by August are overdue.
# ---------------------------------------------------------------------------------------------
TASK_PLAN_DAY = dt.date(2024, 3, 1)  # the three-year plan (2024-2026, to 2028) handed out its tasks
OVERDUE_DEADLINE = dt.date(2025, 6, 30)  # Baotou's sites of 2025 not open by August are past it


def _task_owner(row, names: dict, parents: dict) -> tuple[str, str]:
    """(responsible unit, responsible person's role): a village room answers to its township's
    government, a station or a centre to the district's federation."""
    if row["tier"] == "village_room":
        township = names[parents[row["region_code"]]]
        street = "街道" in township
        return (f"{township}{'办事处' if street else '人民政府'}",
                f"{township}分管副{'主任' if street else '镇长' if township.endswith('镇') else '乡长'}")
    up = {"district_center": 0, "township_station": 1}[row["tier"]]
    code = row["region_code"]
    for _ in range(up):
        code = parents[code]
    district = names[code]
    return f"{district}残疾人联合会", f"{district}残联康复部部长"


def build_site_tasks(facilities: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """The task history of every facility with a planned year, up to the end of the history."""
    names = dict(zip(regions["region_code"], regions["name"]))
    parents = dict(zip(regions["region_code"], regions["parent_code"]))
    rows = []
    for f in facilities.to_dict("records"):
        if pd.isna(f["planned_year"]):
            continue  # built before 2023: no task
        year = int(f["planned_year"])
        opened = f["opened_on"] if isinstance(f["opened_on"], dt.date) else None
        started = min(dt.date(year, 1, 15), TASK_PLAN_DAY)
        if opened is not None:
            started = min(started, opened - dt.timedelta(days=120))
        baotou = str(f["region_code"]).startswith("1502")
        deadline = OVERDUE_DEADLINE if (baotou and year == 2025 and opened is None) else dt.date(year, 12, 31)
        unit, person = _task_owner(f, names, parents)
        if opened is not None:
            stages = [("site_selection", started), ("construction", opened - dt.timedelta(days=90)),
                      ("acceptance", opened - dt.timedelta(days=20)), ("in_use", opened)]
        elif year <= 2026:
            stages = [("site_selection", started), ("construction", dt.date(year - 1 if year > 2025 else 2025,
                                                                             4 if year > 2025 else 2, 1))]
        else:
            stages = [("site_selection", started)]
        for stage, day in stages:
            rows.append({"facility_id": f["facility_id"], "task": f"建成{f['name']}并投入使用",
                         "responsible_unit": unit, "responsible_person": person, "started_on": started,
                         "deadline": deadline, "stage": stage, "updated_on": min(day, HISTORY_END)})
    return pd.DataFrame(rows, columns=list(TABLES["site_tasks"]))


# ---------------------------------------------------------------------------------------------
# Designated institutions and their pairing with townships
# ---------------------------------------------------------------------------------------------
# (name, kind, ownership, serves children, township name, designated in 2024).
# Names from the seeds where they give one; the others are invented.
INSTITUTIONS = [
    ("包头市儿童福利院", "custodial_care", "public", True, "赛汗街道", True),
    ("包头市第四医院", "hospital", "public", True, "青山路街道", True),
    ("包头市残疾人康复中心", "rehab_center", "public", True, "阿尔丁大街街道", False),
    ("九原区星雨露儿童康复中心", "children_rehab", "private", True, "沙河街道", False),
    ("土默特右旗残疾儿童康复中心", "children_rehab", "public", True, "萨拉齐镇", True),
    ("天使家园儿童康复中心", "children_rehab", "private", True, "友谊大街街道", False),
    ("阳光星雨儿童康复中心", "children_rehab", "private", True, "南门外街道", False),
    ("包头市聆声听力言语康复中心", "children_rehab", "private", True, "富强路街道", False),
    ("稀土高新区启智儿童发展中心", "children_rehab", "private", True, "稀土路街道", False),
    ("北方医院", "hospital", "public", False, "先锋道街道", False),
    ("包头市中心医院", "hospital", "public", False, "财神庙街道", False),
    ("包头市残疾人评定中心", "assessment", "public", False, "少先路街道", False),
    ("包头市精神残疾评定站", "assessment", "public", False, "幸福路街道", False),
    ("包头市康复医院", "hospital", "public", True, "科学路街道", False),
    ("包头市仁爱康复医院", "hospital", "private", False, "萨如拉街道", False),
    ("包头市颐和托养中心", "custodial_care", "private", False, "河东镇", False),
    ("固阳县残疾人托养康复中心", "custodial_care", "public", False, "金山镇", False),
    ("达茂旗残疾人康复中心", "rehab_center", "public", False, "百灵庙镇", False),
    ("石拐区残疾人康复服务中心", "rehab_center", "public", False, "石拐街道", False),
    ("包头市妇幼保健院", "hospital", "public", True, "团结大街街道", False),
    # 源汇区: 10 designated institutions, 2 of them assessment and 1 custodial care.
    ("源汇区人民医院", "hospital", "public", True, "老街街道", False),
    ("漯河市残疾人评定中心", "assessment", "public", False, "马路街街道", False),
    ("源汇区精神残疾评定站", "assessment", "public", False, "顺河街街道", False),
    ("源汇区残疾人托养中心", "custodial_care", "public", False, "大刘镇", False),
    ("源汇区妇幼保健院", "hospital", "public", True, "顺河街街道", False),
    ("柳江医院", "hospital", "private", False, "马路街街道", False),
    ("万安医院", "hospital", "private", False, "干河陈街道", False),
    ("馨灿儿童能力发展中心", "children_rehab", "private", True, "样例街道（示例单元）", False),
    ("源汇区中医院", "hospital", "public", False, "老街街道", False),
    ("漯河市残疾人康复中心", "rehab_center", "public", True, "阴阳赵镇", False),
]


def build_institutions(regions: pd.DataFrame) -> pd.DataFrame:
    rng = rng_for("institutions")
    townships = regions[regions["level"] == "township"].set_index("name")
    assert townships.index.is_unique
    rows = []
    for name, kind, ownership, children, township_name, new_2024 in INSTITUTIONS:
        township = townships.loc[township_name]
        lon, lat = point_near(township["lon"], township["lat"], rng, 0.2, 1.0, within=township["region_code"])
        rows.append({"name": name, "kind": kind, "ownership": ownership,
                     "region_code": township["region_code"], "lon": lon, "lat": lat,
                     "serves_children": children, "designated_2024": new_2024})
    frame = pd.DataFrame(rows).sort_values("region_code", key=lambda s: s.str[:6], kind="stable",
                                           ignore_index=True)
    return with_ids(frame, "institution_id", "I", frame["region_code"])


def build_pairings(regions: pd.DataFrame, institutions: pd.DataFrame) -> pd.DataFrame:
    rng = rng_for("pairings")
    rows = []
    # Baotou: each institution guides 1-4 townships, mostly in its own district.
    baotou_townships = townships_in(regions, "baotou")["region_code"].to_numpy()
    for inst in institutions[institutions["region_code"].str.startswith("1502")].itertuples():
        weights = np.where(pd.Series(baotou_townships).str[:6] == inst.region_code[:6], 6.0, 1.0)
        chosen = rng.choice(baotou_townships, size=int(rng.integers(1, 5)), replace=False,
                            p=weights / weights.sum())
        first = dt.date(2024, 3, 1) if inst.designated_2024 else dt.date(2023, 1, 1)
        last = dt.date(2024, 9, 30) if inst.designated_2024 else dt.date(2024, 6, 30)
        rows += [{"institution_id": inst.institution_id, "township_code": code,
                  "since": random_date(rng, first, last)} for code in sorted(chosen)]

    # Yuanhui: 10 institutions x 9 townships, every township and every institution paired.
    townships = rng.permutation(townships_in(regions, "yuanhui")["region_code"].to_numpy())
    yuanhui = institutions[institutions["region_code"].str.startswith("411102")]["institution_id"].to_numpy()
    pairs = {(inst, townships[i % len(townships)]) for i, inst in enumerate(yuanhui)}
    while len(pairs) < len(yuanhui) + 5:  # a few institutions guide a second township
        pairs.add((rng.choice(yuanhui), rng.choice(townships)))
    rows += [{"institution_id": inst, "township_code": code,
              "since": random_date(rng, dt.date(2024, 9, 1), dt.date(2025, 3, 31))}
             for inst, code in sorted(pairs)]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Keeping the designated institutions good (包头): 双回访, 考核 and 抽查, the children's rehab
# alliance and its outcomes, the services added
# ---------------------------------------------------------------------------------------------
ALLIANCE = ("A-150200-0001", "包头市儿童康复联合体", dt.date(2024, 4, 18),
            ("天使家园儿童康复中心", "阳光星雨儿童康复中心"))
# (year, institution or the alliance, children in training, moved on to kindergarten, to primary school):
# the seed's 80 % is the alliance's 2024 (48 of 60); its members' own rows add up to it.
OUTCOMES = (
    (2023, "天使家园儿童康复中心", 30, 11, 7),
    (2023, "阳光星雨儿童康复中心", 22, 8, 5),
    (2024, "天使家园儿童康复中心", 35, 17, 11),
    (2024, "阳光星雨儿童康复中心", 25, 13, 7),
    (2024, ALLIANCE[0], 60, 30, 18),
)
# The capacity added (the seed's four of 2024, and one of 2023).
SERVICES_ADDED = (
    ("包头市儿童福利院", "designated", 2024),
    ("包头市第四医院", "designated", 2024),
    ("九原区星雨露儿童康复中心", "intellectual_rehab", 2024),
    ("土默特右旗残疾儿童康复中心", "centre_built", 2024),
    ("包头市聆声听力言语康复中心", "hearing_speech_rehab", 2023),
)
# Assessments that went wrong, so the page and the dispatch list have something to say:
# (institution, year, round) → score. 聆声 failed its 2024 mid-year and recovered by the year end;
# 启智 failed its 2025 mid-year and has not put its findings right.
FAILED = {("包头市聆声听力言语康复中心", 2024, "mid_year"): 56.0,
          ("稀土高新区启智儿童发展中心", 2025, "mid_year"): 54.5}
STILL_OPEN = ("稀土高新区启智儿童发展中心", 2025, "mid_year")  # 2 of its findings put right, the rest open
# Follow-up problems left unsolved: (institution, month) → problems still open.
UNSOLVED = {("稀土高新区启智儿童发展中心", dt.date(2025, 5, 1)): 2,
            ("包头市第四医院", dt.date(2025, 8, 1)): 1}


def _grade(score: float) -> str:
    return "excellent" if score >= 90 else "good" if score >= 80 else "pass" if score >= 60 else "fail"


def _children_institutions(institutions: pd.DataFrame) -> pd.DataFrame:
    """包头's designated institutions serving children: the ones 双回访 and assessments cover."""
    return institutions[institutions["serves_children"] & institutions["region_code"].str.startswith("1502")]


def build_follow_ups(institutions: pd.DataFrame) -> pd.DataFrame:
    """Monthly 双回访 of every children's institution of 包头 from its designation on: the parents
    (most reached, most of those satisfied) and the institution itself (one call)."""
    rng = rng_for("follow_ups")
    rows = []
    for inst in _children_institutions(institutions).itertuples():
        first = dt.date(2024, 3, 1) if inst.designated_2024 else dt.date(2023, 1, 1)
        families = int(rng.integers(12, 45))
        month = first
        while month <= LAST_MONTH:
            planned = max(1, families + int(rng.integers(-4, 5)))
            reached = planned - int(rng.binomial(planned, 0.06))
            satisfied = reached - int(rng.binomial(reached, 0.05))
            open_problems = UNSOLVED.get((inst.name, month), 0)
            raised = max(int(rng.poisson(1.2)), open_problems)
            rows.append({"period": month, "institution_id": inst.institution_id, "kind": "parents",
                         "planned": planned, "reached": reached, "satisfied": satisfied,
                         "problems_raised": raised, "problems_solved": raised - open_problems})
            asked = int(rng.poisson(0.4))
            rows.append({"period": month, "institution_id": inst.institution_id, "kind": "institution",
                         "planned": 1, "reached": 1, "satisfied": 1, "problems_raised": asked,
                         "problems_solved": asked})
            month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return pd.DataFrame(rows, columns=list(TABLES["follow_ups"]))


def build_assessments(institutions: pd.DataFrame) -> pd.DataFrame:
    """年中 (July) and 年末 (December) assessments of every children's institution of 包头, and a
    spot check (抽查) of a few each year; findings put right within weeks, except a failed one's."""
    rng = rng_for("assessments")
    rows = []
    for inst in _children_institutions(institutions).itertuples():
        level = float(rng.uniform(78, 93))
        for year in YEARS:
            rounds = [("mid_year", dt.date(year, 7, int(rng.integers(8, 25))))]
            if year < 2025:
                rounds.append(("year_end", dt.date(year, 12, int(rng.integers(8, 20)))))
            if rng.random() < 0.35:
                rounds.append(("spot_check", random_date(rng, dt.date(year, 3, 1), dt.date(year, 6, 20))))
            for round_, day in sorted(rounds, key=lambda r: r[1]):
                if inst.designated_2024 and day < dt.date(2024, 3, 1):
                    continue
                score = FAILED.get((inst.name, year, round_))
                score = round(min(99.0, level + float(rng.normal(0, 3))), 1) if score is None else score
                findings = int(rng.integers(0, 4)) + (5 if score < 60 else 0)
                fixed = 2 if (inst.name, year, round_) == STILL_OPEN else findings
                fixed_on = day + dt.timedelta(days=int(rng.integers(10, 40))) if fixed else None
                rows.append({"year": year, "round": round_, "institution_id": inst.institution_id,
                             "assessed_on": day, "score": score, "grade": _grade(score), "findings": findings,
                             "findings_fixed": fixed, "fixed_on": fixed_on})
            level = min(96.0, level + float(rng.uniform(0, 2)))
    return pd.DataFrame(rows, columns=list(TABLES["assessments"]))


def build_alliances(institutions: pd.DataFrame) -> pd.DataFrame:
    alliance_id, name, founded, members = ALLIANCE
    ids = dict(zip(institutions["name"], institutions["institution_id"]))
    return pd.DataFrame([{"alliance_id": alliance_id, "name": name, "institution_id": ids[m], "founded_on": founded}
                         for m in members], columns=list(TABLES["alliances"]))


def build_outcomes(institutions: pd.DataFrame) -> pd.DataFrame:
    ids = dict(zip(institutions["name"], institutions["institution_id"]))
    return pd.DataFrame([{"year": y, "unit_id": ids.get(u, u), "in_training": n, "to_kindergarten": k,
                          "to_primary": p} for y, u, n, k, p in OUTCOMES], columns=list(TABLES["outcomes"]))


def build_services_added(institutions: pd.DataFrame) -> pd.DataFrame:
    ids = dict(zip(institutions["name"], institutions["institution_id"]))
    return pd.DataFrame([{"institution_id": ids[n], "service": s, "year": y} for n, s, y in SERVICES_ADDED],
                        columns=list(TABLES["services_added"]))


def assessments_as_of(assessments: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The assessments made by `as_of`; findings put right after it are still open then."""
    frame = assessments[assessments["assessed_on"] <= as_of].copy()
    later = [d is not None and d > as_of for d in frame["fixed_on"]]
    frame.loc[later, "findings_fixed"] = 0
    frame["fixed_on"] = [None if late else d for d, late in zip(frame["fixed_on"], later)]
    return frame


# ---------------------------------------------------------------------------------------------
# Monthly facts: services, devices, activities (township level)
# ---------------------------------------------------------------------------------------------

def monthly_counts(total: int, year: int, township_weights: np.ndarray, category_weights: np.ndarray,
                   rng) -> np.ndarray:
    """Split a year's total over months x townships x categories (seasonal, local, by type)."""
    months = MONTH_WEIGHTS[[m - 1 for m in months_of(year)]]
    weights = months[:, None, None] * township_weights[None, :, None] * category_weights[None, None, :]
    return split_total(total, weights, rng)


def grid_frame(counts: dict[str, np.ndarray], year: int, region_codes, categories,
               category_column: str) -> pd.DataFrame:
    """Long rows for arrays shaped months x regions x categories."""
    index = pd.MultiIndex.from_product(
        [[dt.date(year, m, 1) for m in months_of(year)], list(region_codes), list(categories)],
        names=["period", "region_code", category_column])
    return pd.DataFrame({name: values.ravel() for name, values in counts.items()}, index=index).reset_index()


def served_and_need(plan: dict, category_weights: dict, categories, value: str, need: str,
                    category_column: str, regions: pd.DataFrame, weights: pd.Series,
                    part: str) -> pd.DataFrame:
    """Dense monthly rows with value <= need on every row; the gap falls where the work is."""
    rng = rng_for(part)
    frames = []
    for (area, year), (done, needed) in plan.items():
        codes = townships_in(regions, area)["region_code"]
        category = weights_of(category_weights, categories)
        served = monthly_counts(done, year, weights.loc[codes].to_numpy(), category, rng)
        gap = split_total(needed - done, served + 1e-9, rng)
        counts = {need: served + gap, value: served}
        frames.append(grid_frame(counts, year, codes, categories, category_column))
    return pd.concat(frames, ignore_index=True).sort_values(["period", "region_code"], kind="stable",
                                                            ignore_index=True)


def build_activities(regions: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    rng = rng_for("activities")
    frames = []
    for kind, plan in ACTIVITY_PLAN.items():
        for (area, year), total in plan.items():
            codes = townships_in(regions, area, ACTIVITY_DISTRICTS.get(kind))["region_code"]
            counts = monthly_counts(total, year, weights.loc[codes].to_numpy(), np.ones(1), rng)
            frames.append(grid_frame({"count": counts}, year, codes, [kind], "kind"))
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[frame["count"] > 0]  # sparse: a month with no such activity has no row
    return frame.sort_values(["period", "region_code", "kind"], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Child rehab assistance: drawn child by child, then summed
# ---------------------------------------------------------------------------------------------

INSTITUTION_KIND_WEIGHTS = {"children_rehab": 4.0, "rehab_center": 2.5, "hospital": 1.0,
                            "custodial_care": 1.0, "assessment": 0.0}


def child_rows(area: str, year: int, plan: tuple, regions, weights, institutions, rng) -> pd.DataFrame:
    aided, applicants, early, funds = plan
    townships = townships_in(regions, area)["region_code"].to_numpy()
    months = months_of(year)

    def draw(choices, weights_):
        weights_ = np.asarray(weights_, dtype=float)
        return rng.choice(choices, size=applicants, p=weights_ / weights_.sum())

    children = pd.DataFrame({
        "month": draw(months, MONTH_WEIGHTS[[m - 1 for m in months]]),
        "region_code": draw(townships, weights.loc[townships]),
        "disability_type": draw(DISABILITY_TYPES, weights_of(CHILD_TYPE_WEIGHTS, DISABILITY_TYPES)),
        "age_band": draw(AGE_BANDS, weights_of(AGE_BAND_WEIGHTS, AGE_BANDS)),
    })
    # Children go to designated institutions serving children, mostly in their own district;
    # those designated in 2024 take children from 2024 on.
    eligible = institutions[institutions["serves_children"]
                            & institutions["region_code"].str.startswith(AREA_PREFIX[area])
                            & ~(institutions["designated_2024"] & (year < 2024))]
    kind_weight = eligible["kind"].map(INSTITUTION_KIND_WEIGHTS).to_numpy()

    def institution_for(township: str) -> str:
        weight = kind_weight * np.where(eligible["region_code"].str[:6] == township[:6], 4.0, 1.0)
        return str(rng.choice(eligible["institution_id"].to_numpy(), p=weight / weight.sum()))

    children["institution_id"] = [institution_for(code) for code in children["region_code"]]

    # The first `aided` applicants of the year were aided; the latest ones are pending or not eligible.
    children = children.sort_values("month", kind="stable", ignore_index=True)
    children["applicants"] = 1
    children["aided"] = (np.arange(applicants) < aided).astype(np.int64)
    small = np.flatnonzero(children["aided"].eq(1) & children["age_band"].isin(["0-3", "4-6"]))
    small_weights = np.where(children.loc[small, "age_band"] == "0-3", 3.0, 1.0)
    children["early_intervention"] = 0
    children.loc[rng.choice(small, size=early, replace=False, p=small_weights / small_weights.sum()),
                 "early_intervention"] = 1
    # Funds in hundreds of yuan; small children's full-year training costs more.
    band_cost = children["age_band"].map({"0-3": 1.2, "4-6": 1.15, "7-14": 0.8, "15-17": 0.6}).to_numpy()
    cost_weights = band_cost * rng.lognormal(0.0, 0.2, applicants) * children["aided"].to_numpy()
    children["funds_yuan"] = split_total(funds // 100, cost_weights, rng) * 100.0

    children["period"] = [dt.date(year, int(m), 1) for m in children["month"]]
    keys = ["period", "region_code", "institution_id", "disability_type", "age_band"]
    counts = ["applicants", "aided", "early_intervention", "funds_yuan"]
    return children.groupby(keys, as_index=False)[counts].sum()


def build_child_rehab(regions, weights, institutions) -> pd.DataFrame:
    rng = rng_for("child_rehab")
    frames = [child_rows(area, year, plan, regions, weights, institutions, rng)
              for (area, year), plan in CHILD_PLAN.items()]
    return pd.concat(frames, ignore_index=True).sort_values(
        ["period", "region_code", "institution_id", "disability_type", "age_band"], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Funding: year x region x source x programme
# ---------------------------------------------------------------------------------------------

# Lines paid from the city's purse only (earmarked transfers, the charity cataract campaign).
CITY_ONLY = {("child_rehab", "higher_level"), ("child_rehab", "supplementary"),
             ("cataract_surgery", "social"), ("other", "social")}


def funding_regions(area: str, program: str, source: str, regions: pd.DataFrame,
                    rng) -> tuple[list[str], np.ndarray]:
    """The region rows a line splits over, with weights: Baotou city + districts; Yuanhui itself."""
    if area == "yuanhui":
        return [YUANHUI], np.ones(1)
    if (program, source) in CITY_ONLY:
        return [BAOTOU], np.ones(1)
    districts = regions[(regions["level"] == "district") & regions["region_code"].str.startswith("1502")]
    if program == "mental_health":
        districts = districts[districts["region_code"].str[:6].isin(ACTIVITY_DISTRICTS["mental_medication"])]
    district_weights = districts["registered_disabled"].to_numpy() * rng.lognormal(0, 0.2, len(districts))
    city_share = 0.5 if program == "child_rehab" else 0.4
    weights = np.concatenate([[city_share], (1 - city_share) * district_weights / district_weights.sum()])
    return [BAOTOU] + list(districts["region_code"]), weights


def build_funding(regions: pd.DataFrame) -> pd.DataFrame:
    """Full-year allocated and spent; spend_power shapes how spending builds up during the year."""
    rng = rng_for("funding")
    rows = []
    for (area, year), (fixed, lines) in FUNDING_PLAN.items():
        for (program, source), yuan in lines.items():
            codes, weights = funding_regions(area, program, source, regions, rng)
            for code, hundreds in zip(codes, split_total(yuan // 100, weights, rng)):
                amount = int(hundreds) * 100
                earmarked = source in ("higher_level", "supplementary")
                if fixed == "spent":  # allocated a little more than spent, except earmarked transfers
                    spent = amount
                    allocated = amount if earmarked else amount + round(amount * rng.uniform(0.005, 0.05), -2)
                else:
                    allocated = amount
                    spent = round(amount * rng.uniform(0.9, 1.0), -2)
                rows.append({"year": year, "region_code": code, "source": source, "program": program,
                             "allocated_yuan": float(allocated), "spent_yuan": float(spent),
                             "spend_power": rng.uniform(0.9, 1.5)})
    return pd.DataFrame(rows).sort_values(["year", "region_code", "source", "program"], ignore_index=True)


def funding_as_of(history: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Years up to as_of's; the current year shows what was spent by as_of (spending lags the calendar)."""
    rows = history[history["year"] <= as_of.year].copy()
    current = rows["year"] == as_of.year
    share = year_share(as_of) ** rows.loc[current, "spend_power"]
    rows.loc[current, "spent_yuan"] = (rows.loc[current, "spent_yuan"] * share / 100).round() * 100
    return rows


def build_programs() -> pd.DataFrame:
    rows = [{"year": year, "region_code": district.ljust(12, "0"), "kind": kind, "measure": measure,
             "count": count}
            for year, plan in PROGRAM_PLAN.items() for (district, kind, measure), count in plan.items()]
    return pd.DataFrame(rows).sort_values(["year", "region_code", "kind", "measure"], ignore_index=True)


def programs_as_of(history: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Years up to as_of's; the current year counts the persons and sessions reached by as_of (bases
    stand all year). The history's 2025 ends with August."""
    rows = history[history["year"] <= as_of.year].copy()
    current = (rows["year"] == as_of.year) & (rows["measure"] != "bases")
    end = HISTORY_END if as_of.year == HISTORY_END.year else dt.date(as_of.year, 12, 31)
    share = min(year_share(as_of) / year_share(end), 1.0)
    rows.loc[current, "count"] = (rows.loc[current, "count"] * share).round().astype(int)
    return rows


# ---------------------------------------------------------------------------------------------
# Assistive-device stations, their stock and loans of shared devices
# ---------------------------------------------------------------------------------------------

def station(name, kind, place, opened_on, rng) -> dict:
    lon, lat = point_near(place.lon, place.lat, rng, 0.05, 0.3, within=place.region_code)
    return {"name": name, "kind": kind, "region_code": place.region_code, "lon": lon, "lat": lat,
            "opened_on": opened_on}


def build_device_stations(regions: pd.DataFrame) -> pd.DataFrame:
    """Baotou: 106 points by the end of 2024 (10 fitting centres, 12 rental points of the 青山区 pilot,
    84 community stations), a few more in 2025. Yuanhui: a fitting centre and five stations."""
    rng = rng_for("device_stations")
    township_names = regions.set_index("region_code")["name"]
    villages = regions[regions["level"] == "village"]
    rows = []
    for district in regions[regions["level"] == "district"].itertuples():
        # The fitting centre sits in the township nearest the district seat.
        own = regions[(regions["level"] == "township") & (regions["parent_code"] == district.region_code)]
        distance = (own["lon"] - district.lon) ** 2 + (own["lat"] - district.lat) ** 2
        nearest = own.iloc[int(np.argmin(distance))]
        rows.append(station(f"{short_name(district.region_code)}辅助器具适配中心", "fitting_center", nearest,
                            random_date(rng, dt.date(2016, 5, 1), dt.date(2022, 10, 31)), rng))

    def pick(candidates: pd.DataFrame, count: int) -> list:
        chosen = candidates.sample(n=count, weights="registered_disabled", random_state=rng)
        return list(chosen.sort_values("region_code").itertuples())

    def village_label(village) -> str:  # village names repeat across townships; stations' must not
        return township_names[village.parent_code] + village.name

    used: set[str] = set()
    communities = villages[villages["name"].str.endswith("社区")]
    qingshan = communities[communities["region_code"].str.startswith("150204")]
    for village in pick(qingshan, 12):
        used.add(village.region_code)
        rows.append(station(f"{village_label(village)}辅具租赁点", "rental_point", village,
                            random_date(rng, dt.date(2024, 2, 20), dt.date(2024, 3, 15)), rng))
    for district in ("150202", "150203", "150207"):  # the pilot spreads in 2025
        for village in pick(communities[communities["region_code"].str.startswith(district)], 1):
            used.add(village.region_code)
            rows.append(station(f"{village_label(village)}辅具租赁点", "rental_point", village,
                                random_date(rng, dt.date(2025, 3, 1), dt.date(2025, 5, 31)), rng))
    baotou = villages[villages["region_code"].str.startswith("1502") & ~villages["region_code"].isin(used)]
    openings = ([random_date(rng, dt.date(2023, 4, 1), dt.date(2023, 12, 20)) for _ in range(20)]
                + [random_date(rng, dt.date(2024, 1, 10), dt.date(2024, 12, 20)) for _ in range(64)]
                + [random_date(rng, dt.date(2025, 2, 1), dt.date(2025, 7, 31)) for _ in range(4)])
    for village, opened_on in zip(pick(baotou, len(openings)), rng.permutation(openings)):
        rows.append(station(f"{village_label(village)}辅具服务站", "community_station", village,
                            opened_on, rng))
    yuanhui = villages[villages["region_code"].str.startswith("411102")]
    for village, year in zip(pick(yuanhui, 5), (2023, 2023, 2024, 2024, 2025)):
        rows.append(station(f"{village_label(village)}辅具服务站", "community_station", village,
                            random_date(rng, dt.date(year, 2, 1), dt.date(year, 7, 31)), rng))

    frame = pd.DataFrame(rows)
    frame = frame.sort_values(["opened_on", "region_code"], ignore_index=True).sort_values(
        "region_code", key=lambda s: s.str[:6], kind="stable", ignore_index=True)
    return with_ids(frame, "station_id", "S", frame["region_code"])


# Opening stock per station kind, from the budget: device type -> (min, max) pieces.
OPENING_STOCK = {
    "fitting_center": {"wheelchair": (8, 20), "walking_aid": (6, 15), "hearing_aid": (2, 8),
                       "daily_living": (4, 10), "other": (2, 6)},
    "rental_point": {"wheelchair": (6, 12), "walking_aid": (4, 10), "daily_living": (2, 6)},
    "community_station": {"wheelchair": (2, 5), "walking_aid": (2, 6), "daily_living": (0, 3)},
}


def build_device_stock(stations: pd.DataFrame) -> pd.DataFrame:
    rng = rng_for("device_stock")
    rows = []
    for st in stations.itertuples():
        for device, (low, high) in OPENING_STOCK[st.kind].items():
            quantity = int(rng.integers(low, high + 1))
            if quantity:
                rows.append({"station_id": st.station_id, "device_type": device, "source": "budget",
                             "placed_on": st.opened_on, "quantity": quantity})
    # 2024: 212 wheelchairs from the autonomous region, shared out to Baotou community stations.
    batch = dt.date(2024, 9, 20)
    eligible = stations[(stations["kind"] == "community_station")
                        & stations["region_code"].str.startswith("1502")
                        & (stations["opened_on"] <= batch)]
    receivers = eligible.sample(n=min(60, len(eligible)), random_state=rng).sort_values("station_id")
    quantities = 2 + split_total(WHEELCHAIRS_2024 - 2 * len(receivers), np.ones(len(receivers)), rng)
    for st, quantity in zip(receivers.itertuples(), quantities):
        placed_on = batch + dt.timedelta(days=int(rng.integers(0, 41)))  # delivered in batches
        rows.append({"station_id": st.station_id, "device_type": "wheelchair", "source": "higher_level",
                     "placed_on": placed_on, "quantity": int(quantity)})
    return pd.DataFrame(rows).sort_values(["placed_on", "station_id", "device_type"], ignore_index=True)


def loans_at(station_row, count: int, first: dt.date, last: dt.date, rng) -> list[dict]:
    """`count` loans between first and last, more as word gets round; 30/60/90-day terms;
    most come back on time, some late, a few not at all."""
    first = max(first, station_row.opened_on + dt.timedelta(days=3))
    days = np.arange((last - first).days + 1)
    ramp = np.linspace(1.0, 1.8, len(days))
    loans = []
    for offset in np.sort(rng.choice(days, size=count, p=ramp / ramp.sum())):
        lent_on = first + dt.timedelta(days=int(offset))
        term = int(rng.choice([30, 60, 90], p=[0.5, 0.3, 0.2]))
        due_on = lent_on + dt.timedelta(days=term)
        outcome = rng.random()
        if outcome < 0.87:
            returned_on = lent_on + dt.timedelta(days=int(rng.integers(5, term + 1)))
        elif outcome < 0.97:
            returned_on = due_on + dt.timedelta(days=int(rng.integers(3, 46)))
        else:
            returned_on = None
        device = rng.choice(list(LOAN_DEVICE_WEIGHTS), p=list(LOAN_DEVICE_WEIGHTS.values()))
        loans.append({"station_id": station_row.station_id, "device_type": str(device), "lent_on": lent_on,
                      "due_on": due_on, "returned_on": returned_on})
    return loans


def build_device_loans(stations: pd.DataFrame) -> pd.DataFrame:
    """The 青山区 rental pilot from March 2024 (418 loans that year); the new points from 2025."""
    rng = rng_for("device_loans")
    rental = stations[stations["kind"] == "rental_point"]
    pilot = rental[rental["region_code"].str.startswith("150204")]
    later = rental[~rental["region_code"].str.startswith("150204")]
    rows = []
    for points, year, total in ((pilot, 2024, QINGSHAN_LOANS_2024), (pilot, 2025, 376), (later, 2025, 88)):
        popularity = rng.lognormal(0.0, 0.4, len(points))
        for point, count in zip(points.itertuples(), split_total(total, popularity, rng)):
            last = min(dt.date(year, 12, 31), HISTORY_END)
            rows += loans_at(point, int(count), dt.date(year, 1, 1), last, rng)
    frame = pd.DataFrame(rows).sort_values(["lent_on", "station_id"], ignore_index=True)
    frame = frame.sort_values("station_id", key=lambda s: s.str[2:8], kind="stable", ignore_index=True)
    return with_borrowers(with_ids(frame, "loan_id", "L", frame["station_id"].str[2:8], width=5))


CARELESS_SHARE = 0.06  # borrowers who bring devices back late (or lose them) far more often than others
LOST_AFTER_DAYS = 60  # a device still out this long after its due date is written off as lost


def borrower_ref(district: str, number: int) -> str:
    """A pseudonymous reference as a station's register gives it: JY + the district's code + a number."""
    return f"JY{district[2:6]}-{number:04d}"


def with_borrowers(loans: pd.DataFrame) -> pd.DataFrame:
    """Who borrowed each loan (信用积分, 包头): a district's regulars borrow again and again; late and
    lost devices go mostly to a few careless borrowers, who fall below the credit threshold and are then
    refused (a refused request is a row of its own, lending nothing). A device never returned is lost.
    Draws from a generator of its own, so the loans themselves (418 in 2024 …) stay as they were."""
    rng = rng_for("device_borrowers")
    rule = config.CreditRule()  # the documented defaults, whatever this machine's settings
    loans = loans.assign(borrower_ref="", loan_status=[None if r is not None else "lost"
                                                        for r in loans["returned_on"]])
    refusals = []
    for district, rows in loans.groupby(loans["station_id"].str[2:8], sort=True):
        careless: list[str] = []
        regulars: list[str] = []
        for index in rows.sort_values(["lent_on", "loan_id"]).index:
            loan = loans.loc[index]
            bad = loan["returned_on"] is None or loan["returned_on"] > loan["due_on"]
            pool = careless if bad and careless and rng.random() < 0.7 else regulars
            if pool and rng.random() < 0.75:
                chosen = pool[int(rng.integers(len(pool)))]
            else:
                chosen = borrower_ref(district, len(careless) + len(regulars) + len(refusals) + 1)
                (careless if rng.random() < CARELESS_SHARE or bad and rng.random() < 0.3 else regulars).append(chosen)
            known = loans[loans["borrower_ref"] == chosen]
            if len(known) and credit.refused(int(credit.credit_scores(known, loan["lent_on"], rule).iloc[0]), rule):
                refusals.append({**loan.to_dict(), "loan_id": f"{loan['loan_id']}R", "borrower_ref": chosen,
                                 "due_on": loan["lent_on"] + dt.timedelta(days=30), "returned_on": None,
                                 "loan_status": "refused"})
                careless.remove(chosen) if chosen in careless else regulars.remove(chosen)  # told; stays away
                chosen = borrower_ref(district, len(careless) + len(regulars) + len(refusals) + 1)  # lent to someone new
                regulars.append(chosen)
            loans.loc[index, "borrower_ref"] = chosen
    return pd.concat([loans, pd.DataFrame(refusals)], ignore_index=True).sort_values("loan_id", ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Annual targets per district
# ---------------------------------------------------------------------------------------------

def yearly_by_district(frame: pd.DataFrame, column: str) -> pd.Series:
    """Sum of a monthly column per (year, district)."""
    keys = [frame["period"].map(lambda d: d.year), frame["region_code"].map(district_of)]
    return frame.groupby(keys)[column].sum()


def build_targets(regions, facilities, services, devices, children, activities) -> pd.DataFrame:
    """Counts: the area's task (TARGET_PLAN) split over districts in proportion to what each one
    does, give or take 15 %, so some districts lead and some lag. Facilities: the network size
    (built stations or rooms) planned for the year's end."""
    rng = rng_for("targets")
    actuals = {
        "precise_rehab_served": yearly_by_district(services, "served_count"),
        "devices_fitted": yearly_by_district(devices, "fitted_count"),
        "children_aided": yearly_by_district(children, "aided"),
        "cataract_surgery": yearly_by_district(activities[activities["kind"] == "cataract_surgery"], "count"),
    }
    due = pd.Series([due_year(d, p) for d, p in zip(facilities["opened_on"], facilities["planned_year"])])
    rows = []
    for area in AREA_PREFIX:
        districts = regions.loc[(regions["level"] == "district")
                                & regions["region_code"].str.startswith(AREA_PREFIX[area]),
                                "region_code"].tolist()
        for year in YEARS:
            for indicator in INDICATORS:
                if indicator in actuals:
                    actual = np.array([actuals[indicator].get((year, d), 0) for d in districts], dtype=float)
                    task = TARGET_PLAN[(area, year)][indicator]
                    effort = rng.uniform(0.85, 1.15, len(districts))
                    values = proportional_split(task, (actual + 1) * effort, minimum=1)
                else:
                    tier = "village_room" if indicator == "village_rooms_built" else "township_station"
                    planned = facilities[(facilities["tier"] == tier) & (due <= year)]
                    values = [int((planned["region_code"].map(district_of) == d).sum()) for d in districts]
                rows += [{"year": year, "region_code": d, "indicator": indicator, "target_value": int(v)}
                         for d, v in zip(districts, values)]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# History, snapshots, CLI
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _history() -> dict[str, pd.DataFrame]:
    """Every fact from January 2023 to August 2025, with the extra columns snapshots are cut by."""
    regions = build_regions()
    weights = township_weights(regions)
    facilities = build_facilities(regions)
    institutions = build_institutions(regions)
    services = served_and_need(SERVICE_PLAN, SERVICE_TYPE_WEIGHTS, DISABILITY_TYPES, "served_count",
                               "need_count", "disability_type", regions, weights, "rehab_services")
    devices = served_and_need(DEVICE_PLAN, DEVICE_TYPE_WEIGHTS, DEVICE_TYPES, "fitted_count",
                              "need_count", "device_type", regions, weights, "assistive_devices")
    children = build_child_rehab(regions, weights, institutions)
    activities = build_activities(regions, weights)
    stations = build_device_stations(regions)
    return {
        "regions": regions,
        "facilities": facilities,
        "institutions": institutions,
        "pairings": build_pairings(regions, institutions),
        "funding": build_funding(regions),
        "rehab_services": services,
        "child_rehab": children,
        "assistive_devices": devices,
        "device_stations": stations,
        "device_loans": build_device_loans(stations),
        "device_stock": build_device_stock(stations),
        "targets": build_targets(regions, facilities, services, devices, children, activities),
        "activities": activities,
        "programs": build_programs(),
        "site_tasks": build_site_tasks(facilities, regions),
        "follow_ups": build_follow_ups(institutions),
        "assessments": build_assessments(institutions),
        "alliances": build_alliances(institutions),
        "outcomes": build_outcomes(institutions),
        "services_added": build_services_added(institutions),
    }


# The reporting history (报送): every township reports each month's figures by the 5th of the next
# month (REHAB_REPORT_DEADLINE_DAY), except these, which were late in these months.
REPORTED_LATE = {
    ("150204008000", dt.date(2025, 3, 1)): 9,  # 乌素图街道
    ("150204008000", dt.date(2025, 6, 1)): 8,
    ("150223216000", dt.date(2024, 5, 1)): 11,  # 西河乡
    ("150223216000", dt.date(2024, 11, 1)): 7,
    ("150223216000", dt.date(2025, 7, 1)): 12,
    ("411102202000", dt.date(2025, 2, 1)): 10,  # 问十乡
}
SAMPLE_ACCOUNT = "sample"  # the account the sample's reports are recorded under


def build_reports(h: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One report per township, monthly table and month it has figures for, made on a working hour
    of the first days of the next month (later for REPORTED_LATE); the hour is drawn from the unit and
    the month alone, so a report reads the same in every snapshot that holds it."""
    institution_region = dict(zip(h["institutions"]["institution_id"], h["institutions"]["region_code"]))
    placed = {t: h[t] if "region_code" in h[t] else  # follow-ups count for their institution's township
              h[t].assign(region_code=h[t]["institution_id"].map(institution_region)) for t in MONTHLY_TABLES}
    reported = pd.concat([placed[t][["region_code", "period"]].drop_duplicates().assign(table_name=t)
                          for t in MONTHLY_TABLES], ignore_index=True)
    at = {}
    for code, month in reported[["region_code", "period"]].drop_duplicates().itertuples(index=False):
        draw = zlib.crc32(f"reports {code} {month.isoformat()}".encode())
        following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        day = REPORTED_LATE.get((code, month), 1 + draw % 5)
        at[(code, month)] = (f"{following.replace(day=day).isoformat()}"
                             f"T{9 + (draw >> 8) % 9:02d}:{(draw >> 16) % 60:02d}:00+08:00")
    reported["reported_at"] = [at[key] for key in zip(reported["region_code"], reported["period"])]
    reported = reported.rename(columns={"period": "month"}).assign(
        account=SAMPLE_ACCOUNT, correction=False, reason="")
    return reported.sort_values(["region_code", "table_name", "month"], ignore_index=True)


def conform(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Contract columns in contract order with contract types; dates stay python dates (or None)."""
    columns = SNAPSHOT_TABLES[table]
    out = pd.DataFrame(index=range(len(frame)))
    for name, kind in columns.items():
        values = frame[name].reset_index(drop=True)
        if kind == "str":
            out[name] = values.astype("str")
        elif kind == "int":
            out[name] = values.astype("Int64" if values.isna().any() else "int64")
        elif kind == "float":
            out[name] = values.astype("float64")
        elif kind == "bool":
            out[name] = values.astype(bool)
        else:
            out[name] = pd.Series([v if isinstance(v, dt.date) else None for v in values], dtype=object)
    return out


def build_tables(as_of: dt.date) -> dict[str, pd.DataFrame]:
    """All tables of the snapshot as of `as_of`, cut from the one history."""
    return cut_history(_history(), as_of)


def cut_history(h: dict[str, pd.DataFrame], as_of: dt.date) -> dict[str, pd.DataFrame]:
    """The snapshot of `as_of` cut from a history (also the province generator's)."""
    month = lambda frame: frame[frame["period"] <= as_of]  # noqa: E731
    loans = h["device_loans"][h["device_loans"]["lent_on"] <= as_of].copy()
    loans["returned_on"] = [r if r is not None and r <= as_of else None for r in loans["returned_on"]]
    # a device is written off as lost only once it is long overdue; before that it is just overdue
    written_off = loans["due_on"].map(lambda d: d + dt.timedelta(days=LOST_AFTER_DAYS) <= as_of)
    loans.loc[(loans["loan_status"] == "lost") & ~written_off, "loan_status"] = None
    tables = {
        "regions": h["regions"],
        "facilities": facilities_as_of(h["facilities"], as_of),
        "institutions": h["institutions"],
        "pairings": h["pairings"][h["pairings"]["since"] <= as_of],
        "funding": funding_as_of(h["funding"], as_of),
        "rehab_services": month(h["rehab_services"]),
        "child_rehab": month(h["child_rehab"]),
        "assistive_devices": month(h["assistive_devices"]),
        "device_stations": h["device_stations"][h["device_stations"]["opened_on"] <= as_of],
        "device_loans": loans,
        "device_stock": h["device_stock"][h["device_stock"]["placed_on"] <= as_of],
        "targets": h["targets"][h["targets"]["year"] <= as_of.year],
        "activities": month(h["activities"]),
        "programs": programs_as_of(h["programs"], as_of),
        # the province benchmark's history has no tasks: built from its facilities here
        "site_tasks": (tasks := h["site_tasks"] if "site_tasks" in h else
                       build_site_tasks(h["facilities"], h["regions"]))[tasks["updated_on"] <= as_of],
    }
    # the institutions' upkeep (包头's): none in the province benchmark's history
    kept = {table: h[table] if table in h else pd.DataFrame(columns=list(TABLES[table]))
            for table in ("follow_ups", "assessments", "alliances", "outcomes", "services_added")}
    tables["follow_ups"] = month(kept["follow_ups"])
    tables["assessments"] = assessments_as_of(kept["assessments"], as_of)
    tables["alliances"] = kept["alliances"][kept["alliances"]["founded_on"] <= as_of]
    # a year's outcomes are counted at its end
    counted = as_of.year if (as_of.month, as_of.day) == (12, 31) else as_of.year - 1
    tables["outcomes"] = kept["outcomes"][kept["outcomes"]["year"] <= counted]
    tables["services_added"] = kept["services_added"][kept["services_added"]["year"] <= as_of.year]
    tables["reports"] = build_reports(tables)  # the months the snapshot holds were all reported
    return {name: conform(name, tables[name]) for name in SNAPSHOT_TABLES}


def write_sample(data_dir: Path) -> list[Path]:
    """(Re)write the sample snapshots as versions 1, 2, … (one per SNAPSHOT_DATES, in date order);
    refuses to touch a data directory that holds any other version (imported data)."""
    root = snapshots_root(data_dir)
    existing = [s.path for s in list_snapshots(data_dir)]
    others = [p for p in existing if read_manifest(p).get("source") != "sample"]
    if others:
        raise FileExistsError(f"{others[0]} is not a sample snapshot; not replacing the sample")
    for path in existing:
        shutil.rmtree(path)
    paths = [write_snapshot(Path(data_dir), as_of, build_tables(as_of), source="sample")
             for as_of in SNAPSHOT_DATES]
    assert [p.name for p in paths] == [version_name(n) for n in range(1, len(paths) + 1)], root
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.sample",
                                     description="Write the sample snapshots (样例数据).")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="data directory (default: REHAB_DATA_DIR or the project's data/)")
    args = parser.parse_args(argv)
    for path in write_sample(args.data_dir or config.data_dir()):
        size = sum(f.stat().st_size for f in path.iterdir())
        print(f"{path}  {size / 1024:.0f} KiB")
    return 0


# ---------------------------------------------------------------------------------------------
# Reference data (see data/README.md): NBS 2023 division codes; seats converted to WGS-84.
# ---------------------------------------------------------------------------------------------

CITIES = [("150200", "包头市", 109.9478, 40.62), ("411100", "漯河市", 114.0106, 33.5824)]

# (code, name, short name for labels, seat lon, seat lat); 源汇区 is the only 漯河市 unit in the sample.
DISTRICTS = [
    ("150202", "东河区", "东河区", 110.0381, 40.575),
    ("150203", "昆都仑区", "昆都仑区", 109.832, 40.6414),
    ("150204", "青山区", "青山区", 109.896, 40.6422),
    ("150205", "石拐区", "石拐区", 110.0542, 40.6803),
    ("150206", "白云鄂博矿区", "白云鄂博矿区", 109.9679, 41.7677),
    ("150207", "九原区", "九原区", 109.9617, 40.6094),
    ("150221", "土默特右旗", "土默特右旗", 110.5184, 40.5683),
    ("150222", "固阳县", "固阳县", 110.0544, 41.0324),
    ("150223", "达尔罕茂明安联合旗", "达茂旗", 110.4263, 41.6969),
    ("150271", "包头稀土高新技术产业开发区", "稀土高新区", None, None),
    ("411102", "源汇区", "源汇区", 114.012, 33.5669),
]

# Township seats are approximate (see data/README.md).
TOWNSHIPS_CSV = """code12,name,lon,lat
411102001000,老街街道,114.038,33.579
411102002000,马路街街道,114.018,33.576
411102003000,顺河街街道,114.027,33.57
411102004000,干河陈街道,113.995,33.562
411102100000,大刘镇,113.895,33.592
411102101000,阴阳赵镇,113.925,33.553
411102102000,空冢郭镇,113.953,33.516
411102202000,问十乡,113.86,33.5
150202001000,和平路街道,110.036,40.583
150202002000,财神庙街道,110.043,40.59
150202003000,西脑包街道,110.026,40.591
150202004000,南门外街道,110.047,40.578
150202005000,南圪洞街道,110.031,40.575
150202006000,东站街道,110.056,40.568
150202007000,回民街道,110.037,40.597
150202008000,天骄街道,110.012,40.583
150202009000,河东街道,110.068,40.59
150202010000,铁西街道,110.02,40.568
150202011000,东兴街道,110.082,40.585
150202012000,杨圪塄街道,110.005,40.598
150202100000,河东镇,110.1,40.6
150202101000,沙尔沁镇,110.3,40.54
150203001000,少先路街道,109.826,40.655
150203003000,沼潭街道,109.8,40.668
150203004000,林荫路街道,109.822,40.668
150203005000,友谊大街街道,109.822,40.64
150203006000,阿尔丁大街街道,109.828,40.65
150203007000,团结大街街道,109.815,40.63
150203008000,鞍山道街道,109.812,40.66
150203009000,前进道街道,109.83,40.644
150203010000,市府东路街道,109.832,40.634
150203011000,白云路街道,109.808,40.648
150203012000,黄河西路街道,109.79,40.64
150203013000,昆工路街道,109.825,40.62
150203014000,昆北街道,109.825,40.69
150203100000,昆河镇,109.815,40.72
150203102000,卜尔汉图镇,109.76,40.75
150204001000,先锋道街道,109.885,40.657
150204002000,幸福路街道,109.9,40.65
150204003000,万青路街道,109.925,40.642
150204004000,富强路街道,109.893,40.648
150204005000,科学路街道,109.905,40.666
150204006000,青山路街道,109.915,40.658
150204007000,自由路街道,109.878,40.67
150204008000,乌素图街道,109.935,40.676
150204100000,青福镇,109.96,40.7
150204101000,兴胜镇,110.01,40.67
150205001000,石拐街道,110.268,40.672
150205002000,大发街道,110.29,40.73
150205003000,大磁街道,110.265,40.745
150205004000,五当沟街道,110.24,40.76
150205005000,白狐沟街道,110.31,40.745
150205006000,大德恒街道,110.3,40.715
150205101000,五当召镇,110.12,40.76
150205202000,吉忽伦图苏木,110.4,40.85
150206001000,矿山路街道,109.972,41.772
150206002000,通阳道街道,109.962,41.765
150207001000,沙河街道,109.968,40.6
150207002000,赛汗街道,109.95,40.625
150207003000,萨如拉街道,109.86,40.6
150207004000,白音席勒街道,110.0,40.63
150207103000,麻池镇,109.88,40.585
150207105000,哈林格尔镇,109.7,40.57
150207110000,哈业胡同镇,109.52,40.63
150207202000,阿嘎如泰苏木,109.62,40.68
150221104000,萨拉齐镇,110.515,40.565
150221105000,双龙镇,110.7,40.76
150221106000,美岱召镇,110.72,40.58
150221107000,沟门镇,110.6,40.68
150221108000,将军尧镇,110.76,40.45
150221213000,海子乡,110.45,40.43
150221214000,明沙淖乡,110.62,40.38
150221215000,苏波盖乡,110.36,40.5
150222102000,金山镇,110.055,41.03
150222103000,西斗铺镇,110.23,41.08
150222104000,下湿壕镇,109.93,41.16
150222105000,银号镇,110.22,40.93
150222106000,怀朔镇,109.85,41.05
150222107000,兴顺西镇,110.35,41.25
150223102000,满都拉镇,110.13,42.53
150223103000,希拉穆仁镇,111.2,41.35
150223104000,百灵庙镇,110.43,41.695
150223105000,石宝镇,110.65,41.48
150223106000,乌克忽洞镇,110.45,41.37
150223107000,明安镇,109.95,41.45
150223108000,巴音花镇,110.6,42.1
150223213000,达尔汗苏木,110.4,41.95
150223214000,查干哈达苏木,110.0,42.15
150223215000,巴音敖包苏木,109.6,42.0
150223216000,西河乡,111.0,41.45
150223217000,小文公乡,110.95,41.39
150271010000,稀土路街道,109.9,40.62
150271020000,民馨路街道,109.925,40.63
150271102000,万水泉镇,109.93,40.6
"""

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
