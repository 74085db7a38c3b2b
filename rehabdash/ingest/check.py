"""Checking an uploaded workbook against the data contract before anything is written.

read (reader.py) → every cell to its type, clerk habits handled (sheet_cleaner.py, cells.py) → every
rule at once (rules.py, pandera), failures as the clerk's problems (rule_problems.py) → `Checked`: the
typed rows per table, and the problems as the clerk's table.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rehabdash.access import audit
from rehabdash.access.accounts import Account
from rehabdash.ingest import cells, geo, layout, reports, rules, scope_rules
from rehabdash.ingest.problems import Problem, Problems
from rehabdash.ingest.publish import read_tables, table_keys
from rehabdash.ingest.reader import Workbook, read_workbook
from rehabdash.ingest.rule_problems import FailureReporter
from rehabdash.ingest.sheet_cleaner import Cleaned, RegionLookup, SheetCleaner
from rehabdash.kernel import formatting, i18n, months
from rehabdash.kernel.config import data_dir as default_data_dir
from rehabdash.kernel.contract import KEYS, TABLES
from rehabdash.store.snapshots import Snapshot, list_snapshots, newest_valid


@dataclass
class Checked:
    """The outcome of checking one workbook for the snapshot of `as_of`."""

    as_of: dt.date
    lang: str
    file_sha256: str
    problems: list[Problem]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # typed imported rows, per table
    base: Snapshot | None = None  # the snapshot the import is merged into
    notes: list[str] = field(default_factory=list)  # what was converted on the way, for the clerk
    period_start: dt.date | None = None
    account: Account | None = None  # who checked it: publishing needs the same account
    seal: str = ""  # fingerprint of account, date, base and rows as checked (see `sealed`)
    report_month: dt.date | None = None  # the month reported (报送月份); None: an undeclared old workbook
    correction_reason: str = ""
    report_rows: pd.DataFrame | None = None  # who reported what, as publishing records it (reports.rows)
    # columns an older template did not have (layout.ADDED_COLUMNS): publishing keeps their published values
    absent_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def correction(self) -> bool:
        return self.report_rows is not None and bool(self.report_rows["correction"].any())

    def sealed(self) -> str:
        """What publishing compares with `seal`: the rows, date, base and account that were checked, so
        nothing changed after the check (another account, an edited frame) can be published."""
        digest = hashlib.sha256(repr((self.account.username, self.account.role, self.account.scope,
                                      self.as_of, self.base.path if self.base else None,
                                      self.report_month, self.correction_reason,
                                      sorted(self.absent_columns.items()))).encode())
        for table in sorted(self.tables):
            digest.update(table.encode())
            digest.update(pd.util.hash_pandas_object(self.tables[table], index=False).to_numpy().tobytes())
        return digest.hexdigest()

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def row_counts(self) -> dict[str, int]:
        return {table: len(frame) for table, frame in self.tables.items() if len(frame)}


def _upsert(previous: pd.DataFrame, imported: pd.DataFrame, table: str) -> pd.DataFrame:
    if imported.empty:
        return previous
    kept = previous[~np.isin(table_keys(previous, table), table_keys(imported, table))]
    return pd.concat([kept, imported.dropna(subset=list(KEYS[table]))], ignore_index=True)


def _sorted_problems(problems: list[Problem], order: dict[str, int]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.row or 0, order.get(p.column, len(order))))


def _older_template_notes(workbook: Workbook, lang: str) -> list[str]:
    """What a workbook of an older template lacks, and what becomes of it (layout.ADDED_SHEETS, ADDED_COLUMNS)."""
    def since(releases) -> str:
        return formatting.month(dt.date.fromisoformat(f"{max(releases)}-01"), lang)

    def listed(names) -> str:
        return i18n.text(lang, "validation_notes.older_separator").join(
            i18n.text(lang, "validation_notes.older_item", name=name) for name in names)

    notes = []
    if workbook.absent_sheets:
        notes.append(i18n.text(lang, "validation_notes.older_sheets",
                               since=since(layout.ADDED_SHEETS[t] for t in workbook.absent_sheets),
                               sheets=listed(layout.sheet_name(t, lang) for t in workbook.absent_sheets)))
    for table, columns in workbook.absent_columns.items():
        notes.append(i18n.text(lang, "validation_notes.older_columns", sheet=layout.sheet_name(table, lang),
                               since=since(layout.ADDED_COLUMNS[table, c] for c in columns),
                               columns=listed(layout.header(c, lang) for c in columns)))
    return notes


def _as_of_problems(as_of: dt.date, snapshots: list[Snapshot], problems: Problems) -> None:
    # Several versions may carry the same date (every district publishes the same month): no refusal.
    if as_of > dt.date.today():
        problems.add("as_of_future", value=as_of.isoformat())


@dataclass(frozen=True)
class Reading:
    """A workbook as read, before it is checked against a snapshot date."""

    lang: str
    file_sha256: str
    workbook: Workbook | None  # None when the file could not be read
    problems: tuple[Problem, ...]  # missing sheets or columns, unreadable file, bad settings

    def latest_month(self) -> dt.date | None:
        """The newest month in the sheets' month columns: what the clerk filled in."""
        months = []
        for sheet in self.workbook.sheets.values() if self.workbook else ():
            for column in layout.MONTH_COLUMNS & set(sheet.cells):
                for value in sheet.cells[column]:
                    try:
                        months.append(cells.to_month(value))
                    except cells.CellProblem:
                        continue
        return max((m for m in months if m), default=None)


def read(content: bytes, lang: str = "zh", progress=lambda share, stage: None) -> Reading:
    """Read an uploaded workbook; nothing is checked against the data yet."""
    problems = Problems(lang)
    workbook = read_workbook(content, problems, progress)
    return Reading(lang, hashlib.sha256(content).hexdigest(), workbook, tuple(problems.items))


def _declared_month(reading: Reading, report_month: dt.date | None, problems: Problems) -> dt.date | None:
    """The month the workbook reports: the page's (or command line's) choice, which the instructions
    sheet may repeat but not contradict; else the instructions sheet's; None when neither says."""
    declared = reading.workbook.settings.report_month if reading.workbook else None
    if report_month is not None and declared is not None and declared != report_month:
        problems.add("report_month_mismatch", sheet=layout.special_sheet("instructions", reading.lang),
                     column=i18n.text(reading.lang, "template.setting_report_month"),
                     value=declared.isoformat()[:7], month=report_month.isoformat()[:7])
    month = report_month or declared
    if month is not None and month > dt.date.today():
        problems.add("report_month_future", sheet=layout.special_sheet("instructions", reading.lang),
                     column=i18n.text(reading.lang, "template.setting_report_month"),
                     value=month.isoformat()[:7])
    return month


def check(reading: Reading, as_of: dt.date | None, data_dir: Path | None = None,
          progress=lambda share, stage: None, *, account: Account, report_month: dt.date | None = None,
          correction_reason: str = "") -> Checked:
    """Check a read workbook, written by `account`, for the snapshot of `as_of`; nothing is written.

    `report_month` (the first day of a month) is the month it reports (报送月份, ingest/reports.py):
    its monthly rows must lie in that month, event rows in or before it. Without it the instructions
    sheet's 报送月份 counts, and a workbook that declares none (an older template) reports the newest
    month filled in. A correction of an earlier month needs `correction_reason` (or the sheet's).
    `as_of` None takes the date of the as-of rule (scope_rules.as_of_rule); another date is a problem.
    Rows outside the account's regions are problems too (scope_rules.check_scope).
    `progress(share, stage)` is called as the work goes on (share from 0 to 1).
    """
    directory = Path(data_dir or default_data_dir())
    lang = reading.lang
    problems = Problems(lang, list(reading.problems))
    snapshots = list_snapshots(directory)
    newest = newest_valid(snapshots)
    month = _declared_month(reading, months.month_start(report_month) if report_month else None, problems)
    newest_as_of = newest.as_of if newest else None
    expected = scope_rules.as_of_rule(month or reading.latest_month(), newest_as_of, declared=month is not None)
    as_of = as_of or expected
    checked = Checked(as_of, lang, reading.file_sha256, [], account=account, report_month=month)
    _as_of_problems(as_of, snapshots, problems)
    checked.base = newest_valid(snapshots)  # publishing merges onto the newest version at commit time
    workbook = reading.workbook
    if workbook is None:
        checked.problems = problems.items
        return checked
    settings = workbook.settings
    checked.correction_reason = (correction_reason or settings.correction_reason).strip()
    # the rows are checked against the reported month: monthly rows in it, events up to its end
    rows_until = min(months.month_end(month), dt.date.today()) if month else as_of
    checked.period_start = month or settings.period_start or dt.date(as_of.year, 1, 1)
    if checked.period_start > as_of:
        problems.add("period_start_after_as_of", value=checked.period_start.isoformat()[:7],
                     sheet=layout.special_sheet("instructions", lang), as_of=as_of.isoformat())
    previous = read_tables(checked.base)
    notes: Counter = Counter()

    lookup = RegionLookup(previous["regions"])
    cleaned: dict[str, Cleaned] = {}
    table_problems: dict[str, Problems] = {}
    sheets = workbook.sheets
    for done, (table, sheet) in enumerate(sheets.items()):
        progress(0.5 * done / len(sheets), sheet.name)
        table_problems[table] = Problems(lang)
        cleaned[table] = SheetCleaner(sheet, settings, lookup, table_problems[table], notes).clean()
        if table == "regions":  # later sheets may name the regions this one adds
            lookup = RegionLookup(_upsert(previous["regions"], cleaned[table].frame, "regions"))

    regions = _upsert(previous["regions"], cleaned["regions"].frame, "regions") \
        if "regions" in cleaned else previous["regions"]
    ids = {table: frozenset(previous[table][KEYS[table][0]]).union(
        cleaned[table].frame[KEYS[table][0]].dropna() if table in cleaned else ())
        for table in ("institutions", "device_stations", "facilities", "alliances")}
    ctx = rules.Context(rows_until, checked.period_start, regions, ids, geo.RegionAreas(regions), month)
    for done, (table, sheet) in enumerate(sheets.items()):
        progress(0.5 + 0.5 * done / len(sheets), sheet.name)
        reporter = FailureReporter(sheet, cleaned[table], ctx, table_problems[table])
        for failure in rules.failures(table, cleaned[table].frame, ctx, workbook.absent_columns.get(table, ())):
            reporter.report(failure)
        order = {reporter.header(c): i for i, c in enumerate(TABLES[table])}
        problems.items.extend(_sorted_problems(table_problems[table].items, order))

    scoped = Problems(lang)
    scope_rules.check_scope(account, sheets, cleaned, previous, scoped)
    problems.items.extend(scoped.items)
    checked.tables = {t: c.frame.reset_index(drop=True) for t, c in cleaned.items() if len(c.frame)}
    if not checked.tables and not problems:
        problems.add("empty_workbook")
    if checked.tables:
        dated = Problems(lang)
        scope_rules.as_of_problems(as_of, expected, newest.as_of if newest else None, dated)
        problems.items[:0] = dated.items
    if checked.tables:  # who reports what; an undeclared workbook reports its newest month (or as-of's)
        known = {"regions": regions, **{t: pd.concat([previous[t], checked.tables.get(t)])
                                        for t in ("device_stations", "facilities", "institutions", "alliances")}}
        reported = month or reading.latest_month() or months.month_start(as_of)
        checked.report_rows = reports.rows(reports.units(checked.tables, known), reported, previous["reports"],
                                           newest_as_of, checked.correction_reason)
        if month is not None and checked.correction and not checked.correction_reason:
            problems.add("correction_needs_reason", sheet=layout.special_sheet("instructions", lang),
                         column=i18n.text(lang, "template.setting_correction_reason"),
                         value=month.isoformat()[:7])
    if scoped:  # one audit line per refused import: who asked to write where
        audit.record("import_refused", account.username, account.scope, sha256=reading.file_sha256,
                     as_of=as_of.isoformat(), problems=len(scoped),
                     places=sorted({p.value for p in scoped.items})[:20])
    checked.problems = problems.items
    checked.notes = [*_older_template_notes(workbook, lang),
                     *(i18n.text(lang, f"validation_notes.{key}", sheet=sheet, column=column, count=count)
                       for (sheet, column, key), count in notes.items())]
    checked.absent_columns = {t: c for t, c in workbook.absent_columns.items() if t in checked.tables}
    checked.seal = checked.sealed()
    progress(1.0, "")
    return checked


def check_workbook(content: bytes, as_of: dt.date | None, data_dir: Path | None = None, lang: str = "zh",
                   progress=lambda share, stage: None, *, account: Account, report_month: dt.date | None = None,
                   correction_reason: str = "") -> Checked:
    """Read and check a workbook in one go (the command line's path)."""
    reading = read(content, lang, lambda share, stage: progress(0.3 * share, stage))
    return check(reading, as_of, data_dir, lambda share, stage: progress(0.3 + 0.7 * share, stage),
                 account=account, report_month=report_month, correction_reason=correction_reason)
