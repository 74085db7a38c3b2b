"""Who is using this session and what they may see: the login gate of app.py for each REHAB_AUTH mode.

- off: the local demo; everyone is an admin who sees every region.
- local: accounts in the accounts file (rehabdash.access.accounts), a login form in Chinese.
- oidc: Streamlit's st.login single sign-on; role and region codes come from ID-token claims named by
  REHAB_OIDC_ROLE_CLAIM (default `rehab_role`) and REHAB_OIDC_SCOPE_CLAIM (default `rehab_scope`, a list
  or a comma-separated string). An identity without them is refused.
The signed-in account lives in session state under a key no widget uses; the query layer takes its
scope from there (ui.Filters.allowed), so no widget, URL or page can widen it.
"""
from __future__ import annotations

import os

import streamlit as st

from rehabdash.access import audit
from rehabdash.access.accounts import ROLES, Account, AccountStore, LoginRefused
from rehabdash.kernel import i18n
from rehabdash.kernel.config import auth_mode

ACCOUNT_KEY = "_rehab_account"
DEMO = Account("demo", "admin", (), password_hash="", disabled=False)  # scope () = every region


def current() -> Account | None:
    if auth_mode() == "off":
        return DEMO
    if auth_mode() == "oidc":
        return _oidc_account()
    return st.session_state.get(ACCOUNT_KEY)


def allowed_scope(account: Account) -> tuple[str, ...] | None:
    """The region codes the account is limited to; None for an unrestricted account."""
    return account.scope or None


def _oidc_account() -> Account | None:
    if not st.user.is_logged_in:
        return None
    role = st.user.get(os.environ.get("REHAB_OIDC_ROLE_CLAIM", "rehab_role"))
    scope = st.user.get(os.environ.get("REHAB_OIDC_SCOPE_CLAIM", "rehab_scope")) or []
    if isinstance(scope, str):
        scope = [code.strip() for code in scope.split(",") if code.strip()]
    if role not in ROLES or not scope:
        return None
    return Account(str(st.user.get("email") or st.user.get("sub")), role, tuple(scope), password_hash="")


def _text(key: str, **values) -> str:
    return i18n.text(st.session_state.get("lang", i18n.DEFAULT_LANGUAGE), key, **values)


def login_gate() -> Account:
    """The signed-in account, or the login form and st.stop() until there is one."""
    account = current()
    if account is not None:
        return account
    st.title(_text("auth.title"))
    if auth_mode() == "oidc":
        if st.user.is_logged_in:  # signed in, but the identity carries no role or scope for us
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
        try:
            account = AccountStore().login(username.strip(), password)
        except LoginRefused as refused:
            audit.record("account_locked" if refused.reason == "locked" else "login_failed",
                         refused.username, reason=refused.reason)
            st.error(_text(f"auth.{refused.reason}"))
        else:
            st.session_state[ACCOUNT_KEY] = account
            audit.record("login", account.username, account.scope, role=account.role)
            st.rerun()
    st.stop()


def logout() -> None:
    account = st.session_state.pop(ACCOUNT_KEY, None)
    if account is not None:
        audit.record("logout", account.username, account.scope)
