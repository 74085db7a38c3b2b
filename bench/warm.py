"""The first open after a publish against the second (issue 34). Not a test.

    python bench/warm.py [--data-dir data] [--rounds 3] [--auth local] [--out bench/warm.json]

Serves a copy of the data twice, one after the other: `app.py` (nothing warms) and `serve.py` (the
warm-up of rehabdash.ui.warmup). On each server, every default page (overview, map, funding, devices,
children; a bare link: default scope) is opened once, as on a server that has been up. Then, per round, a new
snapshot is published into the copy (the newest one's tables under the next day), the server is left
until it is idle (its CPU below 5 % over 2 s: for serve.py the warm-up has run), and each page is
opened by a new session twice in a row: the first and the second visitor after the publish. The
ratio first ÷ second is the figure; on a warmed server it should be about 1.

With --auth local the servers sign in (REHAB_AUTH=local, accounts in a SQLite file of the copy): a viewer
of 青山区 and an admin of the city, and every open is a new session of the viewer with a new sign-in token,
so the pages show the viewer's scope, which the warm-up opens as an account of that scope.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.load import Server, git_commit, open_page  # noqa: E402
from rehabdash.store.snapshots import list_snapshots, newest_valid, write_snapshot  # noqa: E402

PAGES = ["overview", "map", "funding", "devices", "children"]
QINGSHAN, BAOTOU = "150204000000", "150200000000"


def wait_idle(server: Server, timeout: float = 600) -> float:
    """Seconds until the server's CPU stays below 5 % for 2 s."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        before = server.cpu()
        time.sleep(2)
        if server.cpu() - before < 0.1:
            break
    return time.perf_counter() - start


def publish(directory: Path) -> None:
    newest = newest_valid(list_snapshots(directory))
    tables = {t: pd.read_parquet(newest.table_path(t)) for t in newest.manifest["files"]}
    write_snapshot(directory, newest.as_of + dt.timedelta(days=1), tables, source="import")


def open_once(server: Server, page: str, sign_in=None) -> float:
    """One new session opens the page's bare link (`sign_in()`: the sign-in cookie it carries)."""
    result = asyncio.run(open_page(server.url, page, {}, 300, cookies=sign_in() if sign_in else None))
    if not result["ok"]:
        raise RuntimeError(f"{page}: {result['status']} {result['error']}")
    return result["s"]


def accounts(tmp: Path) -> tuple[dict, callable]:
    """The settings of a signed-in server with its accounts in `tmp`, and a function giving a new
    session's cookie (a new sign-in token of the 青山区 viewer)."""
    env = {"REHAB_AUTH": "local", "REHAB_DATABASE_URL": f"sqlite:///{tmp / 'rehab.db'}",
           "REHAB_INSTANCE_DIR": str(tmp / "instance"), "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    os.environ.update(env)
    from rehabdash.access.accounts import AccountStore

    store = AccountStore(env["REHAB_DATABASE_URL"])
    store.add("qs_viewer", secrets.token_hex(8), "viewer", [QINGSHAN])
    store.add("bt_admin", secrets.token_hex(8), "admin", [BAOTOU])
    return env, lambda: {"rehab_session": store.start_session("qs_viewer", 1)}


def measure(script: str, source: Path, rounds: int, auth: str = "off") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "data"
        shutil.copytree(source / "snapshots", directory / "snapshots")
        env, sign_in = accounts(Path(tmp)) if auth == "local" else ({"REHAB_AUTH": "off"}, None)
        server = Server(PROJECT / script, {"REHAB_DATA_DIR": str(directory), **env},
                        f"rehab-bench-warm-{script}.log")
        try:
            wait_idle(server)
            for page in PAGES:
                open_once(server, page, sign_in)
            pages = {p: {"first_s": [], "second_s": []} for p in PAGES}
            idle = []
            for _ in range(rounds):
                publish(directory)
                time.sleep(1)
                idle.append(round(wait_idle(server), 1))
                for page in PAGES:
                    pages[page]["first_s"].append(round(open_once(server, page, sign_in), 3))
                    pages[page]["second_s"].append(round(open_once(server, page, sign_in), 3))
            for figures in pages.values():
                figures["first_median_s"] = statistics.median(figures["first_s"])
                figures["second_median_s"] = statistics.median(figures["second_s"])
                figures["first_over_second"] = round(figures["first_median_s"] / figures["second_median_s"], 2)
            return {"script": script, "auth": auth, "idle_after_publish_s": idle, "pages": pages}
        finally:
            server.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=PROJECT / "data")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--auth", choices=["off", "local"], default="off",
                        help="local: signed-in visitors (a viewer of 青山区), as a deployment")
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "warm.json")
    args = parser.parse_args(argv)
    out = {"commit": git_commit(PROJECT), "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
           "data_dir": str(args.data_dir), "auth": args.auth, "runs": []}
    for script in ("app.py", "serve.py"):
        result = measure(script, args.data_dir, args.rounds, args.auth)
        out["runs"].append(result)
        for page, figures in result["pages"].items():
            print(f"  {script} {page}: first {figures['first_median_s']} s, second {figures['second_median_s']} s,"
                  f" ratio {figures['first_over_second']}", flush=True)
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
