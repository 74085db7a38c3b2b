"""Where the dispatch meeting's decided items stand (督办): status, the last meeting's items for the
next meeting to open with, this meeting's items, the overdue ones for the lagging list, and each member
department's items (部门联动). Pure functions of the items read by rehabdash.access.workflow.

An item is judged on one day (`judged_on`), like the site tasks: what was written after it (updates,
closures, later meetings) does not count yet.
- 已办结 closed: the chair closed it on or before that day;
- 逾期 overdue: its deadline lies before that day and it is not closed (days late counted);
- 推进中 in progress: an update was posted (a closure asked for is shown with it);
- 未开始 not started: nothing yet.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pandas as pd

from rehabdash.access.workflow import Department, Item, Update
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n
from rehabdash.topics.dispatch import Table

CLOSED, IN_PROGRESS, NOT_STARTED, OVERDUE = "closed", "in_progress", "not_started", "overdue"
STATUSES = (OVERDUE, IN_PROGRESS, NOT_STARTED, CLOSED)  # the order a meeting reads them in
MARKS = {CLOSED: "✔", IN_PROGRESS: "●", NOT_STARTED: "○", OVERDUE: "✖"}  # never by colour alone


def judged_on(until: dt.date, sample: bool, today: dt.date | None = None) -> dt.date:
    """The day items are judged on: the view's last day for the sample (dated against its snapshots)
    and for a closed year; otherwise today, so the meeting held now sees its own items."""
    today = today or dt.date.today()
    return until if sample or until.year < today.year else today


@dataclass(frozen=True)
class Standing:
    item: Item
    status: str
    days_late: int
    latest: Update | None  # the newest update on or before the day judged
    closure_asked: bool  # the unit asked to close and the chair has not yet

    @property
    def held_on(self) -> dt.date:
        return self.item.held_on


def standing(item: Item, on: dt.date) -> Standing:
    notes = [u for u in item.updates if u.on <= on and u.kind in ("update", "ask_close")]
    latest = notes[-1] if notes else None
    if item.closed_on is not None and item.closed_on <= on:
        return Standing(item, CLOSED, 0, latest, False)
    asked = any(u.kind == "ask_close" for u in notes) and not any(
        u.kind == "reopen" and u.on >= notes[-1].on for u in item.updates if u.on <= on)
    if item.deadline < on:
        return Standing(item, OVERDUE, (on - item.deadline).days, latest, asked)
    return Standing(item, IN_PROGRESS if notes else NOT_STARTED, 0, latest, asked)


@dataclass(frozen=True)
class View:
    """The items of one scope as the meeting on `on` sees them."""
    on: dt.date
    last_meeting: dt.date | None
    last: list[Standing]  # the last meeting's items, then the still open items of earlier meetings
    current: list[Standing]  # items decided at the meeting held on `on` (本次议定事项)
    overdue: list[Standing]  # every overdue item, most days late first
    fingerprint: str  # changes with any edit: the exports are built again

    def counts(self, which: str = "last") -> dict[str, int]:
        rows = getattr(self, which)
        return {status: sum(s.status == status for s in rows) for status in STATUSES}


def view(items: list[Item], on: dt.date) -> View:
    held = [i for i in items if i.held_on <= on]
    before = sorted({i.held_on for i in held if i.held_on < on})
    last_meeting = before[-1] if before else None
    judged = [standing(i, on) for i in held]
    last = [s for s in judged if s.held_on == last_meeting]
    carried = [s for s in judged if last_meeting and s.held_on < last_meeting and s.status != CLOSED]
    overdue = sorted((s for s in judged if s.status == OVERDUE), key=lambda s: (-s.days_late, s.item.id))
    digest = hashlib.sha256(repr(sorted((i.id, i.version) for i in items)).encode()).hexdigest()[:16]
    return View(on, last_meeting, last + carried, [s for s in judged if s.held_on == on], overdue,
                f"{on.isoformat()}:{digest}")


# ---- text --------------------------------------------------------------------------------------------

def _t(lang: str, key: str, **values) -> str:
    return i18n.text(lang, f"duban.{key}", **values)


def status_text(s: Standing, lang: str) -> str:
    """'✖ 逾期12天' / '● 推进中（已申请办结）' / '✔ 已办结': symbol and word."""
    word = _t(lang, f"status_{s.status}")
    if s.status == OVERDUE:
        word = _t(lang, "overdue_days", days=s.days_late)
    if s.closure_asked and s.status != CLOSED:
        word += _t(lang, "asked")
    return f"{MARKS[s.status]} {word}"


def latest_text(s: Standing, lang: str) -> str:
    if s.status == CLOSED:
        note = s.item.close_note or ""
        return _t(lang, "closed_note", on=fmt.date(s.item.closed_on, lang), note=note)
    if s.latest is None:
        return "—"
    return f"{fmt.date(s.latest.on, lang)}：{s.latest.text}" if lang == "zh" else \
        f"{fmt.date(s.latest.on, lang)}: {s.latest.text}"


def summary_line(v: View, lang: str) -> str:
    counts = v.counts()
    return _t(lang, "summary", meeting=fmt.date(v.last_meeting, lang), total=len(v.last), **counts)


def overdue_lines(v: View, lang: str) -> list[str]:
    """One line per overdue item for the lagging list, with the unit responsible. Plain text: escape
    it for its context."""
    return [_t(lang, "lagging_item", unit=s.item.unit.name, problem=s.item.problem, days=s.days_late,
               held_on=fmt.date(s.held_on, lang), deadline=fmt.date(s.item.deadline, lang))
            for s in v.overdue]


# ---- tables (the page, the deck and the workbook read the same) ---------------------------------------

def _table(key: str, title: str, rows: list[list], headers: list[str], kinds: list[str], lang: str) -> Table:
    frame = pd.DataFrame(rows, columns=headers) if rows else pd.DataFrame({h: [] for h in headers})
    return Table(key, title, frame, dict(zip(headers, kinds)), lang)


def last_table(v: View, lang: str, compact: bool = False) -> Table:
    """The last meeting's items (and earlier open ones): meeting, problem, decision, unit, person,
    deadline, status with days, latest update; `compact` (a projector's screen): problem, unit,
    deadline and status only."""
    columns = ("problem", "unit", "deadline", "status") if compact else (
        "meeting", "problem", "decision", "unit", "person", "deadline", "status", "latest")
    values = {
        "meeting": lambda s: fmt.date(s.held_on, lang), "problem": lambda s: s.item.problem,
        "decision": lambda s: s.item.decision, "unit": lambda s: s.item.unit.name,
        "person": lambda s: s.item.person, "deadline": lambda s: fmt.date(s.item.deadline, lang),
        "status": lambda s: status_text(s, lang), "latest": lambda s: latest_text(s, lang)}
    rows = [[values[c](s) for c in columns] for s in v.last]
    return _table("decisions_last", _t(lang, "last_title"), rows, [_t(lang, f"col_{c}") for c in columns],
                  ["text"] * len(columns), lang)


def by_unit_table(v: View, lang: str) -> Table:
    """Per responsible unit: items, closed, in progress, not started, overdue, most days late."""
    headers = [_t(lang, "col_unit"), _t(lang, "col_items"), *(_t(lang, f"status_{s}") for s in
                                                              (CLOSED, IN_PROGRESS, NOT_STARTED, OVERDUE)),
               _t(lang, "col_most_late")]
    units: dict[str, list[Standing]] = {}
    for s in v.last:
        units.setdefault(s.item.unit.name, []).append(s)
    rows = [[unit, len(rows), *(sum(s.status == status for s in rows)
                                for status in (CLOSED, IN_PROGRESS, NOT_STARTED, OVERDUE)),
             max((s.days_late for s in rows), default=0) or None]
            for unit, rows in sorted(units.items(), key=lambda kv: -max(s.days_late for s in kv[1]))]
    return _table("decisions_by_unit", _t(lang, "by_unit_title"), rows, headers,
                  ["text", "count", "count", "count", "count", "count", "count"], lang)


def current_table(v: View, lang: str) -> Table:
    headers = [_t(lang, f"col_{c}") for c in ("problem", "decision", "unit", "person", "deadline", "link")]
    rows = [[s.item.problem, s.item.decision, s.item.unit.name, s.item.person, fmt.date(s.item.deadline, lang),
             s.item.link.name if s.item.link else "—"] for s in v.current]
    return _table("decisions_current", _t(lang, "current_title"), rows, headers, ["text"] * 6, lang)


def tables(v: View, lang: str) -> list[Table]:
    """The workbook's sheets of the two sections."""
    return [last_table(v, lang), by_unit_table(v, lang), current_table(v, lang)]


# ---- 部门联动 ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DepartmentItems:
    department: Department
    open: list[Standing]  # not closed, nearest deadline first (overdue ones first of all)
    closed: int


def by_department(departments: list[Department], items: list[Item], on: dt.date) -> list[DepartmentItems]:
    judged = [standing(i, on) for i in items if i.held_on <= on and i.unit.kind == "department"]
    found = []
    for d in departments:
        mine = [s for s in judged if s.item.unit.ref == str(d.id)]
        found.append(DepartmentItems(d, sorted((s for s in mine if s.status != CLOSED),
                                               key=lambda s: (s.item.deadline, s.item.id)),
                                     sum(s.status == CLOSED for s in mine)))
    return found


def department_table(d: DepartmentItems, lang: str) -> Table:
    headers = [_t(lang, f"col_{c}") for c in ("problem", "decision", "person", "deadline", "status", "latest")]
    rows = [[s.item.problem, s.item.decision, s.item.person, fmt.date(s.item.deadline, lang), status_text(s, lang),
             latest_text(s, lang)] for s in d.open]
    return _table("department_items", d.department.name, rows, headers, ["text"] * 6, lang)
