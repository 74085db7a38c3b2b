"""Benchmark (not a test) of the upload page on the 100 000-row wrong-station workbook (issue 23):
the library's read, check and grouped problem table (wall and CPU time, in a fresh interpreter), then
in Chromium the time from choosing the file to the grouped problems shown ("100,000 行有同样的问题")
with the problem table under them.

    python bench/upload_100k.py [--rows 100000] [--runs 3] [--no-browser]
                                [--compare-dir /tmp/base --compare-label 7c46d47] [--out bench/upload_100k.json]

With --compare-dir, another checkout (e.g. `git archive 7c46d47 | tar -x -C /tmp/base`) is measured in
the same run, alternately with this one, on the same workbook and data: on a shared machine only
figures taken side by side compare. Each figure is the median of --runs; the first browser upload to
a fresh server is reported apart (it loads what a server loads once). Every browser upload is a new
file (another wrong code), as a clerk's is; "finished" is when the page's script has run to its end
(the problem table's Excel download built).
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.load import Server  # noqa: E402  (one `streamlit run` on loopback)
from tests import workbook_corpus as corpus  # noqa: E402
from tests.workbooks import data_copy  # noqa: E402

WRONG = b"S-150204-0XX1"  # the station code of corpus.wrong_station_everywhere

LIBRARY_PROBE = """
import sys, time
from pathlib import Path
from rehabdash import ingest
from rehabdash.access.accounts import Account
content = Path(sys.argv[1]).read_bytes()
account = Account("bench", "admin", (), password_hash="")
times = {}
def timed(name, work):
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    times[name] = (time.perf_counter() - wall, time.process_time() - cpu)
    return result
reading = timed("read", lambda: ingest.read(content, "zh"))
checked = timed("check", lambda: ingest.check(reading, None, Path(sys.argv[2]), account=account))
table = timed("table", lambda: ingest.problem_table(checked.problems, "zh"))
print(repr({"times": times, "lines": len(table), "first": table.iloc[0, 4][:40]}))
"""


def git_commit(directory: Path) -> str | None:
    done = subprocess.run(["git", "-C", str(directory), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True)
    return done.stdout.strip() if done.returncode == 0 and (directory / ".git").exists() else None


def add_checkout_arguments(parser: argparse.ArgumentParser) -> None:
    """--runs, and another checkout to measure in the same run (--compare-dir, --compare-label)."""
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare-dir", type=Path, help="another checkout to measure in the same run")
    parser.add_argument("--compare-label", default="", help="its commit, when it is not a git checkout")


def checkouts_of(args) -> tuple[dict[str, Path], dict[str, dict]]:
    """The checkouts to measure ("this", and "compare" if asked), and each one's folder and commit."""
    checkouts = {"this": PROJECT}
    if args.compare_dir:
        checkouts["compare"] = args.compare_dir.resolve()
    return checkouts, {name: {"dir": str(path), "commit": git_commit(path) or (args.compare_label or None)}
                       for name, path in checkouts.items()}


def library(app_dir: Path, workbook: Path, data: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", LIBRARY_PROBE, str(workbook), str(data)], cwd=app_dir,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(app_dir)})
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return eval(done.stdout.strip().splitlines()[-1])  # our own probe's repr


def upload(browser, server: Server, content: bytes, rows: int, shot: Path | None) -> float:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"http://127.0.0.1:{server.port}/upload")
        page.locator('[data-testid="stFileUploader"]').wait_for(timeout=120_000)
        start = time.perf_counter()
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            files=[{"name": "借用台账.xlsx", "mimeType": "application/octet-stream", "buffer": content}])
        page.locator('[data-testid="stAlert"]').filter(has_text=f"{rows:,} 行有同样的问题").wait_for(timeout=300_000)
        page.locator('[data-testid="stDataFrame"]').wait_for(timeout=120_000)
        elapsed = time.perf_counter() - start
        if shot:
            page.screenshot(path=str(shot))
        # The page's script goes on after the table (its Excel download); wait for its end, so that the
        # next upload does not share the server with this one's tail.
        page.get_by_role("button", name="下载表格（Excel）").wait_for(timeout=600_000)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                               timeout=600_000)
        return elapsed, time.perf_counter() - start
    finally:
        page.close()


def variant(content: bytes, run: int) -> bytes:
    """The workbook with another wrong station code, so that each upload is a new file and a new problem
    table, as it is for a clerk (the page caches the table's Excel download by its content)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item, source.read(item.filename).replace(WRONG, WRONG[:-1] + str(run % 10).encode()))
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-browser", action="store_true")
    add_checkout_arguments(parser)
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "upload_100k.json")
    args = parser.parse_args()
    runs = max(1, min(args.runs, 20))
    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    data = data_copy(work)
    start = time.perf_counter()
    content = corpus.wrong_station_everywhere(args.rows)(data)
    workbook = work / "ledger.xlsx"
    workbook.write_bytes(content)
    print(f"workbook: {len(content) / 2**20:.1f} MB, made in {time.perf_counter() - start:.1f} s")
    checkouts, described = checkouts_of(args)
    results = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"), "rows": args.rows,
               "load_start": os.getloadavg(), "checkouts": described}
    measured: dict[str, dict[str, list]] = {
        name: {"read": [], "check": [], "table": [], "browser": [], "finished": []} for name in checkouts}
    for _ in range(runs):
        for name, path in checkouts.items():
            found = library(path, workbook, data)
            for step, (wall, cpu) in found["times"].items():
                measured[name][step].append((wall, cpu))
            print(f"{name}: " + ", ".join(f"{step} {wall:.2f} s (CPU {cpu:.2f})"
                                         for step, (wall, cpu) in found["times"].items())
                  + f"; {found['lines']} lines, first: {found['first']}")
    if not args.no_browser:
        from playwright.sync_api import sync_playwright

        (PROJECT / ".pytest_cache").mkdir(exist_ok=True)  # the screenshots
        servers = {name: Server(path / "app.py", {"REHAB_DATA_DIR": str(data), "PYTHONPATH": str(path)},
                                f"rehab-bench-upload-{name}.log", cwd=path)
                   for name, path in checkouts.items()}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
                for run in range(runs + 1):  # the first upload to each server is reported apart
                    for name, server in servers.items():
                        shot = PROJECT / ".pytest_cache" / f"upload-100k-{name}.png" if run == 0 else None
                        elapsed, finished = upload(browser, server, variant(content, run + 2), args.rows, shot)
                        measured[name]["browser"].append(elapsed)
                        measured[name]["finished"].append(finished)
                        print(f"{name}: browser, file chosen → grouped problems shown {elapsed:.1f} s, "
                              f"page script finished {finished:.1f} s"
                              + (" (first upload to the server)" if run == 0 else ""))
                browser.close()
        finally:
            for server in servers.values():
                server.stop()
    results["load_end"] = os.getloadavg()
    summary = {}
    for name, steps in measured.items():
        summary[name] = {step: {"wall_s": round(statistics.median(w for w, _ in values), 2),
                                "cpu_s": round(statistics.median(c for _, c in values), 2)}
                         for step, values in steps.items() if step in ("read", "check", "table")}
        summary[name]["library"] = {
            kind: round(statistics.median(sum(steps[s][i][k] for s in ("read", "check", "table"))
                                          for i in range(runs)), 2)
            for k, kind in ((0, "wall_s"), (1, "cpu_s"))}
        if steps["browser"]:
            summary[name]["browser_first_s"] = round(steps["browser"][0], 1)
            summary[name]["browser_s"] = round(statistics.median(steps["browser"][1:]), 1)
            summary[name]["finished_first_s"] = round(steps["finished"][0], 1)
            summary[name]["finished_s"] = round(statistics.median(steps["finished"][1:]), 1)
    results["median"] = summary
    results["measured"] = measured
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    print(f"load average {results['load_start'][0]:.1f} → {results['load_end'][0]:.1f}; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
