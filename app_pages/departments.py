"""部门联动: the member units (成员单位) of the scope's federation presidium, each with its duties and
contact, and the items the dispatch meetings gave it, open and overdue, with their deadlines. The
scope's admin adds and changes member units; every read and write is checked in the library."""
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from rehabdash import ui
from rehabdash.access import gate
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.errors import RehabError
from rehabdash.charts import decisions as decision_text
from rehabdash.charts import dispatch as dispatch_charts
from rehabdash.kernel import measures
from rehabdash.topics import decisions
from rehabdash.ui import decisions as duban_ui

f = ui.filters()
account = gate.current()
until = measures.period_end(f.as_of, f.year)
view = duban_ui.workflow_of(f, until)
ui.page_header("duban.title", f)  # title and the line naming scope, period and snapshot
if view is None:
    st.stop()
st.caption(ui.t_md("duban.caption", scope=f.tree.name(f.scope.root), on=fmt.date(view.on, f.lang)))
store = duban_ui.store(f)
departments = duban_ui.departments_of(f)
items = store.items(account, f.scope.root, duban_ui.scope_path(f))

if not departments:
    st.info(ui.t_md("duban.departments_none", scope=f.scope_label), icon=":material/info:")
for found in decisions.by_department(departments, items, view.on):
    d = found.department
    overdue = sum(s.status == decisions.OVERDUE for s in found.open)
    with st.container(border=True, key=f"department_{d.id}"):
        st.subheader(ui.md(d.name))
        st.markdown(f"**{ui.t('duban.duties')}**：{ui.md(d.duties)}")
        if d.contact:
            st.caption(f"{ui.t('duban.contact')}：{ui.md(d.contact)}")
        st.caption(ui.t("duban.department_counts", open=len(found.open), overdue=overdue, closed=found.closed))
        if found.open:
            table = decision_text.department_table(found, f.lang)
            st.table(ui.md_frame(dispatch_charts.display(table)), hide_index=True)
        else:
            st.caption(ui.t("duban.no_open"))


def _save(department_id, version) -> None:
    state = st.session_state
    key = department_id or "new"
    try:
        store.save_department(account, f.scope.root, duban_ui.scope_path(f), f.scope_label,
                              name=state[f"dept_name_{key}"], duties=state[f"dept_duties_{key}"],
                              contact=state[f"dept_contact_{key}"],
                              accounts=tuple(state[f"dept_accounts_{key}"].replace("，", ",").split(",")),
                              department_id=department_id, version=version)
    except RehabError as refused:  # what was typed stays in the form
        state["_dept_message"] = ("error", ui.md(refused.message(ui.lang())))  # it repeats the name typed
        return
    except SQLAlchemyError:
        state["_dept_message"] = ("error", ui.t("duban.db_unavailable"))
        return
    state["_dept_message"] = ("ok", ui.t("duban.department_saved"))


if account.may("admin"):
    if found := st.session_state.pop("_dept_message", None):
        (st.success if found[0] == "ok" else st.error)(found[1])
    for d in [None, *departments]:  # a new one, then each to change at the version shown
        key = d.id if d else "new"
        with st.expander(ui.t("duban.add_department") if d is None else f"{ui.t('duban.save_department')}：{ui.md(d.name)}"):
            with st.form(f"dept_form_{key}", clear_on_submit=False):
                st.text_input(ui.t("duban.field_name"), value=d.name if d else "", key=f"dept_name_{key}",
                              max_chars=40)
                st.text_area(ui.t("duban.duties"), value=d.duties if d else "", key=f"dept_duties_{key}",
                             max_chars=500)
                st.text_input(ui.t("duban.contact"), value=d.contact if d else "", key=f"dept_contact_{key}",
                              max_chars=60)
                st.text_input(ui.t("duban.department_accounts"), value=", ".join(d.accounts) if d else "",
                              key=f"dept_accounts_{key}")
                st.form_submit_button(ui.t("duban.save_department"), on_click=_save,
                                      args=(d.id if d else None, d.version if d else None))
