"""Controls of a map fit for a wall screen (挂图作战): attribution without Leaflet's flag prefix, a
metric-only scale, a reset-view button, name labels decluttered by zoom, a legend drawn inside the
map, co-located markers spread apart, and which region a click landed in (for drill-down).

Every piece of text reaches the map's script as JSON (``tojson``/``json.dumps``) and any HTML built
from data is escaped with ``html.escape`` first: names never become script or markup.
"""
from __future__ import annotations

import html
import math
from collections.abc import Iterable

import folium
import pandas as pd
from branca.element import MacroElement
from folium.template import Template
from shapely.geometry import Point, shape

from rehabdash.maps import mapkit


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


class ResetView(MacroElement):
    """A button under the zoom buttons that fits the map back to the scope (after zooming in, the
    reader otherwise looks at an empty grey canvas with no way back)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map, bounds, title) {
                var Reset = L.Control.extend({
                    options: {position: "topleft"},
                    onAdd: function () {
                        var bar = L.DomUtil.create("div", "leaflet-bar rd-reset");
                        var a = L.DomUtil.create("a", "", bar);
                        a.href = "#"; a.role = "button"; a.title = title;
                        a.setAttribute("aria-label", title);
                        a.textContent = "\u27f2";
                        L.DomEvent.on(a, "click", function (e) {
                            L.DomEvent.preventDefault(e); L.DomEvent.stopPropagation(e);
                            map.fitBounds(bounds, {animate: false});
                        });
                        L.DomEvent.disableClickPropagation(bar);
                        return bar;
                    }
                });
                new Reset().addTo(map);
                // The page sets the frame's height from the window after Leaflet has fitted the
                // scope to the first height: fit again on a resize until the reader has moved the map.
                var touched = false;
                ["mousedown", "wheel", "keydown", "touchstart"].forEach(function (type) {
                    map.getContainer().addEventListener(type, function () { touched = true; }, true);
                });
                function refit() {
                    map.invalidateSize({pan: false});
                    if (!touched) map.fitBounds(bounds, {animate: false});
                }
                map.on("resize", refit);
                setTimeout(refit, 150);
            })({{ this._parent.get_name() }}, {{ this.bounds|tojson }}, {{ this.title|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]], title: str):
        super().__init__()
        self._name = "ResetView"
        self.bounds = bounds
        self.title = title


class ZoomClasses(MacroElement):
    """Puts ``rd-zoom-near`` on the map's container once the reader has zoomed in ``steps`` levels
    past the fitted view: township names then appear (CSS), so they never pile up at city scale."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map, steps) {
                var start = null;
                function mark() {
                    if (start === null) start = map.getZoom();
                    map.getContainer().classList.toggle("rd-zoom-near", map.getZoom() >= start + steps);
                }
                // Declutter: labels in rank order (values, districts, townships); one that would
                // overlap a label already shown is hidden at this zoom.
                function declutter() {
                    var labels = Array.from(map.getContainer().querySelectorAll(".rd-label"));
                    var rank = function (el) {
                        return el.classList.contains("rd-label-value") ? 0 :
                               el.classList.contains("rd-label-district") ? 1 : 2;
                    };
                    labels.sort(function (a, b) { return rank(a) - rank(b); });
                    var kept = [];
                    labels.forEach(function (el) {
                        el.classList.remove("rd-hidden");
                        var span = el.firstElementChild;
                        if (!span || getComputedStyle(el).display === "none") return;
                        var r = span.getBoundingClientRect();
                        var clash = kept.some(function (k) {
                            return r.left < k.right + 4 && r.right > k.left - 4 &&
                                   r.top < k.bottom + 2 && r.bottom > k.top - 2;
                        });
                        if (clash) { el.classList.add("rd-hidden"); } else { kept.push(r); }
                    });
                }
                map.whenReady(function () { setTimeout(function () { mark(); declutter(); }, 0); });
                map.on("zoomend", function () { mark(); setTimeout(declutter, 0); });
            })({{ this._parent.get_name() }}, {{ this.steps|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, steps: float):
        super().__init__()
        self._name = "ZoomClasses"
        self.steps = steps


class LegendControl(MacroElement):
    """The legend as a collapsible overlay in a corner of the map, so a card never pushes it out of
    view. ``legend`` is HTML built by the caller from locale text and drawings only (no data)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map, content, title, position) {
                var Legend = L.Control.extend({
                    options: {position: position},
                    onAdd: function () {
                        var box = L.DomUtil.create("details", "rd-legend-box");
                        box.open = true;
                        var summary = L.DomUtil.create("summary", "", box);
                        summary.textContent = title;
                        var body = L.DomUtil.create("div", "", box);
                        body.innerHTML = content;
                        L.DomEvent.disableClickPropagation(box);
                        L.DomEvent.disableScrollPropagation(box);
                        return box;
                    }
                });
                new Legend().addTo(map);
            })({{ this._parent.get_name() }}, {{ this.legend|tojson }}, {{ this.title|tojson }},
               {{ this.position|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, legend: str, title: str, position: str = "bottomright"):
        super().__init__()
        self._name = "LegendControl"
        self.legend = legend
        self.title = title
        self.position = position


BOARD_CSS = """
.rd-label { background: none; border: none; }
.rd-label span { display: inline-block; transform: translate(-50%, 9px); white-space: nowrap;
  font: 600 14px/1.2 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #1b2a3a;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; pointer-events: none; }
.rd-label.rd-label-district span { font-size: 16px; font-weight: 700; }
.rd-label.rd-label-township span { font-size: 12.5px; font-weight: 500; color: #2f3e4e; }
.rd-label.rd-label-value span { font-size: 15px; background: rgba(255,255,255,.88); padding: 1px 5px;
  border: 1px solid #4a5563; border-radius: 3px; text-shadow: none; }
.rd-label.rd-when-near { display: none; }
.rd-label.rd-hidden { visibility: hidden; }
.rd-zoom-near .rd-label.rd-when-near { display: block; }
.rd-legend-box { background: rgba(255,255,255,.95); padding: 6px 10px; border-radius: 4px;
  box-shadow: 0 1px 5px rgba(0,0,0,.4); max-height: 70vh; overflow: auto; max-width: 340px; }
.rd-legend-box summary { cursor: pointer; font: 600 15px sans-serif; }
.rd-legend-box .rd-legend { font-size: 13px !important; line-height: 1.2 !important; }
.rd-legend-box .rd-legend > div:first-child { display: none; }  /* the summary names it already */
.rd-legend-box .rd-legend li { margin: 1px 0 !important; }
.rd-legend-box img { transform: scale(.85); }
.rd-reset a { font-size: 20px; line-height: 30px; font-weight: 700; }
.leaflet-control-attribution { font-size: 12px; }
.leaflet-control-scale-line { font-size: 13px; }
"""


def add_board(m: mapkit.OfflineMap, bounds: tuple[float, float, float, float], reset_title: str) -> None:
    """Reset control, zoom classes and the board's styles (the chrome comes with every OfflineMap)."""
    (y0, x0), (y1, x1) = m.latlng(bounds[0], bounds[1]), m.latlng(bounds[2], bounds[3])
    mapkit.add_style(m, BOARD_CSS, "rd_board")
    mapkit.add_style(m, FILL_FRAME_CSS, "rd_fill_frame")
    m.add_child(ResetView([[y0, x0], [y1, x1]], reset_title))
    m.add_child(ZoomClasses(1.5))


def add_labels(m: mapkit.OfflineMap, places: pd.DataFrame, kind: str, *, near_only: bool = False,
               to=None) -> folium.FeatureGroup:
    """One name label per row of ``places`` (lon, lat, text), not clickable. ``kind`` styles it
    (district, township, value); ``near_only`` shows it only once zoomed in (see ZoomClasses)."""
    group = folium.FeatureGroup(name=f"labels_{kind}", control=False)
    css = f"rd-label rd-label-{kind}" + (" rd-when-near" if near_only else "")
    for row in places.dropna(subset=["lon", "lat"]).itertuples():
        icon = folium.DivIcon(html=f"<span>{html.escape(str(row.text))}</span>", icon_size=(0, 0),
                              class_name=css)
        folium.Marker(m.latlng(row.lon, row.lat), icon=icon, interactive=False, keyboard=False).add_to(group)
    group.add_to(to if to is not None else m)
    return group


def label_points(polygons: dict, fallback: pd.DataFrame | None = None) -> pd.DataFrame:
    """(region_code, lon, lat) where a unit's label goes: a point inside its polygon (its largest
    part), or its seat (``fallback``: region_code, lon, lat) where it has none."""
    rows = []
    for f in polygons.get("features", []):
        geometry = shape(f["geometry"])
        if geometry.geom_type == "MultiPolygon":
            geometry = max(geometry.geoms, key=lambda g: g.area)
        point = geometry.representative_point()
        rows.append((f["properties"]["region_code"], point.x, point.y))
    frame = pd.DataFrame(rows, columns=["region_code", "lon", "lat"])
    if fallback is not None and len(fallback):
        extra = fallback[~fallback["region_code"].isin(frame["region_code"])][["region_code", "lon", "lat"]]
        frame = pd.concat([frame, extra], ignore_index=True)
    return frame


def spread_offsets(lons: Iterable[float], lats: Iterable[float], *, within_km: float = 2.5,
                   ring_px: int = 18) -> list[tuple[int, int]]:
    """Pixel offsets that spread markers lying within ``within_km`` of one another around a small
    ring, so co-located district centres do not pile up. (0, 0) for a marker with no close neighbour.
    Used as icon anchors: the marker keeps its true position (a click still reports it)."""
    points = list(zip(lons, lats))
    groups: list[list[int]] = []
    for i, (x, y) in enumerate(points):
        for group in groups:
            gx, gy = points[group[0]]
            km = math.hypot((x - gx) * 111.32 * math.cos(math.radians(y)), (y - gy) * 110.57)
            if km <= within_km:
                group.append(i)
                break
        else:
            groups.append([i])
    offsets = [(0, 0)] * len(points)
    for group in groups:
        if len(group) < 2:
            continue
        # a ring wide enough that neighbours on it stay ring_px (a marker and a gap) apart
        radius = max(ring_px, ring_px * 1.2 / (2 * math.sin(math.pi / len(group))))
        for k, i in enumerate(group):
            angle = 2 * math.pi * k / len(group) - math.pi / 2
            offsets[i] = (round(radius * math.cos(angle)), round(radius * math.sin(angle)))
    return offsets


def clicked_region(result: dict | None, polygons: dict, m: mapkit.OfflineMap) -> str | None:
    """The region code of the polygon (of ``polygons``, WGS-84) that a map click landed in, or None.

    The click's position comes back in the map's datum; for GCJ-02 it is taken back to WGS-84 by one
    step of the inverse (metres off at most, well inside a district or township)."""
    where = (result or {}).get("last_object_clicked") or {}
    if "lat" not in where or "lng" not in where:
        return None
    lon, lat = float(where["lng"]), float(where["lat"])
    if m.datum != mapkit.WGS84:
        x, y = m.project(lon, lat)
        lon, lat = lon - (x - lon), lat - (y - lat)
    point = Point(lon, lat)
    for f in polygons.get("features", []):
        if shape(f["geometry"]).contains(point):
            return f["properties"]["region_code"]
    return None


def spread_centres(collection: dict, size: int, within_km: float = 2.5) -> None:
    """Give co-located district centres (a DivIcon square of ``size`` px) icon anchors that set them
    around a ring instead of on top of one another; in place, as a feature property ``icon`` that the
    facility style merges into the icon's options."""
    features = collection.get("features", [])
    offsets = spread_offsets([f["geometry"]["coordinates"][0] for f in features],
                             [f["geometry"]["coordinates"][1] for f in features], within_km=within_km,
                             ring_px=size)
    half = size // 2
    for f, (dx, dy) in zip(features, offsets):
        if (dx, dy) != (0, 0):
            f["properties"]["icon"] = {"iconAnchor": [half - dx, half - dy]}


# The map fills its frame, whose height the page may set from the viewport (st_folium gives the map
# a fixed pixel height otherwise).
FILL_FRAME_CSS = "html, body { height: 100%; margin: 0; } #map_div, .folium-map { height: 100vh !important; }"
