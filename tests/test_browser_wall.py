"""Issue 36: meeting mode and the wall screen (大屏) at 1280×720 and 1920×1080 in real Chromium: no
section overflows the screen, the overview's map fills its screen (the map itself, not only its frame),
its legend hides no part of it; the wall turns its sections by itself and follows a new snapshot."""
from __future__ import annotations

import pytest

from .conftest import RecordedPage, StreamlitServer, _require_chromium, assert_clean, data_copy, wait_for_app
from .test_replicas import publish_elsewhere

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1920, 1080)]
YUANHUI = "city=%E6%BC%AF%E6%B2%B3%E5%B8%82&district=%E6%BA%90%E6%B1%87%E5%8C%BA"  # 漯河市 / 源汇区

# Every box that may not overflow: the sections, the tiles, the tables; and the page itself.
OVERFLOW = """(selector) => {
  const over = e => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1;
  const page = document.scrollingElement;
  return {
    page: page.scrollWidth > innerWidth + 1 ? ['page ' + page.scrollWidth + ' wide'] : [],
    boxes: [...document.querySelectorAll(selector)].filter(over).map(e =>
      ([...e.classList].find(c => c.startsWith('st-key-')) || e.className.toString().slice(0, 40))
      + ': ' + [e.scrollHeight, e.clientHeight, e.scrollWidth, e.clientWidth].join('/')),
  };
}"""

# A box as [x, y, width, height].
BOX = """(selector) => { const b = document.querySelector(selector).getBoundingClientRect();
  return [b.x, b.y, b.width, b.height]; }"""

# The height of the map drawn in the frame (streamlit-folium sizes it in pixels unless told to fill).
MAP_HEIGHT = """(selector) => {
  const map = document.querySelector(selector).contentDocument.querySelector('.leaflet-container');
  return map ? map.getBoundingClientRect().height : 0;
}"""


def open_at(browser, url: str, size: tuple[int, int], ready: str):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = RecordedPage(context.new_page())
    page.page.goto(url)
    wait_for_app(page.page, ready, timeout=60_000)
    page.page.wait_for_function(
        f"() => {{ const f = document.querySelector('{ready}'); const d = f && f.contentDocument;"
        " return d && d.querySelector('.leaflet-container'); }", timeout=60_000)
    page.page.wait_for_timeout(1500)  # the type is fitted once the page has settled
    return context, page


def overlaps(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@pytest.mark.parametrize("scope", ["", YUANHUI], ids=["包头市", "源汇区"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_meeting_mode_fills_every_screen_and_overflows_none(app_server, browser, screenshots_dir, size, scope):
    width, height = size
    frame_at = ".st-key-overview_map iframe"
    context, page = open_at(browser, f"{app_server.url}/?year=2025&meeting=true&{scope}", size, frame_at)
    sections = page.page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-section_"]')]
        .map(s => [...s.classList].find(c => c.startsWith('st-key-section_')))""")
    for section in sections:  # each screen in turn, as the clicker pages them
        page.page.evaluate(f"() => document.querySelector('.{section}').scrollIntoView({{block: 'start'}})")
        page.page.wait_for_timeout(200)
        found = page.page.evaluate(OVERFLOW, f".{section}, .{section} [data-testid='stTable']")
        assert found == {"page": [], "boxes": []}, section
        top, bottom = page.page.evaluate(f"""() => {{ const b = document.querySelector('.{section}')
            .getBoundingClientRect(); return [b.top, b.bottom]; }}""")
        assert bottom <= height + 1, section  # the screen holds the whole section
    page.page.evaluate("() => document.querySelector('.st-key-section_map').scrollIntoView({block: 'start'})")
    page.page.wait_for_timeout(300)
    name = "yuanhui" if scope else "baotou"
    page.page.screenshot(path=str(screenshots_dir / f"meeting36-map-{name}-{width}x{height}.png"))
    banner = page.page.evaluate(BOX, ".st-key-meeting_banner")[3]
    frame = page.page.evaluate(BOX, frame_at)
    legend = page.page.evaluate(BOX, ".st-key-map_legend")
    assert frame[1] >= banner - 1 and frame[1] + frame[3] <= height + 1
    assert frame[3] >= (height - banner) * 0.8  # the map fills its screen …
    assert page.page.evaluate(MAP_HEIGHT, frame_at) >= frame[3] - 2  # … the map itself, not only its frame
    assert not overlaps(frame, legend)  # the legend hides no corner of the map
    assert legend[0] + legend[2] <= width + 1 and legend[1] + legend[3] <= height + 1  # and stays on the screen
    labels = page.page.frame_locator(frame_at).locator(".rd-label").all_inner_texts()
    assert ("问十乡" if scope else "青山区") in labels  # the units are named on the meeting's map
    assert_clean(page)
    context.close()


@pytest.fixture(scope="module")
def wall_server(tmp_path_factory):
    """The dashboard on a copy of the sample data (the test publishes into it), turning every 5 s."""
    _require_chromium()
    directory = data_copy(tmp_path_factory.mktemp("wall"))
    server = StreamlitServer(env={"REHAB_DATA_DIR": str(directory), "REHAB_WALL_ROTATE_SECONDS": "5"})
    yield server, directory
    server.stop()


WALL_BOXES = ('[class*="st-key-wall_section_"], .st-key-wall_head, .rd-tile, .rd-wall-legend, '
              '[class*="st-key-wall_section_"] [data-testid="stTable"]')


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_wall_fits_its_screen_and_turns_by_itself(wall_server, browser, screenshots_dir, size):
    server, _ = wall_server
    width, height = size
    context, page = open_at(browser, f"{server.url}/?year=2025&wall=true", size, ".st-key-wall_map iframe")
    assert page.page.evaluate(OVERFLOW, WALL_BOXES) == {"page": [], "boxes": []}
    assert page.page.evaluate("() => document.scrollingElement.scrollHeight") <= height
    assert not page.page.locator('[data-testid="stSidebar"]').is_visible()
    # nothing to click: no button, box or link shows (but the keyboard's skip link, off the screen)
    assert page.page.locator("button:visible, input:visible, a:visible:not([data-testid='stSkipToContent'])").count() == 0
    section = page.page.evaluate(BOX, ".st-key-wall_section_1")
    assert section[0] >= 0 and section[1] + section[3] <= height + 1 and section[2] <= width
    frame = page.page.evaluate(BOX, ".st-key-wall_map iframe")
    assert frame[3] >= section[3] * 0.8  # the map fills its place between the tiles …
    assert page.page.evaluate(MAP_HEIGHT, ".st-key-wall_map iframe") >= frame[3] - 2  # … the map itself too
    tiles = page.page.locator(".rd-tile").all()
    assert len(tiles) == 7
    for tile in tiles:  # around the map, left and right of it
        box = tile.bounding_box()
        assert box["x"] + box["width"] <= frame[0] + 1 or box["x"] >= frame[0] + frame[2] - 1
    assert "✔ 达标" in page.page.locator(".rd-tile").first.inner_text()  # the light in words
    lit = page.page.frame_locator(".st-key-wall_map iframe").locator(".rd-label").all_inner_texts()
    assert any("青山区" in label and "%" in label and label.split("青山区")[1].strip()[0] in "✔▲✖" for label in lit)
    count = len(page.page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-wall_section_"]')]"""))
    assert count >= 3
    for k in range(1, count + 1):  # each section in turn, every 5 s, and the step says which
        page.page.wait_for_function(f"() => document.documentElement.getAttribute('data-rd-wall') === '{k}'",
                                    timeout=15_000)
        assert page.page.locator(".rd-wall-step").inner_text() == f"{k} / {count}"
        visible = page.page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-wall_section_"]')]
            .filter(s => getComputedStyle(s).visibility === 'visible').length""")
        assert visible == 1
        page.page.screenshot(path=str(screenshots_dir / f"wall36-{width}x{height}-{k}.png"))
    page.page.wait_for_function("() => document.documentElement.getAttribute('data-rd-wall') === '1'",
                                timeout=15_000)  # and round again
    assert_clean(page)
    context.close()


def test_the_wall_follows_a_newly_published_snapshot(wall_server, browser):
    server, directory = wall_server
    context, page = open_at(browser, f"{server.url}/?year=2025&wall=true&district=%E9%9D%92%E5%B1%B1%E5%8C%BA",
                            (1280, 720), ".st-key-wall_map iframe")
    head = page.page.locator(".st-key-wall_head")
    assert "2025年8月31日" in head.inner_text()
    publish_elsewhere(directory)  # another replica publishes September of 青山区
    page.page.wait_for_function(
        "() => document.querySelector('.st-key-wall_head').innerText.includes('2025年9月30日')", timeout=60_000)
    assert_clean(page)
    context.close()
