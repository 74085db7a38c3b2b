"""Replica benchmark: page opens through nginx with 1 and with 2 replicas, in the same run (issue 21).
Not a test.

    python bench/replicas.py [--sessions 30] [--rounds 6] [--database-url URL] [--out bench/replicas.json]

Starts, on 127.0.0.1: PostgreSQL (a fresh schema of --database-url or REHAB_TEST_POSTGRES_URL, else a
throw-away cluster of Debian's server), two replicas on the demo data with REHAB_AUTH=local (each
started with the systemd unit's command, tools.deploy.replica_command), and two nginx processes with
the rendered configuration (deploy/): one in front of replica 1 only, one in front of both. Each
replica first opens every page once. Then, for each round, the same level runs through each nginx
and directly against replica 1 (no nginx) for nginx's own share, each configuration first, second and
last in turn (so all see the same load from the rest of the machine): `--sessions` signed-in sessions
(each its own sign-in token cookie, no affinity cookie yet, as new visitors) connect at once, each
opens one page (overview, map, funding, devices, children in turn, scope 青山区) with bench/load.py's
client and waits for script_finished.

Reported per round and configuration: throughput (successful opens ÷ wall time), p50/p90/max latency,
CPU seconds per open of each replica, of nginx (master and workers) and of this process (the load
client, which shares the two cores), and the cores the replicas got (their CPU seconds ÷ wall time).
Over the rounds: the median throughput of each configuration, the ratio 2 replicas ÷ 1 replica of
each round and their median (the target: at least 1.6). Only loopback traffic; every wait has a
timeout.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cluster  # noqa: E402
from bench.load import PAGES, PROJECT, SCOPE, git_commit, open_page, percentiles  # noqa: E402

QINGSHAN = "150204000000"


def own_cpu() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


def level(url: str, tokens: list[str], timeout: float, meters: dict) -> dict:
    """len(tokens) sessions at once through `url`, session i opens PAGES[i % 5]; CPU per open of each
    process in `meters` ({name: callable giving its CPU seconds so far})."""
    async def all_sessions():
        return await asyncio.gather(*(open_page(url, PAGES[i % len(PAGES)], SCOPE, timeout,
                                                cookies={"rehab_session": token})
                                      for i, token in enumerate(tokens)))

    before = {name: meter() for name, meter in meters.items()}
    start = time.perf_counter()
    results = asyncio.run(all_sessions())
    wall = time.perf_counter() - start
    n = len(tokens)
    ok = [r for r in results if r["ok"]]
    spent = {name: meter() - before[name] for name, meter in meters.items()}
    out = {"sessions": n, "ok": len(ok), "wall_s": round(wall, 3),
           "throughput_per_s": round(len(ok) / wall, 2) if wall else None,
           "cpu_s_per_open": {name: round(cpu / n, 3) for name, cpu in spent.items()},
           # how many of the machine's cores the replicas got during the level
           "replica_cores_used": round(sum(cpu for name, cpu in spent.items() if name.startswith("replica")) / wall, 2),
           **percentiles([r["s"] for r in ok])}
    if len(ok) < n:
        out["failures"] = sorted({f"{r['status']} {r['error']}" for r in results if not r["ok"]})
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--database-url", default=os.environ.get("REHAB_TEST_POSTGRES_URL"),
                        help="an existing PostgreSQL database (a fresh schema is used); default: a throw-away cluster")
    parser.add_argument("--data-dir", type=Path, default=PROJECT / "data")
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "replicas.json")
    args = parser.parse_args(argv)
    if not 0 < args.sessions <= 200:
        parser.error("--sessions must be 1..200 (the machine is shared)")

    work = Path(tempfile.mkdtemp(prefix="rehab-replicas-"))
    postgres = None if args.database_url else cluster.Postgres()
    database = cluster.fresh_schema(args.database_url) if args.database_url else postgres.url
    env = {"REHAB_DATA_DIR": str(args.data_dir), "REHAB_DATABASE_URL": database, "REHAB_AUTH": "local",
           "REHAB_INSTANCE_DIR": str(work / "instance"), "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    os.environ.update(env)
    from rehabdash.access.accounts import AccountStore

    store = AccountStore(database)
    store.add("qs_viewer", secrets.token_hex(8), "viewer", [QINGSHAN])
    results = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
               "commit": git_commit(PROJECT), "command": "python bench/replicas.py " + " ".join(argv or sys.argv[1:]),
               "cpus": os.cpu_count(), "load_average_start": [round(x, 2) for x in os.getloadavg()],
               "sessions": args.sessions, "pages": PAGES, "query": SCOPE, "rounds": []}
    ports = [cluster._free_port(), cluster._free_port()]
    replicas = cluster.replicas(ports, env, "bench-replica")
    nginx_one = cluster.Nginx(work / "nginx-1", [f"127.0.0.1:{ports[0]}"]).start()
    nginx_two = cluster.Nginx(work / "nginx-2", [f"127.0.0.1:{p}" for p in ports]).start()
    try:
        async def warm(port: int) -> list[dict]:
            token = store.start_session("qs_viewer", 1)
            return [await open_page(f"ws://127.0.0.1:{port}/_stcore/stream", page, SCOPE, args.timeout,
                                    cookies={"rehab_session": token}) for page in PAGES]

        async def warm_all():
            return await asyncio.gather(*(warm(port) for port in ports))
        warmed = asyncio.run(warm_all())
        if not all(r["ok"] for rs in warmed for r in rs):
            raise RuntimeError(f"warm-up failed: {warmed}")
        configs = {
            "1 replica": (nginx_one.ws_url, {"replica 1": replicas[0].cpu, "nginx": nginx_one.cpu}),
            "2 replicas": (nginx_two.ws_url, {"replica 1": replicas[0].cpu, "replica 2": replicas[1].cpu,
                                              "nginx": nginx_two.cpu}),
            "1 replica, no nginx": (replicas[0].url, {"replica 1": replicas[0].cpu}),
        }
        names = list(configs)
        for number in range(args.rounds):
            order = names[number % 3:] + names[:number % 3]  # each configuration first, second and last in turn
            row = {}
            for name in order:
                url, meters = configs[name]
                tokens = [store.start_session("qs_viewer", 1) for _ in range(args.sessions)]
                row[name] = level(url, tokens, args.timeout, {**meters, "load client": own_cpu})
                r = row[name]
                print(f"round {number + 1} {name}: {r['ok']}/{r['sessions']} ok, {r['throughput_per_s']}/s, "
                      f"p50/p90 {r.get('p50_s')}/{r.get('p90_s')} s, cpu-s/open {r['cpu_s_per_open']}, "
                      f"replica cores {r['replica_cores_used']}",
                      flush=True)
            results["rounds"].append(row)
        results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        nginx_one.stop()
        nginx_two.stop()
        for server in replicas:
            server.stop()
        if postgres is not None:
            postgres.stop()
    summary = {}
    for name in configs:
        rows = [r[name] for r in results["rounds"]]
        summary[name] = {"median_throughput_per_s": statistics.median(r["throughput_per_s"] for r in rows),
                         "throughputs": [r["throughput_per_s"] for r in rows],
                         "median_p50_s": statistics.median(r.get("p50_s", 0) for r in rows),
                         "median_p90_s": statistics.median(r.get("p90_s", 0) for r in rows),
                         "median_cpu_s_per_open": {k: statistics.median(r["cpu_s_per_open"][k] for r in rows)
                                                   for k in rows[0]["cpu_s_per_open"]},
                         "median_replica_cores_used": statistics.median(r["replica_cores_used"] for r in rows),
                         "failures": sum(r["sessions"] - r["ok"] for r in rows)}
    one, two = (summary[k]["median_throughput_per_s"] for k in ("1 replica", "2 replicas"))
    summary["ratio_2_vs_1"] = round(two / one, 2) if one else None
    # The two levels of a round ran within a minute of each other, so their ratio is the least disturbed
    # by the rest of the machine; the target is judged on the median of those.
    per_round = [round(r["2 replicas"]["throughput_per_s"] / r["1 replica"]["throughput_per_s"], 2)
                 for r in results["rounds"] if r["1 replica"]["throughput_per_s"]]
    summary["ratio_2_vs_1_per_round"] = per_round
    summary["median_ratio_per_round"] = statistics.median(per_round) if per_round else None
    summary["target_2_replicas_at_least_1.6x"] = bool(per_round and statistics.median(per_round) >= 1.6)
    summary["nginx_share"] = round(summary["1 replica"]["median_throughput_per_s"]
                                   / summary["1 replica, no nginx"]["median_throughput_per_s"], 2)
    results["summary"] = summary
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
