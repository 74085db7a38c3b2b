"""Streamlit helpers shared by app.py and the pages: the sidebar scope, text lookup, common widgets.

Every sidebar filter is a widget bound to a URL query parameter (Streamlit's bind="query-params"), so
a copied link reproduces the view and the filters survive page switches and server restarts.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from rehabdash import charts
from rehabdash.access import audit, gate
from rehabdash.kernel import columns, formatting, i18n, measures, safe_text
from rehabdash.kernel.config import data_dir
from rehabdash.kernel.scope import RegionTree, Scope
from rehabdash.store import db, snapshots
from rehabdash.store.snapshots import Snapshot, list_snapshots
from rehabdash.topics import child_rehab, dispatch

FILTERS_KEY = "_filters"


def lang() -> str:
    return st.session_state.get("lang", i18n.DEFAULT_LANGUAGE)


def t(key: str, **values) -> str:
    """UI text in the session's language."""
    return i18n.text(lang(), key, **values)


def t_md(key: str, **values) -> str:
    """UI text for st.markdown/st.caption with every value as literal text (names from data are not
    Markdown: no bold, link, image or emoji from a clerk's workbook); the catalogue's own markup stays."""
    return t(key, **{name: safe_text.markdown_text(value) for name, value in values.items()})


md = safe_text.markdown_text  # one value from data, as literal Markdown text


def md_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` for st.table, which reads Markdown in every cell, header and index label: each text
    as literal text (a township named '![t](http://…)' would otherwise load that image)."""
    def literal(value):
        return md(value) if isinstance(value, str) else value

    shown = frame.map(literal)
    shown.index = shown.index.map(literal)
    shown.columns = shown.columns.map(literal)
    shown.index.name = literal(frame.index.name)
    return shown


def label(code_list: str, code: str) -> str:
    return i18n.code_label(lang(), code_list, code)


@dataclass(frozen=True)
class Filters:
    """What the sidebar chose; pages read this and nothing else."""

    snapshot: Snapshot
    year: int
    scope: Scope
    scope_label: str
    lang: str
    allowed: tuple[str, ...]  # the account's regions: every query is checked against them

    @property
    def as_of(self) -> dt.date:
        return self.snapshot.as_of

    @property
    def window(self) -> dict:
        """Bound parameters for 'this year to the snapshot date, and last year to the same day'."""
        return measures.year_window(self.as_of, self.year)

    @property
    def tree(self) -> RegionTree:
        """The regions this account may choose from, with their ancestors for the path."""
        return region_tree(self.snapshot.path, self.allowed)

    def run_at(self, snapshot: Snapshot):
        """`run` of the same scope on another snapshot (the same day last year, earlier dates)."""
        return dataclasses.replace(self, snapshot=snapshot).run
    def run_parent(self, query: str, **params) -> pd.DataFrame:
        """Run a named query on the township's district (the scope one level up): the sibling set
        that disclosure control needs. Checked against the account's regions like every query."""
        parent = Scope(self.scope.city, self.scope.district) if self.scope.township else Scope(self.scope.city)
        return db.run(query, self.snapshot, allowed=self.allowed, scope=parent.codes, **params)

    def run(self, query: str, **params) -> pd.DataFrame:
        """Run a named query on this snapshot, constrained to this scope and the account's regions."""
        return db.run(query, self.snapshot, allowed=self.allowed, scope=self.scope.codes, **params)


def _files_signature(root: Path) -> tuple:
    """Cheap fingerprint of the snapshot folders, so checksums are recomputed only when files change."""
    if not root.exists():
        return ()
    found = []
    for path in sorted(root.glob("*/*")):
        try:
            found.append((str(path.relative_to(root)), path.stat().st_size, path.stat().st_mtime_ns))
        except OSError:  # a folder the app may not read: check_snapshot refuses it with the reason
            found.append((str(path.relative_to(root)), -1, -1))
    # A folder that cannot be listed yields no files above; its own entry still changes the key.
    return tuple(found) + tuple((p.name, 0, 0) for p in sorted(root.iterdir()))


@st.cache_data(show_spinner=False)
def _snapshots(directory: str, signature: tuple) -> list[Snapshot]:
    # `signature` is part of the cache key (a leading underscore would leave it out), so a newly
    # published snapshot shows up on the next run.
    return list_snapshots(Path(directory))


def available_snapshots() -> list[Snapshot]:
    """Every version, newest first; those found unreadable while the app runs are marked refused."""
    directory = data_dir()
    signature = _files_signature(directory / "snapshots")
    return snapshots.with_refusals(_snapshots(str(directory), signature)) if signature else []


@st.cache_resource(show_spinner=False)
def region_tree(snapshot_path: Path, allowed: tuple[str, ...]) -> RegionTree:
    snapshot = Snapshot(dt.date.min, snapshot_path)
    return RegionTree(db.run("regions", snapshot, allowed=allowed, scope=allowed), allowed)


def allowed_regions(snapshot: Snapshot, account) -> tuple[str, ...]:
    """The account's region codes, or every top-level region for an unrestricted account."""
    return tuple(account.scope) or tuple(db.run("top_regions", snapshot)["region_code"])


def _keep_if_valid(key: str, options: list) -> None:
    """Drop a remembered choice that the current options no longer contain (e.g. after the city changed)."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def _bound_selectbox(label_text: str, options: list, key: str, format_func=str, **kwargs):
    _keep_if_valid(key, options)
    return st.selectbox(
        label_text, options, key=key, format_func=format_func, bind="query-params", **kwargs
    )


# For pages: a selectbox whose choice lives in the URL, so a copied link reopens it.
bound_selectbox = _bound_selectbox


def _choose_snapshot() -> Snapshot | None:
    """The version chosen in the sidebar (by label, in the URL), the newest valid one by default.

    The chosen version's files are checked again on every run (a few MB, milliseconds): a file that
    rotted in place or became unreadable refuses that version, with the warning, and the next one is
    served instead.
    """
    requested = st.query_params.get("snapshot")
    while True:
        listed = available_snapshots()
        by_label = {snapshots.label(s, listed): s for s in listed if s.valid}
        if not by_label:
            break
        wanted = st.session_state.get("snapshot", requested)
        candidate = by_label.get(wanted, next(iter(by_label.values())))
        if snapshots.verify(candidate):
            break
        if st.session_state.get("snapshot") == wanted:
            del st.session_state["snapshot"]  # refused now: fall back to the newest valid one
    for refused in (s for s in listed if not s.valid):
        st.warning(t("app.refused_snapshot", date=snapshot_label(refused), problem=refused.problem))
    if not by_label:
        return None
    chosen = by_label[_bound_selectbox(t("sidebar.snapshot"), list(by_label), "snapshot")]
    if requested and requested not in by_label:  # a shared link to a snapshot that is gone or refused
        st.warning(t("app.snapshot_fallback", date=snapshots.label(chosen, listed)))
    return chosen


def snapshot_label(snapshot: Snapshot) -> str:
    """A version named unambiguously: its date and number ("2025-09-30 (v5)")."""
    return f"{snapshot.as_of.isoformat()} (v{snapshot.version})" if snapshot.as_of != dt.date.min \
        else snapshot.path.name


def _scope_selectbox(label_text: str, options: list, key: str, tree: RegionTree, account, **kwargs):
    """A scope box (city, district, township): a URL label or remembered code outside the account's
    regions is replaced by the box's own choice, and leaves one audit line (once per session)."""
    asked_url, asked_state = st.query_params.get(key), st.session_state.get(key)
    value = _bound_selectbox(label_text, options, key, **kwargs)
    if not account.scope:
        return value
    shown = {kwargs.get("format_func", str)(o) for o in options}
    tampered = [v for v in (asked_url,) if v and v not in shown and not tree.allows_name(v)] + \
        [v for v in (asked_state,) if isinstance(v, str) and v and v not in options and not tree.allows(v)]
    reported = st.session_state.setdefault("_rehab_replaced", set())
    for asked in tampered:
        if (key, asked) not in reported:
            reported.add((key, asked))
            audit.record("value_replaced", account.username, account.scope, widget=key, asked=asked,
                         shown=kwargs.get("format_func", str)(value))
            st.warning(t("writepath.value_replaced", value=asked))
    return value


def sidebar_filters(account) -> Filters | None:
    """Draw the sidebar (language, snapshot, year, scope) and return the choice; None without data."""
    with st.sidebar:
        _bound_selectbox(
            i18n.text(i18n.DEFAULT_LANGUAGE, "sidebar.language"),
            list(i18n.LANGUAGES),
            "lang",
            format_func=i18n.LANGUAGE_NAMES.get,
        )
        snapshot = _choose_snapshot()
        if snapshot is None:
            st.error(t("app.no_snapshot", path=data_dir()))
            return None
        if snapshot.source == "sample":
            st.info(t("app.sample_badge"), icon=":material/science:")

        # A new deployment's first snapshot holds no figures yet: its own year, so the pages say "no data".
        years = db.run("data_years", snapshot)["year"].astype(int).tolist() or [snapshot.as_of.year]
        year = _bound_selectbox(t("sidebar.year"), years, "year")

        allowed = allowed_regions(snapshot, account)
        tree = region_tree(snapshot.path, allowed)
        all_label = t("sidebar.all")

        def choices(parent: str) -> list[str]:
            # "全部" only where the account may see the whole parent: a district account gets no city total.
            return ([""] if tree.allows(parent) else []) + tree.children(parent)

        # Above the cities, one choice per level the tree has (nation, province): the top always has
        # a choice; below it "全部" is the level above as a whole.
        above, parent = [], None
        for level in tree.levels_above_city():
            options = [c for c in tree.children(parent) if tree.level(c) == level]
            if parent is not None:
                options = ([""] if tree.allows(parent) else []) + options
            code = _bound_selectbox(label("level", level), options, level,
                                    format_func=lambda c: tree.name(c) if c else all_label)
            above.append(code)
            if not code:
                break
            parent = code
        whole = bool(above) and not above[-1]  # 全部 chosen above the cities
        cities = [] if whole else tree.cities(parent)
        city_options = cities if parent is None else ([""] if tree.allows(parent) else []) + cities
        city = _scope_selectbox(t("sidebar.city"), city_options or [""], "city", tree, account,
                                format_func=lambda c: tree.name(c) if c else all_label,
                                disabled=whole or not city_options)
        district = _scope_selectbox(
            t("sidebar.district"), choices(city) if city else [""], "district", tree, account,
            format_func=lambda c: tree.name(c) if c else all_label, disabled=not city,
        )
        township = _scope_selectbox(
            t("sidebar.township"), choices(district) if district else [""], "township", tree, account,
            format_func=lambda c: tree.name(c) if c else all_label, disabled=not district,
        )
        scope = tree.resolve(city, district, township, tuple(above))
        st.toggle(t("briefing.meeting"), key="meeting", bind="query-params", help=t("briefing.meeting_help"))
        st.toggle(t("briefing.contrast"), key="contrast", bind="query-params", help=t("briefing.contrast_help"))
    filters = Filters(snapshot, int(year), scope, tree.label(scope), lang(), allowed)
    st.session_state[FILTERS_KEY] = filters
    return filters


def filters() -> Filters:
    """The filters app.py drew on this run."""
    return st.session_state[FILTERS_KEY]


def page_header(title_key: str, f: Filters) -> None:
    """Page title plus one line naming scope, period and snapshot, so every screenshot says what it shows."""
    st.title(t(title_key))
    until = min(f.as_of, dt.date(f.year, 12, 31))
    as_of = formatting.date(f.as_of, f.lang)
    if until.month == 12 and until.day == 31:
        st.caption(t_md("overview.caption", scope=f.scope_label, year=f.year, as_of=as_of))
    else:
        st.caption(t_md("overview.caption_ytd", scope=f.scope_label, year=f.year,
                        until=formatting.month(until, f.lang), as_of=as_of))


# Cached by the frame's content: the workbook is built on every rerun for its download button, and
# openpyxl takes tens of milliseconds per table (the bench's warm reruns, docs/performance.md).
@st.cache_data(show_spinner=False, max_entries=256)
def xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet[:31], index=False)
        safe_text.defuse_workbook(writer.book)  # a name such as '=HYPERLINK(...)' stays text
    return buffer.getvalue()


def plotly_chart(figure, key: str) -> None:
    """A plotly chart whose names (axes, bars, legend, hover, title) are drawn as literal text."""
    st.plotly_chart(safe_text.defuse_figure(figure), key=key, config={"displaylogo": False})


def chart_with_data(figure, table: pd.DataFrame, key: str, file_stem: str) -> None:
    """A chart, and right under it the same data as a table with an Excel download (text alternative)."""
    plotly_chart(figure, key=f"{key}_chart")
    with st.expander(t("overview.show_data")):
        table_with_download(table, key, file_stem)


def _text_where_mixed(table: pd.DataFrame) -> pd.DataFrame:
    """Columns mixing numbers and text (counts shown as '<5') as text, which Arrow takes as it is;
    st.dataframe would otherwise log a traceback while it converts them itself."""
    def is_mixed(column: pd.Series) -> bool:
        kinds = {isinstance(v, str) for v in column if not formatting.is_missing(v)}
        return len(kinds) > 1

    mixed = [c for c in table.columns if table[c].dtype == object and is_mixed(table[c])]
    return table.assign(**{c: table[c].map(lambda v: "" if formatting.is_missing(v) else str(v))
                           for c in mixed})


def table_with_download(table: pd.DataFrame, key: str, file_stem: str) -> None:
    """A table and, under it, the button that downloads it as an Excel file with the same headers.

    The download keeps numbers as numbers, also in a column where some cells are text."""
    st.dataframe(_text_where_mixed(table), hide_index=True, key=f"{key}_table")
    st.download_button(
        t("overview.download_xlsx"), xlsx_bytes(table, file_stem), file_name=f"{file_stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx",
        on_click=audit_export, args=(f"{file_stem}.xlsx",),
    )


def audit_export(file_name: str) -> None:
    """Download callback: the audit log gets who exported what, for which scope."""
    account, chosen = gate.current(), st.session_state.get(FILTERS_KEY)
    audit.record("export", account.username if account else None,
                 chosen.scope.codes if chosen else None, file=file_name)


def year_on_year(change: float | None) -> dict:
    """figure_card arguments for a change on last year: the signed change as the delta (so the arrow
    points the way the figure moved) and the words 同比 beside it."""
    if change is None:
        return {"delta": None}
    return {"delta": formatting.change(change), "delta_description": t("overview.yoy_word")}


def figure_card(label_text: str, value: str, delta: str | None = None, notes: tuple[str, ...] = (),
                delta_description: str | None = None) -> None:
    """One headline figure in a bordered box: value, year-on-year change, then plain-text notes.

    Streamlit reads the arrow from the delta's first character: pass '-3.2%' with the words ('同比')
    as `delta_description`, so a fall points down."""
    with st.container(border=True):
        st.metric(label_text, value, delta, delta_description=delta_description)
        for note in notes:
            st.caption(note)


def status_text(status) -> str:
    """'✔ 达标' / '▲ 预警' / '✖ 滞后' in the session's language (see columns.status_text)."""
    return columns.status_text(status, lang())


# A table read through its spec, kept by its inputs like the figures: a nation's station tables hold
# 15,000 rows, and formatting each cell again on every rerun was a fifth of a second. Shared: read only.
_presented = charts.by_inputs(columns.present)


def table(frame: pd.DataFrame, spec, key: str, file_stem: str) -> None:
    """`frame` shown through its column spec (headers and formats declared once), with its download."""
    table_with_download(_presented(frame, tuple(spec), lang()), key, file_stem)


def chart_with_table(figure, frame: pd.DataFrame, spec, key: str, file_stem: str) -> None:
    """A chart, and under it its data through its column spec, with an Excel download."""
    chart_with_data(figure, _presented(frame, tuple(spec), lang()), key, file_stem)


def measure_card(label_text: str, measure, notes: tuple[str, ...] = ()) -> None:
    """A headline count with its year-on-year change (signed first, so a fall points down)."""
    figure_card(label_text, formatting.count(measure.value, lang()), notes=notes, **year_on_year(measure.change))


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
.st-key-meeting_banner [data-testid="stSelectbox"] { min-width: 14rem; max-width: 22rem; }
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
.st-key-overview_map { position: relative !important; }
.st-key-overview_map iframe { height: calc(100vh - var(--rd-banner) - 2.6rem) !important; }
.st-key-map_legend { position: absolute !important; top: 0.6rem; right: 0.6rem; z-index: 1000; width: auto !important;
  background: rgba(255, 255, 255, 0.95); border: 1px solid #8c8c8c; border-radius: 4px; padding: 0.3rem 0.6rem; }
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


def _leave_meeting() -> None:
    st.session_state["meeting"] = False


def in_meeting() -> bool:
    return bool(st.session_state.get("meeting"))


def map_height() -> int:
    """The overview map's height in pixels (meeting mode stretches it to the screen in CSS)."""
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
        return f.tree.label(Scope(*option.split("|")))

    options = _scope_options(f)
    current = f"{f.scope.city}|{f.scope.district}|{f.scope.township}"
    st.session_state["meeting_scope"] = current if current in options else options[0]
    with st.container(key="meeting_banner", horizontal=True, vertical_alignment="center", gap="small"):
        scope = " / ".join(formatting.region_name(part, f.lang) for part in f.scope_label.split(" / "))
        st.markdown(f"**{md(scope)}** · {t('meeting.year', year=f.year)} · "
                    f"{t('meeting.as_of', date=formatting.date(f.as_of, f.lang))}")
        if f.snapshot.source == "sample":
            with st.container(key="meeting_sample", width="content"):
                st.markdown(t("meeting.sample"))
        st.selectbox(t("meeting.scope"), options, key="meeting_scope", format_func=scope_name,
                     on_change=_switch_scope, label_visibility="collapsed")
        st.button(t("briefing.exit_meeting"), on_click=_leave_meeting, key="exit_meeting")
    st.html(MEETING_JS, unsafe_allow_javascript=True)


def meeting_of(f: Filters, margin: float):
    """The dispatch view of the chosen scope and year, with the previous snapshot of the same year,
    its children's counts under the disclosure control of the scope."""
    previous = dispatch.previous_snapshot(available_snapshots(), f.snapshot, f.year)
    before = None if previous is None else (previous.as_of, f.run_at(previous))
    root = f.scope.root
    return dispatch.gather(f.run, f.as_of, f.year, margin, f.scope_label, f.tree.name(root),
                           f.tree.level(root) or "city", before, sample=f.snapshot.source == "sample",
                           disclosure=child_rehab.disclosure(f.run_parent, f.scope, f.as_of, f.year))


EXPORT_TYPES = {
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ":material/slideshow:"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ":material/table:"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ":material/description:"),
}


def export_buttons(f: Filters, stem: str, builders: dict, variant: str = "") -> None:
    """The exports of a page. Each file is built first, in the library, and only a file that was built
    gets a download button: a failure shows a Chinese message naming the export, and as nothing was
    downloaded no export is audited. The deck and the workbook are built with the page (cached per
    view); the bulletin when its button is clicked."""
    view = (str(f.snapshot.path), f.scope.codes, f.year, f.lang, stem, variant)
    columns = st.columns(len(builders))
    for column, (kind, build) in zip(columns, builders.items()):
        mime, icon = EXPORT_TYPES[kind]
        name = f"{stem}.{kind}"
        with column:
            state_key = f"_export_{kind}"
            if kind == "docx":
                if st.button(t("dispatch_page.make_docx"), icon=icon, key="make_docx"):
                    st.session_state[state_key] = (view, _try_build(kind, build))
                made = st.session_state.get(state_key)
                data = made[1] if made and made[0] == view else None
                if data is None:
                    continue
            else:
                data = _try_build(kind, build, view)
            if data is None:
                continue
            st.download_button(t(f"dispatch_page.download_{kind}"), data, file_name=name, mime=mime,
                               icon=icon, key=f"briefing_{kind}", on_click=audit_export, args=(name,))


def _try_build(kind: str, build, view=None) -> bytes | None:
    try:
        return _cached_build(kind, view, build) if view is not None else build()
    except Exception as problem:  # noqa: BLE001 - any failure becomes a message, never a traceback
        st.error(t("dispatch_page.export_failed", export=t(f"dispatch_page.export_{kind}"),
                   problem=type(problem).__name__))
        return None


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_build(kind: str, view: tuple, _build) -> bytes:
    return _build()


# Accessibility (WCAG 2.1 AA), on every page. Keyboard focus is always shown: a thick outline in the
# theme's blue (at least 3:1 against white and the sidebar's grey). Streamlit draws captions at 60%
# opacity, 3.9:1 on white; a solid dark grey gives 7:1.
A11Y_CSS = """<style>
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #595959 !important; }
/* figure labels wrap rather than end in '…' (English labels are long) */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; }
/* A text field's box clips its input's outline, and a switch's input is hidden: outline the box and
   the label instead. */
:focus-visible:not(input), label:has(input:focus-visible), div:has(> input:focus-visible) {
  outline: 3px solid #0b5cad !important; outline-offset: 2px !important; }
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
/* larger type must not cut figures short ("1884.7…"): let them wrap instead */
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; overflow-wrap: anywhere; }
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


# ---------------------------------------------------------------------------- drill-down and roll-up
# The sidebar's scope widgets by region level, top down. Drilling sets them from the region tree (so a
# deeper tree only needs its level here), in a callback: before the sidebar draws them on the rerun,
# and through their query-parameter binding into the URL.
SCOPE_KEYS = ("city", "district", "township")


def drill_to(code: str) -> None:
    """Make `code` (any region the account may see) the sidebar's scope; widget callback."""
    tree = filters().tree
    if not code or not tree.allows(code):
        return
    levels = {tree.level(c): c for c in tree.path(code)}
    keys = (*tree.levels_above_city(), *SCOPE_KEYS)  # a nation's tree has its province box too
    deepest = max((keys.index(k) for k in levels if k in keys), default=-1)
    for i, key in enumerate(keys):
        if key in levels:
            st.session_state[key] = levels[key]
        elif i > deepest:
            st.session_state[key] = ""


def _drill_from_pills(key: str, codes: dict) -> None:
    chosen = st.session_state.get(key)
    if chosen in codes:
        drill_to(codes[chosen])


def breadcrumb(f: Filters, subunits: list[tuple[str, str]] | None = None) -> None:  # noqa: D417
    """'包头市 › 青山区 › 先锋道街道': each unit above the scope a button that goes back up to it (where
    the account may see it), the scope in bold; then, if given, the units one level down to drill into."""
    tree = f.tree
    path = tree.path(f.scope.root)
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="breadcrumb"):
        st.markdown(f"**{t('drill.where')}**")
        for code in path[:-1]:
            if tree.allows(code):
                st.button(md(tree.name(code)), key=f"crumb_{code}", type="tertiary", on_click=drill_to,
                          args=(code,), help=t("drill.up_help", name=tree.name(code)))
            else:
                st.text(tree.name(code))
            st.markdown("›")
        st.markdown(f"**{md(tree.name(path[-1]))}**")
    if subunits:
        drill_down_select(f, subunits)


def drill_down_select(f: Filters, subunits: list[tuple[str, str]], **kwargs) -> None:
    """'下钻到': the units one level down (code, name); choosing one makes it the scope."""
    if not subunits:
        return
    names = {name: code for code, name in subunits}
    key = f"drill_{f.scope.root}"  # one per scope: a fresh, empty choice after every drill
    st.selectbox(t("drill.down"), list(names), index=None, key=key, on_change=_drill_from_pills,
                 args=(key, names), help=t("drill.down_help"), placeholder=t("drill.placeholder"),
                 format_func=md, **kwargs)  # a name from data shown literally


def drill_table(table: pd.DataFrame, codes: pd.Series, key: str, file_stem: str) -> None:
    """A per-unit table whose row, when selected, becomes the scope (drill-down), with its download."""
    state_key = f"{key}_table"

    def chosen() -> None:
        rows = st.session_state.get(state_key, {}).get("selection", {}).get("rows", [])
        if rows:
            drill_to(codes.iloc[rows[0]])

    st.dataframe(_text_where_mixed(table), hide_index=True, key=state_key, on_select=chosen,
                 selection_mode="single-row")
    st.download_button(
        t("overview.download_xlsx"), xlsx_bytes(table, file_stem), file_name=f"{file_stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx",
        on_click=audit_export, args=(f"{file_stem}.xlsx",),
    )
