"""Reading an uploaded workbook: which sheet is which table, which header is which column, the
settings declared on the instructions sheet, and every non-empty row with its Excel row number.

Before anything is parsed the file is looked at (`inspect`): its type by content, not name (old
.xls/.et, .ods, text, a password-protected workbook each get their own answer), its size, and the
unpacked size and compression ratio of every part of the xlsx zip, so that a small file that unpacks
to gigabytes is refused before it costs memory. Formula cells saved without their result and Excel
error values are handed on so that the cell parsers refuse them by name (cells.refuse_special).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

import openpyxl
from openpyxl.utils import column_index_from_string

from rehabdash.ingest import cells, layout
from rehabdash.ingest.problems import Problems
from rehabdash.kernel import i18n
from rehabdash.kernel.contract import TABLES

HEADER_ROW = 1
SETTINGS = ("money_unit", "datum", "period_start")

# Limits checked before reading. A district's month is a few thousand rows; a 100 000-row loan
# ledger is about 4 MB zipped and 40 MB unpacked, with parts compressed about 10:1.
MAX_FILE_BYTES = 50 * 2**20
MAX_PART_BYTES = 256 * 2**20  # one part of the zip, unpacked
MAX_TOTAL_BYTES = 512 * 2**20  # all parts, unpacked
MAX_RATIO = 200  # unpacked ÷ packed, for parts of more than RATIO_FROM bytes
RATIO_FROM = 2**20
MAX_ROWS = 200_000  # per sheet
MAX_COLUMNS = 500  # per row

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


def inspect(content: bytes, problems: Problems) -> bool:
    """Whether the content is an xlsx workbook within the limits; adds the problem when it is not."""
    if len(content) > MAX_FILE_BYTES:
        problems.add("file_too_large", value=_size(len(content)), limit=_size(MAX_FILE_BYTES))
        return False
    if content.startswith(OLE_MAGIC):
        # An encrypted OOXML file is an OLE container holding the streams EncryptionInfo and
        # EncryptedPackage; their names are stored in UTF-16 in its directory.
        encrypted = "EncryptedPackage".encode("utf-16-le") in content
        problems.add("encrypted" if encrypted else "old_excel")
        return False
    if not content.startswith(ZIP_MAGIC):
        problems.add("text_file" if _looks_like_text(content) else "unreadable",
                     value="" if _looks_like_text(content) else "不是 xlsx 格式")
        return False
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        parts = archive.infolist()
        names = {part.filename for part in parts}
        if "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype")[:100]:
            problems.add("ods_file")
            return False
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        problems.add("unreadable", value=type(error).__name__)
        return False
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        problems.add("unreadable", value="不是 Excel 工作簿")
        return False
    total = 0
    for part in parts:
        total += part.file_size
        # zipfile stops at the declared size and checks the CRC, so declared sizes bound the work.
        if part.file_size > MAX_PART_BYTES:
            limit = _size(MAX_PART_BYTES)
        elif total > MAX_TOTAL_BYTES:
            limit = _size(MAX_TOTAL_BYTES)
        elif part.file_size > RATIO_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            limit = f"{MAX_RATIO} 倍压缩比"
        else:
            continue
        problems.add("part_too_large", value=part.filename, size=_size(part.file_size), limit=limit)
        return False
    return True


# A cell whose only content is a formula, with no value (or an empty one): <c r="E3"><f>D3+25</f></c>.
_NO_VALUE = re.compile(rb'<c\b([^>]*?)(?<!/)>\s*(?:<f\b[^>]*/>|<f\b[^>]*>([^<]*)</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_HAS_FORMULA = re.compile(rb"<f[\s>/]")


def formulas_without_values(book, worksheet) -> dict[tuple[int, int], str]:
    """(Excel row, 0-based column) → formula text, for the formula cells saved without a result."""
    try:
        xml = book._archive.read(worksheet._worksheet_path)  # openpyxl reads the same zip member
    except (AttributeError, KeyError):
        return {}
    if not _HAS_FORMULA.search(xml):
        return {}
    found = {}
    for match in _NO_VALUE.finditer(xml):
        ref = _REF.search(match.group(1))
        if ref:
            formula = (match.group(2) or b"").decode("utf-8", "replace")
            found[(int(ref.group(2)), column_index_from_string(ref.group(1).decode()) - 1)] = \
                f"={formula}" if formula else "=…"
    return found


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
    if not inspect(content, problems):
        return None
    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # a damaged file fails anywhere in openpyxl's zip and XML readers
        problems.add("unreadable", value=type(error).__name__)
        return None


class TooLarge(Exception):
    """A sheet beyond MAX_ROWS or MAX_COLUMNS; the problem has been added."""


def _rows(worksheet, problems: Problems | None = None, no_value: dict | None = None):
    """(Excel row number, values) of every row; read-only sheets yield only what the file holds.

    The dimension the file declares is not trusted (a forged one would make openpyxl pad millions of
    empty rows); formula cells without a result come as cells.NoCachedValue.
    """
    worksheet.reset_dimensions()
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if problems is not None and number > MAX_ROWS:
            problems.add("too_many_rows", sheet=worksheet.title, value=f"{MAX_ROWS}+", limit=MAX_ROWS)
            raise TooLarge(worksheet.title)
        if problems is not None and len(values) > MAX_COLUMNS:
            problems.add("part_too_large", sheet=worksheet.title, value=worksheet.title,
                         size=f"{len(values)} 列", limit=f"{MAX_COLUMNS} 列")
            raise TooLarge(worksheet.title)
        if no_value:
            values = tuple(cells.NoCachedValue(no_value[(number, i)]) if (number, i) in no_value else v
                           for i, v in enumerate(values))
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
    for number, values in _rows(worksheet, problems):
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


def _read_sheet(book, worksheet, table: str, problems: Problems) -> Sheet:
    sheet = Sheet(table, worksheet.title)
    columns = layout.column_lookup(table)
    positions: dict[str, int] = {}
    rows = _rows(worksheet, problems, formulas_without_values(book, worksheet))
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


_COPY_SUFFIX = re.compile(r"[(（\[【].*$|副本$|copy$|\d+$", re.I)


def _resembles(name: str, by_key: dict[str, str]) -> str | None:
    """The table whose sheet name this one resembles ('精准康复服务 (2)', '辅具适配(9月)'), if any."""
    key = layout.match_key(name)
    stripped = _COPY_SUFFIX.sub("", key)
    if stripped in by_key:
        return by_key[stripped]
    contained = [k for k in by_key if len(k) >= 4 and k in key and not k.isascii()]
    return by_key[max(contained, key=len)] if contained else None


def _similar_sheets(book, names, by_key, instructions, problems: Problems) -> None:
    """A sheet that is not read but resembles an expected one and holds rows is named as a problem:
    the month typed into a copied sheet would otherwise be lost without a word."""
    for name in names:
        key = layout.match_key(name)
        if key in by_key or key in instructions:
            continue
        table = _resembles(name, by_key)
        if table is None:
            continue
        filled = sum(1 for number, values in _rows(book[name], problems)
                     if number > HEADER_ROW and not all(cells.is_blank(v) for v in values))
        if filled:
            problems.add("similar_sheet", sheet=name, value=name, rows=filled,
                         expected=layout.sheet_name(table, problems.lang))


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
            sheets[table] = _read_sheet(book, book[name], table, problems)
        _similar_sheets(book, names, by_key, instructions, problems)
    except TooLarge:
        return None
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
