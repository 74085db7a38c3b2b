"""Accounts, roles and region scopes for the `local` authentication mode, and the login rule.

Passwords are stored as Argon2id hashes (argon2-cffi); the accounts file holds no plain text. After
`lockout_after()` consecutive wrong passwords an account is locked for `lockout_minutes()`.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rehabdash.kernel.errors import LoginRefused
from rehabdash.kernel.config import accounts_file, lockout_after, lockout_minutes

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
    """The accounts file: a JSON object of accounts, rewritten atomically on every change."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path or accounts_file())

    def load(self) -> dict[str, Account]:
        if not self.path.exists():
            return {}
        raw = json.loads(self.path.read_text(encoding="utf-8"))
        return {name: Account(**{**entry, "scope": tuple(entry["scope"])}) for name, entry in raw.items()}

    def _save(self, accounts: dict[str, Account]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps({name: {**asdict(a), "scope": list(a.scope)} for name, a in accounts.items()},
                          ensure_ascii=False, indent=2)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".accounts-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(data)
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)

    def _update(self, username: str, **changes) -> Account:
        accounts = self.load()
        if username not in accounts:
            raise KeyError(username)
        accounts[username] = replace(accounts[username], **changes)
        self._save(accounts)
        return accounts[username]

    def add(self, username: str, password: str, role: str, scope: list[str]) -> Account:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        if not scope:
            raise ValueError("an account needs at least one region code in its scope")
        accounts = self.load()
        if username in accounts:
            raise ValueError(f"account {username} exists")
        accounts[username] = Account(username, role, tuple(scope), _hasher.hash(password))
        self._save(accounts)
        return accounts[username]

    def set_disabled(self, username: str, disabled: bool) -> Account:
        return self._update(username, disabled=disabled)

    def reset_password(self, username: str, password: str) -> Account:
        return self._update(username, password_hash=_hasher.hash(password), failed_logins=0, locked_until=None)

    def login(self, username: str, password: str, now: dt.datetime | None = None) -> Account:
        """The account if the password is right; otherwise LoginRefused, counting toward the lockout."""
        now = now or dt.datetime.now(dt.timezone.utc)
        account = self.load().get(username)
        if account is None:
            _hasher.hash(password)  # same work as a real check, so timing does not reveal accounts
            raise LoginRefused("wrong_credentials", username)
        if account.disabled:
            raise LoginRefused("disabled", username)
        if account.locked(now):
            raise LoginRefused("locked", username)
        try:
            _hasher.verify(account.password_hash, password)
        except (VerificationError, InvalidHashError):
            failed = account.failed_logins + 1
            locked_until = None
            if failed >= lockout_after():
                locked_until = (now + dt.timedelta(minutes=lockout_minutes())).isoformat()
            self._update(username, failed_logins=failed, locked_until=locked_until)
            raise LoginRefused("locked" if locked_until else "wrong_credentials", username) from None
        return self._update(username, failed_logins=0, locked_until=None)
