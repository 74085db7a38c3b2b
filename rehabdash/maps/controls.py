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
            rdMap.fitButton({{ this._parent.get_name() }}, {{ this.bounds|tojson }}, {{ this.title|tojson }}, {{ this.icon|tojson }},
                             {{ this.css|tojson }}, {{ this.refits|tojson }});
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
            rdMap.zoomClasses({{ this._parent.get_name() }}, {{ this.steps|tojson }}, {{ this.bounds|tojson }},
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
            rdMap.spreadCentres({{ this._parent.get_name() }}, {{ this.gap|tojson }});
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
            rdMap.legend({{ this._parent.get_name() }}, {{ this.legend|tojson }}, {{ this.title|tojson }}, {{ this.position|tojson }});
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
