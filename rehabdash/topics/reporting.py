"""The reporting cycle (报送) on the read side: which units of a scope have reported which month, the
common period the scope is judged at (数据完整至), and 报送进度 for the month being collected.

- A scope's reporting units are its townships (monthly figures sit at township level, layout.py).
- Its common period is the newest month every unit that has ever reported has reported (a township
  that has never reported is listed as 未报送 but does not hold the whole scope back at nothing).
- Indicators, lights, 序时进度, year-on-year and rankings are judged at the common period's month end
  (`judging_date`); figures of later months, from units that reported early, are provisional.
- A report is late when made after the deadline day (REHAB_REPORT_DEADLINE_DAY, default the 5th) of
  the month after the month reported.

Pure functions of RunQuery (Filters.run), like every topic; the sample share reads the whole snapshot.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n, memo
from rehabdash.kernel.config import report_deadline_day
from rehabdash.kernel.months import collecting_month, month_end, month_start, next_month
from rehabdash.kernel.columns import Column, present
from rehabdash.kernel.measures import RunQuery
from rehabdash.store import db
from rehabdash.store.snapshots import Snapshot

# Status in words with a symbol, never by colour alone.
MARKS = {"reported": "✔", "late": "⚠", "missing": "✖"}

PROGRESS_COLUMNS = (
    Column("status_text", "reporting.col_status", "text"),
    Column("unit_name", "reporting.col_unit", "text"),
    Column("district_name", "reporting.col_district", "text"),
    Column("reported_on", "reporting.col_reported_at", "text"),
    Column("account", "reporting.col_account", "text"),
    Column("tables_text", "reporting.col_tables", "text"),
    Column("latest_text", "reporting.col_latest", "text"),
)


def deadline_of(month: dt.date, day: int | None = None) -> dt.date:
    """When `month` is due: day REHAB_REPORT_DEADLINE_DAY of the next month."""
    return next_month(month).replace(day=day or report_deadline_day())


def _latest(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame["latest_month"]).dt.date


@memo.by_inputs
def complete_month(run: RunQuery, as_of: dt.date) -> dt.date | None:
    """The scope's common period (数据完整至): the newest month every unit that has reported has
    reported, not after the snapshot's month; None when nobody has reported (no reports recorded)."""
    frame = run("report_progress", month=month_start(as_of))
    latest = _latest(frame).dropna()
    if latest.empty:
        return None
    return min(latest.min(), month_start(as_of))


def judging_date(snapshot_as_of: dt.date, complete: dt.date | None, fixed: dt.date | None = None) -> dt.date:
    """The date a view is judged at: the end of the common period (or of the meeting's fixed month,
    never later than the common period), not after the snapshot's date; the snapshot's date when no
    unit has reported."""
    if complete is None:
        return snapshot_as_of
    month = min(fixed, complete) if fixed else complete
    return min(month_end(month), snapshot_as_of)


def meeting_months(complete: dt.date | None) -> list[dt.date]:
    """The months a meeting may be fixed at (调度会截至月份): those of the common period's year up to it."""
    if complete is None:
        return []
    return [dt.date(complete.year, m, 1) for m in range(1, complete.month + 1)]


def parse_period(text: str | None, complete: dt.date | None) -> dt.date | None:
    """A `?period=2025-08` value: a month among meeting_months(complete), else None (ignored)."""
    if not text:
        return None
    try:
        month = dt.date.fromisoformat(f"{text.strip()[:7]}-01")
    except ValueError:
        return None
    return month if month in meeting_months(complete) else None


@dataclass(frozen=True)
class Progress:
    """报送进度 of one month: every unit of the scope with its status."""

    month: dt.date
    deadline: dt.date
    complete: dt.date | None  # the scope's common period
    units: pd.DataFrame  # unit_code, unit_name, district_name, status, reported_at, reported_on, account,
    #                      tables, correction, latest_month

    def count(self, status: str) -> int:
        return int((self.units["status"] == status).sum())

    @property
    def missing_names(self) -> list[str]:
        return self.units.loc[self.units["status"] == "missing", "unit_name"].tolist()

    @property
    def early(self) -> pd.DataFrame:
        """Units that have reported a month after the common period: their figures are provisional."""
        if self.complete is None:
            return self.units.iloc[0:0]
        return self.units[self.units["latest_month"].map(lambda m: m is not None and m > self.complete)]


def progress(run: RunQuery, as_of: dt.date, month: dt.date | None = None,
             today: dt.date | None = None) -> Progress:
    """报送进度 for `month` (by default the month being collected after the common period)."""
    return _progress(run, as_of, month, today or dt.date.today())  # today is part of the key


@memo.by_inputs
def _progress(run: RunQuery, as_of: dt.date, month: dt.date | None, today: dt.date) -> Progress:
    complete = complete_month(run, as_of)
    month = month_start(month or collecting_month(complete, today, newest=as_of))
    deadline = deadline_of(month)
    frame = run("report_progress", month=month).copy()
    frame["latest_month"] = [None if pd.isna(m) else m for m in _latest(frame)]
    reported_on = frame["reported_at"].map(lambda at: dt.date.fromisoformat(at[:10]) if isinstance(at, str) else None)
    frame["reported_on"] = reported_on
    frame["status"] = ["missing" if day is None else "late" if day > deadline else "reported"
                       for day in reported_on]
    frame["tables"] = frame["tables"].map(lambda t: t.split(",") if isinstance(t, str) else [])
    order = {s: i for i, s in enumerate(("missing", "late", "reported"))}  # who to chase first
    frame = frame.sort_values(["status", "unit_code"], key=lambda c: c.map(order) if c.name == "status" else c,
                              ignore_index=True)
    return Progress(month, deadline, complete, frame)


def progress_table(p: Progress, lang: str) -> pd.DataFrame:
    """The table a page shows and downloads (under PROGRESS_COLUMNS' headers, see columns.present):
    status as a symbol and a word, times as text."""
    frame = p.units.copy()
    frame["status_text"] = [f"{MARKS[s]} {i18n.text(lang, f'reporting.status_{s}')}"
                            + (f"（{i18n.text(lang, 'reporting.correction')}）" if c else "")
                            for s, c in zip(frame["status"], frame["correction"])]
    frame["reported_on"] = [at[:16].replace("T", " ") if isinstance(at, str) else "—" for at in frame["reported_at"]]
    frame["account"] = frame["account"].fillna("—")
    frame["tables_text"] = ["、".join(i18n.text(lang, f"template.sheets.{t}") for t in tables) or "—"
                            for tables in frame["tables"]]
    frame["latest_text"] = [f"{m.year}-{m.month:02d}" if m else "—" for m in frame["latest_month"]]
    return present(frame, PROGRESS_COLUMNS, lang)


def summary(p: Progress, lang: str, named: int = 30) -> str:
    """One sentence for the deck and the bulletin: '报送情况：2025年9月数据应于2025年10月5日前报送，已报送
    1个（其中逾期1个），未报送85个：幸福路街道、……。数据完整至2025年8月，指标按此月判断。' Plain text."""
    names = p.missing_names
    missing = ("、".join(names[:named]) + (i18n.text(lang, "reporting.and_more", count=len(names))
                                          if len(names) > named else "")) if names else ""
    return i18n.text(lang, "reporting.summary", month=fmt.month(p.month, lang), deadline=fmt.date(p.deadline, lang),
                     reported=p.count("reported") + p.count("late"), late=p.count("late"),
                     missing=p.count("missing"), names=missing or "—",
                     complete=fmt.month(p.complete, lang) if p.complete else "—")


@memo.by_inputs
def sample_share(snapshot: Snapshot) -> float:
    """Share of the reported months whose newest report is still the sample's (1.0 for a sample
    version without reports, 0.0 for data with none)."""
    row = db.run("sample_share", snapshot).iloc[0]
    if not row["reports"]:
        return 1.0 if snapshot.source == "sample" else 0.0
    return float(row["sample_reports"]) / float(row["reports"])
