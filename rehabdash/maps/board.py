"""The facility map as a board (挂图作战 on a wall screen): the facility map of
rehabdash.maps.facility_map plus a reset-view control, name labels decluttered by zoom, the thematic
layer, overdue sites flagged by shape, and the legend as an overlay inside the map.

No Streamlit here; text from i18n in the language passed in, names escaped where they become HTML.
"""
from __future__ import annotations

import folium
import pandas as pd

from rehabdash.kernel import i18n
from rehabdash.maps import controls, mapkit
from rehabdash.maps import facility_map as fmap
from rehabdash.maps import thematic as thematic_map
from rehabdash.store import boundaries
from rehabdash.topics.facility_map import MapData, UnitMap, View, unit_details
from rehabdash.topics.thematic import Thematic

OVERDUE_SIZE = 30  # a dashed square with a warning triangle around an overdue site: shape, not colour
OVERDUE_CSS = """
.rd-overdue { box-sizing: border-box; border: 2.5px dashed #b00020; border-radius: 2px;
  pointer-events: none; }
.rd-overdue::after { content: "⚠"; position: absolute; top: -14px; right: -12px; font-size: 15px;
  line-height: 1; color: #b00020; text-shadow: 0 0 2px #fff, 0 0 2px #fff; }
"""


def subunit_polygons(data: MapData, scope_root: str, lang: str) -> dict:
    """The polygons of the units one level below the scope (districts of a city, townships of a
    district): where a click drills down and what the thematic layer shades."""
    districts, townships = fmap.scope_boundaries(data, lang)
    codes = set(data.regions.loc[data.regions["parent_code"] == scope_root, "region_code"])
    features = [f for fc in (districts, townships) for f in fc["features"]
                if f["properties"]["region_code"] in codes]
    return {"type": "FeatureCollection", "features": features}


def _names(data: MapData, level: str, polygons: dict) -> pd.DataFrame:
    regions = data.regions[data.regions["level"] == level]
    places = controls.label_points(polygons, regions[["region_code", "lon", "lat"]])
    names = dict(zip(regions["region_code"], regions["name"]))
    places = places[places["region_code"].isin(names.keys())]
    return places.assign(text=places["region_code"].map(names))


def overdue_flags(m: mapkit.OfflineMap, facilities: pd.DataFrame) -> None:
    """A dashed square with a ⚠ badge around each overdue site (``facilities``: lon, lat)."""
    group = folium.FeatureGroup(name="overdue", control=False)
    half = OVERDUE_SIZE // 2
    for row in facilities.dropna(subset=["lon", "lat"]).itertuples():
        folium.Marker(m.latlng(row.lon, row.lat), interactive=False, keyboard=False,
                      icon=folium.DivIcon(html="", icon_size=(OVERDUE_SIZE, OVERDUE_SIZE),
                                          icon_anchor=(half, half), class_name="rd-overdue")).add_to(group)
    group.add_to(m)


def board_legend(view: View, lang: str, *, thematic: Thematic | None = None, thematic_title: str = "",
                 overdue: bool = False) -> str:
    """The board's legend: the thematic classes (if shown), the facility symbols, the overdue frame.
    HTML from locale text and drawings only (no data), for the map's overlay or the side panel."""
    legend = ""
    if thematic is not None:
        legend += thematic_map.legend_html(thematic, thematic_title, i18n.text(lang, "thematic.no_value"))
    legend += fmap.legend_html(view, lang)
    if overdue:
        legend += (f'<div style="font-size:14px;margin-top:4px">'
                   f'<span style="display:inline-block;width:18px;height:18px;border:2.5px dashed #b00020;'
                   f'vertical-align:middle;margin-right:8px"></span>{i18n.text(lang, "board.overdue_legend")}</div>')
    return legend


# On a wall screen (meeting mode) the names and the legend inside the map are drawn larger.
LARGE_CSS = """
.rd-label.rd-label-district span { font-size: 21px; }
.rd-label.rd-label-township span { font-size: 16px; }
.rd-label.rd-label-value span { font-size: 19px; }
.rd-legend-box .rd-legend { font-size: 17px !important; }
.rd-legend-box summary { font-size: 19px; }
.leaflet-control-scale-line { font-size: 16px; }
.leaflet-tooltip { font-size: 18px; }
"""


def build_board(data: MapData, view: View, lang: str, scope_root: str, scope_level: str,
                basemap: str = "none", *, thematic: Thematic | None = None, thematic_title: str = "",
                overdue: frozenset[str] = frozenset(), legend_in_map: bool = True,
                large: bool = False) -> mapkit.OfflineMap:
    """The board's map. ``legend_in_map``: the legend as an overlay in the map (else the page shows
    `board_legend` in its side panel); ``large``: names and legend for a wall screen."""
    m = fmap.build_map(data, view, lang, basemap)
    districts, townships = fmap.scope_boundaries(data, lang)
    controls.add_board(m, fmap._bounds(data, districts, townships), i18n.text(lang, "board.reset"))
    mapkit.add_style(m, OVERDUE_CSS, "rd_overdue")
    if large:
        mapkit.add_style(m, LARGE_CSS, "rd_large")
    canvas = len(fmap.shown_facilities(data, view)) > fmap.CANVAS_ABOVE
    if thematic is not None:
        thematic_map.add_thematic(m, subunit_polygons(data, scope_root, lang), thematic, canvas=canvas)
    # Names: districts always at city scale (unless the thematic layer labels them with their value),
    # townships once zoomed in there, always at district scale.
    subunit_level = {"city": "district", "district": "township"}.get(scope_level)
    for level, polygons in (("district", districts), ("township", townships)):
        if thematic is not None and level == subunit_level:
            continue
        if scope_level == "township" and level == "district":
            continue
        near_only = scope_level == "city" and level == "township"
        controls.add_labels(m, _names(data, level, polygons), level, near_only=near_only)
    shown = fmap.shown_facilities(data, view)
    if overdue:
        overdue_flags(m, shown[shown["facility_id"].isin(overdue)])
    if legend_in_map:
        legend = board_legend(view, lang, thematic=thematic, thematic_title=thematic_title, overdue=bool(overdue))
        m.add_child(controls.LegendControl(legend, i18n.text(lang, "board.legend")))
    return m


# ---------------------------------------------------------------------------- above the city

def unit_polygons(data: UnitMap) -> dict:
    """The polygons of the units one level below a scope above the city (provinces of the nation,
    cities of a province), simplified for the scope's zoom: where the shading goes and a click drills."""
    zoom = boundaries.ZOOM_OF_LEVEL[data.scope_level]
    features = boundaries.features("districts", data.units["subunit_code"], zoom)
    names = dict(zip(data.units["subunit_code"], data.units["subunit_name"]))
    return {"type": "FeatureCollection",
            "features": [{**f, "properties": {**f["properties"], "name": names[f["properties"]["region_code"]]}}
                         for f in features]}


def build_unit_board(data: UnitMap, thematic: Thematic, lang: str, basemap: str = "none", *,
                     thematic_title: str = "") -> mapkit.OfflineMap:
    """The board of a scope above the city: each unit one level down shaded by the indicator, labelled
    with its name and value, its network counted in the tooltip; no facility points (they appear from
    the city down). A fixed handful of layers whatever the size of the scope."""
    polygons = unit_polygons(data)
    if polygons["features"]:
        bounds = mapkit.bounds_of(polygons)
    else:
        units = data.units.dropna(subset=["lon", "lat"])
        bounds = (units["lon"].min(), units["lat"].min(), units["lon"].max(), units["lat"].max()) \
            if len(units) else (73.5, 18.0, 135.0, 53.6)
    m = mapkit.base_map(bounds, basemap, zoom_snap=0.25)
    controls.add_board(m, bounds, i18n.text(lang, "board.reset"))
    thematic_map.add_thematic(m, polygons, thematic, details=unit_details(data, lang))
    legend = thematic_map.legend_html(thematic, thematic_title, i18n.text(lang, "thematic.no_value"))
    legend += f'<div style="font-size:14px;margin-top:4px">{i18n.text(lang, "map.unit_note")}</div>'
    m.add_child(controls.LegendControl(legend, i18n.text(lang, "board.legend")))
    return m


def scope_map(data: MapData | UnitMap, view: View, lang: str, basemap: str = "none", *,
              thematic: Thematic | None = None, thematic_title: str = "") -> mapkit.OfflineMap:
    """The map of any scope, decided by what the topic loaded for its level (facility_map.load_scope):
    above the city the units one level down shaded by ``thematic`` with their counts, from the city
    down every facility of the view."""
    if isinstance(data, UnitMap):
        return build_unit_board(data, thematic, lang, basemap, thematic_title=thematic_title)
    return fmap.build_map(data, view, lang, basemap)


def scope_legend(data: MapData | UnitMap, view: View, lang: str) -> str:
    """The facility legend beside a map of points; '' above the city (its legend is in the map)."""
    return "" if isinstance(data, UnitMap) else fmap.legend_html(view, lang)
