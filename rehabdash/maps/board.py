"""The facility map as a board (挂图作战 on a wall screen): the facility map of
rehabdash.maps.facility_map plus a reset-view control, name labels decluttered by zoom, the thematic
layer, overdue sites flagged by shape, and the legend as an overlay inside the map.

No Streamlit here; text from i18n in the language passed in, names escaped where they become HTML.
"""
from __future__ import annotations

import base64

import folium
import pandas as pd
import shapely
from shapely.geometry import shape

from rehabdash.kernel import i18n, safe_text
from rehabdash.maps import controls, layers, mapkit
from rehabdash.maps import facility_map as fmap
from rehabdash.maps import thematic as thematic_map
from rehabdash.store import boundaries
from rehabdash.topics.facility_map import MapData, UnitMap, View, unit_details
from rehabdash.topics.thematic import Thematic

OVERDUE_SIZE = 30  # a dashed square with a warning triangle around an overdue site: shape, not colour
# The triangle is drawn (an SVG), not the ⚠ character: a screen without a font holding it shows a box.
WARNING_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="16" height="15" viewBox="0 0 16 15">'
               '<path d="M8 1 L15 14 H1 Z" fill="#b00020" stroke="#fff" stroke-width="1.2" stroke-linejoin="round"/>'
               '<path d="M8 5.2 V9.6" stroke="#fff" stroke-width="1.8" stroke-linecap="round"/>'
               '<circle cx="8" cy="11.9" r="1" fill="#fff"/></svg>')
OVERDUE_CSS = f"""
.rd-overdue {{ box-sizing: border-box; border: 2.5px dashed #b00020; border-radius: 2px;
  pointer-events: none; }}
.rd-overdue::after {{ content: ""; position: absolute; top: -13px; right: -12px; width: 16px; height: 15px;
  background: url("data:image/svg+xml;base64,{base64.b64encode(WARNING_SVG.encode()).decode()}") no-repeat; }}
"""
# 督办: a red tag with the word on it (and how many items where more than one) just above its place, or
# beside an institution's or site's symbol: the word says it, not the colour. Above the facilities and
# centres (the tags keep off them, controls.ZoomClasses), below the names' pane.
DUBAN_PANE = ("rd-duban", 630)
DUBAN_CSS = """
.rd-duban { background: none; border: none; }
.rd-duban span { position: absolute; left: 0; bottom: 7px; transform: translateX(-50%); white-space: nowrap;
  cursor: pointer;
  font: 700 13px/1 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #fff; background: #b00020;
  border: 1.5px solid #fff; border-radius: 3px; padding: 3px 4px; box-shadow: 0 0 0 1px #b00020; }
.rd-duban.rd-duban-beside span { left: 7px; transform: none; }  /* beside a symbol, which stays clickable */
.rd-duban.rd-duban-folded { display: none; }  /* counted in the tag it overlapped (controls.ZoomClasses) */
.rd-duban.rd-duban-grouped span { outline: 2px solid #b00020; outline-offset: 2px; }  /* a stack: zoom in */
.rd-duban span b { display: inline-block; margin-left: 3px; padding: 0 3px; background: #fff; color: #b00020;
  border-radius: 2px; }
.rd-duban-popup { font-size: 14px; line-height: 1.4; max-width: 340px; }
.rd-duban-popup ol { margin: 4px 0 0; padding-left: 1.3em; }
.rd-duban-popup li { margin-bottom: 4px; }
.rd-duban-popup-meta { color: #3a4552; font-size: 13px; }
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


def _place_points(data: MapData, polygons: dict) -> dict[tuple[str, str], tuple[float, float, str]]:
    """(kind, ref) → (lon, lat, name) of every place a 督办 mark can stand on in this map: a region by
    its name's place (inside its polygon, else its seat), an institution or a site by its symbol."""
    regions = data.regions[["region_code", "lon", "lat"]]
    names = dict(zip(data.regions["region_code"], data.regions["name"]))
    found = {("region", r.region_code): (r.lon, r.lat, names[r.region_code])
             for r in controls.label_points(polygons, regions).itertuples() if r.region_code in names}
    for kind, frame, ref, name in (("institution", data.institutions, "institution_id", "name"),
                                   ("site", data.facilities, "facility_id", "label")):
        for row in frame.dropna(subset=["lon", "lat"]).itertuples():
            found[(kind, getattr(row, ref))] = (row.lon, row.lat, getattr(row, name))
    return {key: place for key, place in found.items() if pd.notna(place[0]) and pd.notna(place[1])}


def duban_marks(m: mapkit.OfflineMap, data: MapData, polygons: dict, marks: tuple, lang: str) -> int:
    """A 督办 tag on each place of ``marks`` (charts.decisions.map_marks: kind, ref, items) that lies in
    this map (``polygons``: its regions'); its tooltip counts the items, its popup lists them. Returns
    how many tags were drawn."""
    points = _place_points(data, polygons)
    pane = DUBAN_PANE[0]
    folium.map.CustomPane(pane, z_index=DUBAN_PANE[1], pointer_events=True).add_to(m)
    group = folium.FeatureGroup(name="duban", control=False)
    word = safe_text.html_text(i18n.text(lang, "duban.map_mark"))
    drawn = 0
    for kind, ref, items in marks:
        if (kind, ref) not in points:
            continue  # a member department, or a place outside this map
        lon, lat, place = points[(kind, ref)]
        count = f"<b>{len(items)}</b>" if len(items) > 1 else ""
        css = "rd-duban" if kind == "region" else "rd-duban rd-duban-beside"
        marker = folium.Marker(m.latlng(lon, lat), pane=pane, icon=folium.DivIcon(
            html=f'<span data-items="{len(items)}">{word}{count}</span>', icon_size=(0, 0), class_name=css))
        marker.add_child(layers.TextTooltip(lines=[i18n.text(lang, "duban.map_tip", place=place, count=len(items))]))
        marker.add_child(layers.TextPopup(i18n.text(lang, "duban.map_title", place=place), items,  # typed text
                                          css="rd-duban-popup", maxWidth=360))
        marker.add_to(group)
        drawn += 1
    group.add_to(m)
    return drawn


def dense_units(data: MapData, polygons: dict, ratio: float = 5.0, share: float = 0.25) -> list[str]:
    """The units one level down where the scope's facilities crowd (the urban core of a city, the
    subdistricts of a district): each holding at least ``ratio`` times the scope's facilities per area,
    together within a box of at most ``share`` of the scope's. [] where nothing crowds so."""
    points = data.facilities.dropna(subset=["lon", "lat"])
    shapes = {f["properties"]["region_code"]: shape(f["geometry"]) for f in polygons.get("features", [])}
    if len(shapes) < 2 or points.empty:
        return []
    counts = {code: int(shapely.contains_xy(g, points["lon"].to_numpy(), points["lat"].to_numpy()).sum())
              for code, g in shapes.items()}
    overall = sum(counts.values()) / sum(g.area for g in shapes.values())
    dense = [code for code, g in shapes.items() if g.area > 0 and counts[code] / g.area >= ratio * overall]
    if not dense:
        return []

    def box_area(codes) -> float:
        x0, y0, x1, y1 = shapely.total_bounds([shapes[c] for c in codes])
        return (x1 - x0) * (y1 - y0)

    return sorted(dense) if box_area(dense) <= share * box_area(shapes) else []


def board_legend(view: View, lang: str, *, thematic: Thematic | None = None, thematic_title: str = "",
                 overdue: bool = False, duban: bool = False, approximate: bool = True) -> str:
    """The board's legend: the thematic classes (if shown), the facility symbols, the overdue frame, the
    督办 tag.
    HTML from locale text and drawings only (no data), for the map's overlay or the side panel."""
    legend = ""
    if thematic is not None:
        legend += thematic_map.legend_html(thematic, thematic_title, i18n.text(lang, "thematic.no_value"))
    legend += fmap.legend_html(view, lang, approximate)
    if overdue:
        legend += (f'<div style="font-size:14px;margin-top:4px">'
                   f'<span style="display:inline-block;width:18px;height:18px;border:2.5px dashed #b00020;'
                   f'vertical-align:middle;margin-right:8px"></span>{i18n.text(lang, "board.overdue_legend")}</div>')
    if duban:  # the tag drawn as on the map (an image: the page's high-contrast text colour leaves it be)
        word = i18n.text(lang, "duban.map_mark")
        width = sum(14 if ord(c) > 0x2E80 else 8 for c in word) + 10  # a CJK character is 13 px wide
        word = safe_text.html_text(word)
        tag = mapkit.svg_image(
            f'<rect x="1" y="1" width="{width - 2}" height="20" rx="3" fill="#b00020"/>'
            f'<text x="{width / 2}" y="15.5" text-anchor="middle" fill="#fff" font-size="13" font-weight="700" '
            f'font-family="Noto Sans CJK SC, Microsoft YaHei, sans-serif">{word}</text>', width, 22)
        legend += (f'<div style="font-size:14px;margin-top:4px;display:flex;gap:8px;align-items:center">'
                   f'<span style="flex:none;display:inline-flex">{tag}</span>'
                   f'<span>{i18n.text(lang, "duban.map_legend")}</span></div>')
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
                overdue: frozenset[str] = frozenset(), duban: tuple = (), legend_in_map: bool = True,
                large: bool = False) -> mapkit.OfflineMap:
    """The board's map. ``duban``: the open decided items by place (charts.decisions.map_marks), tagged
    督办; ``legend_in_map``: the legend as an overlay in the map (else the page shows `board_legend` in
    its side panel); ``large``: names and legend for a wall screen."""
    m = fmap.build_map(data, view, lang, basemap)
    districts, townships = fmap.scope_boundaries(data, lang)
    controls.add_board(m, fmap._bounds(data, districts, townships), i18n.text(lang, "board.reset"),
                       i18n.text(lang, "duban.map_group"))
    subunits = subunit_polygons(data, scope_root, lang)
    if dense := dense_units(data, subunits):  # the urban core one click away from the whole scope
        names = dict(zip(data.regions["region_code"], data.regions["name"]))
        crowded = {"type": "FeatureCollection",
                   "features": [f for f in subunits["features"] if f["properties"]["region_code"] in dense]}
        controls.add_zoom_to(m, mapkit.bounds_of(crowded), i18n.text(
            lang, "board.dense", units=i18n.text(lang, "map.list_separator").join(names[c] for c in dense)))
    mapkit.add_style(m, OVERDUE_CSS, "rd_overdue")
    mapkit.add_style(m, DUBAN_CSS, "rd_duban")
    if large:
        mapkit.add_style(m, LARGE_CSS, "rd_large")
    canvas = len(fmap.shown_facilities(data, view)) > fmap.CANVAS_ABOVE
    if thematic is not None:
        thematic_map.add_thematic(m, subunits, thematic, canvas=canvas)
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
    tagged = duban and duban_marks(m, data, {"features": districts["features"] + townships["features"]}, duban, lang)
    if legend_in_map:
        legend = board_legend(view, lang, thematic=thematic, thematic_title=thematic_title, overdue=bool(overdue),
                              duban=bool(tagged),
                              approximate=any(f["properties"]["approximate"] for f in townships["features"]))
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
    return "" if isinstance(data, UnitMap) else fmap.legend_html(view, lang, fmap.townships_approximate(data))
