"""Maps built and rendered once per input (component.shared_map, issue 20).

A shared map is one object for equal inputs; show_map renders it once and sends its component exactly
what streamlit-folium's st_folium sends for a freshly built map of the same inputs (folium's random
element ids aside), selection ring and focus included, and leaves the shared map as it was."""
from __future__ import annotations

import re

import pytest
import streamlit_folium

from rehabdash.kernel import memo
from rehabdash.maps import component
from rehabdash.maps import facility_map as fmap
from rehabdash.store import boundaries
from rehabdash.topics import facility_map as fm

from .test_facility_map import load

_IDS = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    for name in ("REHAB_BASEMAP", "REHAB_TIANDITU_KEY", "REHAB_TILE_URL", "REHAB_TILE_DATUM",
                 "REHAB_ASSET_BASE_URL", "REHAB_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    memo.clear()


def sent_by(monkeypatch, show) -> dict:
    """The arguments the map component gets from `show()` (st_folium's own code, up to the frontend)."""
    sent = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: sent.update(kw))
    monkeypatch.setattr(component, "st_folium", streamlit_folium.st_folium)
    show()
    return sent


def comparable(args: dict) -> dict:
    out = {k: v for k, v in args.items() if k != "on_change"}
    for k in ("script", "header", "html", "id", "feature_group"):
        if out.get(k):
            out[k] = _IDS.sub("ID", out[k])
    return out


def test_equal_inputs_share_one_map_other_inputs_build_another():
    _, data = load()
    first = component.shared_map(fmap.build_map, data, fm.View(), "zh")
    _, again = load()  # equal content, other frames
    assert component.shared_map(fmap.build_map, again, fm.View(), "zh") is first
    assert component.shared_map(fmap.build_map, data, fm.View(tiers=("township_station",)), "zh") is not first
    assert component.shared_map(fmap.build_map, data, fm.View(), "en") is not first
    assert component.shared_map(lambda: fmap.build_map(data, fm.View(), "zh")) is not first  # no key: built anew


def test_new_boundary_files_draw_a_new_map(monkeypatch):
    _, data = load()
    first = component.shared_map(fmap.build_map, data, fm.View(), "zh")
    real = boundaries.version()
    monkeypatch.setattr(boundaries, "version", lambda: (*real, ("imported", "x", 1)))
    assert component.shared_map(fmap.build_map, data, fm.View(), "zh") is not first


@pytest.mark.parametrize("selected", [False, True])
def test_a_shared_map_sends_what_st_folium_sends(monkeypatch, selected):
    _, data = load()
    shown = fm.shown_facilities(data, fm.View())

    def extra(m):
        if not selected:
            return {}
        chosen = shown.iloc[3]
        return {"feature_group_to_add": fmap.selection_ring(m, chosen),
                "center": m.latlng(chosen["lon"], chosen["lat"]), "zoom": 14}

    fresh = fmap.build_map(data, fm.View(), "zh")
    expected = sent_by(monkeypatch, lambda: component.show_map(
        fresh, "facility_map", returned_objects=fmap.FACILITY_CLICKS, **extra(fresh)))
    shared = component.shared_map(fmap.build_map, data, fm.View(), "zh")
    children = list(shared._children)
    for _ in range(2):  # the second time from the rendered payload
        got = sent_by(monkeypatch, lambda: component.show_map(
            shared, "facility_map", returned_objects=fmap.FACILITY_CLICKS, **extra(shared)))
        assert comparable(got) == comparable(expected)
        assert list(shared._children) == children  # the ring was not left on the shared map
    assert ("rd-selected" in (got["feature_group"] or "")) is selected


def test_a_patched_st_folium_still_gets_the_shared_map(monkeypatch):
    seen = []
    monkeypatch.setattr(component, "st_folium", lambda m, **kw: seen.append(m) or {})
    _, data = load()
    shared = component.shared_map(fmap.build_map, data, fm.View(), "zh")
    component.show_map(shared, "k")
    assert seen == [shared]
