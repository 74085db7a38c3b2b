"""An uploaded workbook opened for its cell values. calamine (python-calamine, Rust) reads them, for
.xlsx/.xlsm and for old .xls/.et alike, ten times faster than openpyxl. What calamine does not say, and
what would let a small hostile file make it allocate gigabytes, is read beforehand at a lower level:

- xlsx: a shared-strings count that calamine would reserve up front is dropped when its part cannot
  hold that many strings (10 billion in a 200-byte part would abort the process). Each sheet's XML,
  read in blocks, gives its used range before calamine allocates it (the cells that hold a value: a
  sheet formatted down to row 1,048,576 is as long as its data), and the formula cells saved without a
  result and the error cells (#N/A …), both of which calamine reads as empty. (The zip reader calamine uses stops
  at a part's declared size, as Python's does, so the limits reader.inspect checks hold for it too.)
  The workbook part and its relationships are parsed by defusedxml: a DTD or entity (which no office
  suite writes) makes the file unreadable rather than expanded.
- xls/et: the BIFF8 records (biff.py) give each sheet's used and declared range, its error cells and a
  password; calamine reads every sheet when it opens the file, so all of them are checked first.

`Book.rows(name)` gives a sheet's rows from A1 as tuples, empty cells None, a formula without a result
as cells.NoCachedValue and an error cell as its text ('#N/A'), as openpyxl gave them.
"""
from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from collections.abc import Callable
from xml.etree import ElementTree

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

import python_calamine  # PyPI python-calamine==0.9.1 (MIT)

from rehabdash.ingest import biff, cells


class Unreadable(Exception):
    """The file cannot be read; the argument says what failed."""


@dataclass
class Extent:
    """A sheet's used range counted from A1, what calamine allocates for it, and the cells whose value
    calamine does not give: (Excel row, 0-based column) → NoCachedValue or the error's text."""

    rows: int = 0
    columns: int = 0
    cells: int = 0
    special: dict[tuple[int, int], object] = field(default_factory=dict)


def _calamine(call, *args):
    """calamine's own errors, and the panics it raises on damaged input, as Unreadable."""
    try:
        return call(*args)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # pyo3's PanicException derives from BaseException
        raise Unreadable(type(error).__name__) from error


class Book:
    def __init__(self, values, names: list[str], extent: Callable[[str], Extent], check):
        self._values, self._extent, self._check = values, extent, check
        self.sheetnames = names

    def rows(self, name: str) -> list[tuple]:
        extent = self._extent(name)
        self._check(name, extent)  # the limits, before calamine allocates the sheet
        values = _calamine(lambda: self._values.get_sheet_by_name(name).to_python(skip_empty_area=False))
        for (row, column), value in extent.special.items():
            while len(values) < row:
                values.append([])
            line = values[row - 1]
            if len(line) <= column:
                line.extend([""] * (column + 1 - len(line)))
            line[column] = value
        return [tuple(None if v == "" else v for v in line) for line in values]

    def close(self) -> None:
        self._values.close()


def _worksheets(values) -> list[str]:
    return [sheet.name for sheet in values.sheets_metadata
            if sheet.typ == python_calamine.SheetTypeEnum.WorkSheet]


# --- xls / et ------------------------------------------------------------------------------------

def open_xls(content: bytes, check) -> Book:
    """`check(name, extent)` is called for every sheet before calamine reads any (it raises to stop)."""
    try:
        records = biff.scan(content)
    except biff.NotWorkbook as error:
        raise Unreadable(str(error)) from error
    extents = {name: Extent(r.rows, r.columns, max(r.declared, r.rows * r.columns), dict(r.errors))
               for name, r in records.items()}
    for name, extent in extents.items():
        check(name, extent)
    values = _calamine(python_calamine.CalamineWorkbook.from_filelike, io.BytesIO(content))

    def extent(name: str) -> Extent:
        if name not in extents:
            raise Unreadable(f"sheet {name!r} not in the BIFF records")
        return extents[name]
    return Book(values, _worksheets(values), extent, check)


# --- xlsx ----------------------------------------------------------------------------------------

_UNIQUE_COUNT = re.compile(rb'\suniqueCount="(\d+)"')
_SMALLEST_STRING = len(b"<si/>")


def _without_impossible_counts(content: bytes, archive: zipfile.ZipFile) -> bytes:
    """The workbook as calamine may read it: when a shared-strings part declares more strings than it
    can hold, the part without that count (repacked; every other workbook is handed on as it is)."""
    lying = []
    for info in archive.infolist():
        if info.filename.endswith("sharedStrings.xml"):
            with archive.open(info) as part:
                found = _UNIQUE_COUNT.search(part.read(4096))
            if found and int(found.group(1)) > info.file_size // _SMALLEST_STRING + 1:
                lying.append(info.filename)
    if not lying:
        return content
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            data = archive.read(info)
            out.writestr(info.filename, _UNIQUE_COUNT.sub(b"", data, count=1) if info.filename in lying else data)
    return buffer.getvalue()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part, from the workbook part and its relationships (any namespace prefix)."""
    names = set(archive.namelist())
    workbook = "xl/workbook.xml" if "xl/workbook.xml" in names else \
        next(name for name in sorted(names) if name.endswith("workbook.xml"))
    base = posixpath.dirname(workbook)
    rels = posixpath.join(base, "_rels", posixpath.basename(workbook) + ".rels")
    targets = {}
    for element in safe_xml.fromstring(archive.read(rels) if rels in names else b"<r/>").iter():
        if _local(element.tag) == "Relationship":
            target = element.get("Target", "")
            targets[element.get("Id")] = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join(base, target))
    found = {}
    for element in safe_xml.fromstring(archive.read(workbook)).iter():
        if _local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            if rid in targets:
                found[element.get("name", "")] = targets[rid]
    return found


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


# A cell that can hold a value: something stands between its start and end tags. A cell that only
# carries a format (a range formatted down to row 1,048,576), <c r="A9" s="3"/> or <c r="A9" s="3"></c>,
# holds none, and calamine leaves it out.
_FILLED = rb'[^>]*+(?<!/)>(?!\s*</c>)'
_FILLED_ROWS = re.compile(rb'<c r="(?:[A-Z]{1,3}(\d{1,7})")?' + _FILLED)  # b"" for a reference calamine refuses
_FILLED_COLUMNS = re.compile(rb'<c r="([A-Z]{1,3})\d' + _FILLED)
_EMPTY_CELL_END = re.compile(rb"\s*</(?:[\w.-]+:)?c\s*>")
# A cell or row tag without its reference first (<c>, <c s="1" r="B2">, <row>): followed one by one.
_IRREGULAR = re.compile(rb'<(?:c|row)(?! r=")[\s/>]')
_LAST_ROW = re.compile(rb'<row r="(\d{1,7})"')
_ANY_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")
_R_ATTR = re.compile(rb'\sr="([^"]*)"')
_CELL_REF = re.compile(rb"([A-Z]{1,3})(\d{1,7})")
_ROW_REF = re.compile(rb"\d{1,7}")
_ROW_END = re.compile(rb"</(?:[\w.-]+:)?row\s*>")
BLOCK = 4 * 2**20  # a sheet's XML is scanned in blocks of about this size


@dataclass
class _Scan:
    """What the blocks of a sheet's XML have shown so far: the last row and column of a cell that can
    hold a value, the row being read (for rows and cells without a reference) and the special cells.
    Only C-speed searches touch a block without values: a million formatted rows cost no Python loop."""

    row: int = 0
    last_row: int = 0
    last_column: int = 0
    special: dict[tuple[int, int], object] = field(default_factory=dict)

    def block(self, xml: bytes) -> None:
        cells, rows = xml.count(b"<c"), xml.count(b"<row")
        # A value is read from an element inside a cell (<v>, <is>, <f>, with or without a prefix): a
        # block whose only tags are cells' and rows' (a million formatted rows) holds none.
        values = xml.count(b"<") != cells + rows + xml.count(b"</row>")
        if values:
            self.special.update(_special(xml))
        if not self._regular(xml, cells, rows):
            self._follow(xml)
            return
        rows = set(_FILLED_ROWS.findall(xml)) if values else ()
        if b"" in rows:  # a reference calamine would refuse: say which
            self._follow(xml)
            return
        if rows:
            letters = set(_FILLED_COLUMNS.findall(xml))
            self.last_row = max(self.last_row, max(map(int, rows)))
            self.last_column = max(self.last_column, _column_number(max(letters, key=lambda c: (len(c), c))))
        last = xml.rfind(b'<row r="')
        if last >= 0:
            found = _LAST_ROW.match(xml, last)
            if not found:
                raise Unreadable(f"row reference {xml[last + 8:last + 28]!r}")
            self.row = int(found.group(1))

    @staticmethod
    def _regular(xml: bytes, cells: int, rows: int) -> bool:
        """Every cell and row tag has its reference first and no prefix, as every writer we know puts it
        (`cells`, `rows`: the tags starting '<c' and '<row')."""
        if b":c" in xml or b":row" in xml:  # <x:c r="A1">, or an attribute such as x:count: follow them
            return False
        if cells == xml.count(b'<c r="') and rows == xml.count(b'<row r="'):
            return True
        return not _IRREGULAR.search(xml)  # <cols>, <rowBreaks> … besides the cells: look closer

    def _follow(self, xml: bytes) -> None:
        """Any order of attributes, a prefix, rows or cells without a reference: follow them as calamine
        does (a missing reference is the one after the previous; <c/> takes a place but holds no value)."""
        row, column = self.row, 0
        for match in _ANY_TAG.finditer(xml):
            tag, attributes = match.groups()
            attribute = _R_ATTR.search(attributes)
            ref = attribute.group(1) if attribute else None
            if tag == b"row":
                if ref is not None and not _ROW_REF.fullmatch(ref):
                    raise Unreadable(f"row reference {ref[:20]!r}")
                row, column = (int(ref) if ref else row + 1), 0
                continue
            if ref:
                found = _CELL_REF.fullmatch(ref)
                if not found:
                    raise Unreadable(f"cell reference {ref[:20]!r}")
                column, cell_row = _column_number(found.group(1)), int(found.group(2))
            else:
                column, cell_row = column + 1, max(row, 1)
            if not attributes.endswith(b"/") and not _EMPTY_CELL_END.match(xml, match.end()):
                self.last_row, self.last_column = max(self.last_row, cell_row), max(self.last_column, column)
        self.row = row


def _row_blocks(part, size: int = BLOCK):
    """The XML of a sheet part in blocks of about `size` bytes, each cut after a row's end tag: no tag
    or cell is split (XML text cannot hold '</'), and a million formatted rows never sit in memory."""
    pending = bytearray()
    while chunk := part.read(size):
        searched = max(len(pending) - 32, 0)
        pending += chunk
        cut = pending.rfind(b"</row>", searched)
        if cut >= 0:
            cut += len(b"</row>")
        else:  # </x:row>
            cut = max((m.end() for m in _ROW_END.finditer(pending, searched)), default=-1)
        if cut > 0:
            yield bytes(pending[:cut])
            del pending[:cut]
    if pending:
        yield bytes(pending)


def _used_range(xml: bytes) -> tuple[int, int]:
    """(last row, last column) a cell holding a value can take, counted from A1."""
    scan = _Scan()
    scan.block(xml)
    return scan.last_row, scan.last_column


# A cell whose only content is a formula, with no value (or an empty one): <c r="E3"><f>D3+25</f></c>.
_NO_VALUE = re.compile(rb'<c\b([^>]*?)(?<!/)>\s*(?:<f\b[^>]*/>|<f\b[^>]*>([^<]*)</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')
_ERROR = re.compile(rb'<c\b([^>]*\st="e"[^>]*)(?<!/)>\s*(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?\s*<v>([^<]*)</v>')
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_HAS_FORMULA = re.compile(rb"<f[\s>/]")


def _special(xml: bytes) -> dict[tuple[int, int], object]:
    """Formula cells saved without a result, and error cells, by (Excel row, 0-based column)."""
    found: dict[tuple[int, int], object] = {}
    if _HAS_FORMULA.search(xml):
        for match in _NO_VALUE.finditer(xml):
            ref = _REF.search(match.group(1))
            if ref:
                formula = html.unescape((match.group(2) or b"").decode("utf-8", "replace"))
                found[(int(ref.group(2)), _column_number(ref.group(1)) - 1)] = \
                    cells.NoCachedValue(f"={formula}" if formula else "=…")
    if b't="e"' in xml:
        for match in _ERROR.finditer(xml):
            ref = _REF.search(match.group(1))
            if ref:
                found[(int(ref.group(2)), _column_number(ref.group(1)) - 1)] = \
                    html.unescape(match.group(2).decode("utf-8", "replace")).strip()
    return found


def open_xlsx(content: bytes, check) -> Book:
    """`check(name, extent)` is called before calamine reads a sheet (it raises to stop)."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    try:
        paths = _sheet_parts(archive)
    except (StopIteration, KeyError, ElementTree.ParseError, DefusedXmlException) as error:
        raise Unreadable(type(error).__name__) from error
    values = _calamine(python_calamine.CalamineWorkbook.from_filelike,
                       io.BytesIO(_without_impossible_counts(content, archive)))

    def extent(name: str) -> Extent:
        if name not in paths:
            raise Unreadable(f"sheet {name!r} has no part")
        scan = _Scan()
        with archive.open(paths[name]) as part:  # within the declared size, which the limits allowed
            for block in _row_blocks(part):
                scan.block(block)
        return Extent(scan.last_row, scan.last_column, scan.last_row * scan.last_column, scan.special)
    return Book(values, _worksheets(values), extent, check)
