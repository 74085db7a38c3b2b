"""Drill-down and roll-up: setting the sidebar scope from a map click, a table row or a breadcrumb.
(The drill-down table itself is widgets.table_with_download with `drill`.)
"""
from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from rehabdash.ui.sidebar import Filters, filters
from rehabdash.ui.text import md, t, t_md


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


def drillable(codes: Iterable[str]) -> bool:
    """Whether drilling into any of `codes` changes the scope: a region the account may see, at a
    level the sidebar can choose (a village is not one), so a table offers drill-down only then."""
    tree = filters().tree
    return any(isinstance(c, str) and tree.allows(c) and tree.level(c) in SCOPE_KEYS for c in codes)


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
                          args=(code,), help=t_md("drill.up_help", name=tree.name(code)))
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
