"""The audit log: one JSON line per event (logins, failed logins, imports, exports, snapshot changes).

Append-only: lines are only ever added, each with one write on a file opened for appending, which the
operating system keeps whole even when two sessions write at once.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from rehabdash.kernel.config import instance_dir

EVENTS = ("login", "login_failed", "logout", "account_locked", "import", "export", "snapshot",
          "no_access", "account_changed")


def log_path() -> Path:
    return instance_dir() / "audit.jsonl"


def record(event: str, user: str | None, scope: list[str] | tuple[str, ...] | None = None, **detail) -> None:
    """Append one event: who, when, what scope, and what else the event needs to be understood."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    entry = {
        "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "event": event,
        "user": user,
        "scope": list(scope) if scope is not None else None,
        **({"detail": detail} if detail else {}),
    }
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)


def entries() -> list[dict]:
    path = log_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
