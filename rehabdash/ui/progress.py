"""Long work shown with its progress: reading, checking and publishing an uploaded workbook."""
from __future__ import annotations

import streamlit as st


def with_progress(label: str, work, describe=str):
    """Run `work(progress)` in a status box with a progress bar whose text is `describe(stage)`;
    returns the result and the box."""
    box = st.status(label, expanded=True)
    with box:
        bar = st.progress(0.0)
        result = work(lambda share, stage: bar.progress(min(max(share, 0.0), 1.0), text=describe(stage)))
        bar.empty()
    return result, box


def remembered(slot: str, key: tuple, label: str, work):
    """`work`'s result for `key`, computed once with a progress bar, then kept in the session so that
    a rerun (choosing a date, pressing publish) does not read or check the workbook again."""
    held = st.session_state.get(slot)
    if held and held[0] == key:
        return held[1], None
    result, box = with_progress(label, work)
    st.session_state[slot] = (key, result)
    return result, box


_DONE = "_rehab_done"  # a success kept for the next run


def announce_after_rerun(message: str) -> None:
    """Keep a success for the next run: the one that lists a newly published snapshot (or boundary)."""
    st.session_state[_DONE] = message


def announced() -> str | None:
    """The success kept by `announce_after_rerun`, once."""
    return st.session_state.pop(_DONE, None)
