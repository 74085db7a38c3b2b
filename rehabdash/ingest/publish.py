"""Publishing a checked import: the previous snapshot's tables with the imported rows replacing the
rows of the same key (contract.KEYS), written as a new snapshot by snapshots.write_snapshot (temporary
folder, then rename; earlier snapshots are never touched), and one line in the import log."""
from __future__ import annotations

import datetime as dt
import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import audit
from ..config import data_dir as default_data_dir
from ..contract import KEYS, TABLES
from ..snapshots import Snapshot, write_snapshot

SOURCE = "import"
LOG_FILE = "import_log.jsonl"


def empty_table(table: str) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series([], dtype="object") for column in TABLES[table]})


@functools.lru_cache(maxsize=4)
def _read_tables(snapshot_path: Path) -> dict[str, pd.DataFrame]:
    return {table: pd.read_parquet(snapshot_path / f"{table}.parquet") for table in TABLES}


def read_tables(snapshot: Snapshot | None) -> dict[str, pd.DataFrame]:
    """Every table of a (valid, hence immutable) snapshot; empty tables when there is none yet.

    Cached per snapshot folder: callers must not change the frames in place.
    """
    if snapshot is None:
        return {table: empty_table(table) for table in TABLES}
    return _read_tables(snapshot.path)


def row_strings(frame: pd.DataFrame, columns) -> pd.Series:
    """One comparable string per row from `columns` (dates and numbers as text, empty for missing)."""
    texts = [frame[c].astype("string").fillna("") for c in columns]
    return texts[0].str.cat(texts[1:], sep="\x1f") if texts else pd.Series("", index=frame.index)


def key_strings(frame: pd.DataFrame, table: str) -> pd.Series:
    return row_strings(frame, KEYS[table])


@dataclass(frozen=True)
class Change:
    added: int
    replaced: int


def merge(previous: pd.DataFrame, imported: pd.DataFrame, table: str) -> tuple[pd.DataFrame, Change]:
    """The previous rows whose key is not imported, then the imported rows, in key order."""
    if imported.empty:
        return previous, Change(0, 0)
    imported_keys = set(key_strings(imported, table))
    kept = previous[~key_strings(previous, table).isin(imported_keys).to_numpy()] if len(previous) \
        else previous
    replaced = len(previous) - len(kept)
    parts = [part for part in (kept, imported) if len(part)]
    merged = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    merged = merged.sort_values(list(KEYS[table]), kind="stable", ignore_index=True)
    return _numpy_types(merged), Change(len(imported) - replaced, replaced)


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
        replaced = int(key_strings(previous[table], table).isin(set(key_strings(frame, table))).sum())
        found[table] = Change(len(frame) - replaced, replaced)
    return found


@dataclass(frozen=True)
class Published:
    path: Path
    changes: dict[str, Change]
    log_entry: dict


def publish_tables(
    imported: dict[str, pd.DataFrame], base: Snapshot | None, as_of: dt.date, who: str, file_name: str,
    file_sha256: str, data_dir: Path | None = None, progress=lambda share, stage: None,
    account=None, note: str = "",
) -> Published:
    """Write the merged snapshot of `as_of`, then append the import log; nothing is written on failure.

    `progress(share, stage)` names the table being merged as its stage.
    """
    directory = Path(data_dir or default_data_dir())
    previous = read_tables(base)
    tables, changes = {}, {}
    for done, table in enumerate(TABLES):
        progress(done / len(TABLES) * 0.5, table)
        tables[table], changes[table] = merge(previous[table], imported.get(table, empty_table(table)), table)
    progress(0.5, "")
    # Who published: the signed-in account (issue 15), in the manifest and the log; `note` beside it.
    scope = list(account.scope) if account is not None else None
    published_by = {"account": who, "role": getattr(account, "role", None), "scope": scope, "note": note}
    path = write_snapshot(directory, as_of, tables, source=SOURCE, published_by=published_by)
    entry = {
        "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "who": who,
        "role": published_by["role"],
        "scope": scope,
        "note": note,
        "file": file_name,
        "sha256": file_sha256,
        "snapshot": as_of.isoformat(),
        "based_on": base.as_of.isoformat() if base else None,
        "tables": {t: {"added": c.added, "replaced": c.replaced}
                   for t, c in changes.items() if c.added or c.replaced},
    }
    append_log(directory, entry)
    audit.record("import", who, scope, file=file_name, sha256=file_sha256, snapshot=as_of.isoformat(),
                 note=note)
    audit.record("snapshot", who, scope, published=as_of.isoformat(), source=SOURCE)
    progress(1.0, "")
    return Published(path, changes, entry)


def append_log(directory: Path, entry: dict) -> None:
    """One JSON line per import, appended and flushed to disk; earlier lines are never rewritten."""
    with open(Path(directory) / LOG_FILE, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_log(directory: Path | None = None) -> list[dict]:
    """The import log, oldest first; a damaged line is skipped rather than hiding the others."""
    path = Path(directory or default_data_dir()) / LOG_FILE
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries
