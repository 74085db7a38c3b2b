"""Download buttons for the briefing deck, workbook and bulletin, built on click and kept by their inputs.
"""
from __future__ import annotations

import functools

import streamlit as st

from rehabdash.access import gate
from rehabdash.access.accounts import reverify
from rehabdash.kernel import memo
from rehabdash.kernel.errors import AccountChanged
from rehabdash.store import boundaries
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

_files = memo.store(32)  # built files (up to a few MB each), shared by every session

Build = tuple  # (builder, *arguments): a module-level function of the export layer and what it reads


def export_buttons(stem: str, builders: dict[str, Build]) -> None:
    """The exports of a page. Each file is built first, in the library, and only a file that was built
    gets a download button: a failure shows a Chinese message naming the export, and as nothing was
    downloaded no export is audited. The workbook is built with the page (kept by its inputs); the deck
    and the bulletin when their button is clicked (ON_REQUEST). Each is handed to the browser only
    when the download is clicked, and only if the account still grants what it did (built_on_click),
    which audits it; the click does not rerun the page (a rerun would replace the file being fetched)."""
    columns = st.columns(len(builders))
    for column, (kind, build) in zip(columns, builders.items()):
        mime, icon = EXPORT_TYPES[kind]
        name = f"{stem}.{kind}"
        with column:
            clicked_for = f"_export_{kind}"  # the key of the file this session asked for
            if kind in ON_REQUEST:
                if st.button(t(f"dispatch_page.make_{kind}"), icon=icon, key=f"make_{kind}"):
                    data = _try_build(kind, build, clicked=True)
                    st.session_state[clicked_for] = file_key(build) if data is not None else None
                elif st.session_state.get(clicked_for) == file_key(build):
                    data = _try_build(kind, build)  # asked for before with these inputs: kept
                else:
                    continue
            else:
                data = _try_build(kind, build)
            if data is None:
                continue
            st.download_button(t(f"dispatch_page.download_{kind}"), built_on_click(name, functools.partial(bytes, data)),
                               file_name=name, mime=mime, icon=icon, key=f"briefing_{kind}", on_click="ignore")


def file_key(build: Build) -> tuple:
    """What a file is built from: the builder, its arguments by content (kernel.memo), the operator's
    settings and the boundary files the deck's map reads. A change of any of them builds it anew."""
    builder, *arguments = build
    return memo.key_of(builder, tuple(arguments), {}) + (boundaries.version(),)


def built(build: Build) -> bytes:
    """The file of `build`, made once per distinct input for the whole process."""
    builder, *arguments = build
    return _files.get_or_compute(file_key(build), lambda: builder(*arguments))


def _try_build(kind: str, build: Build, clicked: bool = False) -> bytes | None:
    try:
        if clicked:  # built for the account as it is now, not as it signed in
            reverify(gate.current())
        return built(build)
    except AccountChanged as changed:
        st.error(gate.changed_message(changed))
        return None
    except Exception as problem:  # noqa: BLE001 - any failure becomes a message, never a traceback
        st.error(t("dispatch_page.export_failed", export=t(f"dispatch_page.export_{kind}"),
                   problem=type(problem).__name__))
        return None
