"""Issue 17: meeting mode as a fixed one-screen layout on a 16:9 projector, in real Chromium."""
import pytest

from .conftest import SECTION_AT_TOP, RecordedPage, assert_clean, wait_for_app

pytestmark = pytest.mark.browser

OVERFLOWING = """() => {
  const boxes = [...document.querySelectorAll(
      '[data-testid="stMetric"], [data-testid="stMetricValue"], [data-testid="stVerticalBlockBorderWrapper"],'
      + '[data-testid="stTable"] td, [data-testid="stTable"] th, .st-key-meeting_banner')];
  return boxes.filter(e => e.scrollWidth > e.clientWidth + 1)
              .map(e => (e.getAttribute('data-testid') || e.className) + ': ' + e.innerText.slice(0, 40));
}"""

# Every part of the banner in its one row (the banner hides what would wrap below it).
BANNER_ON_ONE_LINE = """() => {
  const banner = document.querySelector('.st-key-meeting_banner').getBoundingClientRect();
  return [...document.querySelector('.st-key-meeting_banner').children].every(part => {
    const box = part.getBoundingClientRect();
    return box.top >= banner.top - 1 && box.bottom <= banner.bottom + 1;
  });
}"""

# The map itself, not only its frame, fills the frame (streamlit-folium sizes it in pixels).
MAP_FILLS_ITS_FRAME = """() => {
  const frame = document.querySelector('.st-key-overview_map iframe');
  const map = frame.contentDocument.querySelector('.leaflet-container');
  return map.getBoundingClientRect().height >= frame.getBoundingClientRect().height - 2;
}"""



@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080)])
def test_meeting_mode_is_one_screen_per_section(app_server, browser, screenshots_dir, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = RecordedPage(context.new_page())
    page.page.goto(f"{app_server.url}/?year=2025&meeting=true")
    wait_for_app(page.page)
    page.page.wait_for_selector(".st-key-overview_map iframe", timeout=30_000)
    page.page.wait_for_timeout(1500)  # the type is fitted once the page has settled
    banner = page.page.locator(".st-key-meeting_banner")
    # the scope, shown by its switch, read once (not again beside it)
    text = banner.locator("input").input_value() + " " + banner.inner_text()
    assert text.count("包头市") == 1 and "2025年8月31日" in text and "样例数据" in text
    assert page.page.evaluate(BANNER_ON_ONE_LINE)
    assert banner.get_by_role("button", name="退出会议模式").is_visible()
    assert page.page.evaluate(OVERFLOWING) == []
    values = page.page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert "1182.17万元" in values  # never cut to '1182.17…'

    sections = page.page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-section_"]')]
        .map(s => [...s.classList].find(c => c.startsWith('st-key-section_')))""")
    assert {"st-key-section_lagging_2", "st-key-section_map"} <= set(sections)  # 23 items: two screens
    page.page.keyboard.press("Home")  # the clicker's first key: the first screen
    page.page.wait_for_function(f"() => ({SECTION_AT_TOP})() === '{sections[0]}'", timeout=10_000)
    seen = [page.page.evaluate(SECTION_AT_TOP)]
    for _ in range(len(sections) - 1):
        page.page.keyboard.press("PageDown")
        page.page.wait_for_timeout(350)
        seen.append(page.page.evaluate(SECTION_AT_TOP))
        if seen[-1] == "st-key-section_map":
            page.page.screenshot(path=str(screenshots_dir / f"meeting-map-{width}x{height}.png"))
            frame = page.page.locator(".st-key-overview_map iframe").bounding_box()
            legend = page.page.locator(".st-key-map_legend").bounding_box()
            top = banner.bounding_box()["height"]
            assert frame["y"] >= top - 1 and frame["y"] + frame["height"] <= height + 1
            assert frame["height"] >= (height - top) * 0.8  # the map fills the screen
            # the legend on the screen, beside the map: it hides no part of it (a dense corner)
            assert legend["x"] >= frame["x"] + frame["width"] and legend["x"] + legend["width"] <= width + 1
            assert frame["y"] <= legend["y"] and legend["y"] + legend["height"] <= frame["y"] + frame["height"]
            assert page.page.evaluate(MAP_FILLS_ITS_FRAME)
    assert seen == sections  # PageDown reaches every section, one per screen, in order
    page.page.keyboard.press("ArrowUp")
    page.page.wait_for_timeout(350)
    assert page.page.evaluate(SECTION_AT_TOP) == sections[-2]
    page.page.keyboard.press("Home")
    page.page.wait_for_timeout(350)
    assert page.page.evaluate(SECTION_AT_TOP) == sections[0]
    page.page.screenshot(path=str(screenshots_dir / f"meeting-{width}x{height}.png"))
    assert_clean(page)
    context.close()


def test_scope_switches_inside_the_banner(app_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    page = RecordedPage(context.new_page())
    page.page.goto(f"{app_server.url}/?year=2025&meeting=true")
    wait_for_app(page.page)
    page.page.locator('.st-key-meeting_banner [data-testid="stSelectbox"] input').click()
    page.page.get_by_role("option", name="包头市 / 青山区", exact=True).click()
    page.page.wait_for_function(
        "() => document.querySelector('.st-key-meeting_banner input').value.includes('青山区')", timeout=30_000)
    wait_for_app(page.page)
    assert "district=" in page.page.url and not page.page.locator('[data-testid="stSidebar"]').is_visible()
    assert_clean(page)
    context.close()
