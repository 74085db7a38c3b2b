"""The wall screen (大屏, ?wall=true; issue 36) in AppTest: its tiles carry the seed figures with their
lights in words, it runs alone (no menu, nothing to click), shows only what the account may see, turns
its sections at the configured pace and follows a newly published snapshot."""
from __future__ import annotations

import pytest

from .conftest import log_in, start_app
from .test_replicas import publish_elsewhere


def tiles(at) -> list[str]:
    return [str(h.proto.body) for h in at.get("html") if 'class="rd-tile"' in str(h.proto.body)]


def head(at) -> str:
    return " ".join(str(h.proto.body) for h in at.get("html") if str(h.proto.body).startswith("<p>"))


def turner(at) -> str:
    return next(str(h.proto.body) for h in at.get("html") if "data-rd-wall" in str(h.proto.body))


@pytest.fixture(scope="module")
def city_wall():
    return start_app(wall="true", year="2025")


def test_tiles_carry_the_city_figures_and_their_lights_in_words(city_wall):
    at = city_wall
    assert not at.exception and not at.error
    shown = tiles(at)
    assert len(shown) == 7  # six tasks and the funds, as the overview's indicator table
    # 包头市, 1 January to 31 August 2025, summed from the raw Parquet (tests/test_dispatch.py)
    served = next(t for t in shown if "精准康复服务人数" in t)
    assert ">4412<" in served and "完成 70% · 序时进度 66.6%" in served and "✔ 达标" in served
    children = next(t for t in shown if "残疾儿童康复救助人数" in t)
    assert ">548<" in children and "▲ 预警" in children
    funds = next(t for t in shown if "资金执行率" in t)
    assert "1182.17" in funds and "万元" in funds and "▲ 预警" in funds
    assert "包头市" in head(at) and "2025年8月31日" in head(at) and "样例数据" in head(at)


def test_the_wall_runs_alone_with_nothing_to_click(city_wall):
    at = city_wall
    assert len(at.main.button) == 0 and len(at.main.selectbox) == 0  # no exports, no scope switch
    assert "退出会议模式" not in [b.label for b in at.button]  # no meeting banner
    assert [s.value for s in at.subheader][0] == "各单位排名（精准康复服务人数）"
    assert any(s.value.startswith("滞后与预警事项") for s in at.subheader)
    # the overview's exports and tables are not on the wall
    assert not any("导出" in s.value for s in at.subheader)


def test_sections_turn_at_the_configured_pace(monkeypatch):
    monkeypatch.setenv("REHAB_WALL_ROTATE_SECONDS", "7")
    assert "const seconds = 7;" in turner(start_app(wall="true", year="2025"))
    monkeypatch.setenv("REHAB_WALL_ROTATE_SECONDS", "often")
    assert "const seconds = 20;" in turner(start_app(wall="true", year="2025"))


def test_a_district_account_sees_its_district_only(local_auth):
    at = log_in("qingshan", wall="true", year="2025", city="包头市")
    assert not at.exception
    assert "青山区" in head(at)
    assert not any("包头市</b>" in str(h.proto.body) for h in at.get("html"))  # never the city's figures alone
    assert len(tiles(at)) == 7


def test_nobody_signed_in_sees_no_wall(local_auth):
    at = start_app(wall="true", year="2025")
    assert tiles(at) == [] and at.text_input[0].label == "用户名"


def test_a_newly_published_snapshot_is_shown_on_the_next_run(sample_data):
    at = start_app(wall="true", year="2025", district="青山区")
    assert "2025年8月31日" in head(at)
    publish_elsewhere(sample_data)
    at.run()  # what the wall's poll does when it sees the new version
    assert "2025年9月30日" in head(at)
    assert not at.exception
