"""The query layer: DuckDB over one snapshot's Parquet files, named queries from queries/*.sql.

One base connection per snapshot and process (cached); every query runs on its own cursor because a
DuckDB 2.0 connection refuses concurrent calls from Streamlit's script threads. Parameters are always
bound, never formatted into SQL. The scope (`$scope`, a list of region codes) selects those regions
and everything below them through the `scoped_regions` table macro defined at connection time.
"""
from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from .config import QUERIES_DIR
from .contract import TABLES
from . import i18n, snapshots
from .snapshots import Snapshot

SETUP_FILE = "_setup.sql"  # not a named result: builds region_closure and scoped_regions


class UnknownQuery(KeyError):
    pass


class SnapshotUnreadable(RuntimeError):
    """A file of the snapshot could not be read: the snapshot is now refused (snapshots.refuse), and the
    page is run again on the next valid one."""


# What DuckDB raises when a Parquet file is damaged or unreadable (not for a wrong query).
_READ_ERRORS = (duckdb.IOException, duckdb.InvalidInputException, duckdb.InternalException, OSError)


class NoAccess(PermissionError):
    """A query asked for regions outside what the session's account may see."""

    def __init__(self, codes: list[str]):
        super().__init__(f"no access to {codes}")
        self.codes = codes


@functools.lru_cache(maxsize=None)
def query_text(name: str) -> str:
    path = QUERIES_DIR / f"{name}.sql"
    if name.startswith("_") or not path.exists():
        raise UnknownQuery(name)
    return path.read_text(encoding="utf-8")


def query_names() -> list[str]:
    return sorted(p.stem for p in QUERIES_DIR.glob("*.sql") if not p.stem.startswith("_"))


@functools.lru_cache(maxsize=8)
def connection(snapshot_path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory database whose views read the snapshot's Parquet files."""
    con = duckdb.connect()
    for table in TABLES:
        con.read_parquet(str(snapshot_path / f"{table}.parquet")).create_view(table)
    con.execute((QUERIES_DIR / SETUP_FILE).read_text(encoding="utf-8"))
    return con


def _bindable(value):
    return list(value) if isinstance(value, tuple) else value


def run(name: str, snapshot: Snapshot, allowed: tuple[str, ...] | None = None, **params) -> pd.DataFrame:
    """Run the named query on the snapshot with bound parameters; results cached per arguments.

    `allowed` is the account's region scope: a `$scope` reaching outside it raises NoAccess before any
    row is read, whatever the widgets, the URL or the session state asked for. Lists in `params` must
    be passed as tuples so they can be part of the cache key.
    """
    if allowed is not None and "scope" in params:
        outside = _cached_run("scope_outside", snapshot.path,
                              (("allowed", tuple(allowed)), ("scope", tuple(params["scope"]))))
        if len(outside):
            raise NoAccess(outside["region_code"].tolist())
    return _cached_run(name, snapshot.path, tuple(sorted(params.items())))


def execute(name: str, snapshot_path: Path, params: tuple) -> pd.DataFrame:
    """Uncached run on a fresh cursor of the snapshot's shared connection."""
    try:
        cursor = connection(snapshot_path).cursor()
        try:
            return cursor.execute(query_text(name), {k: _bindable(v) for k, v in params}).df()
        finally:
            cursor.close()
    except _READ_ERRORS as error:
        problem = snapshots.check_snapshot(snapshot_path)
        if problem is None and str(snapshot_path) not in str(error):
            raise  # not a file of the snapshot: a bug to see, not data to refuse
        snapshots.refuse(snapshot_path, problem or i18n.text("zh", "publishing.read_failed",
                                                             error=str(error).splitlines()[0][:200]))
        raise SnapshotUnreadable(str(snapshot_path)) from None


_cached_run = st.cache_data(execute, show_spinner=False, max_entries=2000)


def year_window(as_of: dt.date, year: int) -> dict:
    """Bound parameters for 'this year up to the snapshot date, and last year to the same date'."""
    until = min(as_of, dt.date(year, 12, 31))
    try:
        until_last_year = until.replace(year=year - 1)
    except ValueError:  # 29 February
        until_last_year = dt.date(year - 1, 2, 28)
    return {"year": year, "until": until, "until_last_year": until_last_year}
