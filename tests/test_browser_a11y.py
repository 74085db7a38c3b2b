"""Accessibility in real Chromium: axe-core on every page in both themes, and the map from the keyboard.

axe-core is served by the app itself (static/vendor/axe-core, pinned in rehabdash/assets.py), so the
audit runs offline. Serious and critical violations fail, except those on the allowlist of
docs/accessibility.md (Streamlit's or Leaflet's own markup), which this test reads.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from rehabdash.access import pages
from rehabdash.kernel import i18n
from rehabdash.maps import assets

from .conftest import PROJECT, StreamlitServer, assert_clean, wait_for_app

pytestmark = pytest.mark.browser

SLOW = 120_000  # the suite runs several servers and browsers on one machine
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
METRIC = '[data-testid="stMetricValue"]'
UPLOADER = '[data-testid="stFileUploader"]'
READY = {"map": MAP_FRAME, "upload": UPLOADER, "snapshots": '[data-testid="stDataFrame"]', "boundaries": UPLOADER,
         "departments": '[data-testid="stTable"]'}
PAGES = {  # url path -> what is on the page once it has drawn (METRIC on a topic page); the default page
    # lives at "/"; setup only on an empty data directory
    ("" if p is pages.TOPIC_PAGES[0] else p.url_path): READY.get(p.url_path, METRIC)
    for p in pages.PAGES if p.url_path != pages.SETUP
}
THEMES = {"default": "", "contrast": "contrast=true"}
FAILING_IMPACTS = ("serious", "critical")


def allowlist() -> list[dict]:
    """The (rule, selector) rows of the table between the axe-allowlist markers."""
    text = (PROJECT / "docs" / "accessibility.md").read_text(encoding="utf-8")
    table = text.split("<!-- axe-allowlist -->")[1].split("<!-- /axe-allowlist -->")[0]
    rows = re.findall(r"^\| *([a-z0-9-]+) *\| *`([^`]+)` *\| *(.+?) *\|$", table, re.MULTILINE)
    return [{"rule": rule, "selector": selector} for rule, selector, _reason in rows]


# In one frame: run axe, keep serious/critical violations, drop nodes inside an allowlisted element.
AUDIT_JS = """async ({impacts, allowed}) => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    const found = [];
    for (const v of result.violations.filter(v => impacts.includes(v.impact))) {
        for (const node of v.nodes) {
            const el = document.querySelector(node.target[node.target.length - 1]);
            const ok = el && allowed.some(a => a.rule === v.id && el.closest(a.selector));
            if (!ok) found.push({rule: v.id, impact: v.impact, target: node.target.join(" "),
                                 html: node.html.slice(0, 200), why: node.failureSummary});
        }
    }
    return found;
}"""


def audit(page, base_url: str) -> list[dict]:
    """axe-core in the page and in each of its frames (the maps are iframes); what is not allowed."""
    axe_url = f"{base_url}/app/static/vendor/axe-core/axe.min.js"
    found = []
    for frame in page.frames:
        frame.add_script_tag(url=axe_url)
        for violation in frame.evaluate(AUDIT_JS, {"impacts": list(FAILING_IMPACTS), "allowed": allowlist()}):
            found.append({"frame": frame.url, **violation})
    return found


@pytest.fixture(scope="module", autouse=True)
def _axe_installed():
    if not assets.is_installed("axe-core"):
        pytest.fail("axe-core missing from static/vendor: run python -m rehabdash.maps.assets")


def test_allowlist_is_read():
    rows = allowlist()
    assert rows and all(r["rule"] and r["selector"] for r in rows)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_violations(app_server, page, path, theme):
    page.page.goto(f"{app_server.url}/{path}?{THEMES[theme]}")
    wait_for_app(page.page, PAGES[path], timeout=SLOW)
    if path == "map":  # Leaflet draws its markers after the frame has loaded
        page.page.frame_locator(MAP_FRAME).locator(".leaflet-interactive").first.wait_for(timeout=SLOW)
    if theme == "contrast":
        expect(page.page.locator("html")).to_have_css("font-size", "19px")
    # A dialog (e.g. Streamlit's "Page not found") would hide the page from axe.
    expect(page.page.get_by_role("dialog")).to_have_count(0)
    violations = audit(page.page, app_server.url)
    assert violations == [], "\n".join(f"{v['rule']} ({v['impact']}) {v['target']}\n  {v['html']}\n  {v['why']}"
                                       for v in violations)
    assert_clean(page)


def test_audit_catches_a_violation_in_our_markup(app_server, page):
    """The audit can fail: grey-on-white text we add ourselves is reported, allowlist or not."""
    page.page.goto(app_server.url)
    wait_for_app(page.page, METRIC, timeout=SLOW)
    page.page.evaluate("""() => {
        const p = document.createElement("p");
        p.id = "faint"; p.textContent = "浅灰色的字"; p.style.color = "#bbbbbb";
        document.querySelector('[data-testid="stMainBlockContainer"]').prepend(p);
    }""")
    violations = audit(page.page, app_server.url)
    assert [v["rule"] for v in violations if "#faint" in v["target"]] == ["color-contrast"], violations


def test_keyboard_alone_opens_a_facility_card(app_server, page, screenshots_dir):
    """Tab to the facility list beside the map, arrow down to a facility, Enter: its card opens.
    No mouse event at all; the focused list shows a visible outline."""
    p = page.page
    p.goto(f"{app_server.url}/map?city=漯河市&district=源汇区&contrast=true")
    wait_for_app(p, MAP_FRAME, timeout=SLOW)
    pick_label = i18n.text("zh", "map.pick")
    pick = p.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(has_text=pick_label)
    pick_input = pick.locator("input")
    # Tab passes the sidebar, the toggles and every shape on the map (about 50 in 源汇区) first.
    for _ in range(150):
        p.keyboard.press("Tab")
        if pick_input.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail(f"Tab never reached the list {pick_label}")
    # high contrast: a 4 px black outline (3 px blue in the default theme)
    expect(pick_input.locator("xpath=..")).to_have_css("outline", "rgb(0, 0, 0) solid 4px")
    p.screenshot(path=str(screenshots_dir / "a11y-map-keyboard-focus.png"))

    p.keyboard.press("ArrowDown")  # opens the list on its first facility
    first = p.get_by_role("option").first
    expect(first).to_be_visible()
    p.keyboard.press("ArrowDown")
    chosen = p.get_by_role("option").nth(1).inner_text()
    p.keyboard.press("Enter")
    card = p.locator('[class*="st-key-facility_card"]')
    expect(card).to_be_visible(timeout=SLOW)
    expect(card.locator("h4")).to_contain_text(chosen)
    assert "map_facility=" in p.url
    p.screenshot(path=str(screenshots_dir / "a11y-map-keyboard-card.png"), full_page=True)
    assert_clean(page)


@pytest.mark.parametrize("query", ["contrast=true", "contrast=true&meeting=true"])
def test_screenshots_in_high_contrast(app_server, page, screenshots_dir, query):
    """High contrast alone and with meeting mode, for a person to look at."""
    p = page.page
    p.goto(f"{app_server.url}/funding?{query}")
    wait_for_app(p, METRIC, timeout=SLOW)
    expect(p.locator("html")).to_have_css("font-size", "21px" if "meeting" in query else "19px")
    caption = p.locator('[data-testid="stCaptionContainer"] p').first
    expect(caption).to_have_css("color", "rgb(0, 0, 0)")
    cut_short = p.locator('[data-testid="stMetricValue"] *').evaluate_all(
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)")
    assert cut_short == [], "the larger type truncates these figures"
    name = "a11y-funding-contrast" + ("-meeting" if "meeting" in query else "")
    p.screenshot(path=str(screenshots_dir / f"{name}.png"), full_page=True)
    assert_clean(page)


# ------------------------------------------------------------------ chart text against its ground
# WCAG 2.x contrast, written out here (not the app's): relative luminance of sRGB, (L1 + 0.05) / (L2 + 0.05).
def luminance(rgb: tuple[float, ...]) -> float:
    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def rgb(css: str) -> tuple[float, ...]:
    return tuple(float(n) for n in re.findall(r"[\d.]+", css))


# Every text a chart draws on its own ground (labels inside bars lie on the bar, and plotly picks their
# colour against it), with the colour it is drawn in and its ground: the chart's paper where it has
# one, else the page's; a hover label's own box.
CHART_TEXTS = """() => {
  const opaque = c => c && !/^rgba\\(.*, 0\\)$/.test(c) && c !== 'transparent';
  const page = getComputedStyle(document.querySelector('.stApp')).backgroundColor;
  const found = [];
  document.querySelectorAll('.js-plotly-plot').forEach(plot => {
    const paper = getComputedStyle(plot.querySelector('.svg-container > .main-svg')).backgroundColor;
    plot.querySelectorAll('text').forEach(text => {
      if (text.closest('.bartext-inside') || text.classList.contains('bartext-inside') || !text.textContent.trim()) return;
      const hover = text.closest('.hovertext');
      const ground = hover ? getComputedStyle(hover.querySelector('path')).fill : (opaque(paper) ? paper : page);
      found.push({text: text.textContent.slice(0, 30), fill: getComputedStyle(text).fill, ground,
                  hover: !!hover, where: text.getAttribute('class') || text.parentNode.getAttribute('class')});
    });
  });
  return found;
}"""
# The plot's grid lines against its paper or the page.
GRID_LINES = """() => [...document.querySelectorAll('.js-plotly-plot :is(.xgrid, .ygrid)')].map(line => {
  const paper = getComputedStyle(line.closest('.js-plotly-plot').querySelector('.svg-container > .main-svg')).backgroundColor;
  return [getComputedStyle(line).stroke, paper];
})"""


@pytest.fixture(scope="module")
def dark_server():
    """The dashboard in Streamlit's dark theme (config theme.base; the app pins light, a deployment may not)."""
    server = StreamlitServer(env={"STREAMLIT_THEME_BASE": "dark"})
    yield server
    server.stop()


def chart_contrasts(p) -> list[tuple[float, dict]]:
    """Each chart text's contrast with its ground, lowest first, a hover label's included."""
    wait_for_app(p, ".js-plotly-plot .sankey", timeout=SLOW)
    p.locator(".js-plotly-plot").nth(3).wait_for(timeout=SLOW)  # the Sankey, two bar charts, the rates
    p.wait_for_timeout(1000)  # the last chart's text is laid out
    bar = p.locator(".js-plotly-plot").nth(1).locator(".point path").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()  # plotly's drag layer lies over the bars: the mouse goes to the bar's middle
    p.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    p.locator(".hoverlayer .hovertext").first.wait_for(timeout=SLOW)
    texts = p.evaluate(CHART_TEXTS)
    assert len(texts) > 60 and any(t["hover"] for t in texts), texts
    return sorted(((contrast_ratio(rgb(t["fill"]), rgb(t["ground"])), t) for t in texts), key=lambda pair: pair[0])


@pytest.mark.parametrize("theme,floor", [("light", 4.5), ("contrast", 7.0), ("dark", 4.5)])
def test_chart_text_reads_against_its_ground(app_server, dark_server, page, screenshots_dir, theme, floor):
    """Chart text, axes, legends, value labels, annotations and hover labels follow the theme: AA (4.5:1)
    in the light and the dark theme, AAA (7:1) with black grid lines of 4.5:1 in high contrast."""
    server = dark_server if theme == "dark" else app_server
    p = page.page
    p.set_viewport_size({"width": 1400, "height": 3200})
    p.goto(f"{server.url}/funding?year=2024" + ("&contrast=true" if theme == "contrast" else ""))
    contrasts = chart_contrasts(p)
    low = [(round(ratio, 2), t) for ratio, t in contrasts if ratio < floor]
    assert low == [], low[:5]
    if theme == "contrast":
        grid = [contrast_ratio(rgb(stroke), rgb(paper)) for stroke, paper in p.evaluate(GRID_LINES)]
        assert grid and min(grid) >= 4.5, min(grid)
    p.screenshot(path=str(screenshots_dir / f"a11y-funding-charts-{theme}.png"), full_page=True)
    assert_clean(page)
