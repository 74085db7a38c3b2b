"""AppTest of the map page for the remaining map items of issues 31 and 36 (item 7): the 督办 tags of
the sample's open decided items on the map the page draws, a link's ?map_tasks=overdue choosing 逾期,
and the pairing lines off by default at city scope only. The map itself is recorded by the fake
st_folium of test_app_facility_map."""
from __future__ import annotations

import re

from .seed import BAOTOU, NEWEST, YUANHUI
from .test_app_facility_map import YUANHUI as YUANHUI_QUERY
from .test_app_facility_map import fake, start  # noqa: F401 (fixture)
from .test_map_duban import expected_places


def tags(m) -> int:
    return len(re.findall(r'"className": "rd-duban', m.get_root().render()))


def legend_text(at) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def test_baotou_tags_overdue_link_and_no_pairings(fake):  # noqa: F811
    at = start(city="包头市", map_tasks="overdue")
    assert at.segmented_control(key="map_tasks").value == "overdue"
    assert "pairings" not in at.pills(key="map_city_layers").value
    assert tags(fake.map) == len(expected_places(BAOTOU, NEWEST)) == 5
    assert "rd-pairing" not in fake.map.get_root().render()
    assert "督办：有未办结的调度会议定事项" in legend_text(at)
    # the task table holds the overdue sites only
    flags = next(d.value for d in at.dataframe if "提示" in d.value.columns)["提示"]
    assert len(flags) > 0 and flags.str.startswith("⚠").all()


def test_yuanhui_tags_and_pairings_by_default(fake):  # noqa: F811
    at = start(**YUANHUI_QUERY)
    assert "pairings" in at.pills(key="map_layers").value
    assert tags(fake.map) == len(expected_places(YUANHUI, NEWEST)) == 4
    assert at.segmented_control(key="map_tasks").value == "all"
