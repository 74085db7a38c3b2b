"""`streamlit run` with every thread under cProfile on its own CPU clock (issue 20). Not a test.

    python bench/serve_profiled.py OUT.pstats app.py --server.port 8600 ...

bench/load.py --profile-server OUT.pstats starts the dashboard this way: the profile then holds what
the server spent per open beyond the page script as well (sessions, websocket, serialisation of the
page's messages), which an AppTest profile (bench/profile.py) does not see. The stats of the main
thread (Tornado) and of every thread started (script runs) are added up and written at exit.
SIGUSR1 starts the count again (bench/load.py sends it after the warm-up opens): only what came after
is written.
"""
from __future__ import annotations

import sys
from pathlib import Path

# bench/profile.py would be found as the standard library's profile module (which cProfile imports)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import atexit  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()
_thread_run = threading.Thread.run


def _profiled_run(self) -> None:
    profile = cProfile.Profile(time.thread_time)
    with _lock:
        _profiles.append(profile)
    profile.enable()
    try:
        _thread_run(self)
    finally:
        profile.disable()


_main: list[cProfile.Profile] = []  # the main thread's current profile


def _restart(*_) -> None:
    """From now on (the signal runs in the main thread): a new main-thread profile, and only the
    threads started from here on."""
    _main[0].disable()
    with _lock:
        _profiles.clear()
    _main[0] = cProfile.Profile(time.thread_time)
    _main[0].enable()


def _dump(out: Path) -> None:
    main = _main[0]
    main.disable()
    with _lock:
        others = list(_profiles)
    stats = pstats.Stats(main)
    for profile in others:
        try:
            stats.add(profile)
        except (TypeError, ValueError):  # a profile that recorded nothing
            continue
    stats.dump_stats(str(out))


def main() -> None:
    out = Path(sys.argv[1]).resolve()
    script_args = sys.argv[2:]
    # The project folder, so the app's imports resolve as under `streamlit run` from there.
    sys.path.insert(0, str(Path.cwd()))
    threading.Thread.run = _profiled_run
    _main.append(cProfile.Profile(time.thread_time))
    atexit.register(_dump, out)
    signal.signal(signal.SIGUSR1, _restart)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *script_args]
    _main[0].enable()
    try:
        cli.main()
    finally:
        _main[0].disable()


if __name__ == "__main__":
    main()
