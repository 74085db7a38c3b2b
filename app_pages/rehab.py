"""精准康复与残疾预防: precise rehab services against need and the task, by disability type, by unit and
month by month; the rehab projects; disability prevention; outreach (入户走访 …); training."""
import streamlit as st

from rehabdash import ui
from rehabdash.charts import rehab as rehab_view
from rehabdash.kernel import formatting as fmt
from rehabdash.topics import rehab

f = ui.filters()
ui.page_header("rehab.title", f)
served = rehab.services(f.run, f.as_of, f.year)
subunits = rehab.by_subunit(f.run, f.as_of, f.year)
prevention = rehab.prevention(f.run, f.as_of, f.year)
outreach = rehab.outreach(f.run, f.as_of, f.year)
projects = rehab.projects(f.run, f.as_of, f.year)
training = rehab.training(f.run, f.as_of, f.year)
task = served.served.measure
progress = fmt.completion(served.served.time_progress)

# ---------------------------------------------------------------- precise rehab: headline
st.subheader(ui.t("rehab.services"))
columns = st.columns(4)
with columns[0]:
    ui.figure_card(ui.t("rehab.served"), fmt.count(task.value, f.lang), **ui.year_on_year(task.change))
with columns[1]:
    ui.figure_card(ui.t("rehab.need"), fmt.count(served.need.value, f.lang), **ui.year_on_year(served.need.change))
with columns[2]:
    ui.figure_card(ui.t("rehab.service_rate"), fmt.rate(task.rate), None,
                   (ui.t("rehab.last_year_rate", rate=fmt.rate(served.last_year_rate)),))
with columns[3]:
    ui.figure_card(ui.t("rehab.completion"), fmt.completion(task.completion), None,
                   (ui.t("rehab.task", target=fmt.count(task.target, f.lang)),
                    f"{ui.t('rehab.progress', progress=progress)} · {ui.status_text(served.served.status)}")
                   if task.target is not None else (ui.t("rehab.no_task"),))

st.markdown(f"**{ui.t('rehab.by_type')}**")
figure, table = rehab_view.by_type(rehab.by_disability_type(f.run, f.as_of, f.year), f.lang, f.scope_label)
ui.chart_with_data(figure, table, key="rehab_types", file_stem=ui.t("rehab.by_type"))

st.markdown(f"**{ui.t('rehab.subunits')}**")
if subunits.empty:
    st.info(ui.t("rehab.no_subunits"))
else:
    st.caption(ui.t("rehab.subunits_caption", progress=progress))
    figure, table = rehab_view.by_subunit(subunits, f.lang, f.scope_label, ui.status_words(),
                                          served.served.time_progress)
    ui.chart_with_data(figure, table, key="rehab_subunits", file_stem=ui.t("rehab.subunits"),
                       drill=subunits["subunit_code"])

st.markdown(f"**{ui.t('rehab.monthly')}**")
figure, table = rehab_view.by_month(rehab.by_month(f.run, f.as_of, f.year), f.lang, f.scope_label, f.year)
ui.chart_with_data(figure, table, key="rehab_monthly", file_stem=ui.t("rehab.monthly"))

# ---------------------------------------------------------------- projects
st.subheader(ui.t("rehab.projects"))
st.caption(ui.t("rehab.projects_caption", as_of=fmt.date(f.as_of, f.lang)))
if projects[["persons", "persons_last_year"]].isna().all(axis=None):
    st.info(ui.t("rehab.no_projects"))
else:
    columns = st.columns(4)
    for column, kind in zip(columns, rehab.PROJECT_KINDS):
        bases = projects.at[kind, "bases"]
        with column:
            ui.figure_card(rehab_view.project_label(kind, f.lang), fmt.count(projects.at[kind, "persons"], f.lang),
                           None, (rehab_view.places_caption(projects.at[kind, "places"], f.lang),
                                  *((ui.t("rehab.bases_note", bases=fmt.count(bases, f.lang),
                                          employed=fmt.count(projects.at[kind, "employed"], f.lang)),)
                                    if not fmt.is_missing(bases) else ())))
    with st.expander(ui.t("rehab.show_table")):
        ui.table_with_download(rehab_view.projects(projects, f.lang, f.year), key="rehab_projects",
                               file_stem=ui.t("rehab.projects"))

# ---------------------------------------------------------------- prevention
st.subheader(ui.t("rehab.prevention"))
columns = st.columns(4)
for column, kind in zip(columns, rehab.PREVENTION_KINDS):
    row = prevention.loc[kind]
    notes = ((ui.t("rehab.task", target=fmt.count(row["target"], f.lang)),
              f"{ui.t('rehab.completion')} {fmt.completion(row['completion'])} · {ui.status_text(row['status'])}")
             if not fmt.is_missing(row["target"]) else ())
    with column:
        ui.figure_card(ui.label("activity_kind", kind), fmt.count(row["this_year"], f.lang),
                       **ui.year_on_year(row["change"]),
                       notes=(*notes, rehab_view.places_caption(row["places"], f.lang)))
if f.snapshot.source == "sample":
    for note in rehab.sample_notes(f.scope.root, f.year):
        st.caption(ui.t(note))
figure, table = rehab_view.prevention(prevention, f.lang, f.scope_label, f.year, ui.status_words())
ui.chart_with_data(figure, table, key="rehab_prevention", file_stem=ui.t("rehab.prevention"))

# ---------------------------------------------------------------- outreach
st.subheader(ui.t("rehab.outreach"))
columns = st.columns(5)
for column, kind in zip(columns, rehab.OUTREACH_KINDS):
    with column:
        ui.figure_card(ui.label("activity_kind", kind), fmt.count(outreach.at[kind, "this_year"], f.lang),
                       **ui.year_on_year(outreach.at[kind, "change"]))
figure, table = rehab_view.outreach(outreach, f.lang, f.scope_label, f.year)
ui.chart_with_data(figure, table, key="rehab_outreach", file_stem=ui.t("rehab.outreach"))

# ---------------------------------------------------------------- training
st.subheader(ui.t("rehab.training"))
if not training.reported:
    st.info(ui.t("rehab.no_training"))
else:
    st.caption(ui.t("rehab.training_caption"))
    columns = st.columns(3)
    for column, (name, measure) in zip(columns, (("national", training.national),
                                                 ("city_sessions", training.city_sessions),
                                                 ("city_trained", training.city_trained))):
        with column:
            ui.figure_card(ui.t(f"rehab.training_{name}"), fmt.count(measure.value, f.lang), None,
                           (ui.t("rehab.last_year", value=fmt.count(measure.last_year, f.lang)),))
    with st.expander(ui.t("rehab.show_table")):
        ui.table_with_download(rehab_view.training(training.table(), f.lang, f.year), key="rehab_training",
                               file_stem=ui.t("rehab.training"))
