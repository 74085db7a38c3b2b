"""The dispatch-meeting workbook (XLSX): every table of the overview, one sheet each, read from one
dispatch.Meeting through the tables of charts.dispatch. Numbers stay numbers in the number format of
their kind (kernel.columns.KINDS); text stays text, never a formula.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from rehabdash.charts import dispatch as dispatch_charts
from rehabdash.export import decisions as decisions_export
from rehabdash.kernel import i18n, safe_text
from rehabdash.kernel.columns import KINDS
from rehabdash.kernel.measures import RunQuery
from rehabdash.topics import dispatch
from rehabdash.topics.dispatch import Meeting

NUMBER_FORMATS = {kind: k.number_format for kind, k in KINDS.items()}  # the one table of formats by kind
_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def title_line(m: Meeting, lang: str) -> str:
    """Row 1 of every sheet: scope, year, period, snapshot date and the sample notice."""
    parts = [m.scope_label, i18n.text(lang, "meeting.year", year=m.year), dispatch_charts.period_label(m, lang)]
    if m.sample:
        parts.append(i18n.text(lang, "meeting.sample"))
    return " · ".join(parts)


def tables_workbook(tables: list[dispatch_charts.Table], title: str) -> bytes:
    """One sheet per table: row 1 the title line, row 2 the table's name, row 3 the headers (frozen),
    then the rows with numbers as numbers in number formats, and text as text (never a formula); a
    rounded count of children is a number, '<5' and '*' text, explained by the table's note a row below."""
    book = Workbook()
    book.remove(book.active)
    used = set()
    for table in tables:
        name = _SHEET_CHARS.sub("_", table.title)[:31]
        while name in used:
            name = name[:29] + f"_{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        columns = list(table.frame.columns)
        sheet.cell(1, 1, title).font = Font(bold=True, size=12)
        sheet.cell(2, 1, table.title).font = Font(bold=True)
        widths = [_width(c) + 2 for c in columns]
        shown = dispatch_charts.display(table)
        for c, header in enumerate(columns, start=1):
            cell = sheet.cell(3, c, str(header))
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for r, row in enumerate(table.frame.itertuples(index=False), start=4):
            for c, value in enumerate(row, start=1):
                column = columns[c - 1]
                kind = table.kind(r - 4, column)
                cell = sheet.cell(r, c)
                if isinstance(value, str) or kind in ("text", "status"):
                    cell.value = None if value is None else str(value)
                    cell.data_type = "s"  # text stays text: a name starting with '=' is no formula
                elif value is None or (isinstance(value, float) and math.isnan(value)):
                    cell.value = None
                else:
                    number = float(value)
                    cell.value = int(number) if number.is_integer() and kind != "amount" else number
                    if kind == "amount":
                        cell.number_format = "#,##0" if number.is_integer() else "#,##0.00"
                    else:
                        cell.number_format = NUMBER_FORMATS.get(kind, "General")
                widths[c - 1] = max(widths[c - 1], _width(shown.iat[r - 4, c - 1]) + 2)
        if table.note:  # what '<5', '*' and the rounded counts mean, under the table in its first text column
            text_column = next((c for c, k in enumerate(columns, start=1) if table.kinds[k] == "text"), 1)
            cell = sheet.cell(len(table.frame) + 5, text_column, table.note)
            cell.data_type = "s"
            cell.font = Font(italic=True)
        for c, w in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = min(max(w, 8), 48)
        sheet.row_dimensions[3].height = 32
        sheet.freeze_panes = "B4" if len(columns) > 1 else "A4"
    safe_text.defuse_workbook(book)  # a name such as '=HYPERLINK(...)' stays text, also after editing
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def meeting_workbook(m: Meeting, by: str, lang: str, decisions=None) -> bytes:
    """Every table the overview shows, one sheet each, headers in the UI language, and the meeting's
    decided items (`decisions`: a topics.decisions.View)."""
    return tables_workbook(dispatch_charts.tables(m, by, lang) + decisions_export.workbook_tables(decisions, lang),
                           title_line(m, lang))


def overview_workbook(run: RunQuery, as_of: dt.date, year: int, scope_label: str, lang: str,
                      margin: float, level: str = "city", by: str = "precise_rehab_served",
                      disclosure=None) -> bytes:
    """The workbook from named queries alone (no previous snapshot): for scripts and tests."""
    m = dispatch.gather(run, as_of, year, margin, scope_label, scope_label.split(" / ")[-1], level,
                        disclosure=disclosure)
    return meeting_workbook(m, by, lang)
