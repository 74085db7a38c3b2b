"""残疾儿童康复救助: children aided against applicants, early intervention, funds, month by month, and
breakdowns by disability type, age band and designated institution, with small-number care."""
import streamlit as st

from rehabdash import ui
from rehabdash.charts import child_rehab as charts
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.suppression import is_hidden, small_label
from rehabdash.topics import child_rehab

f = ui.filters()
ui.page_header("child_rehab.title", f)
below = child_rehab.threshold(f.scope)
if below:
    st.info(ui.t("child_rehab.care", top=below - 1, small=small_label(below), base=below), icon=":material/shield_person:")


def shown(value, formatter):
    """A hidden cell keeps its marker ('<5', '*'); anything else goes through its formatter."""
    return value if is_hidden(value) else formatter(value)


# ---------------------------------------------------------------------------- headline figures

disclosed = child_rehab.disclosure(f.run_parent, f.scope, f.as_of, f.year)
figures = child_rehab.figures(child_rehab.headline(f.run, f.as_of, f.year), below, disclosed)
count, money = (lambda v: fmt.count(v, f.lang)), (lambda v: fmt.wan_yuan(v, f.lang))
cards = (("aided", count), ("applicants", count), ("coverage", fmt.rate),
         ("funds_yuan", money), ("funds_per_child", money), ("early_intervention", count))
for row in (cards[:3], cards[3:]):
    for column, (name, formatter) in zip(st.columns(3), row):
        figure = figures[name]
        if figure.change is None:
            change = None
        elif name == "coverage":
            change = fmt.points(figure.change, f.lang)
            change = change if change == fmt.unchanged(f.lang) else ui.t("child_rehab.points", change=change)
        else:
            change = fmt.change(figure.change, f.lang)
        with column:
            ui.figure_card(ui.t(f"child_rehab.{name}"), shown(figure.value, formatter), change,
                           (ui.t(f"child_rehab.{name}_note"),),
                           delta_description=ui.t("child_rehab.yoy") if change else None)

# ---------------------------------------------------------------------------- month by month

st.subheader(ui.t("child_rehab.monthly"))
this_year, last_year = (ui.t("child_rehab.year_col", year=y) for y in (f.year, f.year - 1))
if below:
    # Two neighbouring cumulative figures differ by one month's children: often 1 to 4 in a township.
    st.info(ui.t("child_rehab.monthly_hidden"))
else:
    figure, table = charts.monthly_view(child_rehab.cumulative_by_month(f.run, f.as_of, f.year), f.year,
                                        f.lang, f.scope_label)
    ui.chart_with_data(figure, table, key="child_monthly", file_stem=ui.t("child_rehab.monthly"))

# ---------------------------------------------------------------------------- breakdowns


def breakdown_section(dimension: str, orientation: str) -> None:
    frame = child_rehab.breakdown(f.run, f.as_of, f.year, dimension, below)
    figure, table = charts.breakdown_view(frame, dimension, orientation, f.lang, f.scope_label)
    ui.chart_with_data(figure, table, key=f"child_{dimension}", file_stem=ui.t(f"child_rehab.by_{dimension}"))


if disclosed.active:
    # One township's children split by type, age or institution are mostly 1 to 4 a cell, and each
    # cell would have its own sibling set to protect: below district level these are not published.
    st.subheader(ui.t("disclosure.breakdowns"))
    st.info(ui.t("disclosure.township_breakdowns"))
    st.stop()

left, right = st.columns(2)
with left:
    st.subheader(ui.t("child_rehab.by_disability_type"))
    breakdown_section("disability_type", "h")
with right:
    st.subheader(ui.t("child_rehab.by_age_band"))
    breakdown_section("age_band", "v")

# ---------------------------------------------------------------------------- designated institutions

st.subheader(ui.t("child_rehab.institutions"))
st.caption(ui.t("child_rehab.institutions_caption"))
st.page_link("app_pages/institutions.py", label=ui.t("institutions.open_page"), icon=":material/verified:")
figure, table = charts.institutions_view(child_rehab.institutions(f.run, f.as_of, f.year, below), f.lang,
                                        f.scope_label)
if figure is not None:
    ui.plotly_chart(figure, key="child_institutions_chart")
    ui.table_with_download(table, key="child_institutions", file_stem=ui.t("child_rehab.institutions"))
else:
    st.info(ui.t("child_rehab.no_institutions"))
