"""The snapshot store: immutable folders of Parquet tables with a manifest of checksums.

<data dir>/snapshots/<YYYY-MM-DD>/<table>.parquet + manifest.json. Publishing writes to a hidden
temporary folder and renames it into place, so a reader never sees a half-written snapshot.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .contract import SCHEMA_VERSION, TABLES

MANIFEST = "manifest.json"

_ARROW_TYPES = {
    "str": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "bool": pa.bool_(),
}


def arrow_schema(table: str, frame: pd.DataFrame) -> pa.Schema:
    """Contract columns first with their contract types; any added columns keep pandas' types."""
    columns = TABLES[table]
    fields = [pa.field(name, _ARROW_TYPES[kind]) for name, kind in columns.items()]
    extra = [c for c in frame.columns if c not in columns]
    extra_schema = pa.Schema.from_pandas(frame[extra], preserve_index=False) if extra else []
    return pa.schema(fields + list(extra_schema))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Snapshot:
    as_of: dt.date
    path: Path
    manifest: dict = field(default_factory=dict, compare=False)
    problem: str | None = None  # why the snapshot is refused; None when it is valid

    @property
    def valid(self) -> bool:
        return self.problem is None

    @property
    def source(self) -> str:
        return self.manifest.get("source", "")

    def table_path(self, table: str) -> Path:
        return self.path / f"{table}.parquet"


def snapshots_root(data_dir: Path) -> Path:
    return Path(data_dir) / "snapshots"


def check_snapshot(path: Path) -> str | None:
    """Return why a snapshot folder cannot be trusted, or None when manifest and files agree."""
    manifest_path = path / MANIFEST
    if not manifest_path.exists():
        return "缺少 manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "manifest.json 无法解析"
    if manifest.get("schema_version") != SCHEMA_VERSION:
        return f"数据结构版本 {manifest.get('schema_version')} 与程序版本 {SCHEMA_VERSION} 不符"
    files = manifest.get("files", {})
    for table in TABLES:
        entry = files.get(table)
        file_path = path / f"{table}.parquet"
        if entry is None or not file_path.exists():
            return f"缺少数据表 {table}"
        if sha256_of(file_path) != entry.get("sha256"):
            return f"数据表 {table} 的校验和不符"
    return None


def read_manifest(path: Path) -> dict:
    try:
        return json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return {}


def list_snapshots(data_dir: Path) -> list[Snapshot]:
    """Every snapshot folder, newest first, each checked against its manifest."""
    root = snapshots_root(data_dir)
    found = []
    for child in sorted(root.iterdir(), reverse=True) if root.exists() else []:
        if not child.is_dir() or child.name.startswith("."):
            continue
        try:
            as_of = dt.date.fromisoformat(child.name)
        except ValueError:
            continue
        found.append(Snapshot(as_of, child, read_manifest(child), check_snapshot(child)))
    return found


def newest_valid(snapshots: list[Snapshot]) -> Snapshot | None:
    return next((s for s in snapshots if s.valid), None)


def write_snapshot(
    data_dir: Path, as_of: dt.date, tables: dict[str, pd.DataFrame], source: str,
    published_by: dict | None = None,
) -> Path:
    """Publish tables as the snapshot of `as_of`; refuses to replace an existing one."""
    missing = set(TABLES) - set(tables)
    if missing:
        raise ValueError(f"snapshot lacks tables: {sorted(missing)}")
    root = snapshots_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    target = root / as_of.isoformat()
    if target.exists():
        raise FileExistsError(f"snapshot {as_of} already exists; snapshots are immutable")
    staging = Path(tempfile.mkdtemp(prefix=f".{as_of.isoformat()}-", dir=root))
    try:
        files = {}
        for table, frame in tables.items():
            file_path = staging / f"{table}.parquet"
            arrow = pa.Table.from_pandas(frame, schema=arrow_schema(table, frame), preserve_index=False)
            pq.write_table(arrow, file_path)
            files[table] = {"rows": len(frame), "sha256": sha256_of(file_path)}
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "as_of": as_of.isoformat(),
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "source": source,
            **({"published_by": published_by} if published_by else {}),
            "files": files,
        }
        (staging / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        try:
            os.rename(staging, target)
        except OSError:
            if target.exists():  # another publisher took this date between our check and the rename
                raise FileExistsError(f"snapshot {as_of} already exists; snapshots are immutable") from None
            raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
