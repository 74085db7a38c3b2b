"""What a change redraws (issue 20), in real Chromium against `streamlit run`: the map page's task
filter reruns its table only (a fragment), so the map frame is neither reloaded nor moved.

Expected rows come from the Parquet snapshot, read here directly.
"""
from __future__ import annotations

import pandas as pd
import pytest
from playwright.sync_api import expect

from .conftest import assert_clean, wait_for_app
from .seed import NEWEST, snapshot

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
SLOW = 60_000


def overdue_in_baotou() -> int:
    tasks = pd.read_parquet(snapshot(NEWEST).table_path("site_tasks"))
    latest = tasks.sort_values("updated_on").groupby("facility_id").tail(1)
    latest = latest[latest["facility_id"].str.startswith("F-1502")]
    deadline = pd.to_datetime(latest["deadline"]).dt.date
    return int(((latest["stage"] != "in_use") & (deadline < NEWEST)).sum())


def test_the_task_filter_leaves_the_map_as_the_reader_left_it(app_server, page):
    p = page.page
    p.goto(f"{app_server.url}/map?city=包头市")
    wait_for_app(p, ready_selector=MAP_FRAME, timeout=SLOW)
    frame = p.locator(MAP_FRAME).element_handle().content_frame()
    frame.wait_for_selector(".rd-center", timeout=SLOW)
    p.wait_for_timeout(1000)
    # The reader zooms in; a mark in the frame's window tells a reload from a kept frame.
    frame.evaluate("() => { window.__kept = true; window.map.setZoom(window.map.getZoom() + 2, {animate: false}); }")
    zoom = frame.evaluate("() => window.map.getZoom()")

    filters = p.locator('[class*="st-key-map_tasks"]')
    grid = filters.locator("xpath=following::*[@data-testid='stDataFrame'][1]//*[@role='grid']")
    before = int(grid.get_attribute("aria-rowcount", timeout=SLOW))
    overdue = overdue_in_baotou()
    assert 0 < overdue < before - 1
    filters.get_by_role("radio", name="逾期", exact=True).click()
    expect(grid).to_have_attribute("aria-rowcount", str(overdue + 1), timeout=SLOW)  # the header row too
    p.wait_for_timeout(1000)
    assert frame.evaluate("() => window.__kept === true"), "the map frame was reloaded"
    assert frame.evaluate("() => window.map.getZoom()") == zoom, "the map was moved"
    assert_clean(page)
