"""Download buttons for the briefing deck, workbook and bulletin, built on click and cached by view.
"""
from __future__ import annotations

import functools

import streamlit as st

from rehabdash.access import gate
from rehabdash.access.accounts import reverify
from rehabdash.kernel import memo
from rehabdash.kernel.errors import AccountChanged
from rehabdash.ui.sidebar import Filters, available_snapshots
from rehabdash.ui.text import t
from rehabdash.ui.widgets import built_on_click


EXPORT_TYPES = {
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ":material/slideshow:"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ":material/table:"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ":material/description:"),
}

# Built when asked for, not with every open of the page: the deck draws one shape per facility on
# its map slide, which took 25 s for a province's city of 2,388 facilities (docs/performance.md).
ON_REQUEST = ("pptx", "docx")


def export_buttons(f: Filters, stem: str, builders: dict, variant: str = "") -> None:
    """The exports of a page. Each file is built first, in the library, and only a file that was built
    gets a download button: a failure shows a Chinese message naming the export, and as nothing was
    downloaded no export is audited. The workbook is built with the page (cached per view); the deck
    and the bulletin when their button is clicked (ON_REQUEST). Each is handed to the browser only
    when the download is clicked, and only if the account still grants what it did (built_on_click),
    which audits it; the click does not rerun the page (a rerun would replace the file being fetched)."""
    # everything a file depends on: the snapshot and the versions beside it (the changes since the
    # previous one), the choice, and the operator's settings (disclosure threshold, margins)
    view = (str(f.snapshot.path), tuple(str(s.path) for s in available_snapshots()), f.scope.codes,
            f.year, f.as_of, f.lang, stem, variant, memo.settings())
    columns = st.columns(len(builders))
    for column, (kind, build) in zip(columns, builders.items()):
        mime, icon = EXPORT_TYPES[kind]
        name = f"{stem}.{kind}"
        with column:
            state_key = f"_export_{kind}"
            if kind in ON_REQUEST:
                if st.button(t(f"dispatch_page.make_{kind}"), icon=icon, key=f"make_{kind}"):
                    st.session_state[state_key] = (view, _try_build(kind, build, view, clicked=True))
                made = st.session_state.get(state_key)
                data = made[1] if made and made[0] == view else None
                if data is None:
                    continue
            else:
                data = _try_build(kind, build, view)
            if data is None:
                continue
            st.download_button(t(f"dispatch_page.download_{kind}"), built_on_click(name, functools.partial(bytes, data)),
                               file_name=name, mime=mime, icon=icon, key=f"briefing_{kind}", on_click="ignore")


def _try_build(kind: str, build, view: tuple, clicked: bool = False) -> bytes | None:
    try:
        if clicked:  # built for the account as it is now, not as it signed in
            reverify(gate.current())
        return _cached_build(kind, view, build)
    except AccountChanged as changed:
        st.error(gate.changed_message(changed))
        return None
    except Exception as problem:  # noqa: BLE001 - any failure becomes a message, never a traceback
        st.error(t("dispatch_page.export_failed", export=t(f"dispatch_page.export_{kind}"),
                   problem=type(problem).__name__))
        return None


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_build(kind: str, view: tuple, _build) -> bytes:
    return _build()
