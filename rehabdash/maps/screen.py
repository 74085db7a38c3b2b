"""The map of a scope on a screen read from across the room (meeting mode's projector, the wall): the
board of rehabdash.maps.board with the names of the units and its type drawn large, its legend beside
the map (the page draws it) rather than over the units.

No Streamlit here.
"""
from __future__ import annotations

from rehabdash.maps import board, mapkit
from rehabdash.topics.facility_map import MapData, UnitMap, View
from rehabdash.topics.thematic import Thematic


def screen_map(data: MapData | UnitMap, view: View, lang: str, scope_root: str, scope_level: str,
               basemap: str = "none", *, thematic: Thematic | None = None,
               thematic_title: str = "") -> mapkit.OfflineMap:
    """Like board.scope_map, labelled: above the city the units shaded by ``thematic`` (names and values
    in the map, its legend too), from the city down every facility of the view with the names of the
    districts and townships (and the units' lights when ``thematic`` is given)."""
    if isinstance(data, UnitMap):
        return board.build_unit_board(data, thematic, lang, basemap, thematic_title=thematic_title)
    return board.build_board(data, view, lang, scope_root, scope_level, basemap, thematic=thematic,
                             thematic_title=thematic_title, legend_in_map=False, large=True)
