"""The facility map page (挂图作战) in real Chromium against `streamlit run`, offline.

Choosing 源汇区 draws its whole network in the planned styles; clicking a station opens its card;
the copied URL reopens the same view in a new browser; no request leaves the machine. For every tile
base, the tile requests are intercepted (a local test tile is served), their URLs checked, and a
known point must land on its position in the tiles' datum (GCJ-02 for 高德 AMap).
"""
from __future__ import annotations

import io
import math
import re
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from rehabdash.maps import facility_map as fmap
from rehabdash.maps import mapkit

from .conftest import StreamlitServer, assert_clean, choose_in_sidebar, wait_for_app

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
CARD = '[class*="st-key-facility_card"]'
YUANHUI_URL = "/map?city=漯河市&district=源汇区"
CENTRE_WGS84 = (114.01114, 33.56497)  # 源汇区康复指导中心 in the sample, (lon, lat)


SLOW = 60_000  # generous: the suite runs several servers and browsers on one machine


def map_frame(page):
    page.wait_for_selector(MAP_FRAME, timeout=SLOW)
    return page.frame_locator(MAP_FRAME)


def open_map(page, url: str):
    page.goto(url)
    wait_for_app(page, ready_selector=MAP_FRAME, timeout=SLOW)
    frame = map_frame(page)
    frame.locator(".rd-center").first.wait_for(timeout=SLOW)
    page.wait_for_timeout(800)  # Leaflet fits the bounds
    return frame


def expect_yuanhui_network(frame) -> None:
    expect(frame.locator("path.rd-station")).to_have_count(9, timeout=20_000)
    expect(frame.locator(".rd-center.rd-built")).to_have_count(1)
    expect(frame.locator("path.rd-station.rd-built")).to_have_count(9)
    expect(frame.locator("path.rd-room.rd-built")).to_have_count(29)
    expect(frame.locator("path.rd-room.rd-planned_near")).to_have_count(10)
    expect(frame.locator("path.rd-room.rd-planned_far")).to_have_count(12)
    expect(frame.locator(".rd-center")).to_have_count(1)


def style_of(locator) -> list[dict]:
    return locator.evaluate_all(
        "els => els.map(e => ({fill: e.getAttribute('fill'), stroke: e.getAttribute('stroke'),"
        " dash: e.getAttribute('stroke-dasharray'), fillOpacity: e.getAttribute('fill-opacity')}))")


def click_facility(page, label: str) -> None:
    """Click where Leaflet drew the facility `label`, as a reader's mouse would."""
    handle = page.locator(MAP_FRAME).element_handle()
    x, y = handle.content_frame().evaluate(
        """label => {
            for (const layer of Object.values(window.map._layers)) {
                if (layer.feature && layer.feature.properties.label === label) {
                    const p = window.map.latLngToContainerPoint(layer.getLatLng());
                    return [p.x, p.y];
                }
            }
        }""", label)
    box = handle.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def query(page) -> str:
    return unquote(page.evaluate("location.search"))


def test_yuanhui_network_card_and_copied_url(app_server, page, browser, screenshots_dir):
    p = page.page
    p.set_viewport_size({"width": 1440, "height": 900})
    p.goto(f"{app_server.url}/map")
    wait_for_app(p, ready_selector=MAP_FRAME, timeout=SLOW)
    choose_in_sidebar(p, "市", "漯河市")
    p.wait_for_function("() => decodeURIComponent(location.search).includes('city=漯河市')")
    wait_for_app(p, ready_selector=MAP_FRAME, timeout=SLOW)
    choose_in_sidebar(p, "区县", "源汇区")
    p.wait_for_function("() => decodeURIComponent(location.search).includes('district=源汇区')")
    frame = map_frame(p)
    expect_yuanhui_network(frame)

    # Built solid, near-term planned hollow, long-term planned grey and dashed.
    assert {(s["fill"], s["fillOpacity"]) for s in style_of(frame.locator("path.rd-room.rd-built"))} \
        == {("#009E73", "1")}
    assert {(s["fill"], s["stroke"], s["dash"]) for s in style_of(frame.locator("path.rd-room.rd-planned_near"))} \
        == {("#ffffff", "#009E73", None)}
    assert {(s["fill"], s["stroke"], s["dash"]) for s in style_of(frame.locator("path.rd-room.rd-planned_far"))} \
        == {("#ffffff", fmap.FAR_GREY, "3 3")}
    # Every facility lies inside the visible map: the district was fitted.
    box = p.locator(MAP_FRAME).bounding_box()
    inside = frame.locator("path.rd-station, path.rd-room, .rd-center").evaluate_all(
        "(els, b) => els.filter(e => { const r = e.getBoundingClientRect();"
        " return r.left >= 0 && r.top >= 0 && r.right <= b.width && r.bottom <= b.height; }).length", box)
    assert inside == 61
    # the legend beside the map, in the board's side panel (issue 18)
    assert "区级康复指导中心" in p.locator(".st-key-panel_legend .rd-legend").inner_text()

    # Switch a layer on, then click a station: its card opens beside the map, the URL carries both.
    p.get_by_role("button", name="辅具服务站点").click()
    p.wait_for_function("() => decodeURIComponent(location.search).includes('辅具服务站点')")
    frame = map_frame(p)
    expect(frame.locator(".rd-device")).to_have_count(6, timeout=20_000)
    p.wait_for_timeout(800)
    p.screenshot(path=str(screenshots_dir / "facility-map-yuanhui-1440x900.png"))
    click_facility(p, "大刘镇康复站")
    card = p.locator(CARD)
    expect(card.locator("h4")).to_have_text("大刘镇康复站", timeout=20_000)
    p.wait_for_function("() => decodeURIComponent(location.search).includes('map_facility=大刘镇康复站')")
    card_text = card.inner_text()
    for part in ("大刘镇卫生院", "● 已建成 · 2023年9月启用", "大刘镇精准康复服务", "下辖村（社区）康复室"):
        assert part in card_text, part
    expect(frame.locator(".rd-selected")).to_have_count(1)
    url = p.url
    assert_clean(page)

    # New browsers on the copied link: the same scope, toggles, map and card.
    for width, height in ((1440, 900), (1280, 720)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        other = context.new_page()
        seen: list[str] = []
        other.on("request", lambda r, seen=seen: seen.append(r.url))
        frame = open_map(other, url)
        expect_yuanhui_network(frame)
        expect(frame.locator(".rd-device")).to_have_count(6)
        expect(other.locator(CARD).locator("h4")).to_have_text("大刘镇康复站", timeout=20_000)
        expect(frame.locator(".rd-selected")).to_have_count(1)
        assert "漯河市 / 源汇区" in other.locator('[data-testid="stMain"]').inner_text()
        assert "map_facility=大刘镇康复站" in query(other)
        assert [u for u in seen if not re.match(r"^(https?|wss?)://(127\.0\.0\.1|localhost)[:/]", u)
                and not u.startswith(("data:", "blob:", "about:"))] == []
        assert other.locator('[data-testid="stException"]').count() == 0
        other.screenshot(path=str(screenshots_dir / f"facility-map-yuanhui-card-{width}x{height}.png"))
        if width == 1280:  # and the map with its legend, nothing chosen, on the smaller screen
            open_map(other, f"{app_server.url}{YUANHUI_URL}")
            other.screenshot(path=str(screenshots_dir / f"facility-map-yuanhui-{width}x{height}.png"))
        context.close()


def test_keyboard_list_opens_the_card(app_server, page, screenshots_dir):
    p = page.page
    open_map(p, f"{app_server.url}{YUANHUI_URL}")
    picker = p.locator('[data-testid="stSelectbox"]').filter(has_text="选择设施").locator("input")
    picker.focus()
    p.keyboard.type("老街街道康复站")
    p.keyboard.press("Enter")
    expect(p.locator(CARD).locator("h4")).to_have_text("老街街道康复站", timeout=20_000)
    assert "万安医院" in p.locator(CARD).inner_text()
    p.wait_for_function("() => decodeURIComponent(location.search).includes('map_facility=老街街道康复站')")
    p.screenshot(path=str(screenshots_dir / "facility-map-keyboard.png"))
    assert_clean(page)


def test_panning_and_zooming_do_not_rerun_but_a_click_does(app_server, page):
    p = page.page
    sent: list = []  # what the browser sends to the server: every rerun request is such a frame
    p.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    frame = open_map(p, f"{app_server.url}{YUANHUI_URL}")
    p.wait_for_timeout(1500)  # the map component's first value has gone out and come back
    handle = p.locator(MAP_FRAME).element_handle()
    view = "() => [window.map.getZoom(), window.map.getCenter().lat, window.map.getCenter().lng]"
    start = handle.content_frame().evaluate(view)
    before = len(sent)

    box = handle.bounding_box()
    p.mouse.move(box["x"] + 120, box["y"] + box["height"] - 60)
    p.mouse.down()
    p.mouse.move(box["x"] + 320, box["y"] + box["height"] - 140, steps=10)
    p.mouse.up()
    frame.locator(".leaflet-control-zoom-in").click()
    p.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    p.mouse.wheel(0, -240)
    p.wait_for_timeout(2000)
    moved = handle.content_frame().evaluate(view)
    assert moved[0] > start[0] and moved[1:] != start[1:]  # the reader did pan and zoom ...
    assert len(sent) == before  # ... and the server heard nothing of it

    p.keyboard.press("Escape")
    frame = open_map(p, f"{app_server.url}{YUANHUI_URL}")  # back to the fitted view
    p.wait_for_timeout(1500)
    before = len(sent)
    click_facility(p, "大刘镇康复站")
    expect(p.locator(CARD).locator("h4")).to_have_text("大刘镇康复站", timeout=20_000)
    assert len(sent) > before
    assert_clean(page)


# ---------------------------------------------------------------- tile bases

TIANDITU_KEY = "tk-test-0123456789"
CUSTOM_URL = "http://tiles.intranet.example/rehab/{z}/{x}/{y}.png?token=intra-42"
BASES = {
    # basemap: (environment, pattern of every tile URL it may ask for (groups x, y, z), datum)
    "osm": ({}, r"^https://tile\.openstreetmap\.org/(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)\.png$", "wgs84"),
    "tianditu": ({"REHAB_TIANDITU_KEY": TIANDITU_KEY},
                 r"^https://t[0-7]\.tianditu\.gov\.cn/DataServer\?T=(?P<layer>vec_w|cva_w)"
                 r"&x=(?P<x>\d+)&y=(?P<y>\d+)&l=(?P<z>\d+)&tk=" + TIANDITU_KEY + "$", "wgs84"),
    "amap": ({}, r"^https://webrd0[1-4]\.is\.autonavi\.com/appmaptile\?lang=zh_cn&size=1&scale=1&style=8"
                 r"&x=(?P<x>\d+)&y=(?P<y>\d+)&z=(?P<z>\d+)$", "gcj02"),
    "custom": ({"REHAB_TILE_URL": CUSTOM_URL, "REHAB_TILE_DATUM": "gcj02"},
               r"^http://tiles\.intranet\.example/rehab/(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)\.png\?token=intra-42$",
               "gcj02"),
}


@pytest.fixture(scope="module", params=list(BASES))
def tile_base(request, browser):
    env, pattern, datum = BASES[request.param]
    server = StreamlitServer(env={"REHAB_BASEMAP": request.param, **env})
    yield request.param, server, re.compile(pattern), datum
    server.stop()


def local_tile_png() -> bytes:
    """A plain 256 px test tile with a border, so the tiles are visible in the screenshots."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), "#e9eef3")
    ImageDraw.Draw(image).rectangle((0, 0, 255, 255), outline="#b8c4d0")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def world_pixel(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel of (lon, lat) at `zoom` on 256 px tiles."""
    scale = 256 * 2 ** zoom
    sin = math.sin(math.radians(lat))
    return (lon + 180) / 360 * scale, (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * scale


def test_tile_base_requests_and_datum(tile_base, page, screenshots_dir):
    basemap, server, pattern, datum = tile_base
    p = page.page
    tile = local_tile_png()
    served: list[str] = []
    refused: list[str] = []

    def handle(route):
        if pattern.match(route.request.url):
            served.append(route.request.url)
            route.fulfill(status=200, content_type="image/png", body=tile)
        else:
            refused.append(route.request.url)
            route.abort()

    p.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])(https?|wss?)://"), handle)
    frame = open_map(p, f"{server.url}{YUANHUI_URL}")
    frame.locator("img.leaflet-tile-loaded").first.wait_for(timeout=30_000)
    p.wait_for_timeout(1500)

    # Only tile URLs of this base were asked for, every one served here; none left the machine.
    assert served and refused == []
    assert set(page.foreign_requests()) == set(served)
    tiles = [pattern.match(u).groupdict() for u in served]
    zooms = {int(t["z"]) for t in tiles}
    assert len(zooms) == 1 and 10 <= zooms.pop() <= 14  # one zoom level: the district, fitted
    if basemap == "tianditu":
        assert {t["layer"] for t in tiles} == {"vec_w", "cva_w"}  # vector map and its annotation

    # The district centre lands on its position in the tiles' datum, to the pixel.
    lon, lat = CENTRE_WGS84
    expected_lonlat = mapkit.wgs84_to_gcj02(lon, lat) if datum == "gcj02" else (lon, lat)
    centre = frame.locator(".rd-center").bounding_box()
    marker = (centre["x"] + centre["width"] / 2, centre["y"] + centre["height"] / 2)

    def on_screen(point) -> tuple[float, float]:
        for img in frame.locator("img.leaflet-tile-loaded").all():
            found = pattern.match(img.get_attribute("src"))
            z, tx, ty = int(found["z"]), int(found["x"]), int(found["y"])
            px, py = world_pixel(*point, z)
            if int(px // 256) == tx and int(py // 256) == ty:
                rect = img.bounding_box()
                return (rect["x"] + (px / 256 - tx) * rect["width"],
                        rect["y"] + (py / 256 - ty) * rect["height"])
        raise AssertionError(f"no loaded tile under {point}")

    expected = on_screen(expected_lonlat)
    assert marker == pytest.approx(expected, abs=2.0)
    if datum == "gcj02":  # the test can tell: unconverted, the centre would sit ~20 px away
        assert math.dist(marker, on_screen((lon, lat))) > 10
    p.screenshot(path=str(screenshots_dir / f"facility-map-tiles-{basemap}.png"))
    assert p.locator('[data-testid="stException"]').count() == 0


def test_task_filter_keeps_its_code_in_the_address_bar(app_server, page, screenshots_dir):
    """?map_tasks=overdue chooses 逾期 and the address bar keeps the code, not the label; a choice goes
    to the URL as its code; under the English switch the same code, and an old link with the Chinese
    label opens Overdue and is rewritten to the code."""
    p = page.page
    p.set_viewport_size({"width": 1280, "height": 720})
    tasks = p.locator('[class*="st-key-map_tasks"]')
    open_map(p, f"{app_server.url}/map?map_tasks=overdue")
    expect(tasks.get_by_role("radio", checked=True)).to_have_text("逾期", timeout=SLOW)
    p.wait_for_timeout(500)
    assert "map_tasks=overdue" in unquote(p.url) and "逾期" not in unquote(p.url)
    tasks.scroll_into_view_if_needed()
    p.screenshot(path=str(screenshots_dir / "map-task-filter-overdue-1280x720.png"))
    tasks.get_by_role("radio", name="30天内到期").click()
    expect(p).to_have_url(re.compile(r"map_tasks=due_soon"), timeout=SLOW)
    open_map(p, f"{app_server.url}/map?lang=English&map_tasks=逾期")
    expect(tasks.get_by_role("radio", checked=True)).to_have_text("Overdue", timeout=SLOW)
    expect(p).to_have_url(re.compile(r"map_tasks=overdue"), timeout=SLOW)
    assert "Overdue" not in unquote(p.url) and "逾期" not in unquote(p.url)
    tasks.scroll_into_view_if_needed()
    p.screenshot(path=str(screenshots_dir / "map-task-filter-overdue-en-1280x720.png"))
    assert_clean(page)
