"""Warm before anyone asks (issue 34): when the server starts and whenever a new snapshot appears in the
data directory (published here, by another replica or from the command line), the default views are
opened once in the background, so the first official after a publish finds them computed.

Each view is opened as a browser would open the bare link (no query string, the default snapshot,
scope and year) in a session of Streamlit's own runtime whose messages nobody reads: the page script
runs exactly as for a visitor, and fills the same process-wide stores (kernel.memo: named queries,
topic results, charts, maps). Nothing is listed twice: what the pages compute is what gets warm.

With sign-in the figures depend on the account's regions (Filters.allowed is in every result's key), so
the views are opened once per distinct set of regions (at most MAX_SCOPES, those most accounts share
first), each time as an enabled account of that set as the account store holds it now (the one of the
lowest role): `local` reads the accounts table; `oidc`, whose accounts live in the identity provider,
the scopes of the identities signed in at this server since it started. The session runs as that
account through access.warm_sessions, a registry in this process that nothing a browser sends can
reach; it writes no audit line (nobody read anything) and its output is dropped.

Served by serve.py (`st.App(lifespan=warmup.lifespan)`).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime import Runtime

from rehabdash.access import warm_sessions
from rehabdash.access.accounts import ROLES, Account, AccountStore
from rehabdash.access.gate import DEMO
from rehabdash.kernel.config import auth_mode, data_dir
from rehabdash.store.snapshots import list_snapshots, newest_valid
from rehabdash.ui import sidebar

# The overview, map, funding, devices and children pages by their URL paths (the overview's is "").
DEFAULT_PAGES = ("", "map", "funding", "devices", "children")
POLL_SECONDS = 5.0  # how often the snapshot folders are looked at: a listing of names, sizes and times
PAGE_TIMEOUT = 600.0
MAX_SCOPES = 20  # distinct sets of regions warmed after a publish, those most accounts share first

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


async def open_unseen(runtime: Runtime, page: str, account: Account = DEMO, query_string: str = "") -> None:
    """Run one page as a new visitor signed in as `account` would, in a session nobody watches; return
    when it has finished."""
    client = _Unseen(asyncio.get_running_loop())
    session = runtime.connect_session(client, user_info={})
    try:
        with warm_sessions.running_as(runtime, session, client, account):
            msg = BackMsg()
            msg.rerun_script.query_string = query_string
            msg.rerun_script.page_name = page
            runtime.handle_backmsg(session, msg)
            await asyncio.wait_for(client.finished.wait(), PAGE_TIMEOUT)
    finally:
        runtime.close_session(session)


def _one_per_scope(accounts: list[Account]) -> list[Account]:
    """One account for each distinct set of regions (the lowest role, then the first name), the sets
    most accounts share first, at most MAX_SCOPES."""
    by_scope: dict[tuple[str, ...], list[Account]] = {}
    for account in accounts:
        if account.scope and not account.disabled:
            by_scope.setdefault(tuple(account.scope), []).append(account)
    ordered = sorted(by_scope.items(), key=lambda item: (-len(item[1]), item[0]))
    return [min(held, key=lambda a: (ROLES.index(a.role), a.username)) for _, held in ordered][:MAX_SCOPES]


def warm_accounts() -> list[Account]:
    """Whom the default views are opened as: the demo account without sign-in; with it, one account of
    each distinct set of regions."""
    if auth_mode() == "off":
        return [DEMO]
    if auth_mode() == "oidc":
        return _one_per_scope(warm_sessions.signed_in())
    return _one_per_scope(list(AccountStore().load().values()))


def _still(account: Account) -> Account | None:
    """The account as the store holds it now (a page opened minutes after the list was read), if it is
    still enabled and still has those regions; identities of single sign-on as they were."""
    if auth_mode() != "local":
        return account
    fresh = AccountStore().get(account.username)
    return fresh if fresh is not None and not fresh.disabled and fresh.scope == account.scope else None


async def warm(runtime: Runtime, snapshot_path: Path) -> None:
    """Open every default page once for each scope, one after another (a visitor's page waits behind
    one at most)."""
    for listed in await asyncio.to_thread(warm_accounts):
        account = await asyncio.to_thread(_still, listed)
        if account is None:  # disabled or given other regions since the list was read
            continue
        for page in DEFAULT_PAGES:
            try:
                await open_unseen(runtime, page, account)
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
    task = asyncio.create_task(watch(Runtime.instance()))
    try:
        yield None
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
