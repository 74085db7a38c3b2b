"""The warm-up's sessions (ui.warmup): pages the server opens in its own process, for nobody to see, as an
account of the scope whose default views they compute.

Only the server can make one. The registry is this process's memory: a Streamlit session id (made by
the server; the warm-up's client drops every message, so the id never leaves the process) with the
session's own client object, and the account it runs as. A run counts as a warm-up only while its
session's client is still that object, and the session is marked non-resumable, so a connection that
names the id gets a new session. Nothing a browser sends (a header, cookie, query parameter or session
state key) makes a session a warm-up one.
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from rehabdash.access.accounts import Account

_SESSIONS: dict[str, tuple[Account, object]] = {}  # session id -> (account, the session's client)
_LOCK = threading.Lock()
_SIGNED_IN: dict[tuple[str, ...], Account] = {}  # single sign-on: one identity of each scope seen here


@contextlib.contextmanager
def running_as(runtime, session_id: str, client: object, account: Account) -> Iterator[None]:
    """While inside, the runs of the session `session_id` (served to `client`) are `account`'s."""
    runtime.mark_session_nonresumable(session_id)
    with _LOCK:
        _SESSIONS[session_id] = (account, client)
    try:
        yield
    finally:
        with _LOCK:
            _SESSIONS.pop(session_id, None)


def account() -> Account | None:
    """The account of this run if it is a warm-up session's; None for every other run."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return None
    with _LOCK:
        entry = _SESSIONS.get(ctx.session_id)
    if entry is None or not Runtime.exists():
        return None
    held, client = entry
    return held if Runtime.instance().get_client(ctx.session_id) is client else None


def remember_sign_in(account: Account) -> None:
    """A single sign-on identity signed in at this server (the gate's login): its regions are warmed
    after each publish, as the accounts of `local` are (single sign-on has no list of accounts here)."""
    with _LOCK:
        _SIGNED_IN.setdefault(tuple(account.scope), account)


def signed_in() -> list[Account]:
    with _LOCK:
        return list(_SIGNED_IN.values())
