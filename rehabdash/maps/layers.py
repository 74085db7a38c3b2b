"""What is drawn on an offline map: GeoJSON layers (boundaries, points as markers) with their text
tooltips. A layer takes WGS-84 data and lands in the map's datum through the map it is drawn on
(:class:`rehabdash.maps.mapkit.OfflineMap`).

Nothing from the data becomes HTML or script: tooltips are :class:`TextTooltip` and popups
:class:`TextPopup` (text nodes), never folium's GeoJsonTooltip (writes ``innerHTML``), Tooltip or Popup
(a JavaScript template literal).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import folium
from branca.element import MacroElement
from folium.template import Template

from rehabdash.kernel import safe_text
from rehabdash.maps.mapkit import OfflineMap

DISTRICT_STYLE = {"color": "#3b5b92", "weight": 2, "fillColor": "#dfe7f2", "fillOpacity": 0.35}
TOWNSHIP_STYLE = {"color": "#7d8fa9", "weight": 1, "dashArray": "4 3", "fill": False}


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
            {{ this._parent.get_name() }}.bindTooltip(rdMap.textTooltip({{ this.fields_json }}, {{ this.lines_json }}),
                {{ this.options|tojavascript }});
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


class TextPopup(MacroElement):
    """A marker's popup built of text nodes, as :class:`TextTooltip`: a bold ``title``, then a numbered
    list, each entry its lines (the first as it is, the others in the smaller ``<css>-meta`` style).
    folium.Popup splices its HTML into a JavaScript template literal, where ``${...}`` runs whatever
    the HTML escaping; this one gets its text as JSON data. ``css`` is the box's class."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindPopup(rdMap.textPopup({{ this.data_json }}), {{ this.options|tojavascript }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, entries: Iterable[Sequence[str]], css: str, **options: Any):
        super().__init__()
        self._name = "TextPopup"
        self.data_json = safe_text.js_data({"title": str(title), "css": css,
                                            "entries": [[str(line) for line in lines] for lines in entries]})
        self.options = options


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
    ``tooltip_fields`` are shown one per line, without labels, as text (:class:`TextTooltip`). An
    empty collection adds nothing (folium cannot style an empty layer) and returns None."""
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

