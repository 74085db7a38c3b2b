"""Drill-down and roll-up: setting the sidebar scope from a map click, a table row or a breadcrumb.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from rehabdash.ui.sidebar import Filters, filters
from rehabdash.ui.text import md, t
from rehabdash.ui.widgets import text_where_mixed, xlsx_download


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
    deepest = max((SCOPE_KEYS.index(k) for k in levels if k in SCOPE_KEYS), default=-1)
    for i, key in enumerate(SCOPE_KEYS):
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

    st.dataframe(text_where_mixed(table), hide_index=True, key=state_key, on_select=chosen,
                 selection_mode="single-row")
    xlsx_download(table, key, file_stem)
