"""The Excel import: template, clean import = previous figures + import, every class of bad input named
in Chinese by sheet/row/column with nothing written, clerk habits handled, command line, import log,
and readers that never see a mix of two snapshots while an import publishes."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import threading

import openpyxl
import pandas as pd
import pytest

from rehabdash import ingest
from rehabdash.access.accounts import AccountStore
from rehabdash.ingest import layout
from rehabdash.ingest.publish import read_tables
from rehabdash.kernel import measures
from rehabdash.kernel.config import PROJECT_DIR
from rehabdash.kernel.contract import TABLES
from rehabdash.maps import mapkit
from rehabdash.store import db
from rehabdash.store.snapshots import (
    check_snapshot,
    list_snapshots,
    newest_valid,
    sha256_of,
)
from rehabdash.topics.overview import headline

from .seed import BAOTOU, QINGSHAN
from .workbooks import (
    ADMIN,
    AS_OF,
    AUGUST,
    admin,
    data_copy,
    edit,
    filled,
    month_rows,
    newest,
    set_cell,
    set_setting,
)

KUNDULUN = "150203000000"
YUANHUI = "411102000000"
CJK = re.compile(r"[\u4e00-\u9fff]")


def figures(directory, as_of, region):
    snapshot = next(s for s in list_snapshots(directory) if s.as_of == as_of)
    return headline(lambda name, **p: db.run(name, snapshot, allowed=(region,), scope=(region,), **p), as_of, 2025)


def files_state(directory):
    """Every file under the data directory with its checksum: proves what a failed import left alone."""
    return {str(p.relative_to(directory)): sha256_of(p) for p in sorted(directory.rglob("*")) if p.is_file()}


# ----------------------------------------------------------------------------------------- template

def test_template_has_a_sheet_per_table_with_chinese_headers_drop_downs_and_instructions(tmp_path):
    directory = data_copy(tmp_path)
    book = openpyxl.load_workbook(io.BytesIO(ingest.template_bytes(newest(directory), "zh")))
    assert book.sheetnames[0] == "填表说明"
    for table, columns in TABLES.items():
        sheet = book[layout.sheet_name(table, "zh")]
        assert [c.value for c in sheet[1]] == [layout.header(c, "zh") for c in columns]
        assert sheet.max_row == 1  # empty: nothing a clerk could import by mistake
    services = book["精准康复服务"]
    assert [c.value for c in services[1]] == ["月份", "区划代码", "残疾类别", "需求人数", "服务人数"]
    lists = [v for v in services.data_validations.dataValidation if v.type == "list"]
    [disability] = [v for v in lists if "C2" in str(v.sqref)]
    codes = book["代码表"]
    column = re.search(r"\$([A-Z]+)\$2", disability.formula1).group(1)
    labels = [c.value for c in codes[column][1:] if c.value]
    assert labels == ["视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"]
    assert book["资金投入"]["E1"].value == "下达资金"  # the unit is declared on the instructions sheet
    instructions = "\n".join(str(c.value) for row in book["填表说明"].iter_rows() for c in row if c.value)
    assert "金额单位" in instructions and "坐标系" in instructions and "填写示例" in instructions
    assert "示例" in instructions and "受益群众人次" in instructions  # example rows show labels,
    assert "people_reached" not in instructions  # not codes
    regions = book["区划代码"]
    assert regions.max_row == len(read_tables(newest(directory))["regions"]) + 1


def test_template_reads_back_with_no_problem_but_an_empty_workbook(tmp_path):
    directory = data_copy(tmp_path)
    checked = ingest.check_workbook(ingest.template_bytes(newest(directory)), AS_OF, directory, account=ADMIN)
    assert [p.key for p in checked.problems] == ["empty_workbook"]


# ------------------------------------------------------------------------------------- clean import

def test_clean_import_publishes_previous_figures_plus_the_import(sample_data):
    directory = sample_data
    before = files_state(directory)
    previous = newest(directory)
    rows = month_rows(directory, (QINGSHAN,))  # September for 青山区 only
    # ... and a correction of August for one township: one person fewer served in each served row.
    services = read_tables(previous)["rehab_services"]
    township = rows["rehab_services"]["region_code"].iloc[0]
    corrected = services[(services["period"] == AUGUST) & (services["region_code"] == township)].copy()
    corrected["served_count"] = (corrected["served_count"] - 1).clip(lower=0)
    lowered = int((services.loc[corrected.index, "served_count"] - corrected["served_count"]).sum())
    assert lowered > 0
    rows["rehab_services"] = pd.concat([rows["rehab_services"], corrected], ignore_index=True)

    checked = ingest.check_workbook(filled(directory, rows), AS_OF, directory, account=ADMIN)
    assert checked.valid, ingest.problem_table(checked.problems, "zh").head()
    published = ingest.publish(checked, ADMIN, "九月.xlsx", directory)

    assert check_snapshot(published.path) is None
    assert newest_valid(list_snapshots(directory)).as_of == AS_OF
    assert json.loads((published.path / "manifest.json").read_text())["source"] == "import"
    sep = {t: f[f["period"] != AUGUST] for t, f in rows.items()}

    old_city, new_city = figures(directory, previous.as_of, BAOTOU), figures(directory, AS_OF, BAOTOU)
    assert new_city.served.value == \
        old_city.served.value + sep["rehab_services"]["served_count"].sum() - lowered
    assert new_city.served.base == old_city.served.base + sep["rehab_services"]["need_count"].sum()
    assert new_city.fitted.value == old_city.fitted.value + sep["assistive_devices"]["fitted_count"].sum()
    assert new_city.children.value == old_city.children.value + sep["child_rehab"]["aided"].sum()
    assert new_city.funds == old_city.funds  # no funding rows imported
    old_qs, new_qs = figures(directory, previous.as_of, QINGSHAN), figures(directory, AS_OF, QINGSHAN)
    assert new_qs.served.value == old_qs.served.value + sep["rehab_services"]["served_count"].sum() - lowered
    # The other districts keep their figures: a district's monthly file does not wipe the others.
    for region in (KUNDULUN, YUANHUI):
        old, new = figures(directory, previous.as_of, region), figures(directory, AS_OF, region)
        for measure in ("served", "fitted", "children"):
            assert (getattr(new, measure).value, getattr(new, measure).base) == \
                (getattr(old, measure).value, getattr(old, measure).base), (region, measure)

    changes = published.changes
    assert changes["rehab_services"].added == len(sep["rehab_services"])
    assert changes["rehab_services"].replaced == len(corrected)
    assert changes["regions"].added == changes["regions"].replaced == 0
    # Earlier snapshots are untouched, and one log line says who, what file and what changed.
    after = files_state(directory)
    assert {k: v for k, v in after.items() if k in before} == before
    # The log entry is committed inside the version's manifest; read_log derives the log from them.
    [entry] = ingest.read_log(directory)
    assert json.loads((published.path / "manifest.json").read_text())["log"]["who"] == "测试员"
    assert entry["who"] == "测试员" and entry["file"] == "九月.xlsx"
    assert entry["sha256"] == checked.file_sha256
    assert entry["snapshot"] == f"2025-09-30 (v{previous.version + 1})"
    assert entry["based_on"] == f"{previous.as_of.isoformat()} (v{previous.version})"
    assert entry["tables"]["rehab_services"] == {"added": len(sep["rehab_services"]),
                                                 "replaced": len(corrected)}


def test_second_import_appends_to_the_log_and_builds_on_the_first(tmp_path):
    directory = data_copy(tmp_path)
    september = month_rows(directory, (QINGSHAN,))
    content = filled(directory, september)
    first, second = admin("甲"), admin("乙")
    ingest.publish(ingest.check_workbook(content, AS_OF, directory, account=first), first, "a.xlsx", directory)
    # October: the same rows a month later; the as-of date follows the month filled in.
    october = {t: f.assign(period=dt.date(2025, 10, 1)) for t, f in september.items()}
    again = ingest.check_workbook(filled(directory, october), None, directory, account=second)
    assert again.valid and again.base.as_of == AS_OF and again.as_of == dt.date(2025, 10, 31)
    published = ingest.publish(again, second, "a.xlsx", directory)
    assert published.changes["rehab_services"].added == len(october["rehab_services"])
    assert published.changes["rehab_services"].replaced == 0
    assert [e["who"] for e in ingest.read_log(directory)] == ["甲", "乙"]


# ---------------------------------------------------------------------------------- bad input

@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A valid workbook for 青山区, September 2025, with one facility, station and funding row."""
    directory = data_copy(tmp_path_factory.mktemp("good"))
    rows = month_rows(directory, (QINGSHAN,))
    tables = read_tables(newest(directory))
    for table in ("facilities", "device_stations"):
        rows[table] = tables[table][tables[table]["region_code"].str.startswith("150204")].head(1)
    rows["funding"] = tables["funding"][(tables["funding"]["year"] == 2025)
                                        & (tables["funding"]["region_code"] == QINGSHAN)].head(1)
    content = filled(directory, rows)
    checked = ingest.check_workbook(content, AS_OF, directory, account=ADMIN)
    assert checked.valid, ingest.problem_table(checked.problems, "zh").head()
    return directory, content, rows


def delete_sheet(name):
    return lambda content: edit(content, lambda book: book.remove(book[name]))


def clear_header(sheet_name, header):
    def change(book):
        sheet = book[sheet_name]
        for cell in sheet[1]:
            if cell.value == header:
                cell.value = None
    return lambda content: edit(content, change)


def cell(table, row, column, value):
    return lambda content: set_cell(content, table, row, column, value)


def header(sheet_name, old, new):
    def change(book):
        for c in book[sheet_name][1]:
            if c.value == old:
                c.value = new
    return lambda content: edit(content, change)


# (damage, key, sheet, row, column, words in the message)
BAD_INPUTS = {
    "missing sheet": (delete_sheet("辅具适配"), "missing_sheet", "辅具适配", None, "", "缺少工作表"),
    "missing column": (clear_header("精准康复服务", "服务人数"), "missing_column", "精准康复服务", 1,
                       "服务人数", "缺少列"),
    "text in a count": (cell("rehab_services", 2, "served_count", "十二"), "not_number", "精准康复服务",
                        2, "服务人数", "“十二”不是数字"),
    "fraction in a count": (cell("rehab_services", 3, "need_count", 2.5), "not_integer", "精准康复服务",
                            3, "需求人数", "不是整数"),
    "not a date": (cell("facilities", 2, "opened_on", "去年"), "not_date", "康复设施", 2, "建成日期",
                   "不是日期"),
    "not a month": (cell("rehab_services", 2, "period", "2025年13月"), "not_month", "精准康复服务", 2,
                    "月份", "不是月份"),
    "unknown code": (cell("rehab_services", 4, "disability_type", "聋哑"), "unknown_code", "精准康复服务",
                     4, "残疾类别", "“聋哑”不是有效的“残疾类别”"),
    "unknown region code": (cell("rehab_services", 5, "region_code", "150204999000"), "unknown_region",
                            "精准康复服务", 5, "区划代码", "区划“150204999000”不存在"),
    "region of the wrong level": (cell("rehab_services", 6, "region_code", QINGSHAN), "wrong_level",
                                  "精准康复服务", 6, "区划代码", "区县级"),
    "ambiguous region name": (cell("rehab_services", 7, "region_code", "东园村"), "ambiguous_region",
                              "精准康复服务", 7, "区划代码", "对应多个区划"),
    "negative count": (cell("rehab_services", 8, "need_count", -3), "negative", "精准康复服务", 8,
                       "需求人数", "不能为负数"),
    "served above need": (cell("rehab_services", 9, "served_count", 999), "exceeds", "精准康复服务", 9,
                          "服务人数", "“服务人数”（999）大于“需求人数”"),
    "fitted above need": (cell("assistive_devices", 2, "fitted_count", 999), "exceeds", "辅具适配", 2,
                          "适配人数", "“适配人数”（999）大于“需求人数”"),
    "aided above applicants": (cell("child_rehab", 2, "aided", 999), "exceeds", "儿童康复救助", 2,
                               "救助人数", "大于“申请人数”"),
    "early intervention above aided": (cell("child_rehab", 3, "early_intervention", 999), "exceeds",
                                       "儿童康复救助", 3, "早期干预人数", "大于“救助人数”"),
    "unknown institution": (cell("child_rehab", 4, "institution_id", "I-999"), "unknown_institution_id",
                            "儿童康复救助", 4, "机构编号", "机构编号“I-999”不存在"),
    "month outside the period": (cell("rehab_services", 10, "period", "2024-12"), "out_of_period",
                                 "精准康复服务", 10, "月份", "不在本次导入期间（2025-01 至 2025-09）内"),
    "date after the snapshot": (cell("device_stations", 2, "opened_on", dt.datetime(2025, 12, 1)),
                                "future_date", "辅具服务站点", 2, "建成日期", "晚于数据截止日期 2025-09-30"),
    "duplicate key": (cell("rehab_services", 3, "disability_type", "视力残疾"), "duplicate_key",
                      "精准康复服务", 3, "月份", "与第 2 行重复"),
    "point in another district": (lambda c: cell("facilities", 2, "lat", 33.55)(
                                      cell("facilities", 2, "lon", 114.02)(c)),
                                  "outside_region", "康复设施", 2, "经度/纬度", "不在所填区划"),
    "longitude and latitude swapped": (lambda c: cell("facilities", 2, "lat", 110.0)(
                                           cell("facilities", 2, "lon", 40.6)(c)),
                                       "outside_china", "康复设施", 2, "经度/纬度", "不在中国境内"),
    "unknown money unit": (header("资金投入", "下达资金", "下达资金（千元）"), "unknown_money_unit",
                           "资金投入", 1, "下达资金（千元）", "金额单位无法识别"),
    "unknown datum": (lambda c: set_setting(c, "datum", "BD-09"), "unknown_datum", "填表说明", None,
                      "填写", "坐标系“BD-09”无法识别"),
    "empty required cell": (cell("rehab_services", 11, "disability_type", None), "required", "精准康复服务",
                            11, "残疾类别", "没有填写"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_each_bad_input_is_named_in_chinese_and_nothing_is_written(case, good):
    directory, content, _ = good
    damage, key, sheet, row, column, words = BAD_INPUTS[case]
    before = files_state(directory)
    checked = ingest.check_workbook(damage(content), AS_OF, directory, account=ADMIN)
    found = [p for p in checked.problems if p.key == key]
    assert found, [(p.key, p.problem) for p in checked.problems]
    problem = found[0]
    if row is None and key != "missing_sheet":
        row = problem.row  # a setting's row depends on the instructions sheet's layout
    assert (problem.sheet, problem.row, problem.column) == (sheet, row, column)
    assert words in problem.problem
    assert CJK.search(problem.fix)
    with pytest.raises(ingest.NotValid):
        ingest.publish(checked, ADMIN, "bad.xlsx", directory)
    assert files_state(directory) == before


def test_every_problem_is_reported_at_once_as_a_chinese_table(good):
    directory, content, _ = good
    for damage, *_ in list(BAD_INPUTS.values())[2:12]:
        content = damage(content)
    checked = ingest.check_workbook(content, AS_OF, directory, account=ADMIN)
    keys = {p.key for p in checked.problems}
    assert {"not_number", "not_integer", "not_date", "not_month", "unknown_code", "unknown_region",
            "wrong_level", "ambiguous_region", "negative", "exceeds"} <= keys
    table = ingest.problem_table(checked.problems, "zh")
    assert list(table.columns) == ["工作表", "行", "列", "填写内容", "问题", "修改方法"]
    assert len(table) == len(checked.problems) >= 10
    assert table.loc[table["问题"].str.contains("不是数字"), "填写内容"].tolist() == ["十二"]


def test_an_existing_date_is_accepted_as_a_new_version_but_a_future_date_is_refused(good):
    directory, content, _ = good
    taken = ingest.check_workbook(content, newest(directory).as_of, directory, account=ADMIN)
    assert "snapshot_exists" not in {p.key for p in taken.problems}  # several versions may carry one month
    future = ingest.check_workbook(content, dt.date.today() + dt.timedelta(days=1), directory, account=ADMIN)
    assert "as_of_future" in {p.key for p in future.problems}


@pytest.mark.parametrize("content", [b"", b"not a workbook", b"PK\x03\x04broken zip"])
def test_a_file_that_is_not_a_workbook_is_one_problem(content, good):
    directory, _, _ = good
    checked = ingest.check_workbook(content, AS_OF, directory, account=ADMIN)
    assert [p.key for p in checked.problems] == ["unreadable"]
    assert "文件无法读取" in checked.problems[0].problem


# ------------------------------------------------------------------------------------ clerk habits

def imported(good, content, table):
    directory = good[0]
    checked = ingest.check_workbook(content, AS_OF, directory, account=ADMIN)
    assert checked.valid, ingest.problem_table(checked.problems, "zh").to_string()
    return checked, checked.tables[table]


def test_full_width_digits_are_converted(good):
    content = cell("rehab_services", 2, "need_count", "１２")(good[1])
    content = set_cell(content, "rehab_services", 2, "served_count", "１０")
    checked, services = imported(good, content, "rehab_services")
    assert (services.loc[0, "need_count"], services.loc[0, "served_count"]) == (12, 10)
    assert any("全角" in note for note in checked.notes)


def test_amounts_in_wan_yuan_declared_on_the_instructions_sheet_are_converted(good):
    content = set_setting(good[1], "money_unit", "万元")
    content = set_cell(content, "funding", 2, "allocated_yuan", 12.5)
    content = set_cell(content, "funding", 2, "spent_yuan", "１０")
    checked, funding = imported(good, content, "funding")
    assert (funding.loc[0, "allocated_yuan"], funding.loc[0, "spent_yuan"]) == (125_000, 100_000)
    assert any("万元" in note for note in checked.notes)


def test_amounts_in_wan_yuan_declared_in_a_header_or_a_cell_are_converted(good):
    content = header("资金投入", "下达资金", "下达资金（万元）")(good[1])
    content = set_cell_by_header(content, "资金投入", "下达资金（万元）", 2, 3.2)
    content = set_cell(content, "funding", 2, "spent_yuan", "2.5万")
    _, funding = imported(good, content, "funding")
    assert (funding.loc[0, "allocated_yuan"], funding.loc[0, "spent_yuan"]) == (32_000, 25_000)


def set_cell_by_header(content, sheet_name, header_text, row, value):
    def change(book):
        sheet = book[sheet_name]
        column = next(c.column for c in sheet[1] if c.value == header_text)
        sheet.cell(row, column, value)
    return edit(content, change)


def test_region_names_and_short_codes_become_region_codes(good):
    rows = good[2]
    township = rows["rehab_services"]["region_code"].iloc[0]
    name = read_tables(newest(good[0]))["regions"].set_index("region_code").loc[township, "name"]
    content = cell("rehab_services", 2, "region_code", name)(good[1])
    content = set_cell(content, "funding", 2, "region_code", "青山区")
    content = set_cell(content, "facilities", 2, "region_code", rows["facilities"]["region_code"].iloc[0][:9])
    checked, services = imported(good, content, "rehab_services")
    assert services.loc[0, "region_code"] == township
    assert checked.tables["funding"].loc[0, "region_code"] == QINGSHAN
    assert checked.tables["facilities"].loc[0, "region_code"] == rows["facilities"]["region_code"].iloc[0]
    notes = " ".join(checked.notes)
    assert "区划名称已换成区划代码" in notes and "补足为12位" in notes


@pytest.mark.parametrize("declared", ["setting", "header"])
def test_coordinates_declared_gcj02_are_converted_to_wgs84(declared, good):
    station = good[2]["device_stations"].iloc[0]
    lon, lat = mapkit.wgs84_to_gcj02(station["lon"], station["lat"])
    content = cell("device_stations", 2, "lon", lon)(good[1])
    content = set_cell(content, "device_stations", 2, "lat", lat)
    if declared == "setting":
        content = set_setting(content, "datum", "GCJ-02")
    else:
        content = header("辅具服务站点", "经度", "经度（GCJ-02）")(content)
        content = header("辅具服务站点", "纬度", "纬度（GCJ-02）")(content)
    checked, stations = imported(good, content, "device_stations")
    assert abs(stations.loc[0, "lon"] - station["lon"]) < 2e-5
    assert abs(stations.loc[0, "lat"] - station["lat"]) < 2e-5
    assert abs(lon - station["lon"]) > 1e-3  # the GCJ-02 offset is hundreds of metres
    assert any("GCJ-02" in note for note in checked.notes)


# -------------------------------------------------------------------------------- command line

def run_cli(*args, directory):
    return subprocess.run([sys.executable, "-m", "rehabdash", *map(str, args)], capture_output=True,
                          text=True, env={**os.environ, "REHAB_DATA_DIR": str(directory)},
                          cwd=PROJECT_DIR, timeout=120)


def test_command_line_writes_the_template_and_imports(tmp_path, monkeypatch):
    directory = data_copy(tmp_path)
    monkeypatch.setenv("REHAB_INSTANCE_DIR", str(tmp_path / "instance"))
    AccountStore().add("cli_admin", "secret", "admin", [BAOTOU])
    result = run_cli("import", tmp_path / "none.xlsx", "--account", "nobody", directory=directory)
    assert result.returncode == 2 and "--account" in result.stderr and "Traceback" not in result.stderr
    template = tmp_path / "模板.xlsx"
    result = run_cli("template", template, directory=directory)
    assert result.returncode == 0, result.stderr
    assert "精准康复服务" in openpyxl.load_workbook(template).sheetnames

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(set_cell(filled(directory, month_rows(directory, (QINGSHAN,))),
                                "rehab_services", 2, "served_count", -1))
    before = files_state(directory)
    result = run_cli("import", broken, "--as-of", AS_OF, "--account", "cli_admin", directory=directory)
    assert result.returncode == 1
    assert "精准康复服务" in result.stderr and "不能为负数" in result.stderr
    assert "Traceback" not in result.stderr
    assert files_state(directory) == before

    good_file = tmp_path / "good.xlsx"
    good_file.write_bytes(filled(directory, month_rows(directory, (QINGSHAN,))))
    result = run_cli("import", good_file, "--account", "cli_admin", "--note", "王五", directory=directory)
    assert result.returncode == 0, result.stderr
    assert "已发布数据快照 2025-09-30" in result.stdout  # the as-of rule's date: September's last day
    assert newest(directory).as_of == AS_OF
    entry = ingest.read_log(directory)[-1]
    assert (entry["who"], entry["note"]) == ("cli_admin", "王五")  # the account, the note beside it


# ------------------------------------------------------------------------------- concurrency

def test_readers_in_threads_never_see_a_mix_of_two_snapshots(tmp_path):
    directory = data_copy(tmp_path)
    checked = ingest.check_workbook(filled(directory, month_rows(directory)), AS_OF, directory, account=ADMIN)
    assert checked.valid
    window = measures.year_window(AS_OF, 2025)

    def figures_of(snapshot):
        """Served and fitted of one snapshot, each from its own table, read from the files every time."""
        served = db.run("rehab_services_totals", snapshot, allowed=(BAOTOU,), scope=(BAOTOU,), fresh=True, **window)
        fitted = db.run("device_totals", snapshot, allowed=(BAOTOU,), scope=(BAOTOU,), fresh=True, **window)
        this_year = (served["year"] == 2025).to_numpy(), (fitted["year"] == 2025).to_numpy()
        return (snapshot.as_of, int(served["served"][this_year[0]].iloc[0]),
                int(fitted["fitted"][this_year[1]].iloc[0]))

    def read_once():
        snapshots = list_snapshots(directory)
        assert all(s.valid for s in snapshots), [s.problem for s in snapshots]  # never a half-written one
        return figures_of(newest_valid(snapshots))

    before = read_once()
    seen, errors, published = [], [], threading.Event()

    def reader():
        try:
            reads_after_publish = 0
            while reads_after_publish < 3:
                seen.append(read_once())
                reads_after_publish += published.is_set()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    ingest.publish(checked, ADMIN, "all.xlsx", directory)
    published.set()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    after = read_once()
    assert after[0] == AS_OF and after[1:] != before[1:]
    assert set(seen) <= {before, after} and after in seen


def test_the_first_import_into_an_empty_data_directory_becomes_the_first_snapshot(tmp_path):
    sample = data_copy(tmp_path / "sample")
    rows = month_rows(sample, (QINGSHAN,))
    tables = read_tables(newest(sample))
    rows["regions"], rows["institutions"] = tables["regions"], tables["institutions"]
    empty = tmp_path / "empty"
    empty.mkdir()
    template = openpyxl.load_workbook(io.BytesIO(ingest.template_bytes(None)))
    assert "当前没有数据快照，暂无示例。" in [c.value for c in template["填表说明"]["A"]]
    checked = ingest.check_workbook(filled(sample, rows), AS_OF, empty, account=ADMIN)
    assert checked.notes == []
    assert checked.valid and checked.base is None, ingest.problem_table(checked.problems, "zh").head()
    published = ingest.publish(checked, ADMIN, "first.xlsx", empty)
    [snapshot] = list_snapshots(empty)
    assert snapshot.valid and snapshot.path == published.path
    assert snapshot.manifest["files"]["rehab_services"]["rows"] == len(rows["rehab_services"])
    assert snapshot.manifest["files"]["funding"]["rows"] == 0
    served = figures(empty, AS_OF, QINGSHAN).served.value
    assert served == rows["rehab_services"]["served_count"].sum()


def test_a_workbook_made_in_english_reads_the_same(good):
    directory, content, rows = good
    english = ingest.template_bytes(newest(directory), "en", rows)
    assert "Rehab services" in openpyxl.load_workbook(io.BytesIO(english)).sheetnames
    in_english = ingest.check_workbook(english, AS_OF, directory, account=ADMIN)
    in_chinese = ingest.check_workbook(content, AS_OF, directory, account=ADMIN)
    assert in_english.valid
    for table, frame in in_chinese.tables.items():
        pd.testing.assert_frame_equal(in_english.tables[table], frame)
