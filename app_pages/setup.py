"""新部署 (admins, empty data directory only): choose the federation's own division from the national
list shipped offline; the library writes its region tree and an empty first snapshot."""
import streamlit as st

from rehabdash import ingest, ui
from rehabdash.access import gate
from rehabdash.kernel.errors import AlreadySetUp, NoAccess

account = gate.current()
st.title(ui.t("setup.title"))
st.caption(ui.t("setup.intro"))
query = st.text_input(ui.t("setup.query"), key="setup_query").strip()
if query:
    found = ingest.find_divisions(query)
    if found.empty:
        st.warning(ui.t_md("setup.none_found", query=query))
    else:
        labels = ingest.division_labels(found, ui.lang())
        code = st.selectbox(ui.t("setup.choose"), list(labels)[:50], format_func=labels.get, key="setup_code")
        as_of = st.date_input(ui.t("setup.as_of"), value=ingest.default_as_of(), key="setup_as_of")
        townships = st.checkbox(ui.t("setup.townships"), value=True, key="setup_townships")
        if st.button(ui.t("setup.create"), key="setup_create", type="primary"):
            try:
                path = ingest.create_deployment(code, account, as_of, townships=townships)
            except NoAccess:
                st.error(ui.t("boundaries.not_admin"))
            except AlreadySetUp as refused:
                st.error(refused.message(ui.lang()))
            else:  # the upload page is the next step; the sidebar lists the first snapshot there
                ui.announce_after_rerun(ui.t("setup.created", name=labels[code], path=path))
                st.switch_page("app_pages/data_upload.py")
