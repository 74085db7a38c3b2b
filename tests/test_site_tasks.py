"""Site tasks (建设任务): the seed's statement through the named queries, owners and deadlines of every
planned site, overdue sites, the task table's filters and the import's checks of the new sheet.

Expected figures come from the Yuanhui article (DIGEST.md: "the 10 planned for 2025 are all built and
in use") and from the facilities table read directly from Parquet, not from the code under test.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rehabdash.kernel import contract
from rehabdash.topics import site_tasks as st_tasks

from .seed import BAOTOU, NEWEST, QINGSHAN, YUANHUI, runner, snapshot

DATES = (dt.date(2024, 6, 30), dt.date(2024, 12, 31), dt.date(2025, 6, 30), NEWEST)


def parquet(as_of: dt.date, table: str) -> pd.DataFrame:
    return pd.read_parquet(snapshot(as_of).path / f"{table}.parquet")


def test_yuanhui_rooms_planned_for_2025_are_all_in_use():
    tasks = st_tasks.tasks(runner(NEWEST, YUANHUI), NEWEST)
    rooms_2025 = tasks[(tasks["tier"] == "village_room") & (tasks["deadline"] == dt.date(2025, 12, 31))]
    assert len(rooms_2025) == 10  # the seed: 10 new rooms funded for 2025
    assert set(rooms_2025["stage"]) == {"in_use"}
    assert set(rooms_2025["status"]) == {"built"}
    # and the facilities table agrees, read straight from Parquet
    f = parquet(NEWEST, "facilities")
    built_2025 = f[f["region_code"].str.startswith("411102") & (f["tier"] == "village_room")
                   & (pd.to_datetime(f["opened_on"]).dt.year == 2025)]
    assert set(built_2025["facility_id"]) == set(rooms_2025["facility_id"])


def test_yuanhui_planned_rooms_have_deadlines_in_2026_to_2028():
    tasks = st_tasks.tasks(runner(NEWEST, YUANHUI), NEWEST)
    planned = tasks[tasks["status"] != "built"]
    assert len(planned) == 22  # the seed's 10 near-term and 12 long-term planned rooms
    assert {d.year for d in planned["deadline"]} == {2026, 2027, 2028}
    assert not planned["overdue"].any()


@pytest.mark.parametrize("as_of", DATES)
def test_every_planned_site_has_a_responsible_unit_and_a_deadline(as_of):
    f = parquet(as_of, "facilities")
    planned = set(f.loc[f["status"] != "built", "facility_id"])
    tasks = pd.concat([st_tasks.tasks(runner(as_of, region), as_of) for region in (BAOTOU, YUANHUI)])
    assert planned <= set(tasks["facility_id"])
    of_planned = tasks[tasks["facility_id"].isin(planned)]
    assert of_planned["responsible_unit"].str.len().gt(0).all()
    assert of_planned["responsible_person"].str.len().gt(0).all()
    assert of_planned["deadline"].notna().all()


def test_some_baotou_sites_are_overdue_with_their_unit():
    overdue = st_tasks.overdue_tasks(runner(NEWEST, BAOTOU), NEWEST)
    raw = parquet(NEWEST, "site_tasks").sort_values("updated_on").groupby("facility_id").tail(1)
    expected = raw[(raw["stage"] != "in_use") & (pd.to_datetime(raw["deadline"]).dt.date < NEWEST)]
    expected = expected[expected["facility_id"].str.startswith("F-1502")]
    assert len(overdue) == len(expected) > 0
    assert set(overdue["facility_id"]) == set(expected["facility_id"])
    assert overdue["responsible_unit"].str.len().gt(0).all()
    assert (overdue["days_late"] == (NEWEST - dt.date(2025, 6, 30)).days).all()
    assert st_tasks.overdue_tasks(runner(NEWEST, YUANHUI), NEWEST).empty
    lines = st_tasks.overdue_lines(overdue, "zh")
    assert len(lines) == len(overdue)
    assert "逾期62天" in lines[0] and overdue["responsible_unit"].iloc[0] in lines[0]


def test_filters_and_scope():
    city = st_tasks.tasks(runner(NEWEST, BAOTOU), NEWEST)
    district = st_tasks.tasks(runner(NEWEST, QINGSHAN), NEWEST)
    assert set(district["district_code"]) == {QINGSHAN}
    assert set(district["facility_id"]) <= set(city["facility_id"])
    assert st_tasks.filtered(city, "overdue")["overdue"].all()
    assert len(st_tasks.filtered(city, "all")) == len(city)
    soon = st_tasks.filtered(city, "due_soon")
    assert all(NEWEST <= d <= NEWEST + dt.timedelta(days=30) for d in soon["deadline"])
    assert city.loc[city["overdue"], "flag"].str.startswith("⚠").all()


def test_history_of_a_room_built_in_2025_goes_through_every_stage():
    run = runner(NEWEST, YUANHUI)
    tasks = st_tasks.tasks(run, NEWEST)
    room = tasks[(tasks["tier"] == "village_room") & (tasks["stage"] == "in_use")
                 & (tasks["deadline"] == dt.date(2025, 12, 31))].iloc[0]
    history = st_tasks.history(run, room["facility_id"])
    assert list(history["stage"]) == list(contract.TASK_STAGES)
    assert history["updated_on"].is_monotonic_increasing


def test_history_outside_the_scope_is_empty():
    baotou_site = st_tasks.tasks(runner(NEWEST, BAOTOU), NEWEST)["facility_id"].iloc[0]
    assert st_tasks.history(runner(NEWEST, YUANHUI), baotou_site).empty


def test_the_contract_knows_the_table():
    assert contract.TABLES["site_tasks"]["deadline"] == "date"
    assert contract.CODE_LISTS[("site_tasks", "stage")] == contract.TASK_STAGES
    assert contract.KEYS["site_tasks"] == ("facility_id", "updated_on")
