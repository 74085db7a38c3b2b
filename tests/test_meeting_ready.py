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


# ---- the 工作通报 in 公文 form (GB/T 9704-2012) ----------------------------------------------------

def test_the_bulletin_is_a_gongwen_with_masthead_number_next_steps_and_signature(tmp_path, monkeypatch):
    import subprocess

    from .conftest import require_tool

    monkeypatch.setenv("REHAB_ISSUER", "包头市残疾人联合会")
    monkeypatch.setenv("REHAB_DOC_NUMBER_PREFIX", "包残联通")
    m = dispatch.gather(runner(NEWEST, YUANHUI), NEWEST, 2025, 0.05, "源汇区", "源汇区", "district",
                        (JUNE, runner(JUNE, YUANHUI)), disclosure=Disclosure(5, townships=True))
    data = bulletin.build_docx(m, "precise_rehab_served", "zh")
    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "包头市残疾人联合会文件"
    assert document.paragraphs[0].runs[0].font.color.rgb is not None  # the red 版头
    assert paragraphs[1].startswith("包残联通〔2025〕") and paragraphs[1].endswith("号")
    assert "各乡镇（街道）残联，区残联各部门：" in paragraphs  # 主送
    steps = next(i for i, p in enumerate(paragraphs) if p.endswith("、下一步工作要求"))
    # from the lagging items: 源汇区's own funds (58.46 %, red) and children (amber), both 本级
    assert any(p.startswith("（一）加快残疾儿童康复救助人数进度。源汇区本级") for p in paragraphs[steps:])
    assert any(p.startswith("（二）加快资金执行率进度。源汇区本级") for p in paragraphs[steps:])
    body = document.paragraphs[steps + 1]
    rfonts = body.runs[0]._element.rPr.rFonts
    assert rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "楷体_GB2312"
    signature = paragraphs.index("附件：各单位排名表")
    assert paragraphs[signature + 2:signature + 4] == ["包头市残疾人联合会", "2025年8月31日"]  # 落款
    assert len(document.tables) == 1 and paragraphs.index("附件") > signature  # the table as 附件
    require_tool("soffice")
    require_tool("pdftotext")
    target = tmp_path / "通报.docx"
    target.write_bytes(data)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(target)],
                   check=True, capture_output=True, timeout=180)
    pdf = subprocess.run(["pdftotext", str(tmp_path / "通报.pdf"), "-"], capture_output=True, text=True,
                         check=True).stdout
    first = pdf.split("\f")[0]
    assert "包头市残疾人联合会文件" in first and "包残联通〔2025〕" in first
    assert "下一步工作要求" in pdf and "附件" in pdf


def test_without_settings_the_bulletin_is_issued_by_the_scope_federation(monkeypatch):
    monkeypatch.delenv("REHAB_ISSUER", raising=False)
    monkeypatch.delenv("REHAB_DOC_NUMBER_PREFIX", raising=False)
    m = dispatch.gather(runner(NEWEST, YUANHUI), NEWEST, 2025, 0.05, "源汇区", "源汇区", "district")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(bulletin.build_docx(m, "precise_rehab_served", "zh"))).paragraphs]
    assert paragraphs[0] == "源汇区残疾人联合会文件" and paragraphs[1] == ""
    assert "源汇区残疾人联合会" in paragraphs[paragraphs.index("附件：各单位排名表"):]
