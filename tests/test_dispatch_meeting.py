"""Issue 17: one definition of the dispatch indicators, lagging items red and amber with shortfall,
ranking with 名次 and its change, one time basis per view. Expected values from the raw Parquet."""
import datetime as dt
import math

import pandas as pd
import pytest

from rehabdash.charts import dispatch as dispatch_charts
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.config import data_dir
from rehabdash.kernel.indicators import Status
from rehabdash.topics import dispatch, funding

from .seed import BAOTOU, NEWEST, YUANHUI, runner, snapshot

MARGIN = 0.05
JUNE = dt.date(2025, 6, 30)
PROGRESS = 243 / 365  # 31 August 2025
LAOJIE = "411102001000"  # a township of 源汇区


def raw(table: str, as_of=NEWEST) -> pd.DataFrame:
    return pd.read_parquet(snapshot(as_of).path / f"{table}.parquet")


def below(code: str, as_of=NEWEST) -> set[str]:
    """The region and everything under it, walked on the raw regions table."""
    regions = raw("regions", as_of)
    found, frontier = {code}, {code}
    while frontier:
        frontier = set(regions.loc[regions["parent_code"].isin(frontier), "region_code"]) - found
        found |= frontier
    return found


def meeting(code, name, level, year=2025, as_of=NEWEST, previous=JUNE):
    before = (previous, runner(previous, code)) if previous else None
    return dispatch.gather(runner(as_of, code), as_of, year, MARGIN, name, name, level, before)


@pytest.fixture(scope="module")
def yuanhui():
    return meeting(YUANHUI, "源汇区", "district")


@pytest.fixture(scope="module")
def baotou():
    return meeting(BAOTOU, "包头市", "city")


def test_yuanhui_funding_execution_is_lagging_with_its_shortfall_in_wan_yuan(yuanhui):
    money = raw("funding")
    money = money[(money["year"] == 2025) & money["region_code"].isin(below(YUANHUI))]
    allocated, spent = money["allocated_yuan"].sum(), money["spent_yuan"].sum()
    assert fmt.rate(spent / allocated) == "58.46%"
    items = [(unit, s) for unit, s in yuanhui.lagging if s.indicator == dispatch.FUNDING]
    assert len(items) == 1
    unit, s = items[0]
    assert unit == "源汇区本级" and s.status is Status.RED  # the district's own line (issue 36)
    assert s.shortfall_to_progress == round((PROGRESS * allocated - spent) / 10_000, 2)
    assert s.shortfall_to_task == round((allocated - spent) / 10_000, 2)
    table = dispatch_charts.display(dispatch_charts.lagging_table(yuanhui, "zh"))
    row = table[table["指标"] == "资金执行率"].iloc[0]
    assert (row["完成率"], row["状态"], row["计量单位"]) == ("58.46%", "✖ 滞后", "万元")


def test_amber_items_are_listed_with_shortfall_in_persons(yuanhui):
    # 源汇区 2025: children aided 66 of 100 at 66.6 % time progress: amber, one child short.
    children = raw("child_rehab")
    children = children[(children["period"] >= dt.date(2025, 1, 1))
                        & children["region_code"].isin(below(YUANHUI))]
    aided = int(children["aided"].sum())
    items = {s.indicator: s for _, s in yuanhui.lagging}
    s = items["children_aided"]
    assert s.status is Status.AMBER and s.actual == aided
    assert s.shortfall_to_progress == math.ceil(PROGRESS * 100 - aided)
    assert s.shortfall_to_task == 100 - aided


def test_baotou_2025_funding_is_amber_as_on_the_funding_page(baotou):
    s = baotou.status(dispatch.FUNDING)
    assert fmt.rate(s.completion) == "62.72%" and s.status is Status.AMBER
    # The funding page's own rule (funding.headline) gives the same light.
    snap = next(x for x in __import__("rehabdash.store.snapshots", fromlist=["x"]).list_snapshots(data_dir())
                if x.as_of == NEWEST)
    h = funding.headline(lambda _: runner(NEWEST, BAOTOU), [snap], snap, 2025, MARGIN)
    assert h.status is s.status and h.now.execution == s.completion
    row = dispatch_charts.display(dispatch_charts.indicator_table(baotou, "zh")).iloc[-1]
    assert (row["指标"], row["完成率"], row["状态"]) == ("资金执行率", "62.72%", "▲ 预警")
    # the city's own-level funds are among the lagging units too
    assert any(unit == "包头市本级" for unit, s in baotou.lagging if s.indicator == dispatch.FUNDING)


def test_lagging_holds_every_red_and_amber_cell_of_the_ranking(baotou):
    cells = {(name, s.indicator) for (_, name), row in baotou.subunits.items() for s in row
             if s.status in (Status.RED, Status.AMBER)}
    listed = {(unit, s.indicator) for unit, s in baotou.lagging if unit != "包头市本级"}
    assert listed == cells and len(cells) > 10
    reds = [s.status is Status.RED for _, s in baotou.lagging]
    assert reds == sorted(reds, reverse=True)  # red first


def test_ranking_by_completion_with_the_change_since_june():
    def completion_by_district(as_of):
        regions = raw("regions", as_of)
        districts = regions[regions["parent_code"] == BAOTOU]["region_code"]
        served = raw("rehab_services", as_of)
        served = served[served["period"] >= dt.date(2025, 1, 1)]
        targets = raw("targets", as_of)
        targets = targets[(targets["year"] == 2025) & (targets["indicator"] == "precise_rehab_served")]
        result = {}
        for d in districts:
            codes = below(d, as_of)
            result[d] = (served.loc[served["region_code"].isin(codes), "served_count"].sum()
                         / targets.loc[targets["region_code"].isin(codes), "target_value"].sum())
        return pd.Series(result).rank(ascending=False, method="min").astype(int)

    now, before = completion_by_district(NEWEST), completion_by_district(JUNE)
    m = meeting(BAOTOU, "包头市", "city")
    frame = dispatch.ranking(m, "precise_rehab_served")
    assert list(frame["rank"]) == sorted(now.values)
    for row in frame.itertuples():
        assert row.rank == now[row.code]
        assert row.rank_change == before[row.code] - now[row.code]
    shown = dispatch_charts.display(dispatch_charts.ranking_table(m, "precise_rehab_served", "zh"))
    assert list(shown.columns[:3]) == ["名次", "单位", "名次变化"]
    # sortable by any indicator: funding execution ranks the units on it
    by_money = dispatch.ranking(m, dispatch.FUNDING)
    values = by_money[dispatch.FUNDING].tolist()
    assert values == sorted(values, reverse=True)


def test_a_past_year_shows_its_year_end_state_and_no_change_since_previous():
    m = meeting(BAOTOU, "包头市", "city", year=2024, previous=None)
    s = {x.indicator: x for x in m.indicators}
    built = m.facilities["built"]
    assert (built["township_station"], built["village_room"]) == (
        s["township_stations_built"].actual, s["village_rooms_built"].actual) == (75, 323)
    facilities = raw("facilities")
    facilities = facilities[facilities["region_code"].isin(below(BAOTOU))]
    later = facilities[(facilities["status"] == "built")
                       & (pd.to_datetime(facilities["opened_on"]) > pd.Timestamp("2024-12-31"))]
    assert len(later) > 0  # built in 2025: counted as planned at the end of 2024
    # the page asks for the previous snapshot of the same year: there is none for a closed year
    snapshots = __import__("rehabdash.store.snapshots", fromlist=["x"]).list_snapshots(data_dir())
    newest = next(x for x in snapshots if x.as_of == NEWEST)
    assert dispatch.previous_snapshot(snapshots, newest, 2024) is None
    assert dispatch.previous_snapshot(snapshots, newest, 2025).as_of == JUNE
    assert dispatch_charts.changes_table(m, "zh") is None


def test_a_township_without_tasks_or_funds_says_so_and_is_not_green():
    m = meeting(LAOJIE, "老街街道", "township")
    assert all(s.status is None for s in m.indicators) and not m.has_tasks
    assert m.lagging == []
    funds = m.status(dispatch.FUNDING)
    assert funds.target is None and m.funds_holder == "源汇区"
    table = dispatch_charts.display(dispatch_charts.indicator_table(m, "zh"))
    assert table.iloc[-1]["年度任务"] == "资金由源汇区统筹" and table.iloc[-1]["完成数"] == "—"
    assert set(table["年度任务"].iloc[:-1]) == {"本级未下达任务"}
    assert "0万元" not in " ".join(table.astype(str).values.ravel())


def test_every_table_keeps_numbers_as_numbers(baotou):
    for table in dispatch_charts.tables(baotou, "precise_rehab_served", "zh"):
        for column, kind in table.kinds.items():
            if kind in ("count", "percent", "rate", "rank_change"):
                values = [v for v in table.frame[column] if v is not None and not pd.isna(v)]
                assert all(isinstance(v, (int, float)) for v in values), (table.key, column)


def test_english_money_is_short_and_whole():
    assert fmt.money(18_847_700, "en") == "CNY 18.85 m"
    assert fmt.money(18_847_700, "zh") == "1884.77万元"
    assert fmt.amount(1884.77, "en") == "1,884.77" and fmt.amount(6260, "en") == "6,260"


def test_english_tables_carry_pinyin_beside_the_chinese_names(baotou):
    lagging = dispatch_charts.display(dispatch_charts.lagging_table(baotou, "en"))
    assert "东河区 Donghe District" in set(lagging["Unit responsible"])
    assert "包头市 Baotou City (own level)" in set(lagging["Unit responsible"])
    ranking = dispatch_charts.display(dispatch_charts.ranking_table(baotou, "precise_rehab_served", "en"))
    assert "固阳县 Guyang County" in set(ranking["Unit"])
    assert fmt.region_name("东河区", "zh") == "东河区"


def test_money_in_running_text():
    assert fmt.wan_words(18_847_700, "en") == "1,884.77 ten-thousand yuan"
    assert fmt.wan_words(18_847_700, "zh") == "1884.77万元"


def test_townships_without_a_task_get_no_rank_where_they_all_have_the_same_rate():
    """Issue 36: every 源汇区 township ranked 1 with '→0' on precise rehab (no task, each served all its
    need); ranked on what they have where it differs (device fitting)."""
    services = raw("rehab_services")
    services = services[services["region_code"].isin(below(YUANHUI)) & (services["period"] >= dt.date(2025, 1, 1))]
    assert (services.groupby(services["region_code"].str[:9])[["need_count", "served_count"]].sum()
            .pipe(lambda t: t["need_count"] == t["served_count"]).all())  # the same rate, 100 %, everywhere
    m = meeting(YUANHUI, "源汇区", "district")
    assert dispatch.rank_basis(m.subunits, "precise_rehab_served") == "rate"
    frame = dispatch.ranking(m, "precise_rehab_served")
    assert len(frame) == 9 and frame["rank"].isna().all() and frame["rank_change"].isna().all()
    assert dispatch.all_tied(m.subunits, "precise_rehab_served")
    shown = dispatch_charts.display(dispatch_charts.ranking_table(m, "precise_rehab_served", "zh"))
    assert set(shown["名次"]) == {"—"} and "→0" not in set(shown["名次变化"])
    # device fitting rates differ: ranked on them, best first
    devices = raw("assistive_devices")
    devices = devices[devices["region_code"].isin(below(YUANHUI)) & (devices["period"] >= dt.date(2025, 1, 1))]
    sums = devices.groupby(devices["region_code"].str[:9] + "000")[["need_count", "fitted_count"]].sum()
    expected = (sums["fitted_count"] / sums["need_count"]).rank(ascending=False, method="min").astype(int)
    by_devices = dispatch.ranking(m, "devices_fitted").set_index("code")["rank"]
    assert not dispatch.all_tied(m.subunits, "devices_fitted")
    assert {code: by_devices[code] for code in expected.index} == expected.to_dict()


def test_the_overview_says_why_the_townships_have_no_rank():
    from .conftest import open_app_page

    at = open_app_page("app_pages/overview.py", year="2025", city="漯河市", district="源汇区")
    assert not at.exception, at.exception
    assert any("不排名次" in c.value for c in at.caption)
