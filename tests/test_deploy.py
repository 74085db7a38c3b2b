"""The deployment of deploy/ on loopback (issue 21): the rendered nginx configuration passes `nginx -t`;
two replicas (started with the systemd unit's command) on one shared data directory and one PostgreSQL
database, nginx in front with the rendered configuration. Through nginx, a bounded load of 30 signed-in
sessions (bench/load.py's websocket client) runs while one replica is killed and a new version is
published; then, with the killed replica back, a browser that was on it uploads and downloads.

- (a) the sessions on the killed replica reconnect through nginx to the other one and finish their
  pages, still signed in; no page fails twice; the surviving replica's latency before and after is
  written to .pytest_cache/deploy-report.json;
- (b) every page run after the publish shows the new version, and every run shows the figures of the
  version it names (summed from that version's Parquet files): never a mix; the version the browser
  publishes on one replica is what the other serves;
- (c) the browser's upload and downloads reach the replica that holds its session (no 400 "session
  invalid"), even after its first replica came back;
- nothing is lost: both imports are in the audit table and in a committed version.

Needs nginx and PostgreSQL (REHAB_TEST_POSTGRES_URL, or Debian's server to start a throw-away cluster)
and Chromium; outside CI a missing one skips. Nothing is timed against a limit: every wait has a
generous deadline, the figures are reported.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import time

import pandas as pd
import pytest

from bench import cluster
from bench.load import Session, _free_port, percentiles
from rehabdash import ingest
from rehabdash.access import audit
from rehabdash.access.accounts import Account, AccountStore
from rehabdash.store.snapshots import list_snapshots
from tools import deploy

from .conftest import PROJECT, RecordedPage, _require_chromium, sign_in, wait_for_app
from .deploying import need, nginx_t
from .seed import QINGSHAN
from .test_browser_upload import choose_file, download
from .workbooks import AS_OF, SEPTEMBER, data_copy, fill_template, filled, month_rows

pytestmark = pytest.mark.deploy

DONGHE = "150202000000"
PASSWORD = "东河 correct horse"
SESSIONS = 30
QUERY = {"district": "青山区"}
OTHER_PAGES = ["funding", "children"]  # the two cheapest topic pages after the overview
KILL_AFTER_RUNS = 20  # of 90: the replica dies while sessions are in the middle of their pages
PUBLISH_AFTER_RUNS = 24  # then a version is published; every session's last page waits for it
SERVED = "精准康复服务人数"
SNAPSHOT_BOX = "数据快照"


def in_thread(coroutine):
    """Run a coroutine to its end in a thread of its own (Playwright's sync API holds this thread's loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def plan(i: int) -> list[str]:
    """Session i's pages, one after another on its connection: overview, another page, overview."""
    return ["overview", OTHER_PAGES[i % len(OTHER_PAGES)], "overview"]


# --------------------------------------------------------------------------- the configuration

def test_the_rendered_configuration_passes_nginx_t_and_the_units_start_what_the_test_starts(tmp_path):
    need("nginx", shutil.which("nginx"))
    out = tmp_path / "deploy"
    assert deploy.main(["render", "--replicas", "4", "--out", str(out), "--standalone", str(out),
                        "--access-log", str(out / "access.log"), "--listen", f"127.0.0.1:{_free_port()}",
                        "--app-dir", str(PROJECT), "--user", "rehab"]) == 0
    checked = nginx_t(out)
    assert checked.returncode == 0 and "syntax is ok" in checked.stderr, checked.stderr

    site = (out / "nginx" / "rehabdash.conf").read_text(encoding="utf-8")
    ports = [8501, 8502, 8503, 8504]
    for n, port in enumerate(ports, start=1):  # each replica's upstream: itself, the others as backups
        block = re.search(rf"upstream rehabdash_r{n} \{{(.*?)\}}", site, re.S).group(1)
        servers = re.findall(r"server 127\.0\.0\.1:(\d+) max_fails=1 fail_timeout=10s( backup)?;", block)
        assert servers[0] == (str(port), "") and sorted(int(p) for p, b in servers[1:] if b) == \
            sorted(set(ports) - {port})
    assert f"client_max_body_size {deploy.STREAMLIT_MAX_UPLOAD_MB + 1}m;" in site  # the file and its envelope
    assert "proxy_set_header Upgrade $http_upgrade;" in site and "proxy_pass http://$rehab_upstream;" in site

    unit = (out / "systemd" / "rehabdash@.service").read_text(encoding="utf-8")
    exec_start = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1)
    command = deploy.replica_command(deploy.Settings(app_dir=PROJECT), "%i")
    assert shlex.split(exec_start) == command
    assert ["--server.maxUploadSize", str(deploy.STREAMLIT_MAX_UPLOAD_MB)] == \
        command[command.index("--server.maxUploadSize"):][:2]
    if shutil.which("systemd-analyze"):  # where systemd's tools are installed: the units as systemd reads them
        instance = out / "systemd" / "rehabdash@8501.service"
        shutil.copy(out / "systemd" / "rehabdash@.service", instance)
        for unit_file in (instance, out / "systemd" / "rehabdash.target"):
            verified = subprocess.run(["systemd-analyze", "verify", str(unit_file)], capture_output=True,
                                      text=True, timeout=60, cwd=out / "systemd")
            assert verified.returncode == 0, verified.stderr
    target = (out / "systemd" / "rehabdash.target").read_text(encoding="utf-8")
    assert re.search(r"^Wants=(.*)$", target, re.M).group(1).split() == [f"rehabdash@{p}.service" for p in ports]

    env = (out / "rehabdash.env").read_text(encoding="utf-8")
    secret = re.search(r"^STREAMLIT_SERVER_COOKIE_SECRET=([0-9a-f]{64})$", env, re.M).group(1)
    deploy.main(["render", "--replicas", "4", "--out", str(out)])  # again: the one secret is kept
    assert secret in (out / "rehabdash.env").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the real thing

@pytest.fixture(scope="module")
def database():
    """A PostgreSQL database of its own: a fresh schema of REHAB_TEST_POSTGRES_URL (CI), else a
    throw-away cluster of Debian's server."""
    url = os.environ.get("REHAB_TEST_POSTGRES_URL")
    if url:
        yield cluster.fresh_schema(url)
        return
    need("PostgreSQL (REHAB_TEST_POSTGRES_URL or Debian's postgresql)", cluster.postgres_bin())
    server = cluster.Postgres()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def deployment(tmp_path, database, monkeypatch):
    need("nginx", shutil.which("nginx"))
    _require_chromium()
    data = data_copy(tmp_path)
    env = {"REHAB_DATA_DIR": str(data), "REHAB_DATABASE_URL": database, "REHAB_AUTH": "local",
           "REHAB_INSTANCE_DIR": str(tmp_path / "instance"),
           "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    for key, value in env.items():  # the test's own publish goes to the same database and data
        monkeypatch.setenv(key, value)
    store = AccountStore(database)
    store.add("dh_clerk", PASSWORD, "clerk", [DONGHE])
    store.add("qs_viewer", PASSWORD, "viewer", [QINGSHAN])
    store.add("qs_clerk", PASSWORD, "clerk", [QINGSHAN])
    ports = [_free_port()]
    while len(ports) < 2:
        ports += [p for p in [_free_port()] if p not in ports]
    replicas = cluster.replicas(ports, env, "deploy")
    nginx = cluster.Nginx(tmp_path / "nginx", [f"127.0.0.1:{p}" for p in ports])
    state = {"replicas": replicas, "nginx": nginx, "data": data, "env": env, "ports": ports, "store": store}
    try:
        checked = nginx.check()
        assert checked.returncode == 0, checked.stderr
        nginx.start()
        yield state
    finally:
        nginx.stop()
        with concurrent.futures.ThreadPoolExecutor(len(state["replicas"])) as pool:  # each takes seconds
            list(pool.map(lambda server: server.stop(), state["replicas"]))


def served_2025(version_dir, district: str = QINGSHAN) -> int:
    """Persons given precise rehab in the district in 2025, summed from the version's own Parquet files."""
    regions = pd.read_parquet(version_dir / "regions.parquet")
    services = pd.read_parquet(version_dir / "rehab_services.parquet")
    towns = regions.loc[regions["parent_code"] == district, "region_code"]
    return int(services.loc[services["region_code"].isin(towns)
                            & (pd.to_datetime(services["period"]).dt.year == 2025), "served_count"].sum())


def final_runs(load) -> list[dict]:
    """The last attempt of each page of each session."""
    return list({(r["session"], r["step"]): r for r in load.runs}.values())


class Load:
    """SESSIONS signed-in sessions through nginx, each running its plan's pages on one connection; a
    page that fails is asked for once more on a new connection (as the browser reconnects), never
    twice. Meanwhile: the victim replica is killed, then a version is published, which each session's
    last page waits for."""

    def __init__(self, url: str, cookies: list[dict], kill, publish):
        self.url, self.cookies, self.kill, self.publish = url, cookies, kill, publish
        self.runs: list[dict] = []
        self.finished_steps = 0
        self.events: dict[str, float] = {}
        self.published = asyncio.Event()

    async def session(self, i: int) -> None:
        session = Session(self.url, self.cookies[i], timeout=120)
        for step, page in enumerate(plan(i)):
            if step == len(plan(i)) - 1:  # the last page after the publish: each session's next run
                await asyncio.wait_for(self.published.wait(), 600)
            for attempt in (1, 2):
                started = time.perf_counter()
                result = await session.run(page, QUERY, record=True, start=started)
                result.update(session=i, step=step, attempt=attempt, started=started, ended=time.perf_counter(),
                              replica=session.cookies.get("rehab_replica"))
                self.runs.append(result)
                if result["ok"]:
                    break
            self.finished_steps += 1
        await session.close()

    async def happenings(self) -> None:
        for _ in range(12_000):  # at most ten minutes
            if self.finished_steps >= KILL_AFTER_RUNS:
                break
            await asyncio.sleep(0.05)
        self.kill()
        self.events["killed"] = time.perf_counter()
        for _ in range(12_000):
            if self.finished_steps >= PUBLISH_AFTER_RUNS:
                break
            await asyncio.sleep(0.05)
        self.events["publish_started"] = time.perf_counter()
        try:
            await asyncio.to_thread(self.publish)
        finally:
            self.events["published"] = time.perf_counter()
            self.published.set()

    async def all(self) -> None:
        await asyncio.gather(self.happenings(), *(self.session(i) for i in range(SESSIONS)))


@pytest.mark.browser
def test_a_killed_replica_a_publish_and_an_upload_through_nginx(deployment, browser, screenshots_dir):
    replicas, nginx, data, store = (deployment[k] for k in ("replicas", "nginx", "data", "store"))
    names = nginx.settings.names()
    by_name = dict(zip(names, replicas))
    report: dict = {"sessions": SESSIONS, "replicas": len(replicas), "phases_s": {}}
    clock = [time.perf_counter()]

    def phase(name: str) -> None:
        now = time.perf_counter()
        report["phases_s"][name] = round(now - clock[0], 1)
        clock[0] = now

    # The browser signs in through nginx on the upload page and downloads the template there.
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN",
                                  accept_downloads=True)
    recorded = RecordedPage(context.new_page())
    page = recorded.page
    refused: list[str] = []  # a refused upload, download or websocket (Streamlit's probes of /upload/_stcore/… aside)
    page.on("response", lambda r: refused.append(f"{r.status} {r.request.method} {r.url}")
            if r.status >= 400 and re.search(r"/(_stcore/upload_file|media|_stcore/stream)\b", r.url) else None)
    sign_in(page, "dh_clerk", PASSWORD, at=f"{nginx.url}/upload")
    wait_for_app(page, '[data-testid="stFileUploader"]', timeout=90_000)
    template = download(page, "下载填报模板（Excel）")
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    victim_name = cookies["rehab_replica"]
    survivor_name = next(n for n in names if n != victim_name)
    victim, survivor = by_name[victim_name], by_name[survivor_name]
    phase("browser_sign_in_and_download")

    # Each replica has opened the overview once (a meeting's link is opened on servers that have been up).
    warm = [{"rehab_session": store.start_session("qs_viewer", 1)} for _ in replicas]

    async def warm_up(server, cookie):
        session = Session(f"ws://127.0.0.1:{server.port}/_stcore/stream", cookie, timeout=120)
        results = [await session.run("overview", QUERY)]
        await session.close()
        return results
    async def warm_all():
        return await asyncio.gather(*(warm_up(s, c) for s, c in zip(replicas, warm)))
    assert all(r["ok"] for rs in in_thread(warm_all()) for r in rs)
    phase("warm_up")

    # (a) + (b): the load, half of the sessions on each replica; the browser's replica is killed.
    tokens = [store.start_session("qs_viewer", 1) for _ in range(SESSIONS)]
    qs_clerk = Account("qs_clerk", "clerk", (QINGSHAN,), password_hash="")
    workbook = filled(data, month_rows(data, (QINGSHAN,)))

    def publish_qingshan():  # as the upload page does: check as the account, then publish
        checked = ingest.check_workbook(workbook, None, data, account=qs_clerk)
        assert checked.valid, checked.problems[:3]
        report["published"] = ingest.publish(checked, qs_clerk, "青山区2025年9月.xlsx", data_dir=data,
                                             note="deploy test").snapshot.version

    load = Load(nginx.ws_url, [{"rehab_replica": names[i % 2], "rehab_session": tokens[i]} for i in range(SESSIONS)],
                kill=victim.popen.kill, publish=publish_qingshan)
    started, survivor_cpu = time.perf_counter(), survivor.cpu()
    in_thread(load.all())
    report["survivor_cpu_s_per_page"] = round((survivor.cpu() - survivor_cpu)
                                              / sum(r["replica"] == survivor_name for r in final_runs(load)), 3)
    report["load_wall_s"] = round(time.perf_counter() - started, 2)
    phase("load")

    # Every page of every session finished, signed in, at most one failure each.
    final = {(r["session"], r["step"]): r for r in final_runs(load)}
    assert len(final) == SESSIONS * 3
    failed = [f"{k}: {r['status']} {r['error']}" for k, r in final.items() if not r["ok"]]
    assert not failed, failed
    assert all(SNAPSHOT_BOX in r["selects"] for r in final.values())  # the sidebar: signed in, not the login form
    retried = [r for r in load.runs if r["attempt"] == 2]
    assert retried, "the replica was killed while no session was using it"
    moved = {r["session"] for r in retried}
    assert all(load.cookies[i]["rehab_replica"] == victim_name for i in moved)  # only the victim's sessions
    assert all(r["replica"] == survivor_name for r in retried)  # reconnected through nginx to the other
    killed = load.events["killed"]
    after_kill = [r for r in final.values() if r["started"] > killed + 0.5]
    assert after_kill and all(r["replica"] == survivor_name for r in after_kill)
    on_survivor_before = [r["s"] for r in final.values()
                          if r["replica"] == survivor_name and r["ended"] < killed and r["attempt"] == 1]
    report["survivor_latency_before_kill"] = percentiles(on_survivor_before)
    report["survivor_latency_after_kill"] = percentiles([r["s"] for r in after_kill])
    report["reconnected_pages"] = len(retried)
    report["reconnected_page_latency"] = percentiles([r["s"] for r in retried])

    # (b) never a mix: each run's figure is that of the version it names; after the publish, the new one.
    versions = {s.path.name: s for s in list_snapshots(data)}
    assert report["published"] == 5
    figure = {"2025-08-31": served_2025(versions["000004"].path), "2025-09-30": served_2025(versions["000005"].path)}
    assert figure["2025-09-30"] > figure["2025-08-31"]
    shown = [(r["selects"][SNAPSHOT_BOX]["value"], dict(r["metrics"])[SERVED], r) for r in final.values()
             if r["page"] == "overview"]
    mixed = [(label, value) for label, value, _ in shown if str(figure.get(label)) != value]
    assert not mixed, mixed
    after_publish = [label for label, _, r in shown if r["started"] > load.events["published"]]
    before_publish = [label for label, _, r in shown if r["ended"] < load.events["publish_started"]]
    assert len(after_publish) == SESSIONS and set(after_publish) == {"2025-09-30"}
    assert before_publish and set(before_publish) == {"2025-08-31"}
    report["overview_runs_after_publish"] = len(after_publish)

    # The killed replica comes back (systemd's Restart=always), while the browser keeps to the other one.
    replicas[replicas.index(victim)] = cluster.replica(victim.port, deployment["env"], "deploy-restarted")
    victim.stop()
    phase("restart")

    # (c) the browser reconnected to the survivor: its download and upload go there, not to the victim.
    wait_for_app(page, '[data-testid="stFileUploader"]', timeout=90_000)
    assert {c["name"]: c["value"] for c in context.cookies()}["rehab_replica"] == survivor_name
    assert "dh_clerk（数据录入）" in page.locator('[data-testid="stSidebar"]').inner_text()  # still signed in
    again = download(page, "下载填报模板（Excel）")
    assert again[:2] == b"PK" and template[:2] == b"PK"
    donghe = fill_template(again, month_rows(data, (DONGHE,)))
    choose_file(page, "东河区2025年9月.xlsx", donghe)
    page.get_by_text("检查通过").wait_for(timeout=90_000)
    publish = page.get_by_role("button", name="发布为新的数据快照")
    publish.wait_for(timeout=30_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('发布为新的数据快照')"
        " && !b.disabled)", timeout=30_000)
    publish.click()
    page.get_by_text(f"已发布数据快照 {AS_OF.isoformat()}").wait_for(timeout=90_000)
    page.screenshot(path=str(screenshots_dir / "deploy-upload-after-failover.png"), full_page=True)
    phase("browser_upload_and_publish")
    assert not refused, refused  # no 400 "session invalid", no 404 of a download
    assert recorded.foreign_requests() == []
    log = nginx.access_log()
    uploads = [e for e in log if "/_stcore/upload_file/" in e["request"]]
    media = [e for e in log if e["request"].split(" ")[1].startswith("/media/")]
    assert uploads and len(media) >= 2 and {e["status"] for e in uploads + media} <= {"200", "204"}, uploads + media
    # The first download came from the victim; after the failover both go to the survivor, although the
    # victim is back and healthy.
    assert media[0]["served_by"] == victim_name
    assert {e["served_by"] for e in uploads + media[-1:]} == {survivor_name}
    context.close()

    # Nothing lost: both imports are in the audit table and in a committed version, the newest holds both.
    newest = list_snapshots(data)[0]
    imported = [s for s in list_snapshots(data) if s.source == "import"]
    assert newest.valid and newest.version == 6 and len(imported) == 2 and all(s.valid for s in imported)
    audited = [e for e in audit.entries("import") if e.get("detail", {}).get("kind") != "township_boundaries"]
    assert sorted(e["detail"]["sha256"] for e in audited) == sorted(s.log["sha256"] for s in imported)
    assert sorted(e["user"] for e in audited) == ["dh_clerk", "qs_clerk"]
    services = pd.read_parquet(newest.path / "rehab_services.parquet")
    regions = pd.read_parquet(newest.path / "regions.parquet")
    september = services[pd.to_datetime(services["period"]).dt.date == SEPTEMBER]
    districts = set(regions.set_index("region_code").loc[september["region_code"], "parent_code"])
    assert districts == {QINGSHAN, DONGHE}

    # The version the browser published on the survivor is what the restarted replica serves.
    async def on_restarted():
        session = Session(f"ws://127.0.0.1:{victim.port}/_stcore/stream",
                          {"rehab_session": store.start_session("dh_clerk", 1)}, timeout=120)
        result = await session.run("overview", {"district": "东河区"}, record=True)
        await session.close()
        return result
    shown = in_thread(on_restarted())
    assert shown["ok"] and len(shown["selects"][SNAPSHOT_BOX]["options"]) == 6
    assert dict(shown["metrics"])[SERVED] == str(served_2025(newest.path, DONGHE))
    assert served_2025(newest.path, DONGHE) > served_2025(versions["000005"].path, DONGHE)

    (PROJECT / ".pytest_cache").mkdir(exist_ok=True)
    (PROJECT / ".pytest_cache" / "deploy-report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print("deployment test:", json.dumps(report, ensure_ascii=False))
