"""Benchmark (not a test) of reading a sheet formatted down to row 1,048,576 around 70 rows of figures
(issue 35): `ingest.read` in a fresh interpreter, its wall and CPU time and the process's peak memory
(VmHWM), for this checkout and optionally another one measured alternately in the same run.

    python bench/formatted_sheet.py [--runs 3] [--compare-dir /tmp/base --compare-label 9dcc1ad]
                                    [--out bench/formatted_sheet.json]

The workbook is tests.workbook_corpus.formatted_to_the_last_row: the corpus's base workbook whose
精准康复服务 sheet has cells with a format and no value in columns A–E of every row below its data
(about 150 MB of XML, 13 MB zipped). The interpreter alone, with the library imported, peaks at about
155 MB; "peak_mb" is the whole process.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.upload_100k import add_checkout_arguments, checkouts_of  # noqa: E402
from tests import workbook_corpus as corpus  # noqa: E402
from tests.workbooks import data_copy  # noqa: E402

PROBE = """
import sys, time
from pathlib import Path
from rehabdash import ingest
content = Path(sys.argv[1]).read_bytes()
wall, cpu = time.perf_counter(), time.process_time()
reading = ingest.read(content, "zh")
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
sheet = reading.workbook.sheets.get("rehab_services") if reading.workbook else None
print(repr({"wall_s": wall, "cpu_s": cpu, "peak_mb": peak, "rows": len(sheet.rows) if sheet else None,
            "problems": sorted({p.key for p in reading.problems})}))
"""


def read_once(app_dir: Path, workbook: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, str(workbook)], cwd=app_dir, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(app_dir)})
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return eval(done.stdout.strip().splitlines()[-1])  # our own probe's repr


def main() -> int:
    parser = argparse.ArgumentParser()
    add_checkout_arguments(parser)
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "formatted_sheet.json")
    args = parser.parse_args()
    runs = max(1, min(args.runs, 20))
    work = Path(tempfile.mkdtemp(prefix="bench-formatted-"))
    start = time.perf_counter()
    workbook = work / "formatted.xlsx"
    workbook.write_bytes(corpus.formatted_to_the_last_row(data_copy(work)))
    print(f"workbook: {workbook.stat().st_size / 2**20:.1f} MB, made in {time.perf_counter() - start:.1f} s")
    checkouts, described = checkouts_of(args)
    results = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
               "load_start": os.getloadavg(), "checkouts": described}
    measured: dict[str, list[dict]] = {name: [] for name in checkouts}
    for _ in range(runs):
        for name, path in checkouts.items():
            found = read_once(path, workbook)
            measured[name].append(found)
            print(f"{name}: {found['wall_s']:.2f} s (CPU {found['cpu_s']:.2f}), peak {found['peak_mb']:.0f} MB, "
                  f"rows {found['rows']}, problems {found['problems'] or '-'}")
    results["load_end"] = os.getloadavg()
    results["median"] = {name: {key: round(statistics.median(m[key] for m in found), 2)
                                for key in ("wall_s", "cpu_s", "peak_mb")}
                         | {"rows": found[0]["rows"], "problems": found[0]["problems"]}
                         for name, found in measured.items()}
    results["measured"] = measured
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps(results["median"], ensure_ascii=False, indent=1))
    print(f"load average {results['load_start'][0]:.1f} → {results['load_end'][0]:.1f}; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
