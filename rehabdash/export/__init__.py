"""Exports: the briefing deck (PPTX), the workbook (XLSX) and the bulletin (DOCX), built from topic results.

May import kernel, store, topics and charts/maps data; never Streamlit.
"""
