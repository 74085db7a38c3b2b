"""定点机构 (issue 32): the 包头 seed's statements through the page's library calls, the light and the
dispatch meeting's lagging institutions, and the import of follow-ups and assessments, checked in
Chinese and scoped through the institution's place.

Expected values come from the seed article (baotou-2024-zh.txt): the alliance of 天使家园 and 阳光星雨,
whose inclusion groups let 80 % of the children in training move on; 包头市儿童福利院 and 包头市第四医院
newly designated in 2024; 九原区星雨露 adding intellectual-disability rehab and 土右旗 building a
children's rehab centre; monthly 双回访; mid-year and year-end assessments.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rehabdash import ingest
from rehabdash.ingest.publish import read_tables
from rehabdash.kernel.indicators import Status
from rehabdash.kernel.suppression import COMPLEMENTARY
from rehabdash.topics import dispatch, institutions

from .seed import BAOTOU, END_2024, NEWEST, QINGSHAN, runner
from .workbooks import clerk, data_copy, filled, newest

KUNDULUN = "150203000000"
ZHAOTAN = "150203003000"  # 沼潭街道, a township of 昆都仑区
DAYS = 30
ALLIANCE_MEMBERS = {"天使家园儿童康复中心", "阳光星雨儿童康复中心"}


@pytest.fixture(scope="module")
def baotou_2024():
    return runner(NEWEST, BAOTOU)


def test_the_alliance_of_tianshi_and_yangguang_moved_80_percent_on(baotou_2024):
    alliances = institutions.alliances(baotou_2024, NEWEST, 2024, 0)
    [alliance] = alliances.itertuples()
    assert set(alliance.members) == ALLIANCE_MEMBERS
    assert alliance.whole  # both members lie in 包头市
    assert alliance.moved_on_share == pytest.approx(0.80)
    # moved on = to kindergarten + to primary school, of the children in training
    assert (alliance.to_kindergarten + alliance.to_primary) / alliance.in_training == pytest.approx(0.80)


def test_a_district_sees_its_member_but_not_the_alliance_figures_of_another_district():
    alliances = institutions.alliances(runner(NEWEST, KUNDULUN), NEWEST, 2024, 0)
    [alliance] = alliances.itertuples()
    assert set(alliance.members) == ALLIANCE_MEMBERS and not alliance.whole
    assert alliance.in_training is None and alliance.moved_on_share is None


def test_the_capacity_added_in_2024(baotou_2024):
    added = institutions.capacity_added(baotou_2024, 2024)
    assert set(institutions.newly_designated(added)) == {"包头市儿童福利院", "包头市第四医院"}
    services = dict(zip(added["name"], added["service"]))
    assert services["九原区星雨露儿童康复中心"] == "intellectual_rehab"
    assert services["土默特右旗残疾儿童康复中心"] == "centre_built"
    assert len(added) == 4  # the seed's four, nothing of another year
    assert institutions.capacity_added(baotou_2024, 2025).empty


def test_every_childrens_institution_is_followed_up_monthly_and_assessed_twice(baotou_2024):
    data = institutions.gather(baotou_2024, END_2024, 2024, 0, DAYS)
    cards = data.cards.set_index("name")
    added = institutions.capacity_added(baotou_2024, 2024)
    new = set(added.loc[added["service"].isin(["designated", "centre_built"]), "name"])
    for name in cards.index[cards["kind"] == "children_rehab"]:
        # every month of the year; a new institution from its start (March 2024 in the sample)
        assert cards.at[name, "months"] == (10 if name in new else 12), name
    year = data.assessments[data.assessments["in_year"]]
    rounds = year.groupby("name")["round"].apply(set)
    assert all({"mid_year", "year_end"} <= r for r in rounds), rounds
    assert set(rounds.index) == set(cards.index[cards["planned"] > 0])
    assert 0.9 < data.totals["coverage"] <= 1 and 0.9 < data.totals["satisfaction"] <= 1


def test_children_and_funds_per_institution_are_child_rehabs_own(baotou_2024):
    """The cards' children add up to the seed's 814 children aided in 包头市 in 2024 (the institutions of
    the city take every child of the city)."""
    cards = institutions.gather(baotou_2024, END_2024, 2024, 0, DAYS).cards
    assert cards["aided"].sum() == 814
    assert cards["funds_yuan"].sum() == pytest.approx(14_600_000)


def test_a_township_shows_no_children_per_institution():
    data = institutions.gather(runner(NEWEST, ZHAOTAN), END_2024, 2024, 5, DAYS, True)
    assert set(data.cards["aided"]) <= {COMPLEMENTARY}


def test_the_light_in_words_never_colour_alone():
    assert institutions.light(True, 0, 0, 0, True) is Status.RED
    assert institutions.light(False, 1, 0, 1, True) is Status.RED
    assert institutions.light(False, 0, 2, 0, True) is Status.AMBER
    assert institutions.light(False, 0, 0, 1, True) is Status.AMBER
    assert institutions.light(False, 0, 0, 0, True) is Status.GREEN
    assert institutions.light(False, 0, 0, 0, False) is None


def test_a_failed_assessment_and_overdue_problems_are_lagging_items():
    """As of 31 August 2025: 启智 failed its 2025 mid-year assessment (54.5) and has 2 problems of May
    open (92 days past 31 May); 第四医院's problem of August is not yet due. In 2024, 聆声 failed its
    mid-year but passed at the year end: nothing lags."""
    run = runner(NEWEST, BAOTOU)
    lagging = institutions.lagging(run, NEWEST, 2025, DAYS)
    assert set(zip(lagging["name"], lagging["reason"])) == {
        ("稀土高新区启智儿童发展中心", "failed"), ("稀土高新区启智儿童发展中心", "unsolved")}
    unsolved = lagging[lagging["reason"] == "unsolved"].iloc[0]
    assert (unsolved["count"], unsolved["days"]) == (2, 92)
    lines = institutions.lagging_lines(lagging, "zh")
    assert any("年中考核不合格（54.5分）" in line for line in lines)
    assert institutions.lagging(run, END_2024, 2024, DAYS).empty
    # a looser setting leaves only the failed assessment
    assert set(institutions.lagging(run, NEWEST, 2025, 100)["reason"]) == {"failed"}
    cards = institutions.gather(run, NEWEST, 2025, 0, DAYS).cards.set_index("name")
    assert cards.at["稀土高新区启智儿童发展中心", "light"] is Status.RED


def test_the_dispatch_meeting_names_the_lagging_institution():
    run = runner(NEWEST, BAOTOU)
    meeting = dispatch.gather(run, NEWEST, 2025, 0.05, "包头市", "包头市", "city")
    assert set(meeting.lagging_institutions["name"]) == {"稀土高新区启智儿童发展中心"}


def test_ranking_puts_the_best_first_and_the_unjudged_last(baotou_2024):
    cards = institutions.gather(baotou_2024, END_2024, 2024, 0, DAYS).cards
    by_score = institutions.ranked(cards, "score")
    scores = by_score["score"].dropna().tolist()
    assert scores == sorted(scores, reverse=True) and by_score["rank"].iloc[0] == 1
    fewest = institutions.ranked(cards, "open_findings")["open_findings"].tolist()
    assert fewest == sorted(fewest)


# ---------------------------------------------------------------------------- the import

@pytest.fixture
def directory(tmp_path, monkeypatch):
    monkeypatch.setenv("REHAB_DATABASE_URL", f"sqlite:///{tmp_path / 'rehab.db'}")
    return data_copy(tmp_path)


def _follow_up(tables, name: str, **values) -> pd.DataFrame:
    ids = dict(zip(tables["institutions"]["name"], tables["institutions"]["institution_id"]))
    row = {"period": dt.date(2025, 9, 1), "institution_id": ids[name], "kind": "parents", "planned": 20,
           "reached": 18, "satisfied": 17, "problems_raised": 2, "problems_solved": 1, **values}
    return pd.DataFrame([row])


def test_a_follow_up_of_another_districts_institution_is_refused_naming_it(directory):
    tables = read_tables(newest(directory))
    rows = {"follow_ups": _follow_up(tables, "天使家园儿童康复中心")}  # in 昆都仑区
    checked = ingest.check_workbook(filled(directory, rows), None, directory,
                                    account=clerk("qs_clerk", (QINGSHAN,)))
    [problem] = [p for p in checked.problems if p.key == "scope_outside"]
    assert (problem.sheet, problem.row, problem.column) == ("双回访", 2, "机构编号")
    assert "天使家园儿童康复中心" in problem.problem and "友谊大街街道" in problem.problem
    assert "不在本账号可填报的区域（青山区）内" in problem.problem


def test_a_follow_up_of_the_clerks_own_institution_is_accepted(directory):
    tables = read_tables(newest(directory))
    rows = {"follow_ups": _follow_up(tables, "包头市第四医院")}  # in 青山区
    account = clerk("qs_clerk", (QINGSHAN,))
    checked = ingest.check_workbook(filled(directory, rows), None, directory, account=account)
    assert checked.valid, ingest.problem_table(checked.problems, "zh").to_string()
    assert set(checked.report_rows["table_name"]) == {"follow_ups"}
    published = ingest.publish(checked, account, "九月.xlsx", directory)
    follow_ups = read_tables(newest(directory))["follow_ups"]
    assert len(follow_ups[pd.to_datetime(follow_ups["period"]).dt.date == dt.date(2025, 9, 1)]) == 1
    assert published.path.exists()


def test_satisfied_above_reached_is_a_problem(directory):
    tables = read_tables(newest(directory))
    rows = {"follow_ups": _follow_up(tables, "包头市第四医院", reached=10, satisfied=12)}
    checked = ingest.check_workbook(filled(directory, rows), None, directory,
                                    account=clerk("qs_clerk", (QINGSHAN,)))
    [problem] = [p for p in checked.problems if p.key == "exceeds"]
    assert (problem.sheet, problem.row, problem.column) == ("双回访", 2, "满意数")
    assert problem.problem == "“满意数”（12）大于“回访成功数”（10）"


def test_an_assessment_is_checked_in_chinese(directory):
    tables = read_tables(newest(directory))
    ids = dict(zip(tables["institutions"]["name"], tables["institutions"]["institution_id"]))
    row = {"year": 2025, "round": "spot_check", "institution_id": ids["包头市第四医院"],
           "assessed_on": dt.date(2024, 9, 10), "score": 105.0, "grade": "excellent", "findings": 2,
           "findings_fixed": 3, "fixed_on": None}
    checked = ingest.check_workbook(filled(directory, {"assessments": pd.DataFrame([row])}), None, directory,
                                    account=clerk("qs_clerk", (QINGSHAN,)))
    found = {p.key: p for p in checked.problems}
    assert "超过满分100分" in found["score_range"].problem
    assert "不在所填年度 2025 内" in found["assessed_year"].problem
    assert found["exceeds"].problem == "“已整改数”（3）大于“发现问题数”（2）"
