"""Streamlit helpers shared by app.py and the pages: the sidebar scope, text lookup, common widgets.

Every sidebar filter is a widget bound to a URL query parameter (Streamlit's bind="query-params"), so
a copied link reproduces the view and the filters survive page switches and server restarts.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from . import access, audit, db, formatting, i18n
from .config import data_dir
from .scope import RegionTree, Scope
from .snapshots import Snapshot, list_snapshots, newest_valid
from .theme import STATUS_SYMBOLS

FILTERS_KEY = "_filters"


def lang() -> str:
    return st.session_state.get("lang", i18n.DEFAULT_LANGUAGE)


def t(key: str, **values) -> str:
    """UI text in the session's language."""
    return i18n.text(lang(), key, **values)


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
        return db.year_window(self.as_of, self.year)

    @property
    def tree(self) -> RegionTree:
        """The regions this account may choose from, with their ancestors for the path."""
        return region_tree(self.snapshot.path, self.allowed)

    def run(self, query: str, **params) -> pd.DataFrame:
        """Run a named query on this snapshot, constrained to this scope and the account's regions."""
        return db.run(query, self.snapshot, allowed=self.allowed, scope=self.scope.codes, **params)


def _files_signature(root: Path) -> tuple:
    """Cheap fingerprint of the snapshot folders, so checksums are recomputed only when files change."""
    if not root.exists():
        return ()
    return tuple(
        (str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.glob("*/*"))
    )


@st.cache_data(show_spinner=False)
def _snapshots(directory: str, signature: tuple) -> list[Snapshot]:
    # `signature` is part of the cache key (a leading underscore would leave it out), so a newly
    # published snapshot shows up on the next run.
    return list_snapshots(Path(directory))


def available_snapshots() -> list[Snapshot]:
    directory = data_dir()
    signature = _files_signature(directory / "snapshots")
    return _snapshots(str(directory), signature) if signature else []


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
        snapshots = available_snapshots()
        for refused in (s for s in snapshots if not s.valid):
            st.warning(t("app.refused_snapshot", date=refused.as_of.isoformat(), problem=refused.problem))
        valid = [s for s in snapshots if s.valid]
        if newest_valid(snapshots) is None:
            st.error(t("app.no_snapshot", path=data_dir()))
            return None
        by_date = {s.as_of.isoformat(): s for s in valid}
        requested = st.query_params.get("snapshot")
        snapshot = by_date[_bound_selectbox(t("sidebar.snapshot"), list(by_date), "snapshot")]
        if requested and requested not in by_date:  # a shared link to a snapshot that is gone or refused
            st.warning(t("app.snapshot_fallback", date=snapshot.as_of.isoformat()))
        if snapshot.source == "sample":
            st.info(t("app.sample_badge"), icon=":material/science:")

        years = db.run("data_years", snapshot)["year"].astype(int).tolist()
        year = _bound_selectbox(t("sidebar.year"), years, "year")

        allowed = allowed_regions(snapshot, account)
        tree = region_tree(snapshot.path, allowed)
        all_label = t("sidebar.all")

        def choices(parent: str) -> list[str]:
            # "全部" only where the account may see the whole parent: a district account gets no city total.
            return ([""] if tree.allows(parent) else []) + tree.children(parent)

        city = _scope_selectbox(t("sidebar.city"), tree.cities(), "city", tree, account, format_func=tree.name)
        district = _scope_selectbox(
            t("sidebar.district"), choices(city), "district", tree, account,
            format_func=lambda c: tree.name(c) if c else all_label,
        )
        township = _scope_selectbox(
            t("sidebar.township"), choices(district) if district else [""], "township", tree, account,
            format_func=lambda c: tree.name(c) if c else all_label, disabled=not district,
        )
        scope = tree.resolve(city, district, township)
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
        st.caption(t("overview.caption", scope=f.scope_label, year=f.year, as_of=as_of))
    else:
        st.caption(t("overview.caption_ytd", scope=f.scope_label, year=f.year,
                     until=formatting.month(until, f.lang), as_of=as_of))


# Cached by the frame's content: the workbook is built on every rerun for its download button, and
# openpyxl takes tens of milliseconds per table (the bench's warm reruns, docs/performance.md).
@st.cache_data(show_spinner=False, max_entries=256)
def xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def chart_with_data(figure, table: pd.DataFrame, key: str, file_stem: str) -> None:
    """A chart, and right under it the same data as a table with an Excel download (text alternative)."""
    st.plotly_chart(figure, key=f"{key}_chart", config={"displaylogo": False})
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
    account, chosen = access.current(), st.session_state.get(FILTERS_KEY)
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
    """'✔ 达标' / '▲ 预警' / '✖ 滞后': a traffic light readable without colour; '—' without a target."""
    return "—" if status is None else f"{STATUS_SYMBOLS[status]} {t('status.' + status.value)}"


# Meeting mode (会议模式) for the projector: no sidebar or toolbar, large type, one section per screen,
# and a banner that keeps scope and snapshot date in view. Sections are containers keyed "section_*".
MEETING_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] { display: none !important; }
html { font-size: 21px !important; }
[data-testid="stMainBlockContainer"] { padding: 0 1.5rem 1rem !important; max-width: 100% !important; }
[data-testid="stMetricValue"] { font-size: 2.4rem !important; }
[data-testid="stMainBlockContainer"] { padding-top: 3.2rem !important; }
.st-key-meeting_banner { position: fixed; top: 0; left: 0; right: 0; z-index: 999; background: #ffffff;
  border-bottom: 3px solid #0072B2; padding: 0.2rem 1.5rem; }
[class*="st-key-section_"] { min-height: calc(100vh - 4.5rem); }
</style>"""


def _leave_meeting() -> None:
    st.session_state["meeting"] = False


def meeting_banner(f: Filters) -> None:
    """In meeting mode: the projector styles, and a banner naming scope and snapshot with a way out."""
    if not st.session_state.get("meeting"):
        return
    st.html(MEETING_CSS)
    with st.container(key="meeting_banner", horizontal=True, vertical_alignment="center"):
        st.markdown(f"**{f.scope_label}** · {f.year} · {t('sidebar.snapshot')} {formatting.date(f.as_of, f.lang)}")
        st.button(t("briefing.exit_meeting"), on_click=_leave_meeting, key="exit_meeting")


# Accessibility (WCAG 2.1 AA), on every page. Keyboard focus is always shown: a thick outline in the
# theme's blue (at least 3:1 against white and the sidebar's grey). Streamlit draws captions at 60%
# opacity, 3.9:1 on white; a solid dark grey gives 7:1.
A11Y_CSS = """<style>
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #595959 !important; }
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
        st.caption(t("auth.signed_in", user=account.username, role=t(f"roles.{account.role}")))
        st.button(t("auth.logout"), on_click=_logout, key="logout")


def _logout() -> None:
    access.logout()
