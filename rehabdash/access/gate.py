"""Who is using this session and what they may see: the login gate of app.py for each REHAB_AUTH mode.

- off: the local demo; everyone is an admin who sees every region.
- local: accounts in the accounts file (rehabdash.access.accounts), a login form in Chinese.
- oidc: Streamlit's st.login single sign-on; role and region codes come from ID-token claims named by
  REHAB_OIDC_ROLE_CLAIM (default `rehab_role`) and REHAB_OIDC_SCOPE_CLAIM (default `rehab_scope`, a list
  or a comma-separated string). An identity without them is refused.
The signed-in account lives in session state under a key no widget uses; the query layer takes its
scope from there (ui.Filters.allowed), so no widget, URL or page can widen it.

Local sign-ins survive a reload: the browser keeps a random token in the `rehab_session` cookie
(REHAB_SESSION_DAYS, default 1 day), the database its hash (AccountStore.start_session); Streamlit hands
the cookies of each new connection to st.context.cookies. Logging out deletes the token. The page asked
for before the login (a deep link such as /map?year=2024) is opened after it.
"""
from __future__ import annotations

import json
import logging
import os

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from rehabdash.access import audit, cookie, warm_sessions
from rehabdash.access.accounts import ROLES, Account, AccountStore, reverify, unchanged
from rehabdash.access.pages import PAGES, Page
from rehabdash.kernel import i18n
from rehabdash.kernel.config import auth_mode, session_days
from rehabdash.kernel.errors import AccountChanged, LoginRefused
from rehabdash.kernel.safe_text import markdown_text

ACCOUNT_KEY = "_rehab_account"
COOKIE = cookie.COOKIE
TOKEN_KEY = "_rehab_session_token"  # this session's token, to end it on logout
SET_COOKIE_KEY = "_rehab_set_cookie"  # a token the next run hands to the browser
FORGET_COOKIE_KEY = "_rehab_forget_cookie"  # the next run deletes the browser's cookie
DEEP_LINK_KEY = "_rehab_deep_link"  # the page asked for before the login
ENDED_KEY = "_rehab_sign_in_ended"  # why the gate ended this session's sign-in (shown with the login form)
DEMO = Account("demo", "admin", (), password_hash="", disabled=False)  # scope () = every region


def current() -> Account | None:
    if auth_mode() == "off":
        return DEMO
    if (warming := warm_sessions.account()) is not None:  # opened by the server itself (ui.warmup)
        return warming
    if auth_mode() == "oidc":
        return _oidc_account()
    return st.session_state.get(ACCOUNT_KEY)


def allowed_scope(account: Account) -> tuple[str, ...] | None:
    """The region codes the account is limited to; None for an unrestricted account."""
    return account.scope or None


def _oidc_logged_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except (AttributeError, KeyError):  # no [auth] configured
        return False


def _oidc_account() -> Account | None:
    if not _oidc_logged_in():
        return None
    return oidc_account(st.user)


def oidc_account(claims) -> Account | None:
    """The account of a single sign-on identity's claims, or None (refused) when they name no role of
    ours, no region, or nobody: an identity without email and sub would be an account no audit line
    could tell from another."""
    role = claims.get(os.environ.get("REHAB_OIDC_ROLE_CLAIM", "rehab_role"))
    scope = claims.get(os.environ.get("REHAB_OIDC_SCOPE_CLAIM", "rehab_scope")) or []
    if isinstance(scope, str):
        scope = [code.strip() for code in scope.split(",") if code.strip()]
    name = next((str(v).strip() for v in (claims.get("email"), claims.get("sub"))
                 if v is not None and str(v).strip()), None)
    if role not in ROLES or not scope or name is None:
        return None
    return Account(name, role, tuple(scope), password_hash="")


def _lang() -> str:
    return st.session_state.get("lang", i18n.DEFAULT_LANGUAGE)


def _text(key: str, **values) -> str:
    return i18n.text(_lang(), key, **values)


def changed_message(changed: AccountChanged) -> str:
    """AccountChanged as Markdown in the session's language (the account's name is text, not markup)."""
    return _text(f"auth.{changed.code}", user=markdown_text(changed.username))


def requested_page() -> str:
    """The page path the browser asked for ('map' for /map; '' for the start page)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return (getattr(ctx.pages_manager, "intended_page_name", None) or "") if ctx else ""


def ask_for_page(url_path: str) -> None:
    """Make st.navigation open `url_path` on this run (the deep link asked for before the login; a rerun
    after the login form has forgotten it)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None and hasattr(ctx.pages_manager, "set_script_intent"):
        ctx.pages_manager.set_script_intent("", url_path)


def _cookie_script(token: str | None) -> None:
    """Set (token) or delete (None) the sign-in cookie in the browser; st.html runs the script once.
    The server sets it, HttpOnly and Secure behind TLS (access.cookie, mounted by serve.py); only where
    that route is missing (`streamlit run app.py`) does the script write a plain cookie itself."""
    age = int(session_days() * 86400) if token else 0
    value = json.dumps(token or "")
    st.html(f"""<script>(() => {{
        const token = {value};
        const plain = () => {{ document.cookie = "{COOKIE}=" + encodeURIComponent(token) + "; path=/; max-age={age}"
            + "; SameSite=Strict" + (location.protocol === "https:" ? "; Secure" : ""); }};
        fetch("{cookie.PATH}", {{method: token ? "POST" : "DELETE", body: token || null,
                                headers: {{"{cookie.GUARD_HEADER}": "1"}}, credentials: "same-origin"}})
            .then(r => {{ if (r.status !== 204 && r.status !== 403) plain(); }}, plain);
    }})();</script>""", unsafe_allow_javascript=True)


def _from_cookie() -> Account | None:
    if st.session_state.get(FORGET_COOKIE_KEY):  # logged out in this session: the old cookie is void
        return None
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:  # no browser connection (a bare script run)
        return None
    if not isinstance(token, str):
        return None
    account = AccountStore().session_account(token)
    if account is not None:
        st.session_state[TOKEN_KEY] = token
    return account


def login_gate() -> Account:
    """The signed-in account, or the login form and st.stop() until there is one."""
    try:
        return _login_gate()
    except SQLAlchemyError:  # the account database is down or misconfigured: say so, no traceback
        logging.getLogger("rehabdash").exception("account database unavailable")
        st.error(_text("writepath.db_unavailable"))
        st.stop()


def _login_gate() -> Account:
    account = current()
    if account is not None and auth_mode() == "local" and TOKEN_KEY in st.session_state:
        # Checked on every run: a disabled or reset account, a sign-in ended elsewhere, or a role or
        # regions changed by an administrator end it here too, with the reason.
        store = AccountStore()
        token = st.session_state[TOKEN_KEY]
        try:
            fresh = store.session_account(token)
            if fresh is None:
                reverify(account, store)  # disabled or removed: say so; else the sign-in merely ended
            else:
                unchanged(account, fresh)
            ended = None if fresh is not None else _text("writepath.session_expired")
        except AccountChanged as changed:
            ended = changed_message(changed)
        if ended:
            store.end_session(token)
            st.session_state.pop(ACCOUNT_KEY, None)
            st.session_state.pop(TOKEN_KEY, None)
            st.session_state[FORGET_COOKIE_KEY] = True
            st.session_state[ENDED_KEY] = ended
            account = None
    if account is None and auth_mode() == "local":
        account = _from_cookie()
        if account is not None:
            st.session_state[ACCOUNT_KEY] = account
    if account is not None:
        if SET_COOKIE_KEY in st.session_state:
            _cookie_script(st.session_state.pop(SET_COOKIE_KEY))
        return account
    if FORGET_COOKIE_KEY in st.session_state:
        _cookie_script(None)
    if requested_page():  # /map before the login: opened after it (app.py, ask_for_page)
        st.session_state[DEEP_LINK_KEY] = requested_page()
    if ENDED_KEY in st.session_state:  # why the sign-in ended, on every run until the next one
        st.warning(st.session_state[ENDED_KEY])
    st.title(_text("auth.title"))
    if auth_mode() == "oidc":
        if _oidc_logged_in():  # signed in, but the identity carries no role or scope for us
            st.error(_text("auth.no_claims"))
            st.button(_text("auth.logout"), on_click=st.logout)
        else:
            st.button(_text("auth.sso"), on_click=st.login, type="primary")
        st.stop()
    with st.form("login"):
        username = st.text_input(_text("auth.username"), autocomplete="username")
        password = st.text_input(_text("auth.password"), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(_text("auth.submit"), type="primary")
    if submitted:
        store = AccountStore()
        try:
            account = store.login(username.strip(), password)
        except LoginRefused as refused:
            audit.record("account_locked" if refused.reason == "locked" else "login_failed",
                         refused.username, reason=refused.reason)
            st.error(refused.message(_lang()))
        else:
            token = store.start_session(account.username, session_days())
            st.session_state.update({ACCOUNT_KEY: account, TOKEN_KEY: token, SET_COOKIE_KEY: token})
            st.session_state.pop(FORGET_COOKIE_KEY, None)
            st.session_state.pop(ENDED_KEY, None)
            audit.record("login", account.username, account.scope, role=account.role)
            st.rerun()
    st.stop()


def audit_oidc_login(account: Account) -> None:
    """Single sign-on logins are audited once per session, like local ones."""
    if auth_mode() == "oidc" and not st.session_state.get("_rehab_oidc_audited") \
            and warm_sessions.account() is None:
        st.session_state["_rehab_oidc_audited"] = True
        audit.record("login", account.username, account.scope, role=account.role, via="oidc")
        warm_sessions.remember_sign_in(account)


def take_deep_link() -> str | None:
    """The page asked for before the login, once."""
    return st.session_state.pop(DEEP_LINK_KEY, None)


def may_open(account: Account, page: Page) -> bool:
    """Whether the account's role opens the page (pages.PAGES); a topic page needs none."""
    return page.role is None or account.may(page.role)


def refused_pages(account: Account) -> list[Page]:
    """The pages of pages.PAGES the account's role may not open."""
    return [page for page in PAGES if not may_open(account, page)]


def refusal_page(page: Page):
    """The page function that stands in for a page the account's role may not open."""
    def refused() -> None:
        refuse_page(current(), page.url_path, page.role)
    refused.__name__ = f"refused_{page.url_path}"
    return refused


def refuse_page(account: Account, page: str, role: str) -> None:
    """A page the role may not open was asked for: one audit line (once per session and page), and a
    message instead of an error."""
    refused = st.session_state.setdefault("_rehab_refused_pages", set())
    if page not in refused:
        refused.add(page)
        audit.record("role_refused", account.username, account.scope, page=page, needs=role)
    st.warning(_text("writepath.role_refused", role=_text(f"roles.{role}")))


def logout() -> None:
    """End the sign-in: the account leaves the session, its token the database, the cookie the browser."""
    account = st.session_state.pop(ACCOUNT_KEY, None)
    token = st.session_state.pop(TOKEN_KEY, None)
    if auth_mode() == "local":
        AccountStore().end_session(token)
    st.session_state[FORGET_COOKIE_KEY] = True
    st.session_state.pop(SET_COOKIE_KEY, None)
    if account is not None:
        audit.record("logout", account.username, account.scope)
    if auth_mode() == "oidc" and _oidc_logged_in():
        st.logout()
