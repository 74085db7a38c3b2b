"""The assistive-devices page in real Chromium: figures, the offline station map, nothing leaves the machine."""
import pytest

from .conftest import assert_clean, metric_values, open_whole_page, wait_for_app

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def open_devices(recorded, url: str):
    page = open_whole_page(recorded, url, 4600)
    page.wait_for_selector(MAP_FRAME, timeout=30_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".device-point").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # let Leaflet finish fitting the bounds
    return page, frame


def open_section(recorded, url: str, size: tuple[int, int], heading: str, drawn: str):
    """The page in a window of `size`, scrolled so the section under `heading` starts at the top, once
    the text `drawn` (a chart's title) is there. The page's main area."""
    browser_page = recorded.page
    browser_page.set_viewport_size({"width": size[0], "height": size[1]})
    browser_page.goto(url)
    wait_for_app(browser_page)
    main = browser_page.locator('[data-testid="stMain"]')
    main.get_by_text(drawn).first.wait_for(timeout=30_000)
    browser_page.get_by_role("heading", name=heading).evaluate("e => e.scrollIntoView({block: 'start'})")
    browser_page.wait_for_timeout(1000)
    return main


def test_baotou_2024_page_and_map(app_server, page, screenshots_dir):
    browser_page, frame = open_devices(page, f"{app_server.url}/devices?year=2024")
    shown = metric_values(browser_page)
    assert shown["辅具适配人数"] == "2017" and shown["辅具适配率"] == "99.8%"
    assert shown["完成年度任务"] == "110.8%" and shown["辅具服务站点"] == "106"
    text = browser_page.locator('[data-testid="stMain"]').inner_text()
    assert "辅具服务站点分布" in text and "社区辅具租赁与共享" in text and "✔ 达标" in text
    # Every point drawn, by shape: 10 squares, 84 circles, 12 triangles; 9 district outlines.
    assert frame.locator(".device-point").count() == 106
    assert frame.locator(".device-point svg rect").count() == 10
    assert frame.locator(".device-point svg circle").count() == 84
    assert frame.locator(".device-point svg polygon").count() == 12
    assert frame.locator("path.leaflet-interactive").count() == 9
    assert "辅具租赁点 (12)" in frame.locator(".leaflet-control-layers").inner_text()
    # The points sit inside the visible map, not off in a corner.
    box = browser_page.locator(MAP_FRAME).bounding_box()
    inside = frame.locator(".device-point").evaluate_all(
        "(els, b) => els.filter(e => { const r = e.getBoundingClientRect();"
        " return r.left >= 0 && r.top >= 0 && r.right <= b.width && r.bottom <= b.height; }).length",
        box)
    assert inside == 106
    assert any(u.endswith("/app/static/vendor/leaflet/leaflet.js") for u in page.requests)
    browser_page.screenshot(path=str(screenshots_dir / "devices-baotou-2024.png"), full_page=True)
    assert_clean(page)


def test_qingshan_pilot_in_the_browser(app_server, page, screenshots_dir):
    browser_page, frame = open_devices(page, f"{app_server.url}/devices?year=2024&district=青山区")
    shown = metric_values(browser_page)
    assert int(shown["借出人次"]) >= 400
    assert "包头市 / 青山区" in browser_page.locator('[data-testid="stMain"]').inner_text()
    assert frame.locator(".device-point").count() == 19
    assert frame.locator(".device-point svg polygon").count() == 12  # the pilot's rental points
    # The district outline and its ten (approximate) township cells.
    assert frame.locator("path.leaflet-interactive").count() == 11
    browser_page.screenshot(path=str(screenshots_dir / "devices-qingshan-2024.png"), full_page=True)
    assert_clean(page)


def test_credit_section_at_1440_by_900(app_server, page, screenshots_dir):
    """信用积分 (issue 32) in a 1440×900 window: the rule, the distribution and late/lost by point, as
    totals; no borrower reference anywhere on the page."""
    import re

    browser_page = page.page
    main = open_section(page, f"{app_server.url}/devices?year=2024&city=包头市", (1440, 900),
                        "借用人信用积分", drawn="借用人信用积分分布")
    text = main.inner_text()
    assert "有借用记录的借用人 109 人" in text and "拒借 5 次" in text and "各站点逾期、丢失与拒借" in text
    assert not re.search(r"JY\d{4}-\d{4}", text)
    browser_page.screenshot(path=str(screenshots_dir / "devices-credit-1440x900.png"))
    assert_clean(page)


def test_lost_devices_beside_overdue_at_1280_by_720(app_server, page, screenshots_dir):
    """逾期未还 no longer counts the lost devices: 丢失 stands beside it (raw Parquet of the newest snapshot,
    tests/test_devices.raw_loans: 包头市's 2025 loans on 2025-08-31, 10 overdue, 4 lost, 96 on loan)."""
    browser_page = page.page
    main = open_section(page, f"{app_server.url}/devices?year=2025&city=包头市", (1280, 720),
                        "社区辅具租赁与共享", drawn="各站点辅具借用人次")
    shown = metric_values(browser_page)
    assert (shown["借出人次"], shown["已归还"], shown["在借"], shown["逾期未还"], shown["丢失"]) == (
        "464", "364", "96", "10", "4")
    browser_page.screenshot(path=str(screenshots_dir / "devices-loans-lost-1280x720.png"))
    main.get_by_text("各类辅具借用人次").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    browser_page.wait_for_timeout(800)
    browser_page.screenshot(path=str(screenshots_dir / "devices-loans-charts-1280x720.png"))
    assert_clean(page)
