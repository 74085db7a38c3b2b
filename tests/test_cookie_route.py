"""The route that sets the sign-in cookie (rehabdash.access.cookie, mounted by serve.py): HttpOnly and
SameSite=Strict always, Secure over TLS (scheme, X-Forwarded-Proto, REHAB_COOKIE_SECURE); only for a
live sign-in token and only from a page of this site. Driven as ASGI, without a server."""
from __future__ import annotations

import asyncio
import concurrent.futures

import pytest
from starlette.applications import Starlette

from rehabdash.access import cookie
from rehabdash.access.accounts import AccountStore

from .seed import QINGSHAN

GUARD = {cookie.GUARD_HEADER: "1"}


@pytest.fixture
def token(tmp_path, monkeypatch):
    monkeypatch.setenv("REHAB_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("REHAB_DATABASE_URL", raising=False)
    monkeypatch.delenv("REHAB_COOKIE_SECURE", raising=False)
    store = AccountStore()
    store.add("qingshan", "青山 correct horse", "viewer", [QINGSHAN])
    return store.start_session("qingshan", 1)


def call(method: str, body: str = "", headers: dict | None = None, scheme: str = "http"):
    """One request to the routes; returns the status and the Set-Cookie headers."""
    app = Starlette(routes=cookie.routes())
    scope = {"type": "http", "method": method, "path": cookie.PATH, "raw_path": cookie.PATH.encode(),
             "query_string": b"", "scheme": scheme, "server": ("127.0.0.1", 8501), "client": ("127.0.0.1", 5),
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
             "http_version": "1.1", "root_path": ""}
    sent, messages = [], [{"type": "http.request", "body": body.encode(), "more_body": False}]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    # on a thread of its own: a test before this one (Playwright's sync API) may have left an event loop
    # running on the main thread, where asyncio.run refuses to start another
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    cookies = [v.decode() for k, v in start["headers"] if k == b"set-cookie"]
    return start["status"], cookies


def test_a_live_token_gets_an_httponly_strict_cookie_secure_only_over_tls(token, monkeypatch):
    status, cookies = call("POST", token, GUARD)
    assert status == 204 and len(cookies) == 1
    parts = [p.strip().lower() for p in cookies[0].split(";")]
    assert parts[0] == f"rehab_session={token}".lower() and "httponly" in parts and "samesite=strict" in parts
    assert "secure" not in parts and "path=/" in parts and "max-age=86400" in parts
    assert "secure" in call("POST", token, {**GUARD, "X-Forwarded-Proto": "https"})[1][0].lower().split("; ")
    assert "secure" in call("POST", token, GUARD, scheme="https")[1][0].lower().split("; ")
    monkeypatch.setenv("REHAB_COOKIE_SECURE", "1")
    assert "secure" in call("POST", token, GUARD)[1][0].lower().split("; ")


def test_no_cookie_for_a_stranger_a_dead_token_or_another_site(token):
    assert call("POST", "made-up", GUARD) == (403, [])
    assert call("POST", token) == (403, [])  # no guard header: a form or an image of another site
    assert call("POST", token, {**GUARD, "Sec-Fetch-Site": "cross-site"}) == (403, [])
    assert call("GET", token, GUARD)[0] == 405
    AccountStore().end_session(token)
    assert call("POST", token, GUARD) == (403, [])


def test_delete_expires_the_cookie(token):
    status, cookies = call("DELETE", "", GUARD)
    assert status == 204 and "max-age=0" in cookies[0].lower() and "httponly" in cookies[0].lower()
