"""Topics: one module per page's figures (overview, dispatch, funding, child rehab, devices, facility
map), each a set of pure functions of a query runner (`RunQuery`, i.e. `Filters.run`) and the view's
date and year, returning frames and small dataclasses.

May import the kernel and the store's plain data types; never Streamlit, DuckDB, folium or plotly:
drawing is for maps/, charts/ and export/.
"""
