"""数据上传: download the template, upload a filled-in workbook, see every problem at once, publish it
as a new snapshot when there are none. Reading, checking and publishing show their progress.

The signed-in account checks and publishes: the library refuses rows outside its regions and dates off
the as-of rule (rehabdash/ingest/scope_rules.py); this page only shows what it says."""
import datetime as dt
import functools

import pandas as pd
import streamlit as st

from rehabdash import ingest, ui
from rehabdash.access import gate as access
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.months import collecting_month, next_month, previous_month
from rehabdash.kernel.contract import TABLES
from rehabdash.store.snapshots import newest_valid

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROUND = "_upload_round"  # how many workbooks this session has published

lang = ui.lang()
current = newest_valid(ui.available_snapshots())
account = access.current()
f = ui.filters() if current else None  # the sidebar draws none on a new deployment without a snapshot
# 报送月份: by default the month being collected in the sidebar's scope (the account's regions)
collecting = collecting_month(f.complete if f else None, newest=current.as_of if current else None)
months = [dt.date(collecting.year - 1, 1, 1)]
while months[-1] < max(collecting, previous_month(dt.date.today())):
    months.append(next_month(months[-1]))


st.title(ui.t("upload.title"))
st.caption(ui.t("upload.intro"))
if done := ui.announced():  # published (or a new deployment set up): the sidebar lists it now
    st.success(done)
    if account.may("admin"):  # the snapshot page is an admin's; a clerk ends on the confirmation
        st.page_link("app_pages/snapshots.py", label=ui.t("upload.view_snapshots"), icon=":material/history:")

st.subheader(ui.t("upload.template_heading"))
if current:
    st.caption(ui.t("upload.template_caption", date=current.as_of.isoformat()))
report_month = st.selectbox(ui.t("reporting.month_label"), list(reversed(months)), key="report_month",
                            index=list(reversed(months)).index(collecting), help=ui.t("reporting.month_help"),
                            format_func=lambda m: fmt.month(m, lang))
reason = st.text_input(ui.t("reporting.reason_label"), key="correction_reason",
                       help=ui.t("reporting.reason_help")).strip()
# Built when clicked, not on every visit: with a province's tens of thousands of region codes the
# workbook takes seconds (docs/performance.md).
template_name = f"{ui.t('upload.template_file')}.xlsx"
st.download_button(ui.t("upload.template_button"),
                   ui.built_on_click(template_name, functools.partial(ingest.template_bytes, current, lang,
                                                                      scope=tuple(account.scope),
                                                                      report_month=report_month),
                                     audited=False),
                   file_name=template_name, mime=XLSX, key="template_download", icon=":material/download:")

st.subheader(ui.t("upload.upload_heading"))
# A new uploader after each publish, so the published file is not checked again.
limit = ui.upload_limit(ingest.UPLOAD_MAX_MB)
uploaded = ui.upload_box(ui.t("upload.uploader", limit=limit), ingest.UPLOAD_TYPES, ingest.UPLOAD_MAX_MB,
                         key=f"workbook_{st.session_state.get(ROUND, 0)}",
                         note=ui.t("upload.uploader_help", limit=limit))
if uploaded is None:
    if f is not None:
        ui.progress_section(f, report_month, key="upload_reporting")
    st.stop()

content = uploaded.getvalue()
reading, box = ui.remembered("_upload_reading", (uploaded.file_id, lang), ui.t("upload.stage_read"),
                          lambda progress: ingest.read(content, lang, progress))
if box:
    box.update(state="complete", expanded=False)
checked, box = ui.remembered(
    "_upload_checked", (reading.file_sha256, account.username, lang, current.path if current else None,
                        report_month, reason),
    ui.t("upload.stage_check"), lambda progress: ingest.check(reading, None, progress=progress, account=account,
                                                              report_month=report_month, correction_reason=reason))
as_of = checked.as_of  # the as-of rule's date, not a choice
st.caption(ui.t_md("writepath.who_account", user=account.username, role=ui.t(f"roles.{account.role}")))
st.caption(ui.t("reporting.declared", month=fmt.month(report_month, lang),
                correction=ui.t_md("reporting.is_correction", reason=checked.correction_reason)
                if checked.correction else ""))
st.caption(ui.t("writepath.as_of_rule", date=as_of.isoformat()))
outcome = (ui.t("upload.checked_ok", rows=sum(checked.row_counts.values())) if checked.valid
           else ui.t("upload.checked_bad", count=len(checked.problems)))
state = "complete" if checked.valid else "error"
if box:
    box.update(label=outcome, state=state, expanded=False)
else:
    st.status(outcome, state=state, expanded=False)

if checked.notes:
    st.info(ui.t("upload.notes_heading") + "\n\n" + "\n".join(f"- {ui.md(note)}" for note in checked.notes),
            icon=":material/autorenew:")

if not checked.valid:
    st.subheader(ui.t("upload.problems_heading"))
    st.caption(ui.t("upload.problems_caption"))
    groups = ingest.problem_summaries(checked.problems, lang)
    if groups:  # many rows with one problem: say so first, with the count (the table follows)
        st.warning("\n".join(f"- {ui.md(p.sheet)} · {ui.md(p.column)}："
                             f"{ui.md(p.problem)}" for p in groups), icon=":material/summarize:")
    ui.table_with_download(ingest.problem_table(checked.problems, lang), key="problems",
                           file_stem=ui.t("upload.problems_file"))
    st.stop()

st.subheader(ui.t("upload.summary_heading"))
changes = ingest.preview(checked)
st.dataframe(pd.DataFrame(
    [(ingest.sheet_name(t, lang), n, changes[t].added, changes[t].replaced)
     for t, n in checked.row_counts.items()],
    columns=[ui.t("upload.sheet"), ui.t("upload.rows"), ui.t("upload.added"), ui.t("upload.replaced")],
), hide_index=True, key="import_summary")
st.caption(ui.t("upload.base", date=ui.snapshot_label(checked.base)) if checked.base
           else ui.t("upload.no_base"))

note = st.text_input(ui.t("writepath.note"), key="upload_note", help=ui.t("writepath.note_help")).strip()
if st.button(ui.t("upload.publish_button"), type="primary", key="publish"):
    try:
        published, _ = ui.with_progress(
            ui.t("upload.stage_publish"),
            lambda progress: ingest.publish(checked, account, uploaded.name, progress=progress, note=note),
            describe=lambda table: ingest.sheet_name(table, lang) if table in TABLES else "")
    except ingest.PublishError as error:  # full disk, no permission: nothing was published
        st.error(error.message(lang), icon=":material/error:")
        st.stop()
    except ingest.NotValid:  # the rows or the account changed since the check: check again
        del st.session_state["_upload_checked"]
        st.rerun()
    del st.session_state["_upload_checked"]
    st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
    ui.announce_after_rerun(ui.t(
        "upload.published", date=ui.snapshot_label(published.snapshot), at=fmt.beijing_time(published.log_entry.get("at")),
        added=sum(c.added for c in published.changes.values()),
        replaced=sum(c.replaced for c in published.changes.values())))
    st.rerun()  # the sidebar lists the new snapshot on the next run
