"""Above the city every page's figures are the sums of the units below: a province gives the sums of
its cities, the nation the sums of its provinces (issue 22). And the map above the city counts per
unit instead of drawing points.

The data: the sample's two cities under 内蒙古自治区 and 河南省, and a synthetic province of two
cities (tools.province, prefix 49), all under one nation. Expected values are read from the Parquet
files of the snapshot with pandas by code prefix, not through the named queries; and each figure of
a scope is also checked against the same figure of its units one level down, added up.
"""
from __future__ import annotations

import folium
import pandas as pd
import pytest

from rehabdash.kernel.contract import TABLES
from rehabdash.maps import board
from rehabdash.store import db
from rehabdash.topics import child_rehab, devices, dispatch, funding, overview, rehab, thematic
from rehabdash.topics import facility_map as fm
from tools import province
from tools.sample import cut_history

from .seed import NEWEST, snapshot, written_as_newest
from .test_levels import HENAN, NATION, NEIMENGGU, nation_tables

SYNTHETIC = "490000000000"
YEAR = 2025
PROVINCES = {NEIMENGGU: "15", HENAN: "41", SYNTHETIC: "49"}


def with_synthetic_province() -> dict[str, pd.DataFrame]:
    tables = nation_tables()
    history, _ = province.build_history(cities=2, seed_part="nation-sums")
    extra = cut_history(history, NEWEST)
    regions = extra["regions"]
    cities = regions["level"] == "city"
    regions.loc[cities, "parent_code"] = SYNTHETIC
    top = pd.DataFrame([{"region_code": SYNTHETIC, "name": "样例省", "level": "province", "parent_code": NATION,
                         "lon": 113.4, "lat": 33.7,
                         "registered_disabled": int(regions.loc[cities, "registered_disabled"].sum())}])
    extra["regions"] = pd.concat([top, regions], ignore_index=True)
    merged = {t: pd.concat([tables[t], extra[t]], ignore_index=True).astype(tables[t].dtypes.to_dict())
              if len(tables[t]) else extra[t] for t in TABLES}
    nation = merged["regions"]["region_code"] == NATION
    merged["regions"].loc[nation, "registered_disabled"] = int(
        merged["regions"].loc[merged["regions"]["level"] == "province", "registered_disabled"].sum())
    return merged


@pytest.fixture(scope="module")
def nation_dir(tmp_path_factory):
    return written_as_newest(tmp_path_factory.mktemp("nation_sums"), with_synthetic_province())


@pytest.fixture(scope="module")
def snap(nation_dir):
    return snapshot(NEWEST, nation_dir)


@pytest.fixture(scope="module")
def raw(snap) -> dict[str, pd.DataFrame]:
    return {t: pd.read_parquet(snap.table_path(t)) for t in TABLES}


def run_at(snap, code):
    return lambda name, **params: db.run(name, snap, allowed=(NATION,), scope=(code,), **params)


def run_at_of(snap):
    return lambda code: run_at(snap, code)


def children(raw, code) -> list[str]:
    regions = raw["regions"]
    return sorted(regions.loc[regions["parent_code"] == code, "region_code"])


def prefix_of(code: str) -> str:
    return "" if code == NATION else code.rstrip("0")[:2] if code in PROVINCES else code[:4]


def in_year(frame: pd.DataFrame, prefix: str, column="period") -> pd.DataFrame:
    days = pd.to_datetime(frame[column]).dt.date
    keep = (days >= pd.Timestamp(YEAR, 1, 1).date()) & (days <= NEWEST)
    return frame[keep & frame["region_code"].str.startswith(prefix)]


SCOPES = [NATION, SYNTHETIC]  # the nation (three provinces) and a province of two cities


@pytest.fixture(params=SCOPES, ids=["nation", "province"])
def scope(request, raw):
    code = request.param
    assert len(children(raw, code)) >= 2
    return code


# ------------------------------------------------------------------------------ 总览 (overview)

def headline_numbers(h: overview.Headline) -> dict:
    return {"served": h.served.value, "need": h.served.base, "served_target": h.served.target,
            "fitted": h.fitted.value, "devices_need": h.fitted.base, "fitted_target": h.fitted.target,
            "aided": h.children.value, "applicants": h.children.base, "aided_target": h.children.target,
            "spent": h.funds.value, "allocated": h.funds.base,
            **{f"{t}/{s}": int(h.facilities.loc[t, s]) for t in h.facilities.index for s in h.facilities.columns}}


def test_overview_figures_are_the_parquet_sums_and_the_sums_of_the_units(snap, raw, scope):
    prefix = prefix_of(scope)
    got = headline_numbers(overview.headline(run_at(snap, scope), NEWEST, YEAR))
    services = in_year(raw["rehab_services"], prefix)
    fitted = in_year(raw["assistive_devices"], prefix)
    kids = in_year(raw["child_rehab"], prefix)
    money = raw["funding"][(raw["funding"]["year"] == YEAR) & raw["funding"]["region_code"].str.startswith(prefix)]
    targets = raw["targets"][(raw["targets"]["year"] == YEAR) & raw["targets"]["region_code"].str.startswith(prefix)]
    target = targets.groupby("indicator")["target_value"].sum()
    network = raw["facilities"][raw["facilities"]["region_code"].str.startswith(prefix)]
    expected = {"served": services["served_count"].sum(), "need": services["need_count"].sum(),
                "served_target": target["precise_rehab_served"],
                "fitted": fitted["fitted_count"].sum(), "devices_need": fitted["need_count"].sum(),
                "fitted_target": target["devices_fitted"],
                "aided": kids["aided"].sum(), "applicants": kids["applicants"].sum(),
                "aided_target": target["children_aided"],
                "spent": money["spent_yuan"].sum(), "allocated": money["allocated_yuan"].sum(),
                **{f"{t}/{s}": n for (t, s), n in network.groupby(["tier", "status"]).size().items()}}
    assert {k: got[k] for k in expected} == pytest.approx(expected)
    units = [headline_numbers(overview.headline(run_at(snap, c), NEWEST, YEAR)) for c in children(raw, scope)]
    assert got == pytest.approx({k: sum(u[k] or 0 for u in units) for k in got})


def test_dispatch_ranks_the_units_one_level_down_with_their_own_sums(snap, raw, scope):
    statuses = dispatch.subunit_statuses(run_at(snap, scope), NEWEST, YEAR, 0.05)
    assert sorted(code for code, _ in statuses) == children(raw, scope)
    own = {s.indicator: s for s in dispatch.indicator_statuses(run_at(snap, scope), NEWEST, YEAR, 0.05)}
    for indicator in ("precise_rehab_served", "devices_fitted", "children_aided", "village_rooms_built"):
        parts = [next(s for s in items if s.indicator == indicator) for items in statuses.values()]
        assert own[indicator].actual == sum(p.actual or 0 for p in parts), indicator
        assert own[indicator].target == sum(p.target or 0 for p in parts), indicator


# ------------------------------------------------------------------------------ 精准康复 (rehab)

def test_rehab_page_figures_sum_upward(snap, raw, scope):
    prefix = prefix_of(scope)
    services = rehab.services(run_at(snap, scope), NEWEST, YEAR)
    rows = in_year(raw["rehab_services"], prefix)
    assert services.served.measure.value == rows["served_count"].sum()
    assert services.need.value == rows["need_count"].sum()
    by_type = rehab.by_disability_type(run_at(snap, scope), NEWEST, YEAR)
    expected = rows.groupby("disability_type")["served_count"].sum()
    assert by_type.set_index("disability_type")["served"].to_dict() == expected.reindex(
        by_type["disability_type"], fill_value=0).to_dict()
    units = rehab.by_subunit(run_at(snap, scope), NEWEST, YEAR)
    assert sorted(units["subunit_code"]) == children(raw, scope)
    assert units["served"].sum() == rows["served_count"].sum()
    assert units["target"].sum() == services.served.measure.target
    activity = in_year(raw["activities"], prefix).groupby("kind")["count"].sum()
    counts = rehab.activity_counts(run_at(snap, scope), NEWEST, YEAR)["this_year"]
    assert counts[counts > 0].to_dict() == activity[activity > 0].to_dict()
    parts = [rehab.activity_counts(run_at(snap, c), NEWEST, YEAR)["this_year"] for c in children(raw, scope)]
    assert counts.to_dict() == sum(parts).to_dict()


# ------------------------------------------------------------------------------ 资金 (funding)

def test_funding_page_figures_sum_upward(snap, raw, scope):
    prefix = prefix_of(scope)
    snapshots = [snap]
    h = funding.headline(lambda s: run_at(snap, scope), snapshots, snap, YEAR, 0.05)
    money = raw["funding"][(raw["funding"]["year"] == YEAR) & raw["funding"]["region_code"].str.startswith(prefix)]
    assert h.now.allocated == pytest.approx(money["allocated_yuan"].sum())
    assert h.now.spent == pytest.approx(money["spent_yuan"].sum())
    lines = funding.flows(run_at(snap, scope), YEAR)
    assert lines["spent_yuan"].sum() == pytest.approx(money["spent_yuan"].sum())
    assert lines["allocated_yuan"].sum() == pytest.approx(money["allocated_yuan"].sum())
    parts = [funding.headline(lambda s, c=c: run_at(snap, c), snapshots, snap, YEAR, 0.05).now
             for c in children(raw, scope)]
    assert h.now.allocated == pytest.approx(sum(p.allocated for p in parts))
    assert h.now.spent == pytest.approx(sum(p.spent for p in parts))
    assert h.registered_disabled == raw["regions"].set_index("region_code").loc[scope, "registered_disabled"]


# ------------------------------------------------------------------------------ 辅具 (devices)

def test_devices_page_figures_sum_upward(snap, raw, scope):
    prefix = prefix_of(scope)
    rows = in_year(raw["assistive_devices"], prefix)
    fitting = devices.fitting(run_at(snap, scope), NEWEST, YEAR)
    assert (fitting.fitted.value, fitting.need.value) == (rows["fitted_count"].sum(), rows["need_count"].sum())
    stations = raw["device_stations"]
    open_now = stations[stations["region_code"].str.startswith(prefix)
                        & (pd.to_datetime(stations["opened_on"]).dt.date <= NEWEST)]
    points = devices.service_points(run_at(snap, scope), NEWEST, YEAR)
    assert points.total.value == len(open_now)
    assert points.by_kind.to_dict() == {k: int((open_now["kind"] == k).sum()) for k in points.by_kind.index}
    parts = [devices.fitting(run_at(snap, c), NEWEST, YEAR) for c in children(raw, scope)]
    assert fitting.fitted.value == sum(p.fitted.value or 0 for p in parts)
    assert fitting.fitted.target == sum(p.fitted.target or 0 for p in parts)
    units = devices.by_subunit(run_at(snap, scope), NEWEST, YEAR)
    assert sorted(units["subunit_code"]) == children(raw, scope)
    assert units["fitted"].sum() == rows["fitted_count"].sum()
    loans = devices.loan_totals(run_at(snap, scope), NEWEST, YEAR)
    loan_parts = [devices.loan_totals(run_at(snap, c), NEWEST, YEAR) for c in children(raw, scope)]
    for field in ("lent", "returned", "overdue", "lost"):
        assert getattr(loans, field) == sum(getattr(p, field) for p in loan_parts), field
    lent = raw["device_loans"].merge(stations[["station_id", "region_code"]], on="station_id")
    lent = lent[lent["region_code"].str.startswith(prefix)
                & (pd.to_datetime(lent["lent_on"]).dt.year == YEAR)
                & (lent["loan_status"] != "refused")]  # a request refused for low credit lent nothing
    assert loans.lent == len(lent)


# ------------------------------------------------------------------------------ 儿童康复 (child rehab)

def test_child_rehab_page_figures_sum_upward(snap, raw, scope):
    prefix = prefix_of(scope)
    kids = in_year(raw["child_rehab"], prefix)
    h = child_rehab.headline(run_at(snap, scope), NEWEST, YEAR)
    assert (h.aided.value, h.applicants.value, h.early_intervention.value) == (
        kids["aided"].sum(), kids["applicants"].sum(), kids["early_intervention"].sum())
    assert h.funds.value == pytest.approx(kids["funds_yuan"].sum())
    parts = [child_rehab.headline(run_at(snap, c), NEWEST, YEAR) for c in children(raw, scope)]
    assert h.aided.value == sum(p.aided.value or 0 for p in parts)
    assert h.funds.value == pytest.approx(sum(p.funds.value or 0 for p in parts))


# ------------------------------------------------------------------------------ 挂图 (the map)

def test_the_map_above_the_city_counts_per_unit_what_the_parquet_holds(snap, raw, scope):
    data = fm.load_scope(run_at(snap, scope), NEWEST, scope, "nation" if scope == NATION else "province")
    assert isinstance(data, fm.UnitMap)
    units = data.units.set_index("subunit_code")
    assert sorted(units.index) == children(raw, scope)
    regions, facilities = raw["regions"], raw["facilities"]
    parents = dict(zip(regions["region_code"], regions["parent_code"]))

    def unit_of(code):
        while isinstance(code, str) and parents.get(code) != scope:
            code = parents.get(code)
        return code

    facilities = facilities.assign(unit=facilities["region_code"].map(unit_of), built=facilities["status"] == "built")
    regions = regions.assign(unit=regions["region_code"].map(unit_of))
    for code in units.index:
        mine = facilities[facilities["unit"] == code]
        row = units.loc[code]
        for tier, name in (("district_center", "centres"), ("township_station", "stations"),
                           ("village_room", "rooms")):
            of_tier = mine[mine["tier"] == tier]
            assert (row[f"{name}_built"], row[f"{name}_planned"]) == (of_tier["built"].sum(), (~of_tier["built"]).sum())
        villages = regions[(regions["unit"] == code) & (regions["level"] == "village")]
        rooms = mine[(mine["tier"] == "village_room") & mine["built"]]
        assert row["villages"] == len(villages)
        assert row["villages_with_room"] == villages["region_code"].isin(rooms["region_code"]).sum()
        assert row["townships"] == ((regions["unit"] == code) & (regions["level"] == "township")).sum()
    # the same coverage the map shades, and the units' own maps agree with it
    shaded = thematic.subunit_values(run_at(snap, scope), data, scope, "room_coverage", NEWEST, YEAR, 0.05, "zh")
    values = dict(zip(shaded.values["subunit_code"], shaded.values["value"]))
    for code in units.index:
        assert values[code] == pytest.approx(units.loc[code, "villages_with_room"] / units.loc[code, "villages"])


def test_points_appear_from_the_city_down(snap):
    from .seed import BAOTOU, QINGSHAN
    for code, level in ((BAOTOU, "city"), (QINGSHAN, "district")):
        assert isinstance(fm.load_scope(run_at(snap, code), NEWEST, code, level), fm.MapData)
    data = fm.load_scope(run_at(snap, NATION), NEWEST, NATION, "nation")
    shading = thematic.subunit_values(run_at(snap, NATION), data, NATION, "service_rate", NEWEST, YEAR, 0.05, "zh")
    m = board.build_unit_board(data, shading, "zh", thematic_title="t")
    drawn = [f for layer in m._children.values() if isinstance(layer, folium.GeoJson)
             for f in layer.data["features"]]
    # one shaded polygon per province that has one (the synthetic province has none), no point at all
    assert sorted(f["properties"]["region_code"] for f in drawn) == [NEIMENGGU, HENAN]
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in drawn)
    assert len(m.get_root().render()) < 400_000
    table = fm.unit_table(data, "zh")
    assert table["单位"].tolist() == ["内蒙古自治区", "河南省", "样例省"]


def test_a_city_of_more_facilities_than_a_map_carries_is_drawn_like_a_province(snap, raw, monkeypatch):
    from .seed import BAOTOU
    facilities = raw["facilities"]["region_code"].str.startswith(BAOTOU[:4]).sum()
    monkeypatch.setattr(fm, "CITY_POINTS_MAX", facilities - 1)
    data = fm.load_scope(run_at(snap, BAOTOU), NEWEST, BAOTOU, "city")
    assert isinstance(data, fm.UnitMap) and data.scope_level == "city"
    assert sorted(data.units["subunit_code"]) == children(raw, BAOTOU)
    assert int(data.units[["centres_built", "centres_planned", "stations_built", "stations_planned",
                           "rooms_built", "rooms_planned"]].to_numpy().sum()) == facilities
    monkeypatch.setattr(fm, "CITY_POINTS_MAX", facilities)
    assert isinstance(fm.load_scope(run_at(snap, BAOTOU), NEWEST, BAOTOU, "city"), fm.MapData)
