"""The 定点机构 page (issue 32) in real Chromium, as a reader sees it: the score trend's dates in
Chinese (the axis said 'Jul 2023 … Nov 2024'), a township's ranking without a raw "None", and the
page in meeting mode on a 1280×720 projector without an error."""
import re

import pytest

from .conftest import assert_clean, wait_for_app

pytestmark = pytest.mark.browser

TREND = "天使家园儿童康复中心历次考核得分"  # the first card of 包头市 2024 (most children)


def open_page(recorded, url: str, width: int = 1400, height: int = 5200, drawn: str = TREND):
    """`url` in a window of that size, once the chart titled `drawn` is drawn; the page and its main part."""
    page = recorded.page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text(drawn).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    return page, main


def test_the_score_trend_reads_in_chinese(app_server, page, screenshots_dir):
    browser_page, main = open_page(page, f"{app_server.url}/institutions?city=包头市&year=2024")
    trend = browser_page.locator('[data-testid="stPlotlyChart"]').filter(has_text=TREND)
    ticks = trend.locator(".xtick text").all_text_contents()  # SVG text has no innerText
    assert ticks and all(re.fullmatch(r"20\d\d年\d{1,2}月", tick) for tick in ticks), ticks
    assert "合格线 60 分" in trend.inner_text()
    assert not re.search(r"\b(Jan|Mar|May|Jul|Sep|Nov) 20\d\d\b", main.inner_text())
    browser_page.screenshot(path=str(screenshots_dir / "institutions-baotou-2024.png"), full_page=True)
    assert_clean(page)


def test_a_township_ranks_without_none(app_server, page, screenshots_dir):
    browser_page, main = open_page(
        page, f"{app_server.url}/institutions?city=包头市&district=青山区&township=富强路街道&year=2024",
        drawn="包头市聆声听力言语康复中心历次考核得分")
    ranking = browser_page.locator('[data-testid="stSelectbox"]').filter(has_text="排序依据")
    shown = ranking.inner_text() + " ".join(box.input_value() for box in ranking.locator("input").all())
    assert "回访率" in shown, shown  # not 救助儿童数: the children are '*' at a township
    # The ranking: the first grid naming the institution (the monthly data's grid, in its closed
    # expander, comes before it); its cells as its accessible table (glide-data-grid) says them.
    grid = browser_page.locator('[data-testid="stDataFrame"]').filter(has_text="包头市聆声听力言语康复中心").first
    grid.locator("td[id^='glide-cell-']").first.wait_for(state="attached", timeout=30_000)
    cells = [text.strip() for text in grid.locator("td[id^='glide-cell-']").all_text_contents()]
    assert "包头市聆声听力言语康复中心" in cells and "None" not in cells, cells
    browser_page.screenshot(path=str(screenshots_dir / "institutions-township.png"), full_page=True)
    assert_clean(page)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_meeting_mode_on_a_projector(app_server, page, screenshots_dir, size):
    width, height = size
    browser_page, main = open_page(page, f"{app_server.url}/institutions?city=包头市&year=2024&meeting=true",
                                   width, height)
    assert browser_page.locator(".st-key-meeting_banner").is_visible()
    assert "页面出错" not in main.inner_text()
    browser_page.screenshot(path=str(screenshots_dir / f"institutions-meeting-{width}x{height}.png"))
    assert_clean(page)
