"""信用积分 of shared-device borrowers (issue 32): the rule on hand-worked examples, the borrower
reference refused when it looks like a person's number or name, and the devices page's totals checked
against the raw Parquet counted another way."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rehabdash import ingest
from rehabdash.ingest.publish import read_tables
from rehabdash.kernel import credit
from rehabdash.kernel.config import CreditRule, credit_rule
from rehabdash.topics import devices

from .seed import BAOTOU, END_2024, NEWEST, QINGSHAN, runner, snapshot
from .workbooks import clerk, data_copy, filled, newest

D = dt.date
RULE = CreditRule(start=100, on_time=2, late=10, lost=50, threshold=60)
DAY = D(2025, 6, 30)
SEPTEMBER = D(2025, 9, 1)


def ledger(*loans) -> pd.DataFrame:
    """(borrower, lent, due, returned, status) rows as the device_loans columns the rule reads."""
    return pd.DataFrame(loans, columns=["borrower_ref", "lent_on", "due_on", "returned_on", "loan_status"])


HAND_WORKED = ledger(
    # A: three devices back by their due dates (one on the due date itself): 100 + 3 × 2 = 106
    ("A-001", D(2025, 1, 5), D(2025, 2, 4), D(2025, 2, 1), None),
    ("A-001", D(2025, 3, 1), D(2025, 3, 31), D(2025, 3, 31), None),
    ("A-001", D(2025, 4, 1), D(2025, 6, 29), D(2025, 5, 2), None),
    # B: on time (+2), back 5 days late (−10), still out 20 days past due (−10): 82
    ("B-002", D(2025, 1, 10), D(2025, 2, 9), D(2025, 2, 1), None),
    ("B-002", D(2025, 3, 1), D(2025, 3, 31), D(2025, 4, 5), None),
    ("B-002", D(2025, 5, 1), D(2025, 6, 10), None, None),
    # C: one lost (−50), one late (−10): 40, below 60, refused from now on
    ("C-003", D(2025, 1, 2), D(2025, 2, 1), None, "lost"),
    ("C-003", D(2025, 2, 10), D(2025, 3, 12), D(2025, 3, 20), None),
    # D: out and not yet due (0: due on the day itself is not past it), and a refused request (0): 100
    ("D-004", D(2025, 6, 1), D(2025, 6, 30), None, None),
    ("D-004", D(2025, 6, 20), D(2025, 7, 20), None, "refused"),
    # E: three lost: 100 − 150 would be −50, and a score never falls below 0
    ("E-005", D(2025, 1, 1), D(2025, 1, 31), None, "lost"),
    ("E-005", D(2025, 2, 1), D(2025, 3, 2), None, "lost"),
    ("E-005", D(2025, 3, 3), D(2025, 4, 2), None, "lost"),
    # F: due 1 June, brought back on 10 July: on 30 June it is out past due (late), so later too: 90
    ("F-006", D(2025, 5, 1), D(2025, 6, 1), D(2025, 7, 10), None),
    # G: lent after the day: not scored yet
    ("G-007", D(2025, 7, 1), D(2025, 7, 31), None, None),
)


def test_credit_rule_on_hand_worked_examples():
    scores = credit.credit_scores(HAND_WORKED, DAY, RULE)
    assert scores.to_dict() == {"A-001": 106, "B-002": 82, "C-003": 40, "D-004": 100, "E-005": 0, "F-006": 90}
    assert [credit.refused(scores[b], RULE) for b in ("A-001", "C-003", "E-005")] == [False, True, True]
    assert not credit.refused(60, RULE) and credit.refused(59, RULE)  # the threshold itself may borrow


def test_a_lost_device_counts_from_its_due_date_and_a_return_from_its_day():
    lost_early = ledger(("C-003", D(2025, 1, 2), D(2025, 2, 1), None, "lost"))
    assert credit.credit_scores(lost_early, D(2025, 1, 20), RULE)["C-003"] == 100  # not yet due
    assert credit.credit_scores(lost_early, D(2025, 2, 2), RULE)["C-003"] == 50
    back = ledger(("F-006", D(2025, 5, 1), D(2025, 6, 1), D(2025, 5, 20), None))
    assert credit.credit_scores(back, D(2025, 5, 10), RULE)["F-006"] == 100  # still out, in its term
    assert credit.credit_scores(back, D(2025, 5, 20), RULE)["F-006"] == 102


def test_the_points_are_settings(monkeypatch):
    assert credit_rule() == CreditRule()  # the documented defaults
    monkeypatch.setenv("REHAB_CREDIT_ON_TIME", "5")
    monkeypatch.setenv("REHAB_CREDIT_START", "80")
    monkeypatch.setenv("REHAB_CREDIT_THRESHOLD", "85")
    assert credit.credit_scores(HAND_WORKED, DAY)["A-001"] == 80 + 3 * 5
    assert credit.refused(84) and not credit.refused(85)


@pytest.mark.parametrize(("reference", "problem"), [
    ("JY0204-0137", None), ("B-17", None), ("qs2024a", None),
    ("150204199003071234", "id_number"), ("15020419900307123X", "id_number"), ("150204900307123", "id_number"),
    ("150204 19900307 1234", "id_number"), ("JY-150204199003071234", "id_number"),
    ("13812345678", "phone"), ("138-1234-5678", "phone"), ("047112345678", "phone"),
    ("张三", "name"), ("JY-王", "name"),
    ("J", "format"), ("JY 0137", "format"), ("-JY0137", "format"), ("JY0204-0137-ABCDEFGHIJ", "format"),
])
def test_a_borrower_reference_is_a_pseudonym(reference, problem):
    assert credit.borrower_ref_problem(reference) == problem


# ---------------------------------------------------------------- the import

@pytest.fixture
def directory(tmp_path, monkeypatch):
    monkeypatch.setenv("REHAB_DATABASE_URL", f"sqlite:///{tmp_path / 'rehab.db'}")  # this test's audit only
    return data_copy(tmp_path)


def qingshan_loans(directory, references, statuses=None, returned=None) -> pd.DataFrame:
    stations = read_tables(newest(directory))["device_stations"]
    station = stations[stations["region_code"].str.startswith("150204")]["station_id"].iloc[0]
    n = len(references)
    return pd.DataFrame({
        "loan_id": [f"L-CREDIT-{i}" for i in range(n)], "station_id": station, "device_type": "wheelchair",
        "lent_on": [D(2025, 9, 1 + i) for i in range(n)], "due_on": D(2025, 9, 30),
        "returned_on": returned or [None] * n, "borrower_ref": references,
        "loan_status": statuses or [None] * n})


def test_an_id_number_as_borrower_is_refused_naming_its_row(directory):
    rows = {"device_loans": qingshan_loans(directory, ["JY0204-0901", "150204199003071234", "张三", "13812345678"])}
    account = clerk("qs_clerk", (QINGSHAN,))
    checked = ingest.check_workbook(filled(directory, rows), None, directory, account=account, report_month=SEPTEMBER)
    assert not checked.valid
    with pytest.raises(ingest.NotValid):
        ingest.publish(checked, account, "九月.xlsx", directory)
    found = {p.key: p for p in checked.problems}
    assert set(found) == {"borrower_id_number", "borrower_name", "borrower_phone"}
    id_number = found["borrower_id_number"]
    assert (id_number.sheet, id_number.row, id_number.column) == ("辅具借用", 3, "借用人编号")
    assert "身份证号" in id_number.problem and "化名编号" in id_number.fix
    assert (found["borrower_name"].row, found["borrower_phone"].row) == (4, 5)
    table = ingest.problem_table(checked.problems, "zh").to_string()
    for person in ("150204199003071234", "张三", "13812345678"):  # never shown back
        assert person not in table
    assert "已隐去" in table


def test_a_lost_loan_with_a_return_date_is_a_problem_and_a_plain_ledger_publishes(directory):
    account = clerk("qs_clerk", (QINGSHAN,))
    rows = {"device_loans": qingshan_loans(directory, ["JY0204-0901", "JY0204-0902"], ["lost", "refused"],
                                           [D(2025, 9, 20), None])}
    checked = ingest.check_workbook(filled(directory, rows), None, directory, account=account, report_month=SEPTEMBER)
    assert [(p.key, p.row, p.column) for p in checked.problems] == [("status_returned", 2, "借用结果")]
    rows = {"device_loans": qingshan_loans(directory, ["JY0204-0901", "JY0204-0902"], ["lost", "refused"])}
    checked = ingest.check_workbook(filled(directory, rows), None, directory, account=account, report_month=SEPTEMBER)
    assert checked.valid, ingest.problem_table(checked.problems, "zh").to_string()
    published = ingest.publish(checked, account, "九月.xlsx", directory)
    loans = read_tables(published.snapshot)["device_loans"].set_index("loan_id")
    assert loans.loc["L-CREDIT-1", ["borrower_ref", "loan_status"]].tolist() == ["JY0204-0902", "refused"]


# ---------------------------------------------------------------- the page's totals against the raw Parquet

def raw_tables(as_of):
    path = snapshot(as_of).path
    return (pd.read_parquet(path / "device_loans.parquet"), pd.read_parquet(path / "device_stations.parquet"))


def counted_by_hand(loans: pd.DataFrame, until: dt.date, year: int):
    """Scores and per-station outcomes by a plain loop over the rows, written apart from the library."""
    rule = CreditRule()
    points: dict[str, int] = {}
    stations: dict[str, dict[str, int]] = {}
    for row in loans.itertuples():
        if row.lent_on > until:
            continue
        back = row.returned_on if row.returned_on is not None and row.returned_on <= until else None
        if row.loan_status == "refused":
            outcome = "refused"
        elif row.loan_status == "lost" and row.due_on < until:
            outcome = "lost"
        elif back is not None:
            outcome = "on_time" if back <= row.due_on else "late"
        else:
            outcome = "late" if row.due_on < until else "open"
        change = {"on_time": rule.on_time, "late": -rule.late, "lost": -rule.lost}.get(outcome, 0)
        points[row.borrower_ref] = points.get(row.borrower_ref, 0) + change
        if row.lent_on.year == year:
            counts = stations.setdefault(row.station_id, {})
            counts[outcome] = counts.get(outcome, 0) + 1
    active = {r.borrower_ref for r in loans.itertuples() if r.lent_on.year == year and r.lent_on <= until}
    scores = {b: max(0, rule.start + points[b]) for b in active}
    return scores, stations


@pytest.mark.parametrize("as_of", [END_2024, NEWEST])
def test_qingshan_2024_credit_against_the_raw_parquet(as_of):
    loans, stations = raw_tables(as_of)
    qingshan = set(stations.loc[stations["region_code"].str.startswith("150204"), "station_id"])
    scores, by_station = counted_by_hand(loans[loans["station_id"].isin(qingshan)], END_2024, 2024)
    run = runner(as_of, QINGSHAN)
    result = devices.credit(run, as_of, 2024, devices.service_points(run, as_of, 2024).stations)
    assert result.until == END_2024
    assert result.borrowers == len(scores) > 100
    assert result.below == sum(s < 60 for s in scores.values()) > 0
    assert result.mean == pytest.approx(sum(scores.values()) / len(scores))
    for band in result.bands.itertuples():
        assert band.borrowers == sum(band.low <= s <= band.high for s in scores.values()), band.low
    assert result.refused == sum(c.get("refused", 0) for c in by_station.values()) > 0
    shown = result.per_station.set_index("station_id")
    assert set(shown.index) == set(by_station)
    for station, counts in by_station.items():
        for outcome in ("on_time", "late", "lost", "refused"):
            assert shown.at[station, outcome] == counts.get(outcome, 0), (station, outcome)
    # the credit's loans are the loans of the sharing figures: 418, refused requests apart
    assert shown["loans"].sum() == devices.loan_totals(run, as_of, 2024).lent == 418


def test_the_city_credit_is_qingshans_in_2024_and_no_reference_leaves_the_library():
    """青山区's pilot was the city's only lending in 2024."""
    city_run, district_run = runner(NEWEST, BAOTOU), runner(NEWEST, QINGSHAN)
    city = devices.credit(city_run, NEWEST, 2024, devices.service_points(city_run, NEWEST, 2024).stations)
    district = devices.credit(district_run, NEWEST, 2024,
                              devices.service_points(district_run, NEWEST, 2024).stations)
    assert city.bands.equals(district.bands) and city.refused == district.refused
    for frame in (city.bands, city.per_station):
        assert "borrower_ref" not in frame.columns
        assert not frame.astype(str).apply(lambda c: c.str.contains(r"JY\d{4}-\d{4}")).any().any()


def test_the_template_shows_no_real_borrower_reference():
    """The example row of 辅具借用 takes a made-up reference: the template is an export too."""
    import io
    import re

    import openpyxl

    from rehabdash.ingest.template import template_bytes

    book = openpyxl.load_workbook(io.BytesIO(template_bytes(snapshot(NEWEST))), read_only=True)
    found = {str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row
             if v is not None and re.search(r"JY\d{4}-\d{4}", str(v))}
    assert {re.search(r"JY\d{4}-\d{4}", v).group() for v in found} == {credit.EXAMPLE_REFERENCE}


def test_a_version_published_before_borrower_references_reads_them_as_empty(tmp_path):
    """The query layer adds contract columns a Parquet file lacks as NULL: the page counts its loans,
    and it simply has no borrowers to score."""
    import shutil

    from rehabdash.store import db
    from rehabdash.store.snapshots import Snapshot

    source = snapshot(NEWEST)
    folder = tmp_path / source.path.name
    shutil.copytree(source.path, folder)
    loans = pd.read_parquet(folder / "device_loans.parquet").drop(columns=["borrower_ref", "loan_status"])
    loans.to_parquet(folder / "device_loans.parquet", index=False)
    old = Snapshot(NEWEST, folder, source.manifest)
    run = lambda name, **params: db.run(name, old, allowed=(QINGSHAN,), scope=(QINGSHAN,), **params)  # noqa: E731
    assert devices.loan_totals(run, NEWEST, 2024).lent == 423  # with the 5 refused, unknown to it
    history = run("device_loan_history", until=END_2024)
    assert len(history) == 423 and history["borrower_ref"].isna().all()
    result = devices.credit(run, NEWEST, 2024, devices.service_points(run, NEWEST, 2024).stations)
    assert result.borrowers == 0 and result.refused == 0
