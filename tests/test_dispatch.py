"""The dispatch view on the seed figures: indicators against task and 序时进度, lagging items."""
import datetime as dt

from rehabdash.charts import dispatch as dispatch_charts
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.indicators import Status
from rehabdash.topics import dispatch

from .seed import BAOTOU, END_2024, NEWEST, YUANHUI, runner

MARGIN = 0.05


def by_indicator(statuses):
    return {s.indicator: s for s in statuses}


def test_baotou_2024_against_its_tasks():
    s = by_indicator(dispatch.indicator_statuses(runner(END_2024, BAOTOU), END_2024, 2024, MARGIN))
    assert (s["precise_rehab_served"].actual, fmt.completion(s["precise_rehab_served"].completion)) == (6260, "110.6%")
    assert (s["devices_fitted"].actual, fmt.completion(s["devices_fitted"].completion)) == (2017, "110.8%")
    assert (s["cataract_surgery"].actual, fmt.completion(s["cataract_surgery"].completion)) == (182, "182%")
    assert s["children_aided"].actual == 814
    assert fmt.rate(s["precise_rehab_served"].rate) == "99.57%"
    assert all(x.progress == 1.0 for x in s.values())  # a closed year: 序时进度 100 %
    assert s["precise_rehab_served"].status is Status.GREEN


def test_time_progress_mid_year_drives_the_lights():
    s = by_indicator(dispatch.indicator_statuses(runner(NEWEST, BAOTOU), NEWEST, 2025, MARGIN))
    assert s["precise_rehab_served"].progress == 243 / 365
    # Summed from the raw Parquet (包头市, 1 January to 31 August 2025) against the 2025 tasks; 66.6 % of the
    # year has passed: 548 / 830 = 66.0 % children aided and 1182.17 of 1884.77万元 spent (62.7 %) are within
    # 5 points below it.
    tasked = {x.indicator: (x.actual, x.target, x.status) for x in s.values() if x.target is not None}
    assert tasked == {
        "precise_rehab_served": (4412, 6300, Status.GREEN),
        "devices_fitted": (1391, 2000, Status.GREEN),
        "children_aided": (548, 830, Status.AMBER),
        "cataract_surgery": (118, 150, Status.GREEN),
        "village_rooms_built": (342, 350, Status.GREEN),
        "township_stations_built": (77, 78, Status.GREEN),
        "funding_execution": (11_821_700, 18_847_700, Status.AMBER),
    }


def test_subunits_carry_district_targets_and_sum_to_the_city():
    run = runner(END_2024, BAOTOU)
    subunits = dispatch.subunit_statuses(run, END_2024, 2024, MARGIN)
    assert len(subunits) == 10
    served = [next(s for s in row if s.indicator == "precise_rehab_served") for row in subunits.values()]
    assert sum(s.actual for s in served) == 6260
    assert sum(s.target for s in served) == 5660


def test_lagging_names_the_unit_responsible():
    progress = 0.9
    own = [dispatch.IndicatorStatus("devices_fitted", 50, 100, None, progress, MARGIN)]
    subunits = {("D1", "青山区"): [dispatch.IndicatorStatus("devices_fitted", 50, 100, None, progress, MARGIN)],
                ("D2", "东河区"): [dispatch.IndicatorStatus("devices_fitted", 95, 100, None, progress, MARGIN)]}
    items = dispatch.lagging(subunits, "包头市", own)
    assert [(unit, s.indicator) for unit, s in items] == [("青山区", "devices_fitted")]
    lines = dispatch_charts.lagging_lines(items, "zh")
    assert lines == ["青山区：辅具适配人数完成 50%，低于序时进度 90%"]
    # Townships have no targets of their own: the scope's own red indicators are listed instead.
    no_targets = {("T1", "某街道"): [dispatch.IndicatorStatus("devices_fitted", 5, None, None, progress, MARGIN)]}
    assert [u for u, _ in dispatch.lagging(no_targets, "青山区", own)] == ["青山区"]


def test_changes_since_the_previous_snapshot():
    run_now, run_before = runner(NEWEST, YUANHUI), runner(dt.date(2025, 6, 30), YUANHUI)
    now = dispatch.indicator_statuses(run_now, NEWEST, 2025, MARGIN)
    before = dispatch.indicator_statuses(run_before, dt.date(2025, 6, 30), 2025, MARGIN)
    changes = dispatch.changes_since(now, before)
    assert changes["precise_rehab_served"] > 0  # July and August were added
    assert changes["precise_rehab_served"] == by_indicator(now)["precise_rehab_served"].actual - by_indicator(
        before)["precise_rehab_served"].actual


def test_network_coverage_of_yuanhui():
    coverage = dispatch.network_coverage(runner(NEWEST, YUANHUI), NEWEST, 2025)
    assert coverage["township"] == 1.0  # 9 stations in 9 townships
    assert 0 < coverage["village"] < 1


def test_service_rates_by_subunit_come_from_the_same_statuses():
    subunits = dispatch.subunit_statuses(runner(END_2024, BAOTOU), END_2024, 2024, MARGIN)
    rates = dispatch.service_rates(subunits)
    assert len(rates) == 10
    assert (rates["served"].sum(), rates["need"].sum()) == (6260, 6287)
    assert (rates["rate"] == rates["served"] / rates["need"]).all()
