"""Meeting mode on a 1280×720 projector and the briefing download, in real Chromium."""
import pytest

from .conftest import assert_clean, wait_for_app

pytestmark = pytest.mark.browser


def test_meeting_mode_fills_a_projector_without_sidebar(app_server, browser, screenshots_dir):
    from .conftest import RecordedPage

    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    page = RecordedPage(context.new_page())
    page.page.goto(f"{app_server.url}/?year=2024&meeting=true")
    wait_for_app(page.page)
    assert not page.page.locator('[data-testid="stSidebar"]').is_visible()
    banner = page.page.locator(".st-key-meeting_banner")
    # issue 30: a closed year is shown at its year-end state, with no date of the next year
    # the scope is shown by the banner's switch (its box's value), the date beside it
    assert banner.is_visible() and "包头市" in banner.locator("input").input_value()
    assert "2024年12月31日" in banner.inner_text()
    assert "2025" not in banner.inner_text()
    # issue 31: the meeting opens with the last meeting's decided items; the headline is the next screen
    page.page.keyboard.press("Home")  # the clicker's first key: the first screen
    page.page.wait_for_function("""() => {
      const top = document.querySelector('.st-key-meeting_banner').getBoundingClientRect().bottom;
      return Math.abs(document.querySelector('.st-key-section_duban_last').getBoundingClientRect().top - top) < 6;
    }""", timeout=10_000)
    page.page.keyboard.press("PageDown")
    page.page.wait_for_timeout(400)
    values = page.page.locator('[data-testid="stMetricValue"]')
    assert values.first.is_visible()
    box = values.first.bounding_box()
    assert banner.bounding_box()["height"] <= box["y"] and box["y"] + box["height"] < 720  # all on that screen
    font_px = float(values.first.evaluate("e => getComputedStyle(e).fontSize").rstrip("px"))
    assert font_px >= 40  # legible from the back of the room
    page.page.screenshot(path=str(screenshots_dir / "meeting-1280x720.png"))
    page.page.get_by_text("年度任务完成情况").scroll_into_view_if_needed()
    page.page.wait_for_timeout(400)
    assert banner.bounding_box()["y"] == 0  # scope and date stay in view while scrolling
    cell = page.page.locator('[data-testid="stTable"] td').first
    assert float(cell.evaluate("e => getComputedStyle(e).fontSize").rstrip("px")) >= 18
    page.page.screenshot(path=str(screenshots_dir / "meeting-1280x720-scrolled.png"))
    assert_clean(page)

    page.page.get_by_role("button", name="退出会议模式").click()
    page.page.wait_for_selector('[data-testid="stSidebar"]', state="visible", timeout=15_000)
    context.close()


def test_briefing_deck_downloads_from_the_page(app_server, page, tmp_path):
    page.page.goto(f"{app_server.url}/?year=2024")
    wait_for_app(page.page)
    page.page.get_by_role("button", name="生成调度会简报（PPT）").click()
    with page.page.expect_download(timeout=60_000) as download:
        page.page.get_by_role("button", name="下载调度会简报（PPT）").click(timeout=60_000)
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    assert target.name.endswith(".pptx") and "包头市" in target.name
    from pptx import Presentation

    texts = [shape.text_frame.text for slide in Presentation(target).slides
             for shape in slide.shapes if shape.has_text_frame]
    assert "包头市康复工作调度会简报" in texts
    assert_clean(page)
