"""Printing a page (the browser's Print or Save as PDF): A4 landscape, every page headed with the scope,
the year and the snapshot's date, and the sample notice while there are sample rows; the screen's chrome
(sidebar, toolbar, meeting banner, buttons) left out, the page's whole length printed.
"""
from __future__ import annotations

import streamlit as st

from rehabdash.kernel import formatting
from rehabdash.kernel.safe_text import css_string
from rehabdash.ui.sidebar import Filters
from rehabdash.ui.text import t


# The running head is drawn in the page's margin (@page margin boxes, Chromium 131 and later), so it
# repeats on every sheet and never covers the content. Its words are CSS strings (css_string escapes
# every character but letters, digits and spaces: a region's name cannot end the rule).
def page_rule(head: str, sample: str) -> str:
    """The @page rule with the running head ``head`` at the top left and ``sample`` at the top right."""
    return (f"@page {{ size: A4 landscape; margin: 16mm 10mm 13mm 10mm;\n"
            f"  @top-left {{ content: {css_string(head)}; font-size: 10pt; color: #1b2a3a; }}\n"
            f"  @top-right {{ content: {css_string(sample)}; font-size: 10pt; font-weight: bold; color: #8a4b00; }}\n"
            '  @bottom-right { content: counter(page) " / " counter(pages); font-size: 9pt; color: #595959; } }\n')


# On paper: no screen chrome, the whole page's length (Streamlit scrolls its main box on screen), each
# section as long as its content, figures and charts not cut across sheets.
PRINT_CSS = """
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
  header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stElementToolbar"], [data-testid="stSkipToContent"],
  .st-key-meeting_banner, [data-testid="stButton"], [data-testid="stDownloadButton"],
  [data-testid="stPageLink"], [data-testid="stBottom"], [data-testid="stForm"], .st-key-section_exports {
    display: none !important; }
  html, body, .stApp, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"],
  [data-testid="stAppScrollToBottomContainer"] { height: auto !important; min-height: 0 !important;
    overflow: visible !important; position: static !important; }
  html { font-size: 13px !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  [class*="st-key-section_"] { height: auto !important; overflow: visible !important; padding-top: 0 !important; }
  [data-testid="stMetric"], [data-testid="stTable"] tr, [data-testid="stPlotlyChart"], iframe {
    break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
}
"""


def print_styles(f: Filters) -> None:
    """The print layout of the page, headed with what the figures are: scope, year, snapshot date, and
    the sample notice while the snapshot holds sample rows."""
    scope = " / ".join(formatting.region_name(part, f.lang) for part in f.scope_label.split(" / "))
    head = f"{scope} · {t('meeting.year', year=f.year)} · {t('meeting.as_of', date=formatting.date(f.as_of, f.lang))}"
    sample = t("meeting.sample").lstrip("⚠ ") if f.sample else ""
    st.html(f"<style>{page_rule(head, sample)}{PRINT_CSS}</style>")
