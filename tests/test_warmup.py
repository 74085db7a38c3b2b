"""Warm before anyone asks (issue 34): serve.py's runtime opens the default views when it starts and when a
new snapshot appears, so the stores hold them before the first visitor. serve.py's ASGI app is started
in this process (its lifespan, on an event loop of its own), so the test reads the process's own stores."""
import asyncio
import datetime as dt
import threading
import time

import pandas as pd
import pytest

from rehabdash.kernel import memo
from rehabdash.store.snapshots import list_snapshots, newest_valid, write_snapshot
from rehabdash.ui import warmup

from .conftest import data_copy

# One topic function of each default page: what the page computes first for its figures.
PAGE_TOPICS = {
    "overview": "rehabdash.topics.overview.headline",
    "map": "rehabdash.topics.facility_map.township_coverage",
    "funding": "rehabdash.topics.funding.headline",
    "devices": "rehabdash.topics.devices.fitting",
    "children": "rehabdash.topics.child_rehab.headline",
}


def wait_until(condition, timeout: float = 600) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "the warm-up did not finish"
        time.sleep(0.2)


def topics_of(snapshot_path) -> set[str]:
    """The topic functions whose results the shared store holds for this snapshot."""
    held = set()
    for key in list(memo.TOPICS._data):
        function = key[0]
        if str(snapshot_path) in repr(key[2:]):
            held.add(f"{function.__module__}.{function.__qualname__}")
    return held


@pytest.fixture
def served(tmp_path, monkeypatch):
    directory = data_copy(tmp_path)
    monkeypatch.setenv("REHAB_DATA_DIR", str(directory))
    monkeypatch.setenv("REHAB_AUTH", "off")
    monkeypatch.setattr(warmup, "POLL_SECONDS", 0.2)
    monkeypatch.setattr(warmup, "warmed", [])
    memo.clear()
    import serve

    with running(serve.app):
        yield directory


class running:
    """The ASGI app's lifespan (startup, then shutdown on leaving), on a thread with its own event loop."""

    def __init__(self, app):
        self.app, self.started = app, threading.Event()

    async def _serve(self) -> None:
        self.loop, self.messages = asyncio.get_running_loop(), asyncio.Queue()
        await self.messages.put({"type": "lifespan.startup"})

        async def send(message):
            if message["type"].startswith("lifespan.startup"):
                self.outcome = message
                self.started.set()
        await self.app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, self.messages.get, send)

    def __enter__(self):
        self.thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self.thread.start()
        assert self.started.wait(120) and self.outcome["type"] == "lifespan.startup.complete", self.outcome
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.messages.put_nowait, {"type": "lifespan.shutdown"})
        self.thread.join(60)


def test_a_publish_warms_the_default_views_of_the_new_snapshot(served):
    first = newest_valid(list_snapshots(served))
    wait_until(lambda: first.path in warmup.warmed)  # at start
    assert set(PAGE_TOPICS.values()) <= topics_of(first.path), sorted(topics_of(first.path))

    tables = {t: pd.read_parquet(first.table_path(t)) for t in first.manifest["files"]}
    published = write_snapshot(served, first.as_of + dt.timedelta(days=1), tables, source="import")
    assert topics_of(published) == set()
    wait_until(lambda: published in warmup.warmed)
    held = topics_of(published)
    assert set(PAGE_TOPICS.values()) <= held, set(PAGE_TOPICS.values()) - held
    assert warmup.warmed == [first.path, published]  # once each, nothing for an unchanged folder
