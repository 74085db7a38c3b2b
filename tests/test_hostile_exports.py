"""Every XLSX export with hostile names (tests/hostile.py, published by a test import) holds no formula
cell from data: no <f> element in any sheet, every formula-like name a text cell, read back as written."""
from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pandas as pd
import pytest

from rehabdash import ui
from rehabdash.access import pages
from rehabdash.export import workbook
from rehabdash.ingest import template_bytes
from rehabdash.kernel import safe_text
from rehabdash.kernel.scope import Scope

from .conftest import open_app_page
from .hostile import PAYLOADS, QINGSHAN, publish_hostile
from .workbooks import newest

FORMULAS = [v for k, v in PAYLOADS.items() if k in ("formula", "plus", "minus", "at")]
PAGES = [p.script for p in pages.PAGES if p.url_path != pages.SETUP]  # setup: an empty data directory only


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return publish_hostile(tmp_path_factory.mktemp("hostile"))


def formula_cells(content: bytes) -> list[str]:
    """Every <f> element of every sheet of an .xlsx file."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [m for name in archive.namelist() if name.startswith("xl/worksheets/")
                for m in re.findall(r"<f[ >].*?</f>|<f/>", archive.read(name).decode())]


def text_values(content: bytes) -> set[str]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {c.value for s in book.worksheets for row in s.iter_rows() for c in row if isinstance(c.value, str)}


def assert_no_formula(content: bytes, label: str) -> set[str]:
    assert formula_cells(content) == [], label
    return text_values(content)


def test_defuse_keeps_the_value_and_makes_a_text_cell():
    frame = pd.DataFrame({"名称": [*FORMULAS, "普通", "=1+1"], "人数": [1, 2, 3, 4, 5, 6]})
    content = ui.widgets.xlsx_bytes(frame, "表")
    assert formula_cells(content) == []
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [sheet.cell(row, 1) for row in range(2, 8)]
    assert [c.value for c in cells] == [*FORMULAS, "普通", "=1+1"]  # shown as written
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [True] * 4 + [False, True]  # Excel's "typed as text"
    assert [sheet.cell(r, 2).value for r in range(2, 8)] == [1, 2, 3, 4, 5, 6]  # numbers stay numbers
    assert not safe_text.is_formula_like("中心") and safe_text.is_formula_like("\t=1")


@pytest.mark.parametrize("query", [{"district": "青山区", "year": "2025"}, {"year": "2025"}])
def test_every_page_download_is_free_of_formulas(hostile, monkeypatch, downloads_clicked, query):
    monkeypatch.setenv("REHAB_DATA_DIR", str(hostile.directory))
    downloads: dict[str, bytes] = {}
    original = ui.widgets.xlsx_bytes

    def recording(frame, sheet):
        downloads[f"{sheet}·{len(downloads)}"] = content = original(frame, sheet)
        return content

    monkeypatch.setattr(ui.widgets, "xlsx_bytes", recording)
    seen: set[str] = set()
    for script in PAGES:
        at = open_app_page(script, **query)
        assert not at.exception, (script, at.exception)
    assert len(downloads) >= 10
    for label, content in downloads.items():
        seen |= assert_no_formula(content, label)
    # The formula-like names reached the workbooks (the coverage, station and institution tables) as text.
    assert any(v.startswith(PAYLOADS["formula"]) for v in seen)


def test_briefing_workbook_and_template_are_free_of_formulas(hostile, monkeypatch):
    monkeypatch.setenv("REHAB_DATA_DIR", str(hostile.directory))
    snapshot = newest(hostile.directory)
    seen = assert_no_formula(template_bytes(snapshot, "zh"), "template")  # the region sheet every clerk gets
    assert any(v.startswith(PAYLOADS["formula"]) for v in seen)

    from rehabdash.store import db

    def run(query, **params):
        return db.run(query, snapshot, allowed=(QINGSHAN,), scope=Scope("150200000000", QINGSHAN).codes, **params)

    content = workbook.overview_workbook(run, snapshot.as_of, 2025, "包头市 / 青山区", "zh", 0.05)
    seen = assert_no_formula(content, "briefing")
    assert any(v.startswith(PAYLOADS["formula"]) for v in seen)  # the township in the ranking sheet


def quoted_cells(content: bytes, values) -> list:
    """Every cell of the workbook whose value starts with one of `values`."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [c for s in book.worksheets for row in s.iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith(tuple(values))]


def test_the_briefing_workbook_writes_formula_like_names_as_the_table_downloads_do():
    """A name starting with =, +, - or @ is a string cell with Excel's quote prefix, so that editing
    the cell (F2, Enter) keeps it text; the same helper as the table downloads and the template."""
    from rehabdash.charts import dispatch as dispatch_charts

    names = [f"{v}乡" for v in FORMULAS]
    table = dispatch_charts.Table("ranking", "排名", pd.DataFrame({"单位": names, "人数": [1, 2, 3, 4]}),
                           {"单位": "text", "人数": "count"})
    content = workbook.tables_workbook([table], "=标题")
    cells = quoted_cells(content, [n[0] for n in names])
    assert sorted(c.value for c in cells) == sorted([*names, "=标题"])  # read back as written
    assert {c.value[0] for c in cells} == {"=", "+", "-", "@"}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells), [(c.value, c.quotePrefix) for c in cells]
    assert formula_cells(content) == []


def test_every_workbook_writer_defuses_its_cells():
    """Whatever writes an .xlsx file (openpyxl, pandas' ExcelWriter) calls safe_text.defuse_workbook:
    the one rule for formula-like text in every workbook the app hands out."""
    from pathlib import Path

    package = Path(workbook.__file__).resolve().parent.parent
    writers = [p for p in package.rglob("*.py") if re.search(r"\bWorkbook\(\)|ExcelWriter\(", p.read_text("utf-8"))]
    assert {p.name for p in writers} >= {"workbook.py", "template.py", "widgets.py"}
    assert [p.name for p in writers if "safe_text.defuse_workbook(" not in p.read_text("utf-8")] == []
