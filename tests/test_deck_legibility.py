"""Issue 36, items 3 and 8: the briefing deck reads from the back of a meeting room. Nothing under
14 pt anywhere (text boxes, table cells, chart fonts), no chart of protected counts or of one bar,
the 序时进度 as a mark per bar, whole-number ticks for counts, the scope's own line marked 本级, and a
long title broken at a sensible place (read off the page LibreOffice renders)."""
import io
import re
import subprocess
import zipfile

import pytest
from pptx import Presentation
from pptx.oxml.ns import qn

from rehabdash.export import deck
from rehabdash.topics import dispatch
from rehabdash.topics.child_rehab import Disclosure

from .seed import BAOTOU, NEWEST, YUANHUI, runner
from .conftest import require_tool
from .test_exports_meeting import BAOTOU_DISTRICTS, JUNE, LAOJIE, slide_texts

XITU = "150271000000"  # 包头稀土高新技术产业开发区: the longest district name of the sample


def deck_bytes(code, name, level, outline, disclosure=None) -> bytes:
    m = dispatch.gather(runner(NEWEST, code), NEWEST, 2025, 0.05, name, name, level,
                        (JUNE, runner(JUNE, code)), disclosure=disclosure)
    return deck.build_pptx(deck.gather_meeting(m, "precise_rehab_served", "zh", runner(NEWEST, code), outline))


@pytest.fixture(scope="module")
def decks() -> dict[str, bytes]:
    return {
        "yuanhui": deck_bytes(YUANHUI, "源汇区", "district", {YUANHUI}, Disclosure(5, townships=True)),
        "baotou": deck_bytes(BAOTOU, "包头市", "city", {BAOTOU, *BAOTOU_DISTRICTS}),
        "laojie": deck_bytes(LAOJIE, "老街街道", "township", {LAOJIE}),
    }


def open_deck(data: bytes):
    return Presentation(io.BytesIO(data))


def charts(presentation):
    return [(n, shape.chart) for n, slide in enumerate(presentation.slides, start=1)
            for shape in slide.shapes if shape.has_chart]


SIZE = re.compile(r'<a:(?:rPr|defRPr|endParaRPr)\b[^>]*?\bsz="(\d+)"')


def test_no_text_on_any_slide_is_under_14_pt(decks):
    """Every size the deck's slides and charts name (runs, table cells, chart text, data labels,
    legends, axes), read from the XML, and every run's size as python-pptx reads it."""
    for name, data in decks.items():
        with zipfile.ZipFile(io.BytesIO(data)) as parts:
            for part in parts.namelist():
                if re.match(r"ppt/(slides/slide|charts/chart)\d+\.xml$", part):
                    sizes = [int(s) for s in SIZE.findall(parts.read(part).decode())]
                    assert sizes and min(sizes) >= 1400, (name, part, sorted(set(sizes))[:5])
        for number, slide in enumerate(open_deck(data).slides, start=1):
            frames = [shape.text_frame for shape in slide.shapes if shape.has_text_frame]
            frames += [cell.text_frame for shape in slide.shapes if shape.has_table
                       for row in shape.table.rows for cell in row.cells]
            for frame in frames:
                for paragraph in frame.paragraphs:
                    for run in paragraph.runs:
                        assert run.font.size is not None and run.font.size.pt >= 14, (name, number, run.text)
        for number, chart in charts(open_deck(data)):
            assert chart.font.size.pt >= 14, (name, number)


def test_all_ranked_units_and_indicators_are_in_the_deck(decks):
    """Rather than smaller type, more slides: every township of 源汇区 and every indicator column."""
    slides = [slide_texts(s) for s in open_deck(decks["yuanhui"]).slides]
    ranking = "\n".join(t for t in slides if t.startswith("各下级单位排名"))
    for unit in ("老街街道", "马路街街道", "顺河街街道", "干河陈街道", "大刘镇", "阴阳赵镇", "空冢郭镇", "问十乡"):
        assert unit in ranking
    for column in ("精准康复服务人数", "辅具适配人数", "残疾儿童康复救助人数", "白内障复明手术例数",
                   "乡镇（街道）康复站建成数", "村（社区）康复室建成数"):
        assert column in ranking


def test_protected_township_counts_draw_no_chart_but_the_district_figure_and_why(decks):
    presentation = open_deck(decks["yuanhui"])
    slide = next(s for s in presentation.slides if slide_texts(s).startswith("残疾儿童康复救助人数"))
    assert not any(shape.has_chart for shape in slide.shapes)  # before: axes, nine names, no bars
    text = slide_texts(slide)
    assert "66人" in text and "年度任务 100人" in text and "▲ 预警" in text  # seed: 源汇区 2025 to August
    assert "不足5人" in text and "不单列" in text and "“*”" in text


def test_no_chart_has_a_single_bar(decks):
    for name, data in decks.items():
        for number, chart in charts(open_deck(data)):
            assert len(chart.plots[0].categories) > 1, (name, number)


def test_time_progress_is_a_mark_per_bar_and_lit_bars_are_not_in_the_legend(decks):
    for number, chart in charts(open_deck(decks["baotou"]))[:4]:
        space = chart._chartSpace
        line = space.find(".//" + qn("c:lineChart"))
        series = line.find(qn("c:ser"))
        assert series.find(qn("c:spPr")).find(qn("a:ln")).find(qn("a:noFill")) is not None  # no line joins units
        assert series.find(qn("c:marker")).find(qn("c:symbol")).get("val") == "dash"
        deleted = [e.find(qn("c:idx")).get("val") for e in space.iter(qn("c:legendEntry"))
                   if e.find(qn("c:delete")) is not None and e.find(qn("c:delete")).get("val") == "1"]
        assert deleted == ["0"], number  # the bars take their lights' colours, not the legend's


def test_counts_have_whole_number_ticks(decks):
    for name, data in decks.items():
        presentation = open_deck(data)
        for number, chart in charts(presentation):
            if slide_texts(presentation.slides[number - 1]).startswith("康复资金"):
                continue  # 万元 with decimals
            axis = chart.value_axis
            assert axis.major_unit is not None and axis.major_unit >= 1 and axis.major_unit == int(axis.major_unit)
            assert axis.tick_labels.number_format == "0", (name, number)


def test_the_lagging_list_marks_the_scope_own_line_as_own_level(decks):
    slides = [s for s in open_deck(decks["yuanhui"]).slides if slide_texts(s).startswith("滞后和预警事项")]
    units = [row.cells[0].text for s in slides for shape in s.shapes if shape.has_table
             for row in list(shape.table.rows)[1:]]
    assert units and "源汇区" not in units
    assert units.count("源汇区本级") == 2  # 资金执行率 and 残疾儿童康复救助人数: tasks of the district itself


def test_a_long_title_breaks_after_the_name_not_before_its_last_character(tmp_path):
    require_tool("soffice")
    require_tool("pdftotext")
    path = tmp_path / "xitu.pptx"
    path.write_bytes(deck_bytes(XITU, "包头稀土高新技术产业开发区", "district", {XITU}))
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(tmp_path / "xitu.pdf"), "-"],
                           check=True, capture_output=True, text=True).stdout
    lines = [line.strip() for line in first.splitlines() if line.strip()]
    assert "包头稀土高新技术产业开发区" in lines and "康复工作调度会简报" in lines, lines
    assert all(len(line) > 1 for line in lines), lines  # no orphaned "报"
