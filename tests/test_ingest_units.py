"""The import's smaller parts: reading single cells as clerks write them, where a point may lie, and
the difference between two snapshots."""
import datetime as dt

import pandas as pd
import pytest

from rehabdash.ingest import cells, geo
from rehabdash.ingest.history import compare, snapshot_list
from rehabdash.ingest.publish import merge
from rehabdash.store.snapshots import list_snapshots, write_snapshot

from .seed import NEWEST, QINGSHAN
from .workbooks import data_copy, newest

XITU = "150271000000"  # 稀土高新区: no district polygon, so its seat and a radius are used


@pytest.mark.parametrize("text, expected", [
    (12, 12), (12.0, 12), ("12", 12), ("１２", 12), ("1,234", 1234), (" 7 ", 7), ("2025年", 2025), (None, None),
    ("", None)])
def test_counts_as_clerks_write_them(text, expected):
    assert cells.to_int(text) == expected


@pytest.mark.parametrize("text, key", [("12.5", "not_integer"), ("十二", "not_number"), ("12人", "not_number"),
                                       (True, "not_number"), (float("inf"), "not_number")])
def test_counts_that_are_not_counts(text, key):
    with pytest.raises(cells.CellProblem) as problem:
        cells.to_int(text)
    assert problem.value.key == key


@pytest.mark.parametrize("text, factor, expected", [
    (3000, 1, (3000, False)), (12.5, 10_000, (125_000, True)), ("12.5万", 1, (125_000, True)),
    ("12.5万元", 1, (125_000, True)), ("3000元", 10_000, (3000, False)), ("１，２００", 1, (1200, False))])
def test_money_in_yuan_or_wan_yuan(text, factor, expected):
    assert cells.to_money(text, factor) == expected


@pytest.mark.parametrize("text, expected", [
    (dt.datetime(2025, 9, 15), dt.date(2025, 9, 1)), ("2025-09", dt.date(2025, 9, 1)),
    ("2025年9月", dt.date(2025, 9, 1)), ("２０２５－０９", dt.date(2025, 9, 1)), (202509, dt.date(2025, 9, 1)),
    ("2025/9/30", dt.date(2025, 9, 1))])
def test_months(text, expected):
    assert cells.to_month(text) == expected


@pytest.mark.parametrize("text", ["2025-13", "九月", 2025, True, 3.5])
def test_not_months(text):
    with pytest.raises(cells.CellProblem):
        cells.to_month(text)


@pytest.mark.parametrize("text, expected", [
    ("2025-07-15", dt.date(2025, 7, 15)), ("2025年7月15日", dt.date(2025, 7, 15)),
    (20250715, dt.date(2025, 7, 15)),
    (dt.date(2025, 7, 15), dt.date(2025, 7, 15))])
def test_dates(text, expected):
    assert cells.to_date(text) == expected


def test_dates_need_a_day_that_exists():
    for text in ("2025-07", "2025-02-30"):
        with pytest.raises(cells.CellProblem):
            cells.to_date(text)


def test_yes_no_and_codes_typed_as_numbers():
    assert [cells.to_bool(v) for v in ("是", "否", "TRUE", 0, None)] == [True, False, True, False, None]
    assert cells.to_text(150204001000.0) == "150204001000"
    assert cells.to_code("Ｆ－００１") == "F-001"


def test_points_are_checked_against_the_district_polygon_or_the_seat(tmp_path):
    regions = pd.read_parquet(newest(data_copy(tmp_path)).table_path("regions"))
    areas = geo.RegionAreas(regions)
    seat = regions.set_index("region_code").loc[XITU, ["lon", "lat"]].tolist()
    township = regions[regions["parent_code"] == XITU]["region_code"].iloc[0]
    assert areas.contains(township, *seat)
    assert not areas.contains(township, seat[0] + 0.4, seat[1])  # ~34 km east of the seat
    qingshan = regions.set_index("region_code").loc[QINGSHAN, ["lon", "lat"]].tolist()
    assert areas.contains(QINGSHAN, *qingshan) and not areas.contains(QINGSHAN, 114.02, 33.55)
    assert geo.distance_km(110.0, 40.0, 110.0, 41.0) == pytest.approx(111.2, abs=0.1)


def test_merge_replaces_rows_of_the_same_key_and_keeps_the_others():
    previous = pd.DataFrame({"year": [2025, 2025], "region_code": ["a", "b"], "indicator": ["x", "x"],
                             "target_value": [1, 2]})
    imported = pd.DataFrame({"year": pd.array([2025, 2025], dtype="Int64"), "region_code": ["b", "c"],
                             "indicator": ["x", "x"], "target_value": pd.array([20, 30], dtype="Int64")})
    merged, change = merge(previous, imported, "targets")
    assert merged["target_value"].tolist() == [1, 20, 30] and (change.added, change.replaced) == (1, 1)
    assert merged["target_value"].dtype == "int64"  # stored as the sample's files are


def test_compare_counts_added_removed_and_changed_rows_by_district(tmp_path):
    directory = data_copy(tmp_path)
    previous = newest(directory)
    tables = {t: pd.read_parquet(previous.table_path(t)) for t in previous.manifest["files"]}
    targets = tables["targets"]
    qingshan = targets.index[targets["region_code"] == QINGSHAN]
    tables["targets"] = targets.drop(qingshan[:1]).assign(
        target_value=lambda f: f["target_value"].where(f.index != qingshan[1], f["target_value"] + 1))
    write_snapshot(directory, NEWEST + dt.timedelta(days=1), tables, source="import")
    later, earlier = list_snapshots(directory)[:2]
    diff = compare(earlier, later)
    row = diff.by_table.set_index("table").loc["targets"]
    assert (row["added"], row["removed"], row["changed"]) == (0, 1, 1)
    assert diff.by_region[["region_name", "table", "removed", "changed"]].values.tolist() == [
        ["青山区", "targets", 1, 1]]
    listing = snapshot_list(list_snapshots(directory))
    assert listing["is_default"].tolist()[:2] == [True, False]
    assert listing.loc[0, "targets"] == len(targets) - 1


def test_an_accounts_comparison_places_site_tasks_and_loans_through_their_facility_and_station(tmp_path):
    """Rows without a region of their own (a site task, a loan) count in the account's scope by where
    their facility or station lies: a new update of one 青山区 site task, one loan of a 青山区 station
    returned."""
    directory = data_copy(tmp_path)
    previous = newest(directory)
    tables = {t: pd.read_parquet(previous.table_path(t)) for t in previous.manifest["files"]}
    facilities, stations = tables["facilities"], tables["device_stations"]
    task = tables["site_tasks"][tables["site_tasks"]["facility_id"].isin(
        facilities.loc[facilities["region_code"].str.startswith(QINGSHAN[:6]), "facility_id"])].iloc[-1]
    tables["site_tasks"] = pd.concat([tables["site_tasks"], task.to_frame().T.assign(
        updated_on=task["updated_on"] + dt.timedelta(days=1))], ignore_index=True).astype(
        tables["site_tasks"].dtypes)
    loans = tables["device_loans"]
    open_here = loans.index[loans["returned_on"].isna() & loans["station_id"].isin(
        stations.loc[stations["region_code"].str.startswith(QINGSHAN[:6]), "station_id"])]
    tables["device_loans"] = loans.assign(returned_on=loans["returned_on"].where(
        loans.index != open_here[0], NEWEST))
    write_snapshot(directory, NEWEST + dt.timedelta(days=1), tables, source="import")
    later, earlier = list_snapshots(directory)[:2]
    for scope in ((QINGSHAN,), ()):
        diff = compare(earlier, later, scope)
        row = diff.by_table.set_index("table")
        assert (row.loc["site_tasks", "added"], row.loc["device_loans", "changed"]) == (1, 1)
        assert diff.by_region[["region_name", "table", "added", "changed"]].values.tolist() == [
            ["青山区", "device_loans", 0, 1], ["青山区", "site_tasks", 1, 0]]
    in_qingshan = facilities["region_code"].str.startswith(QINGSHAN[:6])
    tasks_here = tables["site_tasks"]["facility_id"].isin(facilities.loc[in_qingshan, "facility_id"]).sum()
    assert compare(earlier, later, (QINGSHAN,)).by_table.set_index("table").loc["site_tasks", "rows_after"] == \
        tasks_here
    listing = snapshot_list(list_snapshots(directory), (QINGSHAN,)).iloc[0]  # the account's own rows
    assert listing["site_tasks"] == tasks_here
    assert listing["device_loans"] == loans["station_id"].isin(
        stations.loc[stations["region_code"].str.startswith(QINGSHAN[:6]), "station_id"]).sum()
    assert listing["targets"] == (tables["targets"]["region_code"] == QINGSHAN).sum()


def test_a_comparison_places_institution_rows_through_their_institution_and_an_alliance_through_its_members(tmp_path):
    """双回访 and the other institution tables have no region of their own: a follow-up counts where its
    institution lies (聆声, 青山区); the alliance's outcome where its first member lies (阳光星雨, 东河区),
    and within an account's scope only if every member is."""
    directory = data_copy(tmp_path)
    previous = newest(directory)
    tables = {t: pd.read_parquet(previous.table_path(t)) for t in previous.manifest["files"]}
    follow_ups, outcomes, institutions = tables["follow_ups"], tables["outcomes"], tables["institutions"]
    lingsheng = follow_ups.index[follow_ups["institution_id"] == "I-150204-0002"][-1]
    tables["follow_ups"] = follow_ups.assign(planned=follow_ups["planned"].where(
        follow_ups.index != lingsheng, follow_ups["planned"] + 1))
    alliance = outcomes.index[(outcomes["unit_id"] == "A-150200-0001") & (outcomes["year"] == 2024)][0]
    tables["outcomes"] = outcomes.assign(to_primary=outcomes["to_primary"].where(
        outcomes.index != alliance, outcomes["to_primary"] + 1))
    write_snapshot(directory, NEWEST + dt.timedelta(days=1), tables, source="import")
    later, earlier = list_snapshots(directory)[:2]
    whole = compare(earlier, later)
    assert sorted(whole.by_region[["region_name", "table", "changed"]].values.tolist()) == [
        ["东河区", "outcomes", 1], ["青山区", "follow_ups", 1]]
    mine = compare(earlier, later, (QINGSHAN,))
    assert mine.by_region[["region_name", "table", "changed"]].values.tolist() == [["青山区", "follow_ups", 1]]
    here = institutions.loc[institutions["region_code"].str.startswith(QINGSHAN[:6]), "institution_id"]
    assert mine.by_table.set_index("table").loc["follow_ups", "rows_after"] == follow_ups["institution_id"].isin(
        here).sum()
    listing = snapshot_list(list_snapshots(directory), (QINGSHAN,)).iloc[0]
    assert listing["follow_ups"] == follow_ups["institution_id"].isin(here).sum()
    assert listing["outcomes"] == 0  # the alliance reaches beyond 青山区; its members are not in it
