"""The cold paths at province scale (issue 34): the 数据快照 page and the briefing deck. Not a test.

    python bench/cold_paths.py [--province-dir /tmp/province] [--runs 3] [--out bench/cold_paths.json]

Each figure is the median of --runs, in CPU seconds of this process (AppTest runs the page on a
thread of the same process; the machine is shared, so wall time is printed beside it only):

- snapshots page cold: AppTest of app.py on the 数据快照 page, every data cache emptied first;
- comparison: `ingest.compare_snapshots` of the province's two snapshots alone, caches emptied;
- city admin: what the page asks the library for an account of the first city (its regions, the
  listing with its own rows counted, the comparison of its rows), caches emptied;
- deck: `deck.gather` and `deck.build_pptx` for the first city (9 districts, about 2,400
  facilities), caches emptied, and its map slide alone.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.run import clear_caches, use  # noqa: E402 (also chdir to the project for AppTest)
import pandas as pd  # noqa: E402
from pptx import Presentation  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from rehabdash import ingest  # noqa: E402
from rehabdash.export import deck  # noqa: E402
from rehabdash.store import db  # noqa: E402
from rehabdash.store.snapshots import list_snapshots  # noqa: E402
from tools import province  # noqa: E402


def timed(work) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of `work()` after emptying the caches."""
    clear_caches()
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return time.process_time() - cpu, time.perf_counter() - wall


def snapshots_page() -> None:
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=600)
    at.switch_page("app_pages/snapshots.py")
    at.run(timeout=600)
    if at.exception:
        raise RuntimeError(at.exception[0].message)


def first_city(snapshot):
    regions = pd.read_parquet(snapshot.table_path("regions"))
    cities = regions[regions["level"] == "city"].sort_values("region_code")
    city = cities.iloc[0]
    districts = set(regions.loc[regions["parent_code"] == city["region_code"], "region_code"])
    return city, districts


def briefing(snapshot):
    city, districts = first_city(snapshot)
    code = city["region_code"]

    def run(name, **params):
        return db.run(name, snapshot, allowed=(code,), scope=(code,), **params)
    return deck.gather(run, snapshot.as_of, snapshot.as_of.year, city["name"], "zh", 0.05, {code, *districts})


def city_admin(valid, scope) -> None:
    ingest.scope_regions(valid[0], scope)
    ingest.snapshot_list(valid, scope)
    ingest.compare_snapshots(valid[1], valid[0], scope)


def map_slide_alone(b) -> None:
    slides = Presentation()
    deck._map_slide(slides, b)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province-dir", type=Path, default=Path("/tmp/province"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "cold_paths.json")
    parser.add_argument("--only", nargs="*", help="measure these only (snapshots_page_cold, comparison, "
                                                   "city_admin, deck, deck_map_slide)")
    args = parser.parse_args(argv)
    if len([s for s in list_snapshots(args.province_dir) if s.valid]) < 2:
        print(f"generating the province into {args.province_dir} ...", flush=True)
        province.write_province(args.province_dir)
    snapshot = use(args.province_dir)
    valid = [s for s in list_snapshots(args.province_dir) if s.valid]
    b = briefing(snapshot)
    work = {
        "snapshots_page_cold": snapshots_page,
        "comparison": lambda: ingest.compare_snapshots(valid[1], valid[0]),
        "city_admin": lambda: city_admin(valid, (first_city(snapshot)[0]["region_code"],)),
        "deck": lambda: deck.build_pptx(briefing(snapshot)),
        "deck_map_slide": lambda: map_slide_alone(b),
    }
    results = {}
    for name, job in work.items():
        if args.only and name not in args.only:
            continue
        runs = [timed(job) for _ in range(args.runs)]
        results[name] = {"cpu_s": round(statistics.median(r[0] for r in runs), 3),
                         "wall_s": round(statistics.median(r[1] for r in runs), 3),
                         "cpu_runs": [round(r[0], 3) for r in runs]}
        print(f"  {name}: {results[name]}", flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT, capture_output=True,
                            text=True).stdout.strip()
    out = {"commit": commit, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
           "facilities_on_map": int(len(b.facilities)), "province_dir": str(args.province_dir), **results}
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
