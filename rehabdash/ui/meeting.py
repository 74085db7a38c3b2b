"""Meeting mode (调度会 on a projector): larger type, the scope switcher banner, map height.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from rehabdash.charts import dispatch as dispatch_charts
from rehabdash.kernel import formatting, memo
from rehabdash.kernel.scope import Scope
from rehabdash.topics import child_rehab, dispatch, reporting
from rehabdash.ui.sidebar import Filters, available_snapshots
from rehabdash.ui.text import t


# Meeting mode (会议模式) for the projector (16:9, 1280×720 to 1920×1080): no sidebar or toolbar, type
# scaled to the screen width, one section per screen (containers keyed "section_*"), paged with
# PageDown / PageUp, the arrow keys or a clicker, and a banner that keeps scope, snapshot date and the
# sample notice in view, with the scope switch and the way out.
MEETING_CSS = """<style>
:root { --rd-banner: 3.4rem; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] { display: none !important; }
html { font-size: clamp(18px, 1.5vw, 30px) !important; }  /* 19.2px at 1280, 21px at 1400, 28.8px at 1920 */
[data-testid="stMainBlockContainer"] { padding: var(--rd-banner) 1.2rem 0 !important; max-width: 100% !important; }
.st-key-meeting_banner { position: fixed; top: 0; left: 0; right: 0; z-index: 999; background: #ffffff;
  border-bottom: 3px solid #0072B2; padding: 0.15rem 1.2rem; height: var(--rd-banner); box-sizing: border-box;
  flex-wrap: nowrap !important; overflow: hidden; }
.st-key-meeting_banner p { margin: 0; white-space: nowrap; font-size: 0.95rem; }
.st-key-meeting_banner .st-key-meeting_sample p { color: #8a4b00; font-weight: 600; }
.st-key-meeting_banner .st-key-meeting_scope { min-width: 14rem; max-width: 22rem; }
.st-key-meeting_banner .st-key-meeting_scope input { font-weight: 700; }  /* it names the scope */
.st-key-meeting_banner .st-key-exit_meeting { margin-left: auto; }
.st-key-meeting_banner [data-testid="stWidgetLabel"] { display: none; }
[class*="st-key-section_"] { height: calc(100vh - var(--rd-banner)) !important; flex: none !important;
  box-sizing: border-box; overflow-x: hidden; overflow-y: auto; scroll-margin-top: var(--rd-banner);
  padding-top: 0.4rem; justify-content: flex-start !important; }
[class*="st-key-section_"] h1, [class*="st-key-section_"] h2, [class*="st-key-section_"] h3 { padding: 0.2rem 0 0.3rem; }
[data-testid="stMetricValue"] { font-size: clamp(2rem, 3.6vw, 4.6rem) !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { overflow: visible !important;
  text-overflow: clip !important; white-space: nowrap !important; }
[class*="st-key-section_"] [data-testid="stTable"] td, [class*="st-key-section_"] [data-testid="stTable"] th {
  white-space: nowrap; padding: 0.15rem 0.4rem !important; font-size: inherit !important; }
[class*="st-key-section_"] [data-testid="stTable"] table { font-size: 1rem; }  /* shrunk by MEETING_JS to fit */
[class*="st-key-section_"] [data-testid="stTable"] th { white-space: normal; }  /* headers may wrap, figures not */
.st-key-section_map [data-testid="stMarkdownContainer"] p { margin: 0; }
/* The map screen: the map takes what the title leaves of the screen, its legend a column beside it
   (over the map it would hide a district's dense corner); the map fills its frame (component.show_map). */
.st-key-section_map > [data-testid="stLayoutWrapper"]:has(> .st-key-overview_map) { flex: 1 1 0 !important;
  min-height: 0 !important; }
.st-key-overview_map { height: 100% !important; flex-direction: row !important; flex-wrap: nowrap !important;
  align-items: stretch !important; gap: 0.6rem !important; }
.st-key-overview_map > [data-testid="stElementContainer"]:has(iframe) { flex: 1 1 0 !important;
  min-width: 0 !important; height: 100% !important; }
.st-key-overview_map > [data-testid="stElementContainer"]:has(iframe) > div { height: 100%; }
.st-key-overview_map iframe { height: 100% !important; display: block; }
.st-key-overview_map > [data-testid="stLayoutWrapper"] { flex: 0 0 auto !important; width: auto !important; align-self: flex-start;
  max-width: 34%; max-height: 100%; overflow-y: auto; }
.st-key-map_legend { width: auto !important; border: 1px solid #8c8c8c; border-radius: 4px; padding: 0.3rem 0.6rem; }
.st-key-map_legend .rd-legend { font-size: 0.8rem !important; }
[data-testid="stElementToolbar"] { display: none !important; }
</style>"""


# Type that must not be cut (headline figures, table cells) is scaled down until it fits its box; the
# section keys page the screen. Runs in the page itself (st.html with JavaScript), installed once.
MEETING_JS = """<script>
(() => {
  const w = window;
  if (w.rdMeeting) { w.rdMeeting.fit(); return; }
  const sections = () => [...document.querySelectorAll('[class*="st-key-section_"]')];
  const bannerHeight = () => (document.querySelector('.st-key-meeting_banner') || {offsetHeight: 0}).offsetHeight;
  const current = () => {
    const top = bannerHeight() + 2;
    let index = 0;
    sections().forEach((s, i) => { if (s.getBoundingClientRect().top <= top + 4) index = i; });
    return index;
  };
  const go = (i) => {
    const all = sections();
    if (!all.length) return;
    all[Math.max(0, Math.min(all.length - 1, i))].scrollIntoView({block: 'start'});
  };
  const shrink = (el, box) => {
    let size = parseFloat(getComputedStyle(el).fontSize);
    for (let n = 0; n < 40 && size > 9 && box.scrollWidth > box.clientWidth + 1; n++) {
      size *= 0.94; el.style.setProperty('font-size', size + 'px', 'important');
    }
  };
  const fit = () => {
    if (!document.querySelector('.st-key-meeting_banner')) return;
    if (!w.rdStarted && sections().length) { w.rdStarted = true; go(0); }  // start on the first screen
    document.querySelectorAll('[data-testid="stMetricValue"]').forEach(v => {
      const card = v.closest('[data-testid="stVerticalBlockBorderWrapper"], [data-testid="stVerticalBlock"]') || v;
      shrink(v, v); shrink(v, card);
    });
    document.querySelectorAll('[class*="st-key-section_"] [data-testid="stTable"]').forEach(t => {
      const table = t.querySelector('table');
      if (table) shrink(table, t);
    });
    // A section taller than the screen (a long lagging list): its tables' type shrinks until it fits.
    sections().forEach(section => {
      const tables = [...section.querySelectorAll('[data-testid="stTable"] table')];
      for (let n = 0; n < 30 && tables.length && section.scrollHeight > section.clientHeight + 1; n++) {
        let smallest = 99;
        tables.forEach(table => {
          const size = parseFloat(getComputedStyle(table).fontSize) * 0.95;
          smallest = Math.min(smallest, size);
          if (size >= 10) table.style.setProperty('font-size', size + 'px', 'important');
        });
        if (smallest < 10) break;
      }
    });
  };
  document.addEventListener('keydown', (e) => {
    if (!document.querySelector('.st-key-meeting_banner')) return;
    const tag = (e.target.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || e.target.isContentEditable) return;
    const next = ['PageDown', 'ArrowDown', 'ArrowRight', ' '].includes(e.key);
    const prev = ['PageUp', 'ArrowUp', 'ArrowLeft'].includes(e.key);
    if (next || prev) { e.preventDefault(); go(current() + (next ? 1 : -1)); }
    else if (e.key === 'Home') { e.preventDefault(); go(0); }
    else if (e.key === 'End') { e.preventDefault(); go(sections().length - 1); }
  }, true);
  new MutationObserver(() => { clearTimeout(w.rdFitTimer); w.rdFitTimer = setTimeout(fit, 150); })
    .observe(document.body, {childList: true, subtree: true});
  w.addEventListener('resize', fit);
  w.rdMeeting = {fit, go, current, sections};
  fit();
})();
</script>"""


MEETING_ROWS = 13  # table rows that fit one 16:9 screen in meeting type


def screens(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """`frame` cut into as many projector screens as it needs in meeting mode (never shrunken type);
    one piece otherwise."""
    per_screen = MEETING_ROWS if in_meeting() else max(len(frame), 1)
    return [frame.iloc[i:i + per_screen] for i in range(0, max(len(frame), 1), per_screen)]


def _leave_meeting() -> None:
    st.session_state["meeting"] = False


def in_meeting() -> bool:
    return bool(st.session_state.get("meeting"))


def map_height() -> int:
    """The overview map's height in pixels (meeting mode stretches it to the screen in CSS, and the map
    fills it: component.show_map's ``fill``)."""
    return 520


def _scope_options(f: Filters) -> list[str]:
    """Scopes reachable from the banner: the city, its districts, the chosen district's townships."""
    tree, scope = f.tree, f.scope
    options = [f"{scope.city}||"] if tree.allows(scope.city) else []
    options += [f"{scope.city}|{d}|" for d in tree.children(scope.city)]
    if scope.district:
        options += [f"{scope.city}|{scope.district}|{t}" for t in tree.children(scope.district)]
    return options


def _switch_scope() -> None:
    city, district, township = st.session_state["meeting_scope"].split("|")
    st.session_state["city"], st.session_state["district"], st.session_state["township"] = city, district, township


def meeting_banner(f: Filters) -> None:
    """In meeting mode: the projector styles and paging, and a banner naming scope, snapshot and
    sample data, with the scope switch and a way out."""
    if not in_meeting():
        return
    st.html(MEETING_CSS)

    def scope_name(option: str) -> str:
        label = f.tree.label(Scope(*option.split("|")))
        return " / ".join(formatting.region_name(part, f.lang) for part in label.split(" / "))

    options = _scope_options(f)
    current = f"{f.scope.city}|{f.scope.district}|{f.scope.township}"
    st.session_state["meeting_scope"] = current if current in options else options[0]
    with st.container(key="meeting_banner", horizontal=True, vertical_alignment="center", gap="small"):
        # The scope switch shows the scope, first and once (the scope again beside it read twice).
        st.selectbox(t("meeting.scope"), options, key="meeting_scope", format_func=scope_name,
                     on_change=_switch_scope, label_visibility="collapsed")
        st.markdown(f"{t('meeting.year', year=f.year)} · "
                    f"{t('meeting.as_of', date=formatting.date(f.as_of, f.lang))}", width="content")
        if f.sample:  # while the snapshot still holds sample rows
            with st.container(key="meeting_sample", width="content"):
                st.markdown(t("meeting.sample"))
        st.button(t("briefing.exit_meeting"), on_click=_leave_meeting, key="exit_meeting")
    st.html(MEETING_JS, unsafe_allow_javascript=True)


def previous_of(f: Filters):
    """The snapshot the changes since the last meeting are counted from (dispatch.previous_snapshot)."""
    return dispatch.previous_snapshot(available_snapshots(), f.snapshot, f.year)


def meeting_of(f: Filters, margin: float):
    """The dispatch view of the chosen scope and year, with the previous snapshot of the same year,
    its children's counts under the disclosure control of the scope."""
    return _meeting(f, margin, previous_of(f), dt.date.today())  # 报送进度 counts its deadlines from today


# One object per view, previous snapshot and day for every session: the deck, bulletin and workbook are
# keyed by its content, which is then worked out once (dispatch.Meeting.__memo_key__), not three times
# per run.
@memo.by_inputs(share=True)
def _meeting(f: Filters, margin: float, previous, today: dt.date):
    before = None if previous is None else (previous.as_of, f.run_at(previous))
    root = f.scope.root
    m = dispatch.gather(f.run, f.as_of, f.year, margin, f.scope_label, f.tree.name(root),
                        f.tree.level(root) or "city", before, sample=f.sample,
                        disclosure=child_rehab.disclosure(f.run_parent, f.scope, f.as_of, f.year))
    # 报送进度 goes with the meeting (deck, bulletin); a closed year's has no later month
    return m if f.closed else dataclasses.replace(m, reporting=reporting.progress(f.run, f.snapshot.as_of,
                                                                                today=today))


def ranking_of(f: Filters, margin: float, by: str) -> tuple[dispatch_charts.Table, pd.DataFrame, pd.DataFrame]:
    """The ranking of the units one level down on `by`, and its cells and lights as the page shows
    them: worked out once per view for every session."""
    return _ranking(f, margin, by, previous_of(f))


@memo.by_inputs  # keyed by the view and the snapshot the changes of 名次 are counted from
def _ranking(f: Filters, margin: float, by: str,
             previous) -> tuple[dispatch_charts.Table, pd.DataFrame, pd.DataFrame]:
    ranking = dispatch_charts.ranking_table(meeting_of(f, margin), by, f.lang)
    return (ranking, *dispatch_charts.ranking_cells(ranking))
