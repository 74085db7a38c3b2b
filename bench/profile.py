"""Profile (pyinstrument) one page's open and its warm reruns under AppTest (issue 20). Not a test.

    python bench/profile.py devices [--reruns 3] [--district 青山区]

Prints the call tree of the first open (caches cold) and of the warm reruns after it.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
os.chdir(PROJECT)

from pyinstrument import Profiler  # noqa: E402
from streamlit.runtime.scriptrunner import script_runner  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

# AppTest runs the script in its own thread and pyinstrument samples the thread it starts in:
# the profiler is started inside the script's execution, so it sees the script and nothing else.
_active: list[Profiler] = []
_real_exec = script_runner.exec_func_with_error_handling


def _profiled_exec(func, ctx):
    if not _active:
        return _real_exec(func, ctx)
    _active[0].start()
    try:
        return _real_exec(func, ctx)
    finally:
        _active[0].stop()


script_runner.exec_func_with_error_handling = _profiled_exec


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", help="file name in app_pages/ without .py, e.g. devices")
    parser.add_argument("--reruns", type=int, default=3)
    parser.add_argument("--district", default="青山区")
    parser.add_argument("--new-session", action="store_true",
                        help="profile the open in a new session after another session ran the page")
    parser.add_argument("--depth", type=int, default=40, help="hide frames shorter than this share (‰)")
    args = parser.parse_args(argv)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    at.query_params["district"] = args.district
    at.run()
    at.switch_page(f"app_pages/{args.page}.py")
    first, warm = Profiler(interval=0.001), Profiler(interval=0.001)
    if args.new_session:
        # What a server does for one more official opening the link: process-wide caches are warm
        # (this process just ran the page), the session is new.
        at.run()
        at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
        at.query_params["district"] = args.district
        at.run()
        at.switch_page(f"app_pages/{args.page}.py")
    _active[:] = [first]
    at.run()
    _active[:] = [warm]
    for _ in range(max(1, min(args.reruns, 50))):
        at.run()
    _active.clear()
    if at.exception:
        print("exception:", at.exception[0].message)
    for title, prof in (("first open", first), (f"{args.reruns} warm reruns", warm)):
        print(f"===== {args.page}: {title}")
        print(prof.output_text(unicode=True, color=False, show_all=False,
                               time="seconds", flat=False)[:20000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
