"""The offline map: a folium map whose every JS/CSS asset is served by the app itself, on the tile
base the operator chose, in that base's datum. What is drawn on it is in `rehabdash.maps.layers`;
putting it into the page is `rehabdash.maps.component`.

folium's defaults load Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from public
CDNs; on an intranet the map then stays blank. Maps made here load only Leaflet, from
``/app/static/vendor/leaflet/`` (installed by ``python -m rehabdash.maps.assets``, served by Streamlit
with ``[server] enableStaticServing = true``), and the dashboard's own ``static/map/rehab-map.js``
(`map_script_url`), whose functions the elements of `controls` and `layers` call with their data. Draw with Leaflet-only layers: CircleMarker,
Polygon, PolyLine, GeoJson (+ `layers.TextTooltip`), Marker with the default icon or a DivIcon,
Popup, FeatureGroup, LayerControl. ``folium.Popup`` normally needs jQuery; its template is swapped
here for a jQuery-free one. What would still reach for a CDN (folium.Icon's awesome-markers, branca
colormaps' d3, ``keep_in_front``, folium plugins) is refused with :class:`OfflineMapError` when the
map is rendered, rather than failing silently in the browser.

Coordinates in the data are WGS-84 (lon, lat). The map's ``datum`` follows the tile base: GCJ-02
for 高德 AMap (and a custom GCJ-02 tile server), WGS-84 otherwise. Always place things through the
map, ``m.latlng(lon, lat)`` / ``m.project_geojson(gj)`` (or `layers.add_geojson`), and they land
right on every base.

streamlit-folium (0.27.4) renders the map in its own iframe: ``st_folium`` strips every
``<script src>``/``<link rel=stylesheet>`` from the rendered header and instead passes the
``default_js``/``default_css`` URLs of every folium element to its frontend, which appends them to
the iframe page. Its frontend bundle carries no Leaflet of its own (React, underscore and
streamlit-component-lib only), so the Leaflet it runs is exactly the one these maps name.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import os
from collections.abc import Callable, Sequence
from typing import Any

import folium
import folium.elements
import shapely
from branca.colormap import ColorMap
from branca.element import Element, MacroElement
from folium.template import Template
from shapely.geometry import mapping, shape

from rehabdash.kernel.config import PROJECT_DIR
from rehabdash.kernel.errors import (  # noqa: F401 (raised and named here)
    MapConfigError,
    OfflineMapError,
)

BASEMAPS = ("none", "osm", "tianditu", "amap", "custom")
WGS84, GCJ02 = "wgs84", "gcj02"

BACKGROUND = "#f3f5f8"  # the plain light background shown where no tiles are drawn

TIANDITU_URL = "https://t{s}.tianditu.gov.cn/DataServer?T=%s&x={x}&y={y}&l={z}&tk=%s"
AMAP_URL = ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
            "&x={x}&y={y}&z={z}")
OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

MAP_SCRIPT = PROJECT_DIR / "static" / "map" / "rehab-map.js"  # served at map_script_url()


# ---------------------------------------------------------------------------- assets

def app_static_url() -> str:
    """URL of the app's own ``static/`` folder: ``/app/static`` below Streamlit's ``server.baseUrlPath``."""
    base = ""
    try:
        from streamlit import config as st_config

        base = (st_config.get_option("server.baseUrlPath") or "").strip("/")
    except Exception:  # noqa: BLE001 - streamlit config unavailable: use the root
        base = ""
    return ("/" + base if base else "") + "/app/static"


def asset_base_url() -> str:
    """URL prefix of the vendored assets: ``REHAB_ASSET_BASE_URL`` if set, else ``/app/static/vendor``
    below Streamlit's ``server.baseUrlPath``."""
    override = os.environ.get("REHAB_ASSET_BASE_URL")
    if override:
        return override.rstrip("/")
    return app_static_url() + "/vendor"


@functools.cache
def _map_script_version() -> str:
    return hashlib.sha256(MAP_SCRIPT.read_bytes()).hexdigest()[:12]


def map_script_url() -> str:
    """The dashboard's own map behaviour (``static/map/rehab-map.js``: buttons, labels, tooltips), which
    the browser loads once and caches instead of receiving it in every map's script on every open. Its
    content's digest is in the URL, so a browser never runs a copy older than the map's script."""
    return f"{app_static_url()}/map/rehab-map.js?v={_map_script_version()}"


def offline_js() -> list[tuple[str, str]]:
    return [("leaflet", f"{asset_base_url()}/leaflet/leaflet.js"), ("rehab_map", map_script_url())]


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


def walk(element: Any):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from walk(child)


def _is_local(url: str) -> bool:
    return not url.lower().startswith(("http://", "https://", "//"))


def make_offline(m: folium.Map) -> folium.Map:
    """Make a map safe to render offline, in place: point the map at the vendored assets, swap
    folium.Popup for the jQuery-free template, and raise :class:`OfflineMapError` naming whatever
    would still load from the internet."""
    problems: list[str] = []
    for el in walk(m):
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
            rdMap.focusWithoutScroll({{ this._parent.get_name() }}.getContainer());
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
            rdMap.nameMarkers({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "NamedMarkers"


class BoardChrome(MacroElement):
    """No 'Leaflet' prefix (with its flag, linked to leafletjs.com) in the attribution, and a metric
    scale only: a government screen shows the data's sources, in kilometres."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.setPrefix(false);
            {% if this.scale %}
            L.control.scale({metric: true, imperial: false, position: "bottomleft"})
                .addTo({{ this._parent.get_name() }});
            {% endif %}
        {% endmacro %}
        """
    )

    def __init__(self, scale: bool = True):
        super().__init__()
        self._name = "BoardChrome"
        self.scale = scale


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
        self.add_child(BoardChrome(scale=scale))  # no flag prefix; metric scale (issue 18)

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


def svg_image(body: str, width: int = 26, height: int = 22) -> str:
    """An SVG drawing as an <img> with a data: URL: Streamlit's HTML sanitiser drops inline <svg>,
    and a data: URL is still nothing fetched from anywhere. Decorative: the text beside it says it."""
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}">{body}</svg>')
    return (f'<img alt="" width="{width}" height="{height}" '
            f'src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">')


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
