"""报送进度 as a page shows it: the overview's and the upload page's section, from topics.reporting
(the common period's note under every page's title is sidebar.period_note)."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from rehabdash.kernel import formatting
from rehabdash.topics import reporting
from rehabdash.ui.sidebar import Filters
from rehabdash.ui.text import t, t_md
from rehabdash.ui.widgets import table_with_download


NAMED = 30  # units named in the 未报送 line; a province's thousands are in the table


def progress_section(f: Filters, month: dt.date | None = None, key: str = "reporting", table: bool = True) -> None:
    """报送进度 of the month being collected: counts in words, the units not reported by name, and
    (``table``) the table with its Excel download."""
    p = reporting.progress(f.run, f.snapshot.as_of, month)
    st.subheader(t("reporting.heading"))
    st.caption(t("reporting.caption", month=formatting.month(p.month, f.lang),
                 deadline=formatting.date(p.deadline, f.lang), day=p.deadline.day,
                 reported=p.count("reported"), late=p.count("late"), missing=p.count("missing")))
    if p.missing_names:  # named, the first NAMED of them on screen; the table lists every one
        names = "、".join(p.missing_names[:NAMED]) + (t("reporting.and_more", count=len(p.missing_names))
                                                      if len(p.missing_names) > NAMED else "")
        st.warning(t_md("reporting.missing_names", names=names), icon=":material/schedule:")
    else:
        st.success(t("reporting.all_reported", month=formatting.month(p.month, f.lang)),
                   icon=":material/check_circle:")
    if not table:
        return
    table_with_download(reporting.progress_table(p, f.lang), key=key,
                        file_stem=f"{t('reporting.file')}_{p.month.isoformat()[:7]}")
