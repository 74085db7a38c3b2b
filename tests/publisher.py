"""A publisher process for the publishing tests: one district's September rows, published into a data
directory, optionally waiting for a start signal (to meet another publisher) or killed with SIGKILL at
a named step of snapshots.commit.

    python -m tests.publisher <data dir> <district code> [--wait FILE] [--kill-at STEP]
"""
from __future__ import annotations

import argparse
import os
import signal
import time
from pathlib import Path

from rehabdash.ingest import reports
from rehabdash.ingest.publish import publish_tables, read_tables
from rehabdash.store import snapshots

from .workbooks import AS_OF, SEPTEMBER, month_rows, newest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("district")
    parser.add_argument("--wait", type=Path)
    parser.add_argument("--kill-at")
    args = parser.parse_args()
    rows = month_rows(args.directory, (args.district,))
    # who reported what, as the upload page records it (issue 30): the district's townships, September
    base = newest(args.directory)
    known = read_tables(base)
    report_rows = reports.rows(reports.units(rows, known), SEPTEMBER, known["reports"], base.as_of)
    if args.kill_at:
        def checkpoint(step: str) -> None:
            if step == args.kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
        snapshots._checkpoint = checkpoint
    if args.wait:
        while not args.wait.exists():
            time.sleep(0.005)
    publish_tables(rows, None, AS_OF, f"clerk-{args.district}", f"{args.district}.xlsx", "0" * 64,
                   args.directory, note="test", report_rows=report_rows, report_month=SEPTEMBER)


if __name__ == "__main__":
    main()
