"""Every unit kind of the statistical division list (issue 33): cities without districts (东莞市),
county-level units under a province (济源市), development zones (郑州航空港经济综合实验区) and 兵团
cities set up and their townships imported from the list, without coordinates.

Expected values come from the extracts of the bureau's list in tests/nbs2023/ (see its README: rows
of modood/Administrative-divisions-of-China, not the file the code reads) and from the bureau's
published totals (2,978 county-level units, 41,352 townships).
"""
from __future__ import annotations

import csv
import json
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rehabdash import ingest
from rehabdash.access.accounts import Account
from rehabdash.ingest import boundaries as township_import
from rehabdash.ingest import setup
from rehabdash.kernel.config import PROJECT_DIR
from rehabdash.store.snapshots import list_snapshots, newest_valid
from rehabdash.topics import facility_map

from .conftest import open_app_page

ADMIN = Account("admin", "admin", (), password_hash="")
EXTRACTS = Path(__file__).parent / "nbs2023"
DONGGUAN, DONGGUAN_DISTRICT = "441900000000", "441901000000"  # the city and the district standing in for it
JIYUAN, HENAN_COUNTIES = "419001000000", "419000000000"
AIRPORT_ZONE, ZHENGZHOU = "410173000000", "410100000000"


def extract(name: str) -> list[dict]:
    with (EXTRACTS / f"{name}.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def townships_of(area: str) -> list[dict]:
    return [r for r in extract("streets") if r["areaCode"] == area]


def newest_regions(directory: Path) -> pd.DataFrame:
    snapshot = newest_valid(list_snapshots(directory))
    return pd.read_parquet(snapshot.table_path("regions")).set_index("region_code")


def test_the_shipped_list_is_the_bureaus():
    tree = setup.national_tree().set_index("region_code")
    counts = tree["level"].value_counts().to_dict()
    # 41,352 townships listed; 金门县's one row (350527000) is the county itself and is not repeated
    assert counts == {"nation": 1, "province": 31, "city": 341, "district": 2_978, "township": 41_351}
    assert set(tree["parent_code"].dropna()) <= set(tree.index)
    parent_level = tree["parent_code"].map(tree["level"])
    above = {"province": "nation", "city": "province", "district": "city", "township": "district"}
    for level, parent in above.items():  # every unit one level under its parent: no rule needs an exception
        assert (parent_level[tree["level"] == level] == parent).all(), level
    for row in extract("streets"):  # every township of the extracts, by code, name and parent
        parent = DONGGUAN_DISTRICT if row["areaCode"] == "441900" else row["areaCode"] + "000000"
        assert tree.loc[row["code"] + "000", ["name", "level", "parent_code"]].tolist() == [
            row["name"], "township", parent], row
    for row in extract("areas"):
        code = DONGGUAN_DISTRICT if row["code"] == "441900" else row["code"] + "000000"
        assert tree.loc[code, ["name", "level"]].tolist() == [row["name"], "district"]
    assert tree.loc[DONGGUAN, ["name", "level", "parent_code"]].tolist() == ["东莞市", "city", "440000000000"]
    assert tree.loc[JIYUAN, "parent_code"] == HENAN_COUNTIES
    assert tree.loc[HENAN_COUNTIES, ["name", "level"]].tolist() == ["省直辖县级行政区划", "city"]
    assert tree.loc["659001000000", ["name", "parent_code"]].tolist() == ["石河子市", "659000000000"]
    assert tree.loc[AIRPORT_ZONE, ["name", "parent_code"]].tolist() == ["郑州航空港经济综合实验区", ZHENGZHOU]
    # a municipality is a province holding one city of its name (the list's 市辖区; 重庆's 县 merged in)
    assert tree.loc["500100000000", "name"] == "重庆市"
    assert tree.loc["500229000000", "parent_code"] == "500100000000"  # 城口县, of 重庆's 县 (5002)


def test_candidates_say_where_they_lie():
    found = setup.find("新城区")
    labels = setup.division_labels(found, "zh")
    # the 12-digit statistical code, as the region columns and the template's 区划代码 sheet give it
    assert sorted(labels.values()) == ["新城区（呼和浩特市 · 内蒙古自治区，150102000000，区县）",
                                       "新城区（西安市 · 陕西省，610102000000，区县）"]
    assert setup.find("航空港")["region_code"].tolist() == [AIRPORT_ZONE]
    assert set(setup.find("东莞市")["region_code"]) == {DONGGUAN, DONGGUAN_DISTRICT}
    assert setup.find("441900")["level"].tolist() == ["city"]


def test_dongguan_set_up_and_its_36_townships_imported_without_coordinates(empty_dir):
    setup.create(DONGGUAN, ADMIN, dt.date(2025, 12, 31), townships=False)
    regions = newest_regions(empty_dir)
    assert regions["level"].to_dict() == {DONGGUAN: "city", DONGGUAN_DISTRICT: "district"}
    listed = townships_of("441900")
    assert len(listed) == 36
    rows = pd.DataFrame({"region_code": [r["code"] + "000" for r in listed], "name": [r["name"] for r in listed],
                         "level": "township", "parent_code": DONGGUAN_DISTRICT, "lon": None, "lat": None,
                         "registered_disabled": 100})
    services = pd.DataFrame([{"period": dt.date(2026, 1, 1), "region_code": rows["region_code"].iloc[0],
                              "disability_type": "physical", "need_count": 9, "served_count": 4}])
    snapshot = newest_valid(list_snapshots(empty_dir))
    workbook = ingest.template_bytes(snapshot, "zh", {"regions": rows, "rehab_services": services})
    checked = ingest.check_workbook(workbook, dt.date(2026, 1, 31), lang="zh", account=ADMIN)
    assert checked.valid, ingest.problem_table(checked.problems, "zh").to_string()
    ingest.publish(checked, ADMIN, "东莞市2026年1月.xlsx")
    regions = newest_regions(empty_dir)
    townships = regions[regions["level"] == "township"]
    assert sorted(townships["name"]) == sorted(r["name"] for r in listed)
    assert townships["lon"].isna().all() and (townships["parent_code"] == DONGGUAN_DISTRICT).all()
    # the map has no place for them, and says how many (no township polygon of 东莞 ships)
    at = open_app_page("app_pages/facility_map.py")
    assert not at.exception and not at.error
    assert any("有 36 个乡镇（街道）既无驻地坐标也无边界" in c.value for c in at.caption), [c.value for c in at.caption]


@pytest.mark.parametrize("code, area", [(JIYUAN, "419001"), (AIRPORT_ZONE, "410173"), ("659001000000", "659001")])
def test_county_level_units_under_a_province_and_zones_set_up_with_their_townships(empty_dir, code, area):
    setup.create(code, ADMIN, dt.date(2025, 12, 31))
    regions = newest_regions(empty_dir)
    listed = townships_of(area)
    townships = regions[regions["level"] == "township"]
    assert sorted(townships.index) == sorted(r["code"] + "000" for r in listed)
    assert (townships["parent_code"] == code).all() and townships["lon"].isna().all()
    assert regions.loc[code, "level"] == "district"
    # a first month for one of them imports; 济源 filed as a county is no longer refused
    services = pd.DataFrame([{"period": dt.date(2026, 1, 1), "region_code": townships.index[0],
                              "disability_type": "visual", "need_count": 5, "served_count": 5}])
    snapshot = newest_valid(list_snapshots(empty_dir))
    workbook = ingest.template_bytes(snapshot, "zh", {"rehab_services": services})
    checked = ingest.check_workbook(workbook, dt.date(2026, 1, 31), lang="zh", account=ADMIN)
    assert checked.valid, ingest.problem_table(checked.problems, "zh").to_string()


def test_the_setup_command_for_a_city(tmp_path):
    directory = tmp_path / "data"
    env = {**os.environ, "REHAB_DATA_DIR": str(directory), "REHAB_INSTANCE_DIR": str(tmp_path / "instance")}
    done = subprocess.run([sys.executable, "-m", "rehabdash", "setup", "呼和浩特市", "--as-of", "2025-12-31"],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "已为 呼和浩特市（内蒙古自治区，150100000000，市）建立区划树" in done.stdout  # as the setup page says it
    regions = newest_regions(directory)
    areas = [r for r in extract("areas") if r["cityCode"] == "1501"]
    assert sorted(regions.index[regions["level"] == "district"]) == sorted(r["code"] + "000000" for r in areas)
    assert sorted(regions.index[regions["level"] == "township"]) == sorted(
        r["code"] + "000" for r in extract("streets") if r["cityCode"] == "1501")
    refused = subprocess.run([sys.executable, "-m", "rehabdash", "setup", "新城区"], cwd=PROJECT_DIR, env=env,
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 1 and "新城区（呼和浩特市 · 内蒙古自治区，150102000000，区县）" in refused.stderr


def test_a_seatless_township_is_placed_inside_its_imported_polygon(empty_dir):
    setup.create(DONGGUAN, ADMIN, dt.date(2025, 12, 31))
    dongcheng = next(r for r in townships_of("441900") if r["name"] == "东城街道")
    square = {"type": "Polygon", "coordinates": [[[113.76, 22.98], [113.80, 22.98], [113.80, 23.02],
                                                  [113.76, 23.02], [113.76, 22.98]]]}  # in 东莞's 东城
    content = json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"region_code": dongcheng["code"], "name": dongcheng["name"]},
        "geometry": square}]}, ensure_ascii=False).encode()
    checked = township_import.check_file(content, "东城街道.geojson", ADMIN, crs="wgs84")
    assert checked.valid, checked.problems
    township_import.publish(checked, ADMIN)
    at = open_app_page("app_pages/facility_map.py")
    assert not at.exception and not at.error
    assert any("有 35 个乡镇（街道）既无驻地坐标也无边界" in c.value for c in at.caption), [c.value for c in at.caption]
    snapshot = newest_valid(list_snapshots(empty_dir))
    regions = pd.read_parquet(snapshot.table_path("regions"))
    regions, _ = facility_map._seated(regions, pd.DataFrame(columns=["township_code", "township_lon", "township_lat"]))
    lon, lat = regions.set_index("region_code").loc[dongcheng["code"] + "000", ["lon", "lat"]]
    assert 113.76 < lon < 113.80 and 22.98 < lat < 23.02
