"""The map as a board (挂图作战, issue 18) in real Chromium against `streamlit run`: drill-down by
clicking a district's polygon and back up by the breadcrumb, the thematic layer, the reset-view
control, the attribution without Leaflet's prefix, overdue sites flagged, and the screenshots at wall
and laptop sizes, normal and in meeting mode.

Expected figures come from the Parquet snapshot and the boundary file, read here directly.
"""
from __future__ import annotations

from urllib.parse import unquote

import pandas as pd
import pytest
from playwright.sync_api import expect

from rehabdash.store import boundaries

from .conftest import assert_clean, wait_for_app
from .seed import NEWEST, QINGSHAN, snapshot

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
SLOW = 60_000


def query(page) -> str:
    return unquote(page.evaluate("location.search"))


def open_map(page, url: str):
    page.goto(url)
    wait_for_app(page, ready_selector=MAP_FRAME, timeout=SLOW)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".rd-center").first.wait_for(timeout=SLOW)
    page.wait_for_timeout(1000)
    return frame


def map_js(page, script: str, arg=None):
    return page.locator(MAP_FRAME).element_handle().content_frame().evaluate(script, arg)


def click_in_polygon(page, region_code: str) -> None:
    """Click a point of the region's polygon where nothing else (a marker, another polygon) lies on
    top, as a reader's mouse would."""
    x, y = map_js(page, """code => {
        const layer = Object.values(window.map._layers).find(l => l.feature && l._path
            && l.feature.properties.region_code === code && l.feature.properties.tooltip === undefined
            || (l.feature && l._path && l.feature.properties.region_code === code
                && l._path.classList.contains('rd-district')));
        const box = layer._path.getBoundingClientRect();
        for (let i = 1; i < 30; i++) for (let j = 1; j < 30; j++) {
            const x = box.left + box.width * i / 30, y = box.top + box.height * j / 30;
            if (document.elementFromPoint(x, y) === layer._path) return [x, y];
        }
        return null;
    }""", region_code)
    frame_box = page.locator(MAP_FRAME).bounding_box()
    page.mouse.click(frame_box["x"] + x, frame_box["y"] + y)


def baotou_tasks() -> pd.DataFrame:
    tasks = pd.read_parquet(snapshot(NEWEST).path / "site_tasks.parquet")
    facilities = pd.read_parquet(snapshot(NEWEST).path / "facilities.parquet")
    latest = tasks.sort_values("updated_on").groupby("facility_id").tail(1)
    return latest.merge(facilities[["facility_id", "region_code"]], on="facility_id")


def test_click_qingshan_polygon_drills_down_and_breadcrumb_goes_back(app_server, page, screenshots_dir):
    p = page.page
    p.set_viewport_size({"width": 1440, "height": 900})
    open_map(p, f"{app_server.url}/map?city=包头市")
    assert "district=" not in query(p)
    click_in_polygon(p, QINGSHAN)
    p.wait_for_function("() => decodeURIComponent(location.search).includes('district=青山区')", timeout=SLOW)
    wait_for_app(p, ready_selector=MAP_FRAME, timeout=SLOW)
    main = p.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("包头市 / 青山区", timeout=SLOW)
    expect(p.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="区县")).to_have_value("青山区")
    # The figures follow: the task summary counts 青山区's tasks (read straight from Parquet).
    regions = pd.read_parquet(snapshot(NEWEST).path / "regions.parquet")
    parents = dict(zip(regions["region_code"], regions["parent_code"]))

    def in_qingshan(code):
        while isinstance(code, str):
            if code == QINGSHAN:
                return True
            code = parents.get(code)
        return False

    tasks = baotou_tasks()
    expected = int(tasks["region_code"].map(in_qingshan).sum())
    expect(main).to_contain_text(f"共{expected}项任务", timeout=SLOW)
    crumbs = p.locator('[class*="st-key-breadcrumb"]')
    expect(crumbs).to_contain_text("青山区")
    p.screenshot(path=str(screenshots_dir / "mapboard-qingshan-1440x900.png"))

    crumbs.get_by_role("button", name="包头市").click()
    p.wait_for_function("() => !decodeURIComponent(location.search).includes('district=青山区')", timeout=SLOW)
    expect(main).not_to_contain_text("包头市 / 青山区", timeout=SLOW)
    expect(main).to_contain_text(f"共{len(tasks[tasks['facility_id'].str.startswith('F-1502')])}项任务",
                                 timeout=SLOW)
    assert_clean(page)


def test_thematic_layer_shades_each_district_with_its_value(app_server, page):
    p = page.page
    frame = open_map(p, f"{app_server.url}/map?city=包头市&map_theme=乡镇康复站覆盖率")
    districts = [f for f in boundaries.load("districts")["features"]
                 if f["properties"]["region_code"].startswith("1502")]
    expect(frame.locator("path.rd-thematic")).to_have_count(len(districts), timeout=SLOW)
    # station coverage per district from Parquet: townships with a built station / townships
    snap = snapshot(NEWEST).path
    regions = pd.read_parquet(snap / "regions.parquet")
    facilities = pd.read_parquet(snap / "facilities.parquet")
    towns = regions[(regions["level"] == "township") & regions["region_code"].str.startswith("1502")]
    built = set(facilities.loc[(facilities["tier"] == "township_station") & (facilities["status"] == "built"),
                               "region_code"])
    # every unit has its label (in the crowded urban core some are decluttered until zoomed in)
    labels = frame.locator(".rd-label-value").all_text_contents()
    for f in districts:
        code = f["properties"]["region_code"]
        mine = towns[towns["parent_code"] == code]
        share = mine["region_code"].isin(built).mean()
        name = regions.loc[regions["region_code"] == code, "name"].iloc[0]
        assert f"{name} {share * 100:.1f}%" in labels, (name, labels)
    # hatching: the polygons refer to the class patterns, so classes differ without colour
    fills = frame.locator("path.rd-thematic").evaluate_all("els => els.map(e => e.getAttribute('fill'))")
    assert all(f.startswith("url(#rd-th-") for f in fills)
    expect(p.locator(".st-key-panel_legend .rd-thematic-legend")).to_contain_text("95%")  # in the side panel
    assert_clean(page)


def test_reset_control_restores_the_view(app_server, page):
    p = page.page
    frame = open_map(p, f"{app_server.url}/map?city=包头市")
    view = "() => [window.map.getZoom(), window.map.getCenter().lat, window.map.getCenter().lng]"
    start = map_js(p, view)
    frame.locator(".leaflet-control-zoom-in").click()
    frame.locator(".leaflet-control-zoom-in").click()
    box = p.locator(MAP_FRAME).bounding_box()
    p.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    p.mouse.down()
    p.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.3, steps=8)
    p.mouse.up()
    p.wait_for_timeout(800)
    moved = map_js(p, view)
    assert moved[0] > start[0]
    frame.get_by_role("button", name="恢复全图").click()
    p.wait_for_timeout(800)
    back = map_js(p, view)
    assert back[0] == pytest.approx(start[0])
    # the same view: within a pixel or two at the fitted zoom
    assert back[1] == pytest.approx(start[1], abs=1e-2) and back[2] == pytest.approx(start[2], abs=1e-2)


def test_attribution_has_no_leaflet_prefix_and_the_scale_is_metric(app_server, page):
    p = page.page
    frame = open_map(p, f"{app_server.url}/map?city=包头市&meeting=true")
    attribution = frame.locator(".leaflet-control-attribution")
    assert attribution.locator('a[href*="leafletjs.com"]').count() == 0
    assert attribution.locator("svg, img").count() == 0
    assert "Leaflet" not in (attribution.inner_text() if attribution.count() else "")
    assert frame.locator('a[href*="leafletjs.com"]').count() == 0
    lines = frame.locator(".leaflet-control-scale-line")
    expect(lines).to_have_count(1)
    assert lines.inner_text().strip().endswith(("km", "m"))


def test_overdue_sites_are_flagged_on_the_map(app_server, page):
    p = page.page
    frame = open_map(p, f"{app_server.url}/map?city=包头市")
    tasks = baotou_tasks()
    overdue = tasks[(tasks["stage"] != "in_use") & (pd.to_datetime(tasks["deadline"]).dt.date < NEWEST)
                    & tasks["facility_id"].str.startswith("F-1502")]
    assert len(overdue) > 0
    expect(frame.locator(".rd-overdue")).to_have_count(len(overdue), timeout=SLOW)
    main = p.locator('[data-testid="stMain"]')
    expect(main).to_contain_text(f"逾期{len(overdue)}项")


@pytest.mark.parametrize("size", [(1440, 900), (1920, 1080)])
@pytest.mark.parametrize("meeting", [False, True])
def test_board_screenshots(app_server, browser, screenshots_dir, size, meeting):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    p = context.new_page()
    url = f"{app_server.url}/map?city=包头市" + ("&meeting=true" if meeting else "")
    frame = open_map(p, url)
    box = p.locator(MAP_FRAME).bounding_box()
    # most of the viewport's height, and wider than half the window
    assert box["height"] >= 0.6 * height and box["width"] >= 0.55 * width
    if meeting:  # on the wall the map takes the width, its legend drawn large inside it
        expect(p.locator(".st-key-side_panel")).to_be_hidden()
        legend = frame.locator(".rd-legend-box").bounding_box()
        assert box["y"] <= legend["y"] and legend["y"] + legend["height"] <= box["y"] + box["height"] + 1
        assert box["x"] <= legend["x"] and legend["x"] + legend["width"] <= box["x"] + box["width"] + 1
        assert box["width"] >= 0.9 * width
        # the page's title starts below the fixed banner, not under it
        banner = p.locator(".st-key-meeting_banner").bounding_box()
        title = p.locator('[data-testid="stMainBlockContainer"] h1').first.bounding_box()
        assert title["y"] >= banner["y"] + banner["height"] - 1, (title, banner)
        assert box["y"] + box["height"] <= height + 1  # and the map still ends within the screen
    else:  # in the side panel beside the map, whole within the window (not below the fold)
        legend = p.locator(".st-key-panel_legend").bounding_box()
        assert legend["x"] >= box["x"] + box["width"] - 1 and legend["y"] >= box["y"] - 1
        assert legend["y"] + legend["height"] <= height
        expect(p.locator(".st-key-panel_legend .rd-legend")).to_contain_text("区级康复指导中心")
    # no two district centres overlap (the urban core's are set around a ring)
    squares = frame.locator(".rd-center").evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())")
    assert len(squares) == 10
    for i, a in enumerate(squares):
        for b in squares[i + 1:]:
            assert not (a["left"] < b["right"] and a["right"] > b["left"]
                        and a["top"] < b["bottom"] and a["bottom"] > b["top"]), (a, b)
    # no two shown name labels overlap
    overlaps = map_js(p, """() => {
        const rs = Array.from(document.querySelectorAll('.rd-label span'))
            .filter(s => getComputedStyle(s.parentElement).display !== 'none'
                         && getComputedStyle(s.parentElement).visibility !== 'hidden')
            .map(s => s.getBoundingClientRect());
        let n = 0;
        for (let i = 0; i < rs.length; i++) for (let j = i + 1; j < rs.length; j++) {
            const a = rs[i], b = rs[j];
            if (a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top) n++;
        }
        return n;
    }""")
    assert overlaps == 0
    name = f"mapboard-baotou-{width}x{height}{'-meeting' if meeting else ''}.png"
    p.screenshot(path=str(screenshots_dir / name))
    context.close()


def facility_name(facility_id: str) -> str:
    facilities = pd.read_parquet(snapshot(NEWEST).path / "facilities.parquet")
    return facilities.set_index("facility_id").at[facility_id, "name"]


def test_side_panel_keeps_legend_and_card_in_view_and_folds_away(app_server, browser, screenshots_dir):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    p = context.new_page()
    name = facility_name("F-150204-0006")  # an overdue station of 青山区
    frame = open_map(p, f"{app_server.url}/map?city=包头市&map_facility={name}")
    card = p.locator(".st-key-facility_card")
    expect(card.locator("h4")).to_have_text(name, timeout=SLOW)
    # the legend folded to its title above the card, both in view: the card pushes nothing out
    legend = p.locator(".st-key-panel_legend")
    expect(legend.locator("summary")).to_contain_text("图例")
    assert legend.locator("details").get_attribute("open") is None
    assert legend.bounding_box()["y"] + legend.bounding_box()["height"] <= card.bounding_box()["y"]
    assert card.bounding_box()["y"] < 900 - 200  # the card's head and first lines on the first screen
    # the chosen facility is zoomed to and ringed, inside the map's frame
    assert map_js(p, "() => window.map.getZoom()") >= 13
    ring = frame.locator(".rd-selected").bounding_box()
    box = p.locator(MAP_FRAME).bounding_box()
    assert ring and 0 <= ring["x"] - box["x"] <= box["width"] and 0 <= ring["y"] - box["y"] <= box["height"]
    p.screenshot(path=str(screenshots_dir / "mapboard-card-1440x900.png"))

    # fold the panel away: the map takes the width, the legend goes into the map, the choice stays
    p.locator(".st-key-board_head").get_by_text("侧栏").click()
    p.wait_for_function("() => decodeURIComponent(location.search).includes('map_panel=false')", timeout=SLOW)
    wait_for_app(p, ready_selector=MAP_FRAME, timeout=SLOW)
    # the map is drawn anew, with its legend inside (the old frame goes once the new one is up)
    p.wait_for_function("""sel => { const f = document.querySelectorAll(sel);
        return f.length === 1 && f[0].contentDocument && f[0].contentDocument.querySelector('.rd-legend-box'); }""",
                        arg=MAP_FRAME, timeout=SLOW)
    frame = p.frame_locator(MAP_FRAME)
    expect(frame.locator(".rd-legend-box")).to_contain_text("区级康复指导中心", timeout=SLOW)
    expect(p.locator(".st-key-side_panel")).to_be_hidden()
    main = p.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    assert p.locator(MAP_FRAME).bounding_box()["width"] >= 0.9 * (main["width"] - 48)
    assert f"map_facility={name}" in query(p)
    p.screenshot(path=str(screenshots_dir / "mapboard-panel-closed-1440x900.png"))
    p.locator(".st-key-board_head").get_by_text("侧栏").click()
    p.wait_for_function("() => !decodeURIComponent(location.search).includes('map_panel=false')", timeout=SLOW)
    expect(p.locator(".st-key-side_panel")).to_be_visible(timeout=SLOW)
    context.close()


def test_centres_of_the_urban_core_stand_apart_and_return_to_their_place_zoomed_in(app_server, page):
    p = page.page
    p.set_viewport_size({"width": 1440, "height": 900})
    frame = open_map(p, f"{app_server.url}/map?city=包头市")
    # at the city's scale the core's centres are set around a ring, each tied to its true place
    leaders = frame.locator(".rd-leader")
    assert leaders.count() >= 3
    assert frame.locator(".rd-true-place").count() == leaders.count()
    # and the name of 青山区 is shown, not covered by the markers (labels lie above them)
    qingshan = frame.locator(".rd-label-district:not(.rd-hidden)").filter(has_text="青山区")
    expect(qingshan).to_have_count(1)
    z = map_js(p, """() => window.getComputedStyle(document.querySelector('.leaflet-pane.leaflet-rd-labels-pane')
        || document.querySelector('[class*="rd-labels"]')).zIndex""")
    assert int(z) > 620  # above the centres' pane
    # zoomed in on 青山区's centre, nothing overlaps any more: every centre sits on its place
    regions = pd.read_parquet(snapshot(NEWEST).path / "facilities.parquet").set_index("facility_id")
    lat, lon = regions.at["F-150204-0001", "lat"], regions.at["F-150204-0001", "lon"]
    map_js(p, "([lat, lon]) => window.map.setView([lat, lon], window.map.getZoom() + 3, {animate: false})",
           [float(lat), float(lon)])
    p.wait_for_timeout(800)
    expect(frame.locator(".rd-leader")).to_have_count(0)
    margins = frame.locator(".rd-center").evaluate_all("els => els.map(e => e.style.marginLeft)")
    assert set(margins) == {"-10px"}
