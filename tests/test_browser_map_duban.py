"""The map board's remaining items of issues 31 and 36 (item 7) in real Chromium: each unit or site with
an open decided item carries a 督办 tag whose popup names the item, its unit and deadline; a link with
?map_tasks=overdue opens with 逾期 chosen; the pairing lines are off at city scope; the thematic legend
in the side panel has its swatches; no label runs out of the frame; the dense-area button zooms in.
Screenshots of 包头市 and 源汇区 at 1440×900."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import RecordedPage, assert_clean
from .seed import BAOTOU, NEWEST, YUANHUI
from .test_browser_mapboard import MAP_FRAME, SLOW, map_js, open_map
from .test_map_duban import expected_places

pytestmark = pytest.mark.browser


def board_page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    return context, RecordedPage(context.new_page())


def labels_inside_the_frame(page) -> bool:
    return map_js(page, """() => {
        const f = document.querySelector('.leaflet-container').getBoundingClientRect();
        return Array.from(document.querySelectorAll('.rd-label:not(.rd-hidden) span'))
            .filter(s => getComputedStyle(s.parentElement).display !== 'none')
            .every(s => { const r = s.getBoundingClientRect();
                          return r.left >= f.left && r.right <= f.right && r.top >= f.top && r.bottom <= f.bottom; });
    }""")


def test_baotou_tags_popup_and_overdue_link(app_server, browser, screenshots_dir):
    context, recorded = board_page(browser)
    p = recorded.page
    frame = open_map(p, f"{app_server.url}/map?city=包头市&map_tasks=overdue")
    tags = frame.locator(".rd-duban span")
    expect(tags).to_have_count(len(expected_places(BAOTOU, NEWEST)), timeout=SLOW)
    assert set(tags.all_text_contents()) == {"督办"}
    # ?map_tasks=overdue: 逾期 is chosen
    tasks = p.locator('[class*="st-key-map_tasks"]')
    expect(tasks.get_by_role("radio", checked=True)).to_have_text("逾期")
    # pairing lines are off at city scope; the legend in the side panel names the tag
    assert frame.locator("path.rd-pairing").count() == 0
    expect(p.locator(".st-key-panel_legend")).to_contain_text("督办：有未办结的调度会议定事项")
    assert labels_inside_the_frame(p)
    p.screenshot(path=str(screenshots_dir / "map-duban-baotou-1440x900.png"))
    # 白云鄂博矿区's item (deadline 2024-09-30, open on 2025-08-31: 335 days late), opened from its tag
    frame.locator(".rd-duban:not(.rd-duban-beside) span").first.click()
    popup = frame.locator(".rd-duban-popup")
    expect(popup).to_be_visible(timeout=SLOW)
    text = popup.inner_text()
    assert "督办：" in text and "责任单位：" in text and "完成时限：" in text and "逾期" in text
    p.screenshot(path=str(screenshots_dir / "map-duban-baotou-popup-1440x900.png"))
    # the dense-area button fits the urban core: the map zooms in
    zoom = map_js(p, "() => window.map.getZoom()")
    frame.locator(".rd-zoom-dense a").click()
    p.wait_for_timeout(800)
    assert map_js(p, "() => window.map.getZoom()") > zoom + 1
    assert labels_inside_the_frame(p)
    p.screenshot(path=str(screenshots_dir / "map-duban-baotou-dense-1440x900.png"))
    assert_clean(recorded)
    context.close()


def test_yuanhui_tags_pairings_and_thematic_swatches(app_server, browser, screenshots_dir):
    context, recorded = board_page(browser)
    p = recorded.page
    frame = open_map(p, f"{app_server.url}/map?city=漯河市&district=源汇区&map_theme=乡镇康复站覆盖率")
    expect(frame.locator(".rd-duban span")).to_have_count(len(expected_places(YUANHUI, NEWEST)), timeout=SLOW)
    assert frame.locator("path.rd-pairing").count() > 0  # a district opens with its pairing lines
    swatches = p.locator(".st-key-panel_legend .rd-thematic-legend img")
    assert swatches.count() >= 2 and all(w > 0 for w in swatches.evaluate_all("els => els.map(e => e.naturalWidth)"))
    assert labels_inside_the_frame(p)
    p.screenshot(path=str(screenshots_dir / "map-duban-yuanhui-1440x900.png"))
    assert_clean(recorded)
    context.close()
