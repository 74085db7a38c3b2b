"""Region codes and snapshot helpers for tests on the sample data."""
from __future__ import annotations

import datetime as dt

from rehabdash.kernel.config import data_dir
from rehabdash.store import db
from rehabdash.store.snapshots import list_snapshots

BAOTOU = "150200000000"
QINGSHAN = "150204000000"
YUANHUI = "411102000000"
NEWEST = dt.date(2025, 8, 31)
END_2024 = dt.date(2024, 12, 31)


def snapshot(as_of: dt.date):
    return next(s for s in list_snapshots(data_dir()) if s.as_of == as_of)


def runner(as_of: dt.date, region_code: str):
    """The same call the pages make through Filters.run: a named query on one snapshot and scope."""
    snap = snapshot(as_of)
    return lambda name, **params: db.run(name, snap, allowed=(region_code,), scope=(region_code,), **params)
