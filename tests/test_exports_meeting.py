"""Issue 17: the deck, the workbook and the bulletin read the same meeting as the page; they build for
city, district and township; a failing export says so in Chinese and exports nothing."""
import datetime as dt
import io

import docx
import pytest
from openpyxl import load_workbook
from pptx import Presentation

from rehabdash.access import audit
from rehabdash.charts import dispatch as dispatch_charts
from rehabdash.kernel import memo
from rehabdash.export import bulletin, deck, workbook
from rehabdash.topics import dispatch

from .conftest import office_to_pdf, open_app_page, pdf_text, require_tool
from .seed import BAOTOU, NEWEST, YUANHUI, runner

JUNE = dt.date(2025, 6, 30)
LAOJIE = "411102001000"
BAOTOU_DISTRICTS = {f"1502{x}000000" for x in ("02", "03", "04", "05", "06", "07", "21", "22", "23", "71")}


def meeting(code, name, level):
    return dispatch.gather(runner(NEWEST, code), NEWEST, 2025, 0.05, name, name, level,
                           (JUNE, runner(JUNE, code)))


def deck_of(code, name, level, outline, by="precise_rehab_served"):
    m = meeting(code, name, level)
    return Presentation(io.BytesIO(deck.build_pptx(
        deck.gather_meeting(m, by, "zh", runner(NEWEST, code), outline))))


def slide_texts(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def yuanhui_deck():
    return deck_of(YUANHUI, "源汇区", "district", {YUANHUI})


def test_yuanhui_deck_lists_funding_execution_as_lagging(yuanhui_deck):
    texts = [slide_texts(s) for s in yuanhui_deck.slides]
    funding = next(t for t in texts if t.startswith("康复资金下达与支出"))
    assert "执行率 58.46%" in funding and "✖ 滞后" in funding
    lagging = next(t for t in texts if t.startswith("滞后和预警事项"))
    assert "资金执行率" in lagging and "58.46%" in lagging and "17.72万元" in lagging
    ranking = next(t for t in texts if t.startswith("各下级单位排名"))
    assert "名次" in ranking and "老街街道" in ranking


def test_every_slide_has_the_sample_notice_and_its_number(yuanhui_deck):
    total = len(yuanhui_deck.slides)
    for number, slide in enumerate(yuanhui_deck.slides, start=1):
        text = slide_texts(slide)
        assert "样例数据，非真实统计" in text and f"{number} / {total}" in text


def test_topic_charts_carry_the_time_progress_line_and_the_light():
    deck = deck_of(BAOTOU, "包头市", "city", {BAOTOU, *BAOTOU_DISTRICTS})
    charts = [shape.chart for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    topics = charts[:4]
    for chart in topics:
        xml = chart._chartSpace.xml
        assert "<c:lineChart>" in xml and "序时进度应完成" in xml
        labels = [p.data_label.text_frame.text for p in chart.series[0].points]
        assert all(("达标" in x) or ("预警" in x) or ("滞后" in x) for x in labels)
    funding = next(slide_texts(s) for s in deck.slides if slide_texts(s).startswith("康复资金"))
    assert "执行率 62.72%" in funding and "▲ 预警" in funding  # 包头市 2025: amber everywhere


def test_the_deck_builds_for_a_township_and_says_where_there_is_nothing():
    deck = deck_of(LAOJIE, "老街街道", "township", {LAOJIE})
    texts = [slide_texts(s) for s in deck.slides]
    assert any("资金由源汇区统筹" in t for t in texts)
    assert any("当前范围没有下级单位" in t for t in texts)
    assert not any("没有滞后指标" in t for t in texts)  # no tasks: not judged, so not green


def test_workbook_numbers_are_numbers_and_status_has_its_own_column():
    m = meeting(YUANHUI, "源汇区", "district")
    book = load_workbook(io.BytesIO(workbook.meeting_workbook(m, "precise_rehab_served", "zh")))
    sheet = book["年度任务完成情况"]
    title = sheet["A1"].value
    assert "源汇区" in title and "2025年" in title and "2025年8月31日" in title and "样例数据" in title
    assert sheet.freeze_panes == "B4"
    header = [c.value for c in sheet[3]]
    rows = {r[0].value: {h: c for h, c in zip(header, r)} for r in sheet.iter_rows(min_row=4)}
    served = rows["精准康复服务人数"]
    assert served["完成数"].value == 521 and served["完成数"].number_format == "#,##0"
    assert isinstance(served["完成率"].value, float) and served["完成率"].number_format == "0.0%"
    assert served["状态"].value == "✔ 达标"
    money = rows["资金执行率"]
    assert money["完成率"].number_format == "0.00%" and money["状态"].value == "✖ 滞后"
    assert money["完成数"].value == 127.74 and money["完成数"].number_format == "#,##0.00"
    lagging = book["滞后和预警事项"]
    assert any(r[1].value == "资金执行率" and r[4].value == "✖ 滞后" for r in lagging.iter_rows(min_row=4))
    for sheet in book.worksheets:  # numeric headers hold numbers only
        header = [c.value for c in sheet[3]]
        for column, name in enumerate(header):
            if name in ("完成率", "序时进度", "名次", "服务率", "需求人数", "服务人数", "数值", "已建成"):
                for row in sheet.iter_rows(min_row=4):
                    value = row[column].value
                    assert value is None or isinstance(value, (int, float)), (sheet.title, name, value)
    assert {"与上期快照（2025年6月30日）相比", "各下级单位精准康复服务情况"} <= set(book.sheetnames)


def test_bulletin_figures_equal_the_page_and_it_opens_in_libreoffice(tmp_path):
    at = open_app_page("app_pages/overview.py", year="2025", city="漯河市", district="源汇区")
    assert not at.exception
    page = at.table[0].value  # the indicator table as the page shows it
    m = meeting(YUANHUI, "源汇区", "district")
    data = bulletin.build_docx(m, "precise_rehab_served", "zh")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    text = "\n".join(paragraphs)
    assert "截至2025年8月31日，全区精准康复服务521人" in text
    for row in page.itertuples(index=False):
        name, actual, completion, status = row[0], row[2], row[4], row[6]
        heading = next(i for i, p in enumerate(paragraphs) if p.endswith(f"、{name}"))
        body = paragraphs[heading + 1]
        assert completion in body and status in body, (name, body)
        if name != "资金执行率":
            assert f"{actual}{row[1]}" in body
    # the district's own funds: its line says 本级 (issue 36), the list otherwise names units below
    assert "滞后单位：源汇区本级（完成58.46%，距序时进度差17.72万元）" in text
    assert "与上期（2025年6月30日）相比，精准康复服务人数增加147人" in text
    require_tool("soffice")
    require_tool("pdftotext")
    target = tmp_path / "通报.docx"
    target.write_bytes(data)
    pdf = pdf_text(office_to_pdf(target))
    assert "源汇区康复工作调度情况通报" in pdf and "58.46%" in pdf.replace(" ", "")


def _exports_audited() -> list[dict]:
    return audit.entries("export")


def test_a_failing_export_says_so_in_chinese_and_exports_nothing(monkeypatch):
    def broken(_):
        raise ValueError("chart data contains no categories")

    monkeypatch.setattr(deck, "build_pptx", broken)

    memo.clear()  # a deck built for this view by an earlier test would hide the failure
    before = len(_exports_audited())
    at = open_app_page("app_pages/overview.py", year="2025", city="漯河市", district="源汇区",
                       township="老街街道")
    assert not at.exception
    at.button(key="make_pptx").click().run()
    assert not at.exception
    assert any("调度会简报（PPT）生成失败" in e.value for e in at.error)
    keys = [b.proto.id for b in at.get("download_button")]
    assert not any(k.endswith("briefing_pptx") for k in keys)
    assert any(k.endswith("briefing_xlsx") for k in keys)  # the other exports still work
    at.button(key="make_docx").click().run()
    assert not at.exception and any(b.proto.id.endswith("briefing_docx") for b in at.get("download_button"))
    assert len(_exports_audited()) == before


def test_the_page_lists_what_the_exports_list():
    at = open_app_page("app_pages/overview.py", year="2025", city="漯河市", district="源汇区")
    lagging = at.table[1].value
    row = lagging[lagging["指标"] == "资金执行率"].iloc[0]
    assert (row["责任单位"], row["完成率"], row["状态"], row["距序时进度差"], row["计量单位"]) == (
        "源汇区本级", "58.46%", "✖ 滞后", "17.72", "万元")  # the district's own line (issue 36)
    at = open_app_page("app_pages/overview.py", year="2025")
    captions = " ".join(c.value for c in at.caption)
    assert "序时进度 66.6%，▲ 预警" in captions  # 包头市 2025: the funds card's light
    at = open_app_page("app_pages/overview.py", year="2024")
    assert not at.exception
    network = at.table[-2].value  # the network as it stood at the end of 2024
    built = dict(zip(network.iloc[:, 0], network.iloc[:, 1]))
    assert (built["乡镇（街道）康复站"], built["村（社区）康复室"]) == ("75", "323")
    assert "2024年12月31日" in " ".join(s.value for s in at.subheader)


def test_names_from_data_stay_text_in_the_workbook_and_markdown():
    import pandas as pd

    from rehabdash import ui

    table = dispatch_charts.Table("t", "表", pd.DataFrame({"单位": ['=HYPERLINK("http://x","y")'], "名次": [1]}),
                           {"单位": "text", "名次": "count"})
    sheet = load_workbook(io.BytesIO(workbook.tables_workbook([table], "标题")))["表"]
    assert sheet["A4"].data_type == "s" and sheet["A4"].value.startswith("=HYPERLINK")
    assert sheet["B4"].value == 1
    # the one Markdown helper (kernel.safe_text): no bold, no link, no emoji shortcode from data
    assert ui.md("**粗** [链接](x) :material/home:") == "\\*\\*粗\\*\\* \\[链接\\](x) \\:material/home\\:"


def _overdue_from_parquet(prefix: str):
    """The sites whose newest task update is past its deadline and not in use, read straight from
    Parquet (not through the named query): facility name → responsible unit."""
    import pandas as pd

    from .seed import snapshot
    path = snapshot(NEWEST).path
    tasks = pd.read_parquet(path / "site_tasks.parquet").sort_values("updated_on").groupby("facility_id").tail(1)
    late = tasks[(tasks["stage"] != "in_use") & (pd.to_datetime(tasks["deadline"]).dt.date < NEWEST)
                 & tasks["facility_id"].str.startswith(prefix)]
    names = pd.read_parquet(path / "facilities.parquet").set_index("facility_id")["name"]
    return dict(zip(late["facility_id"].map(names), late["responsible_unit"]))


def test_the_deck_lists_the_overdue_site_tasks_with_their_unit():
    expected = _overdue_from_parquet("F-1502")
    assert len(expected) > 0
    deck = deck_of(BAOTOU, "包头市", "city", {BAOTOU, *BAOTOU_DISTRICTS})
    slides = [s for s in deck.slides if slide_texts(s).startswith("逾期的建设任务")]
    assert slides, "no slide of overdue site tasks"
    rows = {}
    for slide in slides:
        table = next(shape.table for shape in slide.shapes if shape.has_table)
        header = [c.text for c in table.rows[0].cells]
        for row in list(table.rows)[1:]:
            cells = dict(zip(header, (c.text for c in row.cells)))
            rows[cells["站点"]] = cells
    assert {name: r["责任单位"] for name, r in rows.items()} == expected
    assert all(r["逾期天数"] == str((NEWEST - JUNE).days) for r in rows.values())  # deadline 30 June
    # right after the lagging items, before the map
    titles = [slide_texts(s).split("\n")[0] for s in deck.slides]
    at = titles.index(next(t for t in titles if t.startswith("逾期的建设任务")))
    assert titles[at - 1].startswith("滞后和预警事项") and titles[at + len(slides)].startswith("定点机构滞后事项")
    assert titles[at + len(slides) + 1].startswith("三级康复服务设施分布")  # then the map (启智 lags: issue 32)
    # 源汇区 has no overdue site: no such slide
    assert not any(slide_texts(s).startswith("逾期的建设任务") for s in deck_of(YUANHUI, "源汇区", "district",
                                                                            {YUANHUI}).slides)


def test_the_bulletin_and_the_workbook_list_the_overdue_site_tasks():
    expected = _overdue_from_parquet("F-1502")
    m = meeting(BAOTOU, "包头市", "city")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(bulletin.build_docx(m, "precise_rehab_served", "zh"))).paragraphs]
    heading = next(i for i, p in enumerate(paragraphs) if p.endswith("、逾期的建设任务"))
    body = paragraphs[heading + 1]
    assert body.startswith(f"截至2025年8月31日，以下{len(expected)}个站点的建设任务已过完成时限")
    for name, unit in expected.items():
        assert f"{name}（{unit}）建设任务逾期62天" in body
    # the headings stay numbered in order around the new one
    numbered = [p.split("、")[0] for p in paragraphs if "、" in p[:3]]
    # 九、定点机构滞后事项 (启智, issue 32), 十二、下一步工作要求 (issue 36: 公文 form)
    assert numbered == [*"一二三四五六七八九十", "十一", "十二"]
    assert paragraphs[heading + 2].startswith("九、定点机构滞后事项")
    book = load_workbook(io.BytesIO(workbook.meeting_workbook(m, "precise_rehab_served", "zh")))
    sheet = book["逾期的建设任务"]
    header = [c.value for c in sheet[3]]
    listed = {r[header.index("站点")]: r[header.index("责任单位")] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert listed == expected
    assert {r[header.index("逾期天数")] for r in sheet.iter_rows(min_row=4, values_only=True)} == {62}
    # none in 源汇区: no paragraph
    yuanhui = bulletin.build_docx(meeting(YUANHUI, "源汇区", "district"), "precise_rehab_served", "zh")
    assert "逾期的建设任务" not in "\n".join(p.text for p in docx.Document(io.BytesIO(yuanhui)).paragraphs)
