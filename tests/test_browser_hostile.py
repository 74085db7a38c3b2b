"""Hostile names in real Chromium: every page and every facility card of their district, the map
tooltips opened, the marker names read. No script runs (the payloads would set window.__pwned), no
request leaves 127.0.0.1 (the Markdown image would fetch from 198.51.100.7), names read literally."""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from rehabdash.access import pages

from .conftest import StreamlitServer, assert_clean, wait_for_app
from .hostile import PAYLOADS, publish_hostile

pytestmark = pytest.mark.browser

SLOW = 60_000
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
CARD = '[class*="st-key-facility_card"]'
DISTRICT = "city=包头市&district=青山区&year=2025"
PAGES = ["/" if p is pages.TOPIC_PAGES[0] else f"/{p.url_path}" for p in pages.PAGES if p.url_path != pages.SETUP]

PWNED = "() => window.__pwned === undefined ? null : window.__pwned"
# Open every tooltip of the map (GeoJson layers bind theirs on the group) and fire a click on every
# marker, as hovering and clicking would; return the tooltips' text and the markers' names.
OPEN_TOOLTIPS = """() => {
  const map = window.map, tips = [];
  for (const layer of Object.values(map._layers)) {
    const centre = layer.getLatLng ? layer.getLatLng() : (layer.getBounds ? layer.getBounds().getCenter() : null);
    if (!centre) continue;
    const owners = [layer].concat(Object.values(layer._eventParents || {}));
    const owner = owners.find(o => o.getTooltip && o.getTooltip());
    if (owner) {
      owner.getTooltip()._source = layer;  // a GeoJson group's one tooltip, on this feature
      owner.openTooltip(centre);
      const element = owner.getTooltip().getElement();
      if (element) tips.push(element.innerText);
    }
    if (layer._icon) layer.fire('click', {latlng: centre}, true);
  }
  const names = Array.from(document.querySelectorAll('[aria-label]')).map(e => e.getAttribute('aria-label'));
  return {tips, names};
}"""


def plain(text: str) -> str:
    """Text as compared: whitespace runs as one space (the page wraps long names)."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    from .conftest import _require_chromium

    _require_chromium()
    published = publish_hostile(tmp_path_factory.mktemp("hostile"))
    server = StreamlitServer(env={"REHAB_DATA_DIR": str(published.directory), "REHAB_SUPPRESS_BELOW": "5"})
    yield server, published
    server.stop()


def no_script_ran(p) -> None:
    for frame in p.frames:
        try:
            flag = frame.evaluate(PWNED)
        except Exception:  # noqa: BLE001 - a frame that went away while we asked
            continue
        assert flag is None, f"payload ran in {frame.url}: window.__pwned = {flag}"


def open_page(p, url: str) -> None:
    p.goto(url)
    wait_for_app(p, ready_selector='[data-testid="stMain"] h1', timeout=SLOW)


def map_frame(p):
    """The map's iframe once Leaflet has drawn the layers."""
    frame = p.wait_for_selector(MAP_FRAME, timeout=SLOW).content_frame()
    frame.wait_for_function("() => window.map && Object.keys(window.map._layers).length > 10", timeout=SLOW)
    return frame


def visible_text(p) -> str:
    return plain(p.locator('[data-testid="stMain"]').inner_text())


def test_every_page_runs_no_script_loads_nothing_and_shows_names_literally(hostile_server, page, screenshots_dir):
    server, published = hostile_server
    p = page.page
    townships = published.names["regions"]
    scopes = [DISTRICT, f"{DISTRICT}&township={quote(townships[0])}", f"{DISTRICT}&township={quote(townships[3])}",
              "city=包头市&year=2025"]
    for scope in scopes:
        for path in PAGES:
            open_page(p, f"{server.url}{path}?{scope}")
            if path in ("/map", "/devices"):
                p.wait_for_selector(MAP_FRAME, timeout=SLOW)
                p.wait_for_timeout(1500)
            no_script_ran(p)
            assert p.locator('[data-testid="stException"]').count() == 0, (path, scope)
    open_page(p, f"{server.url}/?{DISTRICT}")
    # the ranking is a grid drawn on a canvas (it drills down): its cells' text is in the grid's
    # accessible table, as text (a name read as markup would lose its tags there)
    p.locator('.st-key-section_ranking [data-testid="stDataFrame"] td').first.wait_for(state="attached", timeout=SLOW)
    cells = p.locator('.st-key-section_ranking [data-testid="stDataFrame"] td').evaluate_all(
        "els => els.map(e => e.textContent)")
    text = visible_text(p) + " " + plain(" ".join(cells))
    for name in townships:  # the ranking names the townships, literally
        assert plain(name) in text, name
    p.screenshot(path=str(screenshots_dir / "hostile-overview.png"), full_page=True)
    assert_clean(page)


def test_every_facility_card_and_tooltip_shows_the_names_literally(hostile_server, page, screenshots_dir):
    server, published = hostile_server
    p = page.page
    for label in published.names["facilities"]:
        open_page(p, f"{server.url}/map?{DISTRICT}&map_facility={quote(label)}")
        expect(p.locator(CARD).locator("h4")).to_have_text(plain(label), timeout=SLOW)
        no_script_ran(p)
    frame = map_frame(p)
    found = frame.evaluate(OPEN_TOOLTIPS)
    p.wait_for_timeout(1000)
    no_script_ran(p)
    tips, names = " ".join(found["tips"]), " ".join(found["names"])
    for label in published.names["facilities"] + published.names["institutions"]:
        assert label in tips, label  # text nodes: the markup shows as typed
    assert PAYLOADS["html"] in names and PAYLOADS["template"] in names  # screen-reader names, as text
    p.screenshot(path=str(screenshots_dir / "hostile-map-card.png"))
    assert_clean(page)


def test_the_device_station_map_runs_no_template_literal(hostile_server, page):
    server, published = hostile_server
    p = page.page
    open_page(p, f"{server.url}/devices?city=包头市&year=2025")
    frame = map_frame(p)
    found = frame.evaluate(OPEN_TOOLTIPS)
    p.wait_for_timeout(1000)
    no_script_ran(p)
    tips = " ".join(found["tips"])
    for label in published.names["device_stations"]:
        assert unicodedata.normalize("NFC", label) in unicodedata.normalize("NFC", tips), label
    assert_clean(page)


def test_the_wall_and_the_printed_head_show_the_names_literally(hostile_server, page, tmp_path):
    """The wall of the district (its townships lit on the map, ranked and listed by hostile names) and
    the print head of a hostile township (a CSS string in the page's margin): nothing runs, nothing
    loads, the names read as typed (issue 36)."""
    from .conftest import require_tool
    from .test_browser_print import sheets

    server, published = hostile_server
    p = page.page
    townships = published.names["regions"]
    p.goto(f"{server.url}/?{DISTRICT}&wall=true")
    wait_for_app(p, ".st-key-wall_map iframe", timeout=SLOW)
    frame = map_frame(p)
    p.wait_for_timeout(1000)
    no_script_ran(p)
    # every section's text, shown or waiting its turn (textContent: hidden sections too)
    text = plain(p.locator('[data-testid="stMain"]').evaluate("e => e.textContent"))
    labels = plain(" ".join(frame.locator(".rd-label").all_text_contents()))
    for name in townships:
        assert plain(name) in text and plain(name) in labels, name
    require_tool("pdftotext")
    name = townships[0]  # '中心<img src=x onerror=…>'
    open_page(p, f"{server.url}/?{DISTRICT}&township={quote(name)}")
    no_script_ran(p)
    p.emulate_media(media="print")
    pdf = tmp_path / "hostile.pdf"
    p.pdf(path=str(pdf), prefer_css_page_size=True)
    for sheet in sheets(pdf):
        assert plain(name) in plain(sheet.strip().splitlines()[0])
    assert_clean(page)
