"""The snapshot store: atomic publish, immutability, refusal of snapshots whose checksums fail."""
import datetime as dt
import shutil

import pandas as pd
import pytest

from rehabdash.kernel.contract import SNAPSHOT_TABLES, TABLES
from rehabdash.store.snapshots import (
    check_snapshot,
    list_snapshots,
    newest_valid,
    write_snapshot,
)

from .seed import NEWEST, snapshot


def empty_tables() -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame({c: pd.Series([], dtype="object") for c in cols})
            for name, cols in TABLES.items()}


def test_publish_writes_manifest_and_never_overwrites(tmp_path):
    path = write_snapshot(tmp_path, dt.date(2025, 1, 31), empty_tables(), source="import")
    assert check_snapshot(path) is None
    [published] = list_snapshots(tmp_path)
    assert published.valid and published.source == "import"
    assert set(published.manifest["files"]) == set(SNAPSHOT_TABLES)  # with the reports publishing records
    assert published.version == 1 and path.name == "000001"
    manifest = path.joinpath("manifest.json").read_bytes()
    # The same date again is a new version; the first one is left as it was.
    again = write_snapshot(tmp_path, dt.date(2025, 1, 31), empty_tables(), source="import")
    assert again.name == "000002"
    assert path.joinpath("manifest.json").read_bytes() == manifest
    assert [s.version for s in list_snapshots(tmp_path)] == [2, 1]


def test_failed_publish_leaves_nothing_behind(tmp_path):
    tables = empty_tables()
    tables["regions"] = pd.DataFrame({"region_code": [object()]})  # cannot be written as a string
    with pytest.raises(Exception):  # noqa: B017 (any failure of the writer leaves nothing behind)
        write_snapshot(tmp_path, dt.date(2025, 1, 31), tables, source="import")
    assert list((tmp_path / "snapshots").iterdir()) == []


def test_missing_tables_are_refused_before_writing(tmp_path):
    tables = empty_tables()
    del tables["funding"]
    with pytest.raises(ValueError, match="funding"):
        write_snapshot(tmp_path, dt.date(2025, 1, 31), tables, source="import")


def copy_sample(tmp_path):
    shutil.copytree(snapshot(NEWEST).path.parent, tmp_path / "snapshots")
    return tmp_path


def test_a_changed_file_is_refused_and_the_next_valid_snapshot_is_newest(tmp_path):
    data = copy_sample(tmp_path)
    damaged = snapshot(NEWEST).path.name
    damaged = data / "snapshots" / damaged / "funding.parquet"
    damaged.write_bytes(damaged.read_bytes()[:-10])
    snapshots = list_snapshots(data)
    assert snapshots[0].as_of == NEWEST and not snapshots[0].valid
    assert "funding" in snapshots[0].problem
    assert newest_valid(snapshots).as_of == dt.date(2025, 6, 30)


def test_missing_manifest_is_refused(tmp_path):
    data = copy_sample(tmp_path)
    (data / "snapshots" / snapshot(NEWEST).path.name / "manifest.json").unlink()
    assert list_snapshots(data)[0].problem == "缺少 manifest.json"


def test_half_written_staging_folders_are_ignored(tmp_path):
    data = copy_sample(tmp_path)
    (data / "snapshots" / ".2025-09-30-abc").mkdir()
    (data / "snapshots" / ".staging-1-abc").mkdir()
    assert [s.as_of for s in list_snapshots(data)][0] == NEWEST


def test_folders_of_the_dated_layout_are_refused_then_migrated_into_versions(tmp_path):
    data = copy_sample(tmp_path)
    root = data / "snapshots"
    for number, day in ((1, "2024-06-30"), (2, "2024-12-31")):  # as an older deployment has them
        (root / f"{number:06d}").rename(root / day)
    listed = list_snapshots(data)
    assert [s.version for s in listed[:2]] == [4, 3]
    assert [s.as_of.isoformat() for s in listed[2:]] == ["2024-12-31", "2024-06-30"]
    assert all("migrate" in s.problem for s in listed[2:])
    from rehabdash.store.snapshots import migrate_dated
    assert [p.name for p in migrate_dated(data)] == ["000005", "000006"]
    listed = list_snapshots(data)
    assert all(s.valid for s in listed)
    assert [(s.version, s.as_of.isoformat()) for s in listed[:2]] == [(6, "2024-12-31"), (5, "2024-06-30")]
