"""Issue 36, items 3 and 4: what is not collected reads "—" and draws no chart; what disclosure
control hides is explained wherever it appears, in the words officials use."""
import io

import docx
import pandas as pd
from openpyxl import load_workbook

from rehabdash.charts import dispatch as dispatch_charts
from rehabdash.export import bulletin, workbook
from rehabdash.topics import dispatch
from rehabdash.topics.child_rehab import Disclosure

from .conftest import open_app_page
from .seed import NEWEST, YUANHUI, runner
from .test_dispatch_meeting import JUNE, LAOJIE, raw
from .test_exports_meeting import slide_texts

ANSHANDAO = "150203008000"  # 鞍山道街道 (昆都仑区): a township with villages (社区) below it


def test_villages_collect_no_service_figures_so_they_read_dash_not_zero():
    villages = raw("regions").query("parent_code == @ANSHANDAO")["region_code"]
    assert len(villages) == 8
    assert not raw("rehab_services")["region_code"].isin(villages).any()  # nothing reported per village
    m = dispatch.gather(runner(NEWEST, ANSHANDAO), NEWEST, 2025, 0.05, "鞍山道街道", "鞍山道街道", "township")
    rates = dispatch.service_rates(m.subunits)
    assert len(rates) == 8 and rates["need"].isna().all() and rates["served"].isna().all()
    shown = dispatch_charts.display(dispatch_charts.services_table(m, "zh"))
    assert set(shown["需求人数"]) == {"—"} and set(shown["服务人数"]) == {"—"}  # before: 0 and 0
    assert dispatch_charts.service_rates(rates, "zh", "鞍山道街道") is None  # before: empty axes −100 % … 500 %


def test_the_township_overview_says_services_are_not_collected_and_draws_no_empty_chart():
    at = open_app_page("app_pages/overview.py", year="2025", city="包头市", district="昆都仑区", township="鞍山道街道")
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "不单独采集精准康复需求和服务人数" in captions
    charts = [c for c in at.get("plotly_chart")]
    assert not any("服务率" in str(c.proto.spec) for c in charts)


# ---- item 4: disclosure control explained outside the child page, in the words officials use -------

LUOHE = "411100000000"
KONGZHONGGUO = "411102102000"  # 空冢郭镇: 1–4 children aided in 2025 (seed), shown '<5'


def township_meeting(code, name):
    """A township of 源汇区 as the pages gather it: its own counts through child_rehab.disclosure."""
    from rehabdash.kernel.scope import Scope
    from rehabdash.topics import child_rehab

    disclosure = child_rehab.disclosure(runner(NEWEST, YUANHUI), Scope(LUOHE, YUANHUI, code), NEWEST, 2025)
    return dispatch.gather(runner(NEWEST, code), NEWEST, 2025, 0.05, name, name, "township",
                           (JUNE, runner(JUNE, code)), disclosure=disclosure)


def children_aided(code) -> int:
    frame = raw("child_rehab")
    frame = frame[(frame["region_code"] == code) & (pd.to_datetime(frame["period"]).dt.year == 2025)
                  & (pd.to_datetime(frame["period"]) <= pd.Timestamp(NEWEST))]
    return int(frame["aided"].sum())


def bulletin_text(m, by="precise_rehab_served") -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(bulletin.build_docx(m, by, "zh"))).paragraphs)


def test_the_bulletin_says_fewer_than_5_and_about_10_never_the_marker():
    assert 1 <= children_aided(KONGZHONGGUO) <= 4
    small = bulletin_text(township_meeting(KONGZHONGGUO, "空冢郭镇"))
    assert "救助残疾儿童不足5人" in small and "<5" not in small  # before: 救助残疾儿童<5
    assert 8 <= children_aided(LAOJIE) <= 12  # rounds to 10
    rounded = bulletin_text(township_meeting(LAOJIE, "老街街道"))
    assert "救助残疾儿童约10人" in rounded


def test_a_district_bulletin_ranked_on_children_explains_the_markers():
    m = dispatch.gather(runner(NEWEST, YUANHUI), NEWEST, 2025, 0.05, "源汇区", "源汇区", "district",
                        disclosure=Disclosure(5, townships=True))
    text = bulletin_text(m, by=dispatch.CHILDREN)
    assert "“<5”表示不足5人，不单列" in text and "“*”为防止由合计反推而隐去" in text


def test_workbooks_write_rounded_counts_as_numbers_and_explain_the_markers():
    m = dispatch.gather(runner(NEWEST, YUANHUI), NEWEST, 2025, 0.05, "源汇区", "源汇区", "district",
                        disclosure=Disclosure(5, townships=True))
    book = load_workbook(io.BytesIO(workbook.meeting_workbook(m, "precise_rehab_served", "zh")))
    sheet = next(s for s in book.worksheets if s["A2"].value.startswith("各下级单位排名"))
    header = [c.value for c in sheet[3]]
    column = header.index("残疾儿童康复救助人数（应救尽救率）")
    cells = {row[1].value: row[column] for row in sheet.iter_rows(min_row=4) if row[1].value in ("老街街道", "空冢郭镇")}
    assert cells["老街街道"].value == 10 and cells["老街街道"].data_type == "n"  # before: the text "10"
    assert cells["空冢郭镇"].value == "<5"
    notes = [c.value for row in sheet.iter_rows(min_row=4) for c in row if isinstance(c.value, str) and c.value.startswith("注：")]
    assert notes and "不足5人" in notes[0] and "“*”" in notes[0]
    own = load_workbook(io.BytesIO(workbook.meeting_workbook(township_meeting(LAOJIE, "老街街道"), "precise_rehab_served", "zh")))
    sheet = own.worksheets[0]
    header = [c.value for c in sheet[3]]
    row = next(r for r in sheet.iter_rows(min_row=4) if r[0].value == "残疾儿童康复救助人数")
    assert row[header.index("完成数")].value == 10 and row[header.index("完成数")].data_type == "n"
    assert any(isinstance(c.value, str) and "约数" in c.value for r in sheet.iter_rows(min_row=4) for c in r)


def test_the_overview_card_explains_the_marker_and_the_star():
    at = open_app_page("app_pages/overview.py", year="2025", city="漯河市", district="源汇区", township="空冢郭镇")
    assert not at.exception
    card = next(m for m in at.metric if m.label == "残疾儿童康复救助人数")
    assert card.value == "<5"
    captions = [c.value for c in at.caption]
    assert "应救尽救率 *" in captions
    assert any("“<5”表示不足5人" in c and "“*”为防止由合计反推而隐去" in c for c in captions)


def test_the_deck_ranking_explains_the_markers():
    from pptx import Presentation

    from rehabdash.export import deck

    m = dispatch.gather(runner(NEWEST, YUANHUI), NEWEST, 2025, 0.05, "源汇区", "源汇区", "district",
                        disclosure=Disclosure(5, townships=True))
    slides = Presentation(io.BytesIO(deck.build_pptx(deck.gather_meeting(m, "precise_rehab_served", "zh",
                                                                         runner(NEWEST, YUANHUI), {YUANHUI})))).slides
    for slide in slides:
        text = slide_texts(slide)
        if "<5" in text:
            assert "不足5人" in text, text[:40]
