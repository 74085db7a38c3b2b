"""Accounts, roles and region scopes for the `local` authentication mode, and the login rule.

Passwords are stored as Argon2id hashes (argon2-cffi) in the accounts table (rehabdash.access.accountdb); no
plain text is kept. After `lockout_after()` consecutive wrong passwords an account is locked for
`lockout_minutes()`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from rehabdash.access import accountdb
from rehabdash.access.accountdb import accounts as table
from rehabdash.access.accountdb import sessions
from rehabdash.kernel.config import (
    auth_mode,
    instance_dir,
    lockout_after,
    lockout_minutes,
)
from rehabdash.kernel.errors import AccountChanged, LoginRefused

ROLES = ("viewer", "clerk", "admin")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    scope: tuple[str, ...]  # region codes the account may see, with everything below them
    password_hash: str = field(repr=False)
    disabled: bool = False
    failed_logins: int = 0
    locked_until: str | None = None  # ISO time, UTC

    def may(self, role: str) -> bool:
        """True when the account's role is `role` or above it (viewer < clerk < admin)."""
        return ROLES.index(self.role) >= ROLES.index(role)

    def locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and dt.datetime.fromisoformat(self.locked_until) > now


class AccountStore:
    """The accounts table of the database (rehabdash.access.accountdb): SQLite by default, PostgreSQL through
    REHAB_DATABASE_URL. Every change is one statement, so parallel sessions never lose an update."""

    def __init__(self, url: str | None = None):
        self.engine = accountdb.engine(url)
        if url is None:
            self._import_legacy_file(instance_dir() / "accounts.json")

    def _import_legacy_file(self, path: Path) -> None:
        """Accounts of the former accounts.json (hashes and all), moved into an empty table once; the
        file is then renamed to accounts.json.imported."""
        try:
            legacy = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:  # none, or another replica has just imported and renamed it
            return
        try:
            self._import_legacy(legacy)
        except IntegrityError:  # another replica started at the same moment imported them first
            pass
        try:
            path.rename(path.with_name(path.name + ".imported"))
        except FileNotFoundError:
            pass

    def _import_legacy(self, legacy: dict) -> None:
        with self.engine.begin() as connection:
            if connection.execute(select(table.c.username).limit(1)).first() is None:
                for name, entry in legacy.items():
                    locked = entry.get("locked_until")
                    connection.execute(insert(table).values(
                        username=name, role=entry["role"], scope=json.dumps(list(entry["scope"])),
                        password_hash=entry["password_hash"], disabled=bool(entry.get("disabled")),
                        failed_logins=int(entry.get("failed_logins", 0)),
                        locked_until=dt.datetime.fromisoformat(locked).astimezone(dt.timezone.utc).replace(
                            tzinfo=None) if locked else None))

    @staticmethod
    def _account(row) -> Account:
        locked = row.locked_until
        return Account(row.username, row.role, tuple(json.loads(row.scope)), row.password_hash,
                       bool(row.disabled), int(row.failed_logins),
                       locked.replace(tzinfo=dt.timezone.utc).isoformat() if locked else None)

    def load(self) -> dict[str, Account]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(table).order_by(table.c.username)).all()
        return {row.username: self._account(row) for row in rows}

    def get(self, username: str) -> Account | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(table).where(table.c.username == username)).first()
        return self._account(row) if row else None

    def _update(self, username: str, **changes) -> Account:
        with self.engine.begin() as connection:
            done = connection.execute(update(table).where(table.c.username == username).values(**changes))
        if done.rowcount == 0:
            raise KeyError(username)
        return self.get(username)

    def add(self, username: str, password: str, role: str, scope: list[str]) -> Account:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        if not scope:
            raise ValueError("an account needs at least one region code in its scope")
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(table).values(
                    username=username, role=role, scope=json.dumps(list(scope)),
                    password_hash=_hasher.hash(password), disabled=False, failed_logins=0))
        except IntegrityError:
            raise ValueError(f"account {username} exists") from None
        return self.get(username)

    def set_disabled(self, username: str, disabled: bool) -> Account:
        account = self._update(username, disabled=disabled)
        self.end_sessions_of(username)
        return account

    def reset_password(self, username: str, password: str) -> Account:
        account = self._update(username, password_hash=_hasher.hash(password), failed_logins=0,
                               locked_until=None)
        self.end_sessions_of(username)  # a reset ends every sign-in of the old password
        return account

    def login(self, username: str, password: str, now: dt.datetime | None = None) -> Account:
        """The account if the password is right; otherwise LoginRefused, counting toward the lockout.

        The attempt is counted before the password is verified, in one UPDATE that also ends an expired
        lock: of any number of parallel attempts at most `lockout_after()` get a password checked, the
        rest find the account locked.
        """
        now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(tzinfo=None)
        limit = lockout_after()
        expired = table.c.locked_until.is_not(None) & (table.c.locked_until <= now)
        with self.engine.begin() as connection:
            counted = connection.execute(
                update(table)
                .where(table.c.username == username, table.c.disabled.is_(False),
                       or_(table.c.locked_until.is_(None), table.c.locked_until <= now))
                .values(failed_logins=case((expired, 1), else_=table.c.failed_logins + 1),
                        locked_until=case((expired, None), else_=table.c.locked_until))
                .returning(table.c.failed_logins, table.c.password_hash)).first()
        if counted is None:
            account = self.get(username)
            if account is None or account.disabled:
                _hasher.hash(password)  # same work as a real check, so timing does not reveal accounts
                raise LoginRefused("disabled" if account else "wrong_credentials", username)
            raise LoginRefused("locked", username)
        attempts, password_hash = counted
        if attempts > limit:  # parallel attempts used up the allowance before this one
            self._lock(username, now)
            raise LoginRefused("locked", username)
        try:
            _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            if attempts >= limit:
                self._lock(username, now)
                raise LoginRefused("locked", username) from None
            raise LoginRefused("wrong_credentials", username) from None
        return self._update(username, failed_logins=0, locked_until=None)

    def _lock(self, username: str, now: dt.datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(table).where(table.c.username == username, table.c.locked_until.is_(None))
                               .values(locked_until=now + dt.timedelta(minutes=lockout_minutes())))

    # ------------------------------------------------------------------ sign-ins kept in a cookie

    @staticmethod
    def _token_hash(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    def start_session(self, username: str, days: float, now: dt.datetime | None = None) -> str:
        """A new random sign-in token for the browser's cookie; the database keeps its hash and expiry."""
        now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(tzinfo=None)
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(delete(sessions).where(sessions.c.expires_at <= now))  # expired ones
            connection.execute(insert(sessions).values(token_sha256=self._token_hash(token), username=username,
                                                       expires_at=now + dt.timedelta(days=days)))
        return token

    def session_account(self, token: str | None, now: dt.datetime | None = None) -> Account | None:
        """The account of an unexpired sign-in token, if it is still enabled. (A lockout does not end it:
        someone guessing passwords must not be able to sign the account's owner out.)"""
        if not token:
            return None
        naive = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(tzinfo=None)
        with self.engine.connect() as connection:
            username = connection.execute(select(sessions.c.username).where(
                sessions.c.token_sha256 == self._token_hash(token), sessions.c.expires_at > naive)).scalar()
        account = self.get(username) if username else None
        if account is None or account.disabled:
            return None
        return account

    def end_sessions_of(self, username: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(sessions).where(sessions.c.username == username))

    def end_session(self, token: str | None) -> None:
        if token:
            with self.engine.begin() as connection:
                connection.execute(delete(sessions).where(sessions.c.token_sha256 == self._token_hash(token)))


# ---------------------------------------------------------------------- the account, checked again

def unchanged(held: Account, stored: Account | None) -> Account:
    """`stored` (the database's account now) if it still grants what `held` (the session's, from the
    sign-in) did; else AccountChanged: disabled or removed, or another role or other regions."""
    if stored is None or stored.disabled:
        raise AccountChanged("account_gone", held.username)
    if stored.role != held.role or tuple(stored.scope) != tuple(held.scope):
        raise AccountChanged("account_regranted", held.username)
    return stored


def reverify(account: Account, store: AccountStore | None = None) -> Account:
    """The session's account, checked against the database now, for work done outside the page's run
    (a file built when its download is clicked): AccountChanged when an administrator disabled it or
    changed its role or regions while the page was open. Accounts that are not in the database (the
    demo without sign-in, single sign-on, whose claims are read again on every run) pass as they are."""
    if auth_mode() != "local":
        return account
    return unchanged(account, (store or AccountStore()).get(account.username))
