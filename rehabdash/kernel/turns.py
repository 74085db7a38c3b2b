"""Pages served in order (issue 34): when more page runs are asked for than the process can run, they
start in the order they arrived and run to completion a few at a time. Thirty scripts interleaved on one
interpreter all finish together, late; served in turn, the first visitors have their pages early and
the last no later than before.

A run that has held its place longer than `long_run` seconds (a 100,000-row upload check, a page on a
snapshot nobody has opened yet) keeps running but no longer holds the queue: the first waiting run goes
in beside it. So one place is enough for the short runs of a meeting's burst, and a long run delays
them by `long_run` at most.

Python's threading.Semaphore lets a newcomer take a freed place before the waiter it woke gets to it;
`Turns` hands the place straight to the first in the queue.
"""
from __future__ import annotations

import functools
import threading
import time
from collections import deque

from rehabdash.kernel.config import long_run_seconds, page_workers


class Turns:
    """At most `size` runs in place at once, not counting those in place for longer than `long_run`
    seconds (None: every run counts, however long); the others are let in one by one in the order
    they asked."""

    def __init__(self, size: int, long_run: float | None = None):
        self.size = size
        self.long_run = long_run
        self._lock = threading.Lock()
        self._started: dict[threading.Event, float] = {}  # the runs in place, with when they went in
        self._waiting: deque[threading.Event] = deque()
        self._mine = threading.local()  # each thread's runs in place, the latest last

    def acquire(self) -> None:
        turn = threading.Event()
        with self._lock:
            self._waiting.append(turn)
            self._let_in()
        while True:
            with self._lock:
                if turn not in self._started and self._waiting[0] is turn:
                    self._let_in()  # a run in place may have turned long meanwhile
                if turn in self._started:
                    break
                turn.clear()
                # the first in the queue looks again when a run in place turns long; the others are woken
                timeout = self._until_a_run_turns_long() if self._waiting[0] is turn else None
            turn.wait(timeout)
        self._mine.__dict__.setdefault("turns", []).append(turn)

    def release(self) -> None:
        turn = self._mine.turns.pop()
        with self._lock:
            del self._started[turn]
            self._let_in()

    def _counted(self, now: float) -> list[float]:
        return [start for start in self._started.values() if self.long_run is None or now - start < self.long_run]

    def _let_in(self) -> None:
        """Under the lock: the first in the queue take the free places; the new first is woken to work
        out when it may go in beside a long run."""
        now = time.monotonic()
        free = self.size - len(self._counted(now))
        while self._waiting and free > 0:
            turn = self._waiting.popleft()
            self._started[turn] = now
            turn.set()
            free -= 1
        if self._waiting and self.long_run is not None:
            self._waiting[0].set()

    def _until_a_run_turns_long(self) -> float | None:
        now = time.monotonic()
        counted = self._counted(now)
        if self.long_run is None or not counted:
            return None
        return max(min(counted) + self.long_run - now, 0.0) + 0.001  # just past the moment

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def __enter__(self) -> Turns:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


@functools.cache
def page_runs() -> Turns:
    """The turns of this process's page scripts: REHAB_PAGE_WORKERS at once, a run going longer than
    REHAB_LONG_RUN_SECONDS not counted."""
    return Turns(page_workers(), long_run_seconds())
