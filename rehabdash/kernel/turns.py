"""Pages served in order (issue 34): when more page runs are asked for than the cores can run, they start
in the order they arrived and run to completion a few at a time. Thirty scripts interleaved on one
interpreter all finish together, late; served in turn, the first visitors have their pages early and
the last no later than before.

Python's threading.Semaphore lets a newcomer take a freed place before the waiter it woke gets to it;
`Turns` hands the place straight to the first in the queue.
"""
from __future__ import annotations

import functools
import threading
from collections import deque

from rehabdash.kernel.config import page_workers


class Turns:
    """At most `size` holders at once; the others are let in one by one in the order they asked."""

    def __init__(self, size: int):
        self.size = size
        self._lock = threading.Lock()
        self._free = size
        self._waiting: deque[threading.Event] = deque()

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()  # the holder that leaves hands its place to the first in the queue

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._free += 1

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
    """The turns of this process's page scripts (REHAB_PAGE_WORKERS at once)."""
    return Turns(page_workers())
