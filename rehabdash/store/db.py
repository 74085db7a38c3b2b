"""The query layer: DuckDB over one snapshot's Parquet files, named queries from queries/*.sql.

One base connection per snapshot and process (cached); every query runs on its own cursor because a
DuckDB 2.0 connection refuses concurrent calls from Streamlit's script threads. Parameters are always
bound, never formatted into SQL. The scope (`$scope`, a list of region codes) selects those regions
and everything below them through the `scoped_regions` table macro defined at connection time.

`run` is the only way to a row: it checks every scope against the account's regions, and refuses a
query that reads scoped tables without a scope. A query that needs no scope says so in its header
(`-- unscoped: why`).
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import duckdb
import pandas as pd

from rehabdash.kernel import i18n, memo
from rehabdash.kernel.config import QUERIES_DIR
from rehabdash.kernel.contract import RECORDED_TABLES, TABLES
from rehabdash.kernel.errors import (  # noqa: F401 (db.NoAccess, db.SnapshotUnreadable)
    NoAccess,
    ScopeRequired,
    SnapshotUnreadable,
    UnknownQuery,
)
from rehabdash.store import snapshots
from rehabdash.store.snapshots import Snapshot

SETUP_FILE = "_setup.sql"  # not a named result: builds region_closure and scoped_regions
PAIR_SETUP_FILE = "_pair_setup.sql"  # not a named result: the macros of a comparison's connection
_UNSCOPED = re.compile(r"^-- unscoped:", re.M)
# What DuckDB raises when a Parquet file is damaged or unreadable (not for a wrong query).
_READ_ERRORS = (duckdb.IOException, duckdb.InvalidInputException, duckdb.InternalException, OSError)


@functools.cache
def query_text(name: str) -> str:
    path = QUERIES_DIR / f"{name}.sql"
    if name.startswith("_") or not path.exists():
        raise UnknownQuery(name)
    return path.read_text(encoding="utf-8")


def is_unscoped(name: str) -> bool:
    """Whether the query declares that it reads nothing a scope would restrict."""
    return bool(_UNSCOPED.search(query_text(name)))


def query_names() -> list[str]:
    return sorted(p.stem for p in QUERIES_DIR.glob("*.sql") if not p.stem.startswith("_"))


@functools.lru_cache(maxsize=8)
def connection(snapshot_path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory database whose views read the snapshot's Parquet files."""
    con = duckdb.connect()
    _create_views(con, snapshot_path)
    con.execute((QUERIES_DIR / SETUP_FILE).read_text(encoding="utf-8"))
    return con


@functools.lru_cache(maxsize=8)  # views only: a comparison, and each version of an account's listing
def pair_connection(older_path: Path, newer_path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory database with two snapshots' tables as views, `older.<table>` and `newer.<table>`."""
    con = duckdb.connect()
    for schema, path in (("older", older_path), ("newer", newer_path)):
        con.execute(f"CREATE SCHEMA {schema}; USE {schema}")
        _create_views(con, path)
    con.execute("USE main")
    con.execute((QUERIES_DIR / PAIR_SETUP_FILE).read_text(encoding="utf-8"))
    return con


def _create_views(con: duckdb.DuckDBPyConnection, snapshot_path: Path) -> None:
    """One view per table of the snapshot, in the connection's current schema."""
    for table, columns in TABLES.items():
        relation = con.read_parquet(str(snapshot_path / f"{table}.parquet"))
        # a version published before a column was added (device_loans.borrower_ref) reads it as empty
        added = [f"CAST(NULL AS {_SQL_TYPES[kind]}) AS {c}" for c, kind in columns.items() if c not in relation.columns]
        (relation.project(", ".join(["*", *added])) if added else relation).create_view(table)
    for table, columns in RECORDED_TABLES.items():  # empty in a version published before they existed
        path = snapshot_path / f"{table}.parquet"
        if path.exists():
            con.read_parquet(str(path)).create_view(table)
        else:
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM (SELECT "
                        + ", ".join(f"CAST(NULL AS {_SQL_TYPES[kind]}) AS {c}" for c, kind in columns.items())
                        + ") WHERE false")


_SQL_TYPES = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "date": "DATE", "bool": "BOOLEAN"}


def _bindable(value):
    return list(value) if isinstance(value, tuple) else value


def run(name: str, snapshot: Snapshot, *, allowed: tuple[str, ...] = (), scope: tuple[str, ...] | None = None,
        fresh: bool = False, **params) -> pd.DataFrame:
    """Run the named query on the snapshot with bound parameters; results cached per arguments.

    `allowed` is the account's region scope: a `scope` reaching outside it raises NoAccess before any
    row is read, whatever the widgets, the URL or the session state asked for (none given: nothing is
    allowed). A query that does not
    declare itself unscoped needs a `scope` (ScopeRequired otherwise). Lists in `params` must be
    tuples so they can be part of the cache key. `fresh` reads the files again instead of the cache.
    """
    if scope is None:
        if not is_unscoped(name):
            raise ScopeRequired(name)
    else:
        outside = _cached_run("scope_outside", snapshot.path,
                              (("allowed", tuple(allowed)), ("scope", tuple(scope))))
        if len(outside):
            raise NoAccess(outside["region_code"].tolist())
        params["scope"] = tuple(scope)
    key = tuple(sorted(params.items()))
    return _execute(name, snapshot.path, key) if fresh else _cached_run(name, snapshot.path, key)


def run_pair(name: str, older: Snapshot, newer: Snapshot, **params) -> pd.DataFrame:
    """Run a named query over two snapshots (its tables as `older.<table>` and `newer.<table>`), uncached.

    Only for a query that declares itself unscoped: it reads both snapshots whole, and the caller keeps
    the rows of an account's regions (ScopeRequired otherwise).
    """
    if not is_unscoped(name):
        raise ScopeRequired(name)
    cursor = pair_connection(older.path, newer.path).cursor()
    try:
        return cursor.execute(query_text(name), {k: _bindable(v) for k, v in params.items()}).df()
    except _READ_ERRORS as error:
        problems = {path: snapshots.check_snapshot(path) for path in (older.path, newer.path)}
        if not any(problems.values()) and not any(str(path) in str(error) for path in problems):
            raise  # not a file of either snapshot: a bug to see, not data to refuse
        for path, problem in problems.items():
            if problem or str(path) in str(error):
                snapshots.refuse(path, problem or i18n.text("zh", "publishing.read_failed",
                                                            error=str(error).splitlines()[0][:200]))
        raise SnapshotUnreadable(str(newer.path)) from None
    finally:
        cursor.close()


def _execute(name: str, snapshot_path: Path, params: tuple) -> pd.DataFrame:
    """Uncached run on a fresh cursor of the snapshot's shared connection (unchecked: see run)."""
    cursor = connection(snapshot_path).cursor()
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


# One frame per query and arguments for the whole process, handed out as a shallow copy: with pandas'
# copy-on-write the cached frame stays as it was whatever a caller does to its copy, and a hit costs
# no unpickling (st.cache_data copied the frame by pickle on every hit, dozens per page run). A
# snapshot never changes, so its path is its version. In kernel.memo: st.cache_resource's hashing
# of the arguments took 3 ms a call under load.
_shared_run = memo.by_inputs(_execute, into=memo.store(2000), share=True)


def _cached_run(name: str, snapshot_path: Path, params: tuple) -> pd.DataFrame:
    return _shared_run(name, snapshot_path, params).copy(deep=False)
