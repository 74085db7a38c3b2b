"""Issue 31: the deck, the bulletin and the workbook carry the last meeting's decided items and this
meeting's, with status, days late and unit; text typed into an item stays literal text in each (never
a formula, markup or a broken document)."""
import dataclasses
import datetime as dt
import io

import docx
import pytest
from openpyxl import load_workbook
from pptx import Presentation

from rehabdash.access import workflow_sample
from rehabdash.access.accounts import Account
from rehabdash.access.workflow import Unit, WorkflowStore
from rehabdash.export import bulletin, deck, workbook
from rehabdash.topics import decisions

from .test_exports_meeting import meeting, slide_texts
from .seed import NEWEST, YUANHUI, runner

PATH = ("411100000000", YUANHUI)
CHAIR = Account("yh_chair", "admin", (YUANHUI,), password_hash="")
HOSTILE = "=HYPERLINK(\"http://x\",\"点我\")<b>粗</b>**星**"


@pytest.fixture
def view(tmp_path, monkeypatch):
    monkeypatch.setenv("REHAB_DATABASE_URL", f"sqlite:///{tmp_path / 'rehab.db'}")
    store = WorkflowStore()
    workflow_sample.seed(store)
    store.record(CHAIR, YUANHUI, PATH, "漯河市 / 源汇区", NEWEST, problem=HOSTILE, decision="区残联9月底前完成",
                 unit=Unit("region", YUANHUI, "源汇区", PATH), person="康复部", deadline=dt.date(2025, 9, 30))
    return decisions.view(store.items(CHAIR, YUANHUI, PATH), NEWEST)


@pytest.fixture(scope="module")
def yuanhui():
    return meeting(YUANHUI, "源汇区", "district")


def test_the_bulletin_has_both_sections(view, yuanhui):
    document = docx.Document(io.BytesIO(bulletin.build_docx(yuanhui, "precise_rehab_served", "zh", decisions=view)))
    text = [p.text for p in document.paragraphs]
    last = text.index(next(t for t in text if t.endswith("、上次调度会议定事项落实情况")))
    assert text[last + 1] == ("2025年7月18日调度会议定事项及往次未办结事项共7项，已办结1项，推进中3项，"
                              "未开始1项，逾期2项。")
    assert any("馨灿儿童能力发展中心救助儿童评估积压" in t and "✖ 逾期16天" in t for t in text[last:])
    current = text.index(next(t for t in text if t.endswith("、本次议定事项")))
    assert current > last and text[current + 1] == "本次会议议定事项1项："
    assert HOSTILE in text[current + 2]  # as typed, a plain run
    # the report ends with it (heading, count, the one item); then what follows from it (issue 36: 公文 form)
    assert text[current + 3].endswith("、下一步工作要求")


def test_the_deck_has_both_sections(view, yuanhui):
    b = deck.gather_meeting(yuanhui, "precise_rehab_served", "zh", runner(NEWEST, YUANHUI), {YUANHUI})
    pptx = Presentation(io.BytesIO(deck.build_pptx(dataclasses.replace(b, decisions=view))))
    texts = [slide_texts(s) for s in pptx.slides]
    last = next(t for t in texts if t.startswith("上次调度会议定事项落实情况"))
    assert "✖ 逾期16天" in last and "馨灿儿童能力发展中心" in last and "共7项" in last
    current = next(t for t in texts if t.startswith("本次议定事项"))
    assert HOSTILE in current
    assert f"/ {len(texts)}" in texts[-1]  # numbered with the rest


def test_the_workbook_has_both_sections_as_text(view, yuanhui):
    book = load_workbook(io.BytesIO(workbook.meeting_workbook(yuanhui, "precise_rehab_served", "zh",
                                                               decisions=view)))
    assert {"上次调度会议定事项落实情况", "议定事项落实情况（按责任单位）", "本次议定事项"} <= set(book.sheetnames)
    sheet = book["本次议定事项"]
    cell = sheet.cell(4, 1)
    assert cell.value == HOSTILE and cell.data_type == "s"  # text, never a formula
    rows = list(book["议定事项落实情况（按责任单位）"].iter_rows(min_row=4, values_only=True))
    by_unit = {row[0]: row[1:] for row in rows}
    # 馨灿: one item, overdue 16 days; 大刘镇: one item, overdue 31 days (workflow_sample)
    assert by_unit["大刘镇"] == (1, 0, 0, 0, 1, 31)
    assert by_unit["馨灿儿童能力发展中心"] == (1, 0, 0, 0, 1, 16)
