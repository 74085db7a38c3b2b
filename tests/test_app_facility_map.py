"""AppTest of the facility map page (挂图作战) through our wrapper of st_folium.

`rehabdash.maps.component.st_folium` is replaced by a fake that records what the page passes and, when a
click is queued, does what streamlit-folium does on a click: stores the frontend's value under the
map's key and calls the page's on_change.
"""
from __future__ import annotations

import re

import folium
import pytest
import streamlit as st

from rehabdash.maps import component, mapkit
from rehabdash.maps import facility_map as fmap

from .conftest import open_app_page
from .test_facility_map import counts, frontend_click

PAGE = "app_pages/facility_map.py"
YUANHUI = {"city": "漯河市", "district": "源汇区"}


class FakeFolium:
    def __init__(self):
        self.calls: list[dict] = []
        self.queued: dict | None = None

    def __call__(self, m, key=None, on_change=None, **kwargs):
        self.calls.append({"map": m, "key": key, **kwargs})
        if self.queued is None:
            return {}
        value, self.queued = self.queued, None
        st.session_state[key] = value  # streamlit-folium's own on_change, then the page's
        on_change()
        return value

    @property
    def map(self) -> mapkit.OfflineMap:
        return self.calls[-1]["map"]

    def click(self, label: str) -> None:
        self.queued = frontend_click(self.map, label)


@pytest.fixture
def fake(monkeypatch):
    fake = FakeFolium()
    monkeypatch.setattr(component, "st_folium", fake)
    return fake


def start(**query):
    at = open_app_page(PAGE, **query)
    assert not at.exception, at.exception
    return at


def table(at, first_column: str):
    """The dataframe on the page whose first column is `first_column`."""
    return next(d.value for d in at.dataframe if d.value.columns[0] == first_column)


def card_text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_yuanhui_map_and_no_card_yet(fake):
    at = start(**YUANHUI)
    assert at.title[0].value == "三级康复服务网络挂图"
    call = fake.calls[-1]
    assert call["key"] == "facility_map" and call["returned_objects"] == list(fmap.FACILITY_CLICKS)
    assert call["feature_group_to_add"] is None
    assert counts(fake.map) == {
        ("district_center", "built"): 1, ("township_station", "built"): 9,
        ("village_room", "built"): 29, ("village_room", "planned_near"): 10,
        ("village_room", "planned_far"): 12,
    }
    picker = at.selectbox(key="map_facility")
    assert picker.value is None and len(picker.options) == 61
    assert any("点击地图上的设施" in i.value for i in at.info)
    assert any("示意范围" in c.value for c in at.caption)
    coverage = table(at, "乡镇（街道）")
    assert len(coverage) == 9 and coverage.columns[0] == "乡镇（街道）"


def test_clicking_a_station_opens_its_card_and_puts_it_in_the_url(fake):
    at = start(**YUANHUI)
    first_key = fake.calls[-1]["key"]
    fake.click("大刘镇康复站")
    at.run()  # the click arrives: on_change notes it
    at.run()  # the page applies it before drawing the list (as when the callback runs first)
    assert not at.exception, at.exception
    assert at.selectbox(key="map_facility").value == "大刘镇康复站"
    assert at.query_params["map_facility"] == "大刘镇康复站"
    text = card_text(at)
    for part in ("大刘镇康复站", "乡镇（街道）康复站", "大刘镇卫生院", "● 已建成 · 2023年9月启用",
                 "大刘镇精准康复服务", "结对机构", "下辖村（社区）康复室"):
        assert part in text, part
    assert "下辖村（社区）康复室" in text and re.search(r"- \S+康复室：[●○◌] ", text)
    # The ring marks the station, on the same map component: pan and zoom are kept.
    call = fake.calls[-1]
    assert call["key"] == first_key
    ring = next(c for c in call["feature_group_to_add"]._children.values() if isinstance(c, folium.Marker))
    station = fake.map.latlng(113.89381, 33.58952)
    assert ring.location == pytest.approx(station)


def test_clicking_something_else_keeps_the_card(fake):
    at = start(map_facility="老街街道康复站", **YUANHUI)
    fake.queued = {"last_object_clicked": {"lat": 33.57, "lng": 114.03},
                   "last_object_clicked_tooltip": "老街街道（示意范围）", "last_object_clicked_count": 3}
    at.run()
    at.run()
    assert at.selectbox(key="map_facility").value == "老街街道康复站"
    assert "老街街道社区卫生服务中心" in card_text(at)


def test_the_keyboard_list_opens_the_same_card(fake):
    at = start(**YUANHUI)
    at.selectbox(key="map_facility").select("光明社区康复室（老街街道）").run()
    assert not at.exception
    text = card_text(at)
    assert "光明社区康复室（老街街道）" in text and "◌ 远期规划建设 · 计划2028年建成" in text
    assert "所在乡镇（街道）" in text and "老街街道精准康复服务" in text
    assert fake.calls[-1]["feature_group_to_add"] is not None


def test_toggles_and_selection_come_back_from_the_url(fake):
    at = start(map_status="已建成", map_layers="结对关系", map_facility="老街街道康复站", **YUANHUI)
    assert at.pills(key="map_status").value == ["built"]
    assert at.pills(key="map_layers").value == ["pairings"]
    assert counts(fake.map) == {("district_center", "built"): 1, ("township_station", "built"): 9,
                                ("village_room", "built"): 29}
    assert at.selectbox(key="map_facility").value == "老街街道康复站"
    assert "老街街道社区卫生服务中心" in card_text(at)
    names = [c.layer_name for c in fake.map._children.values() if isinstance(c, folium.GeoJson)]
    assert "结对关系" in names and "定点康复机构" not in names and "区县边界" not in names


def test_hiding_a_tier_drops_its_facilities_from_map_and_list(fake):
    at = start(map_facility="光明社区康复室（老街街道）", **YUANHUI)
    at.pills(key="map_tiers").set_value(["district_center", "township_station"]).run()
    assert not at.exception
    assert set(counts(fake.map)) == {("district_center", "built"), ("township_station", "built")}
    picker = at.selectbox(key="map_facility")
    assert len(picker.options) == 10 and picker.value is None  # the hidden room's card closes


def test_city_scope_lists_districts_in_the_coverage_table(fake):
    at = start(year="2025")
    coverage = table(at, "乡镇（街道）")
    assert "所属区县" in coverage.columns and len(coverage) == 86
    assert any("包头稀土高新技术产业开发区" in c.value for c in at.caption)  # no polygon: said so


def test_english(fake):
    at = start(lang="English", **YUANHUI)
    assert at.title[0].value == "Three-tier rehab network map"
    assert fake.calls[-1]["map"] is not None
    at.selectbox(key="map_facility").select("大刘镇康复站").run()
    assert "Host institution" in card_text(at)


def test_a_misconfigured_base_map_falls_back_to_boundaries(fake, monkeypatch):
    monkeypatch.setenv("REHAB_BASEMAP", "tianditu")
    monkeypatch.delenv("REHAB_TIANDITU_KEY", raising=False)
    at = start(**YUANHUI)
    assert any("REHAB_TIANDITU_KEY" in e.value for e in at.error)
    assert fake.map.basemap == "none"


# The site-task filter's URL value is its code in either language (?map_tasks=overdue), the widget shows
# the label of the language; a link from before, with the Chinese label, still opens it and is rewritten.
@pytest.mark.parametrize("lang, asked, shown", [
    ("中文", "overdue", "逾期"), ("English", "overdue", "Overdue"),
    ("中文", "逾期", "逾期"), ("English", "逾期", "Overdue"), ("English", "Overdue", "Overdue"),
])
def test_task_filter_keeps_its_code_in_the_url(fake, lang, asked, shown):
    at = start(lang=lang, city="包头市", map_tasks=asked)
    tasks = at.segmented_control(key="map_tasks")
    assert tasks.value == "overdue"
    assert list(tasks.formatted_values) == [shown]
    assert at.query_params["map_tasks"] == "overdue"


def test_task_filter_choice_goes_to_the_url_as_its_code(fake):
    at = start(lang="English", city="包头市")
    assert "map_tasks" not in at.query_params  # the default (all tasks) leaves the URL alone
    at.segmented_control(key="map_tasks").set_value("due_soon").run()
    assert at.query_params["map_tasks"] == "due_soon"
    at.selectbox(key="lang").select("zh").run()  # the language switch keeps the choice and its code
    assert at.segmented_control(key="map_tasks").value == "due_soon"
    assert at.query_params["map_tasks"] == "due_soon"
    at.segmented_control(key="map_tasks").set_value("all").run()
    assert "map_tasks" not in at.query_params
