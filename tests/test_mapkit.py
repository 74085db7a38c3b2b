"""Offline map machinery: vendored assets, tile bases and datums, boundary files."""
from __future__ import annotations

import hashlib
import io
import json
import math
import re
import tarfile
from pathlib import Path

import folium
import pytest
import shapely
from shapely.geometry import Point, shape

from rehabdash.maps import assets, component, controls, layers, mapkit
from rehabdash.store import boundaries
from tools import boundaries as boundary_build

URL = re.compile(r"""(?:https?:)?//[^\s"'`<>)]+""", re.IGNORECASE)
BAOTOU = (109.27, 40.24, 111.44, 42.74)  # (min_lon, min_lat, max_lon, max_lat)
pytestmark = pytest.mark.usefixtures("clean_map_env")


def _urls(html: str) -> set[str]:
    html = html.replace("\\u0026", "&")  # tojson writes & as \u0026 inside scripts
    return {u for u in URL.findall(html) if not u.startswith("//#")}


def _html(m: folium.Map) -> str:
    return m.get_root().render()


def _full_map(basemap: str = "none") -> mapkit.OfflineMap:
    """A map using every kind of layer the facility map draws."""
    d = boundaries.load("districts")
    m = mapkit.base_map(mapkit.bounds_of(d), basemap)
    layers.add_boundaries(m, d, name="区县")
    layers.add_boundaries(m, boundaries.load("townships"), name="乡镇", style=layers.TOWNSHIP_STYLE)
    group = folium.FeatureGroup(name="康复站").add_to(m)
    folium.CircleMarker(m.latlng(109.84, 40.66), radius=6, tooltip="站点",
                        popup="<b>康复站</b><br>已建成").add_to(group)
    folium.Marker(m.latlng(109.9, 40.6), popup=folium.Popup("卡片", lazy=True)).add_to(group)
    folium.Marker(m.latlng(110.0, 40.6), icon=folium.DivIcon(html="<div>区</div>")).add_to(group)
    folium.PolyLine([m.latlng(109.84, 40.66), m.latlng(110.0, 40.6)], dash_array="4").add_to(m)
    folium.Polygon([m.latlng(109.8, 40.6), m.latlng(109.9, 40.6), m.latlng(109.85, 40.7)]).add_to(m)
    folium.LayerControl().add_to(m)
    return m


# ---------------------------------------------------------------- assets in the rendered HTML

def test_no_internet_url_in_rendered_map():
    html = _html(_full_map())
    assert _urls(html) == set()
    srcs = re.findall(r'<script src="([^"]+)"', html)
    hrefs = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    digest = hashlib.sha256((Path(__file__).parents[1] / "static/map/rehab-map.js").read_bytes()).hexdigest()
    assert srcs == ["/app/static/vendor/leaflet/leaflet.js", f"/app/static/map/rehab-map.js?v={digest[:12]}"]
    assert hrefs == ["/app/static/vendor/leaflet/leaflet.css"]
    for gone in ("jquery", "bootstrap", "fontawesome", "awesome-markers", "awesome_markers"):
        assert gone not in html.lower()
    assert "$(" not in html  # folium.Popup's jQuery call was swapped out
    assert 'L.Icon.Default.imagePath = "/app/static/vendor/leaflet/images/"' in html


def test_no_tile_layer_by_default():
    html = _html(mapkit.base_map(BAOTOU))
    assert "L.tileLayer" not in html
    assert mapkit.BACKGROUND in html


@pytest.mark.parametrize(
    "basemap, env, expected",
    [
        ("osm", {}, {mapkit.OSM_URL}),
        ("tianditu", {"REHAB_TIANDITU_KEY": "k123"},
         {mapkit.TIANDITU_URL % ("vec_w", "k123"), mapkit.TIANDITU_URL % ("cva_w", "k123")}),
        ("amap", {}, {mapkit.AMAP_URL}),
        ("custom", {"REHAB_TILE_URL": "http://tiles.intra/{z}/{x}/{y}.png"},
         {"http://tiles.intra/{z}/{x}/{y}.png"}),
    ],
)
def test_only_tile_templates_when_a_tile_base_is_chosen(monkeypatch, basemap, env, expected):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    html = _html(_full_map(basemap))
    assert _urls(html) == expected
    assert html.count("L.tileLayer(") == len(expected)


def test_tianditu_layers_and_subdomains(monkeypatch):
    monkeypatch.setenv("REHAB_TIANDITU_KEY", "abc")
    html = _html(mapkit.base_map(BAOTOU, "tianditu"))
    assert "T=vec_w" in html and "T=cva_w" in html and "tk=abc" in html
    assert html.count('"subdomains": "01234567"') == 2


@pytest.mark.parametrize(
    "basemap, env",
    [("tianditu", {}), ("custom", {}),
     ("custom", {"REHAB_TILE_URL": "http://x/{z}/{x}/{y}.png", "REHAB_TILE_DATUM": "bd09"}),
     ("google", {})],
)
def test_misconfigured_tile_base_is_refused(monkeypatch, basemap, env):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(mapkit.MapConfigError):
        mapkit.base_map(BAOTOU, basemap)


def test_asset_base_url_override(monkeypatch):
    monkeypatch.setenv("REHAB_ASSET_BASE_URL", "/rehab/app/static/vendor/")
    html = _html(mapkit.base_map(BAOTOU))
    assert '<script src="/rehab/app/static/vendor/leaflet/leaflet.js">' in html
    # the dashboard's own script stays with the app (only the vendored packages may live elsewhere)
    assert re.search(r'<script src="/app/static/map/rehab-map\.js\?v=[0-9a-f]{12}">', html)


def test_every_map_function_called_is_in_the_served_script():
    """The map scripts call their behaviour in static/map/rehab-map.js: each function they call is
    defined there, and none of its code is sent in the map's own script any more."""
    served = (Path(__file__).parents[1] / "static/map/rehab-map.js").read_text()
    defined = set(re.findall(r"^  (\w+): function", served, re.M))
    html = _html(_full_map())
    board = mapkit.base_map(BAOTOU)
    controls.add_board(board, (109.8, 40.5, 110.1, 40.8), "复位")
    controls.add_zoom_to(board, (109.8, 40.6, 109.9, 40.7), "密集")
    board.add_child(controls.SpreadCentres())
    board.add_child(controls.LegendControl("<b>图例</b>", "图例"))
    layers.add_geojson(board, {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "青山区"},
         "geometry": {"type": "Point", "coordinates": [109.9, 40.65]}}]}, name="区", style={}, tooltip_fields=["name"])
    html += _html(board)
    called = set(re.findall(r"rdMap\.(\w+)\(", html))
    assert {"fitButton", "zoomClasses", "spreadCentres", "legend", "textTooltip", "nameMarkers",
            "focusWithoutScroll"} <= called
    assert called <= defined
    for sent_once in ("getBoundingClientRect", "L.Control.extend", "DOMParser", "row.textContent"):
        assert sent_once not in html


def test_parts_that_need_a_cdn_are_refused():
    m = mapkit.base_map(BAOTOU)
    folium.Marker([40.6, 109.9], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(mapkit.OfflineMapError, match="folium.Icon"):
        _html(m)


# ---------------------------------------------------------------- datums

def _metres(a, b) -> float:
    (lon1, lat1), (lon2, lat2) = a, b
    k = math.pi / 180
    x = (lon2 - lon1) * k * math.cos((lat1 + lat2) / 2 * k)
    return 6371000 * math.hypot(x, (lat2 - lat1) * k)


def test_amap_uses_gcj02_and_shifts_baotou_about_500_m():
    seat = (109.8432, 40.6580)  # 包头 city centre, WGS-84
    m = mapkit.base_map(BAOTOU, "amap")
    assert m.datum == mapkit.GCJ02
    moved = m.project(*seat)
    assert 400 < _metres(seat, moved) < 650  # measured 513 m
    assert m.latlng(*seat) == [moved[1], moved[0]]
    gj = m.project_geojson({"type": "Feature", "properties": {},
                            "geometry": {"type": "Point", "coordinates": list(seat)}})
    assert gj["geometry"]["coordinates"] == pytest.approx(moved)


@pytest.mark.parametrize("basemap", ["none", "osm"])
def test_wgs84_bases_do_not_move_points(basemap):
    m = mapkit.base_map(BAOTOU, basemap)
    assert m.datum == mapkit.WGS84
    assert m.project(109.8432, 40.658) == (109.8432, 40.658)


def test_custom_gcj02_tiles(monkeypatch):
    monkeypatch.setenv("REHAB_TILE_URL", "http://tiles.intra/{z}/{x}/{y}.png")
    monkeypatch.setenv("REHAB_TILE_DATUM", "gcj02")
    assert mapkit.base_map(BAOTOU, "custom").datum == mapkit.GCJ02


# ---------------------------------------------------------------- show_map / streamlit-folium

def test_show_map_is_a_thin_wrapper(monkeypatch):
    seen = {}

    def fake(m, **kwargs):
        seen.update(kwargs, map=m)
        return {"last_object_clicked_tooltip": "站点"}

    monkeypatch.setattr(component, "st_folium", fake)
    m = mapkit.base_map(BAOTOU)
    assert component.show_map(m, "facility-map", height=400) == {"last_object_clicked_tooltip": "站点"}
    assert seen["map"] is m and seen["key"] == "facility-map" and seen["height"] == 400
    assert seen["returned_objects"] == list(component.CLICK_OBJECTS)


def test_streamlit_folium_receives_only_our_assets(monkeypatch):
    """Run the real st_folium up to its frontend call: what would the iframe load?"""
    import streamlit_folium

    sent = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: sent.update(kw))
    monkeypatch.setattr(component, "st_folium", streamlit_folium.st_folium)
    component.show_map(_full_map(), "k")
    digest = hashlib.sha256((Path(__file__).parents[1] / "static/map/rehab-map.js").read_bytes()).hexdigest()
    assert sent["js_links"] == ["/app/static/vendor/leaflet/leaflet.js", f"/app/static/map/rehab-map.js?v={digest[:12]}"]
    assert sent["css_links"] == ["/app/static/vendor/leaflet/leaflet.css"]
    for part in ("script", "header", "html"):
        assert _urls(sent[part] or "") == set(), part
    assert "$(" not in sent["script"]


# ---------------------------------------------------------------- asset installer

def _fake_leaflet_tarball(path: Path) -> Path:
    pkg = assets.PACKAGES["leaflet"]
    with tarfile.open(path, "w:gz") as tar:
        for name in [*pkg.files, pkg.license]:
            data = f"/* {name} */".encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_installer_is_idempotent_and_keeps_the_licence(monkeypatch, tmp_path):
    calls = []

    def fake_fetch(name, pkg, workdir):
        calls.append(name)
        return _fake_leaflet_tarball(workdir / "leaflet.tgz")

    monkeypatch.setattr(assets, "_fetch", fake_fetch)
    vendor = tmp_path / "vendor"
    assert "leaflet" in assets.missing(vendor)
    assert assets.install("leaflet", vendor_dir=vendor) is True
    assert assets.install("leaflet", vendor_dir=vendor) is False
    assert calls == ["leaflet"]
    target = vendor / "leaflet"
    assert (target / "LICENSE").is_file() and (target / "leaflet.js").is_file()
    assert (target / "images" / "marker-icon.png").is_file()
    stamp = json.loads((target / assets.STAMP_NAME).read_text(encoding="utf-8"))
    assert stamp["version"] == assets.PACKAGES["leaflet"].version
    assert "leaflet" not in assets.missing(vendor)
    assert assets.install("leaflet", vendor_dir=vendor, force=True) is True
    assert calls == ["leaflet", "leaflet"]


def test_installer_says_so_when_npm_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(assets.shutil, "which", lambda _name: None)
    with pytest.raises(assets.AssetError) as err:
        assets.install("leaflet", vendor_dir=tmp_path)
    assert "未找到 npm" in str(err.value) and "npm not found" in str(err.value)
    assert assets.main(["--dest", str(tmp_path)]) == 2


def test_versions_are_pinned():
    for pkg in assets.PACKAGES.values():
        assert re.fullmatch(r"\d+\.\d+\.\d+", pkg.version)
        assert pkg.integrity.startswith("sha512-")
    assert set(assets.PACKAGES) == {"leaflet", "axe-core"}


# ---------------------------------------------------------------- boundary files

EXPECTED_DISTRICTS = {
    "150202000000": "东河区", "150203000000": "昆都仑区", "150204000000": "青山区",
    "150205000000": "石拐区", "150206000000": "白云鄂博矿区", "150207000000": "九原区",
    "150221000000": "土默特右旗", "150222000000": "固阳县", "150223000000": "达尔罕茂明安联合旗",
    "411102000000": "源汇区",
}


def test_district_boundaries():
    d = boundaries.load("districts")
    got = {f["properties"]["region_code"]: f["properties"]["name"] for f in d["features"]}
    assert got == EXPECTED_DISTRICTS  # 稀土高新区 150271 has no polygon: left out
    for f in d["features"]:
        g = shape(f["geometry"])
        assert g.is_valid and not g.is_empty and g.geom_type in ("Polygon", "MultiPolygon")
    minx, miny, maxx, maxy = mapkit.bounds_of(d)
    assert 109 < minx < maxx < 115 and 33 < miny < maxy < 43


def test_township_boundaries_are_approximate_cells_inside_their_district():
    districts = {f["properties"]["region_code"]: shape(f["geometry"])
                 for f in boundaries.load("districts")["features"]}
    t = boundaries.load("townships")["features"]
    assert len(t) == 92  # 91 seats outside 稀土高新区 + 1 sample unit
    codes = [f["properties"]["region_code"] for f in t]
    assert len(set(codes)) == len(codes)
    assert not any(c.startswith("150271") for c in codes)
    by_parent: dict[str, list] = {}
    for f in t:
        p = f["properties"]
        g = shape(f["geometry"])
        assert p["approximate"] is True and len(p["region_code"]) == 12
        assert g.is_valid and not g.is_empty
        assert g.buffer(1e-4).contains(Point(p["seat_lon"], p["seat_lat"]))
        parent = districts[p["parent_code"]]
        assert g.difference(parent.buffer(1e-4)).area < 1e-8
        by_parent.setdefault(p["parent_code"], []).append(g)
    for code, cells in by_parent.items():  # cells tile their district
        assert shapely.union_all(cells).symmetric_difference(districts[code]).area \
            < 1e-3 * districts[code].area
    sample = [f for f in t if f["properties"]["region_code"] == "411102990000"]
    assert len(sample) == 1 and sample[0]["properties"]["name"] == "样例街道（示例单元）"
    assert sample[0]["properties"]["sample"] is True
    assert districts["411102000000"].contains(
        Point(sample[0]["properties"]["seat_lon"], sample[0]["properties"]["seat_lat"]))
    assert len(by_parent["411102000000"]) == 9


def test_boundary_files_are_small():
    total = sum(boundaries.path(k).stat().st_size for k in boundaries.FILES)
    assert total < 1_000_000


@pytest.mark.skipif(not boundary_build.TOWNSHIPS_CSV.is_file(), reason="shared/reference not beside repo")
def test_boundary_files_match_their_generator():
    districts, townships = boundary_build.build()
    assert boundaries.path("districts").read_text(encoding="utf-8") == boundary_build.dumps(districts)
    assert boundaries.path("townships").read_text(encoding="utf-8") == boundary_build.dumps(townships)
