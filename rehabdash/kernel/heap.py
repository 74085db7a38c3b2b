"""Garbage collection for a server whose heap is mostly long-lived caches (issue 34).

Python's full collection walks every object the collector tracks. In the dashboard those are mostly the
stores of kernel.memo (query results, figures, maps) that live until the next snapshot, and the walk
held the interpreter for 0.25-0.29 s, a few times a minute under load: every page being served waited,
and a pause early in a meeting's burst delayed everyone in the queue. What survives a full collection
is long-lived, so it is frozen (gc.freeze): later full collections walk only what came since, 0.01-0.03
s. Cycles among frozen objects could never be freed that way, so every `THAW_EVERY`-th full collection
first thaws everything and walks the whole heap, as Python would.
"""
from __future__ import annotations

import atexit
import functools
import gc

THAW_EVERY = 10
_FULL = 2  # the oldest generation


class FreezeSurvivors:
    """A gc callback: after each full collection freeze what is left; before every THAW_EVERY-th, thaw."""

    def __init__(self, thaw_every: int = THAW_EVERY):
        self.thaw_every = thaw_every
        self.full_collections = 0

    def __call__(self, phase: str, info: dict) -> None:
        if info.get("generation") != _FULL:
            return
        if phase == "start":
            self.full_collections += 1
            if self.full_collections % self.thaw_every == 0:
                gc.unfreeze()  # this collection walks the whole heap: cycles among the frozen are freed
        else:
            gc.freeze()


@functools.cache
def freeze_survivors() -> FreezeSurvivors:
    """Install the callback once per process (app.py calls this on every run)."""
    callback = FreezeSurvivors()
    gc.callbacks.append(callback)
    atexit.register(_stop, callback)
    return callback


def _stop(callback: FreezeSurvivors) -> None:
    """At exit the interpreter collects between tearing down modules: nothing may stay frozen then."""
    if callback in gc.callbacks:
        gc.callbacks.remove(callback)
    gc.unfreeze()
