"""The overview in real Chromium against `streamlit run`: Chinese figures, URL round trip, offline."""
import pytest

from .conftest import assert_clean, wait_for_app

pytestmark = pytest.mark.browser


def metric_values(page) -> list[str]:
    return page.locator('[data-testid="stMetricValue"]').all_inner_texts()


def test_home_page_shows_chinese_headline_figures(app_server, page, screenshots_dir):
    page.page.goto(f"{app_server.url}/?year=2024")
    wait_for_app(page.page)
    text = page.page.locator('[data-testid="stMain"]').inner_text()
    assert "总览" in text and "精准康复服务人数" in text and "包头市" in text
    assert metric_values(page.page)[:4] == ["6260", "2017", "814", "1764万元"]
    assert "示例数据" in page.page.locator('[data-testid="stSidebar"]').inner_text()
    page.page.screenshot(path=str(screenshots_dir / "overview-baotou-2024.png"), full_page=True)
    assert_clean(page)


def test_district_choice_is_carried_by_the_url(app_server, page, browser, screenshots_dir):
    page.page.goto(f"{app_server.url}/?year=2024")
    wait_for_app(page.page)
    city_values = metric_values(page.page)
    district_box = page.page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has_text="区县")
    # in the middle of the sidebar, as a reader scrolls to it: a box at the window's lower edge is
    # scrolled by the click, and Streamlit closes a dropdown when its box scrolls
    district_box.evaluate("box => box.scrollIntoView({block: 'center'})")
    district_box.locator("input").click()
    page.page.get_by_role("option", name="青山区").click()
    page.page.wait_for_function(
        "() => decodeURIComponent(location.search).includes('district=青山区')", timeout=15_000)
    page.page.wait_for_function(
        "v => document.querySelector('[data-testid=\"stMetricValue\"]').innerText !== v",
        arg=city_values[0], timeout=15_000)
    wait_for_app(page.page)
    district_values = metric_values(page.page)
    assert all(a != b for a, b in zip(city_values[:4], district_values[:4]))
    url = page.page.url
    assert_clean(page)

    # A new browser session opened on the copied link shows the same view.
    other = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
    other.goto(url)
    wait_for_app(other)
    assert metric_values(other)[:4] == district_values[:4]
    assert "包头市 / 青山区" in other.locator('[data-testid="stMain"]').inner_text()
    other.screenshot(path=str(screenshots_dir / "overview-qingshan-2024.png"), full_page=True)
    other.context.close()
