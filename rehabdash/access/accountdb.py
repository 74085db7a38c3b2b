"""The database of accounts and the audit log, through SQLAlchemy: SQLite in the instance folder by
default (no server to start), PostgreSQL when REHAB_DATABASE_URL names one
(`postgresql+psycopg://user:password@host/db`).

Counters change in one UPDATE statement each (never read, add one, write back), so parallel logins
count one each. The audit table is append-only: a trigger in the database refuses UPDATE and DELETE.

Several replicas (processes, machines) share one database: the tables are created by whichever comes
first, in one transaction under a PostgreSQL advisory lock, so replicas started together do not fail
on each other's CREATE TABLE (SQLite, one machine only, retries instead).
"""
from __future__ import annotations

import functools
import os
import threading
import time

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from rehabdash.kernel.config import database_url

metadata = MetaData()

accounts = Table(
    "rehab_accounts", metadata,
    Column("username", String(120), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("scope", Text, nullable=False),  # JSON list of region codes
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime, nullable=True),  # naive UTC
)

audit_log = Table(
    "rehab_audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),  # ISO time, UTC
    Column("event", String(32), nullable=False),
    Column("username", String(120), nullable=True),
    Column("scope", Text, nullable=True),  # JSON list, or null
    Column("detail", Text, nullable=True),  # JSON object, or null
)

# Local sign-ins that outlive a page reload: the browser keeps a random token in a cookie, the database
# its SHA-256 and expiry; logging out deletes the row, so a copied cookie ends with the sign-in.
sessions = Table(
    "rehab_sessions", metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("username", String(120), nullable=False),
    Column("expires_at", DateTime, nullable=False),  # naive UTC
)

# Append-only in the database itself, so no code path (ours or a hand-made SQL session through the
# application's user) edits or removes an audit line.
_APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS rehab_audit_no_update BEFORE UPDATE ON rehab_audit "
        "BEGIN SELECT RAISE(ABORT, 'rehab_audit is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS rehab_audit_no_delete BEFORE DELETE ON rehab_audit "
        "BEGIN SELECT RAISE(ABORT, 'rehab_audit is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION rehab_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'rehab_audit is append-only'; END $$",
        "DROP TRIGGER IF EXISTS rehab_audit_append_only ON rehab_audit",
        "CREATE TRIGGER rehab_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON rehab_audit "
        "FOR EACH STATEMENT EXECUTE FUNCTION rehab_audit_append_only()",
    ],
}

_lock = threading.Lock()
# pg_advisory_xact_lock key for creating the tables (any constant; "rehab" in ASCII).
_SCHEMA_LOCK = 0x7265686162
SCHEMA_ATTEMPTS = 5


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
    cursor.execute("PRAGMA busy_timeout=30000")  # writers wait their turn instead of failing
    cursor.close()


@functools.lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            if not os.path.exists(path):  # accounts' hashes: readable by the service user only
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40)
    create_schema(engine)
    return engine


def create_schema(engine: Engine) -> None:
    """The tables and the audit trigger, created once however many processes start at the same time.

    PostgreSQL: one transaction holding an advisory lock, so a second replica waits and then finds the
    tables. SQLite: a process that loses the race to CREATE TABLE tries again and finds them.
    """
    for attempt in range(SCHEMA_ATTEMPTS):
        try:
            with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
                metadata.create_all(connection)
                for statement in _APPEND_ONLY.get(engine.dialect.name, []):
                    connection.execute(text(statement))
            return
        except DBAPIError:
            if attempt == SCHEMA_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def engine(url: str | None = None) -> Engine:
    """The engine of `url` (default: REHAB_DATABASE_URL, or SQLite in the instance folder), with its
    tables created on first use."""
    url = url or database_url()
    with _lock:  # two sessions starting at once create the tables once
        return _engine(url)
