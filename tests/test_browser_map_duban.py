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
from .test_browser_mapboard import SLOW, map_js, open_map
from .test_map_duban import expected_places

pytestmark = pytest.mark.browser


def board_page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    return context, RecordedPage(context.new_page())


def labels_inside_the_frame(page) -> bool:
    """Every name label shown, and every 督办 tag whose place is in view (40 px from the edge, where a
    tag fits beside it), lies wholly inside the map's frame."""
    return map_js(page, """() => {
        const f = document.querySelector('.leaflet-container').getBoundingClientRect();
        const within = (r, m) => r.left >= f.left + m && r.right <= f.right - m && r.top >= f.top + m
                                 && r.bottom <= f.bottom - m;
        const labels = Array.from(document.querySelectorAll('.rd-label:not(.rd-hidden) span'))
            .filter(s => getComputedStyle(s.parentElement).display !== 'none');
        const tags = Array.from(document.querySelectorAll('.rd-duban:not(.rd-duban-folded)'))
            .filter(t => within(t.getBoundingClientRect(), 40)).map(t => t.firstElementChild);
        return labels.concat(tags).every(s => within(s.getBoundingClientRect(), 0));
    }""")


def test_baotou_tags_popup_and_overdue_link(app_server, browser, screenshots_dir):
    context, recorded = board_page(browser)
    p = recorded.page
    frame = open_map(p, f"{app_server.url}/map?city=包头市&map_tasks=overdue")
    tags = frame.locator(".rd-duban span")
    expect(tags).to_have_count(len(expected_places(BAOTOU, NEWEST)), timeout=SLOW)
    assert all(t.startswith("督办") for t in tags.all_text_contents())
    # ?map_tasks=overdue: 逾期 is chosen
    tasks = p.locator('[class*="st-key-map_tasks"]')
    expect(tasks.get_by_role("radio", checked=True)).to_have_text("逾期")
    # pairing lines are off at city scope; the legend in the side panel names the tag
    assert frame.locator("path.rd-pairing").count() == 0
    expect(p.locator(".st-key-panel_legend")).to_contain_text("督办：有未办结的调度会议定事项")
    assert labels_inside_the_frame(p)
    p.screenshot(path=str(screenshots_dir / "map-duban-baotou-1440x900.png"))
    # 白云鄂博矿区's item (deadline 2024-09-30, open on 2025-08-31: 335 days late), opened from its tag
    frame.locator(".rd-duban:not(.rd-duban-beside):not(.rd-duban-grouped):not(.rd-duban-folded) span").first.click()
    popup = frame.locator(".rd-duban-popup")
    expect(popup).to_be_visible(timeout=SLOW)
    text = popup.inner_text()
    assert "督办：白云鄂博矿区" in text and "责任单位：白云鄂博矿区残联" in text and "完成时限：2024年9月30日" in text
    assert "逾期335天" in text
    p.screenshot(path=str(screenshots_dir / "map-duban-baotou-popup-1440x900.png"))
    frame.locator(".leaflet-popup-close-button").click()
    # in the urban core the tags that would cover one another are one tag counting their items; a click
    # on it zooms in, where they stand apart
    group = frame.locator(".rd-duban-grouped span")
    expect(group).to_have_count(1)
    folded = frame.locator(".rd-duban-folded").count()
    items = sum(int(n) for n in frame.locator(".rd-duban span").evaluate_all(
        "els => els.filter(e => e.closest('.rd-duban-folded, .rd-duban-grouped')).map(e => e.dataset.items)"))
    assert group.get_attribute("title") == f"督办：{folded + 1}处共{items}项未办结的议定事项（点击放大查看）"
    zoom = map_js(p, "() => window.map.getZoom()")
    group.click()
    p.wait_for_timeout(800)
    assert map_js(p, "() => window.map.getZoom()") > zoom
    assert frame.locator(".rd-duban-folded").count() < folded
    expect(popup).to_have_count(0)  # the click zoomed; it opened no one tag's popup
    assert labels_inside_the_frame(p)
    # from the whole city, the dense-area button fits the urban core: the map zooms in
    frame.get_by_role("button", name="恢复全图").click()
    p.wait_for_timeout(800)
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
