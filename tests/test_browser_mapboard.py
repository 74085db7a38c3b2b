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
    expect(frame.locator(".rd-thematic-legend")).to_contain_text("95%")
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
    # the legend sits inside the map
    legend = frame.locator(".rd-legend-box").bounding_box()
    assert box["y"] <= legend["y"] and legend["y"] + legend["height"] <= box["y"] + box["height"] + 1
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
