"""Every write checked against the account, in the library: a 青山区 clerk's rows of another district,
of the city, a re-parenting regions row and a date off the as-of rule are refused in Chinese, naming the
place, and nothing is published; the same rows by an account whose scope covers them are accepted. The
import log, manifest and audit name the account whatever the note says; the template of a 青山区 clerk
holds nothing outside 青山区."""
from __future__ import annotations

import datetime as dt
import io
import json
import re

import openpyxl
import pandas as pd
import pytest

from rehabdash import ingest
from rehabdash.access import audit
from rehabdash.access.accounts import Account
from rehabdash.ingest import scope_rules
from rehabdash.ingest.publish import read_tables
from rehabdash.store.snapshots import sha256_of

from .seed import BAOTOU, QINGSHAN
from .workbooks import AS_OF, admin, clerk, data_copy, filled, month_rows, newest

DONGHE = "150202000000"
QINGSHAN_CLERK = clerk("qs_clerk", (QINGSHAN,))
CITY_ADMIN = admin("bt_admin", (BAOTOU,))


@pytest.fixture
def directory(tmp_path, monkeypatch):
    monkeypatch.setenv("REHAB_DATABASE_URL", f"sqlite:///{tmp_path / 'rehab.db'}")  # this test's audit only
    return data_copy(tmp_path)


def files_state(directory):
    return {str(p.relative_to(directory)): sha256_of(p) for p in sorted(directory.rglob("*")) if p.is_file()}


def names(directory) -> dict[str, str]:
    regions = read_tables(newest(directory))["regions"]
    return dict(zip(regions["region_code"], regions["name"]))


def refused(directory, rows, account, as_of=None):
    """Check `rows` as `account`; assert nothing was written; return the problems by key."""
    before = files_state(directory)
    checked = ingest.check_workbook(filled(directory, rows), as_of, directory, account=account)
    with pytest.raises(ingest.NotValid):
        ingest.publish(checked, account, "九月.xlsx", directory)
    assert files_state(directory) == before  # no snapshot, no log line
    found: dict[str, list] = {}
    for problem in checked.problems:
        found.setdefault(problem.key, []).append(problem)
    return checked, found


def accepted(directory, rows, account, as_of=None, note=""):
    checked = ingest.check_workbook(filled(directory, rows), as_of, directory, account=account)
    assert checked.valid, ingest.problem_table(checked.problems, "zh").to_string()
    return ingest.publish(checked, account, "九月.xlsx", directory, note=note)


def city_funding_row(directory) -> pd.DataFrame:
    funding = read_tables(newest(directory))["funding"]
    row = funding[(funding["year"] == 2025) & (funding["region_code"] == BAOTOU)].head(1)
    assert len(row) == 1, "the sample has city-level funding"
    return row


def moved_township(directory) -> pd.DataFrame:
    """A 东河区 township's regions row with 青山区 as its parent."""
    regions = read_tables(newest(directory))["regions"]
    row = regions[regions["parent_code"] == DONGHE].head(1).copy()
    row["parent_code"] = QINGSHAN
    # its point lies in 东河区: moved, it stands where a 青山区 township stands
    row[["lon", "lat"]] = regions.loc[regions["parent_code"] == QINGSHAN, ["lon", "lat"]].iloc[0].to_numpy()
    return row


def test_rows_of_another_district_are_refused_naming_the_place(directory):
    rows = month_rows(directory, (DONGHE,))
    checked, found = refused(directory, rows, QINGSHAN_CLERK)
    assert set(found) == {"scope_outside"}
    first = found["scope_outside"][0]
    assert first.sheet == "精准康复服务" and first.row == 2 and first.column == "区划代码"
    township = rows["rehab_services"]["region_code"].iloc[0]
    assert names(directory)[township] in first.problem and "不在本账号可填报的区域（青山区）内" in first.problem
    assert first.fix.startswith("只填写本账号区域内的数据")
    # one problem per row of the workbook, each with its Excel row
    assert len(found["scope_outside"]) == sum(len(f) for f in rows.values())
    [line] = [e for e in audit.entries("import_refused") if e["detail"]["sha256"] == checked.file_sha256]
    assert line["user"] == "qs_clerk" and line["scope"] == [QINGSHAN]


def test_a_city_funding_row_is_refused_as_above_the_account(directory):
    rows = {"funding": city_funding_row(directory)}
    _, found = refused(directory, rows, QINGSHAN_CLERK)
    assert set(found) == {"scope_above"}
    [problem] = found["scope_above"]
    assert (problem.sheet, problem.row) == ("资金投入", 2)
    assert "包头市（150200000000）是本账号区域（青山区）的上级区划" in problem.problem


def test_a_target_of_another_district_is_refused(directory):
    targets = read_tables(newest(directory))["targets"]
    rows = {"targets": targets[(targets["year"] == 2025) & (targets["region_code"] == DONGHE)].head(1)}
    _, found = refused(directory, rows, QINGSHAN_CLERK)
    assert [p.sheet for p in found["scope_outside"]] == ["年度任务"]
    assert "东河区" in found["scope_outside"][0].problem


def test_loans_of_a_station_elsewhere_are_refused(directory):
    tables = read_tables(newest(directory))
    inside = scope_rules.regions_within(tables["regions"], (QINGSHAN,))
    stations = tables["device_stations"]
    elsewhere = set(stations.loc[~stations["region_code"].isin(inside), "station_id"])
    loans = tables["device_loans"]
    rows = {"device_loans": loans[loans["station_id"].isin(elsewhere)].head(2)}
    _, found = refused(directory, rows, QINGSHAN_CLERK)
    assert [p.column for p in found["scope_outside"]] == ["站点编号", "站点编号"]


def test_re_parenting_a_township_needs_an_admin_covering_both_parents(directory):
    row = moved_township(directory)
    township = row["region_code"].iloc[0]
    _, found = refused(directory, {"regions": row}, QINGSHAN_CLERK)
    [problem] = found["scope_region_tree"]
    assert problem.sheet == "行政区划" and problem.column == "上级区划代码"
    assert f"将{names(directory)[township]}（{township}）的上级由东河区（{DONGHE}）改为青山区" in problem.problem
    assert "管理员" in problem.problem
    # an admin of 青山区 alone does not cover the old parent 东河区
    _, found = refused(directory, {"regions": row}, admin("qs_admin", (QINGSHAN,)))
    assert "不包括东河区" in found["scope_region_tree"][0].problem
    # a clerk of the whole city covers both parents but is not an admin
    _, found = refused(directory, {"regions": row}, clerk("bt_clerk", (BAOTOU,)))
    assert "调整区划须由管理员账号提交" in found["scope_region_tree"][0].problem


def test_a_new_region_or_a_rename_by_a_clerk_is_refused(directory):
    regions = read_tables(newest(directory))["regions"]
    own = regions[regions["parent_code"] == QINGSHAN].head(1).copy()
    renamed = own.assign(name="新名字街道")
    new = own.assign(region_code=QINGSHAN[:6] + "999000", name="新设街道")
    _, found = refused(directory, {"regions": pd.concat([renamed, new])}, QINGSHAN_CLERK)
    assert len(found["scope_region_tree"]) == 2
    assert "改名" in found["scope_region_tree"][0].problem and "新增区划" in found["scope_region_tree"][1].problem


def test_an_as_of_date_off_the_rule_is_refused(directory):
    rows = month_rows(directory, (QINGSHAN,))
    # later than the month filled in: it would overtake everyone's default with no data for it
    _, found = refused(directory, rows, QINGSHAN_CLERK, as_of=dt.date(2025, 12, 31))
    [problem] = found["as_of_rule"]
    assert problem.problem == "数据截止日期 2025-12-31 不符合规则，本工作簿的截止日期应为 2025-09-30"
    # June figures now: before the newest snapshot (2025-08-31), which every import builds on
    june = {t: f.assign(period=dt.date(2025, 6, 1)) for t, f in rows.items()}
    checked, found = refused(directory, june, QINGSHAN_CLERK, as_of=None)
    assert checked.as_of == dt.date(2025, 6, 30)
    assert "早于最新的数据快照 2025-08-31" in found["as_of_before_newest"][0].problem


def test_the_as_of_rule():
    august, newest_date = dt.date(2025, 8, 1), dt.date(2025, 8, 31)
    assert scope_rules.as_of_rule(dt.date(2025, 9, 1), newest_date, dt.date(2026, 1, 5)) == dt.date(2025, 9, 30)
    assert scope_rules.as_of_rule(dt.date(2025, 9, 1), newest_date, dt.date(2025, 9, 12)) == dt.date(2025, 9, 12)
    assert scope_rules.as_of_rule(None, newest_date, dt.date(2026, 1, 5)) == dt.date(2025, 9, 1)
    assert scope_rules.as_of_rule(None, None, dt.date(2026, 1, 5)) == dt.date(2026, 1, 5)
    assert scope_rules.as_of_rule(august, None, dt.date(2026, 1, 5)) == newest_date


def test_a_viewer_may_not_import(directory):
    viewer = Account("qs_viewer", "viewer", (QINGSHAN,), password_hash="")
    _, found = refused(directory, month_rows(directory, (QINGSHAN,)), viewer)
    assert "没有填报数据的权限" in found["scope_role"][0].problem


def test_the_same_rows_by_a_covering_account_are_accepted(directory):
    rows = month_rows(directory, (DONGHE, QINGSHAN))
    rows["funding"] = city_funding_row(directory)
    rows["regions"] = moved_township(directory)
    published = accepted(directory, rows, CITY_ADMIN, note="代 bt_clerk 提交")
    assert newest(directory).as_of == AS_OF
    manifest = json.loads((published.path / "manifest.json").read_text(encoding="utf-8"))
    log = manifest["log"]  # the version's log entry: the signed-in account, whatever the note says
    assert (log["who"], log["role"], log["scope"], log["note"]) == ("bt_admin", "admin", [BAOTOU], "代 bt_clerk 提交")


def test_the_log_and_audit_name_the_account_whatever_the_note_says(directory):
    published = accepted(directory, month_rows(directory, (QINGSHAN,)), QINGSHAN_CLERK, note="bt_admin")
    [entry] = ingest.read_log(directory)
    assert (entry["who"], entry["note"], entry["scope"], entry["role"]) == \
        ("qs_clerk", "bt_admin", [QINGSHAN], "clerk")
    lines = audit.entries()
    assert [e["event"] for e in lines] == ["import", "snapshot"]
    assert lines[0]["detail"]["sha256"] == published.log_entry["sha256"]
    assert lines[0]["detail"]["note"] == "bt_admin" and lines[0]["scope"] == [QINGSHAN]
    assert {e["user"] for e in lines} == {"qs_clerk"}


def test_publishing_needs_the_account_the_workbook_was_checked_for(directory):
    checked = ingest.check_workbook(filled(directory, month_rows(directory, (QINGSHAN,))), AS_OF, directory,
                                    account=QINGSHAN_CLERK)
    assert checked.valid
    with pytest.raises(ingest.NotValid):
        ingest.publish(checked, CITY_ADMIN, "九月.xlsx", directory)
    assert newest(directory).as_of != AS_OF


def test_the_template_of_a_qingshan_clerk_holds_nothing_outside_qingshan(directory):
    snapshot = newest(directory)
    tables = read_tables(snapshot)
    mine = scope_rules.regions_within(tables["regions"], (QINGSHAN,))
    assert all(code.startswith("150204") for code in mine)  # the sample's codes say where they lie
    book = openpyxl.load_workbook(io.BytesIO(ingest.template_bytes(snapshot, "zh", scope=(QINGSHAN,))))
    named = dict(zip(tables["regions"]["region_code"], tables["regions"]["name"]))
    others = {n for c, n in named.items() if c not in mine} - {n for c, n in named.items() if c in mine}
    codes, texts = [], []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str):
                    texts.append(value)
                    codes.extend(re.findall(r"\d{12}", value))
    assert codes and all(code.startswith("150204") for code in codes)
    assert not others.intersection(texts)  # no name of another region either
    region_sheet = book["区划代码"]
    assert region_sheet.max_row - 1 == len(mine)
    assert "示例" in texts  # the examples are there, of 青山区
    # the whole city's admin gets the whole city; the demo account everything
    whole = openpyxl.load_workbook(io.BytesIO(ingest.template_bytes(snapshot, "zh")))
    assert whole["区划代码"].max_row - 1 == len(tables["regions"])


def test_the_command_line_imports_as_the_named_account(directory, tmp_path, monkeypatch):
    import os
    import subprocess
    import sys

    from rehabdash.access.accounts import AccountStore
    from rehabdash.kernel.config import PROJECT_DIR

    monkeypatch.setenv("REHAB_AUTH", "local")
    AccountStore().add("qs_clerk", "secret", "clerk", [QINGSHAN])

    def run(*args):
        return subprocess.run([sys.executable, "-m", "rehabdash", *map(str, args)], capture_output=True,
                              text=True, env={**os.environ, "REHAB_DATA_DIR": str(directory)},
                              cwd=PROJECT_DIR, timeout=120)

    donghe = tmp_path / "东河.xlsx"
    donghe.write_bytes(filled(directory, month_rows(directory, (DONGHE,))))
    before = files_state(directory)
    result = run("import", donghe)  # no account with REHAB_AUTH=local: refused
    assert result.returncode == 2 and "--account" in result.stderr
    result = run("import", donghe, "--account", "qs_clerk", "--note", "bt_admin")
    assert result.returncode == 1 and "不在本账号可填报的区域（青山区）内" in result.stderr
    assert "Traceback" not in result.stderr and files_state(directory) == before
    template = tmp_path / "模板.xlsx"
    assert run("template", template, "--account", "qs_clerk").returncode == 0
    codes = [c.value for c in openpyxl.load_workbook(template)["区划代码"]["A"][1:]]
    assert codes and all(code.startswith("150204") for code in codes)


def test_rows_changed_after_the_check_are_not_published(directory):
    checked = ingest.check_workbook(filled(directory, month_rows(directory, (QINGSHAN,))), None, directory,
                                    account=QINGSHAN_CLERK)
    assert checked.valid
    services = checked.tables["rehab_services"]
    checked.tables["rehab_services"] = services.assign(region_code=DONGHE[:6] + "001000")  # after the check
    with pytest.raises(ingest.NotValid):
        ingest.publish(checked, QINGSHAN_CLERK, "九月.xlsx", directory)
    assert newest(directory).as_of != AS_OF
