"""Charts and tables of the designated-institutions page (定点机构), pure functions of
topics.institutions' results and the language. Each chart returns (figure, table): the table is its
data, shown under it with its Excel download. Lights are words with a symbol, never colour alone.
"""
from __future__ import annotations

import pandas as pd
import plotly.express as px

from rehabdash.charts import by_inputs
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n
from rehabdash.kernel.columns import Column, present, status_text
from rehabdash.kernel.suppression import is_hidden

# Every column of the page's tables, once: name → Column(field, "institutions.col_<label>", kind).
# The same field under two headings has two names (an alliance's name; an institution's kind).
_COLUMNS = {name: Column(field, f"institutions.col_{label}", kind) for name, field, label, kind in (
    ("rank", "rank", "rank", "count"),  # '—' for one without a value to rank by
    ("name", "name", "name", "text"), ("district", "district_name", "district", "text"),
    ("light", "light", "light", "status"), ("aided", "aided", "aided", "count"),
    ("funds", "funds_yuan", "funds", "wan_number"), ("coverage", "coverage", "coverage", "rate"),
    ("satisfaction", "satisfaction", "satisfaction", "rate"), ("raised", "problems_raised", "raised", "count"),
    ("solved", "problems_solved", "solved", "count"), ("overdue", "overdue_problems", "overdue", "count"),
    ("score_or_dash", "score", "score", "number"),  # '—' for one never assessed (score_or_dash)
    ("score", "score", "score", "decimal"), ("grade", "grade_text", "grade", "text"),
    ("trend", "score_change", "trend", "text"), ("open_findings", "open_findings", "open_findings", "count"),
    ("month", "month_label", "month", "text"), ("called", "kind", "kind", "code:follow_up_kind"),
    ("planned", "planned", "planned", "count"), ("reached", "reached", "reached", "count"),
    ("satisfied", "satisfied", "satisfied", "count"), ("round", "round", "round", "code:assessment_round"),
    ("assessed_on", "assessed_on", "assessed_on", "date"), ("findings", "findings", "findings", "count"),
    ("fixed", "findings_fixed", "fixed", "count"), ("fixed_on", "fixed_on", "fixed_on", "date"),
    ("alliance", "name", "alliance", "text"), ("members", "members_text", "members", "text"),
    ("founded", "founded_on", "founded", "date"), ("in_training", "in_training", "in_training", "count"),
    ("to_kindergarten", "to_kindergarten", "to_kindergarten", "count"),
    ("to_primary", "to_primary", "to_primary", "count"),
    ("moved_on_share", "moved_on_share", "moved_on_share", "rate"),
    ("institution_kind", "kind", "institution_kind", "code:institution_kind"),
    ("service", "service", "service", "code:service"), ("year", "year", "year", "number"),
)}


def _columns(names: str) -> tuple[Column, ...]:
    return tuple(_COLUMNS[name] for name in names.split())


# The ranking: every figure of an institution's card, one row each, with its light.
CARD_COLUMNS = _columns("rank name district light aided funds coverage satisfaction raised solved overdue "
                        "score_or_dash grade trend open_findings")
MONTHLY_COLUMNS = _columns("month called planned reached satisfied coverage satisfaction raised solved")
ASSESSMENT_COLUMNS = _columns("name district round assessed_on score grade findings fixed fixed_on")
OUTCOMES = "in_training to_kindergarten to_primary moved_on_share"
ALLIANCE_COLUMNS = _columns(f"alliance members founded {OUTCOMES}")
OUTCOME_COLUMNS = _columns(f"name district {OUTCOMES}")
CAPACITY_COLUMNS = _columns("name district institution_kind service year")


def _text(lang: str):
    return lambda key, **values: i18n.text(lang, f"institutions.{key}", **values)


def trend_text(change, lang: str) -> str:
    """The score's change since the assessment before: '↑3.2' / '↓1.5' / 持平; '—' for a first one."""
    if change is None or fmt.is_missing(change) or pd.isna(change):
        return "—"
    if round(float(change), 1) == 0:
        return fmt.unchanged(lang)
    return f"{'↑' if change > 0 else '↓'}{abs(float(change)):.1f}"


def grade_text(grade, lang: str) -> str:
    """A grade in words, a failed one marked with ✖ too (not by colour alone)."""
    if not isinstance(grade, str):
        return "—"
    words = i18n.code_label(lang, "grade", grade)
    return f"✖ {words}" if grade == "fail" else words


def score_or_dash(score) -> float | str:
    """A score as a number (two decimals, a number in the workbook too), '—' for none: not a raw None."""
    return "—" if score is None or pd.isna(score) else round(float(score), 2)


def ranking_table(ranked: pd.DataFrame, lang: str) -> pd.DataFrame:
    frame = ranked.assign(rank=[None if pd.isna(r) else int(r) for r in ranked["rank"]],
                          score=[score_or_dash(s) for s in ranked["score"]],
                          score_change=[trend_text(c, lang) for c in ranked["score_change"]],
                          grade_text=[grade_text(g, lang) for g in ranked["grade"]],
                          district_name=ranked["district_name"].fillna(""))
    return present(frame, CARD_COLUMNS, lang)


@by_inputs
def _monthly_figure(lines: pd.DataFrame, month: str, value: str, series: str, title: str):
    figure = px.line(lines, x=month, y=value, color=series, line_dash=series, symbol=series, markers=True,
                     title=title)
    figure.update_yaxes(tickformat=".0%", rangemode="tozero")
    return figure


def monthly_view(monthly: pd.DataFrame, lang: str, scope_label: str):
    """Coverage and satisfaction of the 双回访 month by month (both kinds together), and per kind the
    calls and problems as the table under it; (None, table) when there were none."""
    text = _text(lang)
    frame = monthly.assign(month=pd.to_datetime(monthly["month"]).dt.date)
    frame["month_label"] = [fmt.month(m, lang) for m in frame["month"]]
    frame["coverage"] = [None if p == 0 else r / p for r, p in zip(frame["reached"], frame["planned"])]
    frame["satisfaction"] = [None if r == 0 else s / r for s, r in zip(frame["satisfied"], frame["reached"])]
    table = present(frame, MONTHLY_COLUMNS, lang)
    if frame.empty:
        return None, table
    by_month = frame.groupby("month_label", sort=False)[["planned", "reached", "satisfied"]].sum()
    month, value, series = text("col_month"), text("share"), text("series")
    lines = pd.concat([
        pd.DataFrame({month: by_month.index, value: by_month["reached"] / by_month["planned"],
                      series: text("col_coverage")}),
        pd.DataFrame({month: by_month.index, value: by_month["satisfied"] / by_month["reached"],
                      series: text("col_satisfaction")}),
    ], ignore_index=True)
    return _monthly_figure(lines, month, value, series, text("monthly_chart", scope=scope_label)), table


PASS_MARK = 60  # below it an assessment fails (不合格)


@by_inputs
def _trend_figure(points: pd.DataFrame, day: str, score: str, round_: str, title: str, tick: str, pass_line: str):
    figure = px.line(points, x=day, y=score, markers=True, title=title, text=score)
    figure.update_traces(textposition="top center")
    figure.add_hline(y=PASS_MARK, line_dash="dot", annotation_text=pass_line)
    figure.update_xaxes(tickformat=tick)  # the page's language, not plotly's English month names
    figure.update_yaxes(range=[0, 112])  # room for the labels above 100
    figure.update_layout(height=300)
    return figure


def assessments_table(assessments: pd.DataFrame, lang: str) -> pd.DataFrame:
    frame = assessments.assign(grade_text=[grade_text(g, lang) for g in assessments["grade"]],
                               district_name=assessments["district_name"].fillna(""))
    return present(frame, ASSESSMENT_COLUMNS, lang)


def trend_view(trend: pd.DataFrame, name: str, lang: str):
    """An institution's assessment scores over time (the line) and its assessments (the table)."""
    text = _text(lang)
    table = assessments_table(trend, lang)
    if trend.empty:
        return None, table
    day, score, round_ = text("col_assessed_on"), text("col_score"), text("col_round")
    points = pd.DataFrame({day: [d.isoformat() for d in trend["assessed_on"]], score: trend["score"].to_numpy(),
                           round_: [i18n.code_label(lang, "assessment_round", r) for r in trend["round"]]})
    return _trend_figure(points, day, score, round_, text("trend_chart", name=name), text("trend_tick"),
                         text("pass_line", score=PASS_MARK)), table


def alliance_table(alliances: pd.DataFrame, lang: str) -> pd.DataFrame:
    frame = alliances.assign(members_text=["、".join(m) for m in alliances["members"]])
    table = present(frame, ALLIANCE_COLUMNS, lang)
    withheld = i18n.text(lang, "institutions.outcome_withheld")
    for column in _columns(OUTCOMES):  # an alliance reaching beyond the scope: not the scope's figures
        header = column.header(lang)
        table[header] = [v if whole else withheld for v, whole in zip(table[header], alliances["whole"])]
    return table


def outcome_table(outcomes: pd.DataFrame, lang: str) -> pd.DataFrame:
    return present(outcomes.assign(district_name=outcomes["district_name"].fillna("")), OUTCOME_COLUMNS, lang)


def capacity_table(added: pd.DataFrame, lang: str) -> pd.DataFrame:
    return present(added.assign(district_name=added["district_name"].fillna("")), CAPACITY_COLUMNS, lang)


def share_text(value) -> str:
    """A share moved on as the page says it: '80%', or the disclosure marker."""
    return value if is_hidden(value) else fmt.rate(value)


def light_text(status, lang: str) -> str:
    return status_text(status, lang)
