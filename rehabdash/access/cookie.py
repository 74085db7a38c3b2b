"""The sign-in cookie, set by the server so that it can be HttpOnly (and Secure behind TLS).

A script cannot write an HttpOnly cookie, and a Streamlit page only talks to the browser over its
websocket. So after a local sign-in the page's script hands the new token once to POST /_rehab/session
(serve.py mounts these routes next to Streamlit), which answers with the Set-Cookie header; logging out
calls DELETE, which expires it. The token is only accepted while the database knows it, and only from a
page of this site: the request must carry the header X-Rehab-Session, which a page of another origin
cannot send without a CORS preflight this route never grants.

The cookie is Secure when the request came over TLS: the scheme itself, or X-Forwarded-Proto from the
nginx in front (deploy/), or REHAB_COOKIE_SECURE=1 in the deployment's environment.
"""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rehabdash.kernel.config import cookie_secure as cookie_secure_setting
from rehabdash.kernel.config import session_days

COOKIE = "rehab_session"
PATH = "/_rehab/session"
GUARD_HEADER = "X-Rehab-Session"


def cookie_secure(request: Request) -> bool:
    """Whether the browser reached us over TLS (directly or through the proxy), or the operator says so."""
    if cookie_secure_setting():
        return True
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _from_this_site(request: Request) -> bool:
    return (request.headers.get(GUARD_HEADER) == "1"
            and request.headers.get("sec-fetch-site", "same-origin") == "same-origin")


async def _session(request: Request) -> Response:
    from rehabdash.access.accounts import AccountStore

    if not _from_this_site(request):
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    if request.method == "DELETE":
        response.delete_cookie(COOKIE, path="/", secure=cookie_secure(request), httponly=True, samesite="strict")
        return response
    token = (await request.body())[:200].decode("ascii", "replace")  # in the body: never in an access log
    if await run_in_threadpool(AccountStore().session_account, token) is None:  # a live sign-in only
        return Response(status_code=403)
    response.set_cookie(COOKIE, token, max_age=int(session_days() * 86400), path="/",
                        secure=cookie_secure(request), httponly=True, samesite="strict")
    return response


def routes() -> list[Route]:
    return [Route(PATH, _session, methods=["POST", "DELETE"])]
