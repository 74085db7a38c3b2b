"""Page chrome shared by every page: contrast styles and the account box with sign-out.
"""
from __future__ import annotations

import streamlit as st

from rehabdash.access import gate
from rehabdash.ui.text import t, t_md


# Every text a plotly chart draws on its own ground (SVG classes of plotly.js): ticks, axis and chart
# titles, legend, value labels beside bars and points, annotations, Sankey labels, hover labels. Labels
# inside bars are left out: plotly already picks their colour against the bar's.
CHART_TEXT = (".js-plotly-plot :is(.xtick, .ytick, .textpoint, .hovertext, .axistext) text, "
              ".js-plotly-plot :is(.gtitle, .xtitle, .ytitle, .legendtext, .legendtitletext, .annotation-text, "
              ".node-label, .bartext-outside)")

# Accessibility (WCAG 2.1 AA), on every page. Keyboard focus is always shown: a thick outline in the
# theme's blue (at least 3:1 against white and the sidebar's grey). Streamlit draws captions at 60%
# opacity, 3.9:1 on white; a solid dark grey gives 7:1. Streamlit's chart theme draws chart text in a
# grey of 3.8:1 on white: it takes the page's own text colour instead, so it follows the light or dark
# theme (currentColor, at once when the reader switches theme); plotly's fills are inline, hence !important.
A11Y_CSS = """<style>
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #595959 !important; }
/* figure labels wrap rather than end in '…' (English labels are long) */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; }
/* A text field's box clips its input's outline, and a switch's input is hidden: outline the box and
   the label instead. */
:focus-visible:not(input), label:has(input:focus-visible), div:has(> input:focus-visible) {
  outline: 3px solid #0b5cad !important; outline-offset: 2px !important; }
""" + CHART_TEXT + """ { fill: currentColor !important; }
.js-plotly-plot .shapelayer path { stroke: currentColor !important; }  /* 序时进度, 合格线 */
</style>"""


# High contrast, large text (高对比度大字), for low vision: black text on white, dark borders, underlined
# links, larger type. Meeting mode's own larger type still wins when both are on.
CONTRAST_CSS = """<style>
html:root { font-size: 19px; }
.stApp, [data-testid="stSidebar"], [data-testid="stSidebarContent"] { background: #ffffff !important; }
.stApp, .stApp p, .stApp li, .stApp label, .stApp span, .stApp h1, .stApp h2, .stApp h3, .stApp h4,
[data-testid="stCaptionContainer"], [data-testid="stMetricLabel"], [data-testid="stMetricValue"],
[data-testid="stWidgetLabel"] p { color: #000000 !important; }
[data-testid="stSidebar"] { border-right: 2px solid #000000; }
[data-testid="stSelectbox"] div:has(> input), [data-testid="stTextInput"] div:has(> input),
[data-testid="stExpander"] details, [data-testid="stDataFrame"] { border: 2px solid #000000 !important; }
.stApp a { color: #003f7f !important; text-decoration: underline !important; }
/* charts: black on white in the dark theme too, grid lines of 4.5:1, axis lines black */
.js-plotly-plot .svg-container > .main-svg:first-child { background: #ffffff !important; }  /* the others lie over it */
.js-plotly-plot .bg, .js-plotly-plot .hovertext path { fill: #ffffff !important; }
""" + CHART_TEXT + """ { fill: #000000 !important; }
.js-plotly-plot :is(.xgrid, .ygrid) { stroke: #767676 !important; }
.js-plotly-plot :is(.zl, .xlines-above, .ylines-above, .hovertext path, .shapelayer path) { stroke: #000000 !important; }
/* larger type must neither cut a figure short ("1884.7…") nor split it from its unit ("127.74万 / 元"):
   the figure keeps one line and its type shrinks to the card's width where the card is narrow (18 % of
   it an em: "12345.67万元", 5.5 em, still fits) */
[data-testid="stMetric"] { container-type: inline-size; }
html:root [data-testid="stMetric"] [data-testid="stMetricValue"] { font-size: min(2.25rem, 18cqi); }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { white-space: nowrap !important;
  overflow: visible !important; text-overflow: clip !important; }
:focus-visible:not(input), label:has(input:focus-visible), div:has(> input:focus-visible) {
  outline: 4px solid #000000 !important; outline-offset: 2px !important; }
</style>"""


def accessibility_styles() -> None:
    """Keyboard focus outline on every page, plus the high-contrast styles when that toggle is on."""
    st.html(A11Y_CSS)
    # Called before the sidebar draws its toggle (so the login page has it too): on a fresh session
    # only the URL knows yet.
    if st.session_state.get("contrast", st.query_params.get("contrast") == "true"):
        st.html(CONTRAST_CSS)


def account_box(account) -> None:
    """Who is signed in, and the way out; nothing in the local demo (REHAB_AUTH=off)."""
    if account.username == "demo" and not account.scope:
        return
    with st.sidebar:
        st.caption(t_md("auth.signed_in", user=account.username, role=t(f"roles.{account.role}")))
        st.button(t("auth.logout"), on_click=_logout, key="logout")


def _logout() -> None:
    gate.logout()
