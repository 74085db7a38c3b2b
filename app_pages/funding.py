"""资金投入: allocated, spent and execution against 序时进度, sources → programmes, subunits compared,
execution through the year. The rule for "spent as of a day" is in rehabdash/topics/funding.py."""
import streamlit as st

from rehabdash import ui
from rehabdash.charts import funding as charts
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.config import amber_margin
from rehabdash.kernel.contract import LEVELS
from rehabdash.topics import funding

f = ui.filters()
ui.page_header("funding.title", f)
margin = amber_margin()
snapshots = ui.available_snapshots()
scope_name = f.tree.name(f.scope.root)
wan = lambda yuan: fmt.wan_yuan(yuan, f.lang)  # noqa: E731
measure_name = lambda column: charts.measure_name(column, f.lang)  # noqa: E731

h = funding.headline(f.run_at, snapshots, f.snapshot, f.year, margin)
if not h.now.allocated and not h.now.spent:
    holder = funding.recorded_above(f.run, f.year)
    if holder is None:
        st.info(ui.t_md("funding.no_funds", scope=f.scope_label, year=f.year))
    else:
        st.info(ui.t_md("funding.kept_above", name=holder["name"], level=ui.label("level", holder["level"]),
                     scope=scope_name))
    st.stop()

# ---- headline
day = fmt.date(h.same_day_last_year, f.lang)
if h.last_year is None:
    last_year_note = ui.t("funding.last_year_none", day=day)
elif not h.last_year.allocated and not h.last_year.spent:
    last_year_note = ui.t("funding.last_year_empty", day=day)
else:
    last_year_note = ui.t("funding.last_year", day=day, spent=wan(h.last_year.spent),
                          rate=fmt.rate(h.last_year.execution),
                          snapshot=fmt.date(h.last_year.snapshot, f.lang))


columns = st.columns(4)
with columns[0]:
    ui.figure_card(ui.t("funding.allocated"), wan(h.now.allocated), **ui.year_on_year(h.allocated_change))
with columns[1]:
    ui.figure_card(ui.t("funding.spent"), wan(h.now.spent), **ui.year_on_year(h.spent_change),
                   notes=(last_year_note,))
with columns[2]:
    ui.figure_card(ui.t("funding.execution"), fmt.rate(h.now.execution), None, (
        ui.t("funding.progress_status", progress=fmt.completion(h.now.progress),
             status=ui.status_text(h.status)),
    ))
with columns[3]:
    per_person = "—" if h.spent_per_person is None else ui.t(
        "funding.per_person_value", amount=fmt.count(h.spent_per_person, f.lang))
    ui.figure_card(ui.t("funding.per_person"), per_person, None, (
        ui.t("funding.registered", count=fmt.count(h.registered_disabled, f.lang)),))
st.caption(ui.t("funding.rule"))

# ---- sources → programmes
st.subheader(ui.t("funding.sources"))
lines = funding.flows(f.run, f.year)
source_columns = st.columns(4)
for column, source in zip(source_columns, funding.by_source(lines).itertuples()):
    uses = lines[lines["source"] == source.source].sort_values("allocated_yuan", ascending=False)
    items = ui.t("funding.separator").join(f"{ui.label('program', p)} {wan(a)}" for p, a in
                      zip(uses["program"].head(3), uses["allocated_yuan"].head(3)))
    notes = (ui.t("funding.source_caption", spent=wan(source.spent_yuan), rate=fmt.rate(source.execution)),)
    if items:
        notes += (ui.t("funding.used_for", items=items) + (ui.t("funding.and_more") if len(uses) > 3 else ""),)
    with column:
        ui.figure_card(ui.label("source", source.source), wan(source.allocated_yuan), None, notes)




# A fragment: switching allocated / spent redraws this chart, not the page.
@st.fragment
def flows_chart(lines) -> None:
    measure = st.segmented_control(
        ui.t("funding.measure"), ["allocated_yuan", "spent_yuan"], key="funding_measure", default="allocated_yuan",
        format_func=measure_name,
    ) or "allocated_yuan"  # clicking the chosen segment again clears it
    figure = charts.sankey(
        lines, measure, lambda c: ui.label("source", c), lambda c: ui.label("program", c), wan,
        ui.t("funding.sankey_chart", scope=f.scope_label, year=f.year, measure=measure_name(measure)),
    )
    ui.chart_with_table(figure, lines, charts.FLOW_COLUMNS, key="flows", file_stem=ui.t("funding.flows"))


flows_chart(lines)

# ---- subunits compared
st.subheader(ui.t("funding.subunits"))
units = funding.subunits(f.run, f.as_of, f.year, margin)
if not units.recorded_below:
    st.info(ui.t_md("funding.kept_at_level", name=scope_name, level=ui.label("level", f.scope.level),
                 sublevel=ui.label("level", LEVELS[LEVELS.index(f.scope.level) + 1])))
else:
    rows = units.rows.assign(label=[ui.t("funding.own_level", name=n) if own else n
                                     for n, own in zip(units.rows["subunit_name"], units.rows["own_level"])])
    st.caption(ui.t("funding.subunits_caption", progress=fmt.completion(h.now.progress),
                    margin=f"{margin * 100:g}"))
    people = rows[~rows["own_level"]]  # the units themselves: compared in money and per person
    for own in rows[rows["own_level"]].itertuples():
        st.caption(ui.t_md("funding.own_level_note", name=own.subunit_name, allocated=wan(own.allocated_yuan),
                        spent=wan(own.spent_yuan)))
    left, right = st.columns(2)
    with left:
        ui.chart_with_table(
            charts.money_by_unit(people, f.lang, ui.t("funding.allocated_vs_spent_chart", scope=f.scope_label,
                                                       year=f.year)),
            people, charts.MONEY_COLUMNS, key="subunit_money", file_stem=ui.t("funding.allocated_vs_spent"),
            drill=people["subunit_code"])
    with right:
        ui.chart_with_table(
            charts.per_person_by_unit(people, f.lang, ui.t("funding.per_person_chart", scope=f.scope_label,
                                                            year=f.year)),
            people, charts.PER_PERSON_COLUMNS, key="subunit_per_person",
            file_stem=ui.t("funding.per_person_section"), drill=people["subunit_code"])
    dots = charts.execution_by_unit(
        rows, h.now.progress, ui.status_words(),
        ui.t("funding.progress_line", progress=fmt.completion(h.now.progress)), fmt.rate,
        ui.t("funding.execution_chart", scope=f.scope_label, year=f.year), ui.t("funding.execution_col"))
    ui.chart_with_table(dots, rows, charts.EXECUTION_COLUMNS, key="subunit_execution",
                        file_stem=ui.t("funding.execution_section"), drill=rows["subunit_code"])

# ---- through the year
st.subheader(ui.t("funding.through_year"))
st.caption(ui.t("funding.through_year_caption"))
points = funding.through_the_year(f.run_at, snapshots, f.snapshot, f.year, margin)
names = {key: ui.t(f"funding.{key}") for key in ("day", "execution", "progress_col")}
timeline = charts.execution_over_time(
    points, funding.time_line(f.year), ui.status_words(), fmt.rate,
    {"day": names["day"], "execution": names["execution"], "progress": names["progress_col"],
     "axis": names["execution"], "tick": ui.t("funding.month_tick")},
    ui.t("funding.through_year_chart", scope=f.scope_label, year=f.year),
)
ui.chart_with_table(timeline, points, charts.TIMELINE_COLUMNS, key="through_year",
                    file_stem=ui.t("funding.through_year"))
