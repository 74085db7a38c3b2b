"""The funding page in real Chromium against `streamlit run`: seed figures, the Sankey and the other charts
drawn with their Chinese titles, the year switch in the sidebar, nothing fetched from outside."""
import pytest

from .conftest import assert_clean, choose_in_sidebar, wait_for_app

pytestmark = pytest.mark.browser

CHART_TITLES = (
    "康复资金来源与用途（下达资金）",
    "资金执行进度与序时进度",
)


def metric_values(page) -> list[str]:
    return page.locator('[data-testid="stMetricValue"]').all_inner_texts()


def chart_titles(page) -> str:
    return " ".join(title.text_content() for title in page.locator(".js-plotly-plot .gtitle").all())


def whole_page(page, path):
    """Streamlit scrolls inside its own container, so a tall window is what captures the whole page."""
    page.set_viewport_size({"width": 1400, "height": 3800})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(path), full_page=True)


def test_baotou_2024_funding_page(app_server, page, screenshots_dir):
    page.page.goto(f"{app_server.url}/funding?year=2024")
    wait_for_app(page.page, ".js-plotly-plot .sankey")
    main = page.page.locator('[data-testid="stMain"]').inner_text()
    assert "资金投入" in main and "包头市 · 2024年" in main
    values = metric_values(page.page)
    assert values[:3] == ["1802.19万元", "1764万元", "97.88%"]
    assert "▲ 预警" in main  # the traffic light as symbol and word
    # Four sources flowing to eight programmes, every node labelled with its amount.
    labels = [label.text_content() for label in page.page.locator(".sankey .node-label").all()]
    assert len(labels) == 12
    assert "年初预算 1367.95万元" in labels and "追加预算 103万元" in labels
    titles = chart_titles(page.page)
    assert all(f"包头市2024年{t}" in titles for t in CHART_TITLES)
    assert "包头市各单位2024年资金执行率与序时进度" in titles
    whole_page(page.page, screenshots_dir / "funding-baotou-2024.png")
    assert_clean(page)


def test_yuanhui_2025_sources_and_the_year_switch(app_server, page, screenshots_dir):
    page.page.goto(f"{app_server.url}/funding?city=漯河市&district=源汇区&year=2025")
    wait_for_app(page.page, ".js-plotly-plot .sankey")
    values = metric_values(page.page)
    assert values[4:7] == ["60万元", "20万元", "138.49万元"]
    main = page.page.locator('[data-testid="stMain"]').inner_text()
    assert "用于：残疾儿童康复救助 20万元" in main
    assert "只记录到区县一级" in main
    whole_page(page.page, screenshots_dir / "funding-yuanhui-2025.png")
    page.page.set_viewport_size({"width": 1400, "height": 1000})

    choose_in_sidebar(page.page, "年度", "2024")
    page.page.wait_for_function(
        "() => decodeURIComponent(location.search).includes('year=2024')", timeout=15_000)
    page.page.wait_for_function(
        "v => document.querySelectorAll('[data-testid=\"stMetricValue\"]')[1].innerText !== v",
        arg=values[1], timeout=15_000)
    wait_for_app(page.page, ".js-plotly-plot .sankey")
    after = metric_values(page.page)
    assert all(a != b for a, b in zip(values[:3], after[:3]))
    assert "源汇区2024年康复资金来源与用途" in chart_titles(page.page)
    assert_clean(page)


# Each figure card's value: its text, the lines it takes and its width against the card's.
FIGURE_LINES_JS = """els => els.map(v => {
    const range = document.createRange();
    range.selectNodeContents(v.querySelector('p') || v);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
    return {text: v.innerText, lines, width: range.getBoundingClientRect().width,
            card: v.closest('[data-testid="stMetric"]').getBoundingClientRect().width};
})"""


@pytest.mark.parametrize("width", [1440, 1280])
def test_high_contrast_keeps_each_figure_with_its_unit_on_one_line(app_server, browser, width):
    """Issue 36: high contrast broke "127.74万 / 元" onto two lines (源汇区's funding cards)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{app_server.url}/funding?contrast=true&city=漯河市&district=源汇区")
        wait_for_app(page)
        figures = page.locator('[data-testid="stMetricValue"]').evaluate_all(FIGURE_LINES_JS)
        assert any(f["text"] == "127.74万元" for f in figures), figures
        for figure in figures:
            assert figure["lines"] == 1 and figure["width"] <= figure["card"], figure
    finally:
        context.close()
