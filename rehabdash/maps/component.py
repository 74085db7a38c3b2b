"""The map on the page: an offline folium map rendered into the Streamlit page by streamlit-folium,
sending back the reader's clicks; and one map per input for the whole process.

Building a folium map and rendering it (jinja templates, then streamlit-folium's regular expressions
over the script) is most of a map page's run (bench/profile.py). A map is a pure function of its
inputs, so `shared_map` builds each distinct input once per process, and `show_map` renders such a
shared map once and sends the same script, header and HTML on every later run and session.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

import folium
import streamlit as st
import streamlit_folium
from streamlit_folium import st_folium

from rehabdash.kernel import memo
from rehabdash.maps import assets, mapkit, st_folium_private
from rehabdash.maps.mapkit import OfflineMap, asset_base_url, make_offline
from rehabdash.store import boundaries

# What st_folium sends back by default: clicks only, so panning and zooming do not rerun the page.
CLICK_OBJECTS = ("last_clicked", "last_object_clicked", "last_object_clicked_tooltip",
                 "last_object_clicked_popup")

_maps = memo.store(48)  # a city's map is up to ~1 MB of script: keep a few dozen

# streamlit-folium sets its map's box to the ``height`` asked for, in pixels; a page that sizes the
# frame in CSS (a projector screen, the wall) has the map fill the frame instead.
FILL_FRAME_CSS = ("html, body { margin: 0; height: 100%; overflow: hidden; } "
                  "#map_div, #map_div2 { height: 100vh !important; }")


def shared_map(build: Callable[..., OfflineMap | None], *args: Any, **kwargs: Any) -> OfflineMap | None:
    """``build(*args, **kwargs)``, once per distinct input for the whole process (kernel.memo keys the
    arguments by content; the boundary files' versions, the operator's settings and the asset URL are
    part of the key). Every caller gets the same map object: give it to `show_map`, read it
    (``latlng``), never add to it. Arguments without a fingerprint (a lambda) build a new map."""
    try:
        key = (build, memo.settings(), boundaries.version(), asset_base_url(),
               memo.fingerprint(args), memo.fingerprint(kwargs))
    except memo.Unkeyable:
        return build(*args, **kwargs)

    def built():
        m = build(*args, **kwargs)
        if m is not None:
            m._rehab_shared = _Rendering()
        return m

    return _maps.get_or_compute(key, built)


class _Rendering:
    """A shared map's rendered payload (made once, under the lock) and its component keys."""

    def __init__(self):
        self.lock = threading.Lock()
        self.payload: dict | None = None
        self.keys: dict = {}


def _render_once(m: folium.Map, state: _Rendering) -> dict:
    with state.lock:
        if state.payload is None:
            make_offline(m)
            state.payload = st_folium_private.render(m)
    return state.payload


def _attached_script(m: folium.Map, state: _Rendering, element, make) -> str:
    """streamlit-folium's script of a feature group or layer control for the map. Making it adds the
    element to the map; a shared map gets it taken off again, so the next run starts from the same map."""
    with state.lock:
        try:
            return make(element, m)
        finally:
            for name, child in list(m._children.items()):
                if child is element:
                    del m._children[name]


def _show_shared(m: folium.Map, state: _Rendering, key: str, *, feature_group_to_add=None,
                 layer_control=None, return_on_hover: bool = False, fill: bool = False, **kwargs):
    """st_folium's call of its component for a map rendered once (same arguments, see _render_once)."""
    payload = _render_once(m, state)
    if fill:
        payload = {**payload, "header": payload["header"] + f"<style>{FILL_FRAME_CSS}</style>"}
    feature_group = None
    if feature_group_to_add is not None:
        groups = [feature_group_to_add] if isinstance(feature_group_to_add, folium.FeatureGroup) \
            else feature_group_to_add
        feature_group = "".join(
            _attached_script(m, state, group,
                             lambda g, mm, i=i: st_folium_private.feature_group_script(g, mm, i))
            for i, group in enumerate(groups))
    control = None
    if layer_control is not None:
        control = _attached_script(m, state, layer_control, st_folium_private.layer_control_script)
    with state.lock:
        hash_key = state.keys.get((key, return_on_hover))
        if hash_key is None:
            hash_key = state.keys[(key, return_on_hover)] = st_folium_private.component_key(
                payload["script"], key, return_on_hover)
    return st_folium_private.send(payload, key=key, hash_key=hash_key, feature_group=feature_group,
                                  layer_control=control, return_on_hover=return_on_hover, **kwargs)


def show_map(
    m: folium.Map,
    key: str,
    *,
    height: int = 560,
    returned_objects: Iterable[str] | None = CLICK_OBJECTS,
    use_container_width: bool = True,
    fill: bool = False,
    **kwargs: Any,
):
    """Render ``m`` with streamlit-folium and return what ``st_folium`` returns (a dict).

    By default only clicks are sent back (``CLICK_OBJECTS``); pass ``returned_objects=None`` for
    everything (bounds, zoom, center: every pan then reruns the page). Other keyword arguments
    (``zoom``, ``center``, ``feature_group_to_add``, ``layer_control``, ``on_change`` ...) go to
    ``st_folium``. A map from `shared_map` is rendered once, the first time it is shown, and its
    component gets the same arguments st_folium would give it; tests that replace ``st_folium``
    get every map, shared or not. ``fill``: the map fills its frame whatever height the page's CSS
    gives it (``height`` is then only the frame's height before that CSS applies)."""
    _warn_if_assets_missing()
    returned = list(returned_objects) if returned_objects is not None else None
    state = getattr(m, "_rehab_shared", None)
    if isinstance(state, _Rendering) and st_folium is streamlit_folium.st_folium and not kwargs.get("debug"):
        width = None if use_container_width else kwargs.pop("width", 500)
        kwargs.pop("width", None)
        return _show_shared(m, state, key, height=height, width=width, returned_objects=returned, fill=fill,
                            **kwargs)
    if fill:  # a map of this call only: its own header may take the style
        mapkit.add_style(m, FILL_FRAME_CSS, "rd_fill_frame")
    make_offline(m)
    return st_folium(
        m,
        key=key,
        height=height,
        returned_objects=returned,
        use_container_width=use_container_width,
        # st_folium renders the map itself in any case; render=True adds a full-page render of the
        # same map first, whose output it does not use (same payload, a third less time).
        render=False,
        **kwargs,
    )


def _warn_if_assets_missing() -> None:
    if os.environ.get("REHAB_ASSET_BASE_URL"):
        return  # served from elsewhere: nothing local to check
    lacking = assets.missing()
    if lacking:
        st.warning(
            "地图前端资源未安装，地图将无法显示：请在项目目录运行 `python -m rehabdash.maps.assets`。\n\n"
            f"Map assets not installed ({', '.join(lacking)}); run `python -m rehabdash.maps.assets`."
        )
