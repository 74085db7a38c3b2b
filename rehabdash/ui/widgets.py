"""Figure cards, charts with their data as a table, and tables through their column spec with an
Excel download.
"""
from __future__ import annotations

import copy
import functools
import io
import logging
import math
import unicodedata
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from rehabdash.access import downloads, gate
from rehabdash.kernel import columns, formatting, memo, safe_text
from rehabdash.kernel.errors import AccountChanged
from rehabdash.kernel.theme import STATUS_COLORS
from rehabdash.ui.drill import drillable, drill_to
from rehabdash.ui.meeting import in_meeting
from rehabdash.ui.sidebar import FILTERS_KEY, filters
from rehabdash.ui.text import lang, md, t


# Built when a download button is clicked (xlsx_download), and kept by the frame's content: the same
# table downloaded again, or by another session, is not written out by openpyxl a second time.
@memo.by_inputs(into=memo.store(256), share=True)
def xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet[:31], index=False)
        safe_text.defuse_workbook(writer.book)  # a name such as '=HYPERLINK(...)' stays text
    return buffer.getvalue()


def plotly_chart(figure, key: str) -> None:
    """A plotly chart whose names (axes, bars, legend, hover, title) are drawn as literal text."""
    st.plotly_chart(literal_figure(figure), key=key, config={"displaylogo": False})


def literal_figure(figure):
    """`figure` with its names defused (safe_text.defuse_figure). A figure drawn once for every
    session (charts.by_inputs) is defused once, as a copy kept beside it: defusing the shared figure
    in place would escape it again on the next run ('A&amp;amp;B') and cost the same work each time.
    That copy also works out once what st.plotly_chart serialises (`_PreparedFigure`)."""
    if not getattr(figure, "_rehab_shared", False):
        return safe_text.defuse_figure(figure)
    literal = getattr(figure, "_rehab_literal", None)
    if literal is None:  # two sessions at once may both make one: each defuses its own copy
        literal = _PreparedFigure.of(safe_text.defuse_figure(copy.deepcopy(figure)))
        figure._rehab_literal = literal
    return literal


class _PreparedFigure(go.Figure):
    """A figure whose ``to_dict()`` is computed once. st.plotly_chart takes a figure's ``to_dict()``
    (a deep copy of every trace, numpy arrays turned into base64) and serialises it on every run; for
    a shared figure that dict never changes, so it is made once (trace uids taken out, as
    plotly.io.to_json does) and only read afterwards."""

    @classmethod
    def of(cls, figure: go.Figure) -> _PreparedFigure:
        spec = go.Figure.to_dict(figure)
        for trace in spec.get("data", []):
            trace.pop("uid", None)
        figure.__class__ = cls
        figure._rehab_dict = spec
        return figure

    def to_dict(self) -> dict:
        return self._rehab_dict


def chart_with_data(figure, table: pd.DataFrame, key: str, file_stem: str, drill: Sequence[str] | None = None) -> None:
    """A chart, and right under it the same data as a table with an Excel download (text alternative);
    with `drill`, the table's rows drill down (see table_with_download)."""
    plotly_chart(figure, key=f"{key}_chart")
    with st.expander(t("overview.show_data")):
        table_with_download(table, key, file_stem, drill)


def text_where_mixed(table: pd.DataFrame) -> pd.DataFrame:
    """Columns mixing numbers and text (counts shown as '<5') as text, which Arrow takes as it is;
    st.dataframe would otherwise log a traceback while it converts them itself."""
    def is_mixed(column: pd.Series) -> bool:
        kinds = {isinstance(v, str) for v in column if not formatting.is_missing(v)}
        return len(kinds) > 1

    mixed = [c for c in table.columns if table[c].dtype == object and is_mixed(table[c])]
    return table.assign(**{c: table[c].map(lambda v: "" if formatting.is_missing(v) else str(v))
                           for c in mixed})


def table_with_download(table: pd.DataFrame, key: str, file_stem: str, drill: Sequence[str] | None = None,
                        whole_text: bool = False) -> None:
    """A table and, under it, the button that downloads it as an Excel file with the same headers.

    The download keeps numbers as numbers, also in a column where some cells are text. With `drill`
    (each row's region code, in the table's order), a per-unit table drills down: clicking a unit's
    cell or selecting its row makes that unit the sidebar's scope (and the URL's). With `whole_text`,
    every text column is wide enough for its longest text (text_column_widths)."""
    if drill is None or not drillable(drill):
        st.dataframe(arrow_table(table), hide_index=True, key=f"{key}_table",
                     column_config=text_column_widths(table) if whole_text else None)
    else:
        st.caption(t("drill.table_help"))
        drill_frame(table, drill, f"{key}_table")
    xlsx_download(table, key, file_stem)


# The grid of st.dataframe (glide-data-grid) sizes a column by estimating its text's width from Latin
# letters, so Chinese names come out short and are cut ('包头稀土高新', '土默特右'). A Chinese character
# is one em wide in every CJK font, other characters at most 0.6 em in the app's sans; the grid's text
# is 0.875 rem with 0.5 rem of padding each side. Meeting mode scales the rem up to 1.8 times (30px at
# 1920 wide: ui.meeting), and a pixel width does not scale, so there it is counted at the largest rem.
GRID_FONT_REM, GRID_PADDING_REM, ROOT_PX, MEETING_ROOT_PX = 0.875, 0.5, 16, 28.8


def text_width_em(text: str) -> float:
    """`text`'s width in em: a wide (East Asian) character one em, any other 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)


def text_column_widths(table: pd.DataFrame) -> dict[str, st.column_config.Column]:
    """A width in pixels for each text column of `table`: its longest text or header, whole."""
    root = MEETING_ROOT_PX if in_meeting() else ROOT_PX
    widths = {}
    for name in table.columns:
        if not (pd.api.types.is_object_dtype(table[name]) or pd.api.types.is_string_dtype(table[name])):
            continue
        longest = max((text_width_em(str(v)) for v in table[name].dropna()), default=0.0)
        ems = max(longest, text_width_em(str(name)) + 1.5)  # the header also has the sort arrow
        widths[name] = st.column_config.Column(
            width=math.ceil((ems * GRID_FONT_REM + 2 * GRID_PADDING_REM) * root) + 4)
    return widths


ARROW_KEPT_ROWS = 5000  # a larger table (a check's problem list) is converted each time, not kept


def arrow_table(table: pd.DataFrame) -> pa.Table | pd.DataFrame:
    """`table` as st.dataframe shows it (without the index), mixed columns as text."""
    return _kept_arrow(table) if len(table) <= ARROW_KEPT_ROWS else _arrow(table)


def _arrow(table: pd.DataFrame) -> pa.Table | pd.DataFrame:
    shown = text_where_mixed(table)
    try:
        return pa.Table.from_pandas(shown, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return shown  # st.dataframe converts such a frame its own way


# Converted to Arrow once per content for every session: st.dataframe's own conversion of a frame
# was a tenth of a page open's CPU under load (bench/load.py --profile-server).
_kept_arrow = memo.by_inputs(_arrow, into=memo.store(512), share=True)


def drill_frame(data, codes: Sequence[str], key: str) -> None:
    """THE drill-down table: `data` (a frame or its Styler) whose row, when its unit's name is clicked
    or the row selected, makes its region (`codes`, by position) the scope. Only the name column's
    cells drill, so a reader may click a figure to read it; sorting in the browser keeps positions."""
    codes = list(codes)
    name_column = unit_column(data.data if hasattr(data, "data") else data, codes)

    def chosen() -> None:
        selection = st.session_state.get(key, {}).get("selection", {})
        rows = list(selection.get("rows") or []) + [
            row for row, column in selection.get("cells") or [] if name_column in (None, column)]
        if rows and 0 <= rows[0] < len(codes):
            drill_to(codes[rows[0]])

    shown = arrow_table(data) if isinstance(data, pd.DataFrame) else data
    st.dataframe(shown, hide_index=True, key=key, on_select=chosen, selection_mode=["single-row", "single-cell"])


def unit_column(frame: pd.DataFrame, codes: Sequence[str]) -> str | None:
    """The column of `frame` that names each row's unit (its cells start with the region's name, also
    with pinyin after it); None if none does."""
    tree = filters().tree
    names = [tree.name(c) if isinstance(c, str) else None for c in codes]
    scores = {column: sum(bool(n) and str(v).startswith(n) for v, n in zip(frame[column], names))
              for column in frame.columns}
    best = max(scores, key=scores.get, default=None)
    return best if best is not None and scores[best] > 0 else None


def xlsx_download(table: pd.DataFrame, key: str, file_stem: str) -> None:
    """The button that downloads `table` as an Excel file with the same headers (the export audited).

    The workbook is built when the button is clicked, not on every run: most tables are never
    downloaded, and a check's problem table can have 100,000 rows. The click does not rerun the
    page: a rerun would replace the file the browser is fetching."""
    st.download_button(
        t("overview.download_xlsx"),
        built_on_click(f"{file_stem}.xlsx", functools.partial(xlsx_bytes, table, file_stem)),
        file_name=f"{file_stem}.xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx", on_click="ignore",
    )


def built_on_click(file_name: str, build, audited: bool = True):
    """The `data` of a download button whose file is built when the browser asks for it (outside the
    page's run, so the account and scope are taken now, as the button is drawn). The library releases
    it only if the account still grants what it did (access.downloads.release); otherwise no file, and
    the page runs again, where the login gate says why in the user's language."""
    account, chosen = gate.current(), st.session_state.get(FILTERS_KEY)
    scope = chosen.scope.codes if chosen else None
    session_id = _session_id()

    def built() -> bytes:
        try:
            return downloads.release(account, build, file_name, scope, audited=audited)
        except AccountChanged:
            _run_again(session_id)
            raise
    return built


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else None


def _run_again(session_id: str | None) -> None:
    """Ask the browser session `session_id` for a page run (as a changed source file does, from
    another thread). Streamlit has no public call for this; without it the refusal still stands."""
    try:
        from streamlit.runtime import Runtime

        info = Runtime.instance()._session_mgr.get_active_session_info(session_id)
        if info is not None:
            info.session.request_rerun(None)
    except Exception:  # noqa: BLE001 - only the message is lost, never the refusal
        logging.getLogger("rehabdash").warning("could not run the page again after a refused download")


def year_on_year(change: float | None) -> dict:
    """figure_card arguments for a change on last year: the signed change as the delta (so the arrow
    points the way the figure moved) and the words 同比 beside it."""
    if change is None:
        return {"delta": None}
    return {"delta": formatting.change(change, lang()), "delta_description": t("overview.yoy_word")}


def figure_card(label_text: str, value: str, delta: str | None = None, notes: tuple[str, ...] = (),
                delta_description: str | None = None) -> None:
    """One headline figure in a bordered box: value, year-on-year change, then plain-text notes.

    Streamlit reads the arrow from the delta's first character: pass '-3.2%' with the words ('同比')
    as `delta_description`, so a fall points down; 持平 (formatting.unchanged) has no arrow and no colour."""
    flat = delta == formatting.unchanged(lang())
    with st.container(border=True):
        st.metric(label_text, value, delta, delta_description=delta_description,
                  delta_arrow="off" if flat else "auto", delta_color="off" if flat else "normal")
        for note in notes:
            st.caption(note)


def status_text(status) -> str:
    """'✔ 达标' / '▲ 预警' / '✖ 滞后' in the session's language (see columns.status_text)."""
    return columns.status_text(status, lang())


def status_words() -> columns.StatusWords:
    """`status_text` as a callable for a chart: the same words, and the chart stays cached by its inputs."""
    return columns.StatusWords(lang())


def table(frame: pd.DataFrame, spec, key: str, file_stem: str, drill: Sequence[str] | None = None) -> None:
    """`frame` shown through its column spec (headers and formats declared once), with its download;
    `drill`: each row's region code, for a per-unit table that drills down."""
    table_with_download(columns.present(frame, spec, lang()), key, file_stem, drill)


def chart_with_table(figure, frame: pd.DataFrame, spec, key: str, file_stem: str,
                     drill: Sequence[str] | None = None) -> None:
    """A chart, and under it its data through its column spec, with an Excel download."""
    chart_with_data(figure, columns.present(frame, spec, lang()), key, file_stem, drill)


def measure_card(label_text: str, measure, notes: tuple[str, ...] = ()) -> None:
    """A headline count with its year-on-year change (signed first, so a fall points down)."""
    figure_card(label_text, formatting.count(measure.value, lang()), notes=notes, **year_on_year(measure.change))


def lit_table(texts: pd.DataFrame, lights: pd.DataFrame, drill: Sequence[str] | None = None,
              key: str = "lit") -> None:
    """A table whose cells named in `lights` (same index, a Status or None per cell) are shaded by
    their traffic light; the text carries the light's symbol too, so colour is never alone. With
    `drill` (each row's region code) its rows drill down, except in meeting mode: there it stays a
    static table in the projector's type (the banner switches the scope)."""
    shades = lights.map(lambda s: "" if s is None else f"background-color: {STATUS_COLORS[s]}33")
    shades = texts.map(lambda _: "").assign(**shades)
    if drill is not None and drillable(drill) and not in_meeting():
        st.caption(t("drill.table_help"))
        drill_frame(texts.style.apply(lambda _: shades, axis=None), drill, f"{key}_table")
        return
    literal = texts.map(lambda v: md(v) if isinstance(v, str) else v)  # st.table reads Markdown
    st.table(literal.style.apply(lambda _: shades, axis=None).hide(axis="index"))
