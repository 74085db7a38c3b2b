"""The first open after a publish against the second (issue 34). Not a test.

    python bench/warm.py [--data-dir data] [--rounds 3] [--out bench/warm.json]

Serves a copy of the data twice, one after the other: `app.py` (nothing warms) and `serve.py` (the
warm-up of rehabdash.ui.warmup). On each server, every default page (overview, map, funding, devices,
children; a bare link: default scope) is opened once, as on a server that has been up. Then, per round, a new
snapshot is published into the copy (the newest one's tables under the next day), the server is left
until it is idle (its CPU below 5 % over 2 s: for serve.py the warm-up has run), and each page is
opened by a new session twice in a row: the first and the second visitor after the publish. The
ratio first ÷ second is the figure; on a warmed server it should be about 1.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
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


def open_once(server: Server, page: str) -> float:
    result = asyncio.run(open_page(server.url, page, {}, 300))
    if not result["ok"]:
        raise RuntimeError(f"{page}: {result['status']} {result['error']}")
    return result["s"]


def measure(script: str, source: Path, rounds: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "data"
        shutil.copytree(source / "snapshots", directory / "snapshots")
        server = Server(PROJECT / script, {"REHAB_DATA_DIR": str(directory), "REHAB_AUTH": "off"},
                        f"rehab-bench-warm-{script}.log")
        try:
            wait_idle(server)
            for page in PAGES:
                open_once(server, page)
            pages = {p: {"first_s": [], "second_s": []} for p in PAGES}
            idle = []
            for _ in range(rounds):
                publish(directory)
                time.sleep(1)
                idle.append(round(wait_idle(server), 1))
                for page in PAGES:
                    pages[page]["first_s"].append(round(open_once(server, page), 3))
                    pages[page]["second_s"].append(round(open_once(server, page), 3))
            for figures in pages.values():
                figures["first_median_s"] = statistics.median(figures["first_s"])
                figures["second_median_s"] = statistics.median(figures["second_s"])
                figures["first_over_second"] = round(figures["first_median_s"] / figures["second_median_s"], 2)
            return {"script": script, "idle_after_publish_s": idle, "pages": pages}
        finally:
            server.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=PROJECT / "data")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "warm.json")
    args = parser.parse_args(argv)
    out = {"commit": git_commit(PROJECT), "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
           "data_dir": str(args.data_dir), "runs": []}
    for script in ("app.py", "serve.py"):
        result = measure(script, args.data_dir, args.rounds)
        out["runs"].append(result)
        for page, figures in result["pages"].items():
            print(f"  {script} {page}: first {figures['first_median_s']} s, second {figures['second_median_s']} s,"
                  f" ratio {figures['first_over_second']}", flush=True)
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
