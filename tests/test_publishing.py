"""Publishing as commits: two districts' September, one after the other and at the same moment, both
end up in the newest version; a kill at every step never leaves a version without its log, a partial
version or a refused retry; a rotted or unreadable version is refused without a traceback and the
newest readable one is served; a full disk is a Chinese message with nothing published."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from rehabdash.ingest.publish import publish_tables, read_log
from rehabdash.kernel import measures
from rehabdash.store import db, snapshots
from rehabdash.store.snapshots import PublishError, list_snapshots, newest_valid

from .seed import QINGSHAN, YUANHUI
from .workbooks import AS_OF, SEPTEMBER, data_copy, month_rows

PROJECT = Path(__file__).resolve().parent.parent
DISTRICTS = (QINGSHAN, YUANHUI)


def september_rows(snapshot, district: str) -> int:
    """rehab_services rows of September in the district's townships, counted from the Parquet file."""
    frame = pd.read_parquet(snapshot.table_path("rehab_services"))
    regions = pd.read_parquet(snapshot.table_path("regions"))
    townships = set(regions.loc[regions["parent_code"] == district, "region_code"])
    return int(((frame["period"] == SEPTEMBER) & frame["region_code"].isin(townships)).sum())


@pytest.fixture
def data(tmp_path):
    directory = data_copy(tmp_path)
    expected = {d: len(month_rows(directory, (d,))["rehab_services"]) for d in DISTRICTS}
    assert all(expected.values())
    return directory, expected


def publisher(directory: Path, district: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.publisher", str(directory), district, *extra],
                            cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def assert_whole(directory: Path) -> None:
    """Every listed version is valid, every imported one carries its log, no staging is listed."""
    for snapshot in list_snapshots(directory):
        assert snapshot.valid, (snapshot.path, snapshot.problem)
        if snapshot.source == "import":
            assert snapshot.log and snapshot.log["version"] == snapshot.version


def test_the_same_month_one_after_the_other_keeps_both_districts(data):
    directory, expected = data
    base = newest_valid(list_snapshots(directory))
    for district in DISTRICTS:
        publish_tables(month_rows(directory, (district,)), base, AS_OF, f"clerk-{district}", "x.xlsx",
                       "0" * 64, directory, note=f"{district} 九月")
    newest = newest_valid(list_snapshots(directory))
    assert newest.version == base.version + 2 and newest.as_of == AS_OF
    assert {d: september_rows(newest, d) for d in DISTRICTS} == expected
    # Both versions carry the same month; each log says who, the note and the base it was built on.
    log = read_log(directory)
    assert [e["who"] for e in log] == [f"clerk-{d}" for d in DISTRICTS]
    assert log[1]["note"] == f"{YUANHUI} 九月" and log[1]["based_on_version"] == base.version + 1


@pytest.mark.parametrize("round_", range(3))
def test_the_same_month_at_the_same_moment_keeps_both_districts(data, round_):
    directory, expected = data
    start = directory / "go"
    processes = [publisher(directory, d, "--wait", str(start)) for d in DISTRICTS]
    start.touch()
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    assert_whole(directory)
    newest = newest_valid(list_snapshots(directory))
    assert {d: september_rows(newest, d) for d in DISTRICTS} == expected
    assert sorted(e["who"] for e in read_log(directory)) == sorted(f"clerk-{d}" for d in DISTRICTS)


def test_a_lost_race_rebases_on_the_winner(data, monkeypatch):
    """In-process: another publish commits between building and renaming; the loser rebuilds on it."""
    directory, expected = data
    real = snapshots._stage
    raced = []

    def stage_then_lose(root, number, *args):
        staging = real(root, number, *args)
        if not raced:
            raced.append(number)
            monkeypatch.setattr(snapshots, "_stage", real)
            publish_tables(month_rows(directory, (QINGSHAN,)), None, AS_OF, "winner", "w.xlsx", "0" * 64,
                           directory)
        return staging

    monkeypatch.setattr(snapshots, "_stage", stage_then_lose)
    published = publish_tables(month_rows(directory, (YUANHUI,)), None, AS_OF, "loser", "l.xlsx",
                               "0" * 64, directory)
    assert published.snapshot.version == raced[0] + 1
    assert {d: september_rows(published.snapshot, d) for d in DISTRICTS} == expected
    assert published.log_entry["based_on_version"] == raced[0]
    assert not [p for p in (directory / "snapshots").iterdir() if p.name.startswith(".")]


STEPS = ["building_done", "staging_created", "table:regions", "table:rehab_services", "table:activities",
         "manifest_written", "staging_synced", "renamed", "committed"]


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_at_any_step_leaves_whole_versions_and_the_retry_publishes(data, step):
    directory, expected = data
    before = newest_valid(list_snapshots(directory))
    process = publisher(directory, QINGSHAN, "--kill-at", step)
    process.communicate(timeout=120)
    assert process.returncode == -9  # it really was killed at that step
    assert_whole(directory)
    newest = newest_valid(list_snapshots(directory))
    committed = step in ("renamed", "committed")
    assert newest.version == before.version + committed
    assert september_rows(newest, QINGSHAN) == (expected[QINGSHAN] if committed else 0)
    assert len(read_log(directory)) == committed
    # The retry is not refused, builds on the newest version and cleans what the killed one left.
    published = publish_tables(month_rows(directory, (QINGSHAN,)), None, AS_OF, "retry", "x.xlsx",
                               "0" * 64, directory)
    assert published.snapshot.version == newest.version + 1
    assert september_rows(published.snapshot, QINGSHAN) == expected[QINGSHAN]
    assert not [p for p in (directory / "snapshots").iterdir() if p.name.startswith(".")]
    assert_whole(directory)


def test_a_publish_removes_only_this_machines_staging_folders_of_dead_processes(data, monkeypatch):
    """On a data directory shared by several machines a process ID says nothing about another machine:
    a staging folder is named by host and process, and a publish removes only those of this host whose
    process is gone (another machine's may be its publish under way)."""
    directory, _ = data
    root = directory / "snapshots"
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process ID nobody has now
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    host = snapshots._host()
    folders = {"this host, process gone": f".staging-{host}-{gone.pid}-0001",
               "this host, process alive": f".staging-{host}-{alive.pid}-0002",
               "another host, same IDs": f".staging-db-2.example.org-{gone.pid}-0003",
               "another host or an older release": f".staging-{gone.pid}-0004"}
    for name in folders.values():
        (root / name).mkdir()
    staged = []
    monkeypatch.setattr(snapshots, "_checkpoint", lambda step: staged.extend(
        p.name for p in root.iterdir() if step == "staging_created" and p.name not in folders.values()
        and p.name.startswith(".")))
    try:
        publish_tables(month_rows(directory, (QINGSHAN,)), None, AS_OF, "a", "x.xlsx", "0" * 64, directory)
    finally:
        alive.kill()
        alive.wait()
    left = {p.name for p in root.iterdir() if p.name.startswith(".")}
    assert left == set(folders.values()) - {folders["this host, process gone"]}
    [own] = staged
    assert own.startswith(f".staging-{host}-{os.getpid()}-")
    assert snapshots.staging_owner(own) == (host, os.getpid())
    assert snapshots.staging_owner(folders["another host, same IDs"]) == ("db-2.example.org", gone.pid)


def test_a_kill_between_the_commit_and_its_audit_lines_is_recovered_once(data, monkeypatch, tmp_path):
    """The publisher is killed after its version is committed and before it writes the audit lines: the
    next listing writes them from the version's log, marked recovered, once however often it runs."""
    import datetime as dt

    from rehabdash.access import audit
    from rehabdash.ingest.publish import RECOVERY_GRACE, recover_audit

    monkeypatch.setenv("REHAB_INSTANCE_DIR", str(tmp_path / "instance"))  # this test's own audit log
    directory, _ = data
    process = publisher(directory, QINGSHAN, "--kill-at", "committed")
    process.communicate(timeout=120)
    assert process.returncode == -9
    newest = newest_valid(list_snapshots(directory))
    assert newest.log["who"] == f"clerk-{QINGSHAN}" and audit.entries("import") == []
    label = f"{newest.as_of.isoformat()} (v{newest.version})"

    just_now = dt.datetime.fromisoformat(newest.manifest["created_at"]) + RECOVERY_GRACE / 2
    assert recover_audit(list_snapshots(directory), now=just_now) == []  # its publisher may be at it
    assert audit.entries("import") == []
    later = just_now + RECOVERY_GRACE  # the app started again, or a page opened, after a while
    assert recover_audit(list_snapshots(directory), now=later) == [label]
    assert recover_audit(list_snapshots(directory), now=later) == []
    [imported] = audit.entries("import")
    [announced] = audit.entries("snapshot")
    assert imported["user"] == announced["user"] == f"clerk-{QINGSHAN}"
    assert imported["scope"] is None  # the publisher's account: every region
    assert imported["detail"] == {"file": f"{QINGSHAN}.xlsx", "sha256": "0" * 64, "snapshot": label, "note": "test",
                                  "recovered": True, "published_at": newest.log["at"]}
    assert announced["detail"] == {"published": label, "source": "import", "recovered": True,
                                   "published_at": newest.log["at"]}

    # A version audited by its publisher is not audited again, by this process or a new one.
    published = publish_tables(month_rows(directory, (YUANHUI,)), None, AS_OF, "b", "y.xlsx", "1" * 64, directory)
    monkeypatch.setattr(sys.modules[recover_audit.__module__], "_AUDITED", set())  # as in a new process
    assert recover_audit(list_snapshots(directory), now=later + RECOVERY_GRACE) == []
    assert [e["detail"]["snapshot"] for e in audit.entries("import")] == [label, f"{published.snapshot.as_of} (v{published.snapshot.version})"]


def test_published_folders_and_files_are_group_readable(data):
    directory, _ = data
    published = publish_tables(month_rows(directory, (QINGSHAN,)), None, AS_OF, "a", "x.xlsx", "0" * 64,
                               directory)
    assert published.path.stat().st_mode & 0o777 == snapshots.DIR_MODE == 0o750
    assert {p.stat().st_mode & 0o777 for p in published.path.iterdir()} == {snapshots.FILE_MODE} == {0o640}


@pytest.mark.parametrize("parent_mode", [0o750, 0o2750])
def test_folders_a_command_creates_are_readable_by_the_group_whatever_the_umask(data, tmp_path, parent_mode):
    """An operator runs an import (or the setup of a new deployment) with umask 077: the data folders it
    creates are 0750, and keep the setgid bit of a parent set up as deploy/README.md says."""
    import stat

    directory, _ = data
    tables = {t: pd.read_parquet(p) for t, p in
              ((t, newest_valid(list_snapshots(directory)).table_path(t)) for t in snapshots.TABLES)}
    parent = tmp_path / "srv"
    parent.mkdir()
    os.chmod(parent, parent_mode)
    fresh = parent / "rehab" / "data"
    old = os.umask(0o077)
    try:
        version = snapshots.write_snapshot(fresh, AS_OF, tables, "sample")
    finally:
        os.umask(old)
    setgid = parent_mode & stat.S_ISGID
    for folder in (parent / "rehab", fresh, fresh / "snapshots"):
        assert folder.stat().st_mode & 0o7777 == 0o750 | setgid, (folder, oct(folder.stat().st_mode))
    assert version.stat().st_mode & 0o777 == 0o750
    assert {p.stat().st_mode & 0o777 for p in version.iterdir()} == {0o640}


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EACCES])
def test_a_full_disk_or_missing_permission_is_a_chinese_message_and_nothing_is_published(data, monkeypatch,
                                                                                          error):
    directory, _ = data
    before = sorted(p.name for p in (directory / "snapshots").iterdir())
    real = snapshots._write_synced
    written = []

    def fill_up(path, content):  # the disk fills up after some tables are written (or a permission)
        if len(written) >= 3:
            raise OSError(error, os.strerror(error), str(path))
        written.append(path)
        real(path, content)

    monkeypatch.setattr(snapshots, "_write_synced", fill_up)
    with pytest.raises(PublishError) as raised:
        publish_tables(month_rows(directory, (QINGSHAN,)), None, AS_OF, "a", "x.xlsx", "0" * 64, directory)
    assert ("磁盘空间不足" if error == errno.ENOSPC else "没有写入数据目录") in str(raised.value)
    assert "未发布任何数据" in str(raised.value)
    assert "disk is full" in raised.value.message("en") or "permission" in raised.value.message("en")
    assert sorted(p.name for p in (directory / "snapshots").iterdir()) == before
    assert read_log(directory) == []


def test_the_command_line_says_a_full_disk_in_chinese(data, monkeypatch, capsys):
    from argparse import Namespace

    from rehabdash.ingest import cli

    from .workbooks import filled

    directory, _ = data
    monkeypatch.setenv("REHAB_DATA_DIR", str(directory))
    workbook = directory / "九月.xlsx"
    workbook.write_bytes(filled(directory, month_rows(directory, (QINGSHAN,))))

    def full(path, content):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(snapshots, "_write_synced", full)
    code = cli.run_import(Namespace(file=workbook, as_of=AS_OF, lang="zh", check_only=False, account=None,
                                    note=""))
    assert code == 1
    err = capsys.readouterr().err
    assert "磁盘空间不足" in err and "Traceback" not in err and "Errno" not in err


def rot(path: Path) -> None:
    """Change bytes inside the file, keeping its size and modification time (rot in place)."""
    stat = path.stat()
    content = bytearray(path.read_bytes())
    for i in range(len(content) // 4, len(content) // 2):
        content[i] ^= 0x5A
    path.write_bytes(bytes(content))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_rotted_parquet_file_refuses_the_version_without_a_traceback(data):
    directory, _ = data
    current = newest_valid(list_snapshots(directory))
    db.run("data_years", current)  # the app has opened this version before the file rots
    rot(current.table_path("rehab_services"))
    with pytest.raises(db.SnapshotUnreadable):
        db.run("rehab_services_totals", current, allowed=(QINGSHAN,), scope=(QINGSHAN,), fresh=True,
               **measures.year_window(current.as_of, 2025))
    refused = next(s for s in list_snapshots(directory) if s.path == current.path)
    assert not refused.valid and "rehab_services" in refused.problem
    assert newest_valid(list_snapshots(directory)).version == current.version - 1


def test_the_sidebar_refuses_a_version_that_rots_while_the_app_runs(data, monkeypatch):
    from .test_app import start

    directory, _ = data
    monkeypatch.setenv("REHAB_DATA_DIR", str(directory))
    at = start()
    assert not at.exception and at.selectbox(key="snapshot").value == "2025-08-31"
    current = newest_valid(list_snapshots(directory))
    rot(current.table_path("rehab_services"))  # same size, same mtime: the folder listing is unchanged
    at.run()
    assert not at.exception
    assert any("2025-08-31 (v4)" in w.value and "校验和不符" in w.value for w in at.sidebar.warning)
    assert at.selectbox(key="snapshot").value == "2025-06-30"


def test_a_folder_the_app_cannot_read_is_refused_and_the_newest_readable_served(tmp_path):
    """Run as a user who may not read the newest version (0700, as a temporary folder is made)."""
    base = Path(tempfile.mkdtemp(prefix="rehab-perm-"))
    try:
        os.chmod(base, 0o755)
        directory = data_copy(base)
        for path in [directory, *directory.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        current = newest_valid(list_snapshots(directory))
        os.chmod(current.path, 0o700)
        probe = ("import sys; from rehabdash.store.snapshots import list_snapshots, newest_valid; "
                 "s = list_snapshots(sys.argv[1]); print(s[0].problem); print(newest_valid(s).version)")
        command = [sys.executable, "-c", probe, str(directory)]
        if os.geteuid() == 0:  # root reads everything: ask as nobody
            if shutil.which("setpriv") is None:
                pytest.skip("setpriv is needed to drop root")
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        problem, served = done.stdout.strip().splitlines()
        assert "无法读取" in problem and "权限" in problem
        assert int(served) == current.version - 1
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_real_full_tmpfs_is_a_chinese_message_and_nothing_is_published(tmp_path, data):
    """Where the test may mount (root with CAP_SYS_ADMIN), a 320 KB tmpfs that holds one version only;
    the patched-writer test above covers the same path everywhere else."""
    source, _ = data
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=320k", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        directory = mount / "data"
        newest = newest_valid(list_snapshots(source))
        shutil.copytree(newest.path, directory / "snapshots" / newest.path.name)
        with pytest.raises(PublishError, match="磁盘空间不足"):
            publish_tables(month_rows(directory, (QINGSHAN,)), None, AS_OF, "a", "x.xlsx", "0" * 64,
                           directory)
        assert [p.name for p in (directory / "snapshots").iterdir()] == [newest.path.name]
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_losing_every_race_ends_in_a_chinese_message_with_nothing_staged(data, monkeypatch):
    directory, _ = data
    real = snapshots._stage

    def always_beaten(root, number, *args):  # another publisher takes the number every time
        staging = real(root, number, *args)
        taken = root / snapshots.version_name(number)
        taken.mkdir()
        (taken / "x").write_text("someone else's")
        return staging

    monkeypatch.setattr(snapshots, "_stage", always_beaten)
    with pytest.raises(PublishError) as raised:
        publish_tables(month_rows(directory, (QINGSHAN,)), None, AS_OF, "a", "x.xlsx", "0" * 64, directory)
    assert "已重试 20 次" in str(raised.value) and "未发布任何数据" in str(raised.value)
    assert not [p for p in (directory / "snapshots").iterdir() if p.name.startswith(".")]
    assert read_log(directory) == []
