"""The audit log: one row per event (logins, failed logins, imports, exports, snapshot changes, and
every refusal) in the database's audit table (rehabdash.access.accountdb).

Append-only: rows are only ever inserted; the database's own trigger refuses any UPDATE or DELETE, and
no page or command offers to edit them. The runs of the warm-up (ui.warmup, access.warm_sessions) write
none: nobody read or did anything there.
"""
from __future__ import annotations

import datetime as dt
import json
import logging

from sqlalchemy import insert, select

from rehabdash.access import accountdb, warm_sessions
from rehabdash.access.accountdb import audit_log

EVENTS = ("login", "login_failed", "logout", "account_locked", "import", "export", "snapshot",
          "no_access", "account_changed",
          # refusals: a URL or widget value outside the account replaced, a page the role may not
          # open, an import with rows outside the account's regions
          "value_replaced", "role_refused", "import_refused",
          # a download built on its click for an account disabled or changed since the page was drawn
          "export_refused",
          # the meeting's workflow data (督办): a change, and a refused read or write
          "workflow", "workflow_refused")


def record(event: str, user: str | None, scope: list[str] | tuple[str, ...] | None = None, **detail) -> None:
    """Append one event: who, when, what scope, and what else the event needs to be understood."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    if warm_sessions.account() is not None:  # the server's own warm-up: nobody read or did anything
        logging.getLogger(__name__).warning("warm-up session: audit event %s of %s not recorded", event, user)
        return
    with accountdb.engine().begin() as connection:
        connection.execute(insert(audit_log).values(
            at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), event=event, username=user,
            scope=json.dumps(list(scope), ensure_ascii=False) if scope is not None else None,
            detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None))


def entries(event: str | None = None) -> list[dict]:
    """Every audit line, oldest first, as {at, event, user, scope, detail?}."""
    query = select(audit_log).order_by(audit_log.c.id)
    if event:
        query = query.where(audit_log.c.event == event)
    with accountdb.engine().connect() as connection:
        rows = connection.execute(query).all()
    return [{"at": row.at, "event": row.event, "user": row.username,
             "scope": json.loads(row.scope) if row.scope is not None else None,
             **({"detail": json.loads(row.detail)} if row.detail else {})} for row in rows]
