"""Exports: the briefing deck (PPTX) and workbooks (XLSX), built from topic results.

May import kernel, store, topics and charts/maps data; never Streamlit.
"""
