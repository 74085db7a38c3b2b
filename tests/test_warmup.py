"""Warm before anyone asks (issue 34): serve.py's runtime opens the default views when it starts and when a
new snapshot appears, so the stores hold them before the first visitor. serve.py's ASGI app is started
in this process (its lifespan, on an event loop of its own), so the test reads the process's own stores."""
import asyncio
import contextlib
import datetime as dt
import importlib
import threading
import time
from types import SimpleNamespace

import pandas as pd
import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime import Runtime

from rehabdash.access import audit, warm_sessions
from rehabdash.kernel import memo
from rehabdash.store.snapshots import list_snapshots, newest_valid, write_snapshot
from rehabdash.ui import warmup

from .conftest import ACCOUNTS, data_copy

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
    with running(served_app()):
        yield directory


def served_app():
    """A new serve.app: a Streamlit runtime starts once, so each test serves a new one."""
    import serve

    return importlib.reload(serve).app


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
        Runtime._instance = None  # the stopped runtime cannot start again; the next app makes its own


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


# ---------------------------------------------------------------- with sign-in (REHAB_AUTH=local)

CITY, QINGSHAN, LUOHE = (ACCOUNTS[name][1] for name in ("city", "qingshan", "luohe"))


def topics_for(snapshot_path, allowed: tuple[str, ...]) -> set[str]:
    """The topic functions whose results the store holds for this snapshot and these account regions."""
    held, regions = set(), repr(memo.fingerprint(allowed))  # as Filters' key holds them
    for key in list(memo.TOPICS._data):
        inputs = repr(key[2:])
        if str(snapshot_path) in inputs and regions in inputs:
            held.add(f"{key[0].__module__}.{key[0].__qualname__}")
    return held


@pytest.fixture
def served_signed_in(local_auth, tmp_path, monkeypatch):
    """serve.py's app with sign-in on and the accounts of ACCOUNTS, 漯河市's only one (luohe) disabled."""
    directory = data_copy(tmp_path, newest_only=True)
    monkeypatch.setenv("REHAB_DATA_DIR", str(directory))
    monkeypatch.setattr(warmup, "POLL_SECONDS", 0.2)
    monkeypatch.setattr(warmup, "warmed", [])
    local_auth.set_disabled("luohe", True)
    memo.clear()
    with running(served_app()) as runner:
        first = newest_valid(list_snapshots(directory)).path
        wait_until(lambda: first in warmup.warmed)
        yield SimpleNamespace(directory=directory, first=first, loop=runner.loop, store=local_auth)


def on_server(runner, coroutine):
    """Run `coroutine` on the server's event loop (where Streamlit's runtime must be called)."""
    return asyncio.run_coroutine_threadsafe(coroutine, runner.loop).result(600)


def test_with_sign_in_a_publish_warms_each_distinct_scope_once_and_audits_nothing(served_signed_in):
    first = served_signed_in.first
    tables = {t: pd.read_parquet(newest_valid(list_snapshots(served_signed_in.directory)).table_path(t))
              for t in newest_valid(list_snapshots(served_signed_in.directory)).manifest["files"]}
    published = write_snapshot(served_signed_in.directory, dt.date(2099, 1, 1), tables, source="import")
    wait_until(lambda: published in warmup.warmed)
    for path in (first, published):
        # 包头市 (city) and 青山区 (qs_clerk and qingshan: one set of regions, warmed once) ...
        for scope in (CITY, QINGSHAN):
            assert set(PAGE_TOPICS.values()) <= topics_for(path, scope), (path, scope)
        # ... and not 漯河市: its only account is disabled
        assert topics_for(path, LUOHE) == set()
    assert warmup.warmed == [first, published]
    assert audit.entries() == []  # nobody signed in, read or downloaded anything


def test_the_scopes_warmed_are_one_account_each_as_the_store_holds_them(local_auth):
    chosen = warmup.warm_accounts()
    # 青山区 first (two accounts share it), as its lowest role; then by region code
    assert [(a.username, a.role, a.scope) for a in chosen] == [
        ("qingshan", "viewer", QINGSHAN), ("city", "admin", CITY), ("luohe", "admin", LUOHE)]
    local_auth.set_disabled("qingshan", True)
    # read again before each scope is warmed: disabled since the list was read, it is passed over
    assert warmup._still(chosen[0]) is None and warmup._still(chosen[1]) == local_auth.get("city")
    # a disabled account is not chosen; 青山区 is warmed as the account that remains
    assert [a.username for a in warmup.warm_accounts()] == ["city", "qs_clerk", "luohe"]


class Browser:
    """A connection as a browser makes it: its headers, cookies and URL chosen by the client; it keeps
    the labels of the text inputs and the metrics the page sent."""

    def __init__(self, loop, headers=(), cookies=None):
        self.loop, self.finished = loop, asyncio.Event()
        self.client_context = SimpleNamespace(headers=list(headers), cookies=dict(cookies or {}),
                                              remote_ip="203.0.113.7")
        self.inputs, self.metrics = [], 0

    def write_forward_msg(self, msg) -> None:
        if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
            kind = msg.delta.new_element.WhichOneof("type")
            if kind == "text_input":
                self.inputs.append(msg.delta.new_element.text_input.label)
            self.metrics += kind == "metric"
        if msg.WhichOneof("type") == "script_finished":
            self.loop.call_soon_threadsafe(self.finished.set)


async def open_as_browser(client, query_string="", existing_session_id=None, registered_as=None):
    """Open the overview over `client`; with `registered_as` (client, account) the warm-up registry names
    this session, for that client."""
    runtime = Runtime.instance()
    session = runtime.connect_session(client, user_info={}, existing_session_id=existing_session_id)
    try:
        with contextlib.ExitStack() as stack:
            if registered_as:
                stack.enter_context(warm_sessions.running_as(runtime, session, *registered_as))
            msg = BackMsg()
            msg.rerun_script.query_string = query_string
            msg.rerun_script.page_name = ""
            runtime.handle_backmsg(session, msg)
            await asyncio.wait_for(client.finished.wait(), 600)
    finally:
        runtime.close_session(session)
    return session


def test_a_client_cannot_make_itself_a_warm_up_session(served_signed_in):
    qingshan = served_signed_in.store.get("qingshan")
    login_form = ["用户名", "密码"]
    loop = served_signed_in.loop

    # the test tells a warm-up run from a login form: a session the registry names for its own client
    control = Browser(loop)
    on_server(served_signed_in, open_as_browser(control, registered_as=(control, qingshan)))
    assert control.inputs != login_form and control.metrics > 0

    # whatever a browser sends as a marker: the login form
    marked = Browser(loop, headers=[("X-Rehab-Warm-Up", "1"), ("X-Rehab-Account", "city")],
                     cookies={"rehab_warm_up": "1", "_rehab_account": "city"})
    on_server(served_signed_in, open_as_browser(marked, "warm_up=1&_rehab_account=city&account=city"))
    assert marked.inputs == login_form and marked.metrics == 0

    # a session the registry names, but served to another client (as if a connection had taken it over)
    taken = Browser(loop)
    on_server(served_signed_in, open_as_browser(taken, registered_as=(object(), qingshan)))
    assert taken.inputs == login_form and taken.metrics == 0

    # naming a warm-up session's id gets a new session, not that one
    async def reconnect_to_a_warm_up_session():
        runtime = Runtime.instance()
        unseen = warmup._Unseen(asyncio.get_running_loop())
        warm_id = runtime.connect_session(unseen, user_info={})
        try:
            with warm_sessions.running_as(runtime, warm_id, unseen, qingshan):
                intruder = Browser(loop)
                return warm_id, await open_as_browser(intruder, existing_session_id=warm_id), intruder
        finally:
            runtime.close_session(warm_id)
    warm_id, intruder_id, intruder = on_server(served_signed_in, reconnect_to_a_warm_up_session())
    assert intruder_id != warm_id and intruder.inputs == login_form


def test_a_warm_up_session_writes_no_audit_line(served_signed_in):
    """A URL naming another district is audited for a visitor (test_access_audit); not for the warm-up."""
    qingshan = served_signed_in.store.get("qingshan")
    on_server(served_signed_in, warmup.open_unseen(Runtime.instance(), "", qingshan, "district=东河区"))
    assert audit.entries() == []
