"""The dispatch meeting's decided items on the overview (督办): the last meeting's items and how each
stands, the overdue ones beside the lagging list, this meeting's items with the chair's form, and the
panel where the responsible unit posts updates and the chair closes. Every read and write goes through
rehabdash.access.workflow with the signed-in account; text from items reaches Markdown through `md`.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from rehabdash.access import gate, workflow_sample
from rehabdash.access.workflow import Link, Unit, WorkflowStore
from rehabdash.charts import decisions as decision_text
from rehabdash.charts import dispatch as dispatch_charts
from rehabdash.kernel import formatting
from rehabdash.kernel.errors import RehabError
from rehabdash.topics import decisions, dispatch
from rehabdash.ui.meeting import in_meeting, screens
from rehabdash.ui.sidebar import Filters
from rehabdash.ui.text import lang, md, md_frame, t

FORM_COUNTER = "_duban_form"  # bumped after an item is recorded: the next form starts empty
ADDED, HANDLED = "_duban_added", "_duban_handled"  # (kind, text) of the last action, shown once where taken


@functools.lru_cache(maxsize=4)
def _sample_seeded(url: str) -> bool:
    return workflow_sample.seed(WorkflowStore())


def store(f: Filters) -> WorkflowStore:
    """The workflow store; the sample's meetings are written into an empty one when the sample is shown."""
    found = WorkflowStore()
    if f.snapshot.source == "sample":
        _sample_seeded(str(found.engine.url))
    return found


def scope_path(f: Filters) -> tuple[str, ...]:
    return tuple(f.tree.path(f.scope.root))


def workflow_of(f: Filters, until: dt.date) -> decisions.View | None:
    """The scope's items as the meeting judged on the view's day sees them; None where the account may
    not read them (the refusal is audited) or the database cannot be reached."""
    on = decisions.judged_on(until, f.snapshot.source == "sample")
    try:
        items = store(f).items(gate.current(), f.scope.root, scope_path(f))
    except RehabError as refused:
        st.warning(refused.message(lang()))
        return None
    except SQLAlchemyError:  # the figures still show; the items say why they do not
        logging.getLogger("rehabdash").exception("workflow database unavailable")
        st.warning(t("duban.db_unavailable"))
        return None
    return decisions.view(items, on)


def map_marks(f: Filters, until: dt.date) -> tuple:
    """The open items by place for the map board's 督办 tags (charts.decisions.map_marks); () where the
    account may not read them or the database cannot be reached (said once by workflow_of)."""
    v = workflow_of(f, until)
    return decision_text.map_marks(decisions.places(decisions.open_items(v)), lang()) if v else ()


def _show(table: dispatch_charts.Table) -> None:
    st.table(md_frame(dispatch_charts.display(table)), hide_index=True)


def _message(key: str) -> None:
    if found := st.session_state.pop(key, None):
        (st.success if found[0] == "ok" else st.error)(found[1])


def last_section(f: Filters, v: decisions.View) -> None:
    """上次调度会议定事项落实情况: counts, the items with status and days late, the units responsible. On
    the projector: the short table, over as many screens as it needs."""
    table = decision_text.last_table(v, lang(), compact=in_meeting())
    pages = screens(table.frame)
    for number, rows in enumerate(pages, start=1):
        with st.container(key="section_duban_last" if number == 1 else f"section_duban_last_{number}"):
            title = t("duban.last_title")
            st.subheader(title if len(pages) == 1 else f"{title}（{number}/{len(pages)}）")
            if v.last_meeting is None:
                st.info(t("duban.no_meeting", scope=md(f.scope_label)), icon=":material/info:")
            else:
                if number == 1:
                    st.caption(md(decision_text.summary_line(v, lang())))
                st.table(md_frame(dispatch_charts.display(table).iloc[rows.index]), hide_index=True)
                if not in_meeting():
                    _show(decision_text.by_unit_table(v, lang()))
            if number == len(pages):
                _handling_panel(f, v)


def overdue_section(v: decisions.View) -> None:
    """The overdue items join the lagging list, each with its unit responsible."""
    if not v.overdue:
        return
    with st.container(key="section_duban_overdue"):
        st.subheader(t("duban.overdue_title"))
        st.markdown("\n".join(f"- ✖ {md(line)}" for line in decision_text.overdue_lines(v, lang())))


def current_section(f: Filters, v: decisions.View, unit_options: dict[str, Unit],
                    link_options: dict[str, Link]) -> None:
    """本次议定事项: what this meeting decided, and the chair's form to add an item from the keyboard."""
    with st.container(key="section_duban_current"):
        st.subheader(t("duban.current_title_on", on=formatting.date(v.on, lang())))
        if v.current:
            _show(decision_text.current_table(v, lang()))
        else:
            st.caption(t("duban.current_none"))
        _message(ADDED)  # above the form, in view on the projector
        if gate.current().may("admin"):
            _chair_form(f, v, unit_options, link_options)


def _chair_form(f: Filters, v: decisions.View, units: dict[str, Unit], links: dict[str, Link]) -> None:
    n = st.session_state.get(FORM_COUNTER, 0)
    with st.form(f"duban_add_{n}", clear_on_submit=False, enter_to_submit=True):
        texts = st.columns(2)
        with texts[0]:
            st.text_input(t("duban.col_problem"), key=f"duban_problem_{n}", max_chars=200)
        with texts[1]:
            st.text_input(t("duban.col_decision"), key=f"duban_decision_{n}", max_chars=300)
        columns = st.columns(4)
        with columns[0]:
            st.selectbox(t("duban.col_unit"), list(units), key=f"duban_unit_{n}",
                         format_func=lambda k: units[k].name)
        with columns[1]:
            st.text_input(t("duban.col_person"), key=f"duban_person_{n}", max_chars=40)
        with columns[2]:
            st.date_input(t("duban.col_deadline"), value=v.on + dt.timedelta(days=30), min_value=v.on,
                          key=f"duban_deadline_{n}")
        with columns[3]:
            st.selectbox(t("duban.col_link"), ["", *links], key=f"duban_link_{n}",
                         format_func=lambda k: links[k].name if k else "—")
        st.form_submit_button(t("duban.add"), type="primary", on_click=_record,
                              args=(f, v.on, n, units, links))


def _record(f: Filters, on: dt.date, n: int, units: dict[str, Unit], links: dict[str, Link]) -> None:
    state = st.session_state
    if _written(ADDED, lambda: store(f).record(
            gate.current(), f.scope.root, scope_path(f), f.scope_label, on,
            problem=state[f"duban_problem_{n}"], decision=state[f"duban_decision_{n}"],
            unit=units[state[f"duban_unit_{n}"]], person=state[f"duban_person_{n}"],
            deadline=state[f"duban_deadline_{n}"], link=links.get(state[f"duban_link_{n}"]))):
        state[FORM_COUNTER] = n + 1
        state[ADDED] = ("ok", t("duban.recorded"))


def _written(slot: str, write) -> bool:
    """Run `write()`; a refusal (a conflict, no right to) or an unavailable database becomes the message
    in `slot` and what was typed stays in the form. True when it was written."""
    try:
        write()
    except RehabError as refused:
        # the message repeats names and items as others typed them: text, not Markdown, in st.error
        st.session_state[slot] = ("error", md(refused.message(lang())))
        return False
    except SQLAlchemyError:
        logging.getLogger("rehabdash").exception("workflow database unavailable")
        st.session_state[slot] = ("error", t("duban.db_unavailable"))
        return False
    return True


def _handling_panel(f: Filters, v: decisions.View) -> None:
    """Post an update, ask for closure, close: for the items the account may act on, with the version
    it read (a stale one is refused with the other's change shown)."""
    account = gate.current()
    open_items = decisions.open_items(v)
    if not account.may("clerk") or not open_items:
        _message(HANDLED)
        return
    with st.expander(t("duban.handle"), expanded=HANDLED in st.session_state):
        _message(HANDLED)
        choices = {s.item.id: s for s in open_items}
        chosen = st.selectbox(t("duban.handle_item"), list(choices), key="duban_handle_item",
                              format_func=lambda i: f"{choices[i].item.unit.name}：{choices[i].item.problem}")
        s = choices[chosen]
        st.caption(md(f"{decision_text.status_text(s, lang())} · {decision_text.latest_text(s, lang())}"))
        with st.form("duban_handle", clear_on_submit=False):
            st.text_input(t("duban.handle_text"), key="duban_handle_text", max_chars=300)
            buttons = st.columns(3)
            args = (f, s.item.id, s.item.version, v.on)  # the version this form was drawn with
            with buttons[0]:
                st.form_submit_button(t("duban.post_update"), on_click=_act, args=(*args, "update"))
            with buttons[1]:
                st.form_submit_button(t("duban.ask_close"), on_click=_act, args=(*args, "ask_close"))
            if account.may("admin"):
                with buttons[2]:
                    st.form_submit_button(t("duban.close"), on_click=_act, args=(*args, "close"))


def _act(f: Filters, item_id: int, version: int, on: dt.date, action: str) -> None:
    state, account = st.session_state, gate.current()
    text = state.get("duban_handle_text", "")
    if action == "close":
        written = _written(HANDLED, lambda: store(f).close(account, item_id, version, on, text))
    else:
        written = _written(HANDLED, lambda: store(f).post_update(account, item_id, version, on, text,
                                                                 ask_closure=action == "ask_close"))
    if written:  # after a refusal the typed text stays; the newest version is drawn below
        state["duban_handle_text"] = ""
        state[HANDLED] = ("ok", t(f"duban.done_{action}"))


def unit_options(f: Filters, institutions: pd.DataFrame, departments) -> dict[str, Unit]:
    """Who can answer for an item: the scope's own federation, the units one level down, the designated
    institutions in the scope and the member departments."""
    root, tree = f.scope.root, f.tree
    found = {f"region|{root}": Unit("region", root, tree.name(root), tuple(tree.path(root)))}
    for code in tree.children(root):
        if tree.level(code) != "village":
            found[f"region|{code}"] = Unit("region", code, tree.name(code), tuple(tree.path(code)))
    for row in institutions.itertuples(index=False):
        if getattr(row, "in_scope", True):
            found[f"institution|{row.institution_id}"] = Unit(
                "institution", str(row.institution_id), str(row.name), tuple(tree.path(row.region_code)))
    for d in departments:
        found[f"department|{d.id}"] = Unit("department", str(d.id), d.name)
    return found


def link_options(m: dispatch.Meeting, lang_: str) -> dict[str, Link]:
    """What an item may point to: an indicator of the meeting, or an overdue site task."""
    found = {f"indicator|{s.indicator}": Link("indicator", s.indicator, dispatch_charts.label(lang_, s.indicator))
             for s in m.indicators}
    if m.overdue_sites is not None:
        for r in m.overdue_sites.itertuples(index=False):
            found[f"site|{r.facility_id}"] = Link("site", str(r.facility_id), str(r.facility_name))
    return found


def departments_of(f: Filters) -> list:
    try:
        return store(f).departments(gate.current(), f.scope.root, scope_path(f))
    except (RehabError, SQLAlchemyError):  # said once already by workflow_of
        return []
