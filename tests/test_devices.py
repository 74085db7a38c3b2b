"""The assistive-devices library: fitting against need and task, service points, loans, stock, the map."""
import datetime as dt
import re

import folium
import pandas as pd
import pytest

from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.contract import DEVICE_TYPES, STATION_KINDS
from rehabdash.kernel.indicators import Status
from rehabdash.kernel.scope import Scope
from rehabdash.maps import devices as device_map
from rehabdash.maps.layers import TextTooltip
from rehabdash.maps.mapkit import walk
from rehabdash.topics import devices

from .seed import BAOTOU, END_2024, NEWEST, QINGSHAN, YUANHUI, runner

BAOTOU_SNAPSHOTS = pytest.mark.parametrize("as_of", [END_2024, NEWEST])
XITU = "150271000000"  # 稀土高新区: a development zone with no boundary polygon
URL = re.compile(r"""(?:https?:)?//[^\s"'`<>)]+""", re.IGNORECASE)
LABELS = {"fitting_center": "适配中心", "community_station": "服务站", "rental_point": "租赁点",
          "districts": "区县边界", "townships": "乡镇边界"}


# ---------------------------------------------------------------- fitting

@BAOTOU_SNAPSHOTS
def test_baotou_2024_fitting_headline(as_of):
    fit = devices.fitting(runner(as_of, BAOTOU), as_of, 2024)
    assert (fit.fitted.value, fit.need.value, fit.fitted.target) == (2017, 2021, 1820)
    assert fmt.rate(fit.fitted.rate) == "99.8%"
    assert fmt.completion(fit.fitted.completion) == "110.8%"
    assert fit.time_progress == 1.0 and fit.status is Status.GREEN
    assert (fit.fitted.last_year, fit.need.last_year) == (1838, 1849)  # 2023, the whole year
    assert fit.last_year_rate == pytest.approx(1838 / 1849)
    assert fmt.change(fit.fitted.change) == "+9.7%"


def test_fitting_mid_year_compares_the_same_period_and_lights_against_time_progress():
    as_of = dt.date(2024, 6, 30)
    fit = devices.fitting(runner(as_of, BAOTOU), as_of, 2024)
    assert fit.time_progress == pytest.approx(182 / 366)
    assert fit.fitted.value < 2017 and fit.fitted.last_year < 1838  # January to June only
    # Summed from the raw Parquet: 910 fitted by 30 June against the task of 1820, 50.0 % done at 49.7 %.
    assert (fit.fitted.value, fit.fitted.target) == (910, 1820)
    assert fit.status is Status.GREEN
    assert devices.fitting(runner(as_of, BAOTOU), as_of, 2024, margin=1.0).status in (Status.GREEN, Status.AMBER)


def test_a_township_has_no_task_and_no_light():
    township = "150204100000"  # 青福镇
    fit = devices.fitting(runner(NEWEST, township), NEWEST, 2024)
    assert fit.fitted.value == 34 and fit.fitted.target is None
    assert fit.fitted.completion is None and fit.status is None


def test_device_types_add_up_to_the_headline():
    run = runner(NEWEST, BAOTOU)
    types = devices.by_device_type(run, NEWEST, 2024)
    assert list(types["device_type"]) == list(DEVICE_TYPES)
    assert (types["fitted"].sum(), types["need"].sum()) == (2017, 2021)
    wheelchairs = types.set_index("device_type").loc["wheelchair"]
    assert (wheelchairs["fitted"], wheelchairs["need"]) == (475, 476)  # raw Parquet, 包头市 2024
    assert wheelchairs["rate"] == pytest.approx(475 / 476)


def test_device_types_missing_in_the_scope_are_zero():
    types = devices.by_device_type(lambda name, **_: pd.DataFrame(
        {"device_type": ["wheelchair"], "need": [4], "fitted": [3]}), NEWEST, 2025)
    assert list(types["need"]) == [4, 0, 0, 0, 0, 0, 0]
    assert types["rate"].iloc[0] == 0.75 and fmt.is_missing(types["rate"].iloc[1])


def test_districts_of_baotou_with_their_tasks():
    subunits = devices.by_subunit(runner(NEWEST, BAOTOU), NEWEST, 2024)
    assert len(subunits) == 10
    assert (subunits["fitted"].sum(), subunits["need"].sum(), subunits["target"].sum()) == (2017, 2021, 1820)
    qingshan = subunits.set_index("subunit_code").loc[QINGSHAN]
    assert (qingshan["fitted"], qingshan["target"]) == (233, 208)  # raw Parquet: 青山区's 2024 task
    assert qingshan["completion"] == pytest.approx(233 / 208)
    assert all(s is Status.GREEN for s in subunits["status"])  # every district beat its 2024 task


def test_townships_have_rates_but_no_task():
    subunits = devices.by_subunit(runner(NEWEST, QINGSHAN), NEWEST, 2024)
    assert len(subunits) == 10 and subunits["fitted"].sum() == 233
    assert all(t is None for t in subunits["target"]) and all(s is None for s in subunits["status"])


def test_subunit_traffic_lights_against_time_progress():
    frame = pd.DataFrame({
        "subunit_code": list("abcde"), "subunit_name": list("abcde"),
        "need": [100, 100, 100, 100, 0], "fitted": [60, 47, 30, 50, 0],
        "target": [100, 100, 100, None, 10],
    })
    as_of = dt.date(2025, 7, 2)  # day 183 of 365: progress ~0.50
    subunits = devices.by_subunit(lambda name, **_: frame, as_of, 2025, margin=0.05)
    assert list(subunits["subunit_code"]) == list("abcd")  # no need and nothing fitted: left out
    assert list(subunits["status"]) == [Status.GREEN, Status.AMBER, Status.RED, None]
    assert fmt.is_missing(subunits["completion"].iloc[3])


# ---------------------------------------------------------------- service points

@BAOTOU_SNAPSHOTS
def test_baotou_106_service_points_2024(as_of):
    points = devices.service_points(runner(as_of, BAOTOU), as_of, 2024)
    assert points.total.value == 106 and len(points.stations) == 106
    assert points.by_kind.to_dict() == {"fitting_center": 10, "community_station": 84, "rental_point": 12}
    assert points.total.last_year == 30  # open at the end of 2023
    assert points.stations["district_name"].notna().all() and points.stations["township_name"].notna().all()
    assert (pd.to_datetime(points.stations["opened_on"]) <= pd.Timestamp(END_2024)).all()


def test_openings_by_year_add_up_to_the_points_open():
    points = devices.service_points(runner(NEWEST, BAOTOU), NEWEST, 2025)
    openings = devices.openings_by_year(points.stations, 2025)
    assert openings["opened"].sum() == points.total.value == 113
    last = openings[openings["year"] == 2025].set_index("kind")["open_at_end"]
    assert last.to_dict() == points.by_kind.to_dict()
    assert openings.groupby("year")["kind"].apply(list).map(lambda k: k == list(STATION_KINDS)).all()
    assert devices.openings_by_year(points.stations.iloc[0:0], 2025).empty


# ---------------------------------------------------------------- loans and stock

@BAOTOU_SNAPSHOTS
def test_qingshan_rental_pilot_loans_2024(as_of):
    run = runner(as_of, QINGSHAN)
    loans = devices.loan_totals(run, as_of, 2024)
    assert loans.lent >= 400
    assert loans.on_loan + loans.lost == loans.lent - loans.returned and loans.on_loan >= loans.overdue >= 0
    # Counted in the raw Parquet: 418 loans of 2024 at 青山区's points, 352 back by the end of 2024 and
    # 405 by 31 August 2025.
    returned = {END_2024: 352, NEWEST: 405}[as_of]
    assert (loans.lent, loans.returned) == (418, returned)
    assert loans.return_rate == pytest.approx(returned / 418)
    points = devices.service_points(run, as_of, 2024)
    by = devices.loans_by(run, as_of, 2024, points.stations)
    for frame in by.values():  # the breakdowns add up to the totals
        assert (frame["loans"].sum(), frame["returned"].sum(), frame["overdue"].sum(), frame["lost"].sum()) == (
            loans.lent, loans.returned, loans.overdue, loans.lost)
    assert len(by["station"]) == 12 and set(by["station"]["kind"]) == {"rental_point"}
    assert list(by["station"]["loans"]) == sorted(by["station"]["loans"], reverse=True)
    assert list(by["device_type"]["device_type"]) == [d for d in DEVICE_TYPES if d in set(by["device_type"]["device_type"])]


def test_overdue_is_counted_at_the_snapshot_date():
    """A loan not back by the year-end snapshot may be back, or overdue, in a later one."""
    at_year_end = devices.loan_totals(runner(END_2024, QINGSHAN), END_2024, 2024)
    later = devices.loan_totals(runner(NEWEST, QINGSHAN), NEWEST, 2024)
    assert later.lent == at_year_end.lent
    assert later.returned >= at_year_end.returned and later.on_loan <= at_year_end.on_loan
    assert later.overdue == later.on_loan  # by August 2025 every 2024 loan is past its due date


def test_a_past_year_read_from_a_later_snapshot_counts_loans_at_its_year_end():
    """/devices?year=2024 on the newest snapshot says "在 2024年12月31日 的状态": the returns made in 2025
    are not back yet then. Counted in the raw Parquet of the year-end snapshot (000002): 418 loans of
    2024, 352 back, 66 not back, 12 of them past their due date; the newest snapshot, read at that day,
    agrees (it once said 405 back, 13 on loan, 9 overdue: the state of August 2025). Of the 12, the
    year-end snapshot had 3 recorded lost; by August 2025 9 are (a loss has no date: it counts from the
    due date, as in the credit scores), so the newest snapshot splits them 3 overdue and 9 lost."""
    run = runner(NEWEST, QINGSHAN)
    loans = devices.loan_totals(run, END_2024, 2024)
    assert (loans.lent, loans.returned, loans.on_loan + loans.lost, loans.overdue + loans.lost) == (418, 352, 66, 12)
    year_end = devices.loan_totals(runner(END_2024, QINGSHAN), END_2024, 2024)
    assert (year_end.lent, year_end.returned, year_end.on_loan + year_end.lost, year_end.overdue + year_end.lost) == (
        418, 352, 66, 12)
    assert (year_end.overdue, year_end.lost, loans.overdue, loans.lost) == (9, 3, 3, 9)
    points = devices.service_points(run, END_2024, 2024)
    for frame in devices.loans_by(run, END_2024, 2024, points.stations).values():
        assert (frame["returned"].sum(), frame["on_loan"].sum() + frame["lost"].sum(),
                frame["overdue"].sum(), frame["lost"].sum()) == (352, 66, 3, 9)


def test_loan_outcomes_split_every_loan_once():
    frame = pd.DataFrame({"name": ["x", "y"], "loans": [10, 5], "returned": [7, 5], "on_loan": [2, 0],
                          "overdue": [1, 0], "lost": [1, 0], "return_rate": [0.7, 1.0]})
    parts = devices.loan_outcomes(frame, "name")
    assert parts.groupby("name")["count"].sum().to_dict() == {"x": 10, "y": 5}
    assert parts.set_index(["name", "outcome"])["count"][("x", "in_term")] == 1
    assert parts.set_index(["name", "outcome"])["count"][("x", "lost")] == 1


def test_no_loans_anywhere_else_in_2024():
    run = runner(NEWEST, "150202000000")  # 东河区
    assert devices.loan_totals(run, NEWEST, 2024) == devices.Loans(0, 0, 0, 0)
    assert devices.loan_totals(run, NEWEST, 2024).return_rate is None
    by = devices.loans_by(run, NEWEST, 2024, devices.service_points(run, NEWEST, 2024).stations)
    assert by["station"].empty and by["device_type"].empty


@BAOTOU_SNAPSHOTS
def test_212_wheelchairs_placed_at_community_stations_2024(as_of):
    run = runner(as_of, BAOTOU)
    stock = devices.stock(run, as_of, 2024, devices.service_points(run, as_of, 2024).stations)
    placed = stock.placed_in_year
    wheelchairs = placed[(placed["device_type"] == "wheelchair") & (placed["source"] == "higher_level")]
    assert wheelchairs["quantity"].sum() == 212 and set(wheelchairs["station_kind"]) == {"community_station"}
    assert stock.placed_by_source["higher_level"] == 212
    # The per-station table and the year's placements come from two queries: they must agree.
    assert stock.per_station["placed_in_year"].sum() == stock.placed == stock.placed_by_source.sum()
    device_columns = [d for d in DEVICE_TYPES if d in stock.per_station.columns]
    assert (stock.per_station[device_columns].sum(axis=1) == stock.per_station["total"]).all()
    assert stock.total > stock.placed  # earlier stock is still there
    assert stock.per_station["name"].notna().all()


# ---------------------------------------------------------------- the map

def _points(scope_code):
    return devices.service_points(runner(NEWEST, scope_code), NEWEST, 2024).stations


def test_scope_outlines():
    districts, townships = device_map.scope_outlines(Scope(BAOTOU))
    assert len(districts["features"]) == 9 and townships["features"] == []  # 稀土高新区 has no polygon
    districts, townships = device_map.scope_outlines(Scope(BAOTOU, QINGSHAN))
    assert [f["properties"]["name"] for f in districts["features"]] == ["青山区"]
    assert len(townships["features"]) == 10
    assert {f["properties"]["parent_code"] for f in townships["features"]} == {QINGSHAN}
    districts, townships = device_map.scope_outlines(Scope(BAOTOU, QINGSHAN, "150204100000"))
    assert [f["properties"]["name"] for f in townships["features"]] == ["青福镇"]
    districts, _ = device_map.scope_outlines(Scope("411100000000"))
    assert [f["properties"]["region_code"] for f in districts["features"]] == [YUANHUI]


def test_station_map_is_offline_and_shows_every_point_by_shape():
    stations = _points(BAOTOU)
    m = device_map.station_map(stations, Scope(BAOTOU), LABELS, lambda row: f"{row.name}\n<{row.kind}>",
                            basemap="none")
    html = m.get_root().render()
    assert {u for u in URL.findall(html) if not u.startswith("//#")} == set()
    assert html.count('"className": "device-point"') == 106
    for kind, shape_tag in (("fitting_center", "<rect"), ("community_station", "<circle"),
                            ("rental_point", "<polygon")):
        assert shape_tag in device_map.marker_svg(kind)
        assert device_map.KIND_COLORS[kind] in device_map.marker_svg(kind)
    assert html.count("\\u003crect") == 10 and html.count("\\u003cpolygon") == 12  # JSON-escaped <
    layers = [c.layer_name for c in m._children.values() if isinstance(c, (folium.FeatureGroup, folium.GeoJson))]
    assert layers == ["区县边界", "■ 适配中心 (10)", "● 服务站 (84)", "▲ 租赁点 (12)"]
    assert not [t for t in walk(m) if isinstance(t, folium.Tooltip)]  # it splices text into JS source
    tooltips = [t for t in walk(m) if isinstance(t, TextTooltip) and t.lines_json != "null"]
    assert len(tooltips) == 106  # one a point, its lines as JSON data (no raw < in the script)
    assert all(t.lines_json.startswith('["') and "\\u003c" in t.lines_json and "<" not in t.lines_json
               for t in tooltips)
    assert "L.tileLayer" not in html


def test_station_map_without_an_outline_fits_the_points():
    stations = _points(XITU)
    m = device_map.station_map(stations, Scope(BAOTOU, XITU), LABELS, lambda row: row.name, basemap="none")
    html = m.get_root().render()
    assert html.count('"className": "device-point"') == len(stations) == 2
    (south, west), (north, east) = next(c for c in m._children.values()
                                        if isinstance(c, folium.FitBounds)).bounds
    for row in stations.itertuples():
        assert west < row.lon < east and south < row.lat < north


def test_no_map_without_points_or_outline():
    empty = _points(XITU).iloc[0:0]
    assert device_map.station_map(empty, Scope(BAOTOU, XITU), LABELS, str, basemap="none") is None


# ---------------------------------------------------------------- lost devices apart from overdue ones

def raw_loans(snapshot: str, region_prefix: str, year: int, day: dt.date) -> dict[str, int]:
    """The year's loans at the points under `region_prefix` counted in the raw Parquet with pandas, as
    they stood on `day`: back by then; recorded lost (from its due date, as the credit rule counts a
    loss); otherwise out past the due date; otherwise out within term."""
    folder = f"data/snapshots/{snapshot}"
    loans = pd.read_parquet(f"{folder}/device_loans.parquet").merge(
        pd.read_parquet(f"{folder}/device_stations.parquet")[["station_id", "region_code"]], on="station_id")
    loans = loans[(pd.to_datetime(loans["lent_on"]).dt.year == year) & (loans["loan_status"] != "refused")
                  & loans["region_code"].str.startswith(region_prefix)]
    back = pd.to_datetime(loans["returned_on"]) <= pd.Timestamp(day)
    past_due = pd.to_datetime(loans["due_on"]) < pd.Timestamp(day)
    lost = ~back & past_due & (loans["loan_status"] == "lost")
    overdue = ~back & past_due & ~lost
    return {"lent": len(loans), "returned": int(back.sum()), "lost": int(lost.sum()),
            "overdue": int(overdue.sum()), "on_loan": int((~back & ~lost).sum())}


@pytest.mark.parametrize("snapshot, scope, prefix, year, day", [
    ("000004", BAOTOU, "1502", 2025, NEWEST),  # 464 lent, 364 back, 10 overdue, 4 lost
    ("000002", QINGSHAN, "150204", 2024, END_2024),  # 418 lent, 352 back, 9 overdue, 3 lost
    ("000004", QINGSHAN, "150204", 2024, END_2024),  # the same loans, 6 more known lost by August 2025
])
def test_lost_devices_are_counted_apart_from_overdue_ones(snapshot, scope, prefix, year, day):
    """逾期未还 counted the lost devices as if still out: they are 丢失 now, each loan once."""
    as_of = NEWEST if snapshot == "000004" else END_2024
    run = runner(as_of, scope)
    loans = devices.loan_totals(run, day, year)
    raw = raw_loans(snapshot, prefix, year, day)
    assert (loans.lent, loans.returned, loans.on_loan, loans.overdue, loans.lost) == (
        raw["lent"], raw["returned"], raw["on_loan"], raw["overdue"], raw["lost"])
    assert raw["lost"] > 0 and loans.returned + loans.on_loan + loans.lost == loans.lent
    for frame in devices.loans_by(run, day, year, devices.service_points(run, day, year).stations).values():
        assert (frame["returned"].sum(), frame["on_loan"].sum(), frame["overdue"].sum(), frame["lost"].sum()) == (
            raw["returned"], raw["on_loan"], raw["overdue"], raw["lost"])
    # the credit section's 丢失 per point counts the same loans on the same day
    credit = devices.credit(run, day, year, devices.service_points(run, day, year).stations)
    assert credit.until == day and credit.per_station["lost"].sum() == loans.lost


def test_hand_worked_loan_outcomes():
    """Six loans on 2025-06-30, by the one rule the loan queries share (queries/_setup.sql): back on time,
    back late, lost past its due date, out past it, out within term, and lost but not yet due (counted
    from its due date, as the credit rule counts a loss)."""
    import duckdb

    from rehabdash.kernel.config import QUERIES_DIR

    setup = (QUERIES_DIR / "_setup.sql").read_text(encoding="utf-8")
    macro = next(s for s in setup.split(";") if "MACRO loan_outcome(" in s)
    con = duckdb.connect()
    con.execute(macro)
    rows = [("2025-05-01", "2025-04-30", None), ("2025-05-01", "2025-06-01", None), ("2025-06-01", None, "lost"),
            ("2025-06-01", None, None), ("2025-07-31", None, None), ("2025-07-31", None, "lost")]
    outcomes = [con.execute("SELECT loan_outcome(CAST(? AS DATE), CAST(? AS DATE), ?, DATE '2025-06-30')",
                            [back, due, status]).fetchone()[0] for due, back, status in rows]
    assert outcomes == ["returned", "returned", "lost", "overdue", "in_term", "in_term"]
