"""The snapshot store: numbered versions of the whole data set, each a folder of Parquet tables with a
manifest of checksums, committed like a table format's log.

<data dir>/snapshots/<version>/ (six digits, 000001, 000002, … in publish order) holds one
<table>.parquet per contract table and manifest.json: schema version, version, the reporting date
`as_of` it carries (several versions may carry the same month), source, created_at, rows and sha256 per
file and, for an import, the log entry (who, note, file, rows added/replaced, base version). The log is
inside the commit, so a version never exists without it.

Publishing (`commit`) is optimistic concurrency on folder names: the new version is built from the
newest valid one (its base) in a staging folder `.staging-<host>-<pid>-<random>`, every file and the
folder are fsynced, and the folder is renamed to the next number. rename(2) of a folder onto an existing
(non-empty) version fails, so the commit succeeds only if nobody committed since the base was read;
otherwise the publish is rebuilt on the newer version and tried again. Versions are never changed after.
"""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import stat
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from collections.abc import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rehabdash.kernel import i18n
from rehabdash.kernel.contract import RECORDED_TABLES, SCHEMA_VERSION, SNAPSHOT_TABLES, TABLES
from rehabdash.kernel.errors import PublishError

MANIFEST = "manifest.json"
STAGING_PREFIX = ".staging-"
VERSION_DIGITS = 6
# Published folders and files are readable by the group of the data directory (give it the service
# account's group, with the setgid bit so new versions inherit it); never by everyone.
DIR_MODE = 0o750
FILE_MODE = 0o640
COMMIT_ATTEMPTS = 20

_ARROW_TYPES = {
    "str": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "bool": pa.bool_(),
}


def arrow_schema(table: str, frame: pd.DataFrame) -> pa.Schema:
    """Contract columns first with their contract types; any added columns keep pandas' types."""
    columns = SNAPSHOT_TABLES[table]
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


def version_name(number: int) -> str:
    return f"{number:0{VERSION_DIGITS}d}"


def version_number(name: str) -> int | None:
    return int(name) if name.isdigit() and len(name) == VERSION_DIGITS else None


@dataclass(frozen=True)
class Snapshot:
    as_of: dt.date
    path: Path
    manifest: dict = field(default_factory=dict, compare=False)
    problem: str | None = None  # why the snapshot is refused; None when it is valid

    def __memo_key__(self) -> tuple:
        """A published version's folder is never changed in place: its path names its rows
        (kernel.memo keys results computed from it by this, not by the whole manifest)."""
        return (str(self.path), self.as_of, self.problem)

    @property
    def valid(self) -> bool:
        return self.problem is None

    @property
    def source(self) -> str:
        return self.manifest.get("source", "")

    @property
    def version(self) -> int:
        return version_number(self.path.name) or 0

    @property
    def log(self) -> dict | None:
        """The import log entry committed with this version (None for sample versions)."""
        return self.manifest.get("log")

    def table_path(self, table: str) -> Path:
        return self.path / f"{table}.parquet"

    def has_table(self, table: str) -> bool:
        """Whether the version holds `table` (one published before `reports` existed does not)."""
        return table in TABLES or table in self.manifest.get("files", {})


def snapshots_root(data_dir: Path) -> Path:
    return Path(data_dir) / "snapshots"


def check_snapshot(path: Path) -> str | None:
    """Return why a snapshot folder cannot be trusted, or None when manifest and files agree.

    A folder or file the app cannot read (permissions, I/O error) is refused like a bad checksum.
    """
    try:
        return _check(path)
    except OSError as error:
        return i18n.text("zh", "publishing.unreadable", error=error.strerror or type(error).__name__)


def _check(path: Path) -> str | None:
    manifest_path = path / MANIFEST
    if not manifest_path.exists():
        return "缺少 manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "manifest.json 无法解析"
    if manifest.get("schema_version") != SCHEMA_VERSION:
        return f"数据结构版本 {manifest.get('schema_version')} 与程序版本 {SCHEMA_VERSION} 不符"
    if manifest.get("version") != version_number(path.name):
        return f"manifest.json 中的版本号 {manifest.get('version')} 与文件夹 {path.name} 不符"
    files = manifest.get("files", {})
    # A version published before publishing recorded reports has none: read as empty (has_table).
    for table in [*TABLES, *(t for t in RECORDED_TABLES if t in files)]:
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


# Versions found unreadable while the app runs (a file rotted in place keeps its size and mtime, so
# the folder listing alone would not notice): refused for the rest of the process, like a bad checksum.
_REFUSED: dict[Path, str] = {}
_REFUSED_LOCK = threading.Lock()


def refuse(path: Path, problem: str) -> None:
    with _REFUSED_LOCK:
        _REFUSED.setdefault(Path(path), problem)


def with_refusals(snapshots: list[Snapshot]) -> list[Snapshot]:
    """The list with every version refused during this process marked invalid."""
    return [replace(s, problem=_REFUSED[s.path]) if s.valid and s.path in _REFUSED else s
            for s in snapshots]


def verify(snapshot: Snapshot) -> bool:
    """Check a version's files again (cheap: the data set is a few MB); refuse it if they fail."""
    problem = check_snapshot(snapshot.path)
    if problem:
        refuse(snapshot.path, problem)
    return problem is None


def _versions(root: Path) -> list[tuple[int, Path]]:
    try:
        children = list(root.iterdir()) if root.exists() else []
    except OSError:
        return []
    found = [(version_number(c.name), c) for c in children]
    return sorted(((n, c) for n, c in found if n is not None), reverse=True)


def _dated_folders(root: Path) -> list[tuple[dt.date, Path]]:
    """Folders of the layout before versions (<YYYY-MM-DD>/), oldest first."""
    found = []
    try:
        children = list(root.iterdir()) if root.exists() else []
    except OSError:
        return []
    for child in children:
        try:
            found.append((dt.date.fromisoformat(child.name), child))
        except ValueError:
            continue
    return sorted(found)


def list_snapshots(data_dir: Path) -> list[Snapshot]:
    """Every version, newest (highest number) first, each checked against its manifest; folders of
    the old dated layout follow, refused, with the command that turns them into versions."""
    root = snapshots_root(data_dir)
    found = []
    for _, child in _versions(root):
        manifest = read_manifest(child)
        problem = check_snapshot(child)
        try:
            as_of = dt.date.fromisoformat(manifest["as_of"])
        except (KeyError, TypeError, ValueError):
            as_of, problem = dt.date.min, problem or "manifest.json 缺少截止日期"
        found.append(Snapshot(as_of, child, manifest, problem))
    found += [Snapshot(day, path, read_manifest(path), i18n.text("zh", "publishing.dated_layout"))
              for day, path in reversed(_dated_folders(root))]
    return with_refusals(found)


def migrate_dated(data_dir: Path) -> list[Path]:
    """Turn the folders of the dated layout into versions, oldest date first, after any existing
    version; each keeps its files, its manifest gains `version` and `as_of`. Run while nobody
    publishes (python -m rehabdash.store.snapshots migrate)."""
    root = snapshots_root(data_dir)
    number = max((n for n, _ in _versions(root)), default=0)
    moved = []
    for day, path in _dated_folders(root):
        number += 1
        manifest = read_manifest(path)
        manifest.update(version=number, as_of=manifest.get("as_of", day.isoformat()))
        _write_synced(path / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
        target = root / version_name(number)
        os.rename(path, target)
        moved.append(target)
    _fsync_dir(root)
    return moved


def newest_valid(snapshots: list[Snapshot]) -> Snapshot | None:
    return next((s for s in snapshots if s.valid), None)


def version_label(as_of: dt.date | str, version: int) -> str:
    """A version named unambiguously by its date and number: "2025-09-30 (v5)"."""
    return f"{as_of} (v{version})"


def label(snapshot: Snapshot, snapshots: list[Snapshot]) -> str:
    """How a version is named in the sidebar and the URL: its date when it is the newest valid version
    of that date (so links by date keep working), else the date with its version number."""
    newest_of_day = next((s for s in snapshots if s.valid and s.as_of == snapshot.as_of), None)
    if newest_of_day is not None and newest_of_day.path == snapshot.path:
        return snapshot.as_of.isoformat()
    return version_label(snapshot.as_of, snapshot.version)


# --- publishing -------------------------------------------------------------------------------

def _checkpoint(step: str) -> None:
    """A named point of the publishing sequence; tests replace this to stop the process at each one."""


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, FILE_MODE)


def make_folders(path: Path) -> None:
    """Create `path` and its missing parents as DIR_MODE whatever the umask of the command (an operator's
    shell may have 077): the service's group reads what a command line made. The setgid bit a new
    folder inherits from its parent stays, so the group carries on down the tree."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:  # another publisher made it meanwhile
            continue
        os.chmod(folder, DIR_MODE | (folder.stat().st_mode & stat.S_ISGID))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _host() -> str:
    """This machine's name as a staging folder carries it (no path separator or other oddity)."""
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname()) or "_"


def staging_owner(name: str) -> tuple[str, int] | None:
    """(host, pid) of the publisher that made a staging folder; None for any other name (and for the
    folders of an older release, which named no host)."""
    parts = name[len(STAGING_PREFIX):].rsplit("-", 2) if name.startswith(STAGING_PREFIX) else []
    if len(parts) != 3 or not parts[0] or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def clean_staging(root: Path) -> None:
    """Remove staging folders left by a publisher of this machine that was killed (its process is gone).
    On a data directory shared by several machines a process ID means nothing elsewhere: another
    machine's staging folder is never touched (it is ignored, as every staging folder is, when listed)."""
    try:
        children = list(root.iterdir())
    except OSError:
        return
    host = _host()
    for child in children:
        owner = staging_owner(child.name)
        if owner and owner[0] == host and owner[1] != os.getpid() and not _pid_alive(owner[1]):
            shutil.rmtree(child, ignore_errors=True)


def _stage(root: Path, version: int, as_of: dt.date, tables: dict[str, pd.DataFrame], source: str,
           log: dict | None) -> Path:
    staging = root / f"{STAGING_PREFIX}{_host()}-{os.getpid()}-{secrets.token_hex(4)}"
    os.mkdir(staging, DIR_MODE)
    try:
        _fill(staging, version, as_of, tables, source, log)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def _fill(staging: Path, version: int, as_of: dt.date, tables: dict[str, pd.DataFrame], source: str,
          log: dict | None) -> None:
    os.chmod(staging, DIR_MODE)  # mkdir's mode is cut by the umask
    _checkpoint("staging_created")
    files = {}
    for table in SNAPSHOT_TABLES:
        frame = tables[table] if table in tables or table not in RECORDED_TABLES else pd.DataFrame(
            {c: pd.Series([], dtype="object") for c in RECORDED_TABLES[table]})  # nothing recorded yet
        file_path = staging / f"{table}.parquet"
        arrow = pa.Table.from_pandas(frame, schema=arrow_schema(table, frame), preserve_index=False)
        sink = pa.BufferOutputStream()
        pq.write_table(arrow, sink)
        _write_synced(file_path, sink.getvalue().to_pybytes())
        files[table] = {"rows": len(frame), "sha256": sha256_of(file_path)}
        _checkpoint(f"table:{table}")
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "version": version,
        "as_of": as_of.isoformat(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source": source,
        "files": files,
    }
    if log is not None:
        manifest["log"] = log
    _write_synced(staging / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    _checkpoint("manifest_written")
    _fsync_dir(staging)
    _checkpoint("staging_synced")


def _base_and_next(root: Path) -> tuple[Snapshot | None, int]:
    """The newest valid version (checked newest first, stopping at the first good one: older
    versions are not hashed again at every publish) and the next version number."""
    versions = _versions(root)
    for _, path in versions:
        if path in _REFUSED or check_snapshot(path) is not None:
            continue
        manifest = read_manifest(path)
        try:
            as_of = dt.date.fromisoformat(manifest["as_of"])
        except (KeyError, TypeError, ValueError):
            continue
        return Snapshot(as_of, path, manifest), versions[0][0] + 1
    return None, (versions[0][0] + 1 if versions else 1)


Build = Callable[[Snapshot | None], tuple[dt.date, dict[str, pd.DataFrame], dict | None]]


def commit(data_dir: Path, build: Build, source: str, attempts: int = COMMIT_ATTEMPTS) -> Snapshot:
    """Publish a new version: `build(base)` → (as_of, tables, log entry) on the newest valid version.

    If another publisher commits first, `build` runs again on that newer version (rebase) and the
    commit is retried; after `attempts` tries, or on a full disk or a missing permission, PublishError
    (Chinese by default) and nothing is published.
    """
    root = snapshots_root(data_dir)
    staging: Path | None = None
    try:
        make_folders(root)
        clean_staging(root)
        for _ in range(attempts):
            base, number = _base_and_next(root)
            as_of, tables, log = build(base)
            missing = set(TABLES) - set(tables)
            if missing:
                raise ValueError(f"snapshot lacks tables: {sorted(missing)}")
            if log is not None:
                log = {**log, "version": number, "based_on_version": base.version if base else None}
            _checkpoint("building_done")
            staging = _stage(root, number, as_of, tables, source, log)
            target = root / version_name(number)
            try:
                os.rename(staging, target)  # the commit point: fails if `number` was taken meanwhile
            except OSError as error:
                if error.errno in (errno.EEXIST, errno.ENOTEMPTY) or target.exists():
                    shutil.rmtree(staging, ignore_errors=True)
                    staging = None
                    _checkpoint("conflict")
                    continue  # someone committed first: rebase on their version
                raise
            staging = None
            _checkpoint("renamed")
            _fsync_dir(root)
            _checkpoint("committed")
            return Snapshot(as_of, target, read_manifest(target))
    except OSError as error:
        _remove(staging)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise PublishError("disk_full", path=str(root)) from None
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise PublishError("no_permission", path=str(root)) from None
        raise PublishError("write_failed", path=str(root), error=error.strerror or str(error)) from None
    except BaseException:
        _remove(staging)
        raise
    raise PublishError("conflict", attempts=attempts)


def _remove(staging: Path | None) -> None:
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)


def write_snapshot(data_dir: Path, as_of: dt.date, tables: dict[str, pd.DataFrame], source: str,
                   log: dict | None = None) -> Path:
    """Publish `tables` as a whole new version carrying `as_of` (the sample generator's path)."""
    missing = set(TABLES) - set(tables)
    if missing:
        raise ValueError(f"snapshot lacks tables: {sorted(missing)}")
    return commit(data_dir, lambda base: (as_of, tables, log), source).path


def main(argv: list[str] | None = None) -> int:
    import argparse

    from rehabdash.kernel.config import data_dir as default_data_dir

    parser = argparse.ArgumentParser(prog="python -m rehabdash.store.snapshots")
    parser.add_argument("command", choices=["migrate"], help="turn <YYYY-MM-DD>/ folders into versions")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    for path in migrate_dated(args.data_dir or default_data_dir()):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
