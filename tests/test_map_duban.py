"""The map board's remaining items of issues 31 and 36 (item 7), in the library: which units and sites
carry a 督办 tag (counted here from workflow_sample's own tuples and dates, not through
topics.decisions), the tag's popup escaping what was typed, the dense urban units a button zooms to,
the thematic legend's swatches as images, drawn symbols instead of emoji, and the pairing lines off
by default at city scope."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from rehabdash.kernel import safe_text
from jinja2.utils import htmlsafe_json_dumps

from rehabdash.access import workflow_sample
from rehabdash.access.gate import DEMO
from rehabdash.access.workflow import Item, Link, Unit, WorkflowStore
from rehabdash.charts import decisions as decision_text
from rehabdash.maps import board, mapkit, thematic as thematic_map
from rehabdash.topics import decisions, facility_map as fm, site_tasks
from rehabdash.topics import thematic as thematic_topic

from .seed import BAOTOU, NEWEST, YUANHUI, runner

PATHS = {BAOTOU: (BAOTOU,), YUANHUI: ("411100000000", YUANHUI)}
LEVELS = {BAOTOU: "city", YUANHUI: "district"}


@pytest.fixture
def sample_store(tmp_path, monkeypatch):
    monkeypatch.setenv("REHAB_DATABASE_URL", f"sqlite:///{tmp_path / 'rehab.db'}")
    store = WorkflowStore()
    assert workflow_sample.seed(store)
    return store


def expected_places(scope: str, on: dt.date) -> dict[tuple[str, str], int]:
    """Open items per (kind, ref) of the sample on `on`, straight from workflow_sample.MEETINGS: held on
    or before `on`, not closed by then, responsible unit a region or an institution lying in `scope`."""
    found: dict[tuple[str, str], int] = {}
    for (_, held_on), items in workflow_sample.MEETINGS.items():
        if dt.date.fromisoformat(held_on) > on:
            continue
        for _problem, _decision, (kind, ref, _name, path), _person, _deadline, _notes, closed in items:
            if closed is not None and dt.date.fromisoformat(closed[0]) <= on:
                continue
            if kind in ("region", "institution") and scope in path:
                found[(kind, ref)] = found.get((kind, ref), 0) + 1
    return found


def marks_of(store, scope: str, on: dt.date) -> tuple:
    view = decisions.view(store.items(DEMO, scope, PATHS[scope]), on)
    return decision_text.map_marks(decisions.places(decisions.open_items(view)), "zh")


@pytest.mark.parametrize("scope, on", [(BAOTOU, dt.date(2024, 12, 31)), (BAOTOU, NEWEST), (YUANHUI, NEWEST)])
def test_the_units_and_sites_with_an_open_item_are_the_samples(sample_store, scope, on):
    expected = expected_places(scope, on)
    assert expected  # every state of the sample leaves some open at these days
    marks = marks_of(sample_store, scope, on)
    assert {(kind, ref): len(items) for kind, ref, items in marks} == expected


def test_yuanhui_tags_by_hand():
    """源汇区 on 2025-08-31, read off workflow_sample by hand: 问十乡 station (the district federation),
    大刘镇, 阴阳赵镇 and 馨灿 are open; the finance and health bureaus' items have no place; 评定中心
    closed on 29 August."""
    assert set(expected_places(YUANHUI, NEWEST)) == {
        ("region", YUANHUI), ("region", "411102100000"), ("region", "411102101000"),
        ("institution", "I-411102-0008")}


def rendered(m) -> str:
    return m.get_root().render()


def in_script(text: str, html: str) -> bool:
    """Whether `text` stands in the map's script as data (jinja's tojson: < > & ' and CJK \\u-escaped)."""
    return htmlsafe_json_dumps(text)[1:-1] in html


def tag_classes(html: str) -> list[str]:
    return re.findall(r'"className": "(rd-duban[^"]*)"', html)


@pytest.mark.parametrize("scope", [BAOTOU, YUANHUI])
def test_the_board_draws_one_tag_per_place_in_the_map(sample_store, scope):
    marks = marks_of(sample_store, scope, NEWEST)
    data = fm.load_scope(runner(NEWEST, scope), NEWEST, scope, LEVELS[scope])
    html = rendered(board.build_board(data, fm.View(), "zh", scope, LEVELS[scope], duban=marks))
    classes = tag_classes(html)
    assert len(classes) == len(expected_places(scope, NEWEST))
    # institutions' tags stand beside their symbol, regions' above their name
    assert classes.count("rd-duban rd-duban-beside") == sum(k == "institution" for k, _ in expected_places(scope, NEWEST))
    assert "督办" in board.board_legend(fm.View(), "zh", duban=True)


def hostile_item(problem: str, unit: Unit, link: Link | None = None) -> Item:
    return Item(id=1, meeting_id=1, held_on=dt.date(2025, 5, 16), scope_code=YUANHUI, scope_name="源汇区",
                problem=problem, decision="—", unit=unit, person="某", deadline=dt.date(2025, 6, 30), link=link,
                closed_on=None, closed_by=None, close_note=None, version=1, updated_by="x", updated_at="x")


def test_typed_text_reaches_the_popup_escaped_and_a_linked_site_is_tagged():
    hostile = '<img src=x onerror="alert(1)">问题`${window.__pwned=1}`'
    unit = Unit("region", "411102100000", '大刘镇<script>alert(2)</script>', PATHS[YUANHUI] + ("411102100000",))
    data = fm.load_scope(runner(NEWEST, YUANHUI), NEWEST, YUANHUI, "district")
    site = data.facilities["facility_id"].iloc[0]
    item = hostile_item(hostile, unit, Link("site", site, "某站"))
    view = decisions.view([item], NEWEST)
    places = decisions.places(decisions.open_items(view))
    assert set(places) == {("region", "411102100000"), ("site", site)}
    marks = decision_text.map_marks(places, "zh")
    html = rendered(board.build_board(data, fm.View(), "zh", YUANHUI, "district", duban=marks))
    assert len(tag_classes(html)) == 2
    assert "<img src=x" not in html and "<script>alert(2)" not in html  # no markup of it anywhere in the map
    # the popup's text is JSON data for text nodes (layers.TextPopup), never in a template literal,
    # where ${...} would run whatever the HTML escaping
    assert safe_text.js_data(hostile)[1:-1] in html and "$(`" not in html
    assert "大刘镇\\u003cscript\\u003e" in html and "逾期62天" in html  # 30 June to 31 August
    # a member department's item has no place on the map
    department = hostile_item("资金", Unit("department", "3", "区财政局"))
    assert decisions.places(decisions.open_items(decisions.view([department], NEWEST))) == {}


def test_dense_units_are_the_urban_cores():
    baotou = fm.load_scope(runner(NEWEST, BAOTOU), NEWEST, BAOTOU, "city")
    names = dict(zip(baotou.regions["region_code"], baotou.regions["name"]))
    dense = board.dense_units(baotou, board.subunit_polygons(baotou, BAOTOU, "zh"))
    assert sorted(names[c] for c in dense) == sorted(["昆都仑区", "东河区", "青山区"])
    yuanhui = fm.load_scope(runner(NEWEST, YUANHUI), NEWEST, YUANHUI, "district")
    names = dict(zip(yuanhui.regions["region_code"], yuanhui.regions["name"]))
    dense = board.dense_units(yuanhui, board.subunit_polygons(yuanhui, YUANHUI, "zh"))
    assert sorted(names[c] for c in dense) == sorted(["老街街道", "马路街街道", "顺河街街道"])
    html = rendered(board.build_board(baotou, fm.View(), "zh", BAOTOU, "city"))
    assert "rd-zoom-dense" in html and in_script("放大到设施密集处（东河区、昆都仑区、青山区）", html)


def test_thematic_legend_swatches_are_images_the_panel_keeps():
    data = fm.load_scope(runner(NEWEST, BAOTOU), NEWEST, BAOTOU, "city")
    thematic = thematic_topic.subunit_values(runner(NEWEST, BAOTOU), data, BAOTOU, "station_coverage", NEWEST,
                                             2025, 0.05, "zh")
    legend = thematic_map.legend_html(thematic, "乡镇康复站覆盖率", "无数据")
    assert "<svg" not in legend.replace('src="data:image/svg+xml', "")  # no inline <svg> (sanitised away)
    assert legend.count('<img alt="" width="26" height="18" src="data:image/svg+xml;base64,') == len(thematic.classes) + 1
    for name in thematic.classes:
        assert name in legend  # the class in words beside its swatch


def test_no_emoji_glyph_on_the_map_page():
    assert "⏳" not in site_tasks.flag_text(False, True, "zh") and site_tasks.flag_text(False, True, "zh") == "◇ 将到期"
    assert "⚠" not in board.OVERDUE_CSS  # the badge is drawn
    assert mapkit.svg_image("<rect/>").startswith('<img alt=""')


def test_pairing_lines_off_by_default_at_city_scope_only():
    assert "pairings" not in fm.default_layers("city")
    assert "pairings" in fm.default_layers("district") and "pairings" in fm.default_layers("township")
    data = fm.load_scope(runner(NEWEST, BAOTOU), NEWEST, BAOTOU, "city")
    assert "rd-pairing" not in rendered(board.build_board(data, fm.View(layers=fm.default_layers("city")), "zh",
                                                          BAOTOU, "city"))
