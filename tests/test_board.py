"""The board's map (rehabdash.maps.board) as HTML: where the legend goes, the labels' pane above the
markers, the co-located centres spread by the map's script, the wall screen's larger names. What
they do in a browser is tested in tests/test_browser_mapboard.py."""
from __future__ import annotations

import re

from rehabdash.kernel.config import PROJECT_DIR
from rehabdash.maps import board, controls
from rehabdash.topics import facility_map as fm

from .seed import BAOTOU, NEWEST, runner

LEGEND_OVERLAY = "rdMap.legend("


def baotou_board(**options):
    data = fm.load(runner(NEWEST, BAOTOU), NEWEST)
    view = options.pop("view", fm.View())
    return board.build_board(data, view, "zh", BAOTOU, "city", **options).get_root().render()


def test_the_legend_goes_into_the_map_or_beside_it():
    assert LEGEND_OVERLAY in baotou_board()
    beside = baotou_board(legend_in_map=False)
    assert LEGEND_OVERLAY not in beside
    legend = board.board_legend(fm.View(), "zh", overdue=True)
    assert "区级康复指导中心" in legend and "建设任务逾期" in legend
    assert "建设任务逾期" not in board.board_legend(fm.View(), "zh")


def test_names_lie_above_the_markers_and_centres_are_spread():
    html = baotou_board()
    pane, z_index = controls.LABEL_PANE
    assert re.search(rf'createPane\(\s*"{pane}"\);\s*\S+\.style\.zIndex = {z_index};', html)
    assert z_index > 620  # the district centres' pane
    assert html.count(f'"pane": "{pane}"') >= 10  # a label per district of 包头市 (and the townships')
    assert "rdMap.spreadCentres(" in html  # the script that sets co-located centres around a ring
    assert "rd-leader" in (PROJECT_DIR / "static/map/rehab-map.js").read_text()
    without_centres = baotou_board(view=fm.View(tiers=("township_station", "village_room")))
    assert "rdMap.spreadCentres(" not in without_centres


def test_the_wall_screen_draws_names_larger():
    assert "font-size: 21px" in baotou_board(large=True)
    assert "font-size: 21px" not in baotou_board()
