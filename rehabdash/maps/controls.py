"""Controls of a map fit for a wall screen (挂图作战): a reset-view button, name labels decluttered by
zoom and drawn above the markers, a legend drawn inside the map, co-located district centres spread
apart at every zoom, and which region a click landed in (for drill-down).

Every piece of text reaches the map's script as JSON (``tojson``/``json.dumps``) and any HTML built
from data is escaped with ``html.escape`` first: names never become script or markup.
"""
from __future__ import annotations

import html

import folium
import pandas as pd
from branca.element import MacroElement
from folium.template import Template
from shapely.geometry import Point, shape

from rehabdash.maps import mapkit


# The drawn magnifier of the dense-area button: an icon no font can lack.
MAGNIFIER = ('<svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true" style="vertical-align:middle">'
             '<circle cx="8" cy="8" r="5.5" fill="none" stroke="#1b2a3a" stroke-width="2"/><path d="M12.2 12.2 '
             'L18 18 M5.5 8 H10.5 M8 5.5 V10.5" stroke="#1b2a3a" stroke-width="2" stroke-linecap="round"/></svg>')


class FitButton(MacroElement):
    """A button under the zoom buttons that fits the map to ``bounds``: the scope (the reset button: after
    zooming in, the reader otherwise looks at an empty grey canvas with no way back) or where the scope's
    sites crowd (the urban core, a knot of symbols at the scope's own zoom). ``icon`` is trusted markup
    from this module. The reset button also fits again when the page resizes the frame, until the
    reader (or the page) has moved the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map, bounds, title, icon, css, refits) {
                var touched = false, fitting = false;
                function fit() {
                    fitting = true;
                    try { map.fitBounds(bounds, {animate: false}); } finally { fitting = false; }
                }
                var Button = L.Control.extend({
                    options: {position: "topleft"},
                    onAdd: function () {
                        var bar = L.DomUtil.create("div", "leaflet-bar " + css);
                        var a = L.DomUtil.create("a", "", bar);
                        a.href = "#"; a.role = "button"; a.title = title;
                        a.setAttribute("aria-label", title);
                        a.innerHTML = icon;
                        L.DomEvent.on(a, "click", function (e) {
                            L.DomEvent.preventDefault(e); L.DomEvent.stopPropagation(e);
                            fit();
                        });
                        L.DomEvent.disableClickPropagation(bar);
                        return bar;
                    }
                });
                new Button().addTo(map);
                if (!refits) return;
                // The page sets the frame's height from the window after Leaflet has fitted the
                // scope to the first height: fit again on a resize until the reader has moved the map,
                // or the page has (st_folium's setView to the facility chosen in the list).
                ["mousedown", "wheel", "keydown", "touchstart"].forEach(function (type) {
                    map.getContainer().addEventListener(type, function () { touched = true; }, true);
                });
                map.on("movestart zoomstart", function () { if (!fitting) touched = true; });
                function refit() {
                    map.invalidateSize({pan: false});
                    if (!touched) fit();
                }
                map.on("resize", refit);
                setTimeout(refit, 150);
            })({{ this._parent.get_name() }}, {{ this.bounds|tojson }}, {{ this.title|tojson }},
               {{ this.icon|tojson }}, {{ this.css|tojson }}, {{ this.refits|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]], title: str, icon: str, css: str, refits: bool = False):
        super().__init__()
        self._name = "FitButton"
        self.bounds, self.title, self.icon, self.css, self.refits = bounds, title, icon, css, refits


def add_zoom_to(m: mapkit.OfflineMap, bounds: tuple[float, float, float, float], title: str) -> None:
    """The dense-area button for ``bounds`` (min_lon, min_lat, max_lon, max_lat; WGS-84)."""
    m.add_child(FitButton([m.latlng(bounds[0], bounds[1]), m.latlng(bounds[2], bounds[3])], title, MAGNIFIER,
                          "rd-zoom-dense"))


class ZoomClasses(MacroElement):
    """Puts ``rd-zoom-near`` on the map's container once the reader has zoomed in ``steps`` levels
    past the fitted view: township names then appear (CSS), so they never pile up at city scale. At
    every zoom and pan it declutters the names and folds 督办 tags that would cover one another into
    one (``group_title``: its title, with {places} and {count})."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map, steps, bounds, groupTitle) {
                function mark() {  // against the zoom that fits the scope into the frame as it is now
                    var start = map.getBoundsZoom(L.latLngBounds(bounds));
                    map.getContainer().classList.toggle("rd-zoom-near", map.getZoom() >= start + steps);
                }
                // Declutter: labels in rank order (values, districts, townships), each put below its
                // point, else above, right or left of it, wherever it lies inside the frame and overlaps
                // neither a label already shown nor a district centre's square or a 督办 tag (then,
                // failing that, no label); one that finds no place is hidden at this zoom and comes
                // back once zoomed in.
                var PLACES = ["", "translate(-50%, calc(-100% - 9px))", "translate(12px, -50%)",
                              "translate(calc(-100% - 12px), -50%)"];
                function overlaps(r, boxes) {
                    return boxes.some(function (k) {
                        return r.left < k.right + 4 && r.right > k.left - 4 &&
                               r.top < k.bottom + 2 && r.bottom > k.top - 2;
                    });
                }
                function inside(r) {
                    var f = map.getContainer().getBoundingClientRect();
                    return r.left >= f.left + 2 && r.right <= f.right - 2 && r.top >= f.top + 2 && r.bottom <= f.bottom - 2;
                }
                // 督办 tags that would cover one another (the urban core at a city's zoom) become one
                // tag counting their items; a click on it zooms to their places, where they stand apart.
                var groups = [];
                function groupTags() {
                    var tags = [];
                    map.eachLayer(function (l) {
                        if (l._icon && l._icon.classList.contains("rd-duban")) tags.push(l);
                    });
                    tags.forEach(function (t) {
                        var span = t._icon.firstElementChild;
                        if (span.dataset.orig === undefined) span.dataset.orig = span.innerHTML;
                        span.innerHTML = span.dataset.orig;
                        span.removeAttribute("title");
                        span.style.transform = "";
                        t._icon.classList.remove("rd-duban-grouped", "rd-duban-folded");
                        t._icon.removeAttribute("data-group");
                        if (t._rdTip) { t.bindTooltip(t._rdTip); t._rdTip = null; }
                        if (t._icon.dataset.name !== undefined) {
                            t._icon.setAttribute("aria-label", t._icon.dataset.name);
                            delete t._icon.dataset.name;
                        }
                    });
                    var rects = tags.map(function (t) { return t._icon.firstElementChild.getBoundingClientRect(); });
                    var root = tags.map(function (_, i) { return i; });
                    function find(i) { while (root[i] !== i) i = root[i] = root[root[i]]; return i; }
                    for (var i = 0; i < tags.length; i++) for (var j = i + 1; j < tags.length; j++) {
                        if (overlaps(rects[i], [rects[j]])) root[find(j)] = find(i);
                    }
                    var members = {};
                    tags.forEach(function (_, i) { (members[find(i)] = members[find(i)] || []).push(i); });
                    groups = [];
                    Object.values(members).filter(function (m) { return m.length > 1; }).forEach(function (m) {
                        var leader = tags[m[0]], lead = leader._icon, span = lead.firstElementChild;
                        var items = m.reduce(function (n, i) {
                            return n + Number(tags[i]._icon.firstElementChild.dataset.items || 1); }, 0);
                        m.slice(1).forEach(function (i) { tags[i]._icon.classList.add("rd-duban-folded"); });
                        lead.classList.add("rd-duban-grouped");
                        lead.setAttribute("data-group", groups.length);
                        // its own tooltip and name would speak of one place of the group
                        if (leader.getTooltip()) { leader._rdTip = leader.getTooltip(); leader.unbindTooltip(); }
                        var title = groupTitle.replace("{places}", m.length).replace("{count}", items);
                        lead.dataset.name = lead.getAttribute("aria-label") || "";
                        lead.setAttribute("aria-label", title);
                        span.title = title;
                        span.textContent = span.firstChild.textContent;
                        var count = document.createElement("b");
                        count.textContent = String(items);
                        span.appendChild(count);
                        groups.push(L.latLngBounds(m.map(function (i) { return tags[i].getLatLng(); })));
                    });
                    // a tag keeps off the centres and stations (their clicks open their cards) and inside
                    // the frame: beside its place on the left, the right or below it when above it fails
                    var symbols = Array.from(map.getContainer().querySelectorAll(".rd-center, path.rd-station"))
                        .map(function (el) { return el.getBoundingClientRect(); });
                    var taken = [];
                    tags.forEach(function (t) {
                        if (t._icon.classList.contains("rd-duban-folded")) return;
                        var span = t._icon.firstElementChild;
                        span.style.transform = "";
                        var base = getComputedStyle(span).transform;
                        base = base === "none" ? "" : base;
                        for (var k = 0; k < TAG_PLACES.length; k++) {
                            span.style.transform = (base + " " + TAG_PLACES[k]).trim() || "none";
                            var r = span.getBoundingClientRect();
                            if (inside(r) && !overlaps(r, symbols.concat(taken))) break;
                            if (k === TAG_PLACES.length - 1) span.style.transform = "";
                        }
                        taken.push(span.getBoundingClientRect());
                    });
                }
                var TAG_PLACES = ["", "translateX(calc(-50% - 14px))", "translateX(calc(50% + 14px))",
                                  "translateY(calc(100% + 22px))"];
                map.getContainer().addEventListener("click", function (e) {
                    var lead = e.target.closest && e.target.closest(".rd-duban-grouped");
                    if (!lead) return;
                    e.stopPropagation(); e.preventDefault();  // no popup of the one on top, no rerun
                    map.fitBounds(groups[Number(lead.getAttribute("data-group"))].pad(0.6), {animate: false, maxZoom: 16});
                }, true);
                function declutter() {
                    groupTags();
                    var labels = Array.from(map.getContainer().querySelectorAll(".rd-label"));
                    var rank = function (el) {
                        return el.classList.contains("rd-label-value") ? 0 :
                               el.classList.contains("rd-label-district") ? 1 : 2;
                    };
                    labels.sort(function (a, b) { return rank(a) - rank(b); });
                    var squares = Array.from(map.getContainer().querySelectorAll(".rd-center, .rd-duban span"))
                        .map(function (el) { return el.getBoundingClientRect(); })
                        .filter(function (r) { return r.width > 0; });  // a folded tag takes no room
                    var kept = [];
                    labels.forEach(function (el) {
                        el.classList.remove("rd-hidden");
                        var span = el.firstElementChild;
                        if (!span || getComputedStyle(el).display === "none") return;
                        var obstacles = [kept.concat(squares), kept];
                        for (var pass = 0; pass < 2; pass++) {
                            for (var k = 0; k < PLACES.length; k++) {
                                span.style.transform = PLACES[k];
                                var r = span.getBoundingClientRect();
                                if (inside(r) && !overlaps(r, obstacles[pass])) { kept.push(r); return; }
                            }
                        }
                        span.style.transform = "";
                        el.classList.add("rd-hidden");
                    });
                }
                map.whenReady(function () { setTimeout(function () { mark(); declutter(); }, 0); });
                // after a pan too: a label hidden at the frame's edge may now have room
                map.on("zoomend moveend resize", function () { mark(); setTimeout(declutter, 0); });
                map.on("rd:spread", declutter);  // the centres moved: labels avoid them where they are now
            })({{ this._parent.get_name() }}, {{ this.steps|tojson }}, {{ this.bounds|tojson }},
               {{ this.group_title|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, steps: float, bounds: list[list[float]], group_title: str = "{places} · {count}"):
        super().__init__()
        self._name = "ZoomClasses"
        self.steps = steps
        self.bounds = bounds
        self.group_title = group_title  # a folded group of 督办 tags: {places} places, {count} items


class SpreadCentres(MacroElement):
    """District centres whose squares would overlap at the zoom shown are set around a small ring
    about their common middle, each with a thin leader line to a dot at its true place; recomputed
    on every zoom, so at a city's scale the urban core's centres (昆都仑区, 青山区, 东河区 …) stand
    apart and once zoomed in each sits on its place again. Whatever is drawn on a centre's place (the
    overdue frame, the selection ring) moves with it. The marker keeps its true position: a click
    still reports it, so the click is matched to its facility as any other."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map, gap) {
                var lines = L.layerGroup().addTo(map);
                function cls(layer) {
                    var icon = layer.options && layer.options.icon;
                    return (icon && icon.options && icon.options.className) || "";
                }
                function markers(pattern) {
                    var found = [];
                    map.eachLayer(function (l) {
                        if (l._icon && l.getLatLng && pattern.test(cls(l))) found.push(l);
                    });
                    return found;
                }
                function shift(layer, dx, dy) {
                    var el = layer._icon;
                    if (el._rdBase === undefined) {
                        el._rdBase = [parseFloat(el.style.marginLeft) || 0, parseFloat(el.style.marginTop) || 0];
                    }
                    el.style.marginLeft = (el._rdBase[0] + dx) + "px";
                    el.style.marginTop = (el._rdBase[1] + dy) + "px";
                }
                function spread() {
                    lines.clearLayers();
                    var centres = markers(/(^| )rd-center( |$)/);
                    var riders = markers(/(^| )rd-(overdue|selected)( |$)/);
                    centres.concat(riders).forEach(function (l) { shift(l, 0, 0); });
                    if (centres.length < 2) return;
                    var size = Math.max(centres[0]._icon.offsetWidth, 12);
                    var least = size + gap;
                    var at = centres.map(function (c) { return map.latLngToLayerPoint(c.getLatLng()); });
                    var shown = at.slice();
                    var group = at.map(function (_, i) { return i; });
                    function root(i) { while (group[i] !== i) i = group[i] = group[group[i]]; return i; }
                    // Merge any two whose squares overlap where they are shown, set each group on a
                    // ring about its members' middle, and again until nothing overlaps (or 6 rounds).
                    for (var round = 0; round < 6; round++) {
                        var merged = false;
                        for (var i = 0; i < at.length; i++) for (var j = i + 1; j < at.length; j++) {
                            if (root(i) !== root(j) && shown[i].distanceTo(shown[j]) < least) {
                                group[root(j)] = root(i); merged = true;
                            }
                        }
                        if (!merged) break;
                        var members = {};
                        at.forEach(function (_, i) { (members[root(i)] = members[root(i)] || []).push(i); });
                        Object.keys(members).forEach(function (k) {
                            var m = members[k], n = m.length;
                            if (n < 2) { shown[m[0]] = at[m[0]]; return; }
                            var mid = m.reduce(function (p, i) { return p.add(at[i]); }, L.point(0, 0)).divideBy(n);
                            var radius = Math.max(least * 0.75, least / (2 * Math.sin(Math.PI / n)));
                            // the ring's places in order of the members' directions from the middle
                            m.sort(function (a, b) {
                                return Math.atan2(at[a].y - mid.y, at[a].x - mid.x) - Math.atan2(at[b].y - mid.y, at[b].x - mid.x);
                            });
                            var start = Math.atan2(at[m[0]].y - mid.y, at[m[0]].x - mid.x);
                            m.forEach(function (i, k) {
                                var angle = start + 2 * Math.PI * k / n;
                                shown[i] = mid.add(L.point(Math.cos(angle) * radius, Math.sin(angle) * radius));
                            });
                        });
                    }
                    centres.forEach(function (c, i) {
                        var dx = Math.round(shown[i].x - at[i].x), dy = Math.round(shown[i].y - at[i].y);
                        if (!dx && !dy) return;
                        shift(c, dx, dy);
                        var here = c.getLatLng();
                        riders.forEach(function (r) { if (r.getLatLng().equals(here, 1e-5)) shift(r, dx, dy); });
                        L.polyline([here, map.layerPointToLatLng(shown[i])], {
                            color: "#1b2a3a", weight: 1.5, opacity: 0.8, interactive: false,
                            pane: "rd-centres", className: "rd-leader"}).addTo(lines);
                        L.circleMarker(here, {radius: 2.5, color: "#1b2a3a", weight: 1, fillColor: "#1b2a3a",
                            fillOpacity: 1, interactive: false, pane: "rd-centres",
                            className: "rd-true-place"}).addTo(lines);
                    });
                    map.fire("rd:spread");
                }
                var timer = null;
                function later() { clearTimeout(timer); timer = setTimeout(spread, 0); }
                map.whenReady(later);
                map.on("zoomend viewreset resize", later);
                map.on("layeradd", function (e) { if (e.layer !== lines && !lines.hasLayer(e.layer)) later(); });
            })({{ this._parent.get_name() }}, {{ this.gap|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, gap: int = 10):
        super().__init__()
        self._name = "SpreadCentres"
        self.gap = gap


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


def add_board(m: mapkit.OfflineMap, bounds: tuple[float, float, float, float], reset_title: str,
              group_title: str = "{places} · {count}") -> None:
    """Reset control, zoom classes and the board's styles (the chrome comes with every OfflineMap)."""
    (y0, x0), (y1, x1) = m.latlng(bounds[0], bounds[1]), m.latlng(bounds[2], bounds[3])
    mapkit.add_style(m, BOARD_CSS, "rd_board")
    mapkit.add_style(m, FILL_FRAME_CSS, "rd_fill_frame")
    m.add_child(FitButton([[y0, x0], [y1, x1]], reset_title, "\u27f2", "rd-reset", refits=True))
    m.add_child(ZoomClasses(1.5, [[y0, x0], [y1, x1]], group_title))


LABEL_PANE = ("rd-labels", 640)  # above the facilities (610) and centres (620), below tooltips (650)


def _label_pane(m: mapkit.OfflineMap) -> None:
    if not getattr(m, "_rd_label_pane", False):
        folium.map.CustomPane(LABEL_PANE[0], z_index=LABEL_PANE[1], pointer_events=False).add_to(m)
        m._rd_label_pane = True


def add_labels(m: mapkit.OfflineMap, places: pd.DataFrame, kind: str, *, near_only: bool = False,
               to=None) -> folium.FeatureGroup:
    """One name label per row of ``places`` (lon, lat, text), not clickable, drawn above the markers
    (with a white halo, so a name stays legible over the dots of the urban core). ``kind`` styles it
    (district, township, value); ``near_only`` shows it only once zoomed in (see ZoomClasses)."""
    _label_pane(m)
    group = folium.FeatureGroup(name=f"labels_{kind}", control=False)
    css = f"rd-label rd-label-{kind}" + (" rd-when-near" if near_only else "")
    for row in places.dropna(subset=["lon", "lat"]).itertuples():
        icon = folium.DivIcon(html=f"<span>{html.escape(str(row.text))}</span>", icon_size=(0, 0),
                              class_name=css)
        folium.Marker(m.latlng(row.lon, row.lat), icon=icon, interactive=False, keyboard=False,
                      pane=LABEL_PANE[0]).add_to(group)
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


# The map fills its frame, whose height the page may set from the viewport (st_folium gives the map
# a fixed pixel height otherwise).
FILL_FRAME_CSS = "html, body { height: 100%; margin: 0; } #map_div, .folium-map { height: 100vh !important; }"
