"""The dispatch meeting's decided items (督办) as the reader sees them: status words with their symbol,
the latest update, the summary and lagging lines, and the tables the overview, the 部门联动 page, the
deck and the workbook share. Made from the values of rehabdash.topics.decisions."""
from __future__ import annotations

import pandas as pd

from rehabdash.charts.dispatch import Table
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n
from rehabdash.topics.decisions import CLOSED, IN_PROGRESS, NOT_STARTED, OVERDUE, DepartmentItems, Standing, View

MARKS = {CLOSED: "✔", IN_PROGRESS: "●", NOT_STARTED: "○", OVERDUE: "✖"}  # never by colour alone


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


def department_table(d: DepartmentItems, lang: str) -> Table:
    headers = [_t(lang, f"col_{c}") for c in ("problem", "decision", "person", "deadline", "status", "latest")]
    rows = [[s.item.problem, s.item.decision, s.item.person, fmt.date(s.item.deadline, lang), status_text(s, lang),
             latest_text(s, lang)] for s in d.open]
    return _table("department_items", d.department.name, rows, headers, ["text"] * 6, lang)


def map_marks(places: dict[tuple[str, str], list[Standing]], lang: str) -> tuple:
    """The 督办 marks of the map board as plain text: ((kind, ref, ((problem, '责任单位：… · 完成时限：… ·
    ✖ 逾期16天'), …)), …), one per place of topics.decisions.places. Plain text: escape it for HTML."""
    return tuple(
        (kind, ref, tuple((s.item.problem, _t(lang, "map_item", unit=s.item.unit.name,
                                              deadline=fmt.date(s.item.deadline, lang), status=status_text(s, lang)))
                          for s in rows))
        for (kind, ref), rows in sorted(places.items()))
