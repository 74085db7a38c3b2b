"""AppTest of the board parts of the map page and of the overview's lagging list (issue 18): overdue
site tasks with their responsible unit, the task table and its filter, the card's task history,
drill-down through the list and back up through the breadcrumb, the thematic layer's table.

The map itself is replaced by a fake st_folium (tests.test_app_facility_map.FakeFolium)."""
from __future__ import annotations

import pandas as pd
import pytest

from rehabdash.topics import site_tasks as st_tasks
from rehabdash.topics import thematic

from .conftest import open_app_page, start_app
from .seed import BAOTOU, NEWEST, QINGSHAN, runner, snapshot
from .test_app_facility_map import fake  # noqa: F401 (fixture)

PAGE = "app_pages/facility_map.py"


def frame_with(at, column: str, *others: str) -> pd.DataFrame:
    """The shown table that has these columns (AppTest does not index plain tables by key)."""
    return next(d.value for d in at.dataframe if {column, *others} <= set(d.value.columns))


def overdue_from_parquet() -> pd.DataFrame:
    tasks = pd.read_parquet(snapshot(NEWEST).path / "site_tasks.parquet")
    latest = tasks.sort_values("updated_on").groupby("facility_id").tail(1)
    late = latest[(latest["stage"] != "in_use") & (pd.to_datetime(latest["deadline"]).dt.date < NEWEST)]
    return late[late["facility_id"].str.startswith("F-1502")]


def test_overdue_sites_join_the_lagging_list_with_their_unit():
    at = start_app()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    late = overdue_from_parquet()
    assert len(late) > 0
    facilities = pd.read_parquet(snapshot(NEWEST).path / "facilities.parquet").set_index("facility_id")
    for row in late.itertuples():
        assert f"{facilities.loc[row.facility_id, 'name']}（{row.responsible_unit}）建设任务逾期" in text


def test_task_table_filter_and_card_history(fake):  # noqa: F811
    at = open_app_page(PAGE, city="包头市")
    assert not at.exception, at.exception
    late = overdue_from_parquet()
    summary = " ".join(m.value for m in at.markdown)
    assert f"逾期{len(late)}项" in summary
    at.segmented_control(key="map_tasks").set_value("overdue").run()
    table = frame_with(at, "责任单位", "提示")
    assert len(table) == len(late)
    assert set(table["责任单位"]) == set(late["responsible_unit"])
    assert table["提示"].str.startswith("⚠").all()
    # the card of an overdue site shows its task and its history
    name = table["站点"].iloc[0]
    picker = at.selectbox(key="map_facility")
    label = next(o for o in picker.options if o.startswith(name))
    picker.select(label).run()
    assert not at.exception, at.exception
    history = frame_with(at, "进展阶段", "更新日期")
    assert list(history["进展阶段"]) == ["选址", "建设中"]
    assert any("已逾期" in m.value for m in at.markdown)


def test_drill_down_and_breadcrumb_back(fake):  # noqa: F811
    at = open_app_page(PAGE, city="包头市")
    at.selectbox(key=f"drill_{BAOTOU}").select("青山区").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="district").value == "150204000000"
    assert any("包头市 / 青山区" in c.value for c in at.caption)
    qingshan = st_tasks.tasks(runner(NEWEST, "150204000000"), NEWEST)
    assert any(f"共{len(qingshan)}项任务" in m.value for m in at.markdown)
    at.button(key=f"crumb_{BAOTOU}").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="district").value == ""


def test_thematic_table_one_row_per_district(fake):  # noqa: F811
    at = open_app_page(PAGE, city="包头市", map_theme="村（社区）康复室覆盖率")
    assert not at.exception, at.exception
    table = frame_with(at, "单位", "数值")
    regions = pd.read_parquet(snapshot(NEWEST).path / "regions.parquet")
    assert len(table) == int((regions["parent_code"] == BAOTOU).sum())
    assert table["数值"].str.endswith("%").all()


def test_side_panel_holds_the_legend_and_folding_it_keeps_the_view(fake):  # noqa: F811
    legend_in_map = 'rdMap.legend('  # the map's legend overlay
    at = open_app_page(PAGE, city="包头市", map_tiers=["乡镇（街道）康复站"])
    assert not at.exception, at.exception
    assert at.toggle(key="map_panel").value is True
    assert legend_in_map not in fake.map.get_root().render()  # the legend is beside the map
    assert any("近期规划建设" in h.proto.body for h in at.get("html"))
    at.toggle(key="map_panel").set_value(False).run()
    assert not at.exception, at.exception
    assert legend_in_map in fake.map.get_root().render()  # and inside the map once the panel folds
    # the folded panel's switches are still drawn (hidden): the tiers chosen in the URL still hold
    assert at.pills(key="map_tiers").value == ["township_station"]


def test_meeting_mode_draws_the_board_for_the_wall(fake):  # noqa: F811
    at = open_app_page(PAGE, city="包头市", meeting="true")
    assert not at.exception, at.exception
    assert at.toggle(key="map_panel").value is False  # the map takes the width by default
    html = fake.map.get_root().render()
    assert 'rdMap.legend(' in html  # legend in the map
    assert "font-size: 21px" in html  # names large


# The sample's scopes in both years (issue 36): the city layer broke on task completion, and at district
# scope every township read 无年度任务 (townships have no task of their own).
SCOPES = [{"year": "2024", "city": "包头市"}, {"year": "2024", "city": "包头市", "district": "青山区"},
          {"year": "2025", "city": "漯河市"}, {"year": "2025", "city": "漯河市", "district": "源汇区"}]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: f"{s['year']}-{s.get('district', s['city'])}")
def test_every_thematic_layer_draws_at_city_and_district_scope(fake, scope):  # noqa: F811
    at = open_app_page(PAGE, **scope)
    assert not at.exception, at.exception
    box = at.selectbox(key="map_theme")
    for indicator in thematic.INDICATORS:
        box.set_value(indicator).run()
        assert not at.exception, (indicator, at.exception)
        assert not at.error, (indicator, [e.value for e in at.error])
        table = frame_with(at, "单位", "数值")
        assert len(table) > 0
        assert not table["数值"].eq("无年度任务").all(), indicator


def _rates(region_codes, year: int) -> pd.Series:
    services = pd.read_parquet(snapshot(NEWEST).path / "rehab_services.parquet")
    services = services[pd.to_datetime(services["period"]).dt.year == year]
    sums = services.groupby(services["region_code"].map(region_codes))[["need_count", "served_count"]].sum()
    return sums["served_count"] / sums["need_count"]


def test_townships_without_a_task_are_judged_by_their_rate_against_the_district(fake):  # noqa: F811
    at = open_app_page(PAGE, year="2024", city="包头市", district="青山区", map_theme="精准康复任务完成率（对照序时进度）")
    assert not at.exception, at.exception
    regions = pd.read_parquet(snapshot(NEWEST).path / "regions.parquet")
    towns = regions[regions["parent_code"] == QINGSHAN]
    # each township's rate and the district's, summed from the parquet by 12-digit code prefix
    township_of = {code: code for code in towns["region_code"]}
    rates = _rates(lambda c: next((t for t in township_of if c.startswith(t[:9])), None), 2024)
    district = _rates(lambda c: "d" if c.startswith(QINGSHAN[:6]) else None, 2024)["d"]
    table = frame_with(at, "单位", "数值").set_index("单位")
    names = dict(zip(towns["region_code"], towns["name"]))
    assert len(table) == len(towns)
    for code, rate in rates.items():
        text = table.loc[names[code], "数值"]
        assert text.endswith(f"{rate * 100:.1f}%"), (names[code], text, rate)
        assert text.startswith("✔") == (rate >= district - 1e-12), (names[code], text, rate, district)
    captions = " ".join(c.value for c in at.caption)
    assert "年度任务下达到青山区" in captions and f"{district * 100:.2f}".rstrip("0").rstrip(".") + "%" in captions
    legend = " ".join(h.proto.body for h in at.get("html"))
    assert "年度任务下达到青山区" in legend and "服务率不低于青山区" in legend
