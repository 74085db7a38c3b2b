"""Workbooks for the import tests: the template filled with one month of sample data, ways to edit it
as a clerk would, and a throw-away copy of the sample data directory to publish into."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd

from rehabdash.access.accounts import Account
from rehabdash.ingest import layout, template_bytes
from rehabdash.ingest.publish import read_tables
from rehabdash.ingest.template import write_rows
from rehabdash.kernel import i18n
from rehabdash.store.snapshots import list_snapshots, newest_valid

from .conftest import data_copy  # noqa: F401  (the import tests take it from here)

AUGUST = dt.date(2025, 8, 1)
SEPTEMBER = dt.date(2025, 9, 1)
AS_OF = dt.date(2025, 9, 30)
MONTHLY = ("rehab_services", "child_rehab", "assistive_devices", "activities")


def admin(name: str = "测试员", scope: tuple[str, ...] = ()) -> Account:
    """An admin account (of every region by default) to check and publish as."""
    return Account(name, "admin", scope, password_hash="")


def clerk(name: str, scope: tuple[str, ...]) -> Account:
    return Account(name, "clerk", scope, password_hash="")


ADMIN = admin()


def newest(directory: Path):
    return newest_valid(list_snapshots(directory))


def month_rows(directory: Path, districts: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """September 2025, made from August's monthly rows (optionally of some districts only)."""
    snapshot = newest(directory)
    tables = read_tables(snapshot)
    regions = tables["regions"]
    rows = {}
    for table in MONTHLY:
        frame = tables[table]
        frame = frame[frame["period"] == AUGUST].copy()
        if districts:
            townships = regions[regions["parent_code"].isin(districts)]["region_code"]
            frame = frame[frame["region_code"].isin(townships)]
        frame["period"] = SEPTEMBER
        rows[table] = frame.reset_index(drop=True)
    return rows


def filled(directory: Path, rows: dict[str, pd.DataFrame]) -> bytes:
    return template_bytes(newest(directory), "zh", rows)


def fill_template(template: bytes, rows: dict[str, pd.DataFrame]) -> bytes:
    """The downloaded template with `rows` typed into its sheets."""
    def change(book):
        for table, frame in rows.items():
            write_rows(book[layout.sheet_name(table, "zh")], table, frame, "zh")
    return edit(template, change)


def edit(content: bytes, change) -> bytes:
    """Open the workbook, let `change(book)` edit it as a clerk would in Excel, save it again."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    change(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def column_number(sheet, header: str) -> int:
    for cell in sheet[1]:
        if cell.value == header:
            return cell.column
    raise KeyError(header)


def set_cell(content: bytes, table: str, row: int, column: str, value) -> bytes:
    """Write `value` into the cell of contract `column` in Excel row `row` of `table`'s sheet."""
    def change(book):
        sheet = book[layout.sheet_name(table, "zh")]
        sheet.cell(row, column_number(sheet, layout.header(column, "zh"))).value = value  # None clears
    return edit(content, change)


def set_setting(content: bytes, name: str, value) -> bytes:
    """Fill in a setting of the instructions sheet (金额单位, 坐标系, 填报起始月份)."""
    label = i18n.text("zh", f"template.setting_{name}")

    def change(book):
        sheet = book[layout.special_sheet("instructions", "zh")]
        for row in sheet.iter_rows():
            if row[0].value == label:
                row[1].value = value
                return
        raise KeyError(name)
    return edit(content, change)
