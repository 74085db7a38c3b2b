"""残疾儿童康复救助: children aided against applicants, early intervention, funds, month by month, and
breakdowns by disability type, age band and designated institution, with small-number care."""
import pandas as pd
import streamlit as st

from rehabdash import ui
from rehabdash.charts import child_rehab as charts
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.suppression import is_hidden, small_label
from rehabdash.topics import child_rehab
from rehabdash.topics.child_rehab import TOTAL

f = ui.filters()
ui.page_header("child_rehab.title", f)
below = child_rehab.threshold(f.scope)
if below:
    st.info(ui.t("child_rehab.care", top=below - 1, small=small_label(below), base=below), icon=":material/shield_person:")


def shown(value, formatter):
    """A hidden cell keeps its marker ('<5', '*'); anything else goes through its formatter."""
    return value if is_hidden(value) else formatter(value)


def count(value):
    return fmt.count(value, f.lang)


def money(value):
    return fmt.wan_yuan(value, f.lang)


def wan(value):
    """Yuan as a number of 万元 for tables, so the Excel download holds numbers."""
    return round(value / fmt.WAN, 2)


# ---------------------------------------------------------------------------- headline figures

disclosed = child_rehab.disclosure(f.run_parent, f.scope, f.as_of, f.year)
figures = child_rehab.figures(child_rehab.headline(f.run, f.as_of, f.year), below, disclosed)
cards = (("aided", count), ("applicants", count), ("coverage", fmt.rate),
         ("funds_yuan", money), ("funds_per_child", money), ("early_intervention", count))
for row in (cards[:3], cards[3:]):
    for column, (name, formatter) in zip(st.columns(3), row):
        figure = figures[name]
        if figure.change is None:
            change = None
        elif name == "coverage":
            change = ui.t("child_rehab.points", change=fmt.points(figure.change))
        else:
            change = fmt.change(figure.change)
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
    months = child_rehab.cumulative_by_month(f.run, f.as_of, f.year)
    month_col, aided_col, year_col = (ui.t(f"child_rehab.{k}") for k in ("month", "cumulative", "year"))
    table = months.assign(month=[ui.t("child_rehab.month_label", month=m) for m in months["month"]])
    table = table.rename(columns={"month": month_col, "this_year": this_year, "last_year": last_year})
    lines = table.melt(id_vars=month_col, var_name=year_col, value_name=aided_col).dropna()
    figure = charts.monthly(lines, month_col, aided_col, year_col,
                            ui.t("child_rehab.monthly_chart", scope=f.scope_label))
    ui.chart_with_data(figure, table, key="child_monthly", file_stem=ui.t("child_rehab.monthly"))

# ---------------------------------------------------------------------------- breakdowns


def bars_of(table: pd.DataFrame, column: str) -> tuple[pd.DataFrame, list[str]]:
    """The rows of `table` to draw (all but the total) and their bar labels: a hidden count is drawn
    as no bar, labelled with its marker, so the chart shows no more than the table."""
    rows = table.iloc[:-1]
    labels = [str(v) for v in rows[column]]
    return rows.assign(**{column: [0 if is_hidden(v) else v for v in rows[column]]}), labels


def breakdown_section(dimension: str, orientation: str) -> None:
    frame = child_rehab.breakdown(f.run, f.as_of, f.year, dimension, below)
    category, aided = ui.t(f"child_rehab.{dimension}"), ui.t("child_rehab.aided_col")
    table = pd.DataFrame({
        category: [ui.t("child_rehab.total") if c == TOTAL else ui.label(dimension, c) for c in frame.index],
        ui.t("child_rehab.applicants_col"): frame["applicants"],
        aided: frame["aided"],
        ui.t("child_rehab.coverage_col"): frame["coverage"].map(lambda v: shown(v, fmt.rate)),
        ui.t("child_rehab.early_col"): frame["early_intervention"],
        ui.t("child_rehab.funds_col"): frame["funds_yuan"].map(lambda v: shown(v, wan)),
    })
    bars, labels = bars_of(table, aided)
    figure = charts.breakdown(bars, category, aided, labels, orientation,
                              ui.t(f"child_rehab.{dimension}_chart", scope=f.scope_label))
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
frame = child_rehab.institutions(f.run, f.as_of, f.year, below)
institution, ownership, aided = (ui.t(f"child_rehab.{k}") for k in ("institution", "ownership", "aided_col"))
table = pd.DataFrame({
    institution: [ui.t("child_rehab.total") if i == TOTAL else n for i, n in zip(frame.index, frame["name"])],
    ui.t("child_rehab.kind"): [ui.label("institution_kind", k) if isinstance(k, str) else "" for k in frame["kind"]],
    ownership: [ui.label("ownership", o) if isinstance(o, str) else "" for o in frame["ownership"]],
    ui.t("child_rehab.district"): frame["district_name"].fillna(""),
    aided: frame["aided"],
    ui.t("child_rehab.funds_col"): frame["funds_yuan"].map(lambda v: shown(v, wan)),
    ui.t("child_rehab.share_col"): frame["share"].map(lambda v: shown(v, fmt.rate)),
})
if len(frame) > 1:
    bars, labels = bars_of(table, aided)
    figure = charts.institutions(bars, institution, aided, ownership, labels,
                                 ui.t("child_rehab.institutions_chart", scope=f.scope_label))
    ui.plotly_chart(figure, key="child_institutions_chart")
    ui.table_with_download(table, key="child_institutions", file_stem=ui.t("child_rehab.institutions"))
else:
    st.info(ui.t("child_rehab.no_institutions"))
