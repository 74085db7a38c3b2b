"""Issue 32: a designated institution behind (启智 failed its 2025 mid-year assessment with 54.5 points
and has follow-up problems of May 2025 open) is a lagging item of the meeting with the institution
responsible: on the overview and in the deck, the bulletin and the workbook alike."""
import io

import docx
import pytest
from openpyxl import load_workbook
from pptx import Presentation

from rehabdash.export import bulletin, deck, workbook

from .seed import BAOTOU, NEWEST, runner
from .test_exports_meeting import BAOTOU_DISTRICTS, meeting, slide_texts

QIZHI = "启智"
TITLE = "定点机构滞后事项"


@pytest.fixture(scope="module")
def baotou():
    return meeting(BAOTOU, "包头市", "city")


def test_the_workbook_lists_the_lagging_institution(baotou):
    book = load_workbook(io.BytesIO(workbook.meeting_workbook(baotou, "precise_rehab_served", "zh")))
    cells = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(c.startswith(TITLE) for c in cells)
    assert any(QIZHI in c and "不合格（54.5分）" in c for c in cells)


def test_the_bulletin_has_a_section_for_it(baotou):
    text = [p.text for p in docx.Document(io.BytesIO(bulletin.build_docx(baotou, "precise_rehab_served", "zh"))).paragraphs]
    heading = text.index(next(t for t in text if t.endswith(f"、{TITLE}")))
    assert QIZHI in text[heading + 1] and "54.5分" in text[heading + 1] and "逾期未解决" in text[heading + 1]


def test_the_deck_has_a_slide_for_it(baotou):
    b = deck.gather_meeting(baotou, "precise_rehab_served", "zh", runner(NEWEST, BAOTOU), BAOTOU_DISTRICTS)
    texts = [slide_texts(s) for s in Presentation(io.BytesIO(deck.build_pptx(b))).slides]
    slide = next(t for t in texts if t.startswith(TITLE))
    assert QIZHI in slide and "54.5分" in slide
