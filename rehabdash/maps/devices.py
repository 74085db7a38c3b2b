"""The map of the device service points (辅具服务站点): one layer per kind, each kind a colour AND a
shape, over the scope's boundaries."""
from __future__ import annotations

import html

import folium
import pandas as pd

from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n
from rehabdash.kernel.contract import STATION_KINDS
from rehabdash.kernel.scope import Scope
from rehabdash.kernel.theme import STATION_KIND_COLORS
from rehabdash.maps import controls, layers, mapkit
from rehabdash.store import boundaries
from rehabdash.topics.facility_map import aggregated

# Kind of point: colour from the palette AND a shape, so the map reads without colour.
KIND_COLORS = STATION_KIND_COLORS



KIND_SHAPES = {"fitting_center": "square", "community_station": "circle", "rental_point": "triangle"}



KIND_SYMBOLS = {"square": "■", "circle": "●", "triangle": "▲"}



MARKER_SIZE = {"fitting_center": 18, "community_station": 12, "rental_point": 15}



def marker_svg(kind: str) -> str:
    """A small inline SVG of the kind's shape and colour with a white rim (no image request)."""
    size, color = MARKER_SIZE[kind], KIND_COLORS[kind]
    shape = KIND_SHAPES[kind]
    paint = f'fill="{color}" stroke="#ffffff" stroke-width="1.5"'
    if shape == "square":
        body = f'<rect x="1.5" y="1.5" width="{size - 3}" height="{size - 3}" {paint}/>'
    elif shape == "triangle":
        body = f'<polygon points="{size / 2},1 {size - 1},{size - 1} 1,{size - 1}" {paint}/>'
    else:
        body = f'<circle cx="{size / 2}" cy="{size / 2}" r="{size / 2 - 1}" {paint}/>'
    # Inline in HTML, an <svg> needs no xmlns (which would put a URL in the page).
    return f'<svg width="{size}" height="{size}" viewBox="0 0 {size} {size}">{body}</svg>'



def scope_outlines(scope: Scope) -> tuple[dict, dict]:
    """(districts, townships) boundary collections to draw for the scope: a city's districts; a
    district's outline and township cells; a township's district outline and its own cell."""
    def collection(features):
        return {"type": "FeatureCollection", "features": features}

    zoom = boundaries.ZOOM_OF_LEVEL["district" if scope.district else scope.level]
    codes = [scope.district] if scope.district else boundaries.districts_under(scope.root, shipped_first=True)
    districts = boundaries.features("districts", codes, zoom)
    townships = [] if not scope.district else [
        f for f in boundaries.load("townships")["features"]
        if f["properties"]["parent_code"] == scope.district
        and scope.township in ("", f["properties"]["region_code"])]
    return collection(districts), collection(townships)



def _focus_bounds(districts: dict, townships: dict, stations: pd.DataFrame, scope: Scope):
    """What the map is fitted to: the scope's own outline, else its points (稀土高新区 has no polygon)."""
    focus = townships if scope.township else districts
    if focus["features"]:
        return mapkit.bounds_of(focus)
    if len(stations):
        pad = 0.02
        return (stations["lon"].min() - pad, stations["lat"].min() - pad,
                stations["lon"].max() + pad, stations["lat"].max() + pad)
    return None



def unit_collection(stations: pd.DataFrame, polygons: dict, labels: dict[str, str]) -> dict:
    """One point per unit one level below the scope (its label point, else the middle of its points),
    sized by its number of service points, the count of each kind in its tooltip."""
    counts = stations.groupby(["subunit_code", "subunit_name", "kind"]).size().unstack("kind", fill_value=0)
    counts = counts.reindex(columns=list(STATION_KINDS), fill_value=0)
    places = controls.label_points(polygons).set_index("region_code")
    middle = stations.groupby("subunit_code")[["lon", "lat"]].mean()
    largest = max(int(counts.sum(axis=1).max()), 1) if len(counts) else 1
    features = []
    for (code, name), row in counts.iterrows():
        lon, lat = places.loc[code, ["lon", "lat"]] if code in places.index else middle.loc[code]
        total = int(row.sum())
        kinds = " · ".join(f"{labels[k]} {int(row[k]):,}" for k in STATION_KINDS if row[k])
        features.append({"type": "Feature", "id": code,
                         "properties": {"region_code": code, "total": total,
                                        "radius": round(6 + 22 * (total / largest) ** 0.5, 1),
                                        "tooltip": f"{name} · {labels['points']} {total:,}（{kinds}）"},
                         "geometry": {"type": "Point", "coordinates": [round(float(lon), 5), round(float(lat), 5)]}})
    return {"type": "FeatureCollection", "features": features}


def unit_map(stations: pd.DataFrame, scope: Scope, labels: dict[str, str], basemap: str | None = None):
    """Above the city: the units one level down outlined, each with one circle sized by its service
    points (a nation holds about 15,000 of them: never one marker each)."""
    units = stations.dropna(subset=["subunit_code"])
    if units.empty:
        return None
    zoom = boundaries.ZOOM_OF_LEVEL[scope.level]
    polygons = {"type": "FeatureCollection",
                "features": boundaries.features("districts", units["subunit_code"].unique(), zoom)}
    symbols = unit_collection(units, polygons, labels)
    bounds = mapkit.bounds_of(polygons) if polygons["features"] else mapkit.bounds_of(symbols)
    m = mapkit.base_map(bounds, basemap or mapkit.configured_basemap(), zoom_snap=0.25)
    if polygons["features"]:
        layers.add_boundaries(m, polygons, name=labels["units"])
    layers.add_geojson(m, symbols, name=labels["units_points"], tooltip_fields=("tooltip",),
                       marker=folium.CircleMarker(),
                       style=lambda f: {"radius": f["properties"]["radius"], "color": "#ffffff", "weight": 1.5,
                                        "fillColor": KIND_COLORS["community_station"], "fillOpacity": 0.8})
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def station_map(stations: pd.DataFrame, scope: Scope, labels: dict[str, str], tooltip,
                basemap: str | None = None) -> mapkit.OfflineMap | None:
    """An offline map of the service points over the scope's boundaries, one layer per kind; above
    the city (facility_map.aggregated) one circle per unit one level down instead (``unit_map``).

    `labels` names the layers: each station kind, 'districts' and 'townships'; `tooltip(row)` gives
    the plain text shown on hover. None when there is nothing to place."""
    if aggregated(scope.level):
        return unit_map(stations, scope, labels, basemap)
    districts, townships = scope_outlines(scope)
    bounds = _focus_bounds(districts, townships, stations, scope)
    if bounds is None:
        return None
    # Quarter zoom steps, so a scope fills the frame instead of the nearest whole zoom level's share of it.
    m = mapkit.base_map(bounds, basemap or mapkit.configured_basemap(), zoom_snap=0.25)
    if districts["features"]:
        layers.add_boundaries(m, districts, name=labels["districts"])
    if townships["features"]:
        layers.add_boundaries(m, townships, name=labels["townships"], style=layers.TOWNSHIP_STYLE)
    for kind in STATION_KINDS:
        points = stations[stations["kind"] == kind]
        if points.empty:
            continue
        group = folium.FeatureGroup(name=f"{KIND_SYMBOLS[KIND_SHAPES[kind]]} {labels[kind]}"
                                         f" ({len(points)})").add_to(m)
        size = MARKER_SIZE[kind]
        for row in points.itertuples():
            marker = folium.Marker(
                m.latlng(row.lon, row.lat),
                icon=folium.DivIcon(html=marker_svg(kind), icon_size=(size, size),
                                    icon_anchor=(size // 2, size // 2), class_name="device-point"),
            )
            # Text nodes, not folium's tooltip: it splices the text into a JS template literal.
            marker.add_child(layers.TextTooltip(lines=tooltip(row).split("\n")))
            marker.add_to(group)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def stations_map(stations: pd.DataFrame, scope: Scope, lang: str, stock_of: dict, loans_of: dict,
                 basemap: str | None = None) -> mapkit.OfflineMap | None:
    """The devices page's map: `station_map` with the layers named in ``lang`` and each point's
    tooltip from its stock and loans (plain arguments, so component.shared_map can key it)."""
    return station_map(stations, scope, layer_names(lang),
                       lambda row: station_tooltip(row, stock_of, loans_of, lang), basemap)


def station_tooltip(row, stock_of: dict, loans_of: dict, lang: str) -> str:
    """The plain text shown on hover: name, kind and place, opening date, stock and loans."""
    text = lambda key, **v: i18n.text(lang, f"devices.{key}", **v)  # noqa: E731
    lines = [row.name, f"{i18n.code_label(lang, 'station_kind', row.kind)} · {row.district_name} {row.township_name}",
             text("tooltip_opened", date=fmt.date(row.opened_on, lang))]
    if stock_of.get(row.station_id):
        lines.append(text("tooltip_stock", count=fmt.count(stock_of[row.station_id], lang)))
    if loans_of.get(row.station_id):
        lines.append(text("tooltip_loans", count=fmt.count(loans_of[row.station_id], lang)))
    return "\n".join(lines)


def layer_names(lang: str) -> dict[str, str]:
    return {**{k: i18n.code_label(lang, "station_kind", k) for k in KIND_COLORS},
            "districts": i18n.text(lang, "devices.districts"), "townships": i18n.text(lang, "devices.townships"),
            "units": i18n.text(lang, "devices.units"), "units_points": i18n.text(lang, "devices.units_points"),
            "points": i18n.text(lang, "devices.points_total")}


def legend_html(lang: str) -> str:
    """Each kind's symbol in its colour, then its name (the symbol tells kinds apart without colour)."""
    return " ".join(f'<span style="color:{KIND_COLORS[k]}">{KIND_SYMBOLS[KIND_SHAPES[k]]}</span> '
                    f'{html.escape(i18n.code_label(lang, "station_kind", k))}' for k in KIND_COLORS)
