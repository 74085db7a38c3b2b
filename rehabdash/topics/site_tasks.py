"""Site tasks (建设任务) of the three-tier network: every planned site's task, the unit and person who
answer for it, its deadline and stage (挂图作战: 明确工作任务, 夯实人员责任, 限定完成时间).

Pure functions of RunQuery: the facility page's task table and card, and `overdue_tasks` for the
dispatch meeting's lagging list. A task is overdue when its deadline lies before the snapshot date
and the site is not yet in use; due soon when its deadline falls within DUE_DAYS of that date.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from rehabdash.kernel import i18n, memo
from rehabdash.kernel.columns import Column
from rehabdash.kernel.measures import RunQuery

DUE_DAYS = 30
FILTERS = ("all", "overdue", "due_soon")
OVERDUE_MARK = "⚠"  # the task table and the card flag overdue sites with a symbol and the word
# Due soon: a shape every CJK font draws (GB 2312); ⏳ exists only in emoji fonts, a box without one.
DUE_SOON_MARK = "◇"

TASK_COLUMNS = (
    Column("flag", "tasks.col_flag", "text"),
    Column("facility_name", "tasks.col_facility", "text"),
    Column("place", "tasks.col_place", "text"),
    Column("tier", "tasks.col_tier", "code:tier"),
    Column("task", "tasks.col_task", "text"),
    Column("responsible_unit", "tasks.col_unit", "text"),
    Column("responsible_person", "tasks.col_person", "text"),
    Column("started_on", "tasks.col_started", "iso_date"),
    Column("deadline", "tasks.col_deadline", "iso_date"),
    Column("stage", "tasks.col_stage", "code:task_stage"),
    Column("updated_on", "tasks.col_updated", "iso_date"),
)
# A task's history shows some of the task table's columns, labelled and read the same way.
HISTORY_COLUMNS = tuple(next(c for c in TASK_COLUMNS if c.field == field) for field in (
    "updated_on", "stage", "deadline", "responsible_unit", "responsible_person"))


def _dates(frame: pd.DataFrame, columns) -> pd.DataFrame:
    return frame.assign(**{c: pd.to_datetime(frame[c]).dt.date for c in columns if c in frame})


@memo.by_inputs
def tasks(run: RunQuery, as_of: dt.date, lang: str = i18n.DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Where every task of the scope stands at the snapshot date (one row per facility), with
    `overdue`, `due_soon`, `days_late`, `place` (township or district) and `flag` (symbol and word)."""
    frame = _dates(run("site_tasks", as_of=as_of, days=DUE_DAYS),
                   ("started_on", "deadline", "updated_on"))
    frame["overdue"] = frame["overdue"].astype(bool)
    frame["due_soon"] = frame["due_soon"].astype(bool)
    frame["place"] = frame["township_name"].fillna(frame["district_name"])
    flags = {(o, d): flag_text(o, d, lang) for o in (False, True) for d in (False, True)}
    frame["flag"] = [flags[key] for key in zip(frame["overdue"], frame["due_soon"])]
    return frame


def flag_text(overdue: bool, due_soon: bool, lang: str) -> str:
    if overdue:
        return f"{OVERDUE_MARK} {i18n.text(lang, 'tasks.overdue')}"
    if due_soon:
        return f"{DUE_SOON_MARK} {i18n.text(lang, 'tasks.due_soon')}"
    return ""


def filtered(frame: pd.DataFrame, which: str) -> pd.DataFrame:
    """The rows of one FILTERS choice: all, overdue, or due within DUE_DAYS."""
    if which == "overdue":
        return frame[frame["overdue"]]
    if which == "due_soon":
        return frame[frame["due_soon"]]
    return frame


@memo.by_inputs
def overdue_tasks(run: RunQuery, as_of: dt.date) -> pd.DataFrame:
    """The scope's overdue sites, most overdue first: facility_id, facility_name, tier, district_name,
    township_name, task, responsible_unit, responsible_person, deadline, stage, days_late. For the
    dispatch meeting's lagging list (the unit responsible is named with each)."""
    frame = run("site_tasks", as_of=as_of, days=DUE_DAYS)
    frame = _dates(frame[frame["overdue"].astype(bool)], ("deadline",))  # a nation holds 500,000 tasks
    columns = ["facility_id", "facility_name", "tier", "district_name", "township_name", "task",
               "responsible_unit", "responsible_person", "deadline", "stage", "days_late"]
    return frame[columns].sort_values(
        ["days_late", "facility_id"], ascending=[False, True]).reset_index(drop=True)


def overdue_lines(overdue: pd.DataFrame, lang: str) -> list[str]:
    """One line per overdue site, for the lagging list (which puts its ✖ before each):
    '兴盛社区康复室（友谊大街街道办事处）建设任务逾期62天，进展：建设中'. Plain text: escape it for Markdown."""
    return [i18n.text(lang, "tasks.lagging_item", facility=r.facility_name,
                      unit=r.responsible_unit, days=int(r.days_late),
                      stage=i18n.code_label(lang, "task_stage", r.stage))
            for r in overdue.itertuples()]


@memo.by_inputs
def history(run: RunQuery, facility_id: str) -> pd.DataFrame:
    """Every update of the facility's task, oldest first (empty for a site built before 2023)."""
    return _dates(run("site_task_history", facility_id=facility_id), ("updated_on", "started_on", "deadline"))


def overdue_ids(frame: pd.DataFrame) -> frozenset[str]:
    return frozenset(frame.loc[frame["overdue"], "facility_id"])
