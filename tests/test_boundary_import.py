"""Township boundary import: GeoJSON, zipped Shapefile (projected CRS) and KML (GCJ-02), matched,
checked with Chinese messages naming the feature, published atomically and drawn on the map.

The "surveyed" polygons of the tests are the sample's approximate cells of 源汇区 shrunk by 100 m,
so what the map draws afterwards can be told from the approximate fallback.
"""
from __future__ import annotations

import io
import json
import zipfile

import coordTransform
import numpy as np
import pytest
import shapefile  # pyshp
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import mapping, shape

from rehabdash.access import audit
from rehabdash.access.accounts import Account
from rehabdash.ingest import boundaries as township_import
from rehabdash.kernel.errors import NoAccess
from rehabdash.maps import facility_map as fmap
from rehabdash.store import boundaries
from rehabdash.topics import facility_map as fm

from .conftest import data_copy
from .seed import NEWEST, YUANHUI

ADMIN = Account("admin1", "admin", (), password_hash="")
YUANHUI_ADMIN = Account("yh", "admin", (YUANHUI,), password_hash="")
BAOTOU_ADMIN = Account("bt", "admin", ("150200000000",), password_hash="")
CLERK = Account("clerk", "clerk", (), password_hash="")


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    """A data directory with the newest sample snapshot and no boundaries of its own."""
    directory = data_copy(tmp_path, newest_only=True)
    monkeypatch.setenv("REHAB_DATA_DIR", str(directory))
    monkeypatch.setenv("REHAB_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.delenv("REHAB_BASEMAP", raising=False)
    return directory


def surveyed() -> dict[str, tuple[str, shapely.Geometry]]:
    """{code: (name, polygon)} for the real townships of 源汇区 (not the sample unit)."""
    cells = [f for f in json.loads((boundaries.SHIPPED_DIR / "townships_approx.geojson").read_text("utf-8"))
             ["features"] if f["properties"]["parent_code"] == YUANHUI and not f["properties"].get("sample")]
    return {f["properties"]["region_code"]: (f["properties"]["name"], shape(f["geometry"]).buffer(-0.001))
            for f in cells}


def geojson(features: list[tuple[dict, dict]]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": g} for p, g in features]}, ensure_ascii=False).encode()


def three_problems() -> tuple[bytes, list[tuple[str, str]]]:
    """A GeoJSON of four townships of 源汇区: a wrong code, a self-intersecting polygon, one 30 km
    outside its district and a good one; with the (code, name) of the first three."""
    towns = list(surveyed().items())
    (code1, (name1, good1)), (code2, (name2, _)), (code3, (name3, poly3)), (code4, (name4, good4)) = towns[:4]
    minx, miny, maxx, maxy = good1.bounds
    bowtie = {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, maxy], [maxx, miny], [minx, maxy],
                                                  [minx, miny]]]}
    shifted = shapely.affinity.translate(poly3, xoff=0.3)  # 30 km east, outside 源汇区
    content = geojson([
        ({"代码": "411102999000", "名称": "不存在街道"}, mapping(good1)),  # wrong code, no such name
        ({"代码": code2, "名称": name2}, bowtie),
        ({"代码": code3, "名称": name3}, mapping(shifted)),
        ({"代码": code4, "名称": name4}, mapping(good4)),
    ])
    return content, [("411102999000", "不存在街道"), (code2, name2), (code3, name3)]


def test_a_wrong_code_an_invalid_polygon_and_one_outside_are_refused_and_nothing_published(data_dir):
    content, [_, (code2, name2), (code3, name3)] = three_problems()
    checked = township_import.check_file(content, "乡镇.geojson", ADMIN)
    assert not checked.valid
    assert len(checked.problems) == 3, checked.problems
    wrong, invalid, outside = checked.problems
    assert wrong.startswith("第 1 个要素（411102999000 / 不存在街道）") and "区划表中没有" in wrong
    assert wrong.endswith("的乡镇（街道）。")
    assert invalid.startswith(f"第 2 个要素（{code2} / {name2}）") and "多边形无效" in invalid
    assert "边界自相交，在经度 " in invalid and "Self-intersection" not in invalid
    assert outside.startswith(f"第 3 个要素（{code3} / {name3}）") and "源汇区 的边界之外" in outside
    assert "100%" in outside
    with pytest.raises(ValueError):
        township_import.publish(checked, ADMIN)
    assert not boundaries.imported_path().exists()
    assert not (data_dir / "boundaries").exists()


def shapefile_zip(towns: dict, epsg: int) -> bytes:
    """A zipped Shapefile of the townships in a projected CRS, attribute XZQDM (9-digit codes)."""
    to_projected = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON, encoding="utf-8") as out:
        out.field("XZQDM", "C", 20)
        for code, (_, polygon) in towns.items():
            projected = shapely.transform(polygon, lambda xy: np.column_stack(
                to_projected.transform(xy[:, 0], xy[:, 1])))
            # the Shapefile's orientation: outer rings clockwise, holes counter-clockwise
            projected = shapely.orient_polygons(projected, exterior_cw=True)
            out.poly([list(projected.exterior.coords)] + [list(r.coords) for r in projected.interiors])
            out.record(code[:9])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for suffix, part in ((".shp", shp), (".shx", shx), (".dbf", dbf)):
            archive.writestr("xz" + suffix, part.getvalue())
        archive.writestr("xz.prj", CRS.from_epsg(epsg).to_wkt("WKT1_ESRI"))
        archive.writestr("xz.cpg", "UTF-8")
    return buffer.getvalue()


def test_a_projected_shapefile_is_published_and_drawn(data_dir):
    towns = dict(list(surveyed().items())[:3])
    content = shapefile_zip(towns, 4547)  # CGCS2000 / 3-degree Gauss-Kruger CM 114E: 源汇区 is at 114°E
    checked = township_import.check_file(content, "源汇区乡镇.zip", YUANHUI_ADMIN)
    assert checked.problems == [] and checked.valid
    path = township_import.publish(checked, YUANHUI_ADMIN)
    assert path == data_dir / "boundaries" / "townships.geojson"
    assert not list(path.parent.glob("*.tmp"))
    for code, (name, polygon) in towns.items():
        feature = boundaries.feature("townships", code)
        assert feature["properties"]["approximate"] is False and feature["properties"]["name"] == name
        # through the projection and back, within 0.1 % of the area
        assert shape(feature["geometry"]).symmetric_difference(polygon).area < 1e-3 * polygon.area
    # the map: the imported townships drawn without 示意, the others still approximate
    from .seed import runner
    data = fm.load(runner(NEWEST, YUANHUI), NEWEST)
    _, townships = fmap.scope_boundaries(data, "zh")
    tips = {f["id"]: f["properties"] for f in townships["features"]}
    for code in towns:
        assert "示意" not in tips[code]["tooltip"] and tips[code]["approximate"] is False
    others = set(tips) - set(towns)
    assert others and all("示意" in tips[c]["tooltip"] for c in others)
    imports = [e for e in audit.entries("import") if e.get("detail", {}).get("kind") == "township_boundaries"]
    assert imports and imports[-1]["user"] == "yh"  # the audit names the signed-in admin


def kml(placemarks: list[tuple[str, shapely.Polygon]]) -> bytes:
    """A KML document of named polygons, as GIS software writes one (lon,lat, a folder)."""
    def ring(coords) -> str:
        return " ".join(f"{x:.9f},{y:.9f}" for x, y in coords)
    body = "".join(
        f"<Placemark><name>{name}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
        f"{ring(polygon.exterior.coords)}</coordinates></LinearRing></outerBoundaryIs>"
        + "".join(f"<innerBoundaryIs><LinearRing><coordinates>{ring(r.coords)}</coordinates></LinearRing>"
                  f"</innerBoundaryIs>" for r in polygon.interiors)
        + "</Polygon></Placemark>" for name, polygon in placemarks)
    return ('<?xml version="1.0" encoding="utf-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<Folder><name>t</name>{body}</Folder></Document></kml>").encode()


def test_a_gcj02_kml_matched_by_name(data_dir):
    towns = dict(list(surveyed().items())[3:5])
    gcj = [shapely.transform(g, lambda xy: np.array([coordTransform.wgs84_to_gcj02(x, y) for x, y in xy]))
           for _, g in towns.values()]
    content = kml([(name, polygon) for (name, _), polygon in zip(towns.values(), gcj)])
    checked = township_import.check_file(content, "乡镇.kml", ADMIN, crs="gcj02")
    assert checked.valid, checked.problems
    for feature, (code, (_, polygon)) in zip(checked.features, towns.items()):
        assert feature["properties"]["region_code"] == code
        # GCJ-02 back to WGS-84 within a few metres (coordTransform's inverse is approximate), while
        # the GCJ-02 offset itself is hundreds of metres
        assert shape(feature["geometry"]).hausdorff_distance(polygon) < 5e-5
    unconverted = township_import.check_file(content, "乡镇.kml", ADMIN, crs="wgs84")
    assert shape(unconverted.features[0]["geometry"]).hausdorff_distance(list(towns.values())[0][1]) > 2e-3


def test_only_an_admin_of_the_district_may_import(data_dir):
    towns = dict(list(surveyed().items())[:1])
    (code, (name, polygon)), = towns.items()
    content = geojson([({"code": code}, mapping(polygon))])
    with pytest.raises(NoAccess):
        township_import.check_file(content, "a.geojson", CLERK)
    checked = township_import.check_file(content, "a.geojson", BAOTOU_ADMIN)
    assert checked.problems == [f"第 1 个要素（{code}）：{name} 不在您账号的地区范围内。"]
    assert not checked.valid


def test_unreadable_and_unknown_crs(data_dir):
    checked = township_import.check_file(b"not a file", "a.zip", ADMIN)
    assert len(checked.problems) == 1 and checked.problems[0].startswith("无法读取文件“a.zip”")
    towns = dict(list(surveyed().items())[:1])
    (code, (_, polygon)), = towns.items()
    checked = township_import.check_file(geojson([({"code": code}, mapping(polygon))]), "a.geojson",
                                         ADMIN, crs="999999")
    assert checked.problems == ["无法识别坐标系“999999”：投影坐标系请填 EPSG 代码，如 4547。"]
    # projected coordinates declared as WGS-84: refused, naming the feature
    projected = township_import.check_file(shapefile_zip(towns, 4547), "a.zip", ADMIN, crs="wgs84")
    assert len(projected.problems) == 1 and "不在中国的经纬度范围内" in projected.problems[0]


def test_the_command_line(data_dir, tmp_path, capsys):
    from rehabdash.__main__ import main
    bad = tmp_path / "bad.geojson"
    bad.write_bytes(three_problems()[0])
    assert main(["boundaries", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "发现 3 个问题，未发布任何内容" in err and err.count("第 ") == 3
    assert not boundaries.imported_path().exists()
    good = tmp_path / "good.zip"
    good.write_bytes(shapefile_zip(dict(list(surveyed().items())[:2]), 4547))
    assert main(["boundaries", "import", str(good), "--check-only"]) == 0
    assert not boundaries.imported_path().exists()
    assert main(["boundaries", "import", str(good)]) == 0
    assert "已发布 2 个乡镇（街道）边界" in capsys.readouterr().out
    assert len(township_import.published()) == 2


def test_the_admin_page(data_dir):
    from .conftest import open_app_page
    at = open_app_page("app_pages/boundaries.py")
    assert not at.exception and at.title[0].value == "乡镇边界导入"
    assert "尚未导入实测乡镇边界" in at.info[0].value
    at.file_uploader[0].set_value(("乡镇.geojson", three_problems()[0], "application/geo+json"))
    at.run()
    at.button(key="boundaries_check").click()
    at.run()
    assert not at.exception
    assert at.error[0].value == "发现 3 个问题，未发布任何内容："
    problems = next(d.value for d in [*at.table, *at.dataframe] if "问题" in d.value.columns)
    assert len(problems) == 3 and problems["问题"].iloc[0].startswith("第 1 个要素")
    assert not [b for b in at.button if b.key == "boundaries_publish"]
    at.file_uploader[0].set_value(("乡镇.zip", shapefile_zip(dict(list(surveyed().items())[:3]), 4547),
                                   "application/zip"))
    at.radio(key="boundaries_crs").set_value("epsg")
    at.run()
    at.text_input(key="boundaries_epsg").set_value("4547")
    at.run()
    at.button(key="boundaries_check").click()
    at.run()
    assert at.success[0].value.startswith("检查通过：3 个要素")
    at.button(key="boundaries_publish").click()
    at.run()
    assert not at.exception
    assert at.success[0].value == "已发布 3 个乡镇（街道）边界。"
    shown = next(d.value for d in at.dataframe if "区划代码" in d.value.columns)
    assert shown["区划代码"].tolist() == list(surveyed())[:3]
    assert set(shown["所属区县"]) == {"源汇区"}
