"""A corpus of workbooks made the way district clerks (and their tools) make them, generated here rather
than committed as binaries: each case is a function of the base workbook and the data directory, with
its expected outcome — accepted with the given figures, or refused with sheet, row, column and a fix.

    python -m tests.workbook_corpus OUT_DIR    # writes every case to OUT_DIR, to open them in Excel/WPS
"""
from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable

import openpyxl
import pandas as pd

from rehabdash.ingest import layout
from rehabdash.ingest.publish import read_tables
from rehabdash.ingest.reader import OLE_MAGIC

from .seed import QINGSHAN
from .workbooks import column_number, edit, filled, month_rows, newest

SHEET = {t: layout.sheet_name(t, "zh") for t in ("rehab_services", "child_rehab", "device_loans",
                                                  "device_stations")}


@dataclass(frozen=True)
class Refused:
    key: str  # the check ([validation.<key>])
    sheet: str = ""
    row: int | None = None
    column: str = ""
    fix_says: str = ""  # a phrase the fix must hold
    value: str | None = None


@dataclass(frozen=True)
class Accepted:
    figures: dict = field(default_factory=dict)  # (table, column) → expected sum of the imported rows
    codes: dict = field(default_factory=dict)  # (table, column) → expected set of codes


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], bytes]
    expected: Refused | Accepted


def base_rows(directory: Path) -> dict[str, pd.DataFrame]:
    """青山区's September, with one loan of a 青山区 station lent on 1 September."""
    rows = month_rows(directory, (QINGSHAN,))
    tables = read_tables(newest(directory))
    stations = tables["device_stations"]
    station = stations[stations["region_code"].str.startswith("150204")]["station_id"].iloc[0]
    rows["device_loans"] = pd.DataFrame({
        "loan_id": ["L-CORPUS-1", "L-CORPUS-2"], "station_id": [station, station],
        "device_type": ["wheelchair", "wheelchair"],
        "lent_on": [dt.date(2025, 9, 1), dt.date(2025, 9, 2)], "due_on": [dt.date(2025, 9, 30)] * 2,
        "returned_on": [dt.date(2025, 9, 20), None], "borrower_ref": ["JY0204-0901", "JY0204-0902"],
        "loan_status": [None, None]})
    return rows


def base(directory: Path) -> bytes:
    return filled(directory, base_rows(directory))


def sheet_of(book, table: str):
    return book[SHEET[table]]


def changed(directory: Path, change) -> bytes:
    return edit(base(directory), change)


# --- accepted -----------------------------------------------------------------------------------

def alt_enter_headers(directory: Path) -> bytes:
    def change(book):
        sheet = sheet_of(book, "rehab_services")
        sheet.cell(1, column_number(sheet, "服务人数")).value = "服务\n人数"  # Alt+Enter in Excel
        sheet.cell(1, column_number(sheet, "月份")).value = "月\r\n份"
    return changed(directory, change)


def typed_age_bands(directory: Path) -> bytes:
    def change(book):
        sheet = sheet_of(book, "child_rehab")
        column = column_number(sheet, "年龄段")
        typed = {"0–3岁": "0-3岁", "4–6岁": "4～6岁", "7–14岁": "7—14岁", "15–17岁": "１５－１７岁"}
        for row in range(2, sheet.max_row + 1):
            value = sheet.cell(row, column).value
            sheet.cell(row, column).value = typed.get(value, value)
    return changed(directory, change)


# --- refused ------------------------------------------------------------------------------------

def _month_in_a_copy(directory: Path, table: str, title: str) -> bytes:
    """The month of `table` typed into a copy of its sheet named `title`; the original keeps only its header."""
    def change(book):
        original = sheet_of(book, table)
        copy = book.copy_worksheet(original)
        copy.title = title
        original.delete_rows(2, original.max_row)
    return changed(directory, change)


def copied_sheet(directory: Path) -> bytes:
    return _month_in_a_copy(directory, "rehab_services", "精准康复服务 (2)")


def month_sheet_copy(directory: Path) -> bytes:
    return _month_in_a_copy(directory, "device_loans", "辅具借用(9月)")


def loans_cell(directory: Path, row: int, column: str, value) -> bytes:
    def change(book):
        sheet = sheet_of(book, "device_loans")
        sheet.cell(row, column_number(sheet, layout.header(column, "zh"))).value = value
    return changed(directory, change)


def formula_return_date(directory: Path) -> bytes:
    # openpyxl, like scripts and some tools, saves a formula without its calculated result.
    def change(book):
        sheet = sheet_of(book, "device_loans")
        lent = openpyxl.utils.get_column_letter(column_number(sheet, "借出日期"))
        sheet.cell(3, column_number(sheet, "归还日期")).value = f"={lent}3+25"
    return changed(directory, change)


def na_station_name(directory: Path) -> bytes:
    """A new station whose name came from a failed VLOOKUP: the cell holds the error #N/A."""
    tables = read_tables(newest(directory))
    stations = tables["device_stations"]
    row = stations[stations["region_code"].str.startswith("150204")].head(1).copy()
    row["station_id"] = "S-150204-9999"
    rows = base_rows(directory)
    rows["device_stations"] = row

    def change(book):
        sheet = sheet_of(book, "device_stations")
        sheet.cell(2, column_number(sheet, "名称")).value = "#N/A"
    return edit(filled(directory, rows), change)


def div0_count(directory: Path) -> bytes:
    def change(book):
        sheet = sheet_of(book, "rehab_services")
        sheet.cell(4, column_number(sheet, "服务人数")).value = "#DIV/0!"
    return changed(directory, change)


def month_cell(value):
    def make(directory: Path) -> bytes:
        def change(book):
            sheet = sheet_of(book, "rehab_services")
            sheet.cell(2, column_number(sheet, "月份")).value = value
        return changed(directory, change)
    return make


def wrong_station_everywhere(count: int):
    """`count` loans of a station code that does not exist (a typo copied down the column)."""
    def make(directory: Path) -> bytes:
        rows = base_rows(directory)
        rows["device_loans"] = pd.DataFrame({
            "loan_id": [f"L-BAD-{i:06d}" for i in range(count)], "station_id": ["S-150204-0XX1"] * count,
            "device_type": ["wheelchair"] * count, "lent_on": [dt.date(2025, 9, 1)] * count,
            "due_on": [dt.date(2025, 9, 30)] * count, "returned_on": [None] * count,
            "borrower_ref": ["JY0204-0901"] * count, "loan_status": [None] * count})
        return filled(directory, rows)
    return make


def old_excel(directory: Path) -> bytes:
    """An OLE compound file as Excel 97-2003 (.xls) and WPS (.et) write it: magic, then sectors."""
    return OLE_MAGIC + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\x00" * 2000 + \
        "Workbook".encode("utf-16-le") + b"\x00" * 2000


def encrypted_xlsx(directory: Path) -> bytes:
    """A password-protected .xlsx: an OLE container with the streams EncryptionInfo, EncryptedPackage."""
    return OLE_MAGIC + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\x00" * 1000 + \
        "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le") + \
        b"\x00" * 1000 + base(directory)[:4096]


def ods(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return buffer.getvalue()


def csv_export(encoding: str):
    def make(directory: Path) -> bytes:
        frame = base_rows(directory)["rehab_services"]
        return frame.to_csv(index=False).encode(encoding)
    return make


LAST_ROW = 1_048_576


def formatted_to_the_last_row(directory: Path, table: str = "rehab_services", columns: str = "ABCDE") -> bytes:
    """The base workbook with every row of `table`'s sheet below its data, down to row 1,048,576, written
    as cells that carry a format and no value (<c r="A72" s="1"/>), as a spreadsheet saves a range
    formatted whole: some 150 MB of XML around 70 rows of figures."""
    from rehabdash.ingest import book

    content = base(directory)
    part = book._sheet_parts(zipfile.ZipFile(io.BytesIO(content)))[SHEET[table]]
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == part:
                last = data.rindex(b'<row r="')
                after = int(data[last + 8:data.index(b'"', last + 8)]) + 1
                rows = b"".join(b'<row r="%d">%s</row>' % (r, b"".join(b'<c r="%s%d" s="1"/>' % (c.encode(), r)
                                                                       for c in columns))
                                for r in range(after, LAST_ROW + 1))
                data = data.replace(b"</sheetData>", rows + b"</sheetData>")
            archive.writestr(item.filename, data)
    return buffer.getvalue()


def shared_string_bomb(directory: Path, size: int = 1600 * 2**20) -> bytes:
    """A valid workbook whose shared-strings part holds one string of `size` bytes: ~1.7 MB zipped."""
    content = base(directory)
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                archive.writestr(item, source.read(item.filename))
        head = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"' \
               b' count="1" uniqueCount="1"><si><t>'
        tail = b"</t></si></sst>"
        info = zipfile.ZipInfo("xl/sharedStrings.xml", date_time=(2025, 9, 30, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as part:
            part.write(head)
            block = b"A" * 2**20
            for _ in range(size // len(block)):
                part.write(block)
            part.write(tail)
    return buffer.getvalue()



CASES = [
    Case("alt_enter_headers", alt_enter_headers, Accepted(figures={("rehab_services", "served_count"): None})),
    Case("typed_age_bands", typed_age_bands, Accepted(codes={("child_rehab", "age_band"): None})),
    Case("copied_sheet", copied_sheet, Refused("similar_sheet", "精准康复服务 (2)", fix_says="精准康复服务")),
    Case("month_sheet_copy", month_sheet_copy, Refused("similar_sheet", "辅具借用(9月)", fix_says="辅具借用")),
    Case("formula_return_date", formula_return_date,
         Refused("formula_no_value", SHEET["device_loans"], 3, "归还日期",
                 fix_says="请在 Excel/WPS 中打开并保存后再上传")),
    Case("na_station_name", na_station_name, Refused("excel_error", SHEET["device_stations"], 2, "名称",
                                                     fix_says="改正公式", value="#N/A")),
    Case("div0_count", div0_count, Refused("excel_error", SHEET["rehab_services"], 4, "服务人数",
                                           value="#DIV/0!")),
    Case("month_serial", month_cell(45901), Refused("month_serial", SHEET["rehab_services"], 2, "月份",
                                                    fix_says="2025-09")),
    Case("month_without_year", month_cell("九月"),
         Refused("month_without_year", SHEET["rehab_services"], 2, "月份", fix_says="2025年9月")),
    Case("wrong_station_everywhere", wrong_station_everywhere(40),
         Refused("problem_group", SHEET["device_loans"], None, "站点编号", fix_says="站点编号")),
    Case("old_excel", old_excel, Refused("old_excel", fix_says="请在 Excel 或 WPS 中另存为 .xlsx")),
    Case("encrypted_xlsx", encrypted_xlsx, Refused("encrypted", fix_says="文件设置了打开密码，请取消密码后上传")),
    Case("ods", ods, Refused("ods_file", fix_says="请在 Excel 或 WPS 中另存为 .xlsx")),
    Case("csv_utf8", csv_export("utf-8-sig"), Refused("text_file", fix_says="另存为 .xlsx")),
    Case("csv_gbk", csv_export("gb18030"), Refused("text_file", fix_says="另存为 .xlsx")),
]


def main(argv: list[str]) -> int:
    from .workbooks import data_copy

    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    directory = data_copy(out / "_data")
    for case in CASES:
        (out / f"{case.name}.xlsx").write_bytes(case.make(directory))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
