"""Maps: the offline folium toolkit (vendored Leaflet, tile bases, boundaries, one GeoJSON layer per
kind of point) and the maps of the pages, drawn from topic results.

May import kernel, store (boundary files) and topics; never Streamlit except through the one
`show_map` wrapper of st_folium, which tests patch.
"""
