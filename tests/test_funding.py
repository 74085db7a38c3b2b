"""rehabdash.topics.funding on the sample snapshots: the rule for "spent as of a day", the headline, sources to
programmes, subunits and the execution through the year, through the named queries the page uses."""
import dataclasses
import datetime as dt

import pandas as pd
import pytest

from rehabdash.charts import funding as funding_charts
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.config import data_dir
from rehabdash.kernel.indicators import Status
from rehabdash.store.snapshots import list_snapshots
from rehabdash.topics import funding

from .seed import BAOTOU, END_2024, NEWEST, QINGSHAN, YUANHUI, runner, snapshot

MID_2024 = dt.date(2024, 6, 30)
MID_2025 = dt.date(2025, 6, 30)
MARGIN = 0.05


def run_at_for(region_code):
    return lambda snap: runner(snap.as_of, region_code)


@pytest.fixture(scope="module")
def snapshots():
    return list_snapshots(data_dir())


# ---- the rule

def test_a_day_is_read_from_the_snapshot_taken_that_day(snapshots):
    assert funding.snapshot_for(MID_2024, snapshots, snapshot(MID_2025)).as_of == MID_2024


def test_a_complete_year_is_read_from_the_chosen_snapshot_when_none_was_taken_on_its_last_day(snapshots):
    chosen = snapshot(NEWEST)
    assert funding.snapshot_for(dt.date(2023, 12, 31), snapshots, chosen) == chosen
    # ...but a day within a year is never stood in for by a snapshot of another day.
    assert funding.snapshot_for(dt.date(2024, 8, 31), snapshots, chosen) is None


def test_no_snapshot_newer_than_the_chosen_one_and_no_refused_one_is_used(snapshots):
    assert funding.snapshot_for(NEWEST, snapshots, snapshot(MID_2025)) is None
    refused = [dataclasses.replace(s, problem="校验和不符") if s.as_of == MID_2024 else s for s in snapshots]
    assert funding.snapshot_for(MID_2024, refused, snapshot(MID_2025)) is None


# ---- headline

@pytest.mark.parametrize("as_of", [END_2024, NEWEST])
def test_baotou_2024_spent_1764_wan(snapshots, as_of):
    h = funding.headline(run_at_for(BAOTOU), snapshots, snapshot(as_of), 2024, MARGIN)
    assert h.now.spent == 17_640_000
    assert fmt.wan_yuan(h.now.spent) == "1764万元"
    assert h.now.progress == 1.0
    # A complete year against the complete year before it, both final in the chosen snapshot.
    assert h.same_day_last_year == dt.date(2023, 12, 31)
    assert h.last_year.snapshot == as_of
    assert h.last_year.spent == 16_048_000
    assert h.spent_change == pytest.approx(17_640_000 / 16_048_000 - 1)


def test_mid_year_compares_with_the_snapshot_of_the_same_day_last_year(snapshots):
    h = funding.headline(run_at_for(BAOTOU), snapshots, snapshot(MID_2025), 2025, MARGIN)
    assert h.now.day == MID_2025 and h.now.snapshot == MID_2025
    assert h.last_year.snapshot == MID_2024
    # What had been spent by 30 June 2024, not the whole of 2024 that the chosen snapshot also holds.
    assert h.last_year.spent == 7_672_000
    assert h.last_year.spent < 17_640_000
    # Summed from the raw Parquet of 2025-06-30: 860.31万元 spent of 1884.77万元, 45.6 % at 49.6 % of the year.
    assert (h.now.spent, h.now.allocated) == (8_603_100, 18_847_700)
    assert h.spent_change == pytest.approx(8_603_100 / 7_672_000 - 1)
    assert h.now.progress == pytest.approx(181 / 365)
    assert h.status is Status.AMBER


def test_without_a_snapshot_of_the_same_day_last_year_there_is_no_change(snapshots):
    h = funding.headline(run_at_for(YUANHUI), snapshots, snapshot(NEWEST), 2025, MARGIN)
    assert h.same_day_last_year == dt.date(2024, 8, 31)
    assert h.last_year is None
    assert h.spent_change is None and h.allocated_change is None
    assert h.now.allocated == 2_184_900


def test_spent_per_registered_disabled_person(snapshots):
    h = funding.headline(run_at_for(BAOTOU), snapshots, snapshot(NEWEST), 2024, MARGIN)
    assert h.registered_disabled == 70_394
    assert h.spent_per_person == pytest.approx(17_640_000 / 70_394)


# ---- sources → programmes

def test_yuanhui_2025_sources():
    lines = funding.flows(runner(NEWEST, YUANHUI), 2025)
    sources = funding.by_source(lines).set_index("source")
    assert list(sources.index) == ["budget", "supplementary", "higher_level", "social"]
    assert sources.at["budget", "allocated_yuan"] == 600_000
    assert sources.at["supplementary", "allocated_yuan"] == 200_000
    assert sources.at["higher_level", "allocated_yuan"] == 1_384_900
    assert sources.at["social", "allocated_yuan"] == 0
    supplementary = lines[lines["source"] == "supplementary"]
    assert supplementary[["program", "allocated_yuan"]].values.tolist() == [["child_rehab", 200_000]]


def test_sankey_links_carry_every_line_and_nodes_name_their_amounts():
    lines = funding.flows(runner(NEWEST, YUANHUI), 2025)
    figure = funding_charts.sankey(lines, "allocated_yuan", str.upper, str.lower, fmt.wan_yuan, "title")
    trace = figure.data[0]
    assert len(trace.link.value) == len(lines)
    assert sum(trace.link.value) == pytest.approx(218.49)
    assert "BUDGET 60万元" in trace.node.label
    assert "SUPPLEMENTARY 20万元" in trace.node.label
    assert "HIGHER_LEVEL 138.49万元" in trace.node.label
    assert "child_rehab 120万元" in trace.node.label  # 18 + 20 + 82
    assert figure.layout.title.text == "title"


# ---- subunits

def test_baotou_districts_and_the_city_own_level_add_up_to_the_whole(snapshots):
    units = funding.subunits(runner(NEWEST, BAOTOU), NEWEST, 2024, MARGIN)
    rows = units.rows
    assert units.recorded_below
    assert rows["own_level"].tolist() == [False] * 10 + [True]
    assert rows["spent_yuan"].sum() == 17_640_000
    own = rows[rows["own_level"]].iloc[0]
    assert own["subunit_name"] == "包头市"
    assert pd.isna(own["spent_per_person"])  # city-level money serves every district
    qingshan = rows[rows["subunit_code"] == QINGSHAN].iloc[0]
    assert (qingshan["spent_yuan"], qingshan["registered_disabled"]) == (857_800, 8_056)  # raw Parquet
    assert qingshan["spent_per_person"] == pytest.approx(857_800 / 8_056)
    # Every district and the city's own level spent 95.8 % to 99.2 % of its 2024 allocation (raw Parquet);
    # a closed year asks for 100 %: all within 5 points below.
    assert list(rows["status"]) == [Status.AMBER] * 11


def test_yuanhui_funding_is_kept_at_district_level():
    units = funding.subunits(runner(NEWEST, YUANHUI), NEWEST, 2025, MARGIN)
    assert not units.recorded_below
    assert units.rows.empty


def test_a_township_without_funding_is_told_where_the_money_is_kept():
    township = "411102001000"  # 老街街道 of 源汇区
    assert runner(NEWEST, township)("funding_totals", year=2025).iloc[0]["allocated_yuan"] == 0
    holder = funding.recorded_above(runner(NEWEST, township), 2025)
    assert (holder["name"], holder["level"]) == ("源汇区", "district")
    assert funding.recorded_above(runner(NEWEST, YUANHUI), 2025) is None


# ---- through the year

def test_execution_through_2024_reads_each_snapshot_of_the_year(snapshots):
    points = funding.through_the_year(run_at_for(BAOTOU), snapshots, snapshot(NEWEST), 2024, MARGIN)
    assert points["day"].tolist() == [MID_2024, END_2024]
    assert points["snapshot"].tolist() == [MID_2024, END_2024]
    assert points["spent_yuan"].tolist() == [7_672_000, 17_640_000]
    assert points["progress"].iloc[1] == 1.0
    assert points["status"].iloc[0] is Status.RED  # 42.57 % spent at 49.7 % of the year


def test_execution_through_the_year_never_looks_past_the_chosen_snapshot(snapshots):
    points = funding.through_the_year(run_at_for(BAOTOU), snapshots, snapshot(MID_2025), 2025, MARGIN)
    assert points["day"].tolist() == [MID_2025]


def test_a_year_without_snapshots_of_its_own_shows_its_end_from_the_chosen_snapshot(snapshots):
    points = funding.through_the_year(run_at_for(BAOTOU), snapshots, snapshot(NEWEST), 2023, MARGIN)
    assert points["day"].tolist() == [dt.date(2023, 12, 31)]
    assert points["snapshot"].tolist() == [NEWEST]


def test_time_line_runs_from_the_first_to_the_last_day():
    line = funding.time_line(2024)
    assert line["day"].tolist() == [dt.date(2024, 1, 1), dt.date(2024, 12, 31)]
    assert line["progress"].iloc[0] == pytest.approx(1 / 366) and line["progress"].iloc[1] == 1.0


# ---- figures

def test_status_markers_differ_in_shape_and_name_the_status():
    units = funding.subunits(runner(MID_2025, BAOTOU), MID_2025, 2025, MARGIN).rows
    figure = funding_charts.execution_by_unit(units.assign(label=units["subunit_name"]), 0.496,
                                       lambda s: f"<{s.value}>", "line", fmt.rate, "title", "axis")
    names = {trace.name: trace.marker.symbol for trace in figure.data}
    assert set(names) == {"<red>", "<amber>"}
    assert len(set(names.values())) == 2
    assert all(text.endswith(trace.name) for trace in figure.data for text in trace.text)
