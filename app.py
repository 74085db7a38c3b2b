"""康复服务看板 entry point: sidebar filters shared by every page, then the chosen page."""
import streamlit as st

from rehabdash import theme, ui

st.set_page_config(page_title="康复服务看板", page_icon="assets/icon.png", layout="wide")

theme.apply_plotly_defaults()
filters = ui.sidebar_filters()
pages = [
    st.Page("app_pages/overview.py", title=ui.t("pages.overview"), icon=":material/dashboard:",
            url_path="overview", default=True),
    st.Page("app_pages/facility_map.py", title=ui.t("pages.map"), icon=":material/map:",
            url_path="map"),
    st.Page("app_pages/funding.py", title=ui.t("pages.funding"), icon=":material/payments:",
            url_path="funding"),
    st.Page("app_pages/devices.py", title=ui.t("pages.devices"), icon=":material/accessible:",
            url_path="devices"),
    st.Page("app_pages/child_rehab.py", title=ui.t("pages.children"), icon=":material/child_care:",
            url_path="children"),
    st.Page("app_pages/data_upload.py", title=ui.t("pages.upload"), icon=":material/upload_file:",
            url_path="upload"),
    st.Page("app_pages/snapshots.py", title=ui.t("pages.snapshots"), icon=":material/history:",
            url_path="snapshots"),
]
page = st.navigation(pages)
if filters is None:
    st.stop()
ui.meeting_banner(filters)
page.run()
