"""The facility map builder (挂图作战): features by tier and status, GCJ-02, clicks, card, coverage.

Counts are read off the folium map the page renders (its GeoJson layers), on the sample snapshot.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from collections import Counter

import folium
import pandas as pd
import pytest
import streamlit_folium

from rehabdash.kernel.config import PROJECT_DIR
from rehabdash.kernel.contract import FACILITY_STATUSES, TIERS
from rehabdash.maps import component, layers, mapkit
from rehabdash.maps import facility_map as fmap
from rehabdash.topics import facility_map as fm
from rehabdash.topics import overview

from .seed import BAOTOU, NEWEST, YUANHUI, runner, snapshot
from .test_mapkit import _urls

XITU = "150271000000"  # 稀土高新区: no polygon in any public boundary set
ALL_LAYERS = fm.View(layers=fm.LAYERS)
pytestmark = pytest.mark.usefixtures("clean_map_env")


def load(region: str = YUANHUI) -> tuple:
    run = runner(NEWEST, region)
    return run, fm.load(run, NEWEST)


def facility_features(m: folium.Map) -> list[dict]:
    """Every facility feature drawn on the map, from its GeoJson layers."""
    return [feature for layer in m._children.values() if isinstance(layer, folium.GeoJson)
            for feature in layer.data["features"] if "tier" in feature["properties"]]


def counts(m: folium.Map) -> Counter:
    return Counter((f["properties"]["tier"], f["properties"]["status"]) for f in facility_features(m))


# ---------------------------------------------------------------- features by tier and status

def test_yuanhui_shows_1_centre_9_stations_29_built_rooms_and_the_planned_ones():
    run, data = load()
    got = counts(fmap.build_map(data, fm.View(), "zh"))
    assert got == {
        ("district_center", "built"): 1,
        ("township_station", "built"): 9,
        ("village_room", "built"): 29,
        ("village_room", "planned_near"): 10,
        ("village_room", "planned_far"): 12,
    }
    # The same network the overview counts through its own query.
    matrix = overview.facility_matrix(run("facility_counts"))
    assert {(t, s): int(matrix.loc[t, s]) for t in TIERS for s in FACILITY_STATUSES
            if matrix.loc[t, s]} == dict(got)


def test_a_past_year_end_shows_the_sites_opened_later_as_planned():
    """Through the facilities_on macro, as the year-end counts are: a site opened in 2025 was still
    planned on 31 December 2024. Expected from the raw Parquet rows."""
    year_end = dt.date(2024, 12, 31)
    run, now = load()
    then = fm.load_scope(run, NEWEST, YUANHUI, "district", until=year_end)
    raw = pd.read_parquet(snapshot(NEWEST).table_path("facilities")).set_index("facility_id")
    later = {i for i in now.facilities["facility_id"]
             if raw.at[i, "status"] == "built" and raw.at[i, "opened_on"] > year_end}
    assert later  # the sample opens sites in 2025
    assert list(then.facilities["facility_id"]) == list(now.facilities["facility_id"])
    for facility, status in zip(then.facilities["facility_id"], then.facilities["status"]):
        assert status == ("planned_near" if facility in later else raw.at[facility, "status"]), facility
    matrix = overview.facility_matrix(run("facility_counts_until", until=year_end))
    assert {(t, s): int(matrix.loc[t, s]) for t in TIERS for s in FACILITY_STATUSES if matrix.loc[t, s]} \
        == dict(Counter(zip(then.facilities["tier"], then.facilities["status"])))


@pytest.mark.parametrize("region", [BAOTOU, YUANHUI, "150204000000", "150204001000", XITU])
def test_every_facility_of_the_scope_is_drawn_once(region):
    run, data = load(region)
    m = fmap.build_map(data, ALL_LAYERS, "zh")
    drawn = Counter(f["id"] for f in facility_features(m))
    assert set(drawn) == set(data.facilities["facility_id"]) and set(drawn.values()) == {1}
    matrix = overview.facility_matrix(run("facility_counts"))
    assert sum(counts(m).values()) == int(matrix.to_numpy().sum())


def test_toggles_narrow_the_map():
    _, data = load()
    m = fmap.build_map(data, fm.View(tiers=("village_room",), statuses=("planned_near", "planned_far"),
                                   layers=()), "zh")
    assert counts(m) == {("village_room", "planned_near"): 10, ("village_room", "planned_far"): 12}
    layers = [c for c in m._children.values() if isinstance(c, folium.GeoJson)]
    assert len(layers) == 1  # no boundaries, institutions, pairings or device points

    full = fmap.build_map(data, ALL_LAYERS, "zh")
    names = [c.layer_name for c in full._children.values() if isinstance(c, folium.GeoJson)]
    assert names == ["区县边界", "乡镇（街道）边界（示意）", "结对关系", "村（社区）康复室",
                     "乡镇（街道）康复站", "区级康复指导中心", "辅具服务站点", "定点康复机构"]
    by_name = {c.layer_name: c.data["features"] for c in full._children.values()
               if isinstance(c, folium.GeoJson)}
    assert len(by_name["结对关系"]) == 15  # 10 institutions paired with the 9 towns and streets
    assert len(by_name["定点康复机构"]) == 10
    assert len(by_name["辅具服务站点"]) == 6
    assert len(by_name["乡镇（街道）边界（示意）"]) == 9 and len(by_name["区县边界"]) == 1


def test_village_rooms_are_one_layer_not_one_object_each():
    _, data = load(BAOTOU)
    m = fmap.build_map(data, ALL_LAYERS, "zh")
    room_layers = [c for c in m._children.values() if isinstance(c, folium.GeoJson)
                   and c.data["features"] and c.data["features"][0]["properties"].get("tier") == "village_room"]
    rooms = (data.facilities["tier"] == "village_room").sum()
    assert rooms == 431 and len(room_layers) == 1 and len(room_layers[0].data["features"]) == rooms
    elements = sum(1 for _ in mapkit.walk(m))
    assert elements < 60  # a fixed number of layers, whatever the number of facilities


def test_thousands_of_rooms_stay_one_layer_on_one_canvas():
    _, data = load(BAOTOU)
    rooms = data.facilities[data.facilities["tier"] == "village_room"]
    copies = [rooms.assign(facility_id=rooms["facility_id"] + f"-{i}", label=rooms["label"] + f"-{i}")
              for i in range(8)]  # 3448 rooms: a province's worth is tens of thousands
    many = dataclasses.replace(data, facilities=pd.concat([data.facilities, *copies]))
    m = fmap.build_map(many, fm.View(), "zh")
    assert m.options["prefer_canvas"] is True  # one canvas, not an SVG element per room
    room_layers = [c for c in m._children.values() if isinstance(c, folium.GeoJson)
                   and c.data["features"] and c.data["features"][0]["properties"].get("tier") == "village_room"]
    assert len(room_layers) == 1 and len(room_layers[0].data["features"]) == 9 * len(rooms)
    assert fmap.build_map(data, fm.View(), "zh").options["prefer_canvas"] is False


def test_status_is_drawn_by_shape_and_line_not_colour_alone():
    built, near, far = (fmap.marker_style("township_station", s) for s in FACILITY_STATUSES)
    assert built["fillColor"] == fmap.TIER_COLORS["township_station"] and built["fillOpacity"] == 1
    assert near["fillColor"] == "#ffffff" and near["color"] == fmap.TIER_COLORS["township_station"]
    assert far["color"] == fmap.FAR_GREY and far["dashArray"] and far["fillColor"] == "#ffffff"
    assert "dashArray" not in built and "dashArray" not in near
    radii = {t: fmap.marker_style(t, "built").get("radius") for t in TIERS}
    assert radii["village_room"] < radii["township_station"] <= 10  # ≤ 10 px: exact click position
    assert fmap.marker_style("district_center", "planned_far") == {"className": "rd-center rd-planned_far"}
    assert ".rd-center.rd-planned_far" in fmap.MARKER_CSS and "dashed" in fmap.MARKER_CSS


def test_planned_year_and_opening_are_in_the_tooltip():
    _, data = load()
    features = {f["properties"]["label"]: f["properties"]
                for f in fmap.facility_collection(data.facilities, "zh")["features"]}
    assert features["光明社区康复室（老街街道）"]["state"] == "◌ 远期规划建设 · 计划2028年建成"
    assert features["兴盛社区康复室（老街街道）"]["state"] == "○ 近期规划建设 · 计划2026年建成"
    assert features["老街街道康复站"]["state"] == "● 已建成 · 2023年9月启用"
    assert features["源汇区康复指导中心"]["kind"] == "区级康复指导中心"
    english = fmap.facility_collection(data.facilities.head(1), "en")["features"][0]["properties"]
    assert english["kind"] == "District rehab guidance centre"
    assert english["state"] == "● Built · opened Mar 2021"


def test_labels_tell_every_facility_apart():
    for region in (BAOTOU, "411100000000"):
        _, data = load(region)
        labels = data.facilities["label"]
        assert labels.is_unique
        rooms = data.facilities[data.facilities["tier"] == "village_room"]
        assert (rooms["label"] == rooms["name"] + "（" + rooms["township_name"] + "）").all()
    frame = pd.DataFrame({"facility_id": ["a", "b"], "name": ["X康复站", "X康复站"],
                          "tier": ["township_station"] * 2, "township_name": ["甲", "乙"]})
    assert fm.facility_labels(frame).tolist() == ["X康复站 [a]", "X康复站 [b]"]


# ---------------------------------------------------------------- boundaries and the scope

def test_townships_without_a_built_station_are_filled():
    _, data = load(BAOTOU)
    missing = fm.townships_without_station(data)
    f = data.facilities
    planned = set(f.loc[(f["tier"] == "township_station") & (f["status"] != "built"), "township_code"])
    assert planned <= missing and len(planned) == 9
    _, townships = fmap.scope_boundaries(data, "zh")
    filled = {t["id"] for t in townships["features"] if t["properties"]["uncovered"]}
    assert filled == missing & {t["id"] for t in townships["features"]}
    assert all("示意范围" in t["properties"]["tooltip"] for t in townships["features"])
    style = fmap.UNCOVERED_STYLE
    assert style["fill"] and style["fillColor"] == fmap.UNCOVERED_FILL and "rd-uncovered" in style["className"]
    _, yuanhui = load()
    assert fm.townships_without_station(yuanhui) == set()


def test_a_scope_without_polygon_still_fits_its_facilities():
    _, data = load(XITU)
    assert fmap.missing_boundaries(data) == ["包头稀土高新技术产业开发区"]
    districts, townships = fmap.scope_boundaries(data, "zh")
    assert districts["features"] == [] and townships["features"] == []
    m = fmap.build_map(data, ALL_LAYERS, "zh")
    (south, west), (north, east) = _fitted(m)
    f = data.facilities
    assert south <= f["lat"].min() and north >= f["lat"].max()
    assert west <= f["lon"].min() and east >= f["lon"].max()
    assert fmap.missing_boundaries(load()[1]) == []


def _fitted(m: folium.Map):
    fit = next(c for c in m._children.values() if isinstance(c, folium.map.FitBounds))
    return fit.bounds


def test_yuanhui_is_fitted_to_its_district():
    _, data = load()
    (south, west), (north, east) = _fitted(fmap.build_map(data, fm.View(), "zh"))
    district = mapkit.bounds_of(fmap.scope_boundaries(data, "zh")[0])
    assert (west, south, east, north) == pytest.approx(district, abs=0.02)


# ---------------------------------------------------------------- GCJ-02 (高德 AMap)

# Reference points of the eviltransform project (github.com/googollee/eviltransform, tests of every
# language port): WGS-84 (lat, lon) -> GCJ-02 (lat, lon).
EVILTRANSFORM = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


@pytest.mark.parametrize("wgs, gcj", EVILTRANSFORM)
def test_wgs84_to_gcj02_matches_the_reference_points(wgs, gcj):
    lon, lat = mapkit.wgs84_to_gcj02(wgs[1], wgs[0])
    assert (lat, lon) == pytest.approx(gcj, abs=1e-9)


def test_points_outside_china_are_not_shifted():
    assert mapkit.wgs84_to_gcj02(139.767125, 35.681236) == (139.767125, 35.681236)  # Tokyo
    assert mapkit.wgs84_to_gcj02(-0.1276, 51.5072) == (-0.1276, 51.5072)  # London


def test_amap_moves_every_facility_to_gcj02():
    _, data = load()
    m = fmap.build_map(data, ALL_LAYERS, "zh", "amap")
    assert m.datum == mapkit.GCJ02
    wgs = data.facilities.set_index("facility_id")
    for feature in facility_features(m):
        row = wgs.loc[feature["id"]]
        assert feature["geometry"]["coordinates"] == pytest.approx(
            list(mapkit.wgs84_to_gcj02(row["lon"], row["lat"])), abs=1e-6)
    centre = wgs[wgs["tier"] == "district_center"].iloc[0]
    moved = mapkit.wgs84_to_gcj02(centre["lon"], centre["lat"])
    # 源汇区 lies about 0.006° east and 0.001° south of its WGS-84 place on AMap's tiles.
    assert 0.004 < moved[0] - centre["lon"] < 0.008 and -0.003 < moved[1] - centre["lat"] < 0.001
    plain = fmap.build_map(data, ALL_LAYERS, "zh")
    assert {f["id"]: f["geometry"]["coordinates"] for f in facility_features(plain)} == {
        i: [round(r["lon"], 6), round(r["lat"], 6)] for i, r in wgs.iterrows()}


# ---------------------------------------------------------------- clicks

def frontend_click(m: mapkit.OfflineMap, label: str) -> dict:
    """What streamlit-folium's frontend sends for a click on the facility `label`: the marker's own
    position in the map's datum and the tooltip's text (its table cells, with whitespace)."""
    feature = next(f for f in facility_features(m) if f["properties"]["label"] == label)
    lon, lat = feature["geometry"]["coordinates"]
    p = feature["properties"]
    tooltip = "".join(f"\n            {p[k]}\n        " for k in ("label", "kind", "state"))
    return {"last_object_clicked": {"lat": lat, "lng": lon}, "last_object_clicked_tooltip": tooltip,
            "last_object_clicked_count": 2}


@pytest.mark.parametrize("basemap", ["none", "amap"])
def test_a_click_finds_its_facility(basemap):
    _, data = load()
    m = fmap.build_map(data, fm.View(), "zh", basemap)
    shown = fm.shown_facilities(data, fm.View())
    for label in ("老街街道康复站", "源汇区康复指导中心", "光明社区康复室（老街街道）"):
        expected = shown.loc[shown["label"] == label, "facility_id"].iloc[0]
        assert fmap.clicked_facility(frontend_click(m, label), shown, m) == expected


def test_clicks_on_anything_else_choose_nothing():
    _, data = load()
    m = fmap.build_map(data, fm.View(), "zh")
    shown = fm.shown_facilities(data, fm.View())
    assert fmap.clicked_facility(None, shown, m) is None
    assert fmap.clicked_facility({"last_object_clicked": None, "last_object_clicked_tooltip": None,
                                "last_object_clicked_count": 0}, shown, m) is None
    township = {"last_object_clicked": {"lat": 33.57, "lng": 114.03},
                "last_object_clicked_tooltip": "老街街道（示意范围）"}
    assert fmap.clicked_facility(township, shown, m) is None
    far_away = frontend_click(m, "老街街道康复站")
    far_away["last_object_clicked"] = {"lat": 33.50, "lng": 113.90}
    assert fmap.clicked_facility(far_away, shown, m) is None  # right name, wrong place
    hidden = shown[shown["tier"] != "township_station"]
    assert fmap.clicked_facility(frontend_click(m, "老街街道康复站"), hidden, m) is None


# ---------------------------------------------------------------- st_folium: no rerun on pan, stable key

def _component_args(monkeypatch, m, **kwargs) -> dict:
    sent = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: sent.update(kw))
    monkeypatch.setattr(component, "st_folium", streamlit_folium.st_folium)
    component.show_map(m, "facility_map", returned_objects=fmap.FACILITY_CLICKS, **kwargs)
    return sent


def test_only_clicks_come_back_and_the_component_key_is_stable(monkeypatch):
    _, data = load()
    shown = fm.shown_facilities(data, fm.View())
    first = _component_args(monkeypatch, fmap.build_map(data, fm.View(), "zh"))
    assert set(first["returned_objects"]) == {"last_object_clicked", "last_object_clicked_tooltip",
                                              "last_object_clicked_count"}
    assert not {"bounds", "zoom", "center"} & set(first["default"])  # panning sends nothing back
    again = fmap.build_map(data, fm.View(), "zh")
    ring = fmap.selection_ring(again, shown.iloc[3])
    second = _component_args(monkeypatch, again, feature_group_to_add=ring)
    # Same map, another selection: the same component, so the reader's pan and zoom stay.
    assert second["key"] == first["key"]
    assert "rd-selected" in second["feature_group"]
    other = _component_args(monkeypatch, fmap.build_map(data, fm.View(tiers=("township_station",)), "zh"))
    assert other["key"] != first["key"]  # other toggles: a new map, fitted again


def test_rendered_map_loads_nothing_from_the_internet():
    _, data = load(BAOTOU)
    html = fmap.build_map(data, ALL_LAYERS, "zh").get_root().render()
    assert _urls(html) == set()
    assert 'L.Icon.Default.imagePath = "/app/static/vendor/leaflet/images/"' in html
    for shown in ("rd-station", "rd-room", "rd-center", "rd-institution", "rd-device", "rd-pairing"):
        assert shown in html


# ---------------------------------------------------------------- card

UNTIL = dt.date(2025, 8, 31)


def test_station_card():
    run, data = load()
    station = data.facilities.set_index("label").loc["老街街道康复站", "facility_id"]
    card = fm.facility_card(run, data, station, 2025, UNTIL)
    assert card.facility["host_name"] == "老街街道社区卫生服务中心" and card.facility["staff"] == 6
    assert card.services_region == "老街街道"
    services = runner(NEWEST, "411102001000")("rehab_services_totals", **_window())
    this_year = services[services["year"] == 2025].iloc[0]
    assert (card.services.base, card.services.value) == (this_year["need"], this_year["served"])
    assert set(card.partners["institution_name"]) == {"万安医院", "源汇区人民医院"}
    assert len(card.rooms) == 4 and set(card.rooms["township_code"]) == {"411102001000"}  # 7 villages
    assert list(card.rooms["status"]) == sorted(card.rooms["status"], key=FACILITY_STATUSES.index)


def _window() -> dict:
    from rehabdash.kernel.measures import year_window

    return year_window(NEWEST, 2025)


def test_centre_and_room_cards():
    run, data = load()
    ids = data.facilities.set_index("label")["facility_id"]
    centre = fm.facility_card(run, data, ids["源汇区康复指导中心"], 2025, UNTIL)
    assert centre.services_region == "源汇区" and centre.rooms is None
    assert len(centre.partners) == 10  # every institution paired with a township of the district
    totals = runner(NEWEST, YUANHUI)("rehab_services_totals", **_window())
    assert centre.services.base == totals.loc[totals["year"] == 2025, "need"].iloc[0]
    room = fm.facility_card(run, data, ids["光明社区康复室（老街街道）"], 2025, UNTIL)
    assert room.services_region == "老街街道" and room.rooms is None
    assert fm.status_text(room.facility, "zh") == "◌ 远期规划建设 · 计划2028年建成"


def test_region_services_stays_inside_the_scope():
    outside = runner(NEWEST, BAOTOU)("region_services", region="411102001000", year=2025, until=UNTIL)
    assert outside.iloc[0].tolist() == [0, 0]


# ---------------------------------------------------------------- coverage

def test_yuanhui_coverage():
    run, data = load()
    coverage = fm.township_coverage(run, data)
    assert len(coverage) == 9 and (coverage["station_status"] == "built").all()
    assert coverage["villages_with_room"].sum() == 29
    planned = [c for c in coverage.columns if c.startswith("planned_")]
    assert coverage[planned].to_numpy().sum() == 22
    assert coverage.set_index("township_name").loc["老街街道", "planned_2028"] == 2
    paired = coverage.set_index("township_name")["paired_institutions"]
    assert sorted(paired["老街街道"]) == ["万安医院", "源汇区人民医院"]
    assert sum(len(p) for p in paired) == 15


def test_coverage_table_has_chinese_headers_and_downloads(monkeypatch):
    run, data = load(BAOTOU)
    coverage = fm.township_coverage(run, data)
    table = fm.coverage_table(coverage, "zh", with_district=True)
    assert list(table.columns[:6]) == ["乡镇（街道）", "所属区县", "康复站", "村（社区）数",
                                       "已建康复室的村（社区）数", "康复室覆盖率"]
    assert "规划康复室（2026年）" in table.columns and table.columns[-1] == "结对机构"
    stations = table.set_index("乡镇（街道）")["康复站"]
    assert stations["先锋道街道"] == "○ 近期规划建设（2026年）"
    assert stations["团结大街街道"] == "◌ 远期规划建设（2027年）"
    built = stations[(coverage["station_status"] == "built").to_numpy()]
    assert len(built) == 77 and all(re.fullmatch(r"● 已建成（\d{4}年）", s) for s in built)
    from rehabdash import ui

    workbook = pd.read_excel(io.BytesIO(ui.widgets.xlsx_bytes(table, "覆盖情况")))
    assert list(workbook.columns) == list(table.columns) and len(workbook) == len(coverage)
    english = fm.coverage_table(coverage, "en", with_district=False)
    assert english.columns[0] == "Township" and "District" not in english.columns


# ---------------------------------------------------------------- legend

def test_legend_names_every_symbol_shown_and_fetches_nothing():
    html = fmap.legend_html(ALL_LAYERS, "zh")
    for text in ("区级康复指导中心", "乡镇（街道）康复站", "村（社区）康复室", "已建成（实心）",
                 "近期规划建设（空心）", "远期规划建设（灰色虚线）", "区县边界", "乡镇（街道）边界（示意）",
                 "尚无已建成康复站的乡镇（街道）", "定点康复机构", "结对关系", "辅具服务站点"):
        assert text in html, text
    assert _urls(html) <= {"http://www.w3.org/2000/svg"}  # a namespace, inside data: URLs, not fetched
    assert re.findall(r'src="([a-z]+):', html) and set(re.findall(r'src="([a-z]+):', html)) == {"data"}
    narrow = fmap.legend_html(fm.View(tiers=("village_room",), layers=()), "zh")
    assert "区级康复指导中心" not in narrow and "辅具服务站点" not in narrow and "村（社区）康复室" in narrow


# ---------------------------------------------------------------- map kit extensions used here

def test_add_geojson_styles_points_per_feature_and_skips_empty_layers():
    m = mapkit.base_map((113.8, 33.4, 114.1, 33.7), "amap")
    points = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "a", "properties": {"name": "甲", "k": 1},
         "geometry": {"type": "Point", "coordinates": [114.0, 33.5]}},
        {"type": "Feature", "id": "b", "properties": {"name": "乙", "k": 2},
         "geometry": {"type": "Point", "coordinates": [114.01, 33.51]}}]}
    layer = layers.add_geojson(m, points, name="点", style=lambda f: {"radius": f["properties"]["k"]},
                               marker=folium.CircleMarker())
    assert layer.data["features"][0]["geometry"]["coordinates"] == pytest.approx(
        list(mapkit.wgs84_to_gcj02(114.0, 33.5)))
    html = m.get_root().render()
    assert '"radius": 2' in html and "pointToLayer" in html
    assert layers.add_geojson(m, {"type": "FeatureCollection", "features": []}, name="空", style={}) is None


def test_map_focus_does_not_scroll_the_page():
    html = mapkit.base_map((113.8, 33.4, 114.1, 33.7)).get_root().render()
    assert "rdMap.focusWithoutScroll(" in html
    assert "preventScroll: true" in (PROJECT_DIR / "static/map/rehab-map.js").read_text()
