"""精准康复与残疾预防: precise rehab services against need and the annual task, by disability type, by
subunit and month by month; the rehab projects (free medication, inpatient subsidy, psychological rehab,
self-help/mutual-help bases); disability prevention (amblyopia, cataract, the screening pilot); outreach
(入户走访 …) and training.

Every function takes `run` (a Filters.run: a named query bound to one snapshot and scope) plus the
snapshot date and year; rates, completion, 序时进度 and traffic lights come from indicators.py.
`task_figures` gives this page's indicators with an annual task, for the overview and the briefing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from rehabdash.kernel import memo
from rehabdash.kernel.config import amber_margin
from rehabdash.kernel.contract import ACTIVITY_KINDS, DISABILITY_TYPES
from rehabdash.kernel.indicators import places, ratio, time_progress, traffic_light
from rehabdash.kernel.measures import Measure, RunQuery, TaskFigure, year_row, year_window

# The page's indicators that carry an annual task (targets.indicator), in the order the page shows them.
TASK_INDICATORS = ("precise_rehab_served", "cataract_surgery")
# Activity kinds by section of the page; free medication is a project, the others prevention.
PROJECT_ACTIVITY = "mental_medication"
PREVENTION_KINDS = ("amblyopia_aid", "cataract_surgery", "hearing_screening", "prenatal_screening")
OUTREACH_KINDS = ("home_visit", "needs_resolved", "lecture_or_clinic", "brochures", "people_reached")
# Projects in the order the seeds list them: free medication (an activity) then the programs table's.
PROJECT_KINDS = (PROJECT_ACTIVITY, "inpatient_subsidy", "psychological_rehab", "self_help_base")
PROJECT_MEASURES = ("persons", "bases", "employed")
# How the sample data was calibrated to a published figure: each note is about one unit's figure of
# one year, so it belongs to that scope and year only (region code, year) -> locale keys.
SAMPLE_NOTES = {("150200000000", 2024): ("rehab.amblyopia_rounding",)}


def sample_notes(scope_root: str, year: int) -> tuple[str, ...]:
    """The calibration notes of the sample data for this scope and year (none elsewhere)."""
    return SAMPLE_NOTES.get((scope_root, year), ())


@memo.by_inputs
def task_figures(run: RunQuery, as_of: dt.date, year: int, margin: float | None = None) -> dict[str, TaskFigure]:
    """precise_rehab_served (base = need) and cataract_surgery, each against its task: the figures the
    page shows, for the overview and briefing to pick up through the same call."""
    window = year_window(as_of, year)
    targets = run("target_totals", year=year).set_index("indicator")["target_value"]
    services = run("rehab_services_totals", **window)
    now, before = year_row(services, year), year_row(services, year - 1)
    cataract = activity_counts(run, as_of, year).loc["cataract_surgery"]
    margin = amber_margin() if margin is None else margin
    progress = time_progress(as_of, year)
    measures = {
        "precise_rehab_served": Measure(now.get("served"), before.get("served"), now.get("need"),
                                        _number(targets.get("precise_rehab_served"))),
        "cataract_surgery": Measure(cataract["this_year"], cataract["last_year"], None,
                                    _number(targets.get("cataract_surgery"))),
    }
    return {name: TaskFigure(name, measures[name], progress, margin) for name in TASK_INDICATORS}


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# ---------------------------------------------------------------------------- precise rehab

@dataclass(frozen=True)
class Services:
    """Persons given precise rehab services this year to date against need and the annual task."""

    served: TaskFigure  # measure: value = served, base = need, target = task
    need: Measure  # value = need, last_year = need in the same period last year

    @property
    def last_year_rate(self) -> float | None:
        return ratio(self.served.measure.last_year, self.need.last_year)


@memo.by_inputs
def services(run: RunQuery, as_of: dt.date, year: int, margin: float | None = None) -> Services:
    served = task_figures(run, as_of, year, margin)["precise_rehab_served"]
    totals = run("rehab_services_totals", **year_window(as_of, year))
    return Services(served, Measure(year_row(totals, year).get("need"), year_row(totals, year - 1).get("need")))


@memo.by_inputs
def by_disability_type(run: RunQuery, as_of: dt.date, year: int) -> pd.DataFrame:
    """Need, served and service rate of every disability type (zeros where the scope has none)."""
    until = year_window(as_of, year)["until"]
    frame = (run("rehab_services_by_type", year=year, until=until).set_index("disability_type")
             .reindex(list(DISABILITY_TYPES), fill_value=0).rename_axis("disability_type").reset_index())
    frame = frame.astype({"need": int, "served": int})
    return frame.assign(rate=[ratio(s, n) for s, n in zip(frame["served"], frame["need"])])


@memo.by_inputs
def by_subunit(run: RunQuery, as_of: dt.date, year: int, margin: float | None = None) -> pd.DataFrame:
    """Need, served, service rate, task, completion and traffic light of each unit one level below the
    scope that has any need, ranked by completion (or by service rate where units have no task), with
    their 名次 (kernel.indicators.places: ties share one, none where every unit is equal)."""
    until = year_window(as_of, year)["until"]
    frame = run("rehab_services_by_subunit", year=year, until=until)
    frame = frame[frame["need"] > 0].reset_index(drop=True).astype({"need": int, "served": int})
    target = frame["target"].astype(object).where(frame["target"].notna(), None)
    progress = time_progress(as_of, year)
    margin = amber_margin() if margin is None else margin
    completion = [ratio(s, t) for s, t in zip(frame["served"], target)]
    frame = frame.assign(
        target=target,
        rate=[ratio(s, n) for s, n in zip(frame["served"], frame["need"])],
        completion=completion,
        # object dtype keeps the Status members (pandas would turn a str-enum list into plain strings)
        status=pd.Series([traffic_light(c, progress, margin) for c in completion], index=frame.index,
                         dtype=object),
    )
    key = "completion" if frame["completion"].notna().any() else "rate"
    ranked = frame.sort_values([key, "served"], ascending=False, kind="stable", ignore_index=True,
                               key=lambda s: s.astype(float))
    return ranked.assign(rank=places(ranked[key]))


@memo.by_inputs
def by_month(run: RunQuery, as_of: dt.date, year: int) -> pd.DataFrame:
    """Persons served in each month, this year up to the snapshot date and last year whole, with the
    cumulative figures: month, this_year, last_year, this_year_cumulative, last_year_cumulative."""
    until = year_window(as_of, year)["until"]
    monthly = run("rehab_services_monthly", year=year, until=until)
    served = monthly.pivot_table(index="month", columns="year", values="served", aggfunc="sum")
    served = served.reindex(index=range(1, 13), columns=[year, year - 1])
    last_month = until.month if until.year == year else 12
    this_year = served[year].where(served.index <= last_month)
    frame = pd.DataFrame({"month": served.index, "this_year": this_year.to_numpy(),
                          "last_year": served[year - 1].to_numpy()})
    for column in ("this_year", "last_year"):
        values = frame[column]
        frame[f"{column}_cumulative"] = values.fillna(0).cumsum().where(values.notna())
    return frame


# ---------------------------------------------------------------------------- activities

@memo.by_inputs
def activity_counts(run: RunQuery, as_of: dt.date, year: int) -> pd.DataFrame:
    """Every activity kind's count this year to the snapshot date and last year to the same day
    (index kind; columns this_year, last_year, change)."""
    frame = run("activity_totals", **year_window(as_of, year))
    counts = (frame.pivot_table(index="kind", columns="year", values="count", aggfunc="sum")
              .reindex(index=list(ACTIVITY_KINDS), columns=[year, year - 1]).fillna(0).astype(int))
    result = pd.DataFrame({"this_year": counts[year], "last_year": counts[year - 1]})
    # object dtype: no change (nothing last year) stays None rather than becoming NaN
    result["change"] = pd.Series([Measure(n, b).change for n, b in zip(result["this_year"], result["last_year"])],
                                 index=result.index, dtype=object)
    return result


def _activity_places(run: RunQuery, as_of: dt.date, year: int) -> dict[str, list[str]]:
    """Activity kind -> the districts where it took place this year (names, in code order)."""
    until = year_window(as_of, year)["until"]
    frame = run("activity_districts", year=year, until=until)
    return {kind: list(rows["district_name"]) for kind, rows in frame.groupby("kind", sort=False)}


@memo.by_inputs
def prevention(run: RunQuery, as_of: dt.date, year: int, margin: float | None = None) -> pd.DataFrame:
    """Disability prevention: amblyopia aid, cataract operations (against the task), newborn hearing and
    high-risk prenatal screening. Index kind; columns this_year, last_year, change, target, completion,
    status, places (the districts where it took place)."""
    counts = activity_counts(run, as_of, year).loc[list(PREVENTION_KINDS)]
    cataract = task_figures(run, as_of, year, margin)["cataract_surgery"]
    places = _activity_places(run, as_of, year)
    frame = counts.assign(places=[places.get(k, []) for k in counts.index])
    # object dtype: the kinds without a task keep None (a float column would make it NaN)
    frame["target"] = pd.Series([cataract.measure.target if k == "cataract_surgery" else None
                                 for k in frame.index], index=frame.index, dtype=object)
    frame["completion"] = [ratio(v, t) for v, t in zip(frame["this_year"], frame["target"])]
    frame["status"] = pd.Series([cataract.status if k == "cataract_surgery" else None for k in frame.index],
                                index=frame.index, dtype=object)
    return frame


@memo.by_inputs
def outreach(run: RunQuery, as_of: dt.date, year: int) -> pd.DataFrame:
    """入户走访 and the rest: home visits, needs resolved, clinics and lectures, brochures, people
    reached, this year to date and last year to the same day (index kind)."""
    return activity_counts(run, as_of, year).loc[list(OUTREACH_KINDS)]


# ---------------------------------------------------------------------------- projects, training

def _program_rows(run: RunQuery, year: int) -> pd.DataFrame:
    return run("program_rows", year=year)


def _program_total(rows: pd.DataFrame, year: int, kind: str, measure: str) -> int | None:
    chosen = rows[(rows["year"] == year) & (rows["kind"] == kind) & (rows["measure"] == measure)]
    return int(chosen["count"].sum()) if len(chosen) else None


@memo.by_inputs
def projects(run: RunQuery, as_of: dt.date, year: int) -> pd.DataFrame:
    """The rehab projects the seeds name, one row each (index kind: mental_medication, inpatient_subsidy,
    psychological_rehab, self_help_base): persons, bases, employed, persons last year, and places (the
    districts taking part). Free medication is counted month by month (activities) to the snapshot
    date; the others are yearly figures as reported (programs). None where a project reports nothing."""
    rows = _program_rows(run, year)
    medication = activity_counts(run, as_of, year).loc[PROJECT_ACTIVITY]
    places = _activity_places(run, as_of, year)
    records = [{"kind": PROJECT_ACTIVITY,
                "persons": int(medication["this_year"]) or None, "bases": None, "employed": None,
                "persons_last_year": int(medication["last_year"]) or None,
                "places": places.get(PROJECT_ACTIVITY, [])}]
    for kind in PROJECT_KINDS[1:]:
        this_year = rows[(rows["year"] == year) & (rows["kind"] == kind) & (rows["count"] > 0)]
        records.append({
            "kind": kind,
            **{m: _program_total(rows, year, kind, m) for m in PROJECT_MEASURES},
            "persons_last_year": _program_total(rows, year - 1, kind, "persons"),
            "places": list(dict.fromkeys(this_year.sort_values("region_code")["region_name"])),
        })
    return pd.DataFrame(records).set_index("kind")


@dataclass(frozen=True)
class Training:
    """Professionals sent to national / regional training, and the city's own training sessions."""

    national: Measure  # persons sent; last_year = the year before
    city_sessions: Measure
    city_trained: Measure

    @property
    def reported(self) -> bool:
        return any(m.value is not None or m.last_year is not None for m in (self.national, self.city_sessions, self.city_trained))

    def table(self) -> pd.DataFrame:
        """One row per figure (index national, city_sessions, city_trained): this_year, last_year."""
        figures = {"national": self.national, "city_sessions": self.city_sessions,
                   "city_trained": self.city_trained}
        return pd.DataFrame({"this_year": [m.value for m in figures.values()],
                             "last_year": [m.last_year for m in figures.values()]},
                            index=list(figures), dtype=object)


def training(run: RunQuery, as_of: dt.date, year: int) -> Training:
    rows = _program_rows(run, year)

    def measure(kind: str, measure_name: str) -> Measure:
        return Measure(_program_total(rows, year, kind, measure_name),
                       _program_total(rows, year - 1, kind, measure_name))

    return Training(measure("training_national", "persons"), measure("training_city", "sessions"),
                    measure("training_city", "persons"))
