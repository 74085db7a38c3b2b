"""The thematic layer (专题图): the units one level below the scope shaded by a chosen indicator, in
classes that differ in lightness AND in hatching, each unit labelled with its name and value, so the
map reads in greyscale and on a projector. The classed legend goes into the map's legend overlay.

Patterns are SVG <pattern>s put into the map page once; a polygon's fill refers to its class's
pattern (fill="url(#rd-th-2)"). On a canvas-drawn map (province scale) plain fills are used.
"""
from __future__ import annotations

import html
import json

from branca.element import Element

from rehabdash.kernel import safe_text
from rehabdash.maps import controls, layers, mapkit
from rehabdash.topics.thematic import Thematic

# Light to dark: a lightness step per class (greyscale-distinct), hatching denser as the class rises.
RATE_FILLS = ("#f7fbff", "#c6dbef", "#6baed6", "#2166ac")
STATUS_FILLS = ("#f4a582", "#fddbc7", "#92c5de")  # 滞后, 预警, 达标: lightness differs too
NO_VALUE_FILL = "#ffffff"
# (line spacing px, crossed): none for the first class, then sparser to denser
HATCH = ((0, False), (8, False), (5, False), (5, True))
STATUS_HATCH = ((5, True), (8, False), (0, False))


def _looks(thematic: Thematic) -> list[tuple[str, tuple[int, bool]]]:
    if thematic.indicator == "task_completion":
        return list(zip(STATUS_FILLS, STATUS_HATCH))
    return list(zip(RATE_FILLS, HATCH))


def _pattern(pid: str, fill: str, spacing: int, crossed: bool) -> str:
    if not spacing:
        return (f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="8" height="8">'
                f'<rect width="8" height="8" fill="{fill}"/></pattern>')
    lines = f'<path d="M0,0 L0,{spacing}" stroke="#1b2a3a" stroke-width="1.2" stroke-opacity="0.55"/>'
    if crossed:
        lines += f'<path d="M0,0 L{spacing},0" stroke="#1b2a3a" stroke-width="1.2" stroke-opacity="0.55"/>'
    return (f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="{spacing}" height="{spacing}" '
            f'patternTransform="rotate(45)"><rect width="{spacing}" height="{spacing}" fill="{fill}"/>'
            f'{lines}</pattern>')


def patterns_svg(thematic: Thematic) -> str:
    defs = "".join(_pattern(f"rd-th-{k}", fill, *hatch) for k, (fill, hatch) in enumerate(_looks(thematic)))
    return (f'<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>{defs}</defs></svg>')


def add_thematic(m: mapkit.OfflineMap, polygons: dict, thematic: Thematic, *, canvas: bool = False,
                 details: dict[str, str] | None = None) -> None:
    """Shade every subunit polygon of ``polygons`` (WGS-84) by its class; label it with name and value.
    ``details``: more text per unit code for its tooltip (the counts of the map above the city)."""
    by_code = thematic.values.set_index("subunit_code")
    looks = _looks(thematic)
    features = []
    for f in polygons.get("features", []):
        code = f["properties"]["region_code"]
        if code not in by_code.index:
            continue
        row = by_code.loc[code]
        klass = int(row["klass"])
        features.append({**f, "id": code, "properties": {
            "region_code": code, "klass": klass,
            "tooltip": f"{row['subunit_name']} · {row['text']}"
                       + (f" · {details[code]}" if details and code in details else "")}})
    if not features:
        return
    if not canvas:
        m.get_root().html.add_child(Element(patterns_svg(thematic)), name="rd_thematic_patterns")

    def style(feature):
        klass = feature["properties"]["klass"]
        if klass < 0:
            fill = NO_VALUE_FILL
        else:
            fill = looks[klass][0] if canvas else f"url(#rd-th-{klass})"
        return {"color": "#1b2a3a", "weight": 2, "fillColor": fill, "fillOpacity": 0.85,
                "className": f"rd-thematic rd-th-class-{klass}"}

    layers.add_geojson(m, {"type": "FeatureCollection", "features": features}, name="thematic",
                       style=style, tooltip_fields=("tooltip",))
    points = controls.label_points({"features": features})
    names = dict(zip(thematic.values["subunit_code"], thematic.values["subunit_name"]))
    texts = dict(zip(thematic.values["subunit_code"], thematic.values["text"]))
    points["text"] = [f"{names[c]} {texts[c]}" for c in points["region_code"]]
    controls.add_labels(m, points, "value")


def legend_html(thematic: Thematic, title: str, no_value: str) -> str:
    """The classed legend: a swatch (fill and hatching as on the map) and the class's words."""
    rows = []
    for k, ((fill, (spacing, crossed)), name) in enumerate(zip(_looks(thematic), thematic.classes)):
        # an <img> (mapkit.svg_image): the side panel's sanitiser drops an inline <svg>, and the swatch with it
        pattern = _pattern(f"lg{k}", fill, spacing, crossed)
        rows.append((mapkit.svg_image(f'<defs>{pattern}</defs><rect x="1" y="1" width="24" height="16" '
                                      f'fill="url(#lg{k})" stroke="#1b2a3a"/>', 26, 18), name))
    rows.append((mapkit.svg_image('<rect x="1" y="1" width="24" height="16" fill="#fff" stroke="#1b2a3a"/>', 26, 18),
                 no_value))
    items = "".join(f'<li style="display:flex;align-items:center;gap:8px;margin:2px 0">{svg}'
                    f'<span>{html.escape(name)}</span></li>' for svg, name in rows)
    return (f'<div class="rd-thematic-legend" style="font-size:14px;margin-bottom:6px">'
            f'<div style="font-weight:600">{html.escape(title)}</div>'
            + (f'<div style="max-width:22em">{safe_text.html_text(thematic.note)}</div>' if thematic.note else "") +
            f'<ul style="list-style:none;margin:0;padding:0">{items}</ul></div>')


def values_json(thematic: Thematic) -> str:
    """The shown values as JSON (for tests and the page's data table): code → text."""
    return json.dumps(dict(zip(thematic.values["subunit_code"], thematic.values["text"])), ensure_ascii=False)
