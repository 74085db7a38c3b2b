"""康复服务看板 entry point: sidebar filters shared by every page, then the chosen page."""
import streamlit as st

from rehabdash import theme, ui

st.set_page_config(page_title="康复服务看板", page_icon="assets/icon.png", layout="wide")

theme.apply_plotly_defaults()
filters = ui.sidebar_filters()
pages = [
    st.Page("app_pages/overview.py", title=ui.t("pages.overview"), icon=":material/dashboard:",
            url_path="overview", default=True),
]
page = st.navigation(pages)
if filters is None:
    st.stop()
page.run()
