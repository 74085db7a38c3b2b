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

from .conftest import PROJECT, assert_clean, wait_for_app

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
