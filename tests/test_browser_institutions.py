"""The 定点机构 page (issue 32) in real Chromium, as a reader sees it: the score trend's dates in
Chinese (the axis said 'Jul 2023 … Nov 2024'), a township's ranking without a raw "None", the
page in meeting mode on a 1280×720 projector without an error, and long names read whole in the tables."""
import io
import re

import pytest
from PIL import Image

from .conftest import assert_clean, wait_for_app
from .gridclick import _separators

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


# Long names, each in a grid named by its header (the ranking and the year's assessments).
LONG_NAMES = {
    "名次": ("包头稀土高新技术产业开发区", "土默特右旗残疾儿童康复中心", "包头市聆声听力言语康复中心"),
    "考核类型": ("包头稀土高新技术产业开发区", "土默特右旗", "土默特右旗残疾儿童康复中心", "不定期抽查"),
    "成员机构": ("阳光星雨儿童康复中心、天使家园儿童康复中心",),
}

# The width the browser lays `text` out in, in the grid's type (0.875 rem of the app's font: Streamlit's
# fontSizes.sm) and its cells' padding (0.5 rem each side: spacing.sm), measured apart from the grid.
TEXT_NEEDS = """([text, grid]) => {
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
  const span = document.createElement('span');
  span.textContent = text;
  span.style.cssText = `position:absolute;white-space:nowrap;font-size:${0.875 * rem}px;`
    + `font-family:${getComputedStyle(grid).fontFamily}`;
  document.body.appendChild(span);
  const width = span.getBoundingClientRect().width;
  span.remove();
  return width + rem;
}"""


def cut_names(page, grid, names) -> dict[str, tuple[float, float]]:
    """Each of `names` whose cell in `grid` is narrower than its text: name → (needs, column width), in
    CSS pixels. A cell's column comes from the grid's accessible table (glide-cell-<column>-<row>), the
    column's edges from the separator lines drawn on its canvas (tests.gridclick)."""
    grid.locator("td[id^='glide-cell-']").first.wait_for(state="attached", timeout=30_000)
    cells = dict(zip((t.strip() for t in grid.locator("td[id^='glide-cell-']").all_text_contents()),
                     grid.locator("td[id^='glide-cell-']").evaluate_all("els => els.map(e => e.id)")))
    canvas = grid.locator("canvas").first
    canvas.scroll_into_view_if_needed()
    image = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    scale = image.width / canvas.bounding_box()["width"]
    rows = min(int(grid.locator("table[role='grid']").get_attribute("aria-rowcount") or 2) - 1, 8)
    edges = [0, *_separators(image, max(rows, 1)), image.width]
    cut = {}
    for name in names:
        assert name in cells, f"no cell {name!r}"
        column = int(cells[name].split("-")[2])
        width = (edges[column + 1] - edges[column]) / scale
        needs = page.evaluate(TEXT_NEEDS, [name, grid.element_handle()])
        if needs > width + 1:
            cut[name] = (round(needs), round(width))
    return cut


@pytest.mark.parametrize("width", [1280, 1920])
def test_long_names_are_read_whole(app_server, page, screenshots_dir, width):
    browser_page, main = open_page(page, f"{app_server.url}/institutions?city=包头市&year=2024", width)
    cut = {}
    for header, names in LONG_NAMES.items():
        grid = browser_page.locator('[data-testid="stDataFrame"]').filter(has_text=header).last
        cut |= cut_names(browser_page, grid, names)
    browser_page.screenshot(path=str(screenshots_dir / f"institutions-names-{width}.png"), full_page=True)
    assert cut == {}, cut  # name: (pixels it needs, its column's pixels)
    assert_clean(page)
