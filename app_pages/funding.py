"""资金投入: allocated, spent and execution against 序时进度, sources → programmes, subunits compared,
execution through the year. The rule for "spent as of a day" is in rehabdash/funding.py."""
from dataclasses import replace

import plotly.express as px
import streamlit as st

from rehabdash import formatting as fmt
from rehabdash import funding, ui
from rehabdash.config import amber_margin
from rehabdash.contract import LEVELS

f = ui.filters()
ui.page_header("funding.title", f)
margin = amber_margin()
snapshots = ui.available_snapshots()
scope_name = f.tree.name(f.scope.root)


def run_at(snapshot):
    """The same scope on another snapshot (for the same day last year and the year's earlier dates)."""
    return replace(f, snapshot=snapshot).run


def wan(yuan) -> str:
    return fmt.wan_yuan(yuan, f.lang)


def wan_number(yuan) -> float:
    """万元 as a number for tables, so the Excel download can be summed."""
    return round(yuan / fmt.WAN, 2)


def per_person_number(yuan):
    return None if fmt.is_missing(yuan) else round(yuan, 2)


def table(frame, columns: dict):
    """A display table: {column: (header key in [funding], how to show a value)}."""
    return frame.assign(**{ui.t(f"funding.{key}"): frame[column].map(show)
                           for column, (key, show) in columns.items()})[
        [ui.t(f"funding.{key}") for key, _ in columns.values()]]


h = funding.headline(run_at, snapshots, f.snapshot, f.year, margin)
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



def measure_name(column: str) -> str:
    return ui.t("funding.allocated" if column == "allocated_yuan" else "funding.spent")


measure = st.segmented_control(
    ui.t("funding.measure"), ["allocated_yuan", "spent_yuan"], key="funding_measure", default="allocated_yuan",
    format_func=measure_name,
) or "allocated_yuan"  # clicking the chosen segment again clears it
figure = funding.sankey(
    lines, measure, lambda c: ui.label("source", c), lambda c: ui.label("program", c), wan,
    ui.t("funding.sankey_chart", scope=f.scope_label, year=f.year, measure=measure_name(measure)),
)
ui.chart_with_data(figure, table(lines, {
    "source": ("source", lambda c: ui.label("source", c)),
    "program": ("program", lambda c: ui.label("program", c)),
    "allocated_yuan": ("allocated_wan", wan_number),
    "spent_yuan": ("spent_wan", wan_number),
    "execution": ("execution_col", fmt.rate),
}), key="flows", file_stem=ui.t("funding.flows"))

# ---- subunits compared
st.subheader(ui.t("funding.subunits"))
units = funding.subunits(f.run, f.as_of, f.year, margin)
if not units.recorded_below:
    level = "township" if f.scope.township else "district" if f.scope.district else "city"
    st.info(ui.t_md("funding.kept_at_level", name=scope_name, level=ui.label("level", level),
                 sublevel=ui.label("level", LEVELS[LEVELS.index(level) + 1])))
else:
    rows = units.rows.assign(label=[ui.t("funding.own_level", name=n) if own else n
                                     for n, own in zip(units.rows["subunit_name"], units.rows["own_level"])])
    st.caption(ui.t("funding.subunits_caption", progress=fmt.completion(h.now.progress),
                    margin=f"{margin * 100:g}"))
    people = rows[~rows["own_level"]]  # the units themselves: compared in money and per person
    for own in rows[rows["own_level"]].itertuples():
        st.caption(ui.t_md("funding.own_level_note", name=own.subunit_name, allocated=wan(own.allocated_yuan),
                        spent=wan(own.spent_yuan)))
    unit_column = {"label": ("unit", str)}
    left, right = st.columns(2)
    with left:
        long = people.melt(id_vars="label", value_vars=["allocated_yuan", "spent_yuan"], var_name="measure")
        long = long.assign(wan=long["value"].map(wan_number), measure=long["measure"].map(measure_name))
        bars = px.bar(long, x="wan", y="label", color="measure", pattern_shape="measure", barmode="group",
                      orientation="h",
                      title=ui.t("funding.allocated_vs_spent_chart", scope=f.scope_label, year=f.year),
                      labels={"wan": ui.t("funding.wan_axis"), "label": ui.t("funding.unit"), "measure": ""})
        bars.update_layout(height=160 + 40 * len(people), yaxis_categoryorder="array",
                           yaxis_categoryarray=people["label"].tolist()[::-1],
                           legend=dict(orientation="h", y=-0.15 - 1.5 / len(people)))
        ui.chart_with_data(bars, table(people, {**unit_column,
                                                "allocated_yuan": ("allocated_wan", wan_number),
                                                "spent_yuan": ("spent_wan", wan_number)}),
                           key="subunit_money", file_stem=ui.t("funding.allocated_vs_spent"))
    with right:
        per_person_bars = px.bar(
            people.assign(spent=people["spent_per_person"].round(2)), x="spent", y="label", orientation="h",
            text=people["spent_per_person"].map(lambda v: fmt.count(v, f.lang)),
            title=ui.t("funding.per_person_chart", scope=f.scope_label, year=f.year),
            labels={"spent": ui.t("funding.spent_per_person"), "label": ui.t("funding.unit")},
        )
        per_person_bars.update_traces(textposition="outside", textangle=0, cliponaxis=False)
        per_person_bars.update_layout(height=160 + 40 * len(people), yaxis_categoryorder="total ascending",
                                      margin=dict(r=60))
        ui.chart_with_data(per_person_bars, table(people, {
            **unit_column,
            "registered_disabled": ("registered_col", int),
            "allocated_per_person": ("allocated_per_person", per_person_number),
            "spent_per_person": ("spent_per_person", per_person_number),
        }), key="subunit_per_person", file_stem=ui.t("funding.per_person_section"))
    dots = funding.execution_by_unit(
        rows, h.now.progress, ui.status_text,
        ui.t("funding.progress_line", progress=fmt.completion(h.now.progress)), fmt.rate,
        ui.t("funding.execution_chart", scope=f.scope_label, year=f.year), ui.t("funding.execution_col"))
    ui.chart_with_data(dots, table(rows, {**unit_column,
                                          "allocated_yuan": ("allocated_wan", wan_number),
                                          "spent_yuan": ("spent_wan", wan_number),
                                          "execution": ("execution_col", fmt.rate),
                                          "progress": ("progress_col", fmt.completion),
                                          "status": ("status_col", ui.status_text)}),
                       key="subunit_execution", file_stem=ui.t("funding.execution_section"))

# ---- through the year
st.subheader(ui.t("funding.through_year"))
st.caption(ui.t("funding.through_year_caption"))
points = funding.through_the_year(run_at, snapshots, f.snapshot, f.year, margin)
names = {key: ui.t(f"funding.{key}") for key in ("day", "execution", "progress_col")}
timeline = funding.execution_over_time(
    points, funding.time_line(f.year), ui.status_text, fmt.rate,
    {"day": names["day"], "execution": names["execution"], "progress": names["progress_col"],
     "axis": names["execution"], "tick": ui.t("funding.month_tick")},
    ui.t("funding.through_year_chart", scope=f.scope_label, year=f.year),
)
ui.chart_with_data(timeline, table(points, {
    "day": ("day", lambda d: fmt.date(d, f.lang)),
    "snapshot": ("snapshot", lambda d: d.isoformat()),
    "allocated_yuan": ("allocated_wan", wan_number),
    "spent_yuan": ("spent_wan", wan_number),
    "execution": ("execution_col", fmt.rate),
    "progress": ("progress_col", fmt.completion),
    "status": ("status_col", ui.status_text),
}), key="through_year", file_stem=ui.t("funding.through_year"))
