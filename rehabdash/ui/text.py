"""UI text in the session's language, and data values made literal for Markdown.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from rehabdash.kernel import i18n, memo, safe_text


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


@memo.by_inputs  # the overview's tables, each run: once per content (issue 20)
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
