"""Profile (pyinstrument) one page's open and its warm reruns under AppTest (issue 20). Not a test.

    python bench/profile.py devices [--reruns 3] [--district 青山区]
    python bench/profile.py overview,map,funding,devices,children --cpu [--new-session]

Prints the call tree of the first open (caches cold) and of the warm reruns after it. With --cpu,
cProfile with the script thread's CPU clock instead (the machine is shared: wall-clock samples count
the time other processes took), the pages' opens and reruns added up, as the functions with the most
CPU (cumulative, then own).
"""
from __future__ import annotations

import sys
from pathlib import Path

# This file is named profile.py: without its folder on the path, `import cProfile` finds the
# standard library's profile module rather than this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402

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
    profiler = _active[0]
    if isinstance(profiler, cProfile.Profile):
        profiler.enable()
        try:
            return _real_exec(func, ctx)
        finally:
            profiler.disable()
    profiler.start()
    try:
        return _real_exec(func, ctx)
    finally:
        profiler.stop()


PAGE_FILES = {"map": "facility_map", "children": "child_rehab"}  # url paths → files in app_pages/


def _open(page: str, district: str, new_session: bool) -> AppTest:
    """An AppTest on the page, about to run it: after another session ran it if `new_session`."""
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    at.query_params["district"] = district
    at.run()
    at.switch_page(f"app_pages/{PAGE_FILES.get(page, page)}.py")
    if new_session:
        at.run()
        return _open(page, district, False)
    return at


def _run_profiled(at: AppTest, first, warm, reruns: int) -> None:
    """The first run of `at` into the profiler `first`, then `reruns` warm reruns (1 to 50) into `warm`."""
    _active[:] = [first]
    at.run()
    _active[:] = [warm]
    for _ in range(max(1, min(reruns, 50))):
        at.run()
    _active.clear()


def cpu_profile(pages: list[str], args) -> None:
    first, warm = cProfile.Profile(time.thread_time), cProfile.Profile(time.thread_time)
    for page in pages:
        at = _open(page, args.district, args.new_session)
        _run_profiled(at, first, warm, args.reruns)
        if at.exception:
            print(page, "exception:", at.exception[0].message)
    for title, prof in (("first opens", first), (f"{args.reruns} warm reruns each", warm)):
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        total = sum(t for (_, _, t, _, _) in stats.stats.values())
        print(f"===== {','.join(pages)}: {title}, {total:.3f} CPU s in all")
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        print(out.getvalue().replace(str(PROJECT) + "/", "")[:40000])


script_runner.exec_func_with_error_handling = _profiled_exec


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", help="file name in app_pages/ without .py, e.g. devices")
    parser.add_argument("--reruns", type=int, default=3)
    parser.add_argument("--district", default="青山区")
    parser.add_argument("--new-session", action="store_true",
                        help="profile the open in a new session after another session ran the page")
    parser.add_argument("--depth", type=int, default=40, help="hide frames shorter than this share (‰)")
    parser.add_argument("--cpu", action="store_true", help="cProfile on the script thread's CPU clock")
    parser.add_argument("--top", type=int, default=40, help="with --cpu: functions listed")
    args = parser.parse_args(argv)
    if args.cpu:
        cpu_profile(args.page.split(","), args)
        return 0
    # With --new-session, what a server does for one more official opening the link: process-wide caches
    # are warm (this process just ran the page), the session is new.
    at = _open(args.page, args.district, args.new_session)
    first, warm = Profiler(interval=0.001), Profiler(interval=0.001)
    _run_profiled(at, first, warm, args.reruns)
    if at.exception:
        print("exception:", at.exception[0].message)
    for title, prof in (("first open", first), (f"{args.reruns} warm reruns", warm)):
        print(f"===== {args.page}: {title}")
        print(prof.output_text(unicode=True, color=False, show_all=False,
                               time="seconds", flat=False)[:20000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
