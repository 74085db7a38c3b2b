"""康复服务看板 entry point: login gate, sidebar filters shared by every page, then the chosen page."""
import datetime as dt
import logging

import streamlit as st

from rehabdash import charts, ui
from rehabdash.access import audit, gate, pages
from rehabdash.kernel import heap, turns
from rehabdash.store import db

st.set_page_config(page_title="康复服务看板", page_icon="assets/icon.png", layout="wide")
heap.freeze_survivors()  # full garbage collections walk only what is new (once per process)


# Streamlit's browser runs the page again when its connection comes back only if a fragment runs on a
# timer; otherwise it assumes the server kept its session. Behind nginx the connection may come back on
# another replica, which has no such session: without a run there, the page's downloads and uploads
# would still name the lost one (deploy/README.md). The fragment itself does nothing.
@st.fragment(run_every=dt.timedelta(hours=1))
def _run_again_on_reconnect() -> None:
    pass


_run_again_on_reconnect()


def nav_page(page: pages.Page, **options) -> st.Page:
    return st.Page(page.script, title=ui.t(page.title), icon=page.icon, url_path=page.url_path, **options)


def run() -> None:
    """The sidebar's filters, the menu the account may use, then the chosen page."""
    charts.apply_plotly_defaults()
    ui.accessibility_styles()
    account = gate.login_gate()
    gate.audit_oidc_login(account)
    filters = ui.sidebar_filters(account)
    ui.account_box(account)
    # Topic pages need a snapshot; data upkeep works without one (the first import) but needs its role.
    topic_pages = [nav_page(p, default=p is pages.TOPIC_PAGES[0]) for p in pages.TOPIC_PAGES]
    # An empty data directory (no snapshot at all, not even a refused one): an admin starts a new deployment.
    new_deployment = filters is None and account.may("admin") and not account.scope and not ui.available_snapshots()
    upkeep = [p for p in pages.UPKEEP_PAGES if gate.may_open(account, p) and p.url_path != pages.SETUP]
    if new_deployment:
        upkeep.insert(0, pages.page(pages.SETUP))
    # Without a snapshot the first upkeep page opens.
    upkeep_pages = [nav_page(p, default=filters is None and i == 0) for i, p in enumerate(upkeep)]
    # A page the role may not open answers its URL with a message in Chinese and an audit line, rather than
    # Streamlit's "Page not found".
    refusals = [st.Page(gate.refusal_page(p), title=ui.t(p.title), url_path=p.url_path, visibility="hidden")
                for p in gate.refused_pages(account)]
    listed = (topic_pages if filters is not None else []) + upkeep_pages or topic_pages[:1]
    deep_link = gate.take_deep_link()  # the page asked for before the login
    if deep_link in {p.url_path for p in listed + refusals}:
        gate.ask_for_page(deep_link)
    if filters is not None and ui.in_wall():  # the wall screen runs alone: its one page, no menu, no banner
        page = st.navigation([nav_page(pages.WALL, default=True)], position="hidden")
    else:
        page = st.navigation(listed + refusals)
    if filters is None and page not in upkeep_pages + refusals:
        st.stop()
    if filters is not None and not ui.in_wall():
        ui.meeting_banner(filters)
        ui.print_styles(filters)
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


# More runs asked for than the cores can serve: they take their turns in the order they came, the
# sidebar included (docs/performance.md: Pages served in order).
with turns.page_runs():
    run()
