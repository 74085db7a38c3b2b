"""Checking an uploaded workbook against the data contract before anything is written.

read (reader.py) → every cell to its type, clerk habits handled (cells.py) → every rule at once
(rules.py, pandera) → `Checked`: the typed rows per table, and the problems as the clerk's table.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import coordTransform  # PyPI coordtransform==0.2.1 (MIT)
import numpy as np
import pandas as pd

from rehabdash.access import audit
from rehabdash.access.accounts import Account
from rehabdash.ingest import cells, geo, layout, reports, rules, scope_rules
from rehabdash.ingest.problems import Problem, Problems
from rehabdash.ingest.publish import read_tables, table_keys
from rehabdash.ingest.reader import HEADER_ROW, Settings, Sheet, Workbook, read_workbook
from rehabdash.kernel import i18n, months
from rehabdash.kernel.config import data_dir as default_data_dir
from rehabdash.kernel.contract import CODE_LISTS, KEYS, LEVELS, TABLES
from rehabdash.store.snapshots import Snapshot, list_snapshots, newest_valid

_DTYPES = {"int": "Int64", "float": "Float64", "bool": "boolean"}
_FULL_WIDTH = re.compile("[０-９Ａ-Ｚａ-ｚ．－]")  # what NFKC folds in numbers, dates and codes


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

    @property
    def correction(self) -> bool:
        return self.report_rows is not None and bool(self.report_rows["correction"].any())

    def sealed(self) -> str:
        """What publishing compares with `seal`: the rows, date, base and account that were checked, so
        nothing changed after the check (another account, an edited frame) can be published."""
        digest = hashlib.sha256(repr((self.account.username, self.account.role, self.account.scope,
                                      self.as_of, self.base.path if self.base else None,
                                      self.report_month, self.correction_reason)).encode())
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


class RegionLookup:
    """Region codes as clerks write them: the 12-digit code, a 6- or 9-digit prefix, or the name."""

    def __init__(self, regions: pd.DataFrame):
        self.codes = set(regions["region_code"])
        self.names = dict(zip(regions["region_code"], regions["name"]))
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for code, name in self.names.items():
            self.by_name[layout.normal(str(name))].append(code)

    def resolve(self, value) -> tuple[str | None, str | None]:
        """(code, note) where note names a conversion; unknown text is returned as is to be reported."""
        text = cells.to_code(value)
        if text is None or text in self.codes:
            return text, None
        if text.isdigit():
            padded = text.ljust(12, "0")
            return (padded, "region_prefix") if len(text) in (6, 9) and padded in self.codes else (text, None)
        found = sorted(self.by_name.get(text, ()))
        if len(found) == 1:
            return found[0], "region_name"
        if found:
            raise cells.CellProblem("ambiguous_region",
                                    candidates="、".join(f"{self.names[c]}（{c}）" for c in found))
        return text, None


def _header(sheet: Sheet, column: str, lang: str) -> str:
    """The column's header as the clerk wrote it, or the template's when the column is missing."""
    return sheet.headers.get(column) or layout.header(column, lang)


@dataclass
class _Cleaned:
    frame: pd.DataFrame  # typed values, index = Excel row numbers
    shown: pd.DataFrame  # the cells as written, same shape
    flagged: set  # (row, column) already reported by a cell parser
    texts: dict[str, list[str]] = field(default_factory=dict)  # `shown` as lists, column → one per row


class _Cleaner:
    """Turns one sheet's raw cells into typed columns, reporting every cell it cannot read."""

    def __init__(self, sheet: Sheet, settings: Settings, lookup: RegionLookup, problems: Problems,
                 notes: Counter):
        self.sheet, self.settings, self.lookup = sheet, settings, lookup
        self.problems, self.notes = problems, notes
        self.flagged: set = set()
        self._noted: list[str] | None = None  # notes of the value being parsed (see `outcomes`)

    def header(self, column: str) -> str:
        return _header(self.sheet, column, self.problems.lang)

    def note(self, key: str, column: str) -> None:
        if self._noted is not None:
            self._noted.append(key)  # counted once per cell that holds the value (`column_values`)
        else:
            self.notes[(self.sheet.name, self.header(column), key)] += 1

    def header_problem(self, key: str, column: str) -> None:
        self.problems.add(key, sheet=self.sheet.name, row=HEADER_ROW, column=self.header(column),
                          value=self.header(column))
        self.flagged.update((row, column) for row in self.sheet.rows)

    def money_factor(self, column: str) -> int | None:
        unit = self.sheet.units.get(column)
        if not unit:
            return self.settings.money_factor
        factor = layout.money_unit_factor(unit)
        if factor is None:
            self.header_problem("unknown_money_unit", column)
        return factor

    def datum(self) -> str | None:
        declared = [u for u in (self.sheet.units.get(c) for c in layout.COORDINATES) if u]
        if not declared:
            return self.settings.datum
        datums = {layout.datum_of(u) for u in declared}
        if None in datums or len(datums) > 1:
            self.header_problem("unknown_datum", "lon")
            return None
        return datums.pop()

    def parser(self, column: str, kind: str):
        table = self.sheet.table
        if (table, column) in layout.REGION_COLUMNS:
            def region(value):
                code, note = self.lookup.resolve(value)
                if note:
                    self.note(note, column)
                return code
            return region
        if (table, column) in CODE_LISTS:
            labels = layout.code_labels(table, column)
            return lambda value: None if cells.is_blank(value) else labels.get(
                layout.match_key(cells.shown(value)), cells.to_code(value))
        if layout.is_money(column):
            factor = self.money_factor(column)
            if factor is None:
                return None

            def money(value):
                amount, converted = cells.to_money(value, factor)
                if converted:
                    self.note("wan_yuan", column)
                return amount
            return money
        if kind == "str":
            return cells.to_code if column.endswith("_id") else cells.to_text
        if kind == "date":
            return cells.to_month if column in layout.MONTH_COLUMNS else cells.to_date
        return {"int": cells.to_int, "float": cells.to_float, "bool": cells.to_bool}[kind]

    def clean(self) -> _Cleaned:
        sheet, rows = self.sheet, self.sheet.rows
        values, shown = {}, {}
        for column, kind in TABLES[sheet.table].items():
            raw = sheet.cells.get(column, [None] * len(rows))
            # Each distinct cell is read once: a ledger repeats its station, type and dates down the
            # column. The type is part of the key, as 1, 1.0 and True are equal.
            keys = [(value.__class__, value) for value in raw]
            distinct = dict.fromkeys(keys)
            texts = {key: cells.shown(key[1]) for key in distinct}
            shown[column] = [texts[key] for key in keys]
            parse = self.parser(column, kind) if column in sheet.cells else None
            values[column] = [None] * len(rows) if parse is None else \
                self.column_values(parse, column, keys, distinct, texts)
        frame = pd.DataFrame({c: pd.Series(v, index=rows, dtype=_DTYPES.get(TABLES[sheet.table][c], "object"))
                              for c, v in values.items()}, index=rows)
        if "lon" in frame and len(frame):
            self.convert_datum(frame)
        return _Cleaned(frame, pd.DataFrame(shown, index=rows), self.flagged, shown)

    def outcome(self, parse, column: str, value) -> tuple[object, cells.CellProblem | None, list[str]]:
        """The value read, the problem with it, and the notes it makes (full-width digits, 万元 …)."""
        self._noted = []
        try:
            if isinstance(value, str) and column not in ("name", "host_name") and _FULL_WIDTH.search(value):
                self.note("fullwidth", column)
            try:
                return parse(value), None, self._noted
            except cells.CellProblem as problem:
                return None, problem, self._noted
        finally:
            self._noted = None

    def column_values(self, parse, column: str, keys: list, distinct: dict, texts: dict) -> list:
        """The column read cell by cell, as if each cell were parsed: every cell's problem, every
        cell's notes."""
        outcomes = {key: self.outcome(parse, column, key[1]) for key in distinct}
        counts = Counter(keys) if any(noted for _, _, noted in outcomes.values()) else {}
        for key, (_, _, noted) in outcomes.items():
            for note in noted:
                self.notes[(self.sheet.name, self.header(column), note)] += counts[key]
        if any(problem is not None for _, problem, _ in outcomes.values()):
            header = self.header(column)
            for row, key in zip(self.sheet.rows, keys):
                problem = outcomes[key][1]
                if problem is not None:
                    self.problems.add(problem.key, sheet=self.sheet.name, row=row, column=header,
                                      value=texts[key], **problem.values)
                    self.flagged.add((row, column))
        return [outcomes[key][0] for key in keys]

    def convert_datum(self, frame: pd.DataFrame) -> None:
        """Coordinates declared GCJ-02 (高德, 腾讯) become WGS-84, as the contract stores them."""
        datum = self.datum()
        if datum != "gcj02":
            return
        both = frame["lon"].notna() & frame["lat"].notna()
        for row in frame.index[both.to_numpy()]:
            lon, lat = coordTransform.gcj02_to_wgs84(float(frame.at[row, "lon"]), float(frame.at[row, "lat"]))
            frame.at[row, "lon"], frame.at[row, "lat"] = round(lon, 6), round(lat, 6)
            self.note("gcj02", "lon")


def _upsert(previous: pd.DataFrame, imported: pd.DataFrame, table: str) -> pd.DataFrame:
    if imported.empty:
        return previous
    kept = previous[~np.isin(table_keys(previous, table), table_keys(imported, table))]
    return pd.concat([kept, imported.dropna(subset=list(KEYS[table]))], ignore_index=True)


_DETAILED = {"unknown_code", "wrong_level", "tier_level", "parent_level", "outside_china", "outside_region",
             "duplicate_key"}  # the checks whose message needs more than the cell (details below)


# With a declared 报送月份 the import's period is that month: these checks say so in its words.
_DECLARED_MONTH_CHECKS = {"out_of_period": "outside_report_month", "year_out_of_period": "year_outside_report_month"}


class _Reporter:
    """Turns rule failures into problems named by sheet, Excel row, header and the cell as written."""

    def __init__(self, sheet: Sheet, cleaned: _Cleaned, ctx: rules.Context, problems: Problems):
        self.sheet, self.cleaned, self.ctx, self.problems = sheet, cleaned, ctx, problems
        self.lang = problems.lang
        self.table = sheet.table

    def header(self, column: str) -> str:
        return _header(self.sheet, column, self.lang)

    @functools.cached_property
    def first_rows(self) -> dict[str, int]:
        """Each key's first Excel row, for 'repeats row N'."""
        first: dict[str, int] = {}
        frame = self.cleaned.frame
        for row, key in zip(frame.index, table_keys(frame, self.table)):
            first.setdefault(key, int(row))
        return first

    def level_label(self, level: str) -> str:
        return i18n.code_label(self.lang, "level", level)

    @functools.cached_property
    def period(self) -> dict:
        """What every message may name of the import's period (the same for each failure)."""
        as_of, start = self.ctx.as_of, self.ctx.period_start
        return {"as_of": as_of.isoformat(), "start": start.isoformat()[:7], "end": as_of.isoformat()[:7],
                "start_year": start.year, "end_year": as_of.year}

    @functools.cached_property
    def shown(self) -> dict[str, dict]:
        """The cells as written, column → {row: text}: a dict lookup per failure, not DataFrame.at,
        which took most of the time for 100 000 failing rows."""
        return {c: dict(zip(self.sheet.rows, texts)) for c, texts in self.cleaned.texts.items()}

    def report(self, failure: rules.Failure) -> None:
        row, column, shown = failure.row, failure.column, self.shown
        if (row, column) in self.cleaned.flagged:
            return  # the cell parser has said what is wrong with this cell
        values = {"value": shown[column][row], "column": self.header(column), **self.period}
        if failure.other:
            values.update(other=self.header(failure.other), other_value=shown[failure.other][row])
        values.update(self.details(failure))
        check = failure.check
        if self.ctx.report_month and check in _DECLARED_MONTH_CHECKS:  # say which month, not a period
            check = _DECLARED_MONTH_CHECKS[check]
            values["month"] = self.ctx.report_month.isoformat()[:7]
        self.problems.add(check, sheet=self.sheet.name, row=row, **values)

    def details(self, failure: rules.Failure) -> dict:
        frame, row, check = self.cleaned.frame, failure.row, failure.check
        if check not in _DETAILED:
            return {}
        value = frame.at[row, failure.column]
        if check == "unknown_code":
            return {"codes": "、".join(layout.code_label(self.table, failure.column, c, self.lang)
                                      for c in CODE_LISTS[(self.table, failure.column)])}
        if check == "wrong_level":
            allowed = layout.REGION_COLUMNS[(self.table, failure.column)]
            return {"level": self.level_label(self.ctx.levels[value]),
                    "expected": "、".join(self.level_label(level) for level in allowed)}
        if check == "tier_level":
            tier = frame.at[row, "tier"]
            return {"level": self.level_label(self.ctx.levels[value]),
                    "tier": layout.code_label("facilities", "tier", tier, self.lang),
                    "expected": self.level_label(rules.TIER_LEVELS[tier])}
        if check == "parent_level":
            level = frame.at[row, "level"]
            return {"expected": self.level_label(LEVELS[max(LEVELS.index(level) - 1, 0)])}
        if check in ("outside_china", "outside_region"):
            lon, lat = (self.header(c) for c in layout.COORDINATES)
            code = frame.at[row, "region_code"]
            return {"column": f"{lon}/{lat}",
                    "value": f"{self.cleaned.shown.at[row, 'lon']}, {self.cleaned.shown.at[row, 'lat']}",
                    "region": f"{self.ctx.areas.name(code)}（{code}）"}
        if check == "duplicate_key":
            key = table_keys(frame.loc[[row]], self.table)[0]
            return {"first": self.first_rows[key], "keys": "、".join(self.header(c) for c in KEYS[self.table]),
                    "value": " / ".join(self.cleaned.shown.at[row, c] for c in KEYS[self.table])}
        return {}


def _sorted_problems(problems: list[Problem], order: dict[str, int]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.row or 0, order.get(p.column, len(order))))


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
    cleaned: dict[str, _Cleaned] = {}
    table_problems: dict[str, Problems] = {}
    sheets = workbook.sheets
    for done, (table, sheet) in enumerate(sheets.items()):
        progress(0.5 * done / len(sheets), sheet.name)
        table_problems[table] = Problems(lang)
        cleaned[table] = _Cleaner(sheet, settings, lookup, table_problems[table], notes).clean()
        if table == "regions":  # later sheets may name the regions this one adds
            lookup = RegionLookup(_upsert(previous["regions"], cleaned[table].frame, "regions"))

    regions = _upsert(previous["regions"], cleaned["regions"].frame, "regions") \
        if "regions" in cleaned else previous["regions"]
    ids = {table: frozenset(previous[table][KEYS[table][0]]).union(
        cleaned[table].frame[KEYS[table][0]].dropna() if table in cleaned else ())
        for table in ("institutions", "device_stations", "facilities")}
    ctx = rules.Context(rows_until, checked.period_start, regions, ids, geo.RegionAreas(regions), month)
    for done, (table, sheet) in enumerate(sheets.items()):
        progress(0.5 + 0.5 * done / len(sheets), sheet.name)
        reporter = _Reporter(sheet, cleaned[table], ctx, table_problems[table])
        for failure in rules.failures(table, cleaned[table].frame, ctx):
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
                                        for t in ("device_stations", "facilities")}}
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
    checked.notes = [i18n.text(lang, f"validation_notes.{key}", sheet=sheet, column=column, count=count)
                     for (sheet, column, key), count in notes.items()]
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
