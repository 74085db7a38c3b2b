"""Load benchmark: concurrent page opens over Streamlit's websocket protocol (issue 20). Not a test.

    python bench/load.py [--levels 1,10,30,60] [--soak 300] [--out bench/load.json]

Starts `streamlit run` servers on 127.0.0.1 (free ports): the dashboard (app.py on the demo data, or
--data-dir) and a trivial page (a title and one line) twice, once with the project's Streamlit
settings (.streamlit/config.toml, as the dashboard) and once with Streamlit's defaults. For each
level N, first on the trivial servers and then on the dashboard, N sessions connect at once to `/_stcore/stream`; each sends the
BackMsg `rerun_script` the browser sends on opening a link (query string, page name) and waits for the
`script_finished` ForwardMsg. Dashboard sessions are spread over overview, map, funding, devices and
children with scope 青山区. Reported per level and server: p50/p90/max latency (connect to
script_finished) per page and overall, throughput (opens ÷ wall time), the server's CPU seconds per
open and its peak RSS (psutil, sampled every 50 ms). --soak N then opens N sessions one after another
on the dashboard and records the server's RSS after each hundred. Only loopback traffic; every wait
has a timeout and every loop a count.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

PROJECT = Path(__file__).resolve().parent.parent
TRIVIAL = "import streamlit as st\nst.title('floor')\nst.write('a trivial page')\n"
SCOPE = {"district": "青山区"}
DEFAULT_PAGE = "overview"
PAGES = ["overview", "map", "funding", "devices", "children"]
MAX_SESSIONS = 200  # a level above this is refused: the machine is shared


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One `streamlit run` on loopback, with its process for CPU and memory readings."""

    def __init__(self, script: Path, env: dict, log_name: str, cwd: Path = PROJECT, port: int | None = None,
                 command=None, profile: Path | None = None, flags: tuple[str, ...] = ()):
        """`command(port)`, when given, is the argv to start (a deployment's replica command); `profile`:
        every thread of the server under cProfile (bench/serve_profiled.py, --profile-server)."""
        self.port = port or _free_port()
        self.log = open(Path(tempfile.gettempdir()) / log_name, "w")
        launch = ([sys.executable, str(PROJECT / "bench" / "serve_profiled.py"), str(profile)] if profile
                  else [sys.executable, "-m", "streamlit", "run"])
        argv = command(self.port) if command else [
            *launch, str(script), "--server.port", str(self.port),
            "--server.address", "127.0.0.1", "--server.headless", "true",
            "--browser.gatherUsageStats", "false", *flags]  # the rest as the served folder's config says
        self.popen = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **env}, stdout=self.log,
                                      stderr=subprocess.STDOUT)
        self.proc = psutil.Process(self.popen.pid)
        self.stop_wait = 300 if profile else 20  # a profiled server writes its stats on the way out
        for _ in range(300):  # at most about 90 s for the server to come up
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2)
                return
            except OSError:
                if self.popen.poll() is not None:
                    break
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not start; see {self.log.name}")

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/_stcore/stream"

    def cpu(self) -> float:
        times = self.proc.cpu_times()
        return times.user + times.system

    def rss_mb(self) -> float:
        return self.proc.memory_info().rss / 2**20

    def stop(self) -> None:
        self.popen.terminate()
        try:
            self.popen.wait(timeout=self.stop_wait)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)
        self.log.close()


class PeakRss:
    """The server's highest RSS while the block runs, sampled every 50 ms by a thread."""

    def __init__(self, server: Server):
        self.server, self.peak, self._stop = server, server.rss_mb(), threading.Event()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            try:
                self.peak = max(self.peak, self.server.rss_mb())
            except psutil.Error:
                return

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)


def rerun_request(page: str, query: dict) -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = urllib.parse.urlencode(query)
    # The default page (overview) has the empty path: the browser sends "" for it, as for "/".
    msg.rerun_script.page_name = "" if page == DEFAULT_PAGE else page
    msg.rerun_script.context_info.timezone = "Asia/Shanghai"
    msg.rerun_script.context_info.locale = "zh-CN"
    return msg.SerializeToString()


class Session:
    """One browser tab over Streamlit's websocket: connect (with cookies, as through a load balancer),
    run pages one after another on the same connection as a user clicking through them, and connect
    again after the connection was lost. Like a browser, it keeps what the handshake's Set-Cookie says
    (nginx's affinity cookie, deploy/nginx/rehabdash.conf.in)."""

    def __init__(self, url: str, cookies: dict[str, str] | None = None, timeout: float = 180):
        self.url, self.timeout = url, timeout
        self.cookies = dict(cookies or {})
        self.ws = None

    async def connect(self) -> None:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else None
        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None,
                                           open_timeout=self.timeout, compression=None,
                                           additional_headers=headers)
        for name, value in self.ws.response.headers.raw_items():
            if name.lower() == "set-cookie" and "=" in value:
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def run(self, page: str, query: dict, record: bool = False, start: float | None = None) -> dict:
        """Ask for the page (connecting first if needed) and wait for script_finished; never raises.
        Seconds from `start` (default: now) and outcome; with `record`, the select boxes ({label:
        {options, value}}) and the metrics ([(label, value)]) the page showed."""
        start = time.perf_counter() if start is None else start
        errors, first_error, status = 0, "", "timeout"
        selects: dict[str, dict] = {}
        metrics: list[tuple[str, str]] = []
        try:
            async with asyncio.timeout(self.timeout):
                if self.ws is None:
                    await self.connect()
                await self.ws.send(rerun_request(page, query))
                for _ in range(100_000):  # a page sends far fewer messages than this
                    msg = ForwardMsg()
                    msg.ParseFromString(await self.ws.recv())
                    kind = msg.WhichOneof("type")
                    if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                        element = msg.delta.new_element
                        shown = element.WhichOneof("type")
                        if shown == "exception":
                            errors += 1
                            first_error = first_error or f"{element.exception.type}: {element.exception.message}"[:300]
                        elif record and shown == "selectbox":
                            box = element.selectbox
                            selects[box.label] = {"options": list(box.options), "value": box.raw_value or (
                                box.options[box.default] if len(box.options) > box.default >= 0 else "")}
                        elif record and shown == "metric":
                            metrics.append((element.metric.label, element.metric.body))
                    elif kind == "page_not_found":
                        errors += 1
                        first_error = first_error or f"page not found: {page}"
                    elif kind == "script_finished":
                        status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                        break
        except TimeoutError:
            pass
        except (OSError, websockets.WebSocketException) as exc:
            status = f"error: {type(exc).__name__}: {exc}"
        if status != "FINISHED_SUCCESSFULLY" and self.ws is not None:  # lost or unusable: connect anew
            try:
                await asyncio.wait_for(self.close(), 5)
            except (OSError, TimeoutError, websockets.WebSocketException):
                self.ws = None
        ok = status == "FINISHED_SUCCESSFULLY" and not errors
        out = {"page": page, "s": time.perf_counter() - start, "ok": ok, "status": status,
               "exceptions": errors, "error": first_error}
        if record:
            out.update(selects=selects, metrics=metrics)
        return out


async def open_page(url: str, page: str, query: dict, timeout: float, cookies: dict | None = None) -> dict:
    """One session: connect, ask for the page, wait for script_finished. Seconds and outcome."""
    session = Session(url, cookies, timeout)
    try:
        return await session.run(page, query)
    finally:
        try:
            await asyncio.wait_for(session.close(), 5)
        except (OSError, TimeoutError, websockets.WebSocketException):
            pass


def percentiles(values: list[float]) -> dict:
    values = sorted(values)
    if not values:
        return {}
    q = statistics.quantiles(values, n=10, method="inclusive") if len(values) > 1 else [values[0]] * 9
    return {"n": len(values), "p50_s": round(statistics.median(values), 3), "p90_s": round(q[8], 3),
            "max_s": round(values[-1], 3)}


def run_level(server: Server, pages: list[str], query: dict, n: int, timeout: float) -> dict:
    """N sessions opened at once, page i gets pages[i % len(pages)]."""
    if not 0 < n <= MAX_SESSIONS:
        raise ValueError(f"level {n} outside 1..{MAX_SESSIONS}")

    async def all_sessions():
        return await asyncio.gather(*(open_page(server.url, pages[i % len(pages)], query, timeout)
                                      for i in range(n)))

    cpu0 = server.cpu()
    with PeakRss(server) as rss:
        start = time.perf_counter()
        results = asyncio.run(all_sessions())
        wall = time.perf_counter() - start
    cpu = server.cpu() - cpu0
    ok = [r for r in results if r["ok"]]
    out = {"sessions": n, "ok": len(ok), "wall_s": round(wall, 3),
           "throughput_per_s": round(len(ok) / wall, 2) if wall else None,
           "cpu_s_per_open": round(cpu / n, 3), "peak_rss_mb": round(rss.peak, 1),
           **percentiles([r["s"] for r in ok])}
    if len(ok) < n:
        out["failures"] = sorted({r["status"] + (f", {r['exceptions']} exceptions: {r['error']}" if r["exceptions"] else "")
                                  for r in results if not r["ok"]})
    if len(set(pages)) > 1:
        out["pages"] = {p: percentiles([r["s"] for r in ok if r["page"] == p]) for p in dict.fromkeys(pages)}
    return out


def soak(server: Server, pages: list[str], query: dict, n: int, timeout: float) -> dict:
    """N sessions one after another; the server's RSS after each hundred (and after the first ten)."""
    marks, failures, times = {}, 0, []
    for i in range(min(n, 10_000)):
        result = asyncio.run(open_page(server.url, pages[i % len(pages)], query, timeout))
        failures += not result["ok"]
        times.append(result["s"])
        if i + 1 == 10 or (i + 1) % 100 == 0:
            marks[str(i + 1)] = round(server.rss_mb(), 1)
            print(f"  soak {i + 1}: {marks[str(i + 1)]} MB", flush=True)
    out = {"sessions": n, "failures": failures, "rss_mb_after": marks, **percentiles(times)}
    if "100" in marks and str(n) in marks:
        out["growth_after_100"] = round(marks[str(n)] / marks["100"] - 1, 3)
    return out


def git_commit(where: Path) -> str:
    if not (where / ".git").exists():
        return f"export in {where}"
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=where, capture_output=True, text=True)
    # the benchmarks' own result files do not make the measured code dirty
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/*.json"],
                           cwd=where, capture_output=True, text=True).stdout.strip()
    return head.stdout.strip() + ("+dirty" if dirty else "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,10,30,60", help="concurrent sessions per round")
    parser.add_argument("--rounds", type=int, default=1,
                        help="rounds per level; the targets are judged on the rounds' medians")
    parser.add_argument("--soak", type=int, default=0, help="sessions in sequence after the rounds (0: none)")
    parser.add_argument("--data-dir", type=Path, default=PROJECT / "data")
    parser.add_argument("--app-dir", type=Path, default=PROJECT,
                        help="the checkout whose app.py is served (e.g. an export of an older commit)")
    parser.add_argument("--compare-dir", type=Path,
                        help="also serve this checkout's app.py (e.g. the commit before a change) in the same run")
    parser.add_argument("--timeout", type=float, default=180, help="seconds one session may take")
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "load.json")
    parser.add_argument("--profile-server", type=Path, metavar="OUT.pstats",
                        help="run the dashboard under cProfile, every thread (its figures are then not comparable)")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x]

    trivial_file = Path(tempfile.mkdtemp(prefix="rehab-load-")) / "trivial.py"
    trivial_file.write_text(TRIVIAL, encoding="utf-8")
    results = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
               "commit": git_commit(args.app_dir), "command": "python bench/load.py " + " ".join(argv or sys.argv[1:]),
               "cpus": os.cpu_count(), "load_average_start": [round(x, 2) for x in os.getloadavg()],
               "pages": PAGES, "query": SCOPE, "levels": {}}
    # Two floors: the trivial page served with the dashboard's own settings (the project's
    # .streamlit/config.toml, e.g. runner.postScriptGC = false), and with Streamlit's defaults (a
    # folder without a config), as the first measurement served it.
    # Neither floor watches its file: the floor stays as low as Streamlit gets, whatever the default.
    quiet = ("--server.fileWatcherType", "none")
    floors = {"trivial": Server(trivial_file, {}, "rehab-load-trivial.log", flags=quiet),
              "trivial_default": Server(trivial_file, {}, "rehab-load-trivial-default.log", cwd=trivial_file.parent,
                                        flags=quiet)}
    results["floors"] = {"trivial": "the project's .streamlit/config.toml, as the dashboard",
                         "trivial_default": "Streamlit's default settings (no config file)"}
    dash = Server(args.app_dir / "app.py", {"REHAB_DATA_DIR": str(args.data_dir)}, "rehab-load-dash.log",
                  cwd=args.app_dir, profile=args.profile_server)
    other = None
    if args.compare_dir:
        other = Server(args.compare_dir / "app.py", {"REHAB_DATA_DIR": str(args.data_dir)},
                       "rehab-load-compare.log", cwd=args.compare_dir)
        results["compare"] = {"app_dir": str(args.compare_dir), "commit": git_commit(args.compare_dir)}
    try:
        if other:
            for p in PAGES:
                run_level(other, [p], SCOPE, 1, args.timeout)
        # A meeting's link is opened on a server that has been up: one open of each page first, timed.
        results["warmup"] = {**{name: run_level(server, ["floor"], {}, 1, args.timeout) for name, server in floors.items()},
                             "dashboard": {p: run_level(dash, [p], SCOPE, 1, args.timeout) for p in PAGES}}
        results["rss_mb_after_warmup"] = {**{name: round(server.rss_mb(), 1) for name, server in floors.items()},
                                          "dashboard": round(dash.rss_mb(), 1)}
        if args.profile_server:  # profile the levels only, not the warm-up (bench/serve_profiled.py)
            dash.popen.send_signal(signal.SIGUSR1)
            time.sleep(1)
        for n in levels:
            rounds = [one_round(n, floors, dash, other, args.timeout, compare_first=i % 2 == 1)
                      for i in range(args.rounds)]
            row = {**rounds[-1], "rounds": rounds} if len(rounds) > 1 else rounds[0]
            if len(rounds) > 1:  # the issue judges medians of several rounds
                row["ratios"] = {floor: {measure: round(statistics.median(r["ratios"][floor][measure] for r in rounds), 2)
                                         for measure in rounds[0]["ratios"][floor]}
                                 for floor in rounds[0].get("ratios", {})}
                row["p50_share"] = round(statistics.median(r["p50_share"] for r in rounds), 2)
                if all("p50_share_floor" in r for r in rounds):
                    row["p50_share_floor"] = round(statistics.median(r["p50_share_floor"] for r in rounds), 2)
                print(f"N={n}: medians of {len(rounds)} rounds {row['ratios']}, p50/p90 {row['p50_share']} "
                      f"(rounds: {[r['p50_share'] for r in rounds]}; served in turn, at least "
                      f"{row.get('p50_share_floor')})", flush=True)
            results["levels"][str(n)] = row
        if args.soak:
            results["soak"] = soak(dash, PAGES, SCOPE, args.soak, args.timeout)
        results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        for server in floors.values():
            server.stop()
        dash.stop()
        if other:
            other.stop()
    write_judged(results, targets, args.out)
    return 0


def served_in_turn_floor(n: int, streamlit_s: float, per_open_s: float) -> float:
    """The least p50 ÷ p90 of n opens served strictly in turn, when Streamlit's own work for the n
    sessions (`streamlit_s`: the trivial page's n opens at once) comes before the first page is done,
    and the pages then finish one every `per_open_s` less Streamlit's share of it. The k-th finishes at
    streamlit_s + k·s; p50 is the (n+1)/2-th, p90 (inclusive quantiles) the 1+0.9(n-1)-th."""
    s = max(per_open_s - streamlit_s / n, 1e-9)
    return round((streamlit_s + (n + 1) / 2 * s) / (streamlit_s + (1 + 0.9 * (n - 1)) * s), 2)


def one_round(n: int, floors: dict, dash: Server, other: Server | None, timeout: float,
              compare_first: bool = False) -> dict:
    """N opens at once on each floor, the dashboard and the compared checkout, one after the other;
    the dashboard's ratios to each floor and its p50 ÷ p90. A server measured right after another is
    slowed by the other's closing sessions: with `compare_first` the compared checkout goes first
    (alternate rounds, so neither side always comes second)."""
    row = {name: run_level(server, ["floor"], {}, n, timeout) for name, server in floors.items()}
    if other and compare_first:
        row["compare"] = run_level(other, PAGES, SCOPE, n, timeout)
    row["dashboard"] = run_level(dash, PAGES, SCOPE, n, timeout)
    if other:
        if not compare_first:
            row["compare"] = run_level(other, PAGES, SCOPE, n, timeout)
        c = row["compare"]
        print(f"N={n}: compared checkout p50/p90 {c.get('p50_s')}/{c.get('p90_s')} s, "
              f"{c['throughput_per_s']}/s, {c['cpu_s_per_open']} cpu-s", flush=True)
    d = row["dashboard"]
    for name in floors:
        t = row[name]
        if t.get("p90_s") and d.get("p90_s"):
            row.setdefault("ratios", {})[name] = {
                "p90_vs_trivial": round(d["p90_s"] / t["p90_s"], 2),
                "throughput_vs_trivial": round(d["throughput_per_s"] / t["throughput_per_s"], 2),
                "cpu_per_open_vs_trivial": round(d["cpu_s_per_open"] / max(t["cpu_s_per_open"], 1e-3), 1)}
        print(f"N={n}: {name} p50/p90 {t.get('p50_s')}/{t.get('p90_s')} s, {t['throughput_per_s']}/s, "
              f"{t['cpu_s_per_open']} cpu-s", flush=True)
    if d.get("p90_s"):
        row["p50_share"] = round(d["p50_s"] / d["p90_s"], 2)
        trivial = row.get("trivial", {})
        if trivial.get("p90_s") and d.get("throughput_per_s"):
            row["p50_share_floor"] = served_in_turn_floor(n, trivial["p90_s"], 1 / d["throughput_per_s"])
        if other and row["compare"].get("p90_s"):
            row["compare_p50_share"] = round(row["compare"]["p50_s"] / row["compare"]["p90_s"], 2)
    print(f"N={n}: dashboard p50/p90 {d.get('p50_s')}/{d.get('p90_s')} s, "
          f"{d['throughput_per_s']}/s, {d['cpu_s_per_open']} cpu-s, peak {d['peak_rss_mb']} MB "
          f"{row.get('ratios', '')} {d.get('failures', '')}", flush=True)
    return row


def write_judged(results: dict, targets, out: Path) -> None:
    """`results` with their verdicts (`targets(results)`) written to `out` as JSON, the verdicts printed."""
    results["targets"] = targets(results)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    for name, verdict in results["targets"].items():
        print(f"{name}: {verdict}")


def targets(r: dict) -> dict:
    """The issue's load targets against each floor, each with the figures it was judged on."""
    out = {}
    for floor, row in r["levels"].get("30", {}).get("ratios", {}).items():
        out[f"30 concurrent: p90 <= 2x {floor}"] = {"ratio": row["p90_vs_trivial"], "holds": row["p90_vs_trivial"] <= 2}
        out[f"30 concurrent: throughput >= 0.6x {floor}"] = {"ratio": row["throughput_vs_trivial"],
                                                             "holds": row["throughput_vs_trivial"] >= 0.6}
    share = r["levels"].get("30", {}).get("p50_share")
    if share is not None:  # served in order: half the room has its page well before the last
        out["30 concurrent: p50 <= 0.6x p90"] = {"ratio": share, "holds": share <= 0.6,
                                                  "served_in_turn_floor": r["levels"]["30"].get("p50_share_floor")}
    if "growth_after_100" in r.get("soak", {}):
        growth = r["soak"]["growth_after_100"]
        out["soak: memory within 20 % of after 100"] = {"growth": growth, "holds": abs(growth) <= 0.2}
    return out


if __name__ == "__main__":
    raise SystemExit(main())
