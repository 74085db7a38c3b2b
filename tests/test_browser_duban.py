"""Issue 31 in real Chromium: meeting mode opens with how the last meeting's items stand; the chair adds
an item of this meeting from the keyboard while the meeting runs, and the bulletin downloaded next
carries it under 本次议定事项."""
import docx
import pytest

from .conftest import SECTION_AT_TOP, RecordedPage, assert_clean, wait_for_app

pytestmark = pytest.mark.browser

PROBLEM = "问十乡康复站用房改造未开工"


def test_meeting_mode_opens_with_the_last_items_and_takes_a_new_one_from_the_keyboard(
        app_server, browser, screenshots_dir, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN", accept_downloads=True)
    recorded = RecordedPage(context.new_page())
    page = recorded.page
    page.goto(f"{app_server.url}/?year=2025&city=漯河市&district=源汇区&meeting=true")
    wait_for_app(page)
    page.wait_for_timeout(1500)
    page.keyboard.press("Home")
    page.wait_for_function(f"() => ({SECTION_AT_TOP})() === 'st-key-section_duban_last'", timeout=10_000)
    first = page.locator(".st-key-section_duban_last")
    assert "上次调度会议定事项落实情况" in first.inner_text()
    assert "✖ 逾期16天" in first.inner_text() and "馨灿儿童能力发展中心" in first.inner_text()

    form = page.locator(".st-key-section_duban_current")
    form.locator("input[aria-label='问题']").focus()  # the chair's cursor in the form; the rest by keyboard
    page.keyboard.type(PROBLEM)
    page.keyboard.press("Tab")
    page.keyboard.type("区卫健委10月底前完成改造")
    page.keyboard.press("Tab")  # the responsible unit: type to find it, Enter to take it
    page.keyboard.type("区卫生健康")
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("医政股股长")
    page.keyboard.press("Enter")  # Enter in the form records the item
    page.wait_for_function(
        "() => document.querySelector('.st-key-section_duban_current').innerText.includes('议定事项已记录')",
        timeout=30_000)
    current = form.inner_text()
    assert PROBLEM in current and "区卫生健康委员会" in current and "2025年9月30日" in current
    page.screenshot(path=str(screenshots_dir / "duban-meeting-current-1280x720.png"))

    page.get_by_role("button", name="生成工作通报（Word）").click()
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="下载工作通报（Word）").click(timeout=60_000)
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    paragraphs = [p.text for p in docx.Document(target).paragraphs]
    heading = next(i for i, p in enumerate(paragraphs) if p.endswith("、本次议定事项"))
    assert any(PROBLEM in p and "区卫生健康委员会" in p for p in paragraphs[heading:])
    assert any(p.endswith("、上次调度会议定事项落实情况") for p in paragraphs[:heading])
    assert_clean(recorded)
    context.close()
