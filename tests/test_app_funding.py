"""AppTest of the funding page (资金投入): seed figures read off the page, every figure and chart follows
the district and the year, the downloads carry Chinese headers, and scopes without data say why."""
import io
import json

import openpyxl
from streamlit.testing.v1 import AppTest

from rehabdash import ui

from .apptest_reads import assert_figures, captions, metrics, table_with
from .conftest import open_app_page

PAGE = "app_pages/funding.py"
YUANHUI_2025 = {"city": "漯河市", "district": "源汇区", "year": "2025"}


def open_page(before_page=lambda: None, **query):
    return open_app_page(PAGE, before_page, **query)


def chart_titles(at: AppTest) -> list[str]:
    return [json.loads(e.proto.spec)["layout"]["title"]["text"] for e in at.get("plotly_chart")]


def chart_data(at: AppTest) -> list[str]:
    return [json.dumps(json.loads(e.proto.spec)["data"], sort_keys=True) for e in at.get("plotly_chart")]


def test_baotou_2024_shows_1764_wan_spent():
    at = open_page(year="2024")
    assert not at.exception, at.exception
    assert at.title[0].value == "资金投入"
    assert_figures(at, {"已支出资金": "1764万元", "下达资金": "1802.19万元", "资金执行率": "97.88%"})
    text = captions(at)
    assert "序时进度 100% · ▲ 预警" in text  # the light with its symbol and word
    assert "去年同期（2023年12月31日）支出 1604.8万元" in text
    titles = chart_titles(at)
    assert "包头市2024年康复资金来源与用途（下达资金）" in titles
    assert "包头市各单位2024年资金执行率与序时进度" in titles
    assert "包头市2024年资金执行进度与序时进度" in titles
    progress = table_with(at, "截至日期")
    assert progress["已支出（万元）"].tolist() == [767.2, 1764.0]  # 2024-06-30 and year-end snapshots


def test_yuanhui_2025_budget_supplementary_and_higher_level_funds():
    at = open_page(**YUANHUI_2025)
    assert not at.exception, at.exception
    shown = metrics(at)
    assert shown["年初预算"] == "60万元"
    assert shown["追加预算"] == "20万元"
    assert shown["上级政策资金"] == "138.49万元"
    flows = table_with(at, "资金来源")
    supplementary = flows[flows["资金来源"] == "追加预算"]
    assert supplementary[["用途", "下达资金（万元）"]].values.tolist() == [["残疾儿童康复救助", 20.0]]
    assert flows.groupby("资金来源")["下达资金（万元）"].sum().round(2).to_dict() == {
        "年初预算": 60.0, "追加预算": 20.0, "上级政策资金": 138.49}
    text = captions(at)
    assert "用于：残疾儿童康复救助 20万元" in text
    assert "去年同期（2024年8月31日）：没有当天的数据快照，不作同比" in text
    assert all(m.delta in ("", None) for m in at.metric if m.label in ("下达资金", "已支出资金"))
    assert any("源汇区的资金数据只记录到区县一级" in i.value and "乡镇（街道）" in i.value for i in at.info)


def test_choosing_a_district_changes_every_figure_and_chart():
    at = open_page(year="2024")
    city_figures, city_charts = metrics(at), chart_data(at)
    assert len(city_charts) == 5
    at.selectbox(key="district").select("150204000000").run()  # 青山区
    assert not at.exception
    district_figures = metrics(at)
    assert set(district_figures) == set(city_figures)
    for label, value in city_figures.items():
        assert district_figures[label] != value, label
    district_charts = chart_data(at)
    # The Sankey and the year's execution change; 青山区 has no township funding, so the subunit charts
    # give way to a note that says so.
    assert len(district_charts) == 2
    assert not set(district_charts) & set(city_charts)
    assert all("青山区" in title for title in chart_titles(at))
    assert any("青山区的资金数据只记录到区县一级" in i.value for i in at.info)


def test_choosing_a_year_changes_every_figure_and_chart():
    at = open_page(year="2024")
    before_figures, before_charts = metrics(at), chart_data(at)
    at.selectbox(key="year").select(2025).run()
    assert not at.exception
    after_figures, after_charts = metrics(at), chart_data(at)
    assert set(after_figures) == set(before_figures)
    for label, value in before_figures.items():
        assert after_figures[label] != value, label
    assert len(after_charts) == len(before_charts) == 5
    assert all(a != b for a, b in zip(after_charts, before_charts))
    assert all("2025年" in title for title in chart_titles(at))


def test_spent_view_of_the_sankey():
    at = open_page(**YUANHUI_2025)
    at.segmented_control(key="funding_measure").set_value("spent_yuan").run()
    assert not at.exception
    assert "源汇区2025年康复资金来源与用途（已支出资金）" in " ".join(chart_titles(at))


def test_every_download_has_chinese_headers_and_the_shown_data(monkeypatch, downloads_clicked):
    downloads = {}
    original = ui.widgets.xlsx_bytes

    def recording(frame, sheet):
        downloads[sheet] = (frame, original(frame, sheet))
        return downloads[sheet][1]

    monkeypatch.setattr(ui.widgets, "xlsx_bytes", recording)
    at = open_page(before_page=downloads.clear, year="2024")
    assert not at.exception
    assert set(downloads) == {"资金来源与用途明细", "下达与支出", "人均资金", "执行率", "全年执行进度"}
    for sheet, (frame, content) in downloads.items():
        rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
        assert list(rows[0]) == list(frame.columns)
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in header) for header in rows[0]), sheet
        assert len(rows) == len(frame) + 1
    detail = downloads["资金来源与用途明细"][0]
    assert round(detail["已支出（万元）"].sum(), 2) == 1764.0


def test_a_township_is_told_where_its_funding_is_kept():
    at = open_page(**YUANHUI_2025, township="老街街道")
    assert not at.exception
    assert any("资金数据记录在源汇区（区县）一级" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_english():
    at = open_page(year="2024", lang="English")
    assert not at.exception
    assert at.title[0].value == "Funding"
    assert metrics(at)["Funds spent"] == "1,764 × 10k yuan"
    assert "Rehab funds of 包头市 in 2024: sources to programmes (Funds allocated)" in chart_titles(at)
