"""定点机构: how a federation keeps its designated institutions good (the 包头 seed), from named queries.

- 双回访: each month the parents of children in rehab and the institutions are phoned; coverage is
  reached ÷ planned, satisfaction satisfied ÷ reached, and the problems raised are followed to solved.
- 考核 and 抽查: mid-year, year-end and spot assessments with a score out of 100, a grade and findings
  to put right; the trend is the latest score against the one before.
- The children's rehab alliance (儿童康复联合体) and the share of its children in training who moved on
  to kindergarten or primary school; the capacity added in the year (新增定点、新建中心、新增项目).

An institution's light (`light`), in words and symbol wherever shown: ✖ 滞后 when its latest assessment
failed or a follow-up problem is open past REHAB_FOLLOW_UP_DAYS (then it is a lagging item of the
dispatch meeting, `lagging`), ▲ 预警 while findings or problems are open, ✔ 达标 otherwise.

Children's counts (children aided, children in training and moved on) pass through the disclosure
control (kernel.suppression, via child_rehab): below district level they are not shown per institution.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from rehabdash.kernel import i18n, memo, suppression
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.contract import FAILED_GRADE
from rehabdash.kernel.indicators import Status, ratio
from rehabdash.kernel.measures import RunQuery, period_end
from rehabdash.kernel.months import month_end
from rehabdash.topics import child_rehab, funding

# What the institutions may be ranked by; each ranks best first (open findings: fewest first).
METRICS = ("aided", "funds_yuan", "coverage", "satisfaction", "solved_rate", "score", "open_findings")
FEWEST_FIRST = frozenset({"open_findings"})
CHILDREN = ("aided", "funds_yuan")  # from child rehab: under the disclosure control
OUTCOME_COUNTS = ("in_training", "to_kindergarten", "to_primary")


def light(failed: bool, overdue_problems: int, open_findings: int, open_problems: int,
          judged: bool) -> Status | None:
    """An institution's light: red when failed or a problem is overdue, amber while anything is open,
    green otherwise; None for an institution neither followed up nor assessed (nothing to judge)."""
    if not judged:
        return None
    if failed or overdue_problems > 0:
        return Status.RED
    if open_findings > 0 or open_problems > 0:
        return Status.AMBER
    return Status.GREEN


def _open_problems(run: RunQuery, until: dt.date, as_of: dt.date, days: int) -> pd.DataFrame:
    """Per institution and month, the problems still open, with how many days past their month's end
    (a problem's day is not reported: its month's end is when it counts from) and whether overdue."""
    frame = run("follow_up_open_problems", until=until)
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    frame["days_open"] = [(as_of - month_end(m)).days for m in frame["month"]]
    frame["overdue"] = frame["days_open"] > days
    return frame


def _assessments(run: RunQuery, until: dt.date) -> pd.DataFrame:
    """The assessments made by `until`, with the findings still open on that day: those put right
    later (the last put right after `until`) were all open then."""
    frame = run("institution_assessments", until=until)
    for column in ("assessed_on", "fixed_on"):
        frame[column] = [None if pd.isna(d) else pd.Timestamp(d).date() for d in frame[column]]
    later = [d is not None and d > until for d in frame["fixed_on"]]
    frame["findings_fixed"] = frame["findings_fixed"].where(~pd.Series(later, index=frame.index), 0)
    frame["fixed_on"] = [None if late else d for d, late in zip(frame["fixed_on"], later)]
    frame["open_findings"] = frame["findings"] - frame["findings_fixed"]
    return frame


@dataclass(frozen=True)
class Institutions:
    """The page's figures for one scope and year: one row per institution (`cards`), every assessment
    made by the period's end (`assessments`, for the trend), the follow-ups month by month."""

    cards: pd.DataFrame
    assessments: pd.DataFrame
    monthly: pd.DataFrame
    children_hidden: bool  # below district level: children per institution are not shown

    def card(self, institution_id: str) -> pd.Series:
        return self.cards.loc[institution_id]

    def trend(self, institution_id: str) -> pd.DataFrame:
        """The institution's assessments, oldest first: the score line of its card."""
        return self.assessments[self.assessments["institution_id"] == institution_id]

    @property
    def totals(self) -> dict[str, float | None]:
        """The scope's 双回访 and 考核 in the year: coverage, satisfaction, problems, assessments."""
        c = self.cards
        year_rows = self.assessments[self.assessments["in_year"]]
        return {
            "institutions": len(c),
            "coverage": ratio(c["reached"].sum(), c["planned"].sum()),
            "satisfaction": ratio(c["satisfied"].sum(), c["reached"].sum()),
            "problems_raised": int(c["problems_raised"].sum()),
            "problems_solved": int(c["problems_solved"].sum()),
            "assessments": len(year_rows),
            "failed": int((year_rows["grade"] == FAILED_GRADE).sum()),
            "open_findings": int(c["open_findings"].sum()),
        }


@memo.by_inputs
def gather(run: RunQuery, as_of: dt.date, year: int, below: int, days: int,
           hide_children: bool = False) -> Institutions:
    """Every institution of the scope with its children and funds from child rehab (controlled by
    `below`; all hidden with `hide_children`, a township's disclosure control), follow-up coverage,
    satisfaction and problems of the year, its latest assessment with the trend, open findings and
    problems, and its light. `days`: REHAB_FOLLOW_UP_DAYS."""
    until = period_end(as_of, year)
    base = run("institution_list").set_index("institution_id")
    children = child_rehab.institutions(run, as_of, year, below)
    cards = base.copy()
    for column in CHILDREN:  # as child rehab shows them ('<5', '*' where controlled); none: 0
        values = children[column].reindex(cards.index)
        cards[column] = suppression.COMPLEMENTARY if hide_children else \
            [v if isinstance(v, str) or pd.notna(v) else 0 for v in values]
    follow = run("institution_follow_ups", year=year, until=until).set_index("institution_id")
    counts = ["planned", "reached", "satisfied", "problems_raised", "problems_solved", "months"]
    cards = cards.join(follow[counts]).fillna({c: 0 for c in counts}).astype({c: int for c in counts})
    cards["coverage"] = [ratio(r, p) for r, p in zip(cards["reached"], cards["planned"])]
    cards["satisfaction"] = [ratio(s, r) for s, r in zip(cards["satisfied"], cards["reached"])]
    cards["solved_rate"] = [ratio(s, r) for s, r in zip(cards["problems_solved"], cards["problems_raised"])]

    problems = _open_problems(run, until, as_of, days)
    open_by = problems.groupby("institution_id")["open_problems"].sum()
    overdue_by = problems[problems["overdue"]].groupby("institution_id")["open_problems"].sum()
    cards["open_problems"] = open_by.reindex(cards.index).fillna(0).astype(int)
    cards["overdue_problems"] = overdue_by.reindex(cards.index).fillna(0).astype(int)

    assessments = _assessments(run, until)
    assessments["in_year"] = assessments["year"] == year
    latest = assessments.groupby("institution_id").tail(1).set_index("institution_id")
    before = assessments.groupby("institution_id").nth(-2).set_index("institution_id")
    cards["score"] = latest["score"].reindex(cards.index)
    cards["grade"] = latest["grade"].reindex(cards.index)
    cards["round"] = latest["round"].reindex(cards.index)
    cards["assessed_on"] = latest["assessed_on"].reindex(cards.index)
    cards["score_change"] = (latest["score"] - before["score"]).reindex(cards.index)
    cards["open_findings"] = assessments.groupby("institution_id")["open_findings"].sum() \
        .reindex(cards.index).fillna(0).astype(int)
    cards["failed"] = cards["grade"] == FAILED_GRADE
    judged = (cards["planned"] > 0) | cards["score"].notna()
    cards["light"] = funding.statuses([light(f, o, d, p, j) for f, o, d, p, j in zip(
        cards["failed"], cards["overdue_problems"], cards["open_findings"], cards["open_problems"], judged)],
        cards.index)
    monthly = run("follow_ups_monthly", year=year, until=until)
    return Institutions(cards, assessments, monthly, hide_children)


def ranked(cards: pd.DataFrame, by: str) -> pd.DataFrame:
    """The institutions best first on `by` (a METRIC), with their 名次; those without a value (no
    follow-ups, no assessment, a hidden count) come last and have none."""
    values = pd.Series([None if isinstance(v, str) or v is None or pd.isna(v) else float(v)
                        for v in cards[by]], index=cards.index, dtype=float)
    rank = values.rank(ascending=by in FEWEST_FIRST, method="min")
    frame = cards.assign(rank=rank.astype("Int64"), _value=values)
    frame = frame.sort_values(["_value", "name"], ascending=[by in FEWEST_FIRST, True], na_position="last")
    return frame.drop(columns="_value")


# ---------------------------------------------------------------------------- the alliance and capacity

@memo.by_inputs
def alliances(run: RunQuery, as_of: dt.date, year: int, below: int) -> pd.DataFrame:
    """The alliances with a member in the scope: name, founded, members (a list), `whole` (every member
    in the scope, else the outcome is not the scope's to show) and the year's outcome with the share
    moved on, children's counts through the disclosure control."""
    frame = run("alliance_outcomes", year=year, until=period_end(as_of, year))
    frame["members"] = [list(m) for m in frame["members"]]
    frame["founded_on"] = [pd.Timestamp(d).date() for d in frame["founded_on"]]
    return _with_share(frame, below)


@memo.by_inputs
def outcomes(run: RunQuery, year: int, below: int) -> pd.DataFrame:
    """The year's outcome of each institution of the scope that reports one, with the share moved on."""
    return _with_share(run("institution_outcomes", year=year), below)


def _with_share(frame: pd.DataFrame, below: int) -> pd.DataFrame:
    frame = frame.copy()
    moved = frame["to_kindergarten"] + frame["to_primary"]
    frame["moved_on"] = moved
    frame["moved_on_share"] = [ratio(m, n) if pd.notna(n) else None for m, n in zip(moved, frame["in_training"])]
    counts = [*OUTCOME_COUNTS, "moved_on"]
    for column in counts:  # an alliance whose outcome is not the scope's has none: None, not NA
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return suppression.protect(frame, counts, below, total_row=False,
                               follow={"moved_on_share": ("in_training", "moved_on")})


@memo.by_inputs
def capacity_added(run: RunQuery, year: int) -> pd.DataFrame:
    """The institutions newly designated, centres built and services added in `year` in the scope."""
    return run("services_added", year=year)


def newly_designated(added: pd.DataFrame) -> list[str]:
    return added.loc[added["service"] == "designated", "name"].tolist()


# ---------------------------------------------------------------------------- the dispatch meeting

@memo.by_inputs
def lagging(run: RunQuery, as_of: dt.date, year: int, days: int) -> pd.DataFrame:
    """The institutions behind, for the dispatch meeting's lagging list, each with the institution as
    the unit responsible: its latest assessment failed (reason 'failed', with round, day, score and
    findings still open), or follow-up problems open more than `days` days past their month's end
    (reason 'unsolved', with how many, the oldest month and its days open). Failed first."""
    until = period_end(as_of, year)
    rows = []
    assessments = _assessments(run, until)
    for institution, group in assessments.groupby("institution_id", sort=True):
        last = group.iloc[-1]
        if last["grade"] == FAILED_GRADE:
            rows.append({"institution_id": institution, "name": last["name"], "district_name": last["district_name"],
                         "reason": "failed", "round": last["round"], "day": last["assessed_on"],
                         "score": float(last["score"]), "count": int(last["open_findings"]), "days": None})
    problems = _open_problems(run, until, as_of, days)
    for institution, group in problems[problems["overdue"]].groupby("institution_id", sort=True):
        first = group.iloc[0]
        rows.append({"institution_id": institution, "name": first["name"], "district_name": first["district_name"],
                     "reason": "unsolved", "round": None, "day": first["month"], "score": None,
                     "count": int(group["open_problems"].sum()), "days": int(first["days_open"])})
    columns = ["institution_id", "name", "district_name", "reason", "round", "day", "score", "count", "days"]
    return pd.DataFrame(rows, columns=columns)


def lagging_lines(frame: pd.DataFrame | None, lang: str) -> list[str]:
    """One line per lagging institution, plain text (escape it for Markdown):
    '稀土高新区启智儿童发展中心（稀土高新区）2025年年中考核不合格（54.5分），5项问题未整改'."""
    if frame is None:
        return []
    lines = []
    for r in frame.itertuples():
        place = fmt.region_name(r.district_name, lang) if isinstance(r.district_name, str) else ""
        if r.reason == "failed":
            lines.append(i18n.text(lang, "institutions.lagging_failed", name=r.name, place=place,
                                   year=r.day.year, round=i18n.code_label(lang, "assessment_round", r.round),
                                   score=f"{r.score:g}", count=r.count))
        else:
            lines.append(i18n.text(lang, "institutions.lagging_unsolved", name=r.name, place=place,
                                   count=r.count, month=fmt.month(r.day, lang), days=int(r.days)))
    return lines
