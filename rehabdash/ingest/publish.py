"""Publishing a checked import: the newest version's tables with the imported rows replacing the rows
of the same key (contract.KEYS), committed as a new version by snapshots.commit (staging folder,
fsync, rename to the next version number; rebased and retried when another publish wins). The import
log entry is part of the version's manifest; earlier versions are never touched."""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rehabdash.access import audit
from rehabdash.ingest import reports
from rehabdash.kernel import memo
from rehabdash.kernel.config import data_dir as default_data_dir
from rehabdash.kernel.contract import KEYS, RECORDED_TABLES, SNAPSHOT_TABLES, TABLES
from rehabdash.store.snapshots import Snapshot, commit, list_snapshots, version_label

SOURCE = "import"
LOG_FILE = "import_log.jsonl"  # no longer written: the log lives in the versions' manifests


def empty_table(table: str) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series([], dtype="object") for column in SNAPSHOT_TABLES[table]})


@memo.by_inputs(into=memo.store(4))  # every caller gets its own frames (shallow copies)
def _read_tables(snapshot_path: Path) -> dict[str, pd.DataFrame]:
    tables = {table: pd.read_parquet(snapshot_path / f"{table}.parquet") for table in TABLES}
    for table in RECORDED_TABLES:  # a version published before they existed has none
        path = snapshot_path / f"{table}.parquet"
        tables[table] = pd.read_parquet(path) if path.exists() else empty_table(table)
    return tables


def read_tables(snapshot: Snapshot | None) -> dict[str, pd.DataFrame]:
    """Every table of a (valid, hence immutable) snapshot; empty tables when there is none yet.

    Kept per snapshot folder; each caller gets its own frames.
    """
    if snapshot is None:
        return {table: empty_table(table) for table in SNAPSHOT_TABLES}
    return _read_tables(snapshot.path)


def row_keys(frame: pd.DataFrame, columns) -> np.ndarray:
    """One 64-bit key per row from `columns`, equal for equal values whatever the column types (an
    imported Int64 and a stored int64, dates as text): the one way rows are matched, on publishing
    (same key, replaced) and in the snapshot comparison (same key, changed or not)."""
    texts = pd.DataFrame({c: frame[c].astype("string").fillna("") for c in columns}, index=frame.index)
    return pd.util.hash_pandas_object(texts, index=False).to_numpy()


def table_keys(frame: pd.DataFrame, table: str) -> np.ndarray:
    return row_keys(frame, KEYS[table])


@dataclass(frozen=True)
class Change:
    added: int
    replaced: int


def merge(previous: pd.DataFrame, imported: pd.DataFrame, table: str,
          kept: tuple[str, ...] = ()) -> tuple[pd.DataFrame, Change]:
    """The previous rows whose key is not imported, then the imported rows, in key order. The `kept`
    columns (an older template lacks them) of an imported row are the published row's of its key."""
    if imported.empty:
        return previous, Change(0, 0)
    if kept and len(previous):
        imported = _with_published(imported, previous, table, kept)
    kept = previous[~np.isin(table_keys(previous, table), table_keys(imported, table))] if len(previous) \
        else previous
    replaced = len(previous) - len(kept)
    parts = [part for part in (kept, imported) if len(part)]
    merged = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    merged = merged.sort_values(list(KEYS[table]), kind="stable", ignore_index=True)
    return _numpy_types(merged), Change(len(imported) - replaced, replaced)


def _with_published(imported: pd.DataFrame, previous: pd.DataFrame, table: str,
                    columns: tuple[str, ...]) -> pd.DataFrame:
    """`imported` with `columns` taken from the previous row of the same key; empty in a new row."""
    position = dict(zip(table_keys(previous, table), range(len(previous))))
    at = np.array([position.get(key, -1) for key in table_keys(imported, table)], dtype=np.int64)
    found = pd.Series(at >= 0, index=imported.index)
    return imported.assign(**{
        column: previous[column].iloc[np.maximum(at, 0)].set_axis(imported.index).where(found)
        for column in columns})


def _numpy_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable pandas types (the import's Int64, Float64, boolean) back to numpy types where that loses
    nothing, so an imported snapshot reads back into pandas as the sample's do."""
    for column, dtype in frame.dtypes.items():
        if dtype == "Float64":
            frame[column] = frame[column].astype("float64")  # missing becomes NaN
        elif dtype in ("Int64", "boolean") and not frame[column].isna().any():
            frame[column] = frame[column].to_numpy(dtype.numpy_dtype)
    return frame


def count_changes(imported: dict[str, pd.DataFrame], base: Snapshot | None) -> dict[str, Change]:
    """Per imported table: rows that would be added, and rows of `base` they would replace."""
    previous = read_tables(base)
    found = {}
    for table, frame in imported.items():
        replaced = int(np.isin(table_keys(previous[table], table), table_keys(frame, table)).sum())
        found[table] = Change(len(frame) - replaced, replaced)
    return found


@dataclass(frozen=True)
class Published:
    path: Path
    changes: dict[str, Change]
    log_entry: dict
    snapshot: Snapshot | None = None  # the committed version


def publish_tables(
    imported: dict[str, pd.DataFrame], base: Snapshot | None, as_of: dt.date, who: str, file_name: str,
    file_sha256: str, data_dir: Path | None = None, progress=lambda share, stage: None,
    account=None, note: str = "", report_rows: pd.DataFrame | None = None, report_month: dt.date | None = None,
    kept_columns: dict[str, tuple[str, ...]] | None = None,
) -> Published:
    """Commit a new version: the newest version at commit time with the imported rows merged in.

    `base` is what the clerk was shown (the check's preview); the rows are merged onto whatever is
    newest when the commit happens, and merged again if another publish commits first. The version
    carries `as_of`, or its base's date if that is later (a version's date never goes back). The log
    entry (who, note, file, rows added/replaced against the real base) is part of the version's
    manifest. Raises snapshots.PublishError (Chinese text) when nothing could be published.
    `progress(share, stage)` names the table being merged as its stage. `report_rows` (reports.rows:
    which unit reported which table for `report_month`) are recorded in the version's `reports` table,
    stamped with the time and `who`. `kept_columns` (by table: the columns an older template lacks) keep
    their published values in the rows the import replaces.
    """
    directory = Path(data_dir or default_data_dir())
    outcome: dict = {}
    scope = list(account.scope) if account is not None else None
    if report_rows is not None:
        imported = {**imported, "reports": reports.stamped(report_rows, who, dt.datetime.now().astimezone())}
    correction = report_rows is not None and bool(report_rows["correction"].any())
    reason = (str(report_rows["reason"].iloc[0]) or None) if correction and len(report_rows) else None

    def build(newest: Snapshot | None):
        previous = read_tables(newest)
        tables, changes = {}, {}
        for done, table in enumerate(SNAPSHOT_TABLES):
            progress(done / len(SNAPSHOT_TABLES) * 0.5, table)
            tables[table], changes[table] = merge(previous[table], imported.get(table, empty_table(table)),
                                                  table, (kept_columns or {}).get(table, ()))
        progress(0.5, "")
        carried = max(as_of, newest.as_of) if newest else as_of
        entry = {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "who": who,  # the signed-in account (issue 15); `note`, free text, beside it
            "role": getattr(account, "role", None),
            "scope": scope,
            "note": note,
            "file": file_name,
            "sha256": file_sha256,
            "as_of": carried.isoformat(),
            "requested_as_of": as_of.isoformat(),
            "based_on_as_of": newest.as_of.isoformat() if newest else None,
            "tables": {t: {"added": c.added, "replaced": c.replaced}
                       for t, c in changes.items() if c.added or c.replaced},
            "report_month": report_month.isoformat()[:7] if report_month else None,  # None: undeclared
            "correction": reason,  # the reason of a correction (补报/更正); None for a month's report
        }
        outcome["changes"] = changes
        return carried, tables, entry

    committed = commit(directory, build, source=SOURCE)
    entry = committed.log or {}
    label = version_label(committed.as_of, committed.version)
    audit.record("import", who, scope, file=file_name, sha256=file_sha256, snapshot=label, note=note,
                 month=entry.get("report_month"), correction=entry.get("correction"))
    audit.record("snapshot", who, scope, published=label, source=SOURCE)
    progress(1.0, "")
    return Published(committed.path, outcome["changes"], entry, committed)


# A publisher writes its two audit lines a moment after its commit; a version younger than this is left
# to it, so that a version is never audited twice (once by its publisher, once recovered).
RECOVERY_GRACE = dt.timedelta(minutes=2)
_AUDITED: set[Path] = set()  # versions whose audit lines this process has seen or written
_RECOVERY_LOCK = threading.Lock()


def _committed_at(snapshot: Snapshot) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(snapshot.manifest["created_at"])
    except (KeyError, TypeError, ValueError):
        return None


def recover_audit(snapshots: list[Snapshot], now: dt.datetime | None = None) -> list[str]:
    """Write the audit lines an imported version lacks, from the log its manifest carries (who, scope,
    file, note): its publisher was stopped between the commit and its audit lines (a kill, a power cut).
    Each recovered line says so (`recovered`, and when the version was published). Idempotent: a
    version whose lines exist is only remembered. Returns the labels of the versions recovered."""
    pending = [s for s in snapshots if s.valid and s.log and s.path not in _AUDITED]
    if not pending:
        return []
    now = now or dt.datetime.now(dt.UTC)
    recovered = []
    with _RECOVERY_LOCK:
        imports = {(e["user"], e.get("detail", {}).get("snapshot"), e.get("detail", {}).get("sha256"))
                   for e in audit.entries("import")}
        announced = {(e["user"], e.get("detail", {}).get("published")) for e in audit.entries("snapshot")}
        for snapshot in pending:
            log, label = snapshot.log, version_label(snapshot.as_of, snapshot.version)
            who, scope = log.get("who"), log.get("scope")
            has_import = (who, label, log.get("sha256")) in imports
            has_snapshot = (who, label) in announced
            if not (has_import and has_snapshot):
                committed = _committed_at(snapshot)
                if committed is not None and now - committed < RECOVERY_GRACE:
                    continue  # its publisher may be writing them now: look again on the next listing
                when = {"recovered": True, "published_at": log.get("at")}
                if not has_import:
                    audit.record("import", who, scope, file=log.get("file"), sha256=log.get("sha256"),
                                 snapshot=label, note=log.get("note", ""), **when)
                if not has_snapshot:
                    audit.record("snapshot", who, scope, published=label, source=SOURCE, **when)
                recovered.append(label)
            _AUDITED.add(snapshot.path)
    return recovered


def read_log(directory: Path | None = None) -> list[dict]:
    """The import log, oldest first, derived from the manifests of the versions (each version commits
    its own entry, so the log cannot miss a published import nor list one that was not published).
    Display fields: `snapshot` and `based_on` as "date (vN)"."""
    entries = []
    for snapshot in reversed(list_snapshots(Path(directory or default_data_dir()))):
        entry = snapshot.log
        if not entry:
            continue
        based = entry.get("based_on_version")
        entries.append({**entry,
                        "snapshot": version_label(entry.get("as_of", snapshot.as_of), snapshot.version),
                        "based_on": version_label(entry.get("based_on_as_of"), based) if based else None})
    return entries
