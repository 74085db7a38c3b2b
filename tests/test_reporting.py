"""The month as the federation reports it (报送, issue 30): the declared reporting month, who reported
what, the common period a scope is judged at (数据完整至), 报送进度, and a closed year at its year end.

Expected values come from the calendar and the sample as generated (every township reported January
2023 to August 2025), not from the code under test: August 31 is day 243 of 365 (序时进度 66.6 %)."""
from __future__ import annotations

import datetime as dt
import io
import re

import docx
import pandas as pd
import pytest

from rehabdash import ingest
from rehabdash.ingest import history
from rehabdash.ingest.publish import read_tables
from rehabdash.kernel.scope import Scope
from rehabdash.store import db
from rehabdash.topics import dispatch, reporting, site_tasks
from rehabdash.topics.overview import headline
from rehabdash.ui.sidebar import Filters, with_period
from rehabdash.export import bulletin

from .seed import BAOTOU, QINGSHAN
from .workbooks import AUGUST, SEPTEMBER, clerk, data_copy, filled, month_rows, newest

XIANFENG = "150204001000"  # 先锋道街道, 青山区
XINGFU = "150204002000"  # 幸福路街道
DONGHE = "150202000000"
JULY = dt.date(2025, 7, 1)
AUGUST_END = dt.date(2025, 8, 31)
MARGIN = 0.05
QINGSHAN_CLERK = clerk("qingshan", (QINGSHAN,))


def view(directory, year: int = 2025, code: str = BAOTOU, fixed: dt.date | None = None) -> Filters:
    """The view the sidebar builds: the newest snapshot, the scope, judged at its common period."""
    return with_period(Filters(newest(directory), year, Scope(BAOTOU) if code == BAOTOU else Scope(BAOTOU, code),
                               "包头市", "zh", (BAOTOU,)), fixed)


def lights(f: Filters) -> list[tuple]:
    m = dispatch.gather(f.run, f.as_of, f.year, MARGIN, f.scope_label, "包头市", "city")
    return [(s.indicator, s.status, round(s.progress, 9), s.actual) for s in m.indicators]


def figures(f: Filters) -> tuple:
    h = headline(f.run, f.as_of, 2025)
    return h.served, h.fitted, h.children, h.funds, h.time_progress


def publish(directory, rows, account=QINGSHAN_CLERK, month=SEPTEMBER, reason=""):
    checked = ingest.check_workbook(filled(directory, rows), None, directory, account=account,
                                    report_month=month, correction_reason=reason)
    assert checked.valid, [p.problem for p in checked.problems]
    return ingest.publish(checked, account, "青山区.xlsx", directory)


def township_rows(directory, township: str, month=SEPTEMBER) -> dict[str, pd.DataFrame]:
    rows = month_rows(directory, (QINGSHAN,))
    return {t: f[f["region_code"] == township].assign(period=month).reset_index(drop=True) for t, f in rows.items()}


def test_the_sample_is_judged_at_august_with_every_township_reported(tmp_path):
    f = view(data_copy(tmp_path))
    assert f.complete == AUGUST and f.as_of == AUGUST_END
    p = reporting.progress(f.run, f.snapshot.as_of, AUGUST)
    assert set(p.units["status"]) <= {"reported", "late"} and p.count("missing") == 0
    # the sample's late township of July 2025: 西河乡 reported on the 12th, after the 5th
    july = reporting.progress(f.run, f.snapshot.as_of, JULY)
    late = july.units[july.units["status"] == "late"]
    assert late["unit_name"].tolist() == ["西河乡"] and late["reported_on"].tolist() == [dt.date(2025, 8, 12)]


def test_one_townships_september_leaves_baotou_judged_at_august(tmp_path):
    directory = data_copy(tmp_path)
    before = view(directory)
    expected_lights, expected_headline = lights(before), figures(before)
    publish(directory, township_rows(directory, XIANFENG))
    assert newest(directory).as_of == dt.date(2025, 9, 30)

    f = view(directory)
    assert f.complete == AUGUST and f.as_of == AUGUST_END
    assert round(dispatch.time_progress(f.as_of, 2025) * 100, 1) == 66.6  # 243 / 365
    assert lights(f) == expected_lights
    assert figures(f) == expected_headline

    p = reporting.progress(f.run, f.snapshot.as_of)
    assert p.month == SEPTEMBER
    status = dict(zip(p.units["unit_code"], p.units["status"]))
    # reported today: late or not depending on today's date against 5 October 2025
    on_time = "reported" if dt.date.today() <= dt.date(2025, 10, 5) else "late"
    assert status.pop(XIANFENG) == on_time and set(status.values()) == {"missing"}
    assert "幸福路街道" in p.missing_names and "先锋道街道" not in p.missing_names
    assert p.early["unit_name"].tolist() == ["先锋道街道"]  # its September is provisional
    table = reporting.progress_table(p, "zh")
    assert table["报送状态"].iloc[0] == "✖ 未报送"  # those to chase first, the status in words
    assert set(table["报送状态"]) == {"✖ 未报送", {"reported": "✔ 已报送", "late": "⚠ 逾期报送"}[on_time]}

    township = view(directory, code=QINGSHAN)  # 青山区 too waits for its other townships
    assert township.as_of == AUGUST_END
    # the township itself has reported September: judged there
    alone = with_period(Filters(newest(directory), 2025, Scope(BAOTOU, QINGSHAN, XIANFENG), "先锋道街道", "zh",
                                (BAOTOU,)))
    assert alone.as_of == dt.date(2025, 9, 30)

    # who reported what: the account, the month and every table, readable in scope only
    reports = db.run("reports", newest(directory), allowed=(QINGSHAN,), scope=(QINGSHAN,))
    mine = reports[reports["account"] == "qingshan"]
    assert set(mine["region_code"]) == {XIANFENG} and set(pd.to_datetime(mine["month"]).dt.date) == {SEPTEMBER}
    assert set(mine["table_name"]) == {"rehab_services", "child_rehab", "assistive_devices", "activities"} & \
        {t for t, fr in township_rows(directory, XIANFENG).items() if len(fr)}
    with pytest.raises(db.NoAccess):
        db.run("reports", newest(directory), allowed=(QINGSHAN,), scope=(DONGHE,))

    # the sample notice stays, with the share of months still sample
    assert f.sample and 0.99 < f.sample_share < 1


def test_an_admin_fixes_the_meeting_month_up_to_the_common_period(tmp_path):
    directory = data_copy(tmp_path)
    assert view(directory, fixed=JULY).as_of == dt.date(2025, 7, 31)
    assert view(directory, fixed=SEPTEMBER).as_of == AUGUST_END  # later than 数据完整至: ignored
    assert reporting.parse_period("2025-09", AUGUST) is None and reporting.parse_period("2025-08", AUGUST) == AUGUST


def test_an_october_row_in_a_september_workbook_is_refused_with_its_row(tmp_path):
    directory = data_copy(tmp_path)
    rows = township_rows(directory, XIANFENG)
    rows["rehab_services"].loc[2, "period"] = dt.date(2025, 10, 1)
    checked = ingest.check_workbook(filled(directory, rows), None, directory, account=QINGSHAN_CLERK,
                                    report_month=SEPTEMBER)
    assert not checked.valid
    [problem] = checked.problems
    assert (problem.key, problem.sheet, problem.row, problem.column, problem.value) == \
        ("outside_report_month", "精准康复服务", 4, "月份", "2025-10")
    assert "2025-09" in problem.problem


def test_a_loan_ledger_alone_publishes_for_its_month(tmp_path):
    directory = data_copy(tmp_path)
    tables = read_tables(newest(directory))
    stations = tables["device_stations"]
    station = stations[stations["region_code"].str.startswith("150204")]["station_id"].iloc[0]
    loans = pd.DataFrame({"loan_id": [f"SEP-{n}" for n in range(6)], "station_id": station,
                          "device_type": "wheelchair", "lent_on": [dt.date(2025, 9, 2 + n) for n in range(6)],
                          "due_on": dt.date(2025, 12, 31), "returned_on": None,
                          "borrower_ref": [f"JY0204-09{n:02d}" for n in range(6)], "loan_status": None})
    published = publish(directory, {"device_loans": loans})
    assert published.snapshot.as_of == dt.date(2025, 9, 30)
    reports = read_tables(published.snapshot)["reports"]
    assert reports[reports["account"] == "qingshan"]["table_name"].tolist() == ["device_loans"]


def test_a_correction_of_july_needs_a_reason_and_shows_as_a_correction(tmp_path):
    directory = data_copy(tmp_path)
    before = newest(directory)
    rows = township_rows(directory, XIANFENG, JULY)
    checked = ingest.check_workbook(filled(directory, rows), None, directory, account=QINGSHAN_CLERK,
                                    report_month=JULY)
    assert [p.key for p in checked.problems] == ["correction_needs_reason"]
    published = publish(directory, rows, month=JULY, reason="7月康复人数漏报")
    assert published.snapshot.as_of == AUGUST_END  # never before the newest snapshot
    assert published.log_entry["report_month"] == "2025-07"
    assert published.log_entry["correction"] == "7月康复人数漏报"
    mine = read_tables(published.snapshot)["reports"].query("account == 'qingshan'")
    assert mine["correction"].all() and set(mine["reason"]) == {"7月康复人数漏报"}
    compared = history.compare(before, published.snapshot).by_table.set_index("table")
    assert compared.loc["reports", "added"] == len(mine)
    assert [e["correction"] for e in ingest.read_log(directory)] == ["7月康复人数漏报"]


DATE = re.compile(r"(20\d\d) ?年 ?(\d{1,2}) ?月(?: ?(\d{1,2}) ?日)?|(20\d\d)-(\d\d)-(\d\d)")


def dates_in(text: str) -> list[dt.date]:
    found = []
    for m in DATE.finditer(text):
        if m.group(1):
            found.append(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)))
        else:
            found.append(dt.date(int(m.group(4)), int(m.group(5)), int(m.group(6))))
    return found


def test_a_closed_year_shows_its_year_end_everywhere(tmp_path):
    f = view(data_copy(tmp_path), year=2024)
    assert f.as_of == dt.date(2024, 12, 31)
    year_end = dt.date(2024, 12, 31)
    # counted to the snapshot's date, 2024's view listed sites overdue in 2025 (issue 30)
    assert (site_tasks.overdue_tasks(f.run, AUGUST_END)["deadline"] > year_end).any()
    overdue = site_tasks.overdue_tasks(f.run, f.as_of)
    assert (overdue["deadline"] < year_end).all()
    assert ((year_end - overdue["deadline"]).map(lambda d: d.days) == overdue["days_late"]).all()
    tasks = site_tasks.tasks(f.run, f.as_of)
    assert (tasks["updated_on"] <= year_end).all()
    m = dispatch.gather(f.run, f.as_of, 2024, MARGIN, f.scope_label, "包头市", "city")
    document = docx.Document(io.BytesIO(bulletin.build_docx(m, dispatch.INDICATOR_ORDER[0], "zh")))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "2024 年 12 月 31 日" in text or "2024年12月31日" in text
    assert dates_in(text) and max(dates_in(text)) <= year_end


def test_the_meetings_bulletin_and_deck_say_who_has_not_reported(tmp_path, monkeypatch):
    from pptx import Presentation

    from rehabdash.export import deck
    from rehabdash.ui.meeting import meeting_of

    directory = data_copy(tmp_path)
    monkeypatch.setenv("REHAB_DATA_DIR", str(directory))
    publish(directory, township_rows(directory, XIANFENG))
    m = meeting_of(view(directory), MARGIN)
    assert m.as_of == AUGUST_END and m.sample
    document = docx.Document(io.BytesIO(bulletin.build_docx(m, dispatch.INDICATOR_ORDER[0], "zh")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "报送情况：2025年9月数据应于2025年10月5日前报送，已报送1个单位" in text
    assert "未报送85个：" in text and "幸福路街道" in text and "数据完整至2025年8月" in text
    briefing = deck.gather_meeting(m, dispatch.INDICATOR_ORDER[0], "zh", view(directory).run, {BAOTOU})
    title = Presentation(io.BytesIO(deck.build_pptx(briefing))).slides[0]
    words = " ".join(shape.text_frame.text for shape in title.shapes if shape.has_text_frame)
    assert "未报送85个" in words and "示例数据" in words


def test_the_month_being_collected_and_the_as_of_of_a_declared_month():
    from rehabdash.ingest.scope_rules import as_of_rule
    from rehabdash.kernel.months import collecting_month

    # the month before today, not beyond the month after the one everybody has reported
    assert collecting_month(AUGUST, today=dt.date(2026, 12, 6)) == SEPTEMBER
    assert collecting_month(AUGUST, today=dt.date(2025, 9, 20)) == AUGUST  # September is not over yet: August it is
    assert collecting_month(None, today=dt.date(2025, 10, 3)) == SEPTEMBER
    # a new deployment (set up on 31 December, nothing reported yet) collects January first
    assert collecting_month(None, today=dt.date(2026, 12, 6), newest=dt.date(2025, 12, 31)) == dt.date(2026, 1, 1)
    # a declared month ends on its last day, not after today, never before the newest snapshot
    assert as_of_rule(SEPTEMBER, AUGUST_END, dt.date(2026, 1, 1), declared=True) == dt.date(2025, 9, 30)
    assert as_of_rule(SEPTEMBER, AUGUST_END, dt.date(2025, 9, 20), declared=True) == dt.date(2025, 9, 20)
    assert as_of_rule(JULY, AUGUST_END, dt.date(2026, 1, 1), declared=True) == AUGUST_END
    # the deadline of September: 5 October by default
    assert reporting.deadline_of(SEPTEMBER) == dt.date(2025, 10, 5)
