"""康复服务看板 entry point: login gate, sidebar filters shared by every page, then the chosen page."""
import datetime as dt
import logging

import streamlit as st

from rehabdash import charts, ui
from rehabdash.access import audit, gate
from rehabdash.store import db

st.set_page_config(page_title="康复服务看板", page_icon="assets/icon.png", layout="wide")


# Streamlit's browser runs the page again when its connection comes back only if a fragment runs on a
# timer; otherwise it assumes the server kept its session. Behind nginx the connection may come back on
# another replica, which has no such session: without a run there, the page's downloads and uploads
# would still name the lost one (deploy/README.md). The fragment itself does nothing.
@st.fragment(run_every=dt.timedelta(hours=1))
def _run_again_on_reconnect() -> None:
    pass


_run_again_on_reconnect()

charts.apply_plotly_defaults()
ui.accessibility_styles()
account = gate.login_gate()
gate.audit_oidc_login(account)
filters = ui.sidebar_filters(account)
ui.account_box(account)

# Topic pages need a snapshot; data upkeep works without one (the first import) but needs its role.
topic_pages = [
    st.Page("app_pages/overview.py", title=ui.t("pages.overview"), icon=":material/dashboard:",
            url_path="overview", default=True),
    st.Page("app_pages/rehab.py", title=ui.t("pages.rehab"), icon=":material/healing:",
            url_path="rehab"),
    st.Page("app_pages/facility_map.py", title=ui.t("pages.map"), icon=":material/map:",
            url_path="map"),
    st.Page("app_pages/funding.py", title=ui.t("pages.funding"), icon=":material/payments:",
            url_path="funding"),
    st.Page("app_pages/devices.py", title=ui.t("pages.devices"), icon=":material/accessible:",
            url_path="devices"),
    st.Page("app_pages/child_rehab.py", title=ui.t("pages.children"), icon=":material/child_care:",
            url_path="children"),
    # every role reads it; only the scope's admin changes member units (checked in the library)
    st.Page("app_pages/departments.py", title=ui.t("pages.departments"), icon=":material/groups:",
            url_path="departments"),
]
upkeep_pages = []
# An empty data directory (no snapshot at all, not even a refused one): an admin starts a new deployment.
new_deployment = filters is None and account.may("admin") and not account.scope and not ui.available_snapshots()
if account.may("clerk"):
    upkeep_pages.append(st.Page("app_pages/data_upload.py", title=ui.t("pages.upload"),
                                icon=":material/upload_file:", url_path="upload",
                                default=filters is None and not new_deployment))
if account.may("admin"):
    upkeep_pages.append(st.Page("app_pages/snapshots.py", title=ui.t("pages.snapshots"),
                                icon=":material/history:", url_path="snapshots",
                                default=filters is None and not upkeep_pages))
    upkeep_pages.append(st.Page("app_pages/boundaries.py", title=ui.t("boundaries.nav"),
                                icon=":material/border_outer:", url_path="boundaries"))
    if new_deployment:
        upkeep_pages.insert(0, st.Page("app_pages/setup.py", title=ui.t("setup.nav"),
                                       icon=":material/add_location:", url_path="setup", default=True))
ROLE_OF_PAGE = {"upload": "clerk", "snapshots": "admin", "boundaries": "admin", "departments": "viewer"}
# A page the role may not open answers its URL with a message in Chinese and an audit line, rather than
# Streamlit's "Page not found".
refusals = [st.Page(gate.refusal_page(path, role), title=ui.t(f"pages.{path}"), url_path=path,
                    visibility="hidden")
            for path, role in ROLE_OF_PAGE.items() if not account.may(role)]
pages = (topic_pages if filters is not None else []) + upkeep_pages or topic_pages[:1]
deep_link = gate.take_deep_link()  # the page asked for before the login
if deep_link in {p.url_path for p in pages + refusals}:
    gate.ask_for_page(deep_link)
page = st.navigation(pages + refusals)
if filters is None and page not in upkeep_pages + refusals:
    st.stop()
if filters is not None:
    ui.meeting_banner(filters)
try:
    page.run()
except db.SnapshotUnreadable:  # a file rotted or became unreadable: refused now, serve the next one
    st.rerun()
except db.NoAccess as refused:  # a scope outside the account's regions, however it was asked for
    audit.record("no_access", account.username, refused.codes, page="/" + page.url_path)
    st.error(refused.message(ui.lang()))
except Exception:  # no traceback reaches a user: the server log has it, the page a message
    logging.getLogger("rehabdash").exception("page %s failed", page.url_path)
    st.error(ui.t("writepath.error"))
