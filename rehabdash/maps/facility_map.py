"""The three-tier facility map (挂图作战): what is built and planned, where, and who is paired with whom.

Draws, from the topic's MapData (rehabdash.topics.facility_map), the folium map of the facility page: district rehab guidance centres,
township stations and village rooms (colour and size by tier; built solid, near-term planned hollow,
long-term planned grey and dashed), district and approximate township boundaries (townships without
a built station filled), designated institutions with their pairing lines, and assistive-device
service points; and the page's legend.

Every tier is ONE GeoJson layer (``layers.add_geojson``), never a folium object per facility, so a
province's tens of thousands of village rooms stay one embedded FeatureCollection. No Streamlit
here: text comes from ``i18n`` in the language passed in.
"""
from __future__ import annotations

import folium
import pandas as pd

from rehabdash.kernel import i18n
from rehabdash.kernel.contract import TIERS
from rehabdash.kernel.formatting import month
from rehabdash.kernel.theme import PALETTE
from rehabdash.maps import controls, layers, mapkit
from rehabdash.store import boundaries
from rehabdash.topics.facility_map import (
    MapData,
    View,
    shown_facilities,
    status_texts,
    text,
    townships_without_station,
)

# What the map sends back to Python: the clicked object and a click counter (so clicking the same
# facility again still counts as a click). Not bounds, zoom or centre: panning must not rerun the page.
FACILITY_CLICKS = ("last_object_clicked", "last_object_clicked_tooltip", "last_object_clicked_count")

TIER_COLORS = {"district_center": PALETTE[5], "township_station": PALETTE[0], "village_room": PALETTE[2]}
INSTITUTION_COLOR = PALETTE[3]
DEVICE_COLOR = PALETTE[1]
UNCOVERED_FILL = PALETTE[6]
# Darker than the charts' grey (#999): a thin dashed outline on the light map needs 3:1 contrast.
FAR_GREY = "#6e6e6e"
TIER_CLASSES = {"district_center": "rd-center", "township_station": "rd-station", "village_room": "rd-room"}
# Circle radii in pixels. At most 10: Leaflet then reports a click at the marker's own position,
# which is how a click is matched to its facility (see clicked_facility).
CIRCLE_RADIUS = {"township_station": 8, "village_room": 5}
CENTRE_SIZE = 20  # side of a district centre's square, pixels
CANVAS_ABOVE = 3000  # draw on one canvas instead of an SVG element per point beyond this many
# The network is what the map is for: rooms and stations lie above institutions and device points
# (Leaflet's marker pane, 600), district centres above them, tooltips (650) above all.
PANES = {"village_room": ("rd-facilities", 610), "township_station": ("rd-facilities", 610),
         "district_center": ("rd-centres", 620)}

DISTRICT_STYLE = {**layers.DISTRICT_STYLE, "className": "rd-district"}
TOWNSHIP_STYLE = {**layers.TOWNSHIP_STYLE, "className": "rd-township"}
UNCOVERED_STYLE = {**layers.TOWNSHIP_STYLE, "fill": True, "fillColor": UNCOVERED_FILL,
                   "fillOpacity": 0.4, "className": "rd-township rd-uncovered"}
PAIRING_STYLE = {"color": INSTITUTION_COLOR, "weight": 2, "opacity": 0.85, "className": "rd-pairing"}

MARKER_CSS = f"""
.rd-center {{ box-sizing: border-box; border-radius: 3px; }}
.rd-center.rd-built {{ background: {TIER_COLORS['district_center']}; border: 2px solid #fff;
  box-shadow: 0 0 0 1.5px {TIER_COLORS['district_center']}; }}
.rd-center.rd-planned_near {{ background: #fff; border: 3px solid {TIER_COLORS['district_center']}; }}
.rd-center.rd-planned_far {{ background: #fff; border: 2.5px dashed {FAR_GREY}; }}
.rd-institution > div {{ width: 10px; height: 10px; margin: 2px; transform: rotate(45deg);
  background: {INSTITUTION_COLOR}; border: 1.5px solid #fff; box-shadow: 0 0 0 1px #7a3b63; }}
.rd-device svg {{ display: block; }}
.rd-selected {{ pointer-events: none; border: 3px solid #111; border-radius: 50%;
  box-shadow: 0 0 0 2px #fff; box-sizing: border-box; }}
.leaflet-tooltip {{ font-size: 14px; }}
"""
DEVICE_SHAPE = f'<polygon points="8,1.5 15,14.5 1,14.5" fill="{DEVICE_COLOR}" stroke="#6b4a00" stroke-width="1.3"/>'
DEVICE_ICON = f'<svg width="16" height="16" viewBox="0 0 16 16">{DEVICE_SHAPE}</svg>'


# ---------------------------------------------------------------------------- text of a facility


# ---------------------------------------------------------------------------- GeoJSON

def _point(feature_id: str, lon: float, lat: float, properties: dict) -> dict:
    return {"type": "Feature", "id": feature_id, "properties": properties,
            "geometry": {"type": "Point", "coordinates": [round(float(lon), 6), round(float(lat), 6)]}}


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def facility_collection(facilities: pd.DataFrame, lang: str) -> dict:
    """Facilities as WGS-84 points; properties carry what the tooltip, style and click need.
    Built column-wise (no row objects): at province scale a city scope holds thousands of rooms."""
    kinds = {tier: i18n.code_label(lang, "tier", tier) for tier in TIERS}
    columns = zip(facilities["facility_id"], facilities["tier"], facilities["status"], facilities["label"],
                  status_texts(facilities, lang), facilities["lon"], facilities["lat"])
    return _collection([
        _point(fid, lon, lat, {"facility_id": fid, "tier": tier, "status": status, "label": label,
                               "kind": kinds[tier], "state": state})
        for fid, tier, status, label, state, lon, lat in columns
    ])


def marker_style(tier: str, status: str) -> dict:
    """Leaflet options of a facility's symbol: colour and size by tier, fill and outline by status
    (built solid, near-term planned hollow, long-term planned grey and dashed). District centres are
    DivIcon squares styled by MARKER_CSS through the same class names."""
    css = f"{TIER_CLASSES[tier]} rd-{status}"
    if tier == "district_center":
        return {"className": css}  # icon options; the marker itself is put in its pane by _tier_marker
    color = TIER_COLORS[tier]
    if status == "built":
        look = {"color": "#ffffff", "weight": 1.5, "fillColor": color, "fillOpacity": 1.0}
    elif status == "planned_near":
        look = {"color": color, "weight": 2.5, "fillColor": "#ffffff", "fillOpacity": 0.9}
    else:
        look = {"color": FAR_GREY, "weight": 2, "dashArray": "3 3", "fillColor": "#ffffff",
                "fillOpacity": 0.7}
    return {**look, "fill": True, "radius": CIRCLE_RADIUS[tier], "className": css, "pane": PANES[tier][0]}


def _facility_style(feature: dict) -> dict:
    return marker_style(feature["properties"]["tier"], feature["properties"]["status"])


def _tier_marker(tier: str) -> folium.CircleMarker | folium.Marker:
    if tier == "district_center":
        half = CENTRE_SIZE // 2
        icon = folium.DivIcon(html="", icon_size=(CENTRE_SIZE, CENTRE_SIZE), icon_anchor=(half, half),
                              class_name="rd-center")
        return folium.Marker(icon=icon, pane=PANES[tier][0])
    return folium.CircleMarker()


def boundary_zoom(data: MapData) -> int:
    """The zoom the scope is seen at, for simplifying its polygons: a province's (districts of several
    cities), a city's or a district's."""
    districts = data.regions[data.regions["level"] == "district"]
    level = "province" if districts["parent_code"].nunique() > 1 else "city" if len(districts) > 1 else "district"
    return boundaries.ZOOM_OF_LEVEL[level]


def scope_boundaries(data: MapData, lang: str) -> tuple[dict, dict]:
    """(districts, townships) polygons of the scope; township features get a tooltip that says
    whether the outline is approximate and whether the township lacks a built station."""
    codes = set(data.regions["region_code"])
    zoom = boundary_zoom(data)
    districts = boundaries.features("districts", data.regions.loc[data.regions["level"] == "district",
                                                                  "region_code"], zoom)
    uncovered = townships_without_station(data)
    townships = []
    for f in boundaries.features("townships", codes, zoom):
        code = f["properties"]["region_code"]
        if f["properties"]["approximate"]:
            note = text(lang, "township_uncovered_tip") if code in uncovered else text(lang, "township_tip")
        else:  # imported by an admin: a surveyed outline, not 示意
            note = i18n.text(lang, "boundaries.surveyed_uncovered_tip") if code in uncovered else ""
        townships.append({**f, "id": code,
                          "properties": {**f["properties"], "tooltip": f"{f['properties']['name']}{note}",
                                         "uncovered": code in uncovered}})
    return _collection(districts), _collection(townships)


def missing_boundaries(data: MapData) -> list[str]:
    """Names of the scope's units that have no polygon (稀土高新区), topmost only."""
    have = boundaries.covered(data.regions["region_code"])
    lacking = data.regions[~data.regions["region_code"].isin(have)]
    # a township with no seat either is counted apart (unplaced_townships: 36 of 东莞市 before its boundaries)
    lacking = lacking[~(lacking["level"].eq("township") & lacking["lon"].isna())]
    codes = set(lacking["region_code"])
    return lacking.loc[~lacking["parent_code"].isin(codes), "name"].tolist()


def _township_outlines(data: MapData) -> list[dict]:
    codes = data.regions.loc[data.regions["level"] == "township", "region_code"]
    return boundaries.features("townships", codes, boundary_zoom(data))


def townships_approximate(data: MapData) -> bool:
    """Whether any township outline of the scope is an approximate cell (示意), not an imported one."""
    return any(f["properties"]["approximate"] for f in _township_outlines(data))


def township_outline_note(data: MapData, lang: str) -> str:
    """The caption's word on the scope's township outlines: 示意 only while some are the approximate
    cells; which are imported (surveyed) ones otherwise; nothing when none is drawn."""
    drawn = _township_outlines(data)
    approximate = sum(f["properties"]["approximate"] for f in drawn)
    if not drawn:
        return ""
    if not approximate:
        return text(lang, "surveyed")
    if approximate == len(drawn):
        return text(lang, "approximate")
    return text(lang, "partly_surveyed", surveyed=len(drawn) - approximate, approximate=approximate)


def pairing_collection(pairings: pd.DataFrame, lang: str) -> dict:
    """One line per pairing, from the institution to the township's seat."""
    features = []
    for _, p in pairings.iterrows():
        since = "" if pd.isna(p["since"]) else month(pd.Timestamp(p["since"]).date(), lang)
        features.append({
            "type": "Feature", "id": f"{p['institution_id']}>{p['township_code']}",
            "properties": {"tooltip": text(lang, "pairing_tip", institution=p["institution_name"],
                                           township=p["township_name"], since=since)},
            "geometry": {"type": "LineString", "coordinates": [
                [float(p["institution_lon"]), float(p["institution_lat"])],
                [float(p["township_lon"]), float(p["township_lat"])]]},
        })
    return _collection(features)


def institution_collection(institutions: pd.DataFrame, lang: str) -> dict:
    features = []
    for _, i in institutions.iterrows():
        kind = f"{i18n.code_label(lang, 'institution_kind', i['kind'])} · " \
               f"{i18n.code_label(lang, 'ownership', i['ownership'])}"
        if not i["in_scope"]:
            kind += text(lang, "outside_scope")
        features.append(_point(i["institution_id"], i["lon"], i["lat"],
                               {"label": i["name"], "kind": kind, "in_scope": bool(i["in_scope"])}))
    return _collection(features)


def device_collection(points: pd.DataFrame, lang: str) -> dict:
    return _collection([
        _point(p["station_id"], p["lon"], p["lat"],
               {"label": p["name"], "kind": i18n.code_label(lang, "station_kind", p["kind"])})
        for _, p in points.iterrows()
    ])


def _bounds(data: MapData, districts: dict, townships: dict) -> tuple[float, float, float, float]:
    """The scope's polygons and every point of its own, so a unit without a polygon still fits."""
    boxes = [mapkit.bounds_of(fc) for fc in (districts, townships) if fc["features"]]
    points = pd.concat([data.facilities[["lon", "lat"]], data.device_points[["lon", "lat"]],
                        data.regions[["lon", "lat"]]]).dropna()
    if not points.empty:
        boxes.append((points["lon"].min(), points["lat"].min(), points["lon"].max(), points["lat"].max()))
    if not boxes:
        raise ValueError("nothing to show: the scope has no boundary and no position")
    min_lon, min_lat = min(b[0] for b in boxes), min(b[1] for b in boxes)
    max_lon, max_lat = max(b[2] for b in boxes), max(b[3] for b in boxes)
    pad = 0.01  # a lone point still gets a street-level view around it
    if max_lon - min_lon < pad and max_lat - min_lat < pad:
        return min_lon - pad, min_lat - pad, max_lon + pad, max_lat + pad
    return float(min_lon), float(min_lat), float(max_lon), float(max_lat)


def build_map(data: MapData, view: View, lang: str, basemap: str = "none") -> mapkit.OfflineMap:
    """The facility map of the scope as the view asks, fitted to the scope."""
    districts, townships = scope_boundaries(data, lang)
    shown = shown_facilities(data, view)
    # Quarter zoom steps: the scope fills the map instead of the next whole zoom level down.
    m = mapkit.base_map(_bounds(data, districts, townships), basemap, zoom_snap=0.25,
                        prefer_canvas=len(shown) > CANVAS_ABOVE)
    mapkit.add_style(m, MARKER_CSS, "rd_markers")
    for pane, z_index in dict(PANES.values()).items():
        folium.map.CustomPane(pane, z_index=z_index, pointer_events=True).add_to(m)
    if "boundaries" in view.layers:
        layers.add_boundaries(m, districts, name=text(lang, "district_boundary"), style=DISTRICT_STYLE)
        approximate = any(f["properties"]["approximate"] for f in townships["features"])
        name = text(lang, "township_boundary") if approximate else i18n.text(lang, "boundaries.township_layer")
        layers.add_geojson(m, townships, name=name, tooltip_fields=("tooltip",),
                           style=lambda f: UNCOVERED_STYLE if f["properties"]["uncovered"] else TOWNSHIP_STYLE)
    if "pairings" in view.layers:
        layers.add_geojson(m, pairing_collection(data.pairings, lang), name=text(lang, "layer_pairings"),
                           style=PAIRING_STYLE, tooltip_fields=("tooltip",))
    for tier in reversed(TIERS):  # rooms first, so stations and centres are drawn over them
        if tier in view.tiers:
            layers.add_geojson(
                m, facility_collection(shown[shown["tier"] == tier], lang),
                name=i18n.code_label(lang, "tier", tier), style=_facility_style,
                tooltip_fields=("label", "kind", "state"), marker=_tier_marker(tier),
            )
    if "district_center" in view.tiers:  # co-located centres set around a ring, not piled up
        m.add_child(controls.SpreadCentres())
    if "device_points" in view.layers:
        icon = folium.DivIcon(html=DEVICE_ICON, icon_size=(16, 16), icon_anchor=(8, 9), class_name="rd-device")
        layers.add_geojson(m, device_collection(data.device_points.dropna(subset=["lon", "lat"]), lang),
                           name=text(lang, "layer_device_points"), style={},
                           tooltip_fields=("label", "kind"), marker=folium.Marker(icon=icon))
    if "institutions" in view.layers:
        icon = folium.DivIcon(html="<div></div>", icon_size=(14, 14), icon_anchor=(7, 7),
                              class_name="rd-institution")
        layers.add_geojson(m, institution_collection(data.institutions.dropna(subset=["lon", "lat"]), lang),
                           name=text(lang, "layer_institutions"), style={},
                           tooltip_fields=("label", "kind"), marker=folium.Marker(icon=icon))
    return m


def selection_ring(m: mapkit.OfflineMap, facility: pd.Series) -> folium.FeatureGroup:
    """A ring around the chosen facility, for st_folium's ``feature_group_to_add``: it is drawn
    without rebuilding the map, so choosing a facility keeps the reader's pan and zoom."""
    group = folium.FeatureGroup(name="selected", control=False)
    size = 30
    folium.Marker(m.latlng(facility["lon"], facility["lat"]), interactive=False, keyboard=False,
                  icon=folium.DivIcon(html="", icon_size=(size, size), icon_anchor=(size // 2, size // 2),
                                      class_name="rd-selected")).add_to(group)
    return group


def clicked_facility(result: dict | None, shown: pd.DataFrame, m: mapkit.OfflineMap) -> str | None:
    """The facility a map click chose, from what st_folium returned, or None (a boundary, an
    institution or nothing was clicked).

    A facility's tooltip starts with its label; Leaflet reports a click on a marker (DivIcon or
    circle of at most 10 px) at the marker's own position. Both must agree: the label in the tooltip
    and the position within ~10 m, so a same-named facility elsewhere is never taken."""
    tooltip = (result or {}).get("last_object_clicked_tooltip") or ""
    where = (result or {}).get("last_object_clicked") or {}
    if not tooltip or "lat" not in where:
        return None
    best, best_gap = None, 1e-4
    for row in shown.itertuples():
        if row.label not in tooltip:
            continue
        lat, lon = m.latlng(row.lon, row.lat)
        gap = max(abs(lat - where["lat"]), abs(lon - where["lng"]))
        if gap <= best_gap:
            best, best_gap = row.facility_id, gap
    return best


# ---------------------------------------------------------------------------- the card


# ---------------------------------------------------------------------------- coverage


# ---------------------------------------------------------------------------- legend

_svg = mapkit.svg_image


def legend_symbol(tier: str, status: str) -> str:
    """The facility symbol as the map draws it (same colours, sizes, fills and dashes)."""
    if tier == "district_center":
        color = TIER_COLORS[tier]
        look = {"built": f'fill="{color}" stroke="#ffffff" stroke-width="2"',
                "planned_near": f'fill="#ffffff" stroke="{color}" stroke-width="3"',
                "planned_far": f'fill="#ffffff" stroke="{FAR_GREY}" stroke-width="2.5" stroke-dasharray="4 3"'}
        outline = f'<rect x="2" y="1" width="20" height="20" rx="3" fill="{color}"/>' if status == "built" else ""
        return _svg(f'{outline}<rect x="4" y="3" width="16" height="16" rx="2" {look[status]}/>')
    s = marker_style(tier, status)
    dash = f' stroke-dasharray="{s["dashArray"]}"' if s.get("dashArray") else ""
    return _svg(f'<circle cx="13" cy="11" r="{s["radius"]}" fill="{s["fillColor"]}" '
                f'fill-opacity="{s["fillOpacity"]}" stroke="{s["color"]}" stroke-width="{s["weight"]}"{dash}/>')


def legend_html(view: View, lang: str, approximate: bool = True) -> str:
    """The legend as a narrow list for beside the map: one row per tier (colour, shape, size), one
    per status with the symbols of the tiers shown, then the other layers. Real text beside every
    symbol, in large type, so it reads on a projector and without colour. The township outlines are
    called 示意 while any is `approximate`."""
    tiers = [t for t in TIERS if t in view.tiers]
    rows = [(legend_symbol(t, "built"), i18n.code_label(lang, "tier", t)) for t in tiers]
    rows += [("".join(legend_symbol(t, s) for t in tiers or ["township_station"]),
              text(lang, "legend_status", status=i18n.code_label(lang, "status", s), look=text(lang, "look_" + s)))
             for s in view.statuses]
    if "boundaries" in view.layers:
        rows += [
            (_svg(f'<rect x="2" y="3" width="22" height="16" fill="{DISTRICT_STYLE["fillColor"]}" '
                  f'stroke="{DISTRICT_STYLE["color"]}" stroke-width="2"/>'), text(lang, "district_boundary")),
            (_svg(f'<line x1="1" y1="11" x2="25" y2="11" stroke="{TOWNSHIP_STYLE["color"]}" stroke-width="1.5" '
                  f'stroke-dasharray="4 3"/>'),
             text(lang, "township_boundary") if approximate else i18n.text(lang, "boundaries.township_layer")),
            (_svg(f'<rect x="2" y="3" width="22" height="16" fill="{UNCOVERED_FILL}" fill-opacity="0.55" '
                  f'stroke="{TOWNSHIP_STYLE["color"]}" stroke-dasharray="4 3"/>'), text(lang, "uncovered")),
        ]
    if "institutions" in view.layers:
        rows.append((_svg(f'<rect x="8" y="5" width="11" height="11" fill="{INSTITUTION_COLOR}" stroke="#fff" '
                          f'transform="rotate(45 13.5 10.5)"/>'), text(lang, "layer_institutions")))
    if "pairings" in view.layers:
        rows.append((_svg(f'<line x1="1" y1="11" x2="25" y2="11" stroke="{INSTITUTION_COLOR}" '
                          f'stroke-width="2.5"/>'), text(lang, "pairing_line")))
    if "device_points" in view.layers:
        rows.append((_svg(DEVICE_SHAPE), text(lang, "layer_device_points")))
    items = "".join(
        f'<li style="display:flex;align-items:center;gap:8px;margin:3px 0">'
        f'<span style="flex:none;display:inline-flex">{symbol}</span><span>{label}</span></li>'
        for symbol, label in rows
    )
    return (f'<div class="rd-legend" style="font-size:16px;line-height:1.35;color:#1f2933">'
            f'<div style="font-weight:600;margin-bottom:2px">{text(lang, "legend")}</div>'
            f'<ul style="list-style:none;margin:0;padding:0">{items}</ul></div>')
