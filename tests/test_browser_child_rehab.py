"""The child rehab page in real Chromium against `streamlit run`: seed figures, charts, township care, download."""
from urllib.parse import quote

import pytest

from .conftest import assert_clean, wait_for_app

pytestmark = pytest.mark.browser

ZHAOTAN = f"year=2024&district={quote('昆都仑区')}&township={quote('沼潭街道')}"


def open_children(page, server, query: str):
    page.page.goto(f"{server.url}/children?{query}")
    wait_for_app(page.page, '[data-testid="stMetricValue"]')
    # Charts drawn: bars with their labels (a bar of 0, or of a hidden count, has no width to be "visible").
    page.page.wait_for_selector(".js-plotly-plot .bars text", state="attached", timeout=30_000)
    return page.page.locator('[data-testid="stMain"]')


def svg_texts(main, selector: str) -> list[str]:
    """Text of SVG elements (innerText is not defined for them)."""
    return main.locator(selector).evaluate_all("elements => elements.map(e => e.textContent)")


def full_screenshot(page, path, height: int):
    """The whole page: Streamlit scrolls inside its main block, so make the window as tall as the page."""
    page.set_viewport_size({"width": 1400, "height": height})
    page.wait_for_timeout(1500)  # plotly charts resize to the new window
    page.screenshot(path=str(path))


def test_baotou_2024_is_drawn_with_its_figures(app_server, page, screenshots_dir):
    main = open_children(page, app_server, "year=2024")
    values = main.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert values == ["814", "814", "100%", "1460万元", "1.79万元", "67"]
    text = main.inner_text()
    assert "残疾儿童康复救助" in text and "包头市 · 2024年" in text
    for heading in ("逐月累计救助人数", "按残疾类别", "按年龄段", "定点康复机构承担情况"):
        assert heading in text
    assert "小数字保护" not in text
    # Four charts: month by month (two lines), disability type, age band, institutions (public/private).
    assert main.locator(".js-plotly-plot").count() == 4
    assert main.locator(".js-plotly-plot .scatterlayer .trace").count() == 2
    legend = svg_texts(main, ".js-plotly-plot .legendtext")
    assert {"2024年", "2023年", "公办", "民办"} <= set(legend)
    assert "儿童康复救助" in page.page.locator('[data-testid="stSidebarNav"]').inner_text()
    full_screenshot(page.page, screenshots_dir / "children-baotou-2024.png", 3000)
    assert_clean(page)


def test_township_view_shows_small_numbers_as_less_than_five(app_server, page, screenshots_dir, tmp_path):
    """沼潭街道 2024 (26 children aided, 1 given early intervention in the seed data) under the township
    rule of the README: 26 shows as 25, 1 as '<5'; rates and money '*'; no breakdown, no download."""
    page.page.goto(f"{app_server.url}/children?{ZHAOTAN}")
    wait_for_app(page.page, '[data-testid="stMetricValue"]')
    main = page.page.locator('[data-testid="stMain"]')
    text = main.inner_text()
    assert "包头市 / 昆都仑区 / 沼潭街道" in text and "小数字保护" in text
    assert "乡镇（街道）一级不逐月展示" in text and "不按残疾类别、年龄段或定点机构" in text
    assert main.locator('[data-testid="stMetricValue"]').all_inner_texts() == ["25", "25", "*", "*", "*", "<5"]
    assert main.locator(".js-plotly-plot").count() == 0
    assert main.get_by_role("button", name="下载表格（Excel）").count() == 0

    full_screenshot(page.page, screenshots_dir / "children-zhaotan-2024.png", 2600)
    assert_clean(page)
