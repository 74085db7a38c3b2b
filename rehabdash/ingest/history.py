"""Snapshot management: every snapshot with its date, source, row counts and validity, and what
changed between two of them, by table and by district."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rehabdash.ingest import scope_rules
from rehabdash.ingest.publish import read_tables, row_keys
from rehabdash.kernel import memo
from rehabdash.kernel.contract import KEYS, SNAPSHOT_TABLES
from rehabdash.kernel.scope import district_of
from rehabdash.store.snapshots import Snapshot, newest_valid

STATION_TABLES = ("device_loans", "device_stock")  # placed through their station's region


# Snapshots are never changed once published: both results are kept per version folder (kernel.memo
# keys a Snapshot by its folder), shared by every admin's session and rerun.
_versions = memo.store(8)


@memo.by_inputs(into=_versions)
def snapshot_list(snapshots: list[Snapshot], scope: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per snapshot, newest first: as_of, source, created_at, valid, problem, is_default, rows
    per table (from the manifest; for an account's `scope`, its regions' rows, counted in the tables)."""
    default = newest_valid(snapshots)
    rows = []
    for snapshot in snapshots:
        files = snapshot.manifest.get("files", {})
        counts = {table: files.get(table, {}).get("rows") for table in SNAPSHOT_TABLES}
        if scope:
            mine = scope_rules.rows_within(read_tables(snapshot), scope) if snapshot.valid else {}
            counts = {table: len(mine[table]) if table in mine else None for table in SNAPSHOT_TABLES}
        rows.append({"as_of": snapshot.as_of, "source": snapshot.source,
                     "created_at": pd.to_datetime(snapshot.manifest.get("created_at"), errors="coerce"),
                     "valid": snapshot.valid, "problem": snapshot.problem or "",
                     "is_default": snapshot == default,
                     "total_rows": sum(c for c in counts.values() if c is not None), **counts})
    return pd.DataFrame(rows, columns=["as_of", "source", "created_at", "valid", "problem", "is_default",
                                       "total_rows", *SNAPSHOT_TABLES])


@dataclass(frozen=True)
class Comparison:
    by_table: pd.DataFrame  # table, rows_before, rows_after, added, removed, changed
    by_region: pd.DataFrame  # region_code (a district, or the city for city rows), region_name, table,
    #                          added, removed, changed


def _region_codes(table: str, frame: pd.DataFrame, station_regions: dict) -> pd.Series:
    if "region_code" in frame:
        return frame["region_code"]
    if "township_code" in frame:
        return frame["township_code"]
    if "facility_id" in frame:  # site_tasks: the facility's region (in the same lookup as stations)
        return frame["facility_id"].map(station_regions)
    if table in scope_rules.INSTITUTION_TABLES:  # the institution's region (an alliance's first member's)
        return frame[scope_rules.INSTITUTION_TABLES[table]].map(station_regions)
    return frame["station_id"].map(station_regions)


@memo.by_inputs(into=_versions)
def compare(older: Snapshot, newer: Snapshot, scope: tuple[str, ...] = ()) -> Comparison:
    """Rows added, removed and changed (same key, other values) from `older` to `newer`; for an
    account's `scope` (region codes), of the rows of those regions only."""
    before = scope_rules.rows_within(read_tables(older), scope)
    after = scope_rules.rows_within(read_tables(newer), scope)
    # Names and parents from the whole tree: a district's rows are placed by the regions above them.
    regions = pd.concat([read_tables(newer)["regions"], read_tables(older)["regions"]]).drop_duplicates(
        "region_code")
    parents = dict(zip(regions["region_code"], regions["parent_code"]))
    levels = dict(zip(regions["region_code"], regions["level"]))
    stations = pd.concat([after["device_stations"], before["device_stations"]])
    station_regions = dict(zip(stations["station_id"], stations["region_code"]))
    facilities = pd.concat([after["facilities"], before["facilities"]])
    station_regions.update(zip(facilities["facility_id"], facilities["region_code"]))
    units = scope_rules.unit_places(pd.concat([after["institutions"], before["institutions"]]),
                                    pd.concat([after["alliances"], before["alliances"]]))
    station_regions.update({unit: places[0][1] for unit, places in units.items() if places})
    totals, by_region = [], []
    for table in SNAPSHOT_TABLES:
        old, new = before[table], after[table]
        old_keys, new_keys = row_keys(old, KEYS[table]), row_keys(new, KEYS[table])
        at_old = pd.Index(old_keys).get_indexer(new_keys)  # each new row's old position, -1 if none
        kept = at_old >= 0
        changed = kept.copy()
        changed[kept] = row_keys(old, old.columns)[at_old[kept]] != row_keys(new, new.columns)[kept]
        still_there = np.zeros(len(old), dtype=bool)
        still_there[at_old[kept]] = True
        new_regions = _region_codes(table, new, station_regions).to_numpy()
        old_regions = _region_codes(table, old, station_regions).to_numpy()
        # One row per added, removed or changed row: its region and what happened to it.
        moved = pd.DataFrame({
            "region": np.concatenate([new_regions[~kept], old_regions[~still_there], new_regions[changed]]),
            "change": ["added"] * int((~kept).sum()) + ["removed"] * int((~still_there).sum())
                      + ["changed"] * int(changed.sum())})
        districts = {c: district_of(c, parents, levels) or c for c in moved["region"].dropna().unique()}
        moved["region_code"] = moved["region"].map(districts)  # once per region, not per row
        counts = moved["change"].value_counts()
        totals.append({"table": table, "rows_before": len(before[table]), "rows_after": len(after[table]),
                       **{k: int(counts.get(k, 0)) for k in ("added", "removed", "changed")}})
        if len(moved):
            grouped = moved.groupby(["region_code", "change"]).size().unstack(fill_value=0)
            for region, row in grouped.iterrows():
                by_region.append({"region_code": region, "table": table,
                                  **{k: int(row.get(k, 0)) for k in ("added", "removed", "changed")}})
    by_region = pd.DataFrame(by_region, columns=["region_code", "table", "added", "removed", "changed"])
    names = dict(zip(regions["region_code"], regions["name"]))
    by_region.insert(1, "region_name", by_region["region_code"].map(lambda c: names.get(c, c)))
    return Comparison(pd.DataFrame(totals), by_region)
