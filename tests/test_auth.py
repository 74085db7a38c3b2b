"""Accounts: hashed passwords, lockout after repeated failures (also under 40 parallel attempts), roles,
and the append-only audit log — on SQLite and on PostgreSQL."""
import datetime as dt
import threading

import pytest
from sqlalchemy import text

from rehabdash.access import accountdb, audit
from rehabdash.access.accounts import AccountStore
from rehabdash.kernel.errors import LoginRefused

NOW = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def store(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("REHAB_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("REHAB_LOCKOUT_AFTER", "3")
    monkeypatch.setenv("REHAB_LOCKOUT_MINUTES", "15")
    store = AccountStore()
    store.add("qingshan", "correct horse 青山", "viewer", ["150204000000"])
    return store


def test_the_store_holds_no_plain_text(store):
    with store.engine.connect() as connection:
        [stored] = connection.execute(text("SELECT password_hash FROM rehab_accounts")).scalars().all()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    if store.engine.dialect.name == "sqlite":  # the database file: for the service user only
        path = store.engine.url.database
        assert oct(__import__("os").stat(path).st_mode)[-3:] == "600"
        assert b"correct horse" not in open(path, "rb").read()


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


def test_forty_parallel_wrong_passwords_lock_the_account(store, monkeypatch):
    monkeypatch.setenv("REHAB_LOCKOUT_AFTER", "5")
    reasons, start = [], threading.Barrier(40)

    def guess():
        start.wait()
        try:
            store.login("qingshan", "guess", NOW)
        except LoginRefused as refused:
            reasons.append(refused.reason)

    threads = [threading.Thread(target=guess) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reasons) == 40
    # Only the first four of the allowance of five are told "wrong": every other attempt finds it locked.
    assert reasons.count("wrong_credentials") == 4 and reasons.count("locked") == 36
    account = store.get("qingshan")
    assert account.locked(NOW + dt.timedelta(minutes=1)) and account.failed_logins >= 5
    with pytest.raises(LoginRefused) as refused:
        store.login("qingshan", "correct horse 青山", NOW + dt.timedelta(minutes=1))
    assert refused.value.reason == "locked"


def test_disabled_and_unknown_accounts_are_refused(store):
    store.set_disabled("qingshan", True)
    with pytest.raises(LoginRefused) as disabled:
        store.login("qingshan", "correct horse 青山", NOW)
    # the audit knows it is disabled; the answer does not say so (issue 35: same as a wrong password)
    assert disabled.value.reason == "disabled" and disabled.value.message("zh") == "用户名或密码不正确。"
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


def test_audit_lines_cannot_be_changed_or_deleted(store):
    audit.record("login", "qingshan", ["150204000000"])
    engine = accountdb.engine()
    for statement in ("UPDATE rehab_audit SET username = 'someone else'", "DELETE FROM rehab_audit"):
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text(statement))
    assert [e["user"] for e in audit.entries()] == ["qingshan"]


def test_accounts_of_the_former_accounts_file_move_into_the_store(database_url, tmp_path, monkeypatch):
    import json

    from argon2 import PasswordHasher

    monkeypatch.setenv("REHAB_INSTANCE_DIR", str(tmp_path))
    legacy = tmp_path / "accounts.json"
    legacy.write_text(json.dumps({"old": {
        "username": "old", "role": "clerk", "scope": ["150204000000"],
        "password_hash": PasswordHasher().hash("old secret"), "disabled": False, "failed_logins": 0,
        "locked_until": None}}), encoding="utf-8")
    store = AccountStore()
    assert store.login("old", "old secret", NOW).scope == ("150204000000",)
    assert not legacy.exists() and (tmp_path / "accounts.json.imported").exists()


def test_sign_in_tokens_expire_end_on_logout_and_on_disable_or_reset(store):
    token = store.start_session("qingshan", days=1, now=NOW)
    assert store.session_account(token, NOW + dt.timedelta(hours=23)).username == "qingshan"
    assert store.session_account(token, NOW + dt.timedelta(hours=25)) is None  # expired
    assert store.session_account("forged", NOW) is None
    with store.engine.connect() as connection:  # only the token's hash is stored
        assert token not in str(connection.execute(text("SELECT * FROM rehab_sessions")).all())
    store.end_session(token)
    assert store.session_account(token, NOW) is None
    for end in (lambda: store.set_disabled("qingshan", True), lambda: store.reset_password("qingshan", "n")):
        store.set_disabled("qingshan", False)
        token = store.start_session("qingshan", days=1, now=NOW)
        end()
        assert store.session_account(token, NOW) is None
