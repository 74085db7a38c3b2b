"""Reading an uploaded workbook: which sheet is which table, which header is which column, the
settings declared on the instructions sheet, and every non-empty row with its Excel row number."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import openpyxl

from rehabdash.ingest import cells, layout
from rehabdash.ingest.problems import Problems
from rehabdash.kernel import i18n
from rehabdash.kernel.contract import TABLES

HEADER_ROW = 1
SETTINGS = ("money_unit", "datum", "period_start")


@dataclass
class Sheet:
    table: str
    name: str  # as written in the workbook
    headers: dict[str, str] = field(default_factory=dict)  # column → header as the clerk wrote it
    units: dict[str, str] = field(default_factory=dict)  # column → unit written in its header
    rows: list[int] = field(default_factory=list)  # Excel row numbers of the non-empty rows
    cells: dict[str, list] = field(default_factory=dict)  # column → raw values, one per row


@dataclass
class Settings:
    """What the clerk declared on the instructions sheet (填表说明)."""

    money_factor: int = 1  # 10 000 when amounts are written in 万元
    datum: str = "wgs84"
    period_start: dt.date | None = None


@dataclass
class Workbook:
    sheets: dict[str, Sheet]  # by table
    settings: Settings


def _open(content: bytes, problems: Problems):
    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # a damaged file fails anywhere in openpyxl's zip and XML readers
        problems.add("unreadable", value=type(error).__name__)
        return None


def _rows(worksheet):
    """(Excel row number, values) of every row; read-only sheets yield only what the file holds."""
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        yield number, values


# Settings read from text: how to read one, the Settings field it sets, the problem when unreadable.
_DECLARATIONS = {
    "money_unit": (layout.money_unit_factor, "money_factor", "unknown_money_setting"),
    "datum": (layout.datum_of, "datum", "unknown_datum"),
}


def _read_settings(worksheet, problems: Problems, lang: str) -> Settings:
    labels = {layout.match_key(i18n.text(lg, f"template.setting_{name}")): name
              for lg in i18n.LANGUAGES for name in SETTINGS}
    settings = Settings()
    value_header = i18n.text(lang, "template.setting_value")
    for number, values in _rows(worksheet):
        if len(values) < 2 or not isinstance(values[0], str):
            continue
        name = labels.get(layout.match_key(values[0]))
        raw = values[1]
        if name is None or cells.is_blank(raw):
            continue
        where = {"sheet": worksheet.title, "row": number, "column": value_header,
                 "value": cells.shown(raw)}
        if name == "period_start":
            try:
                settings.period_start = cells.to_month(raw)
            except cells.CellProblem:
                problems.add("not_month", **where)
            continue
        parse, field_name, problem = _DECLARATIONS[name]
        value = parse(cells.shown(raw))
        if value is None:
            problems.add(problem, **where)
        else:
            setattr(settings, field_name, value)
    return settings


def _read_sheet(worksheet, table: str, problems: Problems) -> Sheet:
    sheet = Sheet(table, worksheet.title)
    columns = layout.column_lookup(table)
    positions: dict[str, int] = {}
    rows = _rows(worksheet)
    for number, values in rows:
        if number != HEADER_ROW:
            break
        for position, text in enumerate(values):
            if cells.is_blank(text):
                continue
            base, unit = layout.split_header(str(text))
            column = columns.get(layout.match_key(base))
            if column is None:
                continue  # a column of the clerk's own (备注 …) is ignored
            if column in positions:
                problems.add("duplicate_column", sheet=sheet.name, row=HEADER_ROW,
                             column=str(text).strip(), value=str(text).strip())
                continue
            positions[column] = position
            sheet.headers[column] = str(text).strip()
            sheet.units[column] = unit
        break
    sheet.cells = {column: [] for column in positions}
    for number, values in rows:
        picked = {c: values[p] if p < len(values) else None for c, p in positions.items()}
        if all(cells.is_blank(v) for v in picked.values()):
            continue
        sheet.rows.append(number)
        for column, value in picked.items():
            sheet.cells[column].append(value)
    return sheet


def read_workbook(content: bytes, problems: Problems, progress=lambda share, stage: None) -> Workbook | None:
    """The workbook's tables and settings; problems for an unreadable file, missing sheets or columns."""
    book = _open(content, problems)
    if book is None:
        return None
    lang = problems.lang
    try:
        by_key = layout.sheet_lookup()
        instructions = {layout.match_key(layout.special_sheet("instructions", lg)) for lg in i18n.LANGUAGES}
        sheets: dict[str, Sheet] = {}
        settings = Settings()
        names = book.sheetnames
        for done, name in enumerate(names):
            progress(done / max(len(names), 1), name)
            key = layout.match_key(name)
            if key in instructions:
                settings = _read_settings(book[name], problems, lang)
                continue
            table = by_key.get(key)
            if table is None:
                continue  # 代码表, 区划代码 and any sheet of the clerk's own
            if table in sheets:
                problems.add("duplicate_sheet", sheet=name, value=name,
                             first=sheets[table].name)
                continue
            sheets[table] = _read_sheet(book[name], table, problems)
    except Exception as error:  # read-only sheets are parsed lazily: damage may surface only here
        problems.add("unreadable", value=type(error).__name__)
        return None
    finally:
        book.close()
    for table in TABLES:
        expected = layout.sheet_name(table, lang)
        if table not in sheets:
            problems.add("missing_sheet", sheet=expected, value="")
            continue
        sheet = sheets[table]
        for column in TABLES[table]:
            if column not in sheet.headers:
                problems.add("missing_column", sheet=sheet.name, row=HEADER_ROW,
                             column=layout.header(column, lang))
    progress(1.0, "")
    return Workbook(sheets, settings)
