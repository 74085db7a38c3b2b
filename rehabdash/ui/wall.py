"""The wall screen (大屏, ``?wall=true``): one 16:9 canvas that runs by itself. A heading line with the
scope, the snapshot's date and the sample notice; sections shown in turn every REHAB_WALL_ROTATE_SECONDS
(the browser turns them: no rerun, the map stays loaded); the page runs again by itself when a new
snapshot is published. No sidebar, no toolbar, nothing to click.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from rehabdash.kernel import columns, formatting
from rehabdash.kernel.config import wall_rotate_seconds
from rehabdash.kernel.safe_text import html_text
from rehabdash.kernel.theme import STATUS_COLORS
from rehabdash.ui.sidebar import Filters, published_since
from rehabdash.ui.text import lang, t

POLL_SECONDS = 30  # how often the wall looks for a newly published snapshot (a listing of folders)
WALL_ROWS = 10  # table rows that fit one section of the wall in its type

# The canvas is the largest 16:9 box in the window (the whole screen at 1920×1080 and 1280×720) and
# every size is in rem of its width, so the wall looks the same at any resolution. Sections lie on top
# of each other; the one shown is named on <html> by WALL_JS. Hidden, not removed: the map keeps its size.
WALL_CSS = """<style>
html { font-size: calc(min(100vw, 100vh * 16 / 9) / 96) !important; }  /* 20px at 1920, 13.3px at 1280 */
:root { --rd-wall-w: min(100vw, 100vh * 16 / 9); --rd-wall-h: calc(var(--rd-wall-w) * 9 / 16);
  --rd-wall-head: 3.2rem; --rd-wall-left: calc((100vw - var(--rd-wall-w)) / 2);
  --rd-wall-top: calc((100vh - var(--rd-wall-h)) / 2); }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stElementToolbar"],
[data-testid="stDecoration"] { display: none !important; }
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] { overflow: hidden !important; }
[data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
.stApp { background: #0d2236; }
/* a script-only block takes no room */
[data-testid="stElementContainer"]:has(> [data-testid="stHtml"] > script:only-child) { display: none !important; }
.st-key-wall_head { position: fixed !important; z-index: 990; left: var(--rd-wall-left); top: var(--rd-wall-top);
  width: var(--rd-wall-w); height: var(--rd-wall-head); box-sizing: border-box; padding: 0 1rem;
  background: #0d2236; color: #ffffff; flex-wrap: nowrap !important; overflow: hidden; }
.st-key-wall_head p { margin: 0; white-space: nowrap; color: #ffffff; font-size: 1rem; }
.st-key-wall_head h1 { font-size: 1.6rem !important; line-height: 1.2 !important; padding: 0 !important; margin: 0;
  color: #ffffff; white-space: nowrap; }
.st-key-wall_head .st-key-wall_sample p { color: #ffd27a; font-weight: 600; }
[class*="st-key-wall_section_"] { position: fixed !important; left: var(--rd-wall-left);
  top: calc(var(--rd-wall-top) + var(--rd-wall-head)); width: var(--rd-wall-w);
  height: calc(var(--rd-wall-h) - var(--rd-wall-head)); box-sizing: border-box; padding: 0.6rem 1rem 0.8rem;
  background: #f4f7fa; overflow: hidden; visibility: hidden; opacity: 0; z-index: 1; gap: 0.6rem !important;
  flex-wrap: nowrap !important; }
[class*="st-key-wall_section_"] h2, [class*="st-key-wall_section_"] h3 { font-size: 1.5rem !important; padding: 0 !important; }
[class*="st-key-wall_section_"] p, [class*="st-key-wall_section_"] li { font-size: 1rem; }
[class*="st-key-wall_section_"] [data-testid="stCaptionContainer"] { font-size: 0.85rem; }
[class*="st-key-wall_section_"] [data-testid="stTable"] table { font-size: 1.05rem; }
[class*="st-key-wall_section_"] [data-testid="stTable"] td, [class*="st-key-wall_section_"] [data-testid="stTable"] th {
  padding: 0.2rem 0.5rem !important; white-space: nowrap; }
[class*="st-key-wall_lagging_"] [data-testid="stTable"] table { font-size: 1.45rem; }  /* 8 columns: room for large type */
[class*="st-key-wall_section_"] [data-testid="stHeading"] { padding-top: 0.3rem; }
.rd-wall-step { font-size: 0.9rem; color: #cfe3f5; }
/* section 1: tiles | map | tiles and legend */
.st-key-wall_section_1 { flex-direction: row !important; align-items: stretch !important; }
.st-key-wall_section_1 > [data-testid="stLayoutWrapper"] { flex: 0 0 19rem !important; min-width: 0; height: 100%; }
.st-key-wall_section_1 > [data-testid="stLayoutWrapper"]:has(> .st-key-wall_map) { flex: 1 1 0 !important; }
.st-key-wall_map, .st-key-wall_left, .st-key-wall_right { height: 100% !important; gap: 0.5rem !important;
  flex-wrap: nowrap !important; }
.st-key-wall_map > [data-testid="stElementContainer"]:has(iframe) { flex: 1 1 0 !important; min-height: 0 !important; }
.st-key-wall_map > [data-testid="stElementContainer"]:has(iframe) > div { height: 100%; }
.st-key-wall_map iframe { height: 100% !important; display: block; pointer-events: none;
  border: 1px solid #8ca0b3; box-sizing: border-box; }
.st-key-wall_map [data-testid="stMarkdownContainer"] p { margin: 0; font-weight: 600; font-size: 1.1rem; }
.rd-tile { background: #ffffff; border: 1px solid #8ca0b3; border-left: 0.5rem solid var(--rd-light, #8c8c8c);
  border-radius: 4px; padding: 0.35rem 0.7rem; box-sizing: border-box; height: 100%; overflow: hidden; }
.rd-tile .rd-name { font-size: 0.95rem; color: #1b2a3a; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.rd-tile .rd-value { font-size: 1.9rem; font-weight: 700; line-height: 1.15; color: #0d2236; white-space: nowrap; }
.rd-tile .rd-value small { font-size: 0.9rem; font-weight: 400; margin-left: 0.2rem; }
.rd-tile .rd-line { font-size: 0.85rem; color: #333333; white-space: nowrap; }
.rd-tile .rd-light { font-size: 1.05rem; font-weight: 700; color: #1b2a3a; white-space: nowrap; }
.st-key-wall_left > [data-testid="stElementContainer"], .st-key-wall_right > [data-testid="stElementContainer"]:has(.rd-tile) {
  flex: 1 1 0 !important; min-height: 0 !important; }
.st-key-wall_left [data-testid="stHtml"], .st-key-wall_right [data-testid="stHtml"]:has(.rd-tile) { height: 100%; }
.st-key-wall_right > [data-testid="stElementContainer"]:has(.rd-wall-legend) { flex: 0 0 auto !important; }
.rd-wall-legend { background: #ffffff; border: 1px solid #8ca0b3; border-radius: 4px; padding: 0.3rem 0.6rem; }
.rd-wall-legend .rd-thematic-legend, .rd-wall-legend .rd-thematic-legend div, .rd-wall-legend .rd-legend,
.rd-wall-legend .rd-legend div { font-size: 0.85rem !important; line-height: 1.25 !important; }
.rd-wall-legend li { margin: 0 !important; }
</style>"""

# Turns the sections: every `seconds` the next one is named on <html> (data-rd-wall), which the styles
# show. Installed once per page; a rerun (a new snapshot) only updates the count and the interval.
WALL_JS = """<script>
(() => {
  const w = window, root = document.documentElement;
  const count = () => document.querySelectorAll('[class*="st-key-wall_section_"]').length;
  const show = (i) => {
    const n = count();
    if (!n) return;
    const k = ((i % n) + n) % n + 1;
    if (root.getAttribute('data-rd-wall') !== String(k)) root.setAttribute('data-rd-wall', String(k));
    const step = document.querySelector('.rd-wall-step'), text = k + ' / ' + n;
    if (step && step.textContent !== text) step.textContent = text;  // unchanged: no mutation to observe
  };
  const seconds = SECONDS;
  if (w.rdWall && w.rdWall.seconds === seconds) { show(w.rdWall.index); return; }
  if (w.rdWall) clearInterval(w.rdWall.timer);
  const state = {seconds, index: w.rdWall ? w.rdWall.index : 0};
  state.timer = setInterval(() => { state.index += 1; show(state.index); }, seconds * 1000);
  w.rdWall = state;
  // a rerun (a new snapshot) may change the number of sections: show the current one again, once settled
  new MutationObserver(() => { clearTimeout(state.settle); state.settle = setTimeout(() => show(state.index), 150); })
    .observe(document.body, {childList: true, subtree: true});
  show(state.index);
})();
</script>"""


def in_wall() -> bool:
    """Whether the wall screen is on (``?wall=true``, the sidebar's switch)."""
    return bool(st.session_state.get("wall", st.query_params.get("wall") == "true"))


def _styles(sections: int) -> str:
    # shown: visible, opaque and on top (a hidden section's element that sets its own visibility stays
    # transparent, under it)
    look = "{ visibility: visible; opacity: 1; z-index: 2; }"
    shown = "".join(f'html[data-rd-wall="{k}"] .st-key-wall_section_{k} {look}\n' for k in range(1, sections + 1))
    return WALL_CSS.replace("</style>", f"html:not([data-rd-wall]) .st-key-wall_section_1 {look}\n{shown}</style>")


def wall_frame(f: Filters, sections: int) -> None:
    """The canvas's styles, the section turner and the heading line: title, scope, year, the
    snapshot's date, the sample notice while there are sample rows, the section shown of all."""
    st.html(_styles(sections))
    with st.container(key="wall_head", horizontal=True, vertical_alignment="center", gap="medium"):
        st.title(t("wall.title"), anchor=False)
        scope = " / ".join(formatting.region_name(part, f.lang) for part in f.scope_label.split(" / "))
        st.html(f"<p><b>{html_text(scope)}</b> · {html_text(t('meeting.year', year=f.year))} · "
                f"{html_text(t('meeting.as_of', date=formatting.date(f.as_of, f.lang)))}</p>")
        if f.sample:
            with st.container(key="wall_sample", width="content"):
                st.html(f"<p>{html_text(t('meeting.sample'))}</p>")
        st.html(f'<p class="rd-wall-step" title="{html_text(t("wall.step_help"))}">1 / {sections}</p>')
    seconds = wall_rotate_seconds()
    st.html(WALL_JS.replace("SECONDS", str(seconds)), unsafe_allow_javascript=True)
    # at every turn, at most every POLL_SECONDS, the wall looks for a newly published snapshot
    st.fragment(_follow_publish, run_every=dt.timedelta(seconds=min(POLL_SECONDS, seconds)))()


def _follow_publish() -> None:
    """A snapshot published since the page ran (by any replica) runs the page again, on it
    (sidebar._choose_snapshot moves a session on the newest version to the new one)."""
    if published_since():
        st.rerun(scope="app")


def tile(name: str, value: str, unit: str, line: str, status) -> str:
    """One KPI tile as HTML: the indicator, its value and unit, completion against 序时进度, and its
    light as symbol and word (the coloured edge is never alone). Every text escaped here."""
    colour = STATUS_COLORS.get(status, "#8c8c8c") if status is not None else "#8c8c8c"
    light = t("wall.no_light") if status is None else columns.status_text(status, lang())
    return (f'<div class="rd-tile" style="--rd-light:{colour}"><div class="rd-name">{html_text(name)}</div>'
            f'<div class="rd-value">{html_text(value)}<small>{html_text(unit)}</small></div>'
            f'<div class="rd-line">{html_text(line)}</div><div class="rd-light">{html_text(light)}</div></div>')


def pages_of(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """`frame` cut into pieces of WALL_ROWS rows, one section each (at least one, maybe empty)."""
    return [frame.iloc[i:i + WALL_ROWS] for i in range(0, max(len(frame), 1), WALL_ROWS)]
