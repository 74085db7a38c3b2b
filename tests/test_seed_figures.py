"""Every figure of DIGEST.md's table, through the named queries and domain code the pages use."""
import datetime as dt

import pytest

from rehabdash.kernel import formatting as fmt
from rehabdash.topics import facility_map, rehab
from rehabdash.topics.overview import headline

from .seed import BAOTOU, END_2024, NEWEST, QINGSHAN, YUANHUI, runner

# The Baotou 2024 figures hold from the year-end snapshot on, and stay in every later one.
BAOTOU_SNAPSHOTS = pytest.mark.parametrize("as_of", [END_2024, NEWEST])


@BAOTOU_SNAPSHOTS
def test_baotou_rehab_funds_2024(as_of):
    h = headline(runner(as_of, BAOTOU), as_of, 2024)
    assert h.funds.value == 17_640_000
    assert fmt.wan_yuan(h.funds.value) == "1764万元"


@BAOTOU_SNAPSHOTS
@pytest.mark.parametrize("figure, counts, rate, completion", [
    ("served", (6260, 6287, 5660), "99.57%", "110.6%"),  # precise rehab: served, in need, the task
    ("fitted", (2017, 2021, 1820), "99.8%", "110.8%"),  # assistive devices: fitted, in need, the task
])
def test_baotou_headline_2024(as_of, figure, counts, rate, completion):
    measure = getattr(headline(runner(as_of, BAOTOU), as_of, 2024), figure)
    assert (measure.value, measure.base, measure.target) == counts
    assert fmt.rate(measure.rate) == rate
    assert fmt.completion(measure.completion) == completion


@BAOTOU_SNAPSHOTS
def test_baotou_precise_rehab_on_its_page_2024(as_of):
    served = rehab.services(runner(as_of, BAOTOU), as_of, 2024).served
    assert (served.measure.value, served.measure.base, served.measure.target) == (6260, 6287, 5660)
    assert fmt.rate(served.measure.rate) == "99.57%"
    assert fmt.completion(served.measure.completion) == "110.6%"
    assert served.status.value == "green"


@BAOTOU_SNAPSHOTS
def test_baotou_cataract_operations_2024(as_of):
    cataract = rehab.prevention(runner(as_of, BAOTOU), as_of, 2024).loc["cataract_surgery"]
    assert (cataract["this_year"], cataract["target"]) == (182, 100)
    assert fmt.completion(cataract["completion"]) == "182%"
    task = rehab.task_figures(runner(as_of, BAOTOU), as_of, 2024)["cataract_surgery"]  # for the overview
    assert (task.measure.value, task.measure.target) == (182, 100)


@BAOTOU_SNAPSHOTS
def test_baotou_children_2024(as_of):
    run = runner(as_of, BAOTOU)
    h = headline(run, as_of, 2024)
    assert h.children.value == 814
    assert fmt.rate(h.children.rate) == "100%"  # 应救尽救: every applicant aided
    window = {"year": 2024, "until": END_2024, "until_last_year": dt.date(2023, 12, 31)}
    totals = run("child_rehab_totals", **window).set_index("year").loc[2024]
    assert totals["funds_yuan"] == 14_600_000
    assert totals["early_intervention"] == 67


@BAOTOU_SNAPSHOTS
def test_baotou_amblyopia_2024(as_of):
    amblyopia = rehab.prevention(runner(as_of, BAOTOU), as_of, 2024).loc["amblyopia_aid"]
    assert (amblyopia["this_year"], amblyopia["last_year"]) == (170, 112)
    # The published +51.7 % has no whole-number base: 112 (the nearest) gives +51.8 %, 111 +53.2 %.
    assert fmt.change(amblyopia["change"]) == "+51.8%"
    assert [fmt.change(170 / base - 1) for base in (111, 113)] == ["+53.2%", "+50.4%"]


@BAOTOU_SNAPSHOTS
def test_baotou_jiuyuan_prevention_pilot_2024(as_of):
    prevention = rehab.prevention(runner(as_of, BAOTOU), as_of, 2024)
    for kind in ("hearing_screening", "prenatal_screening"):
        assert prevention.at[kind, "this_year"] == 100
        assert prevention.at[kind, "places"] == ["九原区"]


@BAOTOU_SNAPSHOTS
def test_baotou_rehab_projects_2024(as_of):
    projects = rehab.projects(runner(as_of, BAOTOU), as_of, 2024)
    assert projects.at["mental_medication", "persons"] == 201
    assert projects.at["mental_medication", "places"] == ["东河区", "昆都仑区", "包头稀土高新技术产业开发区"]
    assert projects.at["inpatient_subsidy", "persons"] == 8
    assert projects.at["inpatient_subsidy", "places"] == ["达尔罕茂明安联合旗"]
    assert projects.at["psychological_rehab", "persons"] == 50
    assert projects.at["psychological_rehab", "places"] == ["青山区"]
    bases = projects.loc["self_help_base"]
    assert (bases["bases"], bases["persons"], bases["employed"]) == (5, 98, 4)
    assert {"石拐区", "固阳县"} < set(bases["places"])  # "石拐区、固阳县等"


@BAOTOU_SNAPSHOTS
def test_baotou_training_2024(as_of):
    training = rehab.training(runner(as_of, BAOTOU), as_of, 2024)
    assert training.national.value >= 60  # "60余名"
    assert training.city_sessions.value == 10
    assert 950 <= training.city_trained.value < 1000  # "近千人"


@BAOTOU_SNAPSHOTS
def test_baotou_device_service_points_2024(as_of):
    stations = runner(as_of, BAOTOU)("device_station_counts", until=END_2024)
    assert stations["stations"].sum() == 106


@BAOTOU_SNAPSHOTS
def test_baotou_wheelchairs_placed_at_community_stations_2024(as_of):
    stock = runner(as_of, BAOTOU)("device_stock_totals", year=2024)
    placed = stock[(stock["device_type"] == "wheelchair") & (stock["source"] == "higher_level")
                   & (stock["station_kind"] == "community_station")]
    assert placed["quantity"].sum() == 212


@BAOTOU_SNAPSHOTS
def test_qingshan_rental_pilot_2024(as_of):
    loans = runner(as_of, QINGSHAN)("device_loan_totals", year=2024, as_of=as_of).iloc[0]
    assert loans["loans"] >= 400
    other = runner(as_of, BAOTOU)("device_loan_totals", year=2024, as_of=as_of).iloc[0]
    assert other["loans"] == loans["loans"]  # the city's first pilot: no loans elsewhere in 2024


def facilities(host_counts, tier, status="built"):
    rows = host_counts[(host_counts["tier"] == tier) & (host_counts["status"] == status)]
    return dict(zip(rows["host_type"], rows["facilities"]))


def test_yuanhui_three_tier_network_2025():
    counts = runner(NEWEST, YUANHUI)("facility_counts")
    assert facilities(counts, "district_center") == {"public_hospital": 1}
    assert facilities(counts, "township_station") == {"township_health_center": 6, "private_institution": 3}
    assert facilities(counts, "village_room") == {
        "village_clinic": 18, "private_institution": 1, "government_built": 10}
    assert sum(facilities(counts, "village_room", "planned_near").values()) == 10


def test_yuanhui_pairing_2025():
    data = facility_map.load(runner(NEWEST, YUANHUI), NEWEST)  # what the map page draws
    local = data.institutions[data.institutions["in_scope"]]
    paired = set(data.pairings["institution_id"]) & set(local["institution_id"])
    assert (len(local), len(paired), data.pairings["township_code"].nunique()) == (10, 10, 9)
    kinds = local["kind"].value_counts()
    assert (kinds["assessment"], kinds["custodial_care"]) == (2, 1)


def test_yuanhui_funds_by_source_2025():
    funds = runner(NEWEST, YUANHUI)("funding_by_source", year=2025)
    allocated = funds.groupby("source")["allocated_yuan"].sum()
    assert allocated["budget"] == 600_000
    assert allocated["higher_level"] == 1_384_900
    supplementary = funds[funds["source"] == "supplementary"]
    assert supplementary["allocated_yuan"].sum() == 200_000
    assert set(supplementary["program"]) == {"child_rehab"}
    assert fmt.wan_yuan(allocated["higher_level"]) == "138.49万元"


@pytest.mark.parametrize("kind, expected", [
    ("home_visit", 1200), ("needs_resolved", 268), ("lecture_or_clinic", 22),
    ("brochures", 2000), ("people_reached", 2500),
])
def test_yuanhui_outreach_2025(kind, expected):
    assert rehab.outreach(runner(NEWEST, YUANHUI), NEWEST, 2025).at[kind, "this_year"] == expected


def test_yuanhui_service_rate_2025():
    h = headline(runner(NEWEST, YUANHUI), NEWEST, 2025)
    assert h.served.value > 0
    assert fmt.rate(h.served.rate) == "100%"
    served = rehab.services(runner(NEWEST, YUANHUI), NEWEST, 2025).served.measure
    assert (served.value, fmt.rate(served.rate)) == (h.served.value, "100%")
