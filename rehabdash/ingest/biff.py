"""What an old Excel (.xls) or WPS (.et) workbook holds that the value reader (calamine) does not say or
should not be trusted with, read from its BIFF8 records before calamine sees the file:

- each worksheet's used range, and the range its DIMENSIONS record declares (calamine reserves memory
  for the declared one up front, so a forged record of a few bytes would ask for terabytes);
- its error cells (#N/A, #DIV/0! …, as BOOLERR records or as formula results), which calamine reads as
  empty;
- whether the workbook is protected by a password (FILEPASS).

The container is opened with olefile; a file that is not a BIFF8 workbook (Excel 95 and older, a
damaged file) raises NotWorkbook, and the caller keeps the refusal that says what to do.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

import olefile  # PyPI olefile==0.47 (BSD)

BOF, EOF, BOUNDSHEET, FILEPASS, DIMENSIONS = 0x0809, 0x000A, 0x0085, 0x002F, 0x0200
BIFF8 = 0x0600
# Records of one cell: row (2 bytes) and column (2 bytes) first.
CELL_RECORDS = frozenset({0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6})
MULTI_CELL_RECORDS = frozenset({0x00BD, 0x00BE})  # MULRK, MULBLANK: row, first column … last column
FORMULA, BOOLERR = 0x0006, 0x0205
ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
          0x2A: "#N/A", 0x2B: "#GETTING_DATA"}
U32 = 2**32


class NotWorkbook(Exception):
    """Not a BIFF8 workbook that can be read."""


class Encrypted(Exception):
    """The workbook needs a password to open."""


@dataclass
class SheetRecords:
    name: str
    rows: int = 0  # used range from A1: the last row number, the last column number
    columns: int = 0
    declared: int = 0  # cells of the range the DIMENSIONS record declares, as calamine computes it
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (Excel row, 0-based column) → text


def _records(data: bytes, position: int):
    while position + 4 <= len(data):
        kind, size = struct.unpack_from("<HH", data, position)
        yield kind, data[position + 4:position + 4 + size]
        position += 4 + size


def _declared(record: bytes) -> int:
    """Cells calamine reserves for a DIMENSIONS record (its u32 arithmetic wraps like this)."""
    if len(record) == 14:
        first_row, last_row, first_column, last_column = struct.unpack_from("<IIHH", record)
    elif len(record) == 10:
        first_row, last_row, first_column, last_column = struct.unpack_from("<HHHH", record)
    else:
        return 0
    if first_column > 0xFF or last_column < first_column:
        first_column = 0
    if last_row < 1 or last_column < 1:
        return 1
    rows = (last_row - 1 - first_row + 1) % U32
    columns = (last_column - 1 - first_column + 1) % U32
    return rows * columns


def _sheet_name(record: bytes) -> str:
    count, flags = record[6], record[7]
    raw = record[8:8 + count * (2 if flags & 1 else 1)]
    return raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")


def _sheet(data: bytes, position: int, sheet: SheetRecords) -> None:
    depth = 0
    for kind, record in _records(data, position):
        if kind == BOF:
            depth += 1
            continue
        if kind == EOF:
            depth -= 1
            if depth <= 0:
                return
            continue
        if depth != 1:
            continue  # an embedded chart's substream
        if kind == DIMENSIONS:
            sheet.declared = max(sheet.declared, _declared(record))
        elif kind in CELL_RECORDS and len(record) >= 4:
            row, column = struct.unpack_from("<HH", record)
            sheet.rows, sheet.columns = max(sheet.rows, row + 1), max(sheet.columns, column + 1)
            if kind == BOOLERR and len(record) >= 8 and record[7]:
                sheet.errors[(row + 1, column)] = ERRORS.get(record[6], "#N/A")
            elif kind == FORMULA and len(record) >= 14 and record[12:14] == b"\xff\xff" and record[6] == 2:
                sheet.errors[(row + 1, column)] = ERRORS.get(record[8], "#N/A")
        elif kind in MULTI_CELL_RECORDS and len(record) >= 6:
            row, = struct.unpack_from("<H", record)
            last, = struct.unpack_from("<H", record, len(record) - 2)
            sheet.rows, sheet.columns = max(sheet.rows, row + 1), max(sheet.columns, last + 1)


def scan(content: bytes) -> dict[str, SheetRecords]:
    """The worksheets of an .xls/.et file by name, in workbook order."""
    try:
        container = olefile.OleFileIO(content)
        if container.exists("EncryptedPackage"):
            raise Encrypted
        if not container.exists("Workbook"):
            raise NotWorkbook("no Workbook stream")  # Excel 95 ("Book") or not a workbook at all
        data = container.openstream("Workbook").read()
    except (Encrypted, NotWorkbook):
        raise
    except Exception as error:  # olefile fails in many ways on a damaged container
        raise NotWorkbook(type(error).__name__) from error
    if len(data) < 8 or struct.unpack_from("<HHH", data)[::2] != (BOF, BIFF8):
        raise NotWorkbook("not BIFF8")
    sheets, positions = {}, {}
    for kind, record in _records(data, 0):
        if kind == FILEPASS:
            raise Encrypted
        if kind == BOUNDSHEET and len(record) >= 8:
            if record[5] == 0:  # a worksheet (not a chart, macro or dialog sheet)
                name = _sheet_name(record)
                sheets[name] = SheetRecords(name)
                positions[name] = struct.unpack_from("<I", record)[0]
        elif kind == EOF:
            break
    for name, sheet in sheets.items():
        _sheet(data, positions[name], sheet)
    return sheets
