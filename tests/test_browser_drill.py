"""Drill-down from the per-unit tables of the topic pages and the overview's ranking (issue 18), in
real Chromium: clicking 青山区 in the table sets the sidebar's scope, the URL and the figures to 青山区.

The expected figure is summed from the Parquet snapshot directly, not through the code under test."""
from __future__ import annotations

from urllib.parse import unquote

import pandas as pd
import pytest
from playwright.sync_api import expect

from .conftest import assert_clean, wait_for_app
from .gridclick import click_cell
from .seed import NEWEST, snapshot

pytestmark = pytest.mark.browser

SLOW = 60_000
GRID = '[data-testid="stDataFrame"]'


def qingshan_served() -> int:
    """Persons served in 青山区 in 2025 up to the snapshot, from the raw rows."""
    rows = pd.read_parquet(snapshot(NEWEST).path / "rehab_services.parquet")
    period = pd.to_datetime(rows["period"])
    keep = rows["region_code"].str.startswith("150204") & (period.dt.year == 2025)
    return int(rows.loc[keep, "served_count"].sum())


def metric(page, label: str) -> str:
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    return dict(zip((x.strip() for x in labels), values))[label]


def expect_qingshan(page) -> None:
    page.wait_for_function("() => decodeURIComponent(location.search).includes('district=青山区')", timeout=SLOW)
    wait_for_app(page, timeout=SLOW)
    expect(page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="区县")).to_have_value("青山区")
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("包头市 / 青山区", timeout=SLOW)
    assert "district=青山区" in unquote(page.url)


def test_clicking_qingshan_in_the_rehab_subunit_table_drills_down(app_server, page, screenshots_dir):
    p = page.page
    p.set_viewport_size({"width": 1440, "height": 900})
    p.goto(f"{app_server.url}/rehab?city=包头市&year=2025")
    wait_for_app(p, timeout=SLOW)
    assert metric(p, "精准康复服务人数") != str(qingshan_served())  # the city's figure first
    # the per-unit table under the chart of the units one level down (the second chart's data)
    table = p.locator('[data-testid="stExpander"]').nth(1)
    table.locator("summary").click()
    grid = table.locator(GRID)
    expect(grid).to_contain_text("青山区", timeout=SLOW)
    p.wait_for_timeout(800)
    click_cell(p, grid, "青山区")
    expect_qingshan(p)
    expect(p.locator('[data-testid="stMetricValue"]').first).to_have_text(str(qingshan_served()), timeout=SLOW)
    assert metric(p, "精准康复服务人数") == str(qingshan_served())
    p.screenshot(path=str(screenshots_dir / "drill-rehab-qingshan-1440x900.png"))
    assert_clean(page)


def test_clicking_qingshan_in_the_overview_ranking_drills_down(app_server, page):
    p = page.page
    p.set_viewport_size({"width": 1440, "height": 900})
    p.goto(f"{app_server.url}/?city=包头市&year=2025")
    wait_for_app(p, timeout=SLOW)
    grid = p.locator(".st-key-section_ranking").locator(GRID)
    grid.wait_for(timeout=SLOW)
    grid.scroll_into_view_if_needed()
    p.wait_for_timeout(800)
    # clicking a figure of another row does not drill: only the unit's name does
    click_cell(p, grid, "1")
    p.wait_for_timeout(1500)
    wait_for_app(p, timeout=SLOW)
    assert "district=" not in unquote(p.url)
    click_cell(p, grid, "青山区")
    expect_qingshan(p)
    expect(p.locator('[data-testid="stMetricValue"]').first).to_have_text(str(qingshan_served()), timeout=SLOW)
    # and back up by the sidebar: the ranking is of 青山区's townships now
    expect(p.locator(".st-key-section_ranking")).to_contain_text("街道", timeout=SLOW)
    assert_clean(page)
