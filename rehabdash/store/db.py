"""The query layer: DuckDB over one snapshot's Parquet files, named queries from queries/*.sql.

One base connection per snapshot and process (cached); every query runs on its own cursor because a
DuckDB 2.0 connection refuses concurrent calls from Streamlit's script threads. Parameters are always
bound, never formatted into SQL. The scope (`$scope`, a list of region codes) selects those regions
and everything below them through the `scoped_regions` table macro defined at connection time.
"""
from __future__ import annotations

import functools
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from rehabdash.kernel.config import QUERIES_DIR
from rehabdash.kernel.contract import TABLES
from rehabdash.store.snapshots import Snapshot

SETUP_FILE = "_setup.sql"  # not a named result: builds region_closure and scoped_regions


class UnknownQuery(KeyError):
    pass


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
    cursor = connection(snapshot_path).cursor()
    try:
        return cursor.execute(query_text(name), {k: _bindable(v) for k, v in params}).df()
    finally:
        cursor.close()


_cached_run = st.cache_data(execute, show_spinner=False, max_entries=2000)
