"""Accounts: hashed passwords, lockout after repeated failures, roles, and the audit log."""
import datetime as dt

import pytest

from rehabdash.access import audit
from rehabdash.access.accounts import AccountStore, LoginRefused

NOW = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("REHAB_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("REHAB_LOCKOUT_AFTER", "3")
    monkeypatch.setenv("REHAB_LOCKOUT_MINUTES", "15")
    store = AccountStore()
    store.add("qingshan", "correct horse 青山", "viewer", ["150204000000"])
    return store


def test_password_file_holds_no_plain_text(store):
    text = store.path.read_text(encoding="utf-8")
    assert "correct horse" not in text and "$argon2id$" in text
    assert oct(store.path.stat().st_mode)[-3:] == "600"


def test_login_returns_role_and_scope(store):
    account = store.login("qingshan", "correct horse 青山", NOW)
    assert (account.role, account.scope) == ("viewer", ("150204000000",))
    assert account.may("viewer") and not account.may("clerk")


def test_wrong_passwords_lock_after_the_configured_count(store):
    for attempt in range(2):
        with pytest.raises(LoginRefused) as refused:
            store.login("qingshan", "guess", NOW)
        assert refused.value.reason == "wrong_credentials"
    with pytest.raises(LoginRefused) as refused:
        store.login("qingshan", "guess", NOW)
    assert refused.value.reason == "locked"
    with pytest.raises(LoginRefused) as refused:  # even the right password is refused while locked
        store.login("qingshan", "correct horse 青山", NOW + dt.timedelta(minutes=14))
    assert refused.value.reason == "locked"
    assert store.login("qingshan", "correct horse 青山", NOW + dt.timedelta(minutes=16)).failed_logins == 0


def test_disabled_and_unknown_accounts_are_refused(store):
    store.set_disabled("qingshan", True)
    with pytest.raises(LoginRefused) as disabled:
        store.login("qingshan", "correct horse 青山", NOW)
    assert disabled.value.reason == "disabled" and "停用" in disabled.value.message("zh")
    with pytest.raises(LoginRefused) as unknown:
        store.login("nobody", "x", NOW)
    assert unknown.value.reason == "wrong_credentials"


def test_reset_unlocks(store):
    for _ in range(3):
        with pytest.raises(LoginRefused):
            store.login("qingshan", "guess", NOW)
    store.reset_password("qingshan", "new secret")
    assert store.login("qingshan", "new secret", NOW).username == "qingshan"


def test_audit_log_appends_one_line_per_event(store):
    audit.record("login", "qingshan", ["150204000000"])
    audit.record("login_failed", "qingshan", None, reason="wrong_credentials")
    events = audit.entries()
    assert [e["event"] for e in events] == ["login", "login_failed"]
    assert events[1]["detail"] == {"reason": "wrong_credentials"}
    with pytest.raises(ValueError):
        audit.record("party", "x")
