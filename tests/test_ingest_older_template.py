"""A workbook filled in on a template from before a release (tests/old_templates) is read as it was:
the sheets it did not have import nothing and leave the published rows alone, the columns it did not
have are empty in added rows and keep their published values in replaced ones; a wrong workbook
(a required sheet or column missing) is still refused by name."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from rehabdash import ingest
from rehabdash.ingest import layout
from rehabdash.ingest.publish import read_tables
from rehabdash.ingest.template import _cell_value

from .workbooks import ADMIN, AS_OF, data_copy, edit, month_rows, newest

OLD_TEMPLATE = Path(__file__).parent / "old_templates" / "zh_bed5f78.xlsx"
# What the template of bed5f78 lacks, as found by uploading it filled in (before the fix each was a
# problem): five sheets of the 定点机构 release and two columns of the loans' sheet.
ABSENT_SHEETS = ("双回访", "机构考核", "康复联合体", "融合成效", "新增服务")
ABSENT_TABLES = ("follow_ups", "assessments", "alliances", "outcomes", "services_added")
ABSENT_HEADERS = ("借用人编号", "借用结果")


def typed_in(content: bytes, rows: dict[str, pd.DataFrame]) -> bytes:
    """`rows` typed under the headers the workbook's own sheets have (an old sheet has fewer columns)."""
    def change(book):
        for table, frame in rows.items():
            sheet = book[layout.sheet_name(table, "zh")]
            columns = {layout.header(c, "zh"): c for c in frame.columns}
            for cell in sheet[1]:
                column = columns.get(cell.value)
                if column is None:
                    continue
                for number, value in enumerate(frame[column], start=2):
                    sheet.cell(number, cell.column, _cell_value(table, column, value, "zh"))
    return edit(content, change)


def test_old_template_has_no_new_sheets():
    # the fixture is what it claims: the sheets and columns of before issue 32
    book = openpyxl.load_workbook(OLD_TEMPLATE, read_only=True)
    assert not set(ABSENT_SHEETS) & set(book.sheetnames)
    headers = [c.value for c in next(book["辅具借用"].iter_rows(max_row=1))]
    assert headers == ["借用编号", "站点编号", "辅具类别", "借出日期", "应还日期", "归还日期"]


@pytest.fixture
def directory(tmp_path):
    return data_copy(tmp_path)


def test_a_month_on_last_months_template_is_accepted_and_says_what_it_lacks(directory):
    content = typed_in(OLD_TEMPLATE.read_bytes(), month_rows(directory))
    checked = ingest.check_workbook(content, AS_OF, directory, account=ADMIN)
    assert checked.problems == [], ingest.problem_table(checked.problems, "zh").head()
    sheets_note = next(n for n in checked.notes if "没有工作表" in n)
    assert all(f"“{name}”" in sheets_note for name in ABSENT_SHEETS)
    assert "没有导入任何数据" in sheets_note and "已发布的数据保持不变" in sheets_note
    columns_note = next(n for n in checked.notes if "没有列" in n)
    assert "辅具借用" in columns_note and all(f"“{h}”" in columns_note for h in ABSENT_HEADERS)
    english = ingest.check_workbook(content, AS_OF, directory, "en", account=ADMIN)
    assert english.valid and any("Follow-ups" in n and "not present" in n for n in english.notes)


def test_publishing_an_old_template_keeps_the_institutions_and_loans_published(directory):
    previous = newest(directory)
    published_tables = read_tables(previous)
    loans = pd.read_parquet(previous.path / "device_loans.parquet")  # the raw rows, not the reader's
    # One published loan that is still out comes back (归还日期 typed in), one loan is new.
    out = loans[loans["returned_on"].isna() & loans["loan_status"].isna() & loans["borrower_ref"].notna()]
    returned = out.iloc[[0]].assign(returned_on=pd.Timestamp(AS_OF).date())
    new_loan = returned.assign(loan_id="L-OLD-TEMPLATE-1", lent_on=dt.date(2025, 9, 2), due_on=dt.date(2025, 10, 2),
                               returned_on=None)
    rows = {**month_rows(directory), "device_loans": pd.concat([returned, new_loan], ignore_index=True)}
    content = typed_in(OLD_TEMPLATE.read_bytes(), rows)

    checked = ingest.check_workbook(content, AS_OF, directory, account=ADMIN)
    assert checked.valid, ingest.problem_table(checked.problems, "zh").head()
    published = ingest.publish(checked, ADMIN, "旧模板九月.xlsx", directory)
    after = read_tables(newest(directory))
    assert newest(directory).path == published.path

    for table in ("institutions", "pairings", *ABSENT_TABLES):
        pd.testing.assert_frame_equal(after[table], published_tables[table], check_dtype=False, obj=table)
        assert table not in published.log_entry["tables"]
    new_loans = after["device_loans"].set_index("loan_id")
    back = new_loans.loc[returned["loan_id"].iloc[0]]
    assert back["returned_on"] == AS_OF
    assert back["borrower_ref"] == returned["borrower_ref"].iloc[0]  # not emptied by the old sheet
    assert pd.isna(new_loans.loc["L-OLD-TEMPLATE-1", "borrower_ref"])
    assert pd.isna(new_loans.loc["L-OLD-TEMPLATE-1", "loan_status"])
    # every other published loan is as it was, borrower and outcome included
    others = loans[~loans["loan_id"].isin(rows["device_loans"]["loan_id"])].set_index("loan_id")
    pd.testing.assert_frame_equal(new_loans.loc[others.index], others, check_dtype=False)
    assert published.log_entry["tables"]["device_loans"] == {"added": 1, "replaced": 1}


@pytest.mark.parametrize("damage, message", [
    (lambda book: book.remove(book["辅具借用"]), "缺少工作表“辅具借用”"),
    (lambda book: setattr(book["辅具借用"]["A1"], "value", None), "缺少列“借用编号”"),
    (lambda book: setattr(book["定点康复机构"]["B1"], "value", "机构全称"), "缺少列“名称”"),
])
def test_a_wrong_old_workbook_is_still_refused_by_name(directory, damage, message):
    content = edit(typed_in(OLD_TEMPLATE.read_bytes(), month_rows(directory)), damage)
    checked = ingest.check_workbook(content, AS_OF, directory, account=ADMIN)
    assert not checked.valid
    assert message in [p.problem for p in checked.problems]
    assert not any(name in p.problem for p in checked.problems for name in ABSENT_SHEETS + ABSENT_HEADERS)
