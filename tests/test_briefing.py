"""The briefing deck: the seed figures in its table, native chart parts, and a Chinese PDF rendering."""
import io
import subprocess

import pandas as pd
import pytest
from openpyxl import load_workbook
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Inches

from rehabdash.export import deck, workbook

from .conftest import office_to_pdf, pdf_text, require_tool
from .seed import BAOTOU, END_2024, runner, snapshot

BAOTOU_DISTRICTS = {f"1502{x}000000" for x in ("02", "03", "04", "05", "06", "07", "21", "22", "23", "71")}


@pytest.fixture(scope="module")
def deck_bytes():
    b = deck.gather(runner(END_2024, BAOTOU), END_2024, 2024, "包头市", "zh", 0.05,
                    {BAOTOU, *BAOTOU_DISTRICTS})
    return deck.build_pptx(b)


def test_indicator_table_holds_the_seed_figures(deck_bytes):
    deck = Presentation(io.BytesIO(deck_bytes))
    # The indicator slide holds one table (the ranking and lagging slides have theirs).
    tables = [shape.table for shape in deck.slides[1].shapes if shape.has_table]
    assert len(tables) == 1
    rows = {row.cells[0].text: [c.text for c in row.cells] for row in tables[0].rows}
    assert rows["精准康复服务人数"][1:4] == ["6260", "5660", "110.6%"]
    assert rows["辅具适配人数"][1:4] == ["2017", "1820", "110.8%"]
    assert rows["白内障复明手术例数"][1:4] == ["182", "100", "182%"]
    assert rows["残疾儿童康复救助人数"][1] == "814"
    assert rows["精准康复服务人数"][5] == "✔ 达标"


def test_charts_are_native_chart_parts(deck_bytes):
    deck = Presentation(io.BytesIO(deck_bytes))
    charts = [shape.chart for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    assert len(charts) == 5  # four topics and funding
    assert all(chart.part.partname.startswith("/ppt/charts/") for chart in charts)
    served = charts[0]
    assert list(served.plots[0].categories)[:2] == ["东河区", "昆都仑区"]
    assert sum(served.series[0].values) == 6260
    assert not any(shape.shape_type == 13 for slide in deck.slides for shape in slide.shapes)  # no pictures


def test_map_slide_has_one_symbol_per_facility_at_its_place(deck_bytes):
    """The map's facility symbols are copies of one drawn symbol per tier and status (pptx_kit.add_copies):
    each is where the facility is, numbered uniquely, styled as the first of its kind."""
    deck = Presentation(io.BytesIO(deck_bytes))
    slide = deck.slides[-1]
    ids = [shape.shape_id for shape in slide.shapes]
    assert len(ids) == len(set(ids))
    marks = [s for s in slide.shapes if s.shape_type == 1]  # autoshapes: facilities, then the legend's
    facilities = pd.read_parquet(snapshot(END_2024).table_path("facilities"))
    baotou = facilities[facilities["region_code"].str.startswith(BAOTOU[:4]) & facilities["lon"].notna()]
    legend = 3 + 3 * 3  # a symbol per tier, then each status in every tier's symbol
    assert len(marks) - legend == len(baotou)
    # The first symbols are village rooms (drawn first, under the bigger ones): centres spread over the
    # map's box, and those of one status styled alike.
    first = marks[:20]
    assert len({(m.left + m.width // 2, m.top + m.height // 2) for m in first}) > 10
    assert all(Inches(0.5) <= m.left + m.width // 2 <= Inches(9.9) for m in first)
    built = [m for m in first if m.fill.fore_color.rgb != RGBColor(0xFF, 0xFF, 0xFF)]
    assert built and len({(str(m.fill.fore_color.rgb), m.width, m.auto_shape_type) for m in built}) == 1


def test_workbook_has_every_overview_table():
    data = workbook.overview_workbook(runner(END_2024, BAOTOU), END_2024, 2024, "包头市", "zh", 0.05)
    book = load_workbook(io.BytesIO(data))
    # Issue 17: a title row (row 1), the table's name (row 2), then the headers (row 3).
    assert book.sheetnames == ["年度任务完成情况", "滞后和预警事项", "各下级单位排名（按精准康复服务人数）",
                               "各下级单位精准康复服务情况", "三级网络覆盖（截至2024年12月31日）",
                               "三级康复服务网络（截至2024年12月31日）"]
    header = [c.value for c in book["年度任务完成情况"][3]]
    assert header[:5] == ["指标", "计量单位", "完成数", "年度任务", "完成率"]


def test_libreoffice_renders_the_deck_in_chinese(deck_bytes, tmp_path, screenshots_dir):
    require_tool("soffice")
    require_tool("pdftoppm")
    deck = tmp_path / "briefing.pptx"
    deck.write_bytes(deck_bytes)
    pdf = office_to_pdf(deck)
    assert pdf.exists()
    text = pdf_text(pdf)
    assert "包头市康复工作调度会简报" in text and "6260" in text and "110.6%" in text
    for old in screenshots_dir.glob("briefing-*.png"):  # pages of an earlier run's longer deck
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(screenshots_dir / "briefing")], check=True)
    pages = sorted(screenshots_dir.glob("briefing-*.png"))
    assert len(pages) == len(Presentation(deck).slides)
