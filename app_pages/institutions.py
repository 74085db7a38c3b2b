"""定点机构: the designated institutions as the federation keeps them good (the 包头 seed): 双回访 of
parents and institutions, 考核 and 抽查, each institution's card, the ranking with its light, the
children's rehab alliance with its outcome and the capacity added in the year."""
import streamlit as st

from rehabdash import ui
from rehabdash.charts import institutions as charts
from rehabdash.kernel import config
from rehabdash.kernel import formatting as fmt
from rehabdash.topics import child_rehab, institutions

f = ui.filters()
ui.page_header("institutions.title", f)
st.caption(ui.t("institutions.intro", days=config.follow_up_days()))

below = child_rehab.threshold(f.scope)
disclosed = child_rehab.disclosure(f.run_parent, f.scope, f.as_of, f.year)
data = institutions.gather(f.run, f.as_of, f.year, below, config.follow_up_days(), disclosed.active)
totals = data.totals
count = lambda value: fmt.count(value, f.lang)  # noqa: E731

if data.cards.empty:
    st.info(ui.t("institutions.none", scope=ui.md(f.scope_label)), icon=":material/info:")
    st.stop()

# ---------------------------------------------------------------------------- 双回访 and 考核 in figures
st.subheader(ui.t("institutions.follow_ups"))
st.caption(ui.t("institutions.follow_ups_caption"))
columns = st.columns(4)
with columns[0]:
    ui.figure_card(ui.t("institutions.coverage"), fmt.rate(totals["coverage"]),
                   notes=(ui.t("institutions.coverage_note"),))
with columns[1]:
    ui.figure_card(ui.t("institutions.satisfaction"), fmt.rate(totals["satisfaction"]),
                   notes=(ui.t("institutions.satisfaction_note"),))
with columns[2]:
    ui.figure_card(ui.t("institutions.problems"),
                   ui.t("institutions.solved_of", solved=count(totals["problems_solved"]),
                        raised=count(totals["problems_raised"])),
                   notes=(ui.t("institutions.problems_note"),))
with columns[3]:
    ui.figure_card(ui.t("institutions.assessments"), count(totals["assessments"]),
                   notes=(ui.t("institutions.assessments_note", failed=totals["failed"],
                               open=totals["open_findings"]),))

figure, table = charts.monthly_view(data.monthly, f.lang, f.scope_label)
if figure is None:
    st.info(ui.t("institutions.no_follow_ups"))
else:
    ui.chart_with_data(figure, table, key="institution_follow_ups", file_stem=ui.t("institutions.follow_ups"))

# ---------------------------------------------------------------------------- ranking with the light
st.subheader(ui.t("institutions.ranking"))
st.caption(ui.t_md("institutions.ranking_caption", days=config.follow_up_days(), scope=f.scope_label))
if data.children_hidden:
    st.info(ui.t("disclosure.township_breakdowns"))
# Below district level the children are hidden for every institution: nothing to rank them by.
metrics = [m for m in institutions.METRICS if not (data.children_hidden and m in institutions.CHILDREN)]
by = ui.bound_selectbox(ui.t("institutions.rank_by"), metrics, "institutions_by",
                        format_func=lambda m: ui.t(f"institutions.metric_{m}"))
ranked = institutions.ranked(data.cards, by)
ui.table_with_download(charts.ranking_table(ranked, f.lang), key="institutions_ranking",
                       file_stem=ui.t("institutions.ranking"), whole_text=True)

# ---------------------------------------------------------------------------- one institution's card
st.subheader(ui.t("institutions.card"))
names = dict(zip(ranked.index, ranked["name"]))
chosen = ui.bound_selectbox(ui.t("institutions.choose"), list(ranked.index), "institution",
                            format_func=lambda i: names.get(i, i))
card = data.card(chosen)
with st.container(border=True, key="institution_card"):
    st.markdown(f"#### {ui.md(card['name'])}")
    st.markdown(ui.t_md("institutions.card_place", kind=ui.label("institution_kind", card["kind"]),
                        district=card["district_name"] if isinstance(card["district_name"], str) else "—", light=ui.status_text(card["light"])))
    left, middle, right = st.columns(3)
    with left:
        st.metric(ui.t("institutions.col_aided"), card["aided"] if isinstance(card["aided"], str)
                  else count(card["aided"]))
        st.caption(ui.t("institutions.funds_line", funds=card["funds_yuan"] if isinstance(card["funds_yuan"], str)
                        else fmt.wan_yuan(card["funds_yuan"], f.lang)))
    with middle:
        st.metric(ui.t("institutions.coverage"), fmt.rate(card["coverage"]))
        st.caption(ui.t("institutions.card_follow_ups", reached=count(card["reached"]),
                        planned=count(card["planned"]), satisfaction=fmt.rate(card["satisfaction"]),
                        solved=count(card["problems_solved"]), raised=count(card["problems_raised"]),
                        overdue=count(card["overdue_problems"])))
    with right:
        score = "—" if fmt.is_missing(card["score"]) else f"{card['score']:g}"
        st.metric(ui.t("institutions.col_score"), score)
        st.caption(ui.t("institutions.card_assessment", grade=charts.grade_text(card["grade"], f.lang),
                        trend=charts.trend_text(card["score_change"], f.lang),
                        open=count(card["open_findings"])))
    figure, table = charts.trend_view(data.trend(chosen), card["name"], f.lang)
    if figure is None:
        st.caption(ui.t("institutions.no_assessments"))
    else:
        ui.chart_with_data(figure, table, key="institution_trend", file_stem=ui.t("institutions.trend_file"))

# ---------------------------------------------------------------------------- 考核 of the year
st.subheader(ui.t("institutions.assessments_title"))
year_assessments = data.assessments[data.assessments["in_year"]]
if year_assessments.empty:
    st.info(ui.t("institutions.no_assessments"))
else:
    ui.table_with_download(charts.assessments_table(year_assessments, f.lang), key="institution_assessments",
                           file_stem=ui.t("institutions.assessments_title"), whole_text=True)

# ---------------------------------------------------------------------------- the alliance
st.subheader(ui.t("institutions.alliance"))
st.caption(ui.t("institutions.alliance_caption", year=f.year))
alliances = institutions.alliances(f.run, f.as_of, f.year, below)
if alliances.empty:
    st.info(ui.t("institutions.no_alliance"))
else:
    for row in alliances.itertuples():
        if row.whole and not fmt.is_missing(row.moved_on_share):
            st.markdown(ui.t_md("institutions.alliance_line", name=row.name, members="、".join(row.members),
                                share=charts.share_text(row.moved_on_share), year=f.year))
    ui.table_with_download(charts.alliance_table(alliances, f.lang), key="institution_alliances",
                           file_stem=ui.t("institutions.alliance"), whole_text=True)
outcomes = institutions.outcomes(f.run, f.year, below)
if not outcomes.empty:
    st.caption(ui.t("institutions.outcomes_caption"))
    ui.table_with_download(charts.outcome_table(outcomes, f.lang), key="institution_outcomes",
                           file_stem=ui.t("institutions.outcomes_file"), whole_text=True)

# ---------------------------------------------------------------------------- capacity added this year
st.subheader(ui.t("institutions.capacity", year=f.year))
added = institutions.capacity_added(f.run, f.year)
if added.empty:
    st.info(ui.t("institutions.no_capacity", year=f.year))
else:
    ui.table_with_download(charts.capacity_table(added, f.lang), key="institution_capacity",
                           file_stem=ui.t("institutions.capacity", year=f.year), whole_text=True)
