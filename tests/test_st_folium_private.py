"""streamlit-folium's private functions, as rehabdash/maps/st_folium_private.py calls them (pinned).

A shared map is rendered once and sent through st_folium's own steps, private functions of
streamlit-folium 0.27.4. These tests fail loudly when an upgrade changes them: the version, their
signatures, the source they are (and st_folium is) made of, and what they do to a small map.
tests/test_map_cache.py checks the whole: a shared map sends what st_folium sends.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import re
from pathlib import Path

import folium
import pytest
import streamlit_folium

from rehabdash.maps import mapkit, st_folium_private

PROJECT = Path(__file__).resolve().parent.parent

UPGRADE = ("streamlit-folium changed under rehabdash/maps/st_folium_private.py, which calls its private "
           "functions: read the new st_folium, bring that module in step with it (tests/test_map_cache.py "
           "must pass), then record the new values here")

# What st_folium_private calls, with the signatures of 0.27.4.
SIGNATURES = {
    "_get_html": "(fig: 'folium.MacroElement') -> 'str'",
    "_get_header": "(fig: 'folium.MacroElement') -> 'str'",
    "_get_map_string": "(fig: 'folium.Map') -> 'str'",
    "_get_feature_group_string":
        "(feature_group_to_add: 'folium.FeatureGroup', map: 'folium.Map', idx: 'int' = 0) -> 'str'",
    "_get_layer_control_string": "(control: 'folium.LayerControl', map: 'folium.Map') -> 'str'",
    "generate_js_hash": "(js_string: 'str', key: 'str | None' = None, return_on_hover: 'bool' = False) -> 'str'",
    "get_full_id": "(m: 'folium.MacroElement') -> 'str'",
}
# SHA-256 of streamlit_folium/__init__.py 0.27.4: st_folium (whose steps the module follows) and every
# helper its private functions call.
SOURCE_SHA256 = "8460b0bf417873462cf874cc04f3ca4dc3db0bf72de25c0b951042be935e32fe"


def test_the_pinned_version_is_the_installed_one():
    pinned = re.search(r"^streamlit-folium==(\S+)$", (PROJECT / "requirements.txt").read_text(), re.M)
    assert pinned and pinned.group(1) == st_folium_private.PINNED_VERSION, UPGRADE
    assert importlib.metadata.version("streamlit-folium") == st_folium_private.PINNED_VERSION, UPGRADE


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_the_private_functions_keep_their_signatures(name):
    assert hasattr(streamlit_folium, name), f"streamlit_folium.{name} is gone. {UPGRADE}"
    assert str(inspect.signature(getattr(streamlit_folium, name))) == SIGNATURES[name], UPGRADE


def test_the_component_is_the_one_st_folium_declares():
    component = streamlit_folium._component_func
    assert component.name == "streamlit_folium.st_folium", UPGRADE
    assert Path(component.path) == Path(streamlit_folium.__file__).parent / "frontend" / "build", UPGRADE


def test_the_source_is_the_one_the_module_follows():
    source = Path(inspect.getfile(streamlit_folium)).read_bytes()
    assert hashlib.sha256(source).hexdigest() == SOURCE_SHA256, UPGRADE


def test_what_the_private_steps_make_of_a_map():
    """What st_folium_private relies on, seen on a small offline map: the header without script files,
    everything named after the frontend's map_div, and the added group's and control's scripts."""
    m = mapkit.base_map((109.27, 40.24, 111.44, 42.74))
    folium.CircleMarker([41.0, 110.0], radius=4).add_to(m)
    mapkit.make_offline(m)
    payload = st_folium_private.render(m)
    map_id = streamlit_folium.get_full_id(m)
    assert map_id == f"map_{m._id}" and payload["id"] == map_id, UPGRADE
    assert "<script src" not in payload["header"] and "leaflet.css" not in payload["header"], UPGRADE
    assert "var map_div = L.map(" in payload["script"] and "L.circleMarker(" in payload["script"], UPGRADE
    # every JS file of the map's elements, in order: Leaflet, then the maps' own script (mapkit.map_script_url)
    map_script = Path(__file__).parents[1] / "static" / "map" / "rehab-map.js"
    assert payload["js_links"] == ["/app/static/vendor/leaflet/leaflet.js", "/app/static/map/rehab-map.js?v="
                                   + hashlib.sha256(map_script.read_bytes()).hexdigest()[:12]], UPGRADE
    group = folium.FeatureGroup(name="g")
    folium.CircleMarker([41.2, 110.1], radius=3).add_to(group)
    script = st_folium_private.feature_group_script(group, m, 1)
    assert "map_div.addLayer(feature_group_feature_group_1);" in script, UPGRADE
    control = st_folium_private.layer_control_script(folium.LayerControl(), m)
    assert "window.layer_control = layer_control_layer_control;" in control, UPGRADE
