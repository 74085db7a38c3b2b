"""Offline map building: folium maps whose every JS/CSS asset is served by the app itself.

folium's defaults load Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from public
CDNs; on an intranet the map then stays blank. Maps made here load only Leaflet, from
``/app/static/vendor/leaflet/`` (installed by ``python -m rehabdash.maps.assets``, served by Streamlit
with ``[server] enableStaticServing = true``). Draw with Leaflet-only layers: CircleMarker,
Polygon, PolyLine, GeoJson (+ GeoJsonTooltip/GeoJsonPopup), Marker with the default icon or a
DivIcon, Tooltip, Popup, FeatureGroup, LayerControl. ``folium.Popup`` normally needs jQuery; its
template is swapped here for a jQuery-free one. What would still reach for a CDN (folium.Icon's
awesome-markers, branca colormaps' d3, ``keep_in_front``, folium plugins) is refused with
:class:`OfflineMapError` when the map is rendered, rather than failing silently in the browser.

Coordinates in the data are WGS-84 (lon, lat). The map's ``datum`` follows the tile base: GCJ-02
for 高德 AMap (and a custom GCJ-02 tile server), WGS-84 otherwise. Always place things through the
map, ``m.latlng(lon, lat)`` / ``m.project_geojson(gj)`` (or :func:`add_boundaries`), and they land
right on every base.

streamlit-folium (0.27.4) renders the map in its own iframe: ``st_folium`` strips every
``<script src>``/``<link rel=stylesheet>`` from the rendered header and instead passes the
``default_js``/``default_css`` URLs of every folium element to its frontend, which appends them to
the iframe page. Its frontend bundle carries no Leaflet of its own (React, underscore and
streamlit-component-lib only), so the Leaflet it runs is exactly the one these maps name.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import folium
import folium.elements
import shapely
import streamlit_folium
from branca.colormap import ColorMap
from branca.element import Element, MacroElement
from folium.template import Template
from shapely.geometry import mapping, shape
from streamlit_folium import st_folium

from rehabdash.kernel import memo, safe_text
from rehabdash.store import boundaries
from rehabdash.kernel.errors import (  # noqa: F401 (raised and named here)
    MapConfigError,
    OfflineMapError,
)

BASEMAPS = ("none", "osm", "tianditu", "amap", "custom")
WGS84, GCJ02 = "wgs84", "gcj02"

# What st_folium sends back by default: clicks only, so panning and zooming do not rerun the page.
CLICK_OBJECTS = ("last_clicked", "last_object_clicked", "last_object_clicked_tooltip",
                 "last_object_clicked_popup")

BACKGROUND = "#f3f5f8"  # the plain light background shown where no tiles are drawn

TIANDITU_URL = "https://t{s}.tianditu.gov.cn/DataServer?T=%s&x={x}&y={y}&l={z}&tk=%s"
AMAP_URL = ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
            "&x={x}&y={y}&z={z}")
OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


# ---------------------------------------------------------------------------- assets

def asset_base_url() -> str:
    """URL prefix of the vendored assets: ``REHAB_ASSET_BASE_URL`` if set, else
    ``/app/static/vendor`` below Streamlit's ``server.baseUrlPath``."""
    override = os.environ.get("REHAB_ASSET_BASE_URL")
    if override:
        return override.rstrip("/")
    base = ""
    try:
        from streamlit import config as st_config

        base = (st_config.get_option("server.baseUrlPath") or "").strip("/")
    except Exception:  # noqa: BLE001 - streamlit config unavailable: use the root
        base = ""
    return ("/" + base if base else "") + "/app/static/vendor"


def offline_js() -> list[tuple[str, str]]:
    return [("leaflet", f"{asset_base_url()}/leaflet/leaflet.js")]


def offline_css() -> list[tuple[str, str]]:
    return [("leaflet_css", f"{asset_base_url()}/leaflet/leaflet.css")]


# ---------------------------------------------------------------------------- datums

def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 → GCJ-02 (高德/AMap). Points outside China are returned unchanged."""
    import coordTransform  # PyPI coordtransform==0.2.1 (MIT)

    x, y = coordTransform.wgs84_to_gcj02(float(lon), float(lat))
    return float(x), float(y)


def _identity(lon: float, lat: float) -> tuple[float, float]:
    return float(lon), float(lat)


def transform_for(datum: str) -> Callable[[float, float], tuple[float, float]]:
    """The (lon, lat) → (lon, lat) function taking WGS-84 data to ``datum`` ('wgs84'/'gcj02')."""
    if datum == WGS84:
        return _identity
    if datum == GCJ02:
        return wgs84_to_gcj02
    raise MapConfigError("tile_datum", datum=datum)


def project_geojson(geojson: dict, datum: str) -> dict:
    """A copy of a WGS-84 GeoJSON Feature/FeatureCollection/geometry in ``datum``."""
    if datum == WGS84:
        return geojson
    fn = transform_for(datum)

    def geom(g: dict | None) -> dict | None:
        if not g:
            return g
        moved = shapely.transform(shape(g), lambda xy: [fn(x, y) for x, y in xy])
        return mapping(moved)

    kind = geojson.get("type")
    if kind == "FeatureCollection":
        return {**geojson, "features": [project_geojson(f, datum) for f in geojson["features"]]}
    if kind == "Feature":
        return {**geojson, "geometry": geom(geojson.get("geometry"))}
    return geom(geojson)


# ---------------------------------------------------------------------------- tile bases

def _tile_layers(basemap: str) -> tuple[str, list[folium.TileLayer]]:
    """(datum, tile layers) of a tile base."""
    if basemap == "none":
        return WGS84, []
    if basemap == "osm":
        return WGS84, [folium.TileLayer(OSM_URL, name="OpenStreetMap", max_zoom=19,
                                        attr="© OpenStreetMap contributors", control=False)]
    if basemap == "tianditu":
        key = os.environ.get("REHAB_TIANDITU_KEY", "").strip()
        if not key:
            raise MapConfigError("tianditu_key")
        attr = "天地图 Tianditu © 国家地理信息公共服务平台"
        return WGS84, [  # CGCS2000 tiles: no shift from WGS-84
            folium.TileLayer(TIANDITU_URL % ("vec_w", key), name="天地图矢量", attr=attr,
                             subdomains="01234567", max_zoom=18, control=False),
            folium.TileLayer(TIANDITU_URL % ("cva_w", key), name="天地图注记", attr=attr,
                             subdomains="01234567", max_zoom=18, overlay=True, control=False),
        ]
    if basemap == "amap":
        return GCJ02, [folium.TileLayer(AMAP_URL, name="高德地图", attr="© 高德地图 AutoNavi",
                                        subdomains="1234", max_zoom=18, control=False)]
    if basemap == "custom":
        url = os.environ.get("REHAB_TILE_URL", "").strip()
        datum = os.environ.get("REHAB_TILE_DATUM", WGS84).strip().lower() or WGS84
        if not url:
            raise MapConfigError("tile_url")
        if datum not in (WGS84, GCJ02):
            raise MapConfigError("tile_datum", datum=datum)
        attr = os.environ.get("REHAB_TILE_ATTRIBUTION", "").strip() or "内部瓦片 internal tiles"
        return datum, [folium.TileLayer(url, name="底图", attr=attr, control=False)]
    raise MapConfigError("unknown_basemap", basemap=basemap, choices=", ".join(BASEMAPS))


def configured_basemap() -> str:
    """The tile base an operator chose with ``REHAB_BASEMAP`` (default ``none``)."""
    return os.environ.get("REHAB_BASEMAP", "none").strip().lower() or "none"


# ---------------------------------------------------------------------------- the map

# folium 0.20's Popup template with jQuery's $(html)[0] replaced by a <template> element, and the
# HTML passed as a JSON string instead of inside a JS template literal (where ${...} would run).
# The HTML itself is still markup: whatever comes from data goes in through safe_text.html_text.
_HTML_TO_NODE = ("(function(h){var t=document.createElement('template');t.innerHTML=h.trim();"
                 "return t.content.firstElementChild||document.createTextNode(h);})")
_POPUP_TEMPLATE = Template(
    """
        var {{this.get_name()}} = L.popup({{ this.options|tojavascript }});

        {% for name, element in this.html._children.items() %}
            {% if this.lazy %}
                {{ this._parent.get_name() }}.once('click', function() {
                    {{ this.get_name() }}.setContent(""" + _HTML_TO_NODE + """({{ element.render(**kwargs)|tojson }}));
                });
            {% else %}
                var {{ name }} = """ + _HTML_TO_NODE + """({{ element.render(**kwargs)|tojson }});
                {{ this.get_name() }}.setContent({{ name }});
            {% endif %}
        {% endfor %}

        {{ this._parent.get_name() }}.bindPopup({{ this.get_name() }})
        {% if this.show %}.openPopup(){% endif %};

        {% for name, element in this.script._children.items() %}
            {{element.render()}}
        {% endfor %}
    """
)


def _walk(element: Any):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def _is_local(url: str) -> bool:
    return not url.lower().startswith(("http://", "https://", "//"))


def make_offline(m: folium.Map) -> folium.Map:
    """Make a map safe to render offline, in place: point the map at the vendored assets, swap
    folium.Popup for the jQuery-free template, and raise :class:`OfflineMapError` naming whatever
    would still load from the internet."""
    problems: list[str] = []
    for el in _walk(m):
        if isinstance(el, folium.Map):
            el.default_js, el.default_css = offline_js(), offline_css()
            if el.objects_to_stay_in_front:
                problems.append("Map.keep_in_front (needs jQuery): order layers with panes instead")
        elif isinstance(el, folium.Popup):
            el._template = _POPUP_TEMPLATE
        elif isinstance(el, folium.Icon):
            problems.append("folium.Icon (awesome-markers + Font Awesome from a CDN): use "
                            "CircleMarker, a DivIcon or Marker's default icon")
        elif isinstance(el, ColorMap):
            problems.append("branca colormap (d3 from a CDN): draw the legend in Streamlit")
        elif isinstance(el, folium.GeoJson) and not el.embed:
            problems.append("GeoJson(embed=False) (loads data with jQuery): embed the data")
        if isinstance(el, folium.elements.JSCSSMixin) and not isinstance(el, folium.Map):
            urls = [u for _, u in [*el.default_js, *el.default_css] if not _is_local(u)]
            if urls:
                problems.append(f"{type(el).__name__} loads {', '.join(urls)}")
    if problems:
        raise OfflineMapError(
            "地图含有需要联网加载的组件 / the map holds parts that load from the internet:\n- "
            + "\n- ".join(dict.fromkeys(problems))
        )
    return m


class _IconImagePath(MacroElement):
    """Sets L.Icon.Default.imagePath to the vendored images. Leaflet otherwise guesses it from
    leaflet.css, which inside st_folium's iframe is not applied yet when the map script runs, and
    its fallback guess drops the images/ folder (requests .../leafletmarker-icon.png: 404)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.Icon.Default.imagePath = {{ this.path|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "IconImagePath"

    @property
    def path(self) -> str:
        return f"{asset_base_url()}/leaflet/images/"


class _FocusWithoutScroll(MacroElement):
    """Leaflet focuses the map on mousedown (for its keyboard handler) and only restores the scroll
    of its own window. Inside st_folium's iframe that focus scrolls the Streamlit page when the map
    is partly out of view, so the mouseup lands somewhere else and the click is lost. Focus with
    preventScroll instead; Tab still focuses the map and scrolls it into view as usual."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (box) {
                var focus = box.focus;
                box.focus = function (options) {
                    focus.call(box, Object.assign({preventScroll: true}, options || {}));
                };
            })({{ this._parent.get_name() }}.getContainer());
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "FocusWithoutScroll"


class _NamedMarkers(MacroElement):
    """Leaflet makes every marker icon a focusable role="button" without a name, so a screen reader
    says only "button". Name each one after its tooltip (its own, or its layer group's, as GeoJson
    layers bind it), once the script that binds the tooltips has run. The name is read as text:
    never through innerHTML of a live element, where a name holding <img onerror> would run."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.on("layeradd", function (event) {
                var layer = event.layer;
                setTimeout(function () {
                    if (!layer._icon || layer._icon.getAttribute("aria-label")) return;
                    var owners = [layer].concat(Object.values(layer._eventParents || {}));
                    var owner = owners.find(function (o) { return o.getTooltip && o.getTooltip(); });
                    if (!owner) return;
                    var content = owner.getTooltip()._content;
                    if (typeof content === "function") content = content(layer);
                    var name;
                    if (content instanceof HTMLElement) {  // a TextTooltip: its lines' text
                        name = Array.from(content.childNodes).map(function (n) { return n.textContent; }).join(" ");
                    } else {  // parsed in an inert document: no script runs, no image loads
                        var inert = new DOMParser().parseFromString(String(content), "text/html");
                        name = inert.body.textContent;
                    }
                    layer._icon.setAttribute("aria-label", name.replace(/\\s+/g, " ").trim());
                }, 0);
            });
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "NamedMarkers"


class TextTooltip(MacroElement):
    """A tooltip whose every line is put into the page as a text node: nothing from the data is ever
    HTML or script. folium's GeoJsonTooltip writes property values into ``innerHTML`` and
    folium.Tooltip splices its text into a JavaScript template literal (``${...}`` runs there, and
    ``html.escape`` does not stop it); this one gets its text as JSON data.

    On a GeoJson layer give ``fields``: one line per property of the hovered feature (a property
    holding a list gives a line per item). On a single marker give ``lines``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindTooltip(function (layer) {
                var fields = {{ this.fields_json }}, fixed = {{ this.lines_json }};
                var props = (layer && layer.feature && layer.feature.properties) || {};
                var lines = fixed || [].concat.apply([], fields.map(function (f) {
                    var v = props[f];
                    return v === null || v === undefined ? [] : [].concat(v);
                }));
                var box = document.createElement("div");
                lines.forEach(function (line) {
                    var row = document.createElement("div");
                    row.textContent = String(line);
                    box.appendChild(row);
                });
                return box;
            }, {{ this.options|tojavascript }});
        {% endmacro %}
        """
    )

    def __init__(self, fields: Sequence[str] | None = None, lines: Sequence[str] | None = None,
                 **options: Any):
        super().__init__()
        self._name = "TextTooltip"
        self.fields_json = safe_text.js_data(list(fields or ()))
        self.lines_json = safe_text.js_data(None if lines is None else [str(x) for x in lines])
        self.options = {"sticky": True, **options}


class OfflineMap(folium.Map):
    """A folium.Map that loads only the vendored Leaflet and knows its datum.

    ``datum`` is what the tiles use; data in WGS-84 goes through :meth:`latlng` /
    :meth:`project_geojson` on its way onto the map."""

    def __init__(self, *args, basemap: str = "none", datum: str = WGS84, **kwargs):
        scale = kwargs.pop("control_scale", False)  # folium's scale shows miles too: ours is metric
        super().__init__(*args, **kwargs)
        self.basemap = basemap
        self.datum = datum
        self.default_js, self.default_css = offline_js(), offline_css()
        add_style(self, f"div.leaflet-container {{ background: {BACKGROUND}; }}", "rehab_background")
        self.add_child(_IconImagePath())  # first child: runs before any marker is made
        self.add_child(_FocusWithoutScroll())
        self.add_child(_NamedMarkers())
        from rehabdash.maps.controls import (
            BoardChrome,  # no flag prefix; metric scale (issue 18)
        )

        self.add_child(BoardChrome(scale=scale))

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """WGS-84 (lon, lat) → (lon, lat) in the map's datum."""
        return transform_for(self.datum)(lon, lat)

    def latlng(self, lon: float, lat: float) -> list[float]:
        """WGS-84 (lon, lat) → folium's [lat, lon] in the map's datum."""
        x, y = self.project(lon, lat)
        return [y, x]

    def project_geojson(self, geojson: dict) -> dict:
        return project_geojson(geojson, self.datum)

    def render(self, **kwargs):
        make_offline(self)
        super().render(**kwargs)


def add_style(m: folium.Map, css: str, name: str) -> None:
    """Put a ``<style>`` block into the map page's header (st_folium keeps inline styles; it drops
    only linked stylesheets and script files). ``name`` makes adding the same block twice harmless."""
    m.get_root().header.add_child(Element(f"<style>{css}</style>"), name=name)


def bounds_of(geojson: dict) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a GeoJSON FeatureCollection/Feature/geometry."""
    if geojson.get("type") == "FeatureCollection":
        geoms = [shape(f["geometry"]) for f in geojson["features"] if f.get("geometry")]
    elif geojson.get("type") == "Feature":
        geoms = [shape(geojson["geometry"])]
    else:
        geoms = [shape(geojson)]
    if not geoms:
        return (float("nan"),) * 4  # type: ignore[return-value]
    boxes = shapely.bounds(geoms)  # per geometry; no union needed for the box around them all
    return (float(boxes[:, 0].min()), float(boxes[:, 1].min()), float(boxes[:, 2].max()),
            float(boxes[:, 3].max()))


def base_map(
    bounds: Sequence[float],
    basemap: str = "none",
    *,
    control_scale: bool = True,
    **map_kwargs: Any,
) -> OfflineMap:
    """An offline folium map fitted to ``bounds`` = (min_lon, min_lat, max_lon, max_lat), WGS-84.

    ``basemap``: ``none`` (no tiles: boundaries on a plain light background; works anywhere),
    ``osm``, ``tianditu`` (vec_w + cva_w, key from ``REHAB_TIANDITU_KEY``), ``amap`` (GCJ-02:
    the map's ``datum`` becomes gcj02) or ``custom`` (``REHAB_TILE_URL``, datum from
    ``REHAB_TILE_DATUM`` = wgs84|gcj02, optional ``REHAB_TILE_ATTRIBUTION``).
    Extra keyword arguments go to folium.Map (e.g. ``prefer_canvas=True``, ``min_zoom``)."""
    basemap = (basemap or "none").strip().lower()
    datum, layers = _tile_layers(basemap)
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in bounds)
    fn = transform_for(datum)
    (x0, y0), (x1, y1) = fn(min_lon, min_lat), fn(max_lon, max_lat)
    map_kwargs.setdefault("zoom_start", 9)
    m = OfflineMap(
        location=[(y0 + y1) / 2, (x0 + x1) / 2],
        tiles=None,
        control_scale=control_scale,
        basemap=basemap,
        datum=datum,
        **map_kwargs,
    )
    # Fit at once, then add the tiles. Leaflet animates a fitBounds on a loaded map, and tiles added
    # during the animation first fetch a screenful at zoom_start that the fitted view throws away.
    fit = folium.map.FitBounds([[y0, x0], [y1, x1]])
    fit.options["animate"] = False
    m.add_child(fit)
    for layer in layers:
        layer.add_to(m)
    return m


DISTRICT_STYLE = {"color": "#3b5b92", "weight": 2, "fillColor": "#dfe7f2", "fillOpacity": 0.35}
TOWNSHIP_STYLE = {"color": "#7d8fa9", "weight": 1, "dashArray": "4 3", "fill": False}


def add_geojson(
    m: OfflineMap,
    geojson: dict,
    *,
    name: str,
    style: dict | Callable[[dict], dict],
    tooltip_fields: Iterable[str] = ("name",),
    marker: folium.CircleMarker | folium.Marker | None = None,
    to: folium.Map | folium.FeatureGroup | None = None,
) -> folium.GeoJson | None:
    """Add a WGS-84 FeatureCollection (converted to the map's datum) as ONE GeoJson layer, however
    many features it holds: the way to draw thousands of points without a folium object each.

    ``style`` is one style for every feature, or a function of the feature (folium embeds its
    results as a lookup by feature id, so give features unique ``id``s). Points are drawn as
    ``marker`` (a CircleMarker, or a Marker with a DivIcon); a style function's result is merged
    into the marker's options (CircleMarker: radius, colours, className; DivIcon: className, html).
    ``tooltip_fields`` are shown one per line, without labels, as text (:class:`TextTooltip`). An empty collection adds nothing
    (folium cannot style an empty layer) and returns None."""
    if geojson.get("type") == "FeatureCollection" and not geojson.get("features"):
        return None
    style_function = style if callable(style) else (lambda _feature, fixed=dict(style): fixed)
    fields = list(tooltip_fields)
    layer = folium.GeoJson(
        m.project_geojson(geojson),
        name=name,
        style_function=style_function,
        marker=marker,
    )
    if fields:  # not GeoJsonTooltip: it writes the values into innerHTML
        layer.add_child(TextTooltip(fields=fields))
    layer.add_to(to if to is not None else m)
    return layer


def add_boundaries(
    m: OfflineMap,
    geojson: dict,
    *,
    name: str,
    style: dict | None = None,
    tooltip_fields: Iterable[str] = ("name",),
    to: folium.Map | folium.FeatureGroup | None = None,
) -> folium.GeoJson | None:
    """Add WGS-84 boundary polygons (converted to the map's datum) as a GeoJson layer."""
    return add_geojson(m, geojson, name=name, style=style or DISTRICT_STYLE,
                       tooltip_fields=tooltip_fields, to=to)


# ---------------------------------------------------------------------------- one map per input
# Building a folium map and rendering it (jinja templates, then streamlit-folium's regular
# expressions over the script) is most of a map page's run (bench/profile.py). A map is a pure function
# of its inputs, so `shared_map` builds each distinct input once per process, and `show_map` renders
# such a shared map once and sends the same script, header and HTML on every later run and session.

_maps = memo.store(48)  # a city's map is up to ~1 MB of script: keep a few dozen


def shared_map(build: Callable[..., "OfflineMap | None"], *args: Any, **kwargs: Any) -> "OfflineMap | None":
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
    """What streamlit-folium's st_folium (0.27) sends of the map itself, computed as it does: render
    the map, then its HTML, header and script, its bounds and zoom, and the asset links."""
    sf = streamlit_folium
    with state.lock:
        if state.payload is None:
            make_offline(m)
            m.render()
            html, header = sf._get_html(m), sf._get_header(m)
            script = sf._get_map_string(m)
            css_links: list[str] = []
            js_links: list[str] = []
            for element in _walk(m):  # what st_folium's walk collects (make_offline refuses colormaps)
                if isinstance(element, folium.elements.JSCSSMixin):
                    css_links.extend(href for _, href in element.default_css)
                    js_links.extend(src for _, src in element.default_js)
            try:
                bounds = m.get_bounds()
            except AttributeError:
                bounds = [[None, None], [None, None]]
            state.payload = {"script": script, "header": header, "html": html, "id": sf.get_full_id(m),
                             "bounds": bounds, "zoom": m.options.get("zoom"),
                             "css_links": list(dict.fromkeys(css_links)),
                             "js_links": list(dict.fromkeys(js_links))}
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


def _show_shared(m: folium.Map, state: _Rendering, key: str, *, height: int, width: int | None,
                 returned_objects: list[str] | None, zoom=None, center=None, feature_group_to_add=None,
                 return_on_hover: bool = False, layer_control=None, pixelated: bool = False,
                 on_change: Callable | None = None, wrap_longitude: bool = False):
    """st_folium's call of its component for a map rendered once (same arguments, see _render_once)."""
    sf = streamlit_folium
    payload = _render_once(m, state)
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
    feature_group = None
    if feature_group_to_add is not None:
        groups = [feature_group_to_add] if isinstance(feature_group_to_add, folium.FeatureGroup) \
            else feature_group_to_add
        feature_group = "".join(
            _attached_script(m, state, group, lambda g, mm, i=i: sf._get_feature_group_string(g, map=mm, idx=i))
            for i, group in enumerate(groups))
    control = None
    if layer_control is not None:
        control = _attached_script(m, state, layer_control, lambda c, mm: sf._get_layer_control_string(c, mm))
    with state.lock:
        hash_key = state.keys.get((key, return_on_hover))
        if hash_key is None:
            hash_key = state.keys[(key, return_on_hover)] = sf.generate_js_hash(
                payload["script"], key, return_on_hover)

    def _on_change():
        if key is not None:
            import streamlit as st

            st.session_state[key] = st.session_state.get(hash_key, {})
        if on_change is not None:
            on_change()

    return sf._component_func(
        script=payload["script"], header=payload["header"], html=payload["html"], id=payload["id"],
        key=hash_key, height=height, width=width, returned_objects=returned_objects, default=defaults,
        zoom=zoom, center=center, feature_group=feature_group, return_on_hover=return_on_hover,
        layer_control=control, pixelated=pixelated, css_links=payload["css_links"],
        js_links=payload["js_links"], on_change=_on_change, wrap_longitude=wrap_longitude,
    )


# ---------------------------------------------------------------------------- Streamlit

def show_map(
    m: folium.Map,
    key: str,
    *,
    height: int = 560,
    returned_objects: Iterable[str] | None = CLICK_OBJECTS,
    use_container_width: bool = True,
    **kwargs: Any,
):
    """Render ``m`` with streamlit-folium and return what ``st_folium`` returns (a dict).

    By default only clicks are sent back (``CLICK_OBJECTS``); pass ``returned_objects=None`` for
    everything (bounds, zoom, center: every pan then reruns the page). Other keyword arguments
    (``zoom``, ``center``, ``feature_group_to_add``, ``layer_control``, ``on_change`` ...) go to
    ``st_folium``. A map from `shared_map` is rendered once, the first time it is shown, and its
    component gets the same arguments st_folium would give it; tests that replace ``st_folium``
    get every map, shared or not."""
    _warn_if_assets_missing()
    returned = list(returned_objects) if returned_objects is not None else None
    state = getattr(m, "_rehab_shared", None)
    if isinstance(state, _Rendering) and st_folium is streamlit_folium.st_folium and not kwargs.get("debug"):
        width = None if use_container_width else kwargs.pop("width", 500)
        kwargs.pop("width", None)
        return _show_shared(m, state, key, height=height, width=width, returned_objects=returned, **kwargs)
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
    from rehabdash.maps import assets

    lacking = assets.missing()
    if lacking:
        import streamlit as st

        st.warning(
            "地图前端资源未安装，地图将无法显示：请在项目目录运行 `python -m rehabdash.maps.assets`。\n\n"
            f"Map assets not installed ({', '.join(lacking)}); run `python -m rehabdash.maps.assets`."
        )
