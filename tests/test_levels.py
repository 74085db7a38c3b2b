"""Levels above the city: a regions table whose top is the nation (then provinces, then the sample's
two cities). The scope selector starts at the top, figures and targets sum upward, the ranking is
one level down at each level, and every page runs at the national and a provincial scope.

Expected sums are read from the Parquet files with pandas, not through the named queries.
"""
from __future__ import annotations

import pandas as pd
import pytest

from rehabdash.kernel.contract import TABLES
from rehabdash.kernel.scope import RegionTree, Scope
from rehabdash.store import db
from rehabdash.topics import dispatch

from .conftest import app_pages, open_app_page
from .seed import BAOTOU, NEWEST, QINGSHAN, snapshot, written_as_newest

NATION = "100000000000"
NEIMENGGU = "150000000000"
HENAN = "410000000000"
LUOHE = "411100000000"
TOPIC_PAGES = [p.script for p in app_pages() if p.role == "viewer"]


def nation_tables() -> dict[str, pd.DataFrame]:
    source = snapshot(NEWEST).path
    tables = {t: pd.read_parquet(source / f"{t}.parquet") for t in TABLES}
    regions = tables["regions"]
    cities = regions["level"] == "city"
    regions.loc[cities, "parent_code"] = regions.loc[cities, "region_code"].str[:2] + "0000000000"
    people = regions[cities].groupby("parent_code")["registered_disabled"].sum()
    top = pd.DataFrame([
        {"region_code": NATION, "name": "中华人民共和国", "level": "nation", "parent_code": None,
         "lon": 116.4, "lat": 39.9, "registered_disabled": int(people.sum())},
        {"region_code": NEIMENGGU, "name": "内蒙古自治区", "level": "province", "parent_code": NATION,
         "lon": 111.7, "lat": 40.8, "registered_disabled": int(people[NEIMENGGU])},
        {"region_code": HENAN, "name": "河南省", "level": "province", "parent_code": NATION,
         "lon": 113.7, "lat": 34.8, "registered_disabled": int(people[HENAN])},
    ])
    tables["regions"] = pd.concat([top, regions], ignore_index=True).astype(regions.dtypes.to_dict())
    return tables


@pytest.fixture(scope="module")
def nation_dir(tmp_path_factory):
    return written_as_newest(tmp_path_factory.mktemp("nation"), nation_tables())


@pytest.fixture()
def nation_env(nation_dir, monkeypatch):
    monkeypatch.setenv("REHAB_DATA_DIR", str(nation_dir))
    return nation_dir


def snapshot_of(directory):
    return snapshot(NEWEST, directory)


def tree_of(directory, allowed=(NATION,)) -> RegionTree:
    return RegionTree(db.run("regions", snapshot_of(directory), allowed=allowed, scope=allowed),
                      () if allowed == (NATION,) else allowed)


def test_the_tree_starts_at_its_top(nation_dir):
    tree = tree_of(nation_dir)
    assert tree.levels_above_city() == ["nation", "province"]
    default = tree.resolve(None, None, None)
    assert default == Scope("", above=(("nation", NATION),))
    assert (default.root, default.level, tree.label(default)) == (NATION, "nation", "中华人民共和国")
    henan = tree.resolve("", None, None, (NATION, HENAN))
    assert (henan.root, henan.level, tree.label(henan)) == (HENAN, "province", "中华人民共和国 / 河南省")
    district = tree.resolve(BAOTOU, QINGSHAN, "", (NATION, NEIMENGGU))
    assert (district.root, district.level, district.codes) == (QINGSHAN, "district", (QINGSHAN,))
    assert tree.label(district) == "中华人民共和国 / 内蒙古自治区 / 包头市 / 青山区"
    # a city of another province falls back to the province's first city
    assert tree.resolve(LUOHE, "", "", (NATION, NEIMENGGU)).city == BAOTOU
    # a city account sees its city, not the nation or the province as a whole
    city_tree = tree_of(nation_dir, (BAOTOU,))
    scope = city_tree.resolve(None, None, None, (None, None))
    assert (scope.root, scope.level) == (BAOTOU, "city")


def test_the_sample_tree_is_unchanged():
    from .seed import snapshot
    snap = snapshot(NEWEST)
    tree = RegionTree(db.run("regions", snap, allowed=(BAOTOU, LUOHE), scope=(BAOTOU, LUOHE)))
    assert tree.levels_above_city() == []
    assert tree.resolve(None, None, None) == Scope(BAOTOU)


def run_at(directory, code):
    snap = snapshot_of(directory)
    return lambda name, **params: db.run(name, snap, allowed=(NATION,), scope=(code,), **params)


@pytest.mark.parametrize("code, prefix", [(NATION, ""), (NEIMENGGU, "15"), (HENAN, "41")])
def test_targets_and_actuals_sum_upward(nation_dir, code, prefix):
    source = snapshot(NEWEST).path
    targets = pd.read_parquet(source / "targets.parquet")
    targets = targets[(targets["year"] == 2025) & targets["region_code"].str.startswith(prefix)]
    expected = targets.groupby("indicator")["target_value"].sum().to_dict()
    got = run_at(nation_dir, code)("target_totals", year=2025).set_index("indicator")["target_value"].to_dict()
    assert got == expected
    services = pd.read_parquet(source / "rehab_services.parquet")
    services = services[(pd.to_datetime(services["period"]).dt.year == 2025) & services["region_code"].str.startswith(prefix)]
    statuses = {s.indicator: s for s in dispatch.indicator_statuses(run_at(nation_dir, code), NEWEST, 2025, 0.05)}
    assert statuses["precise_rehab_served"].actual == services["served_count"].sum()
    assert statuses["precise_rehab_served"].target == expected["precise_rehab_served"]


def test_the_ranking_is_one_level_down(nation_dir):
    nation = dispatch.subunit_statuses(run_at(nation_dir, NATION), NEWEST, 2025, 0.05)
    assert sorted(nation) == [(NEIMENGGU, "内蒙古自治区"), (HENAN, "河南省")]
    henan = dispatch.subunit_statuses(run_at(nation_dir, HENAN), NEWEST, 2025, 0.05)
    assert sorted(henan) == [(LUOHE, "漯河市")]


@pytest.mark.parametrize("page", TOPIC_PAGES)
@pytest.mark.parametrize("where", [{}, {"province": "河南省"}], ids=["nation", "province"])
def test_every_page_runs_above_the_city(nation_env, page, where):
    at = open_app_page(page, **where)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    label = "中华人民共和国 / 河南省" if where else "中华人民共和国"
    assert any(c.value.startswith(label + " ·") or c.value.startswith(label)
               for c in at.caption), [c.value for c in at.caption][:3]
