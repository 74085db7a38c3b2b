"""What replicas behind a load balancer need of the library (issue 21): nothing mutable kept in one
process. A version published by another process is served on an open session's next run; replicas
started together create the database's tables once; two admins importing boundaries at once on two
replicas both keep theirs; a sign-in made on one replica is valid on another."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd

from rehabdash.access.accounts import AccountStore
from rehabdash.kernel.config import PROJECT_DIR

from .conftest import start_app
from .seed import QINGSHAN

PROCESSES = 4


def served_2025(version_dir) -> int:
    """Persons given precise rehab in 青山区 in 2025, summed from the version's Parquet files."""
    regions = pd.read_parquet(version_dir / "regions.parquet")
    services = pd.read_parquet(version_dir / "rehab_services.parquet")
    towns = regions.loc[regions["parent_code"] == QINGSHAN, "region_code"]
    rows = services[services["region_code"].isin(towns) & (pd.to_datetime(services["period"]).dt.year == 2025)]
    return int(rows["served_count"].sum())


def publish_elsewhere(directory) -> None:
    """September of 青山区 published by another process, as another replica's upload page would."""
    subprocess.run([sys.executable, "-m", "tests.publisher", str(directory), QINGSHAN], cwd=PROJECT_DIR,
                   check=True, timeout=120)


def snapshot_box(at):
    return next(s for s in at.sidebar.selectbox if s.label == "数据快照")


def test_an_open_session_on_the_newest_version_is_served_the_next_one_published(sample_data):
    at = start_app(district="青山区")
    assert snapshot_box(at).value == "2025-08-31"
    assert at.metric[0].value == str(served_2025(sample_data / "snapshots" / "000004"))
    publish_elsewhere(sample_data)
    at.run()  # the session's next run, widget values and all, as the browser sends them
    assert snapshot_box(at).value == "2025-09-30"
    assert at.metric[0].value == str(served_2025(sample_data / "snapshots" / "000005"))
    assert served_2025(sample_data / "snapshots" / "000005") > served_2025(sample_data / "snapshots" / "000004")
    assert not at.exception


def test_an_open_session_that_chose_an_older_version_stays_on_it(sample_data):
    at = start_app(district="青山区")
    snapshot_box(at).select("2025-06-30").run()
    shown = at.metric[0].value
    publish_elsewhere(sample_data)
    at.run()
    assert snapshot_box(at).value == "2025-06-30" and at.metric[0].value == shown
    assert "2025-09-30" in snapshot_box(at).options
    assert not at.exception


def _start_together(setup: str, code: str, env: dict) -> list[subprocess.CompletedProcess]:
    """PROCESSES Python processes that run `setup` (the imports), say so, and then run `code` at the
    same moment (when a file they wait for appears)."""
    folder = Path(env["REHAB_INSTANCE_DIR"])
    go = folder / "go"
    waiting = (f"{setup}\nimport os, time\nopen(os.path.join({str(folder)!r}, f'ready-{{os.getpid()}}'), 'w').close()\n"
               f"while not os.path.exists({str(go)!r}): time.sleep(0.002)\n{code}")
    procs = [subprocess.Popen([sys.executable, "-c", waiting], cwd=PROJECT_DIR, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(PROCESSES)]
    for _ in range(6000):  # at most a minute for the interpreters to come up
        if len(list(folder.glob("ready-*"))) == PROCESSES or any(p.poll() is not None for p in procs):
            break
        time.sleep(0.01)
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


def test_replicas_started_together_create_the_tables_once(database_url, tmp_path):
    env = {**os.environ, "REHAB_DATABASE_URL": database_url, "REHAB_INSTANCE_DIR": str(tmp_path)}
    results = _start_together("from rehabdash.access import audit",
                              "audit.record('snapshot', 'replica', published='x')", env)
    assert [r.returncode for r in results] == [0] * PROCESSES, [r.stderr[-500:] for r in results]
    from rehabdash.access import audit
    assert len(audit.entries("snapshot")) == PROCESSES


def test_replicas_started_together_move_the_former_accounts_file_in_once(tmp_path):
    from argon2 import PasswordHasher

    digest = PasswordHasher().hash("secret")
    (tmp_path / "accounts.json").write_text(json.dumps(
        {f"user{i}": {"role": "viewer", "scope": [QINGSHAN], "password_hash": digest} for i in range(5)}),
        encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "REHAB_DATABASE_URL"}
    env["REHAB_INSTANCE_DIR"] = str(tmp_path)
    results = _start_together("from rehabdash.access.accounts import AccountStore",
                              "print(sorted(AccountStore().load()))", env)
    assert [r.returncode for r in results] == [0] * PROCESSES, [r.stderr[-500:] for r in results]
    assert {r.stdout.strip() for r in results} == {str([f"user{i}" for i in range(5)])}
    assert (tmp_path / "accounts.json.imported").exists() and not (tmp_path / "accounts.json").exists()


def test_a_sign_in_made_on_one_replica_is_valid_on_another(database_url, tmp_path):
    """The browser's cookie holds a random token whose hash is in the shared database: no secret of
    the process that issued it is needed to check it."""
    store = AccountStore()
    store.add("qingshan", "secret", "viewer", [QINGSHAN])
    token = store.start_session("qingshan", days=1)
    env = {**os.environ, "REHAB_DATABASE_URL": database_url, "REHAB_INSTANCE_DIR": str(tmp_path)}
    check = ("import sys\nfrom rehabdash.access.accounts import AccountStore\n"
             "account = AccountStore().session_account(sys.argv[1])\nprint(account.username if account else '-')\n")
    other = subprocess.run([sys.executable, "-c", check, token], cwd=PROJECT_DIR, env=env, text=True,
                           capture_output=True, timeout=60)
    assert other.stdout.strip() == "qingshan", other.stderr[-500:]
    store.end_session(token)  # logged out on the first: void on the other too
    other = subprocess.run([sys.executable, "-c", check, token], cwd=PROJECT_DIR, env=env, text=True,
                           capture_output=True, timeout=60)
    assert other.stdout.strip() == "-"


def test_two_admins_importing_boundaries_at_once_both_keep_their_townships(sample_data, monkeypatch):
    from shapely.geometry import mapping

    from rehabdash.ingest import boundaries as township_import

    from .test_boundary_import import ADMIN, geojson, surveyed

    towns = list(surveyed().items())
    files = [geojson([({"代码": code, "名称": name}, mapping(polygon))]) for code, (name, polygon) in towns[:2]]
    checked = [township_import.check_file(content, f"{i}.geojson", ADMIN) for i, content in enumerate(files)]
    assert all(c.valid for c in checked)
    read = township_import.published

    def slow_read(kind="townships"):  # each publisher reads what is there, then takes its time before writing
        found = read(kind)
        time.sleep(0.5)
        return found

    monkeypatch.setattr(township_import, "published", slow_read)
    threads = [threading.Thread(target=township_import.publish, args=(c, ADMIN)) for c in checked]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(f["properties"]["region_code"] for f in read()) == sorted(code for code, _ in towns[:2])
