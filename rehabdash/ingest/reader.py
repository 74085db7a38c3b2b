"""Reading an uploaded workbook: which sheet is which table, which header is which column, the
settings declared on the instructions sheet, and every non-empty row with its Excel row number.

Before anything is parsed the file is looked at (`inspect`): its type by content, not name (.xlsx, old
.xls/.et, which are read; .ods, text, a password-protected workbook, which each get their own answer),
its size, and the unpacked size and compression ratio of every part of the xlsx zip, so that a small
file that unpacks to gigabytes is refused before it costs memory. Each sheet's used range is checked
against the row, column and cell limits before its values are read (book.py: calamine reads them).
Formula cells saved without their result and Excel error values are handed on so that the cell
parsers refuse them by name (cells.refuse_special).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from rehabdash.ingest import biff, book, cells, layout
from rehabdash.ingest.problems import Problems
from rehabdash.kernel import i18n
from rehabdash.kernel.contract import TABLES

HEADER_ROW = 1
SETTINGS = ("money_unit", "datum", "period_start", "report_month", "correction_reason")

# Limits checked before reading. A district's month is a few thousand rows; a 100 000-row loan
# ledger is about 4 MB zipped and 40 MB unpacked, with parts compressed about 10:1.
MAX_FILE_BYTES = 50 * 2**20
MAX_PART_BYTES = 256 * 2**20  # one part of the zip, unpacked
MAX_TOTAL_BYTES = 512 * 2**20  # all parts, unpacked
MAX_RATIO = 200  # unpacked ÷ packed, for parts of more than RATIO_FROM bytes
RATIO_FROM = 2**20
MAX_ROWS = 200_000  # per sheet
MAX_COLUMNS = 500  # per row
# Cells of a sheet's used range (rows × columns from A1): calamine holds the range in memory, about
# 32 bytes a cell, and Python a value per cell. The 100 000-row ledger has 600 000.
MAX_CELLS = 5_000_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls/.et, and password-protected .xlsx
ZIP_MAGIC = b"PK\x03\x04"


def _size(count: int) -> str:
    return f"{count / 2**20:.1f} MB" if count >= 2**20 else f"{count / 1024:.0f} KB"


def _looks_like_text(content: bytes) -> bool:
    head = content[:65536]
    if not head.strip():
        return False
    for encoding in ("utf-8-sig", "gb18030", "utf-16"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        delimited = any(mark in text for mark in ("\n", ",", "\t", ";", "，"))  # rows or columns
        return delimited and printable >= 0.95 * len(text)
    return False


def inspect(content: bytes, problems: Problems) -> str | None:
    """'xlsx' or 'xls' (an OLE file that may be an old Excel or WPS workbook: book.open_xls says) when
    the content is a workbook within the limits; otherwise None, with the problem added."""
    if len(content) > MAX_FILE_BYTES:
        problems.add("file_too_large", value=_size(len(content)), limit=_size(MAX_FILE_BYTES))
        return None
    if content.startswith(OLE_MAGIC):
        # An encrypted OOXML file is an OLE container holding the streams EncryptionInfo and
        # EncryptedPackage; their names are stored in UTF-16 in its directory.
        if "EncryptedPackage".encode("utf-16-le") in content:
            problems.add("encrypted")
            return None
        return "xls"
    if not content.startswith(ZIP_MAGIC):
        problems.add("text_file" if _looks_like_text(content) else "unreadable",
                     value="" if _looks_like_text(content) else "不是 xlsx 格式")
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        parts = archive.infolist()
        names = {part.filename for part in parts}
        if "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype")[:100]:
            problems.add("ods_file")
            return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        problems.add("unreadable", value=type(error).__name__)
        return None
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        problems.add("unreadable", value="不是 Excel 工作簿")
        return None
    total = 0
    for part in parts:
        total += part.file_size
        # zipfile stops at the declared size and checks the CRC, and so does the zip reader of
        # calamine (book.py), so declared sizes bound the work.
        if part.file_size > MAX_PART_BYTES:
            limit = _size(MAX_PART_BYTES)
        elif total > MAX_TOTAL_BYTES:
            limit = _size(MAX_TOTAL_BYTES)
        elif part.file_size > RATIO_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            limit = f"{MAX_RATIO} 倍压缩比"
        else:
            continue
        problems.add("part_too_large", value=part.filename, size=_size(part.file_size), limit=limit)
        return None
    return "xlsx"


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
    report_month: dt.date | None = None  # 报送月份 (ingest/reports.py)
    correction_reason: str = ""  # why an earlier month is reported again (补报/更正)


@dataclass
class Workbook:
    sheets: dict[str, Sheet]  # by table
    settings: Settings
    # what an older template did not have (layout.ADDED_SHEETS, ADDED_COLUMNS): tables, columns by table
    absent_sheets: tuple[str, ...] = ()
    absent_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)


class TooLarge(Exception):
    """A sheet beyond MAX_ROWS, MAX_COLUMNS or MAX_CELLS; the problem has been added."""


def _limits(problems: Problems):
    """The check a Book runs on a sheet's extent before its values are read."""
    def check(name: str, extent: book.Extent) -> None:
        if extent.rows > MAX_ROWS:
            problems.add("too_many_rows", sheet=name, value=f"{extent.rows:,}", limit=f"{MAX_ROWS:,}")
        elif extent.columns > MAX_COLUMNS:
            problems.add("part_too_large", sheet=name, value=name, size=f"{extent.columns} 列",
                         limit=f"{MAX_COLUMNS} 列")
        elif extent.cells > MAX_CELLS:
            problems.add("part_too_large", sheet=name, value=name,
                         size=f"{extent.rows:,} 行 × {extent.columns:,} 列", limit=f"{MAX_CELLS:,} 个单元格")
        else:
            return
        raise TooLarge(name)
    return check


def _open(content: bytes, problems: Problems) -> book.Book | None:
    kind = inspect(content, problems)
    if kind is None:
        return None
    try:
        if kind == "xls":
            return book.open_xls(content, _limits(problems))
        return book.open_xlsx(content, _limits(problems))
    except TooLarge:
        return None
    except biff.Encrypted:
        problems.add("encrypted")
    except book.Unreadable as error:
        if kind == "xls":  # not a workbook calamine reads (Excel 95, a damaged file): say what it is
            problems.add("old_excel")
        else:
            problems.add("unreadable", value=str(error).split(" ")[0])
    except Exception as error:  # a damaged zip fails anywhere in zipfile
        problems.add("unreadable", value=type(error).__name__)
    return None


def _rows(workbook: book.Book, name: str):
    """(Excel row number, values) of every row of a sheet from row 1; the limits are checked first."""
    yield from enumerate(workbook.rows(name), start=1)


# Settings read from text: how to read one, the Settings field it sets, the problem when unreadable.
_DECLARATIONS = {
    "money_unit": (layout.money_unit_factor, "money_factor", "unknown_money_setting"),
    "datum": (layout.datum_of, "datum", "unknown_datum"),
}


def _read_settings(workbook: book.Book, name: str, problems: Problems, lang: str) -> Settings:
    labels = {layout.match_key(i18n.text(lg, f"template.setting_{name}")): name
              for lg in i18n.LANGUAGES for name in SETTINGS}
    settings = Settings()
    value_header = i18n.text(lang, "template.setting_value")
    for number, values in _rows(workbook, name):
        if len(values) < 2 or not isinstance(values[0], str):
            continue
        setting = labels.get(layout.match_key(values[0]))
        raw = values[1]
        if setting is None or cells.is_blank(raw):
            continue
        where = {"sheet": name, "row": number, "column": value_header, "value": cells.shown(raw)}
        if setting in ("period_start", "report_month"):
            try:
                setattr(settings, setting, cells.to_month(raw))
            except cells.CellProblem:
                problems.add("not_month", **where)
            continue
        if setting == "correction_reason":
            settings.correction_reason = cells.shown(raw).strip()
            continue
        parse, field_name, problem = _DECLARATIONS[setting]
        value = parse(cells.shown(raw))
        if value is None:
            problems.add(problem, **where)
        else:
            setattr(settings, field_name, value)
    return settings


def _read_sheet(workbook: book.Book, name: str, table: str, problems: Problems) -> Sheet:
    sheet = Sheet(table, name)
    columns = layout.column_lookup(table)
    positions: dict[str, int] = {}
    rows = _rows(workbook, name)
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
    # The rest column by column: the picked cells of each row, rows with nothing in them left out.
    numbers, lines = [], []
    for number, values in rows:
        numbers.append(number)
        lines.append(values)
    picked = [[line[p] if p < len(line) else None for line in lines] for p in positions.values()]
    kept = [i for i, values in enumerate(zip(*picked))
            if not all(v is None or (v.__class__ is str and not v.strip()) for v in values)]  # is_blank
    sheet.rows = [numbers[i] for i in kept]
    sheet.cells = {column: [values[i] for i in kept] for column, values in zip(positions, picked)}
    return sheet


_COPY_SUFFIX = re.compile(r"[(（\[【].*$|副本$|copy$|\d+$", re.I)


def _resembles(name: str, by_key: dict[str, str]) -> str | None:
    """The table whose sheet name this one resembles ('精准康复服务 (2)', '辅具适配(9月)'), if any."""
    key = layout.match_key(name)
    stripped = _COPY_SUFFIX.sub("", key)
    if stripped in by_key:
        return by_key[stripped]
    contained = [k for k in by_key if len(k) >= 4 and k in key and not k.isascii()]
    return by_key[max(contained, key=len)] if contained else None


def _similar_sheets(workbook: book.Book, by_key, instructions, problems: Problems) -> None:
    """A sheet that is not read but resembles an expected one and holds rows is named as a problem:
    the month typed into a copied sheet would otherwise be lost without a word."""
    for name in workbook.sheetnames:
        key = layout.match_key(name)
        if key in by_key or key in instructions:
            continue
        table = _resembles(name, by_key)
        if table is None:
            continue
        filled = sum(1 for number, values in _rows(workbook, name)
                     if number > HEADER_ROW and not all(cells.is_blank(v) for v in values))
        if filled:
            problems.add("similar_sheet", sheet=name, value=name, rows=filled,
                         expected=layout.sheet_name(table, problems.lang))


def read_workbook(content: bytes, problems: Problems, progress=lambda share, stage: None) -> Workbook | None:
    """The workbook's tables and settings; problems for an unreadable file, missing sheets or columns.
    The sheets and columns an older template did not have may be missing (`absent_sheets`, `absent_columns`)."""
    workbook = _open(content, problems)
    if workbook is None:
        return None
    lang = problems.lang
    try:
        by_key = layout.sheet_lookup()
        instructions = {layout.match_key(layout.special_sheet("instructions", lg)) for lg in i18n.LANGUAGES}
        sheets: dict[str, Sheet] = {}
        settings = Settings()
        names = workbook.sheetnames
        for done, name in enumerate(names):
            progress(done / max(len(names), 1), name)
            key = layout.match_key(name)
            if key in instructions:
                settings = _read_settings(workbook, name, problems, lang)
                continue
            table = by_key.get(key)
            if table is None:
                continue  # 代码表, 区划代码 and any sheet of the clerk's own
            if table in sheets:
                problems.add("duplicate_sheet", sheet=name, value=name,
                             first=sheets[table].name)
                continue
            sheets[table] = _read_sheet(workbook, name, table, problems)
        _similar_sheets(workbook, by_key, instructions, problems)
    except TooLarge:
        return None
    except book.Unreadable as error:  # sheets are parsed when read: damage may surface only here
        problems.add("unreadable", value=str(error).split(" ")[0])
        return None
    except Exception as error:
        problems.add("unreadable", value=type(error).__name__)
        return None
    finally:
        workbook.close()
    absent_sheets, absent_columns = [], {}
    for table in TABLES:
        expected = layout.sheet_name(table, lang)
        if table not in sheets:
            if table in layout.ADDED_SHEETS:
                absent_sheets.append(table)
            else:
                problems.add("missing_sheet", sheet=expected, value="")
            continue
        sheet = sheets[table]
        for column in TABLES[table]:
            if column in sheet.headers:
                continue
            if (table, column) in layout.ADDED_COLUMNS:
                absent_columns[table] = (*absent_columns.get(table, ()), column)
            else:
                problems.add("missing_column", sheet=sheet.name, row=HEADER_ROW,
                             column=layout.header(column, lang))
    progress(1.0, "")
    return Workbook(sheets, settings, tuple(absent_sheets), absent_columns)
