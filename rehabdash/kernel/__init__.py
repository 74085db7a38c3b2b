"""The kernel: the data contract, indicator arithmetic, measures, formatting, i18n, region scope,
disclosure control, colours and settings.

Pure Python over pandas: imports nothing of the dashboard above it and never Streamlit, DuckDB,
folium or plotly, so every rule here is the one implementation that pages, exports, imports and tests
share.
"""
