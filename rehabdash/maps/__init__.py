"""Maps: the offline folium map (`mapkit`: vendored Leaflet, tile bases, datums), what is drawn on it
(`layers`: boundaries, one GeoJSON layer per kind of point, text tooltips; `controls`: the wall
screen's controls and labels), the maps of the pages drawn from topic results, and the map on the
page (`component`).

May import kernel, store (boundary files) and topics; never Streamlit except through `component`
(`show_map`, the one wrapper of st_folium, which tests patch) and `st_folium_private` beneath it.
"""
