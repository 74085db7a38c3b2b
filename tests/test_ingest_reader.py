"""Reading workbooks with calamine (rehabdash/ingest/book.py, biff.py): old Excel .xls/.et files made by
LibreOffice from the generated corpus are read with the right figures and refused where they hold
error values; workbooks whose zip, shared strings or records lie about their sizes, or whose used
range is beyond the limits, are refused without calamine allocating what they ask for; hidden
sheets are read, a merged title row is named."""
from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl.styles import PatternFill

from rehabdash import ingest
from rehabdash.ingest import biff, book, reader

from . import workbook_corpus as corpus
from .workbooks import ADMIN, AS_OF, data_copy, edit

PROJECT = Path(__file__).resolve().parent.parent
FIGURES = [("rehab_services", "need_count"), ("rehab_services", "served_count"), ("child_rehab", "aided"),
           ("child_rehab", "funds_yuan"), ("assistive_devices", "fitted_count"), ("activities", "count")]


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    return data_copy(tmp_path_factory.mktemp("reader"))


@pytest.fixture(scope="module")
def old_excel(directory, tmp_path_factory):
    """name → .xls bytes, converted by LibreOffice from the corpus's xlsx (CI installs it: .ci/run)."""
    made = {"base": corpus.base(directory), "na_station_name": corpus.na_station_name(directory),
            "div0_count": corpus.div0_count(directory)}
    folder = tmp_path_factory.mktemp("xls")
    for name, content in made.items():
        (folder / f"{name}.xlsx").write_bytes(content)
    if shutil.which("soffice"):
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/lo", "--convert-to", "xls",
                        "--outdir", str(folder), *(str(folder / f"{n}.xlsx") for n in made)],
                       capture_output=True, timeout=300)
    converted = {name: folder / f"{name}.xls" for name in made}
    if not all(path.exists() for path in converted.values()):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice Calc (soffice) could not convert to .xls; CI must have it")
        pytest.skip("LibreOffice Calc (soffice --convert-to xls) not available (allowed outside CI only)")
    return {name: path.read_bytes() for name, path in converted.items()}


def checked(content: bytes, directory: Path):
    return ingest.check_workbook(content, AS_OF, directory, account=ADMIN)


def the_problem(result, key: str):
    found = [p for p in ingest.problems.grouped(result.problems, "zh") if p.key == key]
    assert found, ingest.problem_table(result.problems, "zh").head().to_string()
    return found[0]


# --- old Excel and WPS ---------------------------------------------------------------------------

def test_an_old_excel_workbook_is_read_with_the_right_figures(old_excel, directory):
    content = old_excel["base"]
    assert content.startswith(reader.OLE_MAGIC)
    result = checked(content, directory)
    assert result.valid, ingest.problem_table(result.problems, "zh").head().to_string()
    rows = corpus.base_rows(directory)
    for table, column in FIGURES:
        assert result.tables[table][column].sum() == pytest.approx(rows[table][column].sum()), (table, column)
        assert len(result.tables[table]) == len(rows[table])
    loans = result.tables["device_loans"].set_index("loan_id")
    expected = rows["device_loans"].set_index("loan_id")
    assert loans["returned_on"].to_dict() == expected["returned_on"].to_dict()  # a date and a loan still out
    assert loans["lent_on"].to_dict() == expected["lent_on"].to_dict()


@pytest.mark.parametrize("case, sheet, row, column, value", [
    ("na_station_name", "辅具服务站点", 2, "名称", "#N/A"),
    ("div0_count", "精准康复服务", 4, "服务人数", "#DIV/0!"),
])
def test_error_values_in_an_old_excel_workbook_are_refused_by_cell(old_excel, directory, case, sheet, row,
                                                                   column, value):
    problem = the_problem(checked(old_excel[case], directory), "excel_error")
    assert (problem.sheet, problem.row, problem.column, problem.value) == (sheet, row, column, value)
    assert "改正公式" in problem.fix


def test_a_forged_dimensions_record_is_refused_before_calamine_reserves_it(old_excel, directory):
    """calamine reserves rows × columns of a sheet's DIMENSIONS record when it opens the file: a forged
    one (4 billion rows) would ask for petabytes and end the server."""
    content = bytearray(old_excel["base"])
    at = content.find(struct.pack("<HH", biff.DIMENSIONS, 14))
    struct.pack_into("<IIHH", content, at + 4, 0, 0xFFFFFFF0, 0, 0xF0)
    result = checked(bytes(content), directory)
    assert [p.key for p in result.problems] == ["part_too_large"]
    assert "个单元格" in result.problems[0].problem


def test_an_ole_file_that_is_no_workbook_keeps_the_save_as_answer(directory):
    problem = the_problem(checked(corpus.old_excel(directory), directory), "old_excel")
    assert "另存为 .xlsx" in problem.fix


# --- sizes that lie --------------------------------------------------------------------------------

def run_probe(path: Path) -> tuple[str, float]:
    """Read the file in a fresh interpreter: (problem keys, peak memory in MiB). calamine ends the whole
    process when an allocation fails, so a regression shows here as a crash, not in this process."""
    probe = textwrap.dedent("""
        import sys
        from rehabdash import ingest
        reading = ingest.read(open(sys.argv[1], "rb").read())
        sheets = reading.workbook.sheets if reading.workbook else {}
        peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
        print(",".join(p.key for p in reading.problems) or "-", peak, len(sheets.get("rehab_services", [])
              and sheets["rehab_services"].rows))
    """)
    done = subprocess.run([sys.executable, "-c", probe, str(path)], cwd=PROJECT, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(PROJECT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    keys, peak, rows = done.stdout.split()
    return keys, float(peak), int(rows)


def rezipped(content: bytes, change) -> bytes:
    """The workbook with `change(name, data)` applied to each part's bytes."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item.filename, change(item.filename, source.read(item.filename)))
    return buffer.getvalue()


def test_a_shared_strings_count_beyond_the_part_is_not_reserved(directory, tmp_path):
    """calamine reserves the count of shared strings the part declares when it opens the file: 10
    billion in a 200-byte part would abort the process."""
    source = zipfile.ZipFile(io.BytesIO(corpus.base(directory)))
    assert "xl/sharedStrings.xml" not in source.namelist()  # the template writes its text inline
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item.filename, source.read(item.filename))
        archive.writestr("xl/sharedStrings.xml", b'<?xml version="1.0"?><sst xmlns="http://schemas.openxml'
                         b'formats.org/spreadsheetml/2006/main" count="1" uniqueCount="10000000000">'
                         b"<si><t>x</t></si></sst>")
    path = tmp_path / "strings.xlsx"
    path.write_bytes(buffer.getvalue())
    keys, peak, rows = run_probe(path)
    assert (keys, rows) == ("-", 70) and peak < 300, (keys, peak, rows)  # read as it is, nothing reserved


def test_a_part_whose_declared_size_lies_is_read_no_further(directory, tmp_path):
    """A sheet that declares 2 KB but unpacks to 50 MB of valid rows: zipfile stops at the declared size
    (the CRC is that of the first 2 KB) and calamine gets only those bytes, not the whole stream, so the
    sheet is unreadable rather than read."""
    source = zipfile.ZipFile(io.BytesIO(corpus.base(directory)))
    sheet = "xl/worksheets/sheet7.xml"
    xml = source.read(sheet)
    head, tail = xml.split(b"</sheetData>")
    row = b'<row r="9999"><c r="F9999" t="inlineStr"><is><t>x</t></is></c></row>'
    huge = head + row * (50 * 2**20 // len(row)) + b"</sheetData>" + tail
    declared = 2048
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item.filename, huge if item.filename == sheet else source.read(item.filename))
    packed = zipfile.ZipFile(io.BytesIO(buffer.getvalue())).getinfo(sheet).compress_size
    forged = bytearray(buffer.getvalue())
    name = sheet.encode()
    # crc, compressed size, unpacked size: at 14 in the local header, at 16 in the central directory
    for signature, offset, name_at in ((b"PK\x03\x04", 14, 30), (b"PK\x01\x02", 16, 46)):
        at = forged.find(signature)
        while at >= 0:
            if forged[at + name_at:at + name_at + len(name)] == name:
                struct.pack_into("<III", forged, at + offset, zlib.crc32(huge[:declared]), packed, declared)
            at = forged.find(signature, at + 4)
    path = tmp_path / "lying.xlsx"
    path.write_bytes(bytes(forged))
    assert zipfile.ZipFile(path).getinfo(sheet).file_size == declared
    keys, peak, _ = run_probe(path)
    assert keys == "unreadable" and peak < 300, (keys, peak)


# --- used ranges beyond the limits -----------------------------------------------------------------

def one_far_cell(directory: Path, cell: str) -> bytes:
    def change(book_):
        book_[corpus.SHEET["rehab_services"]][cell] = 1
    return edit(corpus.base(directory), change)


@pytest.mark.parametrize("cell, key, says", [
    ("B250000", "too_many_rows", "250,000"),
    ("SG2", "part_too_large", "501 列"),
    ("AN150000", "part_too_large", "150,000 行 × 40 列"),  # 6 000 000 cells > MAX_CELLS
])
def test_a_used_range_beyond_the_limits_is_refused_before_it_is_read(directory, cell, key, says):
    result = checked(one_far_cell(directory, cell), directory)
    [problem] = result.problems
    assert (problem.key, problem.sheet) == (key, corpus.SHEET["rehab_services"]) and says in problem.problem


def test_cells_without_references_or_with_a_prefix_count_as_calamine_places_them():
    assert book._used_range(b'<row r="3"><c s="1" r="B7"><v>1</v></c><c/><c><v>2</v></c></row>'
                            b'<row><c><v>3</v></c></row>') == (7, 4)
    assert book._used_range(b'<x:row r="2"><x:c r="C2"><x:v>1</x:v></x:c></x:row>') == (2, 3)
    assert book._used_range(b'<row r="1"><c r="A1"/><c r="XFD1048576"><v>1</v></c></row>') == (1048576, 16384)
    with pytest.raises(book.Unreadable):
        book._used_range(b'<row r="1"><c t="n" r="A99999999999"/></row>')


def test_cells_that_carry_only_a_format_take_no_place():
    """calamine leaves out a cell without a value (<c r="A9" s="3"/>, or with an empty body), so the
    used range ends at the last cell with one, however far the formatting goes."""
    formatted = b'<row r="1048576"><c r="XFD1048576" s="1"/><c r="A1048576" s="2" t="n"></c></row>'
    assert book._used_range(b'<row r="1"><c r="E1" t="n"><v>1</v></c></row>' + formatted) == (1, 5)
    assert book._used_range(b'<row r="1"><c s="1" r="E1"><v>1</v></c></row>' + formatted) == (1, 5)
    assert book._used_range(formatted + b'<row><c/><c s="2"></c><c><v>1</v></c></row>') == (1048577, 3)


def test_a_cell_tag_broken_by_a_line_is_still_counted():
    """<c\nr="XFD1048576"> is a cell to an XML parser: it counts, or calamine would allocate the whole
    sheet (the check before counted only '<c ', '<c>' and '<c/' against '<c r="')."""
    assert book._used_range(b'<row r="1"><c r="A1"><v>1</v></c><c\nr="XFD1048576"><v>1</v></c></row>') \
        == (1048576, 16384)


LAST_ROW = corpus.LAST_ROW


def test_a_sheet_formatted_down_to_the_last_row_is_read_by_its_data(directory, tmp_path):
    """70 rows of figures in a sheet formatted to row 1,048,576 (cells with a format and no value):
    the rows are read, in bounded memory (before: refused as 1,048,576 rows after 9 s and 840 MB)."""
    name = corpus.SHEET["rehab_services"]
    path = tmp_path / "formatted.xlsx"
    path.write_bytes(corpus.formatted_to_the_last_row(directory))
    assert zipfile.ZipFile(path).getinfo(book._sheet_parts(zipfile.ZipFile(path))[name]).file_size > 100 * 2**20
    keys, peak, rows = run_probe(path)
    expected = corpus.base_rows(directory)["rehab_services"]
    assert (keys, rows) == ("-", len(expected)) and peak < 300, (keys, rows, peak)


def formatted_cell_at_the_last_row(book_):
    book_[corpus.SHEET["rehab_services"]].cell(LAST_ROW, 1).fill = PatternFill("solid", fgColor="FFFF00")


def formatted_columns(book_):
    sheet = book_[corpus.SHEET["rehab_services"]]
    for letter in "ABCDE":
        sheet.column_dimensions[letter].fill = PatternFill("solid", fgColor="FFFF00")


@pytest.mark.parametrize("formatting", [formatted_cell_at_the_last_row, formatted_columns])
def test_a_sheet_formatted_whole_is_checked_with_its_figures(directory, formatting):
    result = checked(edit(corpus.base(directory), formatting), directory)
    assert result.valid, ingest.problem_table(result.problems, "zh").head().to_string()
    expected = corpus.base_rows(directory)["rehab_services"]
    assert len(result.tables["rehab_services"]) == len(expected)
    for column in ("need_count", "served_count"):
        assert result.tables["rehab_services"][column].sum() == expected[column].sum()


# --- sheets as clerks leave them ---------------------------------------------------------------------

def test_a_hidden_sheet_is_read_like_a_visible_one(directory):
    def hide(book_):
        book_[corpus.SHEET["rehab_services"]].sheet_state = "hidden"
    result = checked(edit(corpus.base(directory), hide), directory)
    assert result.valid
    rows = corpus.base_rows(directory)["rehab_services"]
    assert result.tables["rehab_services"]["served_count"].sum() == rows["served_count"].sum()


def test_a_merged_title_above_the_headers_is_named(directory):
    def title(book_):
        sheet = book_[corpus.SHEET["rehab_services"]]
        sheet.insert_rows(1)
        sheet["A1"] = "青山区2025年9月精准康复服务"
        sheet.merge_cells("A1:E1")
    result = checked(edit(corpus.base(directory), title), directory)
    missing = [p for p in result.problems if p.key == "missing_column"]
    assert missing and {p.sheet for p in missing} == {corpus.SHEET["rehab_services"]}
    assert all(p.row == 1 for p in missing)


def test_a_formula_without_a_cached_value_in_the_settings_is_not_ignored(directory):
    def formula(book_):
        sheet = book_["填表说明"]
        for row in sheet.iter_rows():
            if row[0].value == "金额单位":
                row[1].value = '=IF(1,"万元","元")'
    result = checked(edit(corpus.base(directory), formula), directory)
    assert "unknown_money_setting" in {p.key for p in result.problems}


def test_a_workbook_part_with_a_dtd_is_unreadable_not_expanded(directory, tmp_path):
    """No office suite writes a DTD into an .xlsx: one with nested entities (the start of a billion
    laughs, small enough that Python's own parser would expand it and read on) in the workbook part is
    refused as unreadable, without expanding them."""
    laughs = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
              + b"".join(b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((98 + i,) + (97 + i,) * 10)
                         for i in range(2))
              + b"]>")

    def change(name, data):
        if name != "xl/workbook.xml":
            return data
        body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
        return laughs + body.replace(b"<sheets>", b"<sheets>&c;", 1)

    path = tmp_path / "laughs.xlsx"
    path.write_bytes(rezipped(corpus.base(directory), change))
    keys, peak, _ = run_probe(path)
    assert keys == "unreadable" and peak < 300, (keys, peak)
