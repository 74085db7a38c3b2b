"""Warm before anyone asks (issue 34): when the server starts and whenever a new snapshot appears in the
data directory (published here, by another replica or from the command line), the default views are
opened once in the background, so the first official after a publish finds them computed.

Each view is opened as a browser would open the bare link (no query string, the default snapshot,
scope and year) in a session of Streamlit's own runtime whose messages nobody reads: the page script
runs exactly as for a visitor, and fills the same process-wide stores (kernel.memo: named queries,
topic results, charts, maps). Nothing is listed twice: what the pages compute is what gets warm.

Served by serve.py (`st.App(lifespan=warmup.lifespan)`). Only without sign-in (`REHAB_AUTH=off`): with
sign-in a session without an account stops at the login form, and a page opened for nobody must not
read as anybody.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime import Runtime

from rehabdash.kernel.config import auth_mode, data_dir
from rehabdash.store.snapshots import list_snapshots, newest_valid
from rehabdash.ui import sidebar

# The overview, map, funding, devices and children pages by their URL paths (the overview's is "").
DEFAULT_PAGES = ("", "map", "funding", "devices", "children")
POLL_SECONDS = 5.0  # how often the snapshot folders are looked at: a listing of names, sizes and times
PAGE_TIMEOUT = 600.0

_LOG = logging.getLogger(__name__)
warmed: list[Path] = []  # the snapshot folders warmed, in order (the log and the tests read it)


class _Unseen:
    """The client of a warm-up session: drops every message, notes the end of the page's run."""

    client_context = None

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop, self.finished = loop, asyncio.Event()

    def write_forward_msg(self, msg) -> None:
        if msg.WhichOneof("type") == "script_finished":
            self.loop.call_soon_threadsafe(self.finished.set)


async def open_unseen(runtime: Runtime, page: str, query_string: str = "") -> None:
    """Run one page as a new visitor would, in a session nobody watches; return when it has finished."""
    client = _Unseen(asyncio.get_running_loop())
    session = runtime.connect_session(client, user_info={})
    try:
        msg = BackMsg()
        msg.rerun_script.query_string = query_string
        msg.rerun_script.page_name = page
        runtime.handle_backmsg(session, msg)
        await asyncio.wait_for(client.finished.wait(), PAGE_TIMEOUT)
    finally:
        runtime.close_session(session)


async def warm(runtime: Runtime, snapshot_path: Path) -> None:
    """Open every default page once, one after another (a visitor's page waits behind one at most)."""
    for page in DEFAULT_PAGES:
        try:
            await open_unseen(runtime, page)
        except (TimeoutError, RuntimeError) as error:  # a stopping server, a page stuck behind a lock
            _LOG.warning("warm-up of %r stopped: %s", page or "overview", error)
            return
    warmed.append(snapshot_path)
    _LOG.info("warm-up: default views of %s computed", snapshot_path.name)


def _newest_snapshot() -> Path | None:
    """The version a bare link opens: the newest valid one."""
    newest = newest_valid(list_snapshots(data_dir()))
    return newest.path if newest else None


async def watch(runtime: Runtime) -> None:
    """Warm at start and each time the newest valid snapshot changes (the folders are listed again, with
    their checksums, only when a file in them changed)."""
    seen: tuple | None = None
    current: Path | None = None
    while True:
        try:
            signature = await asyncio.to_thread(sidebar.files_signature, data_dir() / "snapshots")
            if signature != seen:
                seen = signature
                newest = await asyncio.to_thread(_newest_snapshot)
                if newest is not None and newest != current:
                    current = newest
                    await warm(runtime, newest)
        except Exception:  # noqa: BLE001 - the watcher carries on; the pages say what is wrong
            _LOG.exception("warm-up watcher")
        await asyncio.sleep(POLL_SECONDS)


@contextlib.asynccontextmanager
async def lifespan(app):
    """st.App's lifespan: the watcher runs beside the server (started after Streamlit's runtime)."""
    task = asyncio.create_task(watch(Runtime.instance())) if auth_mode() == "off" else None
    try:
        yield None
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
