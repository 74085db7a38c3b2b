"""st_folium's own steps, taken one by one, for a map rendered once (`component.shared_map`).

Pinned: streamlit-folium==0.27.4 (requirements.txt). This is the one module that calls its private
functions; tests/test_st_folium_private.py fails when their signatures or their source (or
st_folium's, which this module follows) change, and tests/test_map_cache.py checks that what is
sent here is what st_folium sends.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import folium
import folium.elements
import streamlit as st
import streamlit_folium as sf

from rehabdash.maps.mapkit import walk

PINNED_VERSION = "0.27.4"

# Why private calls: st_folium, the public API, renders the map on every call (folium's templates,
# then regular expressions over up to ~1 MB of script: most of a map page's run) and takes no map
# rendered before. A shared map is rendered once per process and its payload sent on every rerun,
# so st_folium's steps are called here as st_folium 0.27.4 calls them.


def render(m: folium.Map) -> dict:
    """What st_folium sends of the map itself: its script, header and HTML, id, bounds and zoom, and
    the asset links (the map must be made offline first: `mapkit.make_offline` refuses colormaps,
    for which st_folium would add d3 from a CDN)."""
    m.render()
    html, header = sf._get_html(m), sf._get_header(m)
    script = sf._get_map_string(m)
    css_links: list[str] = []
    js_links: list[str] = []
    for element in walk(m):
        if isinstance(element, folium.elements.JSCSSMixin):
            css_links.extend(href for _, href in element.default_css)
            js_links.extend(src for _, src in element.default_js)
    try:
        bounds = m.get_bounds()
    except AttributeError:
        bounds = [[None, None], [None, None]]
    return {"script": script, "header": header, "html": html, "id": sf.get_full_id(m),
            "bounds": bounds, "zoom": m.options.get("zoom"),
            "css_links": list(dict.fromkeys(css_links)), "js_links": list(dict.fromkeys(js_links))}


def feature_group_script(group: folium.FeatureGroup, m: folium.Map, index: int) -> str:
    """The script of ``feature_group_to_add`` number ``index`` (adds the group to ``m``)."""
    return sf._get_feature_group_string(group, map=m, idx=index)


def layer_control_script(control: folium.LayerControl, m: folium.Map) -> str:
    """The script of ``layer_control`` (adds the control to ``m``)."""
    return sf._get_layer_control_string(control, m)


def component_key(script: str, key: str | None, return_on_hover: bool) -> str:
    """The key st_folium gives its component: a hash of the script without folium's random ids."""
    return sf.generate_js_hash(script, key, return_on_hover)


def send(payload: dict, *, key: str | None, hash_key: str, height: int, width: int | None,
         returned_objects: Iterable[str] | None, zoom=None, center=None, feature_group: str | None = None,
         return_on_hover: bool = False, layer_control: str | None = None, pixelated: bool = False,
         on_change: Callable | None = None, wrap_longitude: bool = False):
    """st_folium's call of its component with a rendered ``payload``; returns what the map sends back."""
    southwest, northeast = payload["bounds"]
    every = {
        "last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None, "last_object_clicked_popup": None, "all_drawings": None,
        "last_active_drawing": None,
        "bounds": {"_southWest": {"lat": southwest[0], "lng": southwest[1]},
                   "_northEast": {"lat": northeast[0], "lng": northeast[1]}},
        "zoom": payload["zoom"], "last_circle_radius": None, "last_circle_polygon": None,
        "selected_layers": None, "selected_tags": None, "last_geocoder_result": None,
    }
    defaults = {k: v for k, v in every.items() if returned_objects is None or k in returned_objects}

    def _on_change():
        if key is not None:
            st.session_state[key] = st.session_state.get(hash_key, {})
        if on_change is not None:
            on_change()

    return sf._component_func(
        script=payload["script"], header=payload["header"], html=payload["html"], id=payload["id"],
        key=hash_key, height=height, width=width, returned_objects=returned_objects, default=defaults,
        zoom=zoom, center=center, feature_group=feature_group, return_on_hover=return_on_hover,
        layer_control=layer_control, pixelated=pixelated, css_links=payload["css_links"],
        js_links=payload["js_links"], on_change=_on_change, wrap_longitude=wrap_longitude,
    )
