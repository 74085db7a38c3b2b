"""The sample dataset: the seed figures computed straight from the frames, and the committed data."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rehabdash.kernel import contract
from rehabdash.store.snapshots import arrow_schema, check_snapshot, read_manifest
from tools import sample

PROJECT = Path(__file__).resolve().parent.parent
BAOTOU, YUANHUI, QINGSHAN = "150200000000", "411102000000", "150204000000"
LATEST = dt.date(2025, 8, 31)
# Baotou's 2024 figures must hold in the year-end snapshot and in every later one.
HOLDING_BAOTOU_2024 = [d for d in sample.SNAPSHOT_DATES if d >= dt.date(2024, 12, 31)]


@pytest.fixture(scope="module")
def snapshots() -> dict[dt.date, dict[str, pd.DataFrame]]:
    return {as_of: sample.build_tables(as_of) for as_of in sample.SNAPSHOT_DATES}


def under(regions: pd.DataFrame, code: str) -> set[str]:
    """The code and every region below it, following parent_code."""
    found, frontier = {code}, {code}
    while frontier:
        frontier = set(regions.loc[regions["parent_code"].isin(frontier), "region_code"])
        found |= frontier
    return found


def scoped(frame: pd.DataFrame, tables: dict, code: str, column: str = "region_code") -> pd.DataFrame:
    return frame[frame[column].isin(under(tables["regions"], code))]


def of_year(frame: pd.DataFrame, year: int, column: str = "period") -> pd.DataFrame:
    return frame[frame[column].map(lambda d: d.year) == year]


def baotou_2024(tables: dict, table: str, **where) -> pd.DataFrame:
    frame = scoped(tables[table], tables, BAOTOU)
    frame = of_year(frame, 2024) if "period" in frame else frame[frame["year"] == 2024]
    for column, value in where.items():
        frame = frame[frame[column] == value]
    return frame


def stations_in(tables: dict, code: str) -> pd.DataFrame:
    return scoped(tables["device_stations"], tables, code)


# --- helpers ------------------------------------------------------------------------------------

def test_split_total_is_exact_and_reproducible():
    weights = np.array([[1.0, 2.0], [0.0, 5.0]])
    first = sample.split_total(1234, weights, np.random.default_rng(1))
    again = sample.split_total(1234, weights, np.random.default_rng(1))
    assert first.shape == weights.shape and first.sum() == 1234 and (first >= 0).all()
    assert first[1, 0] == 0  # no share where the weight is zero
    assert (first == again).all()
    assert sample.split_total(0, [1, 1], np.random.default_rng(1)).tolist() == [0, 0]


def test_proportional_split():
    assert sample.proportional_split(10, [1, 1, 1]).tolist() == [4, 3, 3]
    assert sample.proportional_split(100, [0, 50, 50], minimum=1).tolist() == [1, 50, 49]


# --- contract -----------------------------------------------------------------------------------

KIND_CHECKS = {
    "str": lambda s: pd.api.types.is_string_dtype(s),
    "int": lambda s: pd.api.types.is_integer_dtype(s),
    "float": lambda s: s.dtype == "float64",
    "bool": lambda s: s.dtype == bool,
    "date": lambda s: s.dropna().map(lambda v: type(v) is dt.date).all(),
}


@pytest.mark.parametrize("as_of", sample.SNAPSHOT_DATES)
def test_tables_follow_the_contract(snapshots, as_of):
    tables = snapshots[as_of]
    assert list(tables) == list(contract.SNAPSHOT_TABLES)
    for table, columns in contract.SNAPSHOT_TABLES.items():
        frame = tables[table]
        assert list(frame.columns) == list(columns), table
        assert len(frame) > 0, table
        for column, kind in columns.items():
            assert KIND_CHECKS[kind](frame[column]), (table, column, frame[column].dtype)
    for (table, column), codes in contract.CODE_LISTS.items():
        values = tables[table][column]
        if column in contract.OPTIONAL.get(table, ()):  # an optional code (a loan's outcome) may be empty
            values = values.dropna()
        assert set(values) <= set(codes), (table, column)
    codes = set(tables["regions"]["region_code"])
    for table in ("facilities", "institutions", "funding", "rehab_services", "child_rehab",
                  "assistive_devices", "device_stations", "targets", "activities"):
        assert set(tables[table]["region_code"]) <= codes, table
    assert set(tables["pairings"]["township_code"]) <= codes


@pytest.mark.parametrize("as_of", sample.SNAPSHOT_DATES)
def test_snapshot_is_a_cut_at_its_date(snapshots, as_of):
    tables = snapshots[as_of]
    for table in ("rehab_services", "child_rehab", "assistive_devices", "activities"):
        assert tables[table]["period"].max() <= as_of
        assert tables[table]["period"].map(lambda d: d.day == 1).all()
    assert tables["funding"]["year"].max() == as_of.year
    assert tables["targets"]["year"].max() == as_of.year
    assert (tables["device_stations"]["opened_on"] <= as_of).all()
    assert (tables["device_stock"]["placed_on"] <= as_of).all()
    assert (tables["pairings"]["since"] <= as_of).all()
    loans = tables["device_loans"]
    assert (loans["lent_on"] <= as_of).all()
    assert (loans["returned_on"].dropna() <= as_of).all()
    facilities = tables["facilities"]
    built = facilities["status"] == "built"
    assert (facilities.loc[built, "opened_on"] <= as_of).all()
    assert facilities.loc[~built, "opened_on"].isna().all()
    assert (facilities.loc[~built, "staff"] == 0).all()
    assert (facilities.loc[~built, "planned_year"] >= as_of.year).all()


def test_older_facts_read_the_same_in_later_snapshots(snapshots):
    first, last = snapshots[sample.SNAPSHOT_DATES[0]], snapshots[LATEST]
    for table in ("rehab_services", "child_rehab", "assistive_devices", "activities"):
        later = last[table][last[table]["period"] <= sample.SNAPSHOT_DATES[0]].reset_index(drop=True)
        pd.testing.assert_frame_equal(first[table], later, check_dtype=False)
    funding_2023 = [t["funding"][t["funding"]["year"] == 2023].reset_index(drop=True) for t in (first, last)]
    pd.testing.assert_frame_equal(*funding_2023)
    early_built = first["facilities"][first["facilities"]["status"] == "built"].set_index("facility_id")
    late = last["facilities"].set_index("facility_id").loc[early_built.index]
    assert (late["status"] == "built").all() and (late["opened_on"] == early_built["opened_on"]).all()
    assert set(first["device_loans"]["loan_id"]) <= set(last["device_loans"]["loan_id"])


# --- regions ------------------------------------------------------------------------------------

def test_regions(snapshots):
    regions = snapshots[LATEST]["regions"]
    assert regions["region_code"].is_unique
    assert (regions["region_code"].str.len() == 12).all()
    assert regions["level"].value_counts()[["city", "district", "township"]].tolist() == [2, 11, 95]
    districts = set(regions.loc[regions["level"] == "district", "region_code"])
    assert len(under(regions, BAOTOU) & districts) == 10
    assert set(regions.loc[regions["parent_code"] == "411100000000", "name"]) == {"源汇区"}
    # Each unit's registered disabled persons are the sum of its children's.
    children = regions.groupby("parent_code")["registered_disabled"].sum()
    parents = regions[regions["level"] != "village"].set_index("region_code")["registered_disabled"]
    assert (parents == children.reindex(parents.index)).all()
    villages = regions[regions["level"] == "village"]
    assert villages["registered_disabled"].between(30, 250).all()
    # 稀土高新区 has no published seat: the mean of its three townships.
    by_code = regions.set_index("region_code")
    own = regions[regions["parent_code"] == "150271000000"]
    assert len(own) == 3
    assert by_code.loc["150271000000", "lon"] == pytest.approx(own["lon"].mean(), abs=1e-4)
    # The made-up ninth township of 源汇区 is labelled as such.
    assert by_code.loc["411102990000", "name"] == "样例街道（示例单元）"
    assert len(regions[regions["parent_code"] == YUANHUI]) == 9
    # Villages: unique names per township; communities numbered 001.., villages 201..
    assert not villages.duplicated(["parent_code", "name"]).any()
    assert (villages["region_code"].str[:9] == villages["parent_code"].str[:9]).all()
    community = villages["name"].str.endswith("社区")
    assert (villages.loc[community, "region_code"].str[9] == "0").all()
    assert (villages.loc[~community, "region_code"].str[9] == "2").all()
    per_township = villages.groupby("parent_code").size()
    assert per_township[per_township.index.str.startswith("1502")].between(4, 8).all()
    assert (per_township[per_township.index.str.startswith("411102")] >= 6).all()


# --- Baotou, 2024 -------------------------------------------------------------------------------

@pytest.mark.parametrize("as_of", HOLDING_BAOTOU_2024)
def test_baotou_funding_2024(snapshots, as_of):
    tables = snapshots[as_of]
    funding = baotou_2024(tables, "funding")
    assert funding["spent_yuan"].sum() == 17_640_000
    assert (funding["allocated_yuan"] >= funding["spent_yuan"]).all()
    child = funding[funding["program"] == "child_rehab"]
    assert child["spent_yuan"].sum() == 14_600_000
    assert child.loc[child["source"] == "higher_level", "spent_yuan"].sum() == 2_575_200
    assert child.loc[child["source"] == "supplementary", "spent_yuan"].sum() == 1_030_000
    assert set(funding["source"]) >= {"budget", "supplementary", "higher_level"}


@pytest.mark.parametrize("as_of", HOLDING_BAOTOU_2024)
def test_baotou_precise_rehab_2024(snapshots, as_of):
    tables = snapshots[as_of]
    services = baotou_2024(tables, "rehab_services")
    served, need = services["served_count"].sum(), services["need_count"].sum()
    assert (served, need) == (6260, 6287)
    assert round(100 * served / need, 2) == 99.57
    assert (services["served_count"] <= services["need_count"]).all()
    target = baotou_2024(tables, "targets", indicator="precise_rehab_served")["target_value"].sum()
    assert target == 5660 and round(100 * served / target, 1) == 110.6


@pytest.mark.parametrize("as_of", HOLDING_BAOTOU_2024)
def test_baotou_devices_2024(snapshots, as_of):
    tables = snapshots[as_of]
    devices = baotou_2024(tables, "assistive_devices")
    fitted, need = devices["fitted_count"].sum(), devices["need_count"].sum()
    assert (fitted, need) == (2017, 2021)
    assert round(100 * fitted / need, 1) == 99.8
    assert (devices["fitted_count"] <= devices["need_count"]).all()
    target = baotou_2024(tables, "targets", indicator="devices_fitted")["target_value"].sum()
    assert target == 1820 and round(100 * fitted / target, 1) == 110.8


@pytest.mark.parametrize("as_of", HOLDING_BAOTOU_2024)
def test_baotou_activities_2024(snapshots, as_of):
    tables = snapshots[as_of]
    activities = baotou_2024(tables, "activities")
    count = activities.groupby("kind")["count"].sum()
    assert count["cataract_surgery"] == 182
    assert baotou_2024(tables, "targets", indicator="cataract_surgery")["target_value"].sum() == 100
    assert count["amblyopia_aid"] == 170
    amblyopia_2023 = of_year(scoped(tables["activities"], tables, BAOTOU), 2023)
    amblyopia_2023 = amblyopia_2023.loc[amblyopia_2023["kind"] == "amblyopia_aid", "count"].sum()
    assert amblyopia_2023 == 112
    assert count["mental_medication"] == 201
    medication = activities[activities["kind"] == "mental_medication"]
    assert set(medication["region_code"].str[:6]) <= {"150202", "150203", "150271"}
    for kind in ("hearing_screening", "prenatal_screening"):
        assert count[kind] == 100
        assert set(activities.loc[activities["kind"] == kind, "region_code"].str[:6]) == {"150207"}


@pytest.mark.parametrize("as_of", HOLDING_BAOTOU_2024)
def test_baotou_child_rehab_2024(snapshots, as_of):
    tables = snapshots[as_of]
    child = baotou_2024(tables, "child_rehab")
    assert child["aided"].sum() == 814
    assert child["applicants"].sum() == 814  # 应救尽救
    assert child["early_intervention"].sum() == 67
    assert child["funds_yuan"].sum() == 14_600_000
    assert (child["early_intervention"] <= child["aided"]).all()
    assert set(child.loc[child["early_intervention"] > 0, "age_band"]) <= {"0-3", "4-6"}
    target = baotou_2024(tables, "targets", indicator="children_aided")["target_value"].sum()
    assert 100 <= 100 * 814 / target <= 110
    institutions = tables["institutions"].set_index("institution_id")
    assert institutions.loc[tables["child_rehab"]["institution_id"].unique(), "serves_children"].all()
    # The children's welfare home and the 4th hospital were designated in 2024.
    newcomers = institutions.index[institutions["name"].isin(["包头市儿童福利院", "包头市第四医院"])]
    by_year = tables["child_rehab"].groupby(tables["child_rehab"]["period"].map(lambda d: d.year))
    assert not by_year.get_group(2023)["institution_id"].isin(newcomers).any()
    assert by_year.get_group(2024)["institution_id"].isin(newcomers).any()


@pytest.mark.parametrize("as_of", HOLDING_BAOTOU_2024)
def test_baotou_device_stations_stock_and_loans_2024(snapshots, as_of):
    tables = snapshots[as_of]
    stations = stations_in(tables, BAOTOU)
    assert (stations["opened_on"] <= dt.date(2024, 12, 31)).sum() == 106
    assert set(stations["kind"]) == set(contract.STATION_KINDS)
    stock = tables["device_stock"].merge(tables["device_stations"], on="station_id")
    wheelchairs = stock[(stock["device_type"] == "wheelchair") & (stock["source"] == "higher_level")
                        & (stock["kind"] == "community_station")
                        & stock["region_code"].isin(under(tables["regions"], BAOTOU))
                        & stock["placed_on"].map(lambda d: d.year == 2024)]
    assert wheelchairs["quantity"].sum() == 212
    loans = tables["device_loans"].merge(tables["device_stations"], on="station_id")
    loans = loans[loans["region_code"].isin(under(tables["regions"], BAOTOU))]
    in_2024 = loans["lent_on"].map(lambda d: d.year == 2024)
    qingshan = loans["region_code"].isin(under(tables["regions"], QINGSHAN))
    lent = loans["loan_status"] != "refused"  # a request refused for low credit lent nothing
    assert (in_2024 & qingshan & lent).sum() == 418  # "400余人次"
    assert not (loans["lent_on"] < dt.date(2025, 1, 1))[~qingshan].any()  # the pilot came first


@pytest.mark.parametrize("as_of", sample.SNAPSHOT_DATES)
def test_loans_have_terms_returns_and_a_few_overdue(snapshots, as_of):
    loans = snapshots[as_of]["device_loans"]
    assert loans["loan_id"].is_unique
    term = (loans["due_on"] - loans["lent_on"]).map(lambda d: d.days)
    assert term.between(30, 90).all()
    returned = loans["returned_on"].dropna()
    assert (returned > loans.loc[returned.index, "lent_on"]).all()
    due = loans[loans["due_on"] < as_of]
    overdue = due["returned_on"].isna().sum()  # most come back; a few are overdue at any date
    assert 1 <= overdue <= 0.15 * len(due)


def test_baotou_network_and_institutions(snapshots):
    tables = snapshots[LATEST]
    facilities = scoped(tables["facilities"], tables, BAOTOU)
    centres = facilities[facilities["tier"] == "district_center"]
    assert len(centres) == 10 and (centres["status"] == "built").all()
    assert centres["region_code"].nunique() == 10
    stations = facilities[facilities["tier"] == "township_station"].groupby("status").size()
    assert stations["built"] > 0.85 * stations.sum()
    assert stations["planned_near"] > 0 and stations["planned_far"] > 0
    rooms = facilities[facilities["tier"] == "village_room"]
    assert rooms["region_code"].is_unique
    assert (rooms["status"] == "built").mean() > 0.6
    assert set(rooms["status"]) == set(contract.FACILITY_STATUSES)
    institutions = scoped(tables["institutions"], tables, BAOTOU)
    assert 18 <= len(institutions) <= 22
    assert set(institutions["kind"]) == set(contract.INSTITUTION_KINDS)
    assert set(institutions["ownership"]) == {"public", "private"}
    named = institutions.set_index("name")
    assert named.loc["包头市儿童福利院", "serves_children"] and named.loc["包头市第四医院", "serves_children"]
    assert set(institutions["institution_id"]) <= set(tables["pairings"]["institution_id"])


def test_every_type_and_band_is_present_each_year(snapshots):
    tables = snapshots[LATEST]
    for code in (BAOTOU, YUANHUI):
        for year in sample.YEARS:
            services = of_year(scoped(tables["rehab_services"], tables, code), year)
            served = services[services["served_count"] > 0]
            assert set(served["disability_type"]) == set(contract.DISABILITY_TYPES)
            devices = of_year(scoped(tables["assistive_devices"], tables, code), year)
            fitted = devices[devices["fitted_count"] > 0]
            assert set(fitted["device_type"]) == set(contract.DEVICE_TYPES)
            child = of_year(scoped(tables["child_rehab"], tables, code), year)
            assert set(child["age_band"]) == set(contract.AGE_BANDS)


def test_years_grow_and_months_vary(snapshots):
    services = scoped(snapshots[LATEST]["rehab_services"], snapshots[LATEST], BAOTOU)
    by_year = services.groupby(services["period"].map(lambda d: d.year))["served_count"].sum()
    assert by_year[2023] < by_year[2024]
    by_month = of_year(services, 2024).groupby("period")["served_count"].sum()
    assert by_month.max() > 1.3 * by_month.min()


# --- Yuanhui, 2025 ------------------------------------------------------------------------------

def test_yuanhui_network_2025(snapshots):
    tables = snapshots[LATEST]
    facilities = scoped(tables["facilities"], tables, YUANHUI)
    built = facilities[facilities["status"] == "built"]

    centre = facilities[facilities["tier"] == "district_center"]
    assert len(centre) == 1
    assert centre.iloc[0][["status", "host_type", "host_name", "region_code"]].tolist() == [
        "built", "public_hospital", "源汇区人民医院", YUANHUI]

    stations = built[built["tier"] == "township_station"]
    assert len(stations) == 9 and stations["region_code"].nunique() == 9
    assert stations["host_type"].value_counts().to_dict() == {
        "township_health_center": 6, "private_institution": 3}

    rooms = facilities[facilities["tier"] == "village_room"]
    assert rooms["region_code"].is_unique  # one room per village at most
    built_rooms = rooms[rooms["status"] == "built"]
    assert len(built_rooms) == 29
    assert built_rooms["host_type"].value_counts().to_dict() == {
        "village_clinic": 18, "government_built": 10, "private_institution": 1}
    government = built_rooms[built_rooms["host_type"] == "government_built"]
    assert government["opened_on"].map(lambda d: d.year == 2025).all()
    assert (government["planned_year"] == 2025).all()
    near = rooms[rooms["status"] == "planned_near"]
    assert len(near) == 10 and (near["planned_year"] == 2026).all() and near["opened_on"].isna().all()
    far = rooms[rooms["status"] == "planned_far"]
    assert 10 <= len(far) <= 14 and far["planned_year"].isin([2027, 2028]).all()

    targets = tables["targets"]
    target = targets[(targets["year"] == 2025) & (targets["region_code"] == YUANHUI)]
    target = target.set_index("indicator")["target_value"]
    assert target["village_rooms_built"] == 29 and target["township_stations_built"] == 9


def test_yuanhui_institutions_and_pairings_2025(snapshots):
    tables = snapshots[LATEST]
    institutions = scoped(tables["institutions"], tables, YUANHUI)
    assert len(institutions) == 10
    kinds = institutions["kind"].value_counts()
    assert kinds["assessment"] == 2 and kinds["custodial_care"] == 1
    assert (institutions["ownership"] == "private").any()
    pairings = tables["pairings"]
    pairings = pairings[pairings["institution_id"].isin(institutions["institution_id"])]
    townships = tables["regions"][tables["regions"]["parent_code"] == YUANHUI]["region_code"]
    assert set(pairings["institution_id"]) == set(institutions["institution_id"])
    assert set(pairings["township_code"]) == set(townships)
    assert not pairings.duplicated(["institution_id", "township_code"]).any()


def test_yuanhui_funding_2025(snapshots):
    tables = snapshots[LATEST]
    funding = scoped(tables["funding"], tables, YUANHUI)
    funding = funding[funding["year"] == 2025]
    allocated = funding.groupby("source")["allocated_yuan"].sum()
    assert allocated.to_dict() == {
        "budget": 600_000, "higher_level": 1_384_900, "supplementary": 200_000}
    assert set(funding.loc[funding["source"] == "supplementary", "program"]) == {"child_rehab"}
    assert funding.loc[funding["source"] == "higher_level", "program"].nunique() > 1
    share = funding["spent_yuan"].sum() / funding["allocated_yuan"].sum()
    assert 0.4 < share < 0.8  # by the end of August
    assert (funding["spent_yuan"] <= funding["allocated_yuan"]).all()


def test_yuanhui_outreach_and_service_rate_2025(snapshots):
    tables = snapshots[LATEST]
    activities = of_year(scoped(tables["activities"], tables, YUANHUI), 2025)
    count = activities.groupby("kind")["count"].sum()
    published = {"home_visit": 1200, "needs_resolved": 268, "lecture_or_clinic": 22,
                 "brochures": 2000, "people_reached": 2500}
    assert {kind: count[kind] for kind in published} == published
    services = of_year(scoped(tables["rehab_services"], tables, YUANHUI), 2025)
    assert (services["served_count"] == services["need_count"]).all()
    assert services["served_count"].sum() > 0


# --- the committed data -------------------------------------------------------------------------

def through_arrow(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as it reads back from Parquet, so both sides convert the same way."""
    arrow = pa.Table.from_pandas(frame, schema=arrow_schema(table, frame), preserve_index=False)
    return arrow.to_pandas()


@pytest.mark.parametrize("as_of", sample.SNAPSHOT_DATES)
def test_committed_snapshots_match_the_generator(snapshots, as_of):
    number = sample.SNAPSHOT_DATES.index(as_of) + 1  # versions in date order
    folder = PROJECT / "data" / "snapshots" / f"{number:06d}"
    assert read_manifest(folder)["as_of"] == as_of.isoformat()
    assert folder.is_dir(), "run: python -m tools.sample"
    assert check_snapshot(folder) is None
    assert read_manifest(folder)["source"] == "sample"
    for table, frame in snapshots[as_of].items():
        committed = pq.read_table(folder / f"{table}.parquet").to_pandas()
        pd.testing.assert_frame_equal(committed, through_arrow(table, frame), obj=f"{as_of}/{table}")


def test_write_sample_replaces_sample_but_not_imported_snapshots(tmp_path):
    first = sample.write_sample(tmp_path)
    again = sample.write_sample(tmp_path)
    names = [f"{n:06d}" for n in range(1, len(sample.SNAPSHOT_DATES) + 1)]  # versions in date order
    assert [p.name for p in first] == [p.name for p in again] == names
    assert [read_manifest(p)["as_of"] for p in again] == [d.isoformat() for d in sample.SNAPSHOT_DATES]
    manifest = again[0] / "manifest.json"
    text = manifest.read_text(encoding="utf-8").replace('"sample"', '"import"')
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(FileExistsError):
        sample.write_sample(tmp_path)
