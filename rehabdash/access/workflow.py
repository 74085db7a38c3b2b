"""The dispatch meeting's workflow data (督办, 部门联动) in the accounts/audit database: meetings, the
items they decide with their updates, and the federation's member departments (成员单位).

Workflow data is edited by many people during the month, so it lives here and not in the snapshots.
Who may do what is checked in this module, against the signed-in account, for every read and write:

- read: an account whose regions hold the meeting's scope, the responsible unit's region, or that a
  department names as one of its accounts; nobody else learns that an item exists;
- the chair (an admin whose regions hold the meeting's scope) records items, assigns them (problem,
  decision, unit, person, deadline, link), closes them with a note, reopens them, keeps the departments;
- the responsible unit's accounts (a clerk or admin whose regions hold the unit's region; for a member
  department, the accounts it names) post updates and ask for closure; viewers only read.

Every item and department carries a version: an edit names the version it read, and an edit of an
older one writes nothing and raises EditConflict naming who changed it and when. Every change and every
refusal is one audit line with the signed-in account. Texts are bounded (LIMITS).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
from dataclasses import dataclass

from sqlalchemy import (
    Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint, insert, or_, select, update,
)
from sqlalchemy.exc import IntegrityError

from rehabdash.access import accountdb, audit
from rehabdash.access.accounts import Account
from rehabdash.kernel.errors import EditConflict, TextTooLong, WorkflowRefused

metadata = accountdb.metadata

meetings = Table(
    "rehab_meetings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope_code", String(32), nullable=False),
    Column("scope_path", Text, nullable=False),  # JSON: region codes from the top down to the scope
    Column("scope_name", String(120), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("created_by", String(120), nullable=False),
    UniqueConstraint("scope_code", "held_on", name="rehab_meetings_one_a_day"),
)

departments = Table(
    "rehab_departments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope_code", String(32), nullable=False),
    Column("scope_path", Text, nullable=False),
    Column("name", String(120), nullable=False),
    Column("duties", Text, nullable=False),
    Column("contact", String(200), nullable=False),
    Column("accounts", Text, nullable=False),  # JSON list of usernames that act for the department
    Column("version", Integer, nullable=False),
    Column("updated_by", String(120), nullable=False),
    Column("updated_at", String(32), nullable=False),
    UniqueConstraint("scope_code", "name", name="rehab_departments_name"),
)

decisions = Table(
    "rehab_decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("rehab_meetings.id"), nullable=False),
    Column("problem", Text, nullable=False),
    Column("decision", Text, nullable=False),
    Column("unit_kind", String(16), nullable=False),  # region | institution | department
    Column("unit_ref", String(64), nullable=False),  # region code, institution id, department id
    Column("unit_name", String(200), nullable=False),
    Column("unit_path", Text, nullable=False),  # JSON: region codes down to where the unit sits
    Column("person", String(200), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("link_kind", String(16), nullable=True),  # indicator | site | unit
    Column("link_ref", String(64), nullable=True),
    Column("link_name", String(200), nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("closed_by", String(120), nullable=True),
    Column("close_note", Text, nullable=True),
    Column("version", Integer, nullable=False),
    Column("updated_by", String(120), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

updates = Table(
    "rehab_decision_updates", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("decision_id", Integer, ForeignKey("rehab_decisions.id"), nullable=False),
    Column("on_date", Date, nullable=False),
    Column("kind", String(16), nullable=False),  # update | ask_close | close | reopen
    Column("text", Text, nullable=False),
    Column("username", String(120), nullable=False),
)

UNIT_KINDS = ("region", "institution", "department")
LINK_KINDS = ("indicator", "site", "unit")
# Characters, counted as typed: what a meeting's minutes need, not an essay.
LIMITS = {"problem": 200, "decision": 300, "unit": 60, "person": 40, "update": 300, "note": 200,
          "name": 40, "duties": 500, "contact": 60}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")  # not allowed in DOCX/PPTX text, nor in one line

_created: set[str] = set()
_create_lock = threading.Lock()


@dataclass(frozen=True)
class Unit:
    """Who answers for an item: a region unit, a designated institution or a member department."""
    kind: str
    ref: str
    name: str
    path: tuple[str, ...] = ()  # region codes from the top down to where it sits (a department: ())


@dataclass(frozen=True)
class Link:
    kind: str  # indicator | site | unit
    ref: str
    name: str


@dataclass(frozen=True)
class Update:
    on: dt.date
    kind: str  # update | ask_close | close | reopen
    text: str
    by: str


@dataclass(frozen=True)
class Item:
    id: int
    meeting_id: int
    held_on: dt.date
    scope_code: str
    scope_name: str
    problem: str
    decision: str
    unit: Unit
    person: str
    deadline: dt.date
    link: Link | None
    closed_on: dt.date | None
    closed_by: str | None
    close_note: str | None
    version: int
    updated_by: str
    updated_at: str
    updates: tuple[Update, ...] = ()
    scope_path: tuple[str, ...] = ()  # the meeting's scope, from the top of the region tree down


@dataclass(frozen=True)
class Department:
    id: int
    scope_code: str
    name: str
    duties: str
    contact: str
    accounts: tuple[str, ...]
    version: int


def clean(value: str | None, field: str, required: bool = True) -> str:
    """`value` as one line of text, within its limit; TextTooLong names the field otherwise."""
    text = _CONTROL.sub(" ", value or "").strip()
    if required and not text:
        raise TextTooLong("duban_required", field=field)
    if len(text) > LIMITS[field]:
        raise TextTooLong("duban_too_long", field=field, limit=LIMITS[field], length=len(text))
    return text


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def covers(account: Account, path: tuple[str, ...] | list[str]) -> bool:
    """Whether the account's regions hold the place at the end of `path` (an unrestricted account: all)."""
    return not account.scope or any(code in path for code in account.scope)


class WorkflowStore:
    """Meetings, decided items and departments, each read and write checked against `account`."""

    def __init__(self, url: str | None = None):
        self.engine = accountdb.engine(url)
        key = str(self.engine.url)
        with _create_lock:
            if key not in _created:  # the tables are created once, however many replicas start
                accountdb.create_schema(self.engine)
                _created.add(key)

    # ------------------------------------------------------------------ refusals and audit

    def _refuse(self, account: Account, code: str, **values):
        audit.record("workflow_refused", account.username, account.scope, code=code, asked=values)
        raise WorkflowRefused(code, **values)

    @staticmethod
    def _audit(account: Account, action: str, **detail) -> None:
        audit.record("workflow", account.username, account.scope, action=action, **detail)

    # ------------------------------------------------------------------ reading

    def _department_accounts(self, connection, department_id: str) -> tuple[str, ...]:
        row = connection.execute(select(departments.c.accounts).where(
            departments.c.id == int(department_id))).first() if department_id.isdigit() else None
        return tuple(json.loads(row.accounts)) if row else ()

    def _items(self, connection, where) -> list[Item]:
        rows = connection.execute(
            select(decisions, meetings.c.held_on, meetings.c.scope_code, meetings.c.scope_name,
                   meetings.c.scope_path)
            .join(meetings, decisions.c.meeting_id == meetings.c.id).where(where)
            .order_by(meetings.c.held_on, decisions.c.id)).all()
        ids = [row.id for row in rows]
        by_item: dict[int, list[Update]] = {}
        if ids:
            for u in connection.execute(select(updates).where(updates.c.decision_id.in_(ids))
                                        .order_by(updates.c.on_date, updates.c.id)):
                by_item.setdefault(u.decision_id, []).append(Update(u.on_date, u.kind, u.text, u.username))
        return [self._item(row, by_item.get(row.id, [])) for row in rows]

    @staticmethod
    def _item(row, item_updates) -> Item:
        link = Link(row.link_kind, row.link_ref, row.link_name) if row.link_kind else None
        item = Item(row.id, row.meeting_id, row.held_on, row.scope_code, row.scope_name, row.problem,
                    row.decision, Unit(row.unit_kind, row.unit_ref, row.unit_name,
                                       tuple(json.loads(row.unit_path))),
                    row.person, row.deadline, link, row.closed_on, row.closed_by, row.close_note, row.version,
                    row.updated_by, row.updated_at, tuple(item_updates), tuple(json.loads(row.scope_path)))
        return item

    def _may_read(self, connection, account: Account, item: Item) -> bool:
        return covers(account, item.scope_path) or self._responsible(connection, account, item)

    def _responsible(self, connection, account: Account, item: Item) -> bool:
        if item.unit.kind == "department":
            return account.username in self._department_accounts(connection, item.unit.ref)
        return bool(item.unit.path) and covers(account, item.unit.path)

    def items(self, account: Account, scope_code: str, scope_path: tuple[str, ...]) -> list[Item]:
        """Every item of the meetings of `scope_code`, and of meetings above it whose responsible unit
        lies in it, that the account may read; oldest meeting first."""
        if not covers(account, scope_path):
            self._refuse(account, "duban_scope", scope=scope_code)
        with self.engine.connect() as connection:
            found = self._items(connection, or_(meetings.c.scope_code == scope_code,
                                                decisions.c.unit_path.like(f'%"{scope_code}"%')))
            # a meeting above the scope counts with the items it gave to a unit in the scope
            return [i for i in found if (i.scope_code == scope_code or i.scope_code in scope_path)
                    and self._may_read(connection, account, i)]

    def assigned(self, account: Account) -> list[Item]:
        """The items the account's units answer for (its regions, its departments), wherever decided."""
        with self.engine.connect() as connection:
            found = self._items(connection, decisions.c.id.is_not(None))
            return [i for i in found if self._responsible(connection, account, i)]

    def item(self, account: Account, item_id: int) -> Item:
        with self.engine.connect() as connection:
            found = self._items(connection, decisions.c.id == int(item_id))
            if not found or not self._may_read(connection, account, found[0]):
                self._refuse(account, "duban_not_found", item=item_id)
            return found[0]

    # ------------------------------------------------------------------ the chair

    def _meeting_id(self, connection, account, scope_code, scope_path, scope_name, held_on) -> int:
        found = connection.execute(select(meetings.c.id).where(
            meetings.c.scope_code == scope_code, meetings.c.held_on == held_on)).scalar()
        if found is not None:
            return found
        return connection.execute(insert(meetings).values(
            scope_code=scope_code, scope_path=json.dumps(list(scope_path)), scope_name=scope_name,
            held_on=held_on, created_by=account.username).returning(meetings.c.id)).scalar_one()

    def _chair(self, account: Account, scope_path, scope_name: str, action: str) -> None:
        if not covers(account, scope_path):
            self._refuse(account, "duban_scope", scope=scope_name)
        if not account.may("admin"):
            self._refuse(account, "duban_not_chair", scope=scope_name, action=action)

    def record(self, account: Account, scope_code: str, scope_path: tuple[str, ...], scope_name: str,
               held_on: dt.date, *, problem: str, decision: str, unit: Unit, person: str,
               deadline: dt.date, link: Link | None = None) -> Item:
        """A decided item of the meeting of `scope_code` on `held_on` (the meeting is made with its
        first item). The chair's alone."""
        self._chair(account, scope_path, scope_name, "record")
        values = self._checked(problem=problem, decision=decision, unit=unit, person=person,
                               deadline=deadline, link=link, held_on=held_on)
        for attempt in range(2):  # two chairs opening the same day's meeting at once: the second joins it
            try:
                with self.engine.begin() as connection:
                    meeting_id = self._meeting_id(connection, account, scope_code, scope_path, scope_name,
                                                  held_on)
                    item_id = connection.execute(insert(decisions).values(
                        meeting_id=meeting_id, version=1, updated_by=account.username, updated_at=_now(),
                        **values).returning(decisions.c.id)).scalar_one()
                break
            except IntegrityError:
                if attempt:
                    raise
        self._audit(account, "record", item=item_id, meeting=held_on.isoformat(), meeting_scope=scope_code,
                    unit=values["unit_name"])
        return self.item(account, item_id)

    def _checked(self, *, problem, decision, unit: Unit, person, deadline, link, held_on) -> dict:
        if unit.kind not in UNIT_KINDS:
            raise TextTooLong("duban_unit_kind", kind=unit.kind)
        if deadline < held_on:
            raise TextTooLong("duban_deadline", deadline=deadline.isoformat(), held_on=held_on.isoformat())
        values = dict(problem=clean(problem, "problem"), decision=clean(decision, "decision"),
                      unit_kind=unit.kind, unit_ref=str(unit.ref), unit_name=clean(unit.name, "unit"),
                      unit_path=json.dumps(list(unit.path)), person=clean(person, "person"), deadline=deadline,
                      link_kind=None, link_ref=None, link_name=None)
        if link is not None and link.kind in LINK_KINDS:
            values.update(link_kind=link.kind, link_ref=str(link.ref)[:64],
                          link_name=clean(link.name, "unit"))
        return values

    def _change(self, account: Account, item: Item, version: int, action: str, values: dict,
                note: Update | None = None) -> Item:
        """One edit, written only if the item is still at `version` (else EditConflict, nothing written)."""
        with self.engine.begin() as connection:
            done = connection.execute(update(decisions).where(
                decisions.c.id == item.id, decisions.c.version == int(version)).values(
                version=decisions.c.version + 1, updated_by=account.username, updated_at=_now(), **values))
            if done.rowcount == 0:
                latest = connection.execute(select(decisions.c.updated_by, decisions.c.updated_at).where(
                    decisions.c.id == item.id)).first()
                conflict = True
            else:
                conflict = False
                if note is not None:
                    connection.execute(insert(updates).values(
                        decision_id=item.id, on_date=note.on, kind=note.kind, text=note.text, username=account.username))
        if conflict:
            audit.record("workflow_refused", account.username, account.scope, code="duban_conflict",
                         item=item.id, version=version)
            raise EditConflict(item.problem[:30], latest.updated_by, latest.updated_at.replace("T", " ")[:16])
        self._audit(account, action, item=item.id, version=int(version) + 1,
                    **({"fields": sorted(values)} if values else {}))
        return self.item(account, item.id)

    def assign(self, account: Account, item_id: int, version: int, *, problem: str, decision: str,
               unit: Unit, person: str, deadline: dt.date, link: Link | None = None) -> Item:
        """Change what was decided and who answers for it, by when. The chair's alone."""
        item = self.item(account, item_id)
        self._chair(account, item.scope_path, item.scope_name, "assign")
        values = self._checked(problem=problem, decision=decision, unit=unit, person=person,
                               deadline=deadline, link=link, held_on=item.held_on)
        return self._change(account, item, version, "assign", values)

    def close(self, account: Account, item_id: int, version: int, on: dt.date, note: str) -> Item:
        """办结: the chair closes the item with a note."""
        item = self.item(account, item_id)
        self._chair(account, item.scope_path, item.scope_name, "close")
        self._open(account, item, "close")
        text = clean(note, "note")
        return self._change(account, item, version, "close",
                            {"closed_on": on, "closed_by": account.username, "close_note": text},
                            Update(on, "close", text, account.username))

    def reopen(self, account: Account, item_id: int, version: int, on: dt.date, note: str) -> Item:
        item = self.item(account, item_id)
        self._chair(account, item.scope_path, item.scope_name, "reopen")
        text = clean(note, "note")
        return self._change(account, item, version, "reopen",
                            {"closed_on": None, "closed_by": None, "close_note": None},
                            Update(on, "reopen", text, account.username))

    def _open(self, account: Account, item: Item, action: str) -> None:
        if item.closed_on is not None:
            self._refuse(account, "duban_closed", on=item.closed_on.isoformat(), action=action)

    # ------------------------------------------------------------------ the responsible unit

    def post_update(self, account: Account, item_id: int, version: int, on: dt.date, text: str,
                    ask_closure: bool = False) -> Item:
        """An update of the responsible unit (or the chair), optionally asking the chair to close."""
        action = "ask_close" if ask_closure else "update"
        item = self.item(account, item_id)
        if not account.may("clerk"):
            self._refuse(account, "duban_read_only", action=action)
        chair = covers(account, item.scope_path) and account.may("admin")
        with self.engine.connect() as connection:
            responsible = self._responsible(connection, account, item)
        if not (chair or responsible):
            self._refuse(account, "duban_not_responsible", unit=item.unit.name, action=action)
        self._open(account, item, action)
        written = clean(text, "update")
        return self._change(account, item, version, action, {}, Update(on, action, written, account.username))

    # ------------------------------------------------------------------ departments (成员单位)

    def departments(self, account: Account, scope_code: str, scope_path: tuple[str, ...]) -> list[Department]:
        if not covers(account, scope_path):
            self._refuse(account, "duban_scope", scope=scope_code)
        with self.engine.connect() as connection:
            rows = connection.execute(select(departments).where(departments.c.scope_code == scope_code)
                                      .order_by(departments.c.id)).all()
        return [Department(r.id, r.scope_code, r.name, r.duties, r.contact, tuple(json.loads(r.accounts)),
                           r.version) for r in rows]

    def save_department(self, account: Account, scope_code: str, scope_path: tuple[str, ...],
                        scope_name: str, *, name: str, duties: str, contact: str,
                        accounts: tuple[str, ...] = (), department_id: int | None = None,
                        version: int | None = None) -> Department:
        """Add a member department of the scope's federation, or change one at the version read."""
        self._chair(account, scope_path, scope_name, "department")
        values = dict(name=clean(name, "name"), duties=clean(duties, "duties"),
                      contact=clean(contact, "contact", required=False),
                      accounts=json.dumps(sorted({clean(a, "name") for a in accounts if a.strip()})),
                      updated_by=account.username, updated_at=_now())
        try:
            with self.engine.begin() as connection:
                if department_id is None:
                    department_id = connection.execute(insert(departments).values(
                        scope_code=scope_code, scope_path=json.dumps(list(scope_path)), version=1, **values)
                        .returning(departments.c.id)).scalar_one()
                    latest = None
                else:
                    done = connection.execute(update(departments).where(
                        departments.c.id == department_id, departments.c.scope_code == scope_code,
                        departments.c.version == int(version or 0)).values(
                        version=departments.c.version + 1, **values))
                    latest = None if done.rowcount else connection.execute(select(
                        departments.c.updated_by, departments.c.updated_at).where(
                        departments.c.id == department_id, departments.c.scope_code == scope_code)).first()
                    if not done.rowcount and latest is None:
                        self._refuse(account, "duban_not_found", item=department_id)
        except IntegrityError:
            raise TextTooLong("duban_department_exists", name=values["name"]) from None
        if latest is not None:
            raise EditConflict(values["name"], latest.updated_by, latest.updated_at.replace("T", " ")[:16])
        self._audit(account, "department", department=department_id, name=values["name"], meeting_scope=scope_code)
        return next(d for d in self.departments(account, scope_code, scope_path) if d.id == department_id)
