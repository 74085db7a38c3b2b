"""乡镇边界导入 (admins): upload township or district polygons (GeoJSON, DataV's included, zipped
Shapefile, KML) with their coordinate system, see every problem at once and what datum the file was
taken for, accept polygons beyond their district with a reason, publish; the imported ones so far."""
import hashlib

import pandas as pd
import streamlit as st

from rehabdash import ingest, ui
from rehabdash.access import gate
from rehabdash.kernel import config
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.errors import NoAccess
from rehabdash.ui.widgets import xlsx_download

CHECKED = "_boundaries_checked"  # (sha256 + options, CheckedBoundaries) of the last check
WHOLE_PROBLEMS = 30  # up to this many problems are listed whole, wrapped

lang = ui.lang()
account = gate.current()
st.title(ui.t("boundaries.title"))
st.caption(ui.t("boundaries.intro"))
if done := ui.announced():
    st.success(done)

kinds = {"townships": ui.t("boundaries.kind_townships"), "districts": ui.t("boundaries.kind_districts")}
kind = st.radio(ui.t("boundaries.kind"), list(kinds), format_func=kinds.get, key="boundaries_kind", horizontal=True)
max_mb = config.boundary_limits().max_mb
upload = ui.upload_box(ui.t("boundaries.file"), ingest.BOUNDARY_SUFFIXES, max_mb, key="boundaries_file",
                       note=ui.t("boundaries.file_help", limit=ui.upload_limit(max_mb)))
choices = {"auto": ui.t("boundaries.crs_auto"), "wgs84": ui.t("boundaries.crs_wgs84"),
           "gcj02": ui.t("boundaries.crs_gcj02"), "epsg": ui.t("boundaries.crs_epsg")}
choice = st.radio(ui.t("boundaries.crs"), list(choices), format_func=choices.get, key="boundaries_crs")
crs = choice
if choice == "epsg":
    crs = st.text_input(ui.t("boundaries.epsg"), key="boundaries_epsg").strip() or "auto"
key_field = st.text_input(ui.t("boundaries.field"), key="boundaries_field").strip() or None


def check(content: bytes, signature: str, reason: str | None = None) -> None:
    try:
        checked = ingest.check_boundaries(content, upload.name, account, crs=crs, key_field=key_field, lang=lang,
                                          kind=kind, accept_outside=reason)
    except NoAccess:
        st.error(ui.t("boundaries.not_admin"))
        st.stop()
    st.session_state[CHECKED] = (signature, checked)


if upload is not None:
    content = upload.getvalue()
    signature = f"{hashlib.sha256(content).hexdigest()}|{crs}|{key_field}|{kind}"
    if st.button(ui.t("boundaries.check"), key="boundaries_check", type="primary"):
        check(content, signature)
    last = st.session_state.get(CHECKED)
    if last is not None and last[0] == signature:
        checked = last[1]
        if checked.problems:
            st.error(ui.t("boundaries.problems", count=checked.problem_count))
            problems = pd.DataFrame({ui.t("boundaries.col_no"): range(1, len(checked.problems) + 1),
                                     ui.t("boundaries.col_problem"): checked.problems})
            # Each problem's sentence whole (st.table wraps it; the grid cut it off at "区县边界请在…"),
            # up to a screenful; a longer list in the scrolling grid.
            if len(problems) <= WHOLE_PROBLEMS:
                st.table(ui.md_frame(problems), hide_index=True)  # a problem repeats the file's names
            else:
                st.dataframe(problems, hide_index=True, key="boundary_problems_table")
            xlsx_download(problems, "boundary_problems", ui.t("boundaries.title"))
        elif checked.valid:
            st.success(ui.t(f"boundaries.checked_ok{'_districts' if kind == 'districts' else ''}",
                            count=len(checked.features)))
        if checked.accepted:
            st.warning(ui.t_md("boundaries.accepted", reason=checked.reason, count=len(checked.accepted)))
        for note in checked.notes:  # which datum the file was taken for: it names the file's own CRS
            st.info(ui.md(note))
        if checked.only_outside:  # an admin may accept polygons beyond their district, with a reason
            reason = st.text_input(ui.t("boundaries.accept_reason"), key="boundaries_reason",
                                   help=ui.t("boundaries.accept_reason_help"), max_chars=500).strip()
            if st.button(ui.t("boundaries.accept_outside"), key="boundaries_accept", disabled=not reason):
                check(content, signature, reason)
                st.rerun()
        elif checked.valid and st.button(ui.t("boundaries.publish"), key="boundaries_publish"):
            ingest.publish_boundaries(checked, account)
            st.session_state.pop(CHECKED, None)
            ui.announce_after_rerun(ui.t(f"boundaries.published{'_districts' if kind == 'districts' else ''}",
                                         count=len(checked.features)))
            st.rerun()


def source(properties: dict) -> str:
    """Where an imported polygon came from: its file, the account and when (北京时间, not raw UTC)."""
    return " · ".join((properties.get("source_file", ""), properties.get("imported_by", ""),
                       fmt.beijing_time(properties.get("imported_at", ""))))


st.subheader(ui.t("boundaries.current"))
imported = ingest.imported_boundaries()
if not imported:
    st.info(ui.t("boundaries.none_yet"))
else:
    ui.table_with_download(pd.DataFrame([{
        ui.t("boundaries.col_code"): f["properties"]["region_code"],
        ui.t("boundaries.col_name"): f["properties"]["name"],
        ui.t("boundaries.col_district"): f["properties"].get("district_name", f["properties"]["parent_code"]),
        ui.t("boundaries.col_source"): source(f["properties"]),
    } for f in imported]), key="boundaries_imported", file_stem=ui.t("boundaries.current"))
if imported_districts := ingest.imported_boundaries("districts"):
    st.subheader(ui.t("boundaries.current_districts"))
    ui.table_with_download(pd.DataFrame([{
        ui.t("boundaries.col_code"): f["properties"]["region_code"],
        ui.t("boundaries.col_name"): f["properties"]["name"],
        ui.t("boundaries.col_source"): source(f["properties"]),
    } for f in imported_districts]), key="boundaries_imported_districts", file_stem=ui.t("boundaries.current_districts"))
