"""Snapshot management: every snapshot with its date, source, row counts and validity, and what
changed between two of them, by table and by district."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rehabdash.kernel import memo
from rehabdash.kernel.contract import KEYS, SNAPSHOT_TABLES
from rehabdash.kernel.scope import codes_within, district_of
from rehabdash.store import db
from rehabdash.store.snapshots import Snapshot, newest_valid

CHANGES = ("added", "removed", "changed")


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
            counts = _rows_within(snapshot, scope) if snapshot.valid else dict.fromkeys(SNAPSHOT_TABLES)
        rows.append({"as_of": snapshot.as_of, "source": snapshot.source,
                     "created_at": pd.to_datetime(snapshot.manifest.get("created_at"), errors="coerce"),
                     "valid": snapshot.valid, "problem": snapshot.problem or "",
                     "is_default": snapshot == default,
                     "total_rows": sum(c for c in counts.values() if c is not None), **counts})
    return pd.DataFrame(rows, columns=["as_of", "source", "created_at", "valid", "problem", "is_default",
                                       "total_rows", *SNAPSHOT_TABLES])


@memo.by_inputs(into=_versions)
def scope_regions(snapshot: Snapshot, scope: tuple[str, ...]) -> tuple[set[str], dict[str, str]]:
    """The region codes at or below `scope` in the snapshot, and every region's name (read from the
    region table alone, not the whole snapshot)."""
    places = _Places(db.run_pair("snapshot_places", snapshot, snapshot))
    return codes_within(places.parents, scope), places.names


def _rows_within(snapshot: Snapshot, scope: tuple[str, ...]) -> dict[str, int]:
    """Each table's rows of the snapshot that lie within `scope` (an account's regions), counted in DuckDB."""
    try:
        return {table: int(db.run("snapshot_rows", snapshot, allowed=scope, scope=scope, table=table,
                                  place=_place_column(table))["rows"].iloc[0]) for table in SNAPSHOT_TABLES}
    except db.NoAccess:  # the account's regions are not in this (older) version: none of its rows are
        return dict.fromkeys(SNAPSHOT_TABLES, 0)


@dataclass(frozen=True)
class Comparison:
    by_table: pd.DataFrame  # table, rows_before, rows_after, added, removed, changed
    by_region: pd.DataFrame  # region_code (a district, or the city for city rows), region_name, table,
    #                          added, removed, changed


def _place_column(table: str) -> str:
    """The column that places a row of `table`: its region, township, facility, device station, or
    designated institution (an outcome's unit: an institution or an alliance)."""
    columns = SNAPSHOT_TABLES[table]
    return next(c for c in ("region_code", "township_code", "facility_id", "station_id", "institution_id", "unit_id")
                if c in columns)


class _Places:
    """Where rows lie (queries/snapshot_places.sql): the region tree, and each facility's, device
    station's and institution's region (an alliance's: its first member's)."""

    def __init__(self, places: pd.DataFrame):
        def lookup(rows: pd.DataFrame, column: str) -> dict:
            return dict(zip(rows["code"].tolist(), rows[column].tolist()))  # lists: iterating Arrow text is slow
        regions = places[places["kind"] == "region"]
        self.parents, self.levels, self.names = (lookup(regions, c) for c in ("parent_code", "level", "name"))
        self.region_of = {kind: lookup(rows, "region_code")
                          for kind, rows in places[places["kind"] != "region"].groupby("kind")}

    def placed(self, counts: pd.DataFrame, column: str) -> pd.DataFrame:
        """`counts` per place (a code of `column`) with the region of each place."""
        kind = {"facility_id": "facility", "station_id": "station", "institution_id": "institution",
                "unit_id": "institution"}.get(column)
        return counts.assign(region=counts["place"].map(self.region_of.get(kind, {})) if kind else counts["place"])


@memo.by_inputs(into=_versions)
def compare(older: Snapshot, newer: Snapshot, scope: tuple[str, ...] = ()) -> Comparison:
    """Rows added, removed and changed (same key, other values) from `older` to `newer`; for an
    account's `scope` (region codes), of the rows of those regions only.

    DuckDB compares the Parquet files and counts per place; only those counts reach pandas (hashing
    both snapshots' 450,000-row tables in pandas took 8 CPU s at province scale)."""
    # Names and parents from both trees: a district's rows are placed by the regions above them.
    places = _Places(db.run_pair("snapshot_places", older, newer))
    parents, levels, names = places.parents, places.levels, places.names
    inside = pd.Index(list(codes_within(parents, scope))) if scope else None
    totals, by_region = [], []
    for table in SNAPSHOT_TABLES:
        column = _place_column(table)
        counts = places.placed(db.run_pair("snapshot_changes", older, newer, table=table, keys=KEYS[table],
                                           place=column), column)
        if inside is not None:
            counts = counts[counts["region"].isin(inside)]
        sums = counts[["rows_before", "rows_after", *CHANGES]].sum()
        totals.append({"table": table, **{k: int(v) for k, v in sums.items()}})
        moved = counts[counts[list(CHANGES)].sum(axis=1) > 0].dropna(subset=["region"])
        districts = {c: district_of(c, parents, levels) or c for c in moved["region"].unique()}
        grouped = moved.assign(region_code=moved["region"].map(districts)).groupby("region_code")[list(CHANGES)].sum()
        by_region.extend({"region_code": region, "table": table, **{k: int(row[k]) for k in CHANGES}}
                         for region, row in grouped.iterrows())
    by_region = pd.DataFrame(by_region, columns=["region_code", "table", *CHANGES])
    by_region.insert(1, "region_name", by_region["region_code"].map(lambda c: names.get(c, c)))
    return Comparison(pd.DataFrame(totals, columns=["table", "rows_before", "rows_after", *CHANGES]), by_region)
