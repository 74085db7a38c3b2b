"""Benchmark of the dashboard on the synthetic nation (issue 22), in one command. Not a test.

    python bench/nation.py [--data-dir /tmp/nation] [--runs 5] [--out bench/results-nation.json]

Generates the nation first (``python -m tools.nation``) if the folder has no snapshot. Then, on that
one dataset:

- every page's warm rerun (AppTest of app.py, median of --runs reruns after a first run; wall and
  the process's CPU seconds) at national scope and at city scope (郑州市), measured alternately so
  both figures of a page come from close together in time; the target is national ≤ 2 × city;
- the facility map's payload (what st_folium hands its component) at every level of scope: the
  nation, a province (河南省), the largest province (by villages), a city (郑州市), the largest city,
  a district (金水区) and a township of it; the target is < 2 MB at every one;
- every named query's latency at national scope (rehabdash.store.db._execute, uncached, median).

Writes the figures, the commit and the machine's load to --out.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (bench/run.py: AppTest timing, payload recording, cache clearing)

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.load import write_judged  # noqa: E402
from rehabdash.kernel import measures  # noqa: E402
from rehabdash.kernel.config import QUERIES_DIR  # noqa: E402
from rehabdash.store import db  # noqa: E402
from rehabdash.store.snapshots import list_snapshots, newest_valid  # noqa: E402
from tools import nation  # noqa: E402

PROJECT = bench.PROJECT
PAGES = ["overview", "rehab", "facility_map", "funding", "devices", "child_rehab", "data_upload", "snapshots"]
HENAN, ZHENGZHOU, JINSHUI = "410000000000", "410100000000", "410105000000"


def _names(regions: pd.DataFrame) -> dict:
    return dict(zip(regions["region_code"], regions["name"]))


def scopes(regions: pd.DataFrame) -> dict[str, dict]:
    """The URL query of each measured scope (the sidebar's boxes are bound to names)."""
    names, parents = _names(regions), dict(zip(regions["region_code"], regions["parent_code"]))
    villages = regions[regions["level"] == "village"]
    # the largest city and province by villages: the heaviest map of their level
    township_city = regions.loc[regions["level"] == "township"].set_index("region_code")["parent_code"].map(parents)
    city_villages = villages["parent_code"].map(township_city).value_counts()
    biggest_city = city_villages.index[0]
    biggest_province = city_villages.groupby(city_villages.index.map(parents)).sum().idxmax()
    township = min(c for c, p in parents.items() if p == JINSHUI)

    def query(*codes):
        keys = ["province", "city", "district", "township"]
        return {k: names[c] for k, c in zip(keys, codes)}

    return {
        "nation": {},
        "province 河南省": query(HENAN),
        f"largest province {names[biggest_province]}": query(biggest_province),
        "city 郑州市": query(HENAN, ZHENGZHOU),
        f"largest city {names[biggest_city]}": query(parents[biggest_city], biggest_city),
        "district 金水区": query(HENAN, ZHENGZHOU, JINSHUI),
        f"township {names[township]}": query(HENAN, ZHENGZHOU, JINSHUI, township),
    }


def page_at(page: str, query: dict, runs: int) -> dict:
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=600)
    for key, value in query.items():
        at.query_params[key] = value
    at.run(timeout=600)
    at.switch_page(f"app_pages/{page}.py")
    bench._payloads.clear()
    first = bench.timed(at)
    bench._cpu.clear()
    warm = [bench.timed(at) for _ in range(runs)]
    out = {"first_s": round(first, 3), "warm_s": round(statistics.median(warm), 3),
           "warm_cpu_s": round(statistics.median(bench._cpu), 3)}
    if bench._payloads:
        out["map_payload_bytes"] = bench._payloads[-1]
    problems = [e.value for e in at.error]
    if problems:
        out["errors"] = problems
    return out


def query_times(snapshot, runs: int) -> dict:
    window = measures.year_window(snapshot.as_of, snapshot.as_of.year)
    facility = pd.read_parquet(snapshot.table_path("site_tasks"), columns=["facility_id"])["facility_id"].iloc[0]
    values = {"scope": [nation.NATION], "allowed": [nation.NATION], "region": JINSHUI, "as_of": snapshot.as_of,
              "dimension": "disability_type", "facility_id": facility, "days": 30, **window}
    out = {}
    for name in db.query_names():
        wanted = set(re.findall(r"\$([a-z_]+)", (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")))
        params = tuple(sorted((k, v) for k, v in values.items() if k in wanted))
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            rows = len(db._execute(name, snapshot.path, params))
            times.append(time.perf_counter() - start)
        out[name] = {"ms": round(statistics.median(times) * 1000, 1), "rows": rows}
    return out


def _commit() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT,
                           capture_output=True, text=True).stdout.strip()
    return head.stdout.strip() + ("+changes" if dirty else "")


def targets(r: dict) -> dict:
    out = {}
    for page, p in r["pages"].items():
        ratio = p["nation"]["warm_s"] / max(p["city"]["warm_s"], 1e-6)
        cpu = p["nation"]["warm_cpu_s"] / max(p["city"]["warm_cpu_s"], 1e-6)
        out[f"warm {page} nation <= 2 x city"] = {"ratio": round(ratio, 2), "cpu_ratio": round(cpu, 2),
                                                 "holds": ratio <= 2}
    for scope, p in r["map"].items():
        size = p.get("map_payload_bytes")
        out[f"map payload < 2 MB ({scope})"] = {"bytes": size, "holds": size is not None and size < 2_000_000}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/nation"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "results-nation.json")
    args = parser.parse_args(argv)
    if newest_valid(list_snapshots(args.data_dir)) is None:
        print(f"generating the nation into {args.data_dir} ...", flush=True)
        nation.write_nation(args.data_dir)
    snapshot = bench.use(args.data_dir)
    regions = pd.read_parquet(snapshot.table_path("regions"))
    where = scopes(regions)
    results = {
        "when": dt.datetime.now().isoformat(timespec="seconds"), "commit": _commit(),
        "load_average_start": os.getloadavg(),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "streamlit": st.__version__},
        "command": "python bench/nation.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "data": {"dir": str(args.data_dir), "snapshot": snapshot.as_of.isoformat(),
                 "rows": {t: f["rows"] for t, f in snapshot.manifest["files"].items()},
                 "levels": regions["level"].value_counts().to_dict()},
        "runs": args.runs, "pages": {}, "map": {},
    }
    for page in PAGES:
        results["pages"][page] = {}
        for label, query in (("city", where["city 郑州市"]), ("nation", where["nation"])):
            results["pages"][page][label] = page_at(page, query, args.runs)
            print(f"  {page} [{label}]: {results['pages'][page][label]}", flush=True)
    for label, query in where.items():
        results["map"][label] = page_at("facility_map", query, 2)
        print(f"  map [{label}]: {results['map'][label]}", flush=True)
    results["queries_nation"] = query_times(snapshot, args.runs)
    slowest = sorted(results["queries_nation"].items(), key=lambda kv: -kv[1]["ms"])[:5]
    print(f"  slowest queries at national scope: {slowest}", flush=True)
    results["load_average_end"] = os.getloadavg()
    write_judged(results, targets, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
