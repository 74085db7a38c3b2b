"""数据快照: every snapshot with its date, source, row counts and validity, which one is the default,
what changed between two of them by table and district, and the import log."""
import pandas as pd
import streamlit as st

from rehabdash import ingest, ui
from rehabdash.access import gate as access
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.contract import TABLES
from rehabdash.store.snapshots import newest_valid
from rehabdash.store.snapshots import label as snapshot_label

lang = ui.lang()
snapshots = ui.available_snapshots()
# An admin of a city sees its city: counts, comparisons and the import log of its regions only.
scope = tuple(access.current().scope)


def table_name(table: str) -> str:
    return ingest.sheet_name(table, lang)


def source_name(source: str) -> str:
    return ui.t(f"source.{source}") if source in ("sample", "import") else source


st.title(ui.t("snapshots.title"))
st.caption(ui.t("snapshots.intro"))
newest = newest_valid(snapshots)
regions, names = ingest.scope_regions(newest, scope) if scope and newest else (None, {})
if regions is not None:
    st.caption(ui.t_md("writepath.scope_caption", scope="、".join(names.get(c, c) for c in scope)))

st.subheader(ui.t("snapshots.list_heading"))
listing = ingest.snapshot_list(snapshots, scope)  # cached per version folder
shown = pd.DataFrame({
    ui.t("snapshots.date"): listing["as_of"].map(lambda d: d.isoformat()),
    ui.t("publishing.version_label"): [s.version for s in snapshots],  # several may carry one date
    ui.t("snapshots.default"): listing["is_default"].map(
        lambda d: ui.t("snapshots.default_mark") if d else ""),
    ui.t("snapshots.validity"): [ui.t("snapshots.valid") if valid else ui.t("snapshots.invalid", problem=problem)
                                 for valid, problem in zip(listing["valid"], listing["problem"])],
    ui.t("snapshots.source"): listing["source"].map(source_name),
    ui.t("snapshots.created"): listing["created_at"].map(fmt.beijing_time),
    ui.t("snapshots.total_rows"): listing["total_rows"],
    **{table_name(t): listing[t].astype("Int64") for t in TABLES},
})
ui.table_with_download(shown, key="snapshot_list", file_stem=ui.t("snapshots.list_file"))

st.subheader(ui.t("snapshots.compare_heading"))
valid = {snapshot_label(s, snapshots): s for s in snapshots if s.valid}  # "2025-09-30 (v5)" when needed
if len(valid) < 2:
    st.info(ui.t("snapshots.need_two"))
else:
    dates = list(valid)  # newest first
    left, right = st.columns(2)
    with left:
        older = st.selectbox(ui.t("snapshots.older"), dates, index=1, key="compare_older")
    with right:
        newer = st.selectbox(ui.t("snapshots.newer"), dates, index=0, key="compare_newer")
    diff = ingest.compare_snapshots(valid[older], valid[newer], scope)
    counts = {c: ui.t(f"snapshots.{c}") for c in ("added", "removed", "changed")}
    st.markdown(f"**{ui.t('snapshots.by_table')}**")
    by_table = diff.by_table.assign(table=diff.by_table["table"].map(table_name)).rename(columns={
        "table": ui.t("snapshots.table"), "rows_before": ui.t("snapshots.rows_before"),
        "rows_after": ui.t("snapshots.rows_after"), **counts})
    ui.table_with_download(by_table, key="compare_tables", file_stem=ui.t("snapshots.compare_file"))
    st.markdown(f"**{ui.t('snapshots.by_region')}**")
    if diff.by_region.empty:
        st.info(ui.t("snapshots.no_difference"))
    else:
        by_region = diff.by_region.drop(columns="region_code").assign(
            table=diff.by_region["table"].map(table_name)).rename(columns={
                "region_name": ui.t("snapshots.region"), "table": ui.t("snapshots.table"), **counts})
        ui.table_with_download(by_region, key="compare_regions",
                               file_stem=f"{ui.t('snapshots.compare_file')}-{ui.t('snapshots.region')}")

st.subheader(ui.t("snapshots.log_heading"))
log = [entry for entry in ingest.read_log() if ingest.log_entry_within(entry, regions)]
if not log:
    st.info(ui.t("snapshots.no_log"))
else:
    ui.table_with_download(pd.DataFrame([{
        ui.t("snapshots.log_at"): fmt.beijing_time(entry.get("at")),
        ui.t("snapshots.log_who"): entry.get("who", ""),
        ui.t("writepath.log_note"): entry.get("note", ""),
        ui.t("reporting.month_label"): entry.get("report_month") or "",
        ui.t("reporting.col_correction"): entry.get("correction") or "",  # its reason (补报/更正)
        ui.t("snapshots.log_file"): entry.get("file", ""),
        ui.t("snapshots.log_snapshot"): entry.get("snapshot", ""),
        ui.t("snapshots.log_based_on"): entry.get("based_on") or "",
        ui.t("snapshots.log_changes"): "；".join(
            f"{table_name(t)} +{c.get('added', 0)} / {c.get('replaced', 0)}"
            for t, c in entry.get("tables", {}).items() if t in TABLES),
        ui.t("snapshots.log_sha"): entry.get("sha256", ""),
    } for entry in reversed(log)]), key="import_log", file_stem=ui.t("snapshots.log_file_stem"))
