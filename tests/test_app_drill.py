"""AppTest: the per-unit tables of the overview and the topic pages drill down (issue 18): each is a
selectable table (a row, or a cell of the unit's name) holding the units one level down; in meeting
mode the overview's ranking stays a static table in the projector's type. The click itself is in
tests/test_browser_drill.py."""
from __future__ import annotations

import pandas as pd
import pytest

from .conftest import open_app_page
from .seed import NEWEST, snapshot

ROW, CELL = 0, 4  # DataFrame proto SelectionMode: SINGLE_ROW, SINGLE_CELL


def baotou_districts() -> set[str]:
    regions = pd.read_parquet(snapshot(NEWEST).path / "regions.parquet")
    return set(regions.loc[regions["parent_code"] == "150200000000", "name"])


def drilling(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if set(d.proto.selection_mode) == {ROW, CELL}]


@pytest.mark.parametrize("page, count", [("app_pages/overview.py", 2), ("app_pages/rehab.py", 1),
                                         ("app_pages/devices.py", 1), ("app_pages/funding.py", 3)])
def test_per_unit_tables_drill(page, count):
    at = open_app_page(page, year="2025")
    assert not at.exception
    tables = drilling(at)
    assert len(tables) == count
    districts = baotou_districts()
    for table in tables:  # every one lists the districts of 包头市 in a column of names
        assert any(districts <= {str(v).split("（")[0] for v in table[c]} for c in table.columns), table.columns


def test_no_drill_where_the_sidebar_cannot_go_deeper():
    at = open_app_page("app_pages/rehab.py", year="2025", city="包头市", district="青山区", township="先锋道街道")
    assert not at.exception and drilling(at) == []


def test_meeting_mode_ranking_is_a_static_table():
    at = open_app_page("app_pages/overview.py", year="2025", meeting="true")
    assert not at.exception
    assert not any("名次" in t.columns for t in drilling(at))
    assert any("名次" in t.value.columns for t in at.table)
