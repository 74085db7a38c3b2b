"""Region codes and snapshot helpers for tests on the sample data."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from rehabdash.kernel.config import data_dir
from rehabdash.store import db
from rehabdash.store.snapshots import list_snapshots, write_snapshot

BAOTOU = "150200000000"
QINGSHAN = "150204000000"
YUANHUI = "411102000000"
NEWEST = dt.date(2025, 8, 31)
END_2024 = dt.date(2024, 12, 31)


def snapshot(as_of: dt.date, directory: Path | None = None):
    """The snapshot of `as_of` in `directory` (the data directory the app reads when None)."""
    return next(s for s in list_snapshots(directory or data_dir()) if s.as_of == as_of)


def written_as_newest(directory: Path, tables: dict) -> Path:
    """`tables` published as a sample snapshot of NEWEST into `directory`, for data of a test's own."""
    write_snapshot(directory, NEWEST, tables, "sample")
    return directory


def runner(as_of: dt.date, region_code: str):
    """The same call the pages make through Filters.run: a named query on one snapshot and scope."""
    snap = snapshot(as_of)
    return lambda name, **params: db.run(name, snap, allowed=(region_code,), scope=(region_code,), **params)
