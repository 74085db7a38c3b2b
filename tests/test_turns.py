"""Pages served in order (issue 34): page runs beyond REHAB_PAGE_WORKERS wait and start in the order they
came, a few at a time."""
import threading
import time

import pytest

from rehabdash.kernel import config
from rehabdash.kernel.turns import Turns


def wait_for(condition, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end
        time.sleep(0.001)


@pytest.mark.parametrize("long_run", [None, 30.0])
@pytest.mark.parametrize("size", [1, 2, 3])
def test_waiting_runs_start_in_the_order_they_came_and_never_more_than_size_at_once(size, long_run):
    """Twenty runs queue behind `size` holders, each before the next asks. Every run stays in its place
    until the test lets it go, the earliest in first: each freed place goes to the first still waiting,
    and never more than `size` are in at once (what the threads do after they are let in, and when
    they are scheduled, does not change what is seen)."""
    turns = Turns(size, long_run)
    for _ in range(size):  # the first `size` runs are going
        turns.acquire()
    entered, inside, most = [], [0], [0]
    leave = [threading.Event() for _ in range(20)]
    lock = threading.Lock()

    def run(number: int) -> None:
        with turns:
            with lock:
                entered.append(number)
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            leave[number].wait(30)
            with lock:
                inside[0] -= 1

    threads = []
    for number in range(20):  # each one queued before the next asks: the order they came is 0, 1, 2, ...
        thread = threading.Thread(target=run, args=(number,))
        thread.start()
        threads.append(thread)
        wait_for(lambda queued=number + 1: turns.waiting == queued)
    for _ in range(size):
        turns.release()
    wait_for(lambda: len(entered) == size)
    assert sorted(entered) == list(range(size))
    for number in range(20):
        leave[number].set()  # the earliest in leaves: the first still waiting takes its place
        expected = min(number + 1 + size, 20)
        wait_for(lambda expected=expected: len(entered) == expected)
        assert sorted(entered) == list(range(expected)), entered
    for thread in threads:
        thread.join(30)
    if size == 1:
        assert entered == list(range(20))
    assert most[0] <= size
    assert turns.waiting == 0


def test_a_freed_place_goes_to_the_first_waiting_not_to_a_newcomer():
    turns = Turns(1)
    turns.acquire()
    order = []

    def run(name: str) -> None:
        with turns:
            order.append(name)
            time.sleep(0.01)
    waiting = threading.Thread(target=run, args=("waiting",))
    waiting.start()
    wait_for(lambda: turns.waiting == 1)
    turns.release()
    newcomer = threading.Thread(target=run, args=("newcomer",))
    newcomer.start()
    waiting.join(10)
    newcomer.join(10)
    assert order == ["waiting", "newcomer"]


def test_a_free_place_is_taken_at_once_and_given_back():
    turns = Turns(2)
    with turns:
        with turns:
            assert turns.waiting == 0
    done = threading.Event()

    def run():
        with turns:
            done.set()
    threading.Thread(target=run).start()
    assert done.wait(5)


def test_a_long_run_keeps_running_but_no_longer_holds_the_queue():
    """One place; the first run holds it (a long upload check). The next two go in one after the other,
    each once the run before it has been in its place for `long_run` seconds, and in the order they came."""
    turns = Turns(1, long_run=0.2)
    asked: dict[str, float] = {}
    entered: dict[str, float] = {}
    order: list[str] = []
    leave = {name: threading.Event() for name in ("long", "next", "last")}

    def run(name: str) -> None:
        asked[name] = time.monotonic()
        with turns:
            entered[name] = time.monotonic()
            order.append(name)
            leave[name].wait(30)
    threads = {}
    for name in ("long", "next", "last"):
        threads[name] = threading.Thread(target=run, args=(name,))
        threads[name].start()
        wait_for(lambda n=name: n in entered or turns.waiting == (1 if n == "next" else 2))
    wait_for(lambda: len(entered) == 3)  # nobody has left: each went in beside the long ones
    assert order == ["long", "next", "last"]
    # "long" went in after it asked; each of the others no sooner than 0.2 s after the one before it went in
    assert entered["next"] >= asked["long"] + 0.2 and entered["last"] >= asked["long"] + 0.4
    for name in leave:
        leave[name].set()
        threads[name].join(10)
    assert turns.waiting == 0


def test_without_long_runs_a_run_waits_until_a_place_is_given_back():
    turns = Turns(1, long_run=None)
    turns.acquire()
    went_in = threading.Event()

    def run():
        with turns:
            went_in.set()
    threading.Thread(target=run).start()
    assert not went_in.wait(0.3)
    turns.release()
    assert went_in.wait(5)


def test_page_workers_default_to_one_at_a_time_and_take_the_setting(monkeypatch):
    monkeypatch.delenv("REHAB_PAGE_WORKERS", raising=False)
    assert config.page_workers() == 1
    monkeypatch.setenv("REHAB_PAGE_WORKERS", "3")
    assert config.page_workers() == 3
    monkeypatch.setenv("REHAB_PAGE_WORKERS", "0")
    assert config.page_workers() == 1
    monkeypatch.delenv("REHAB_LONG_RUN_SECONDS", raising=False)
    assert config.long_run_seconds() == 0.5
    monkeypatch.setenv("REHAB_LONG_RUN_SECONDS", "2")
    assert config.long_run_seconds() == 2.0
    monkeypatch.setenv("REHAB_LONG_RUN_SECONDS", "soon")
    assert config.long_run_seconds() == 0.5


def test_the_served_app_watches_no_source_files():
    """Streamlit's default watcher sets up a watch on every project module for each new session, on the
    event loop that every session shares: 30 opens at once took 8-9 s (docs/performance.md). The
    project's settings, which `./dev run` and `streamlit run serve.py` read, and the deployment's
    replica command both turn it off."""
    import tomllib
    from pathlib import Path

    from tools import deploy

    settings = tomllib.loads((Path(__file__).parent.parent / ".streamlit" / "config.toml").read_text("utf-8"))
    assert settings["server"]["fileWatcherType"] == "none"
    command = deploy.replica_command(deploy.Settings(), 8501)
    assert command[command.index("--server.fileWatcherType") + 1] == "none"
