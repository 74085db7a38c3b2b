"""Where the dispatch meeting's decided items stand (督办): status, the last meeting's items for the
next meeting to open with, this meeting's items, the overdue ones for the lagging list, and each member
department's items (部门联动). Pure functions of the items read by rehabdash.access.workflow; their
text and tables are made in rehabdash.charts.decisions.

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

from rehabdash.access.workflow import Department, Item, Update

CLOSED, IN_PROGRESS, NOT_STARTED, OVERDUE = "closed", "in_progress", "not_started", "overdue"
STATUSES = (OVERDUE, IN_PROGRESS, NOT_STARTED, CLOSED)  # the order a meeting reads them in


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


# ---- on the map board -----------------------------------------------------------------------------------

def open_items(v: View) -> list[Standing]:
    """Every item not closed on the day judged: the last meeting's, those carried from earlier meetings
    and this meeting's."""
    return [s for s in v.last + v.current if s.status != CLOSED]


def places(standings: list[Standing]) -> dict[tuple[str, str], list[Standing]]:
    """Where each item stands on the map board (督办 mark): (kind, ref) of its responsible unit (a region
    unit or an institution) and of the site or unit it is linked to; a member department has no place.
    Items in the order given, most days late first within a place."""
    found: dict[tuple[str, str], list[Standing]] = {}
    for s in standings:
        where = []
        if s.item.unit.kind in ("region", "institution"):
            where.append((s.item.unit.kind, s.item.unit.ref))
        if s.item.link is not None and s.item.link.kind in ("site", "unit"):
            where.append(("site" if s.item.link.kind == "site" else "region", s.item.link.ref))
        for key in dict.fromkeys(where):
            found.setdefault(key, []).append(s)
    return {key: sorted(rows, key=lambda s: -s.days_late) for key, rows in found.items()}
