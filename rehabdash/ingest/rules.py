"""What an imported table must satisfy, as pandera schemas run lazily so that every failure is found
at once. Each check is named after its message in [validation] of the locales; `failures` turns
pandera's failure cases into (check, Excel row, column, other column) for the problem table.

The cell parsers (cells.py) have already turned every cell into its type or reported it, so these
checks look at values: codes, region codes and levels, signs, limits between columns, dates against
the import's period, duplicate keys, coordinates against the region they name.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from rehabdash.ingest import geo
from rehabdash.ingest.layout import COORDINATES, REGION_COLUMNS, YEAR_COLUMNS, is_money
from rehabdash.kernel.credit import borrower_ref_problem
from rehabdash.kernel.contract import (
    CODE_LISTS,
    KEYS,
    LEVELS,
    OPTIONAL,
    PROJECT_MEASURES_OF,
    TABLES,
    TOP_LEVELS,
)

# A count that may not exceed another in the same row: served ≤ need, aided ≤ applicants …
NOT_ABOVE = {
    "rehab_services": (("served_count", "need_count"),),
    "assistive_devices": (("fitted_count", "need_count"),),
    "child_rehab": (("aided", "applicants"), ("early_intervention", "aided")),
    "follow_ups": (("reached", "planned"), ("satisfied", "reached"), ("problems_solved", "problems_raised")),
    "assessments": (("findings_fixed", "findings"),),
}
# A date that may not come before another in the same row.
NOT_BEFORE = {"device_loans": (("returned_on", "lent_on"), ("due_on", "lent_on")),
              "site_tasks": (("deadline", "started_on"),),
              "assessments": (("fixed_on", "assessed_on"),)}
# Dates that may lie after the snapshot date (a loan falls due later, so may a task, or start later).
FUTURE_ALLOWED = frozenset({"due_on", "deadline", "started_on"})
# The tier of a facility and the level of the region it sits in go together.
TIER_LEVELS = {"district_center": "district", "township_station": "township", "village_room": "village"}
MAX_SCORE = 100  # assessments are scored out of 100
REFERENCES = {"institution_id": "institutions", "station_id": "device_stations", "facility_id": "facilities"}
# A borrower reference is a pseudonym: one check (and message) per way it may give a person away.
BORROWER_CHECKS = {kind: f"borrower_{kind}" for kind in ("id_number", "phone", "name", "format")}


@dataclass(frozen=True)
class Context:
    """What the rows are checked against: the import's period and the regions and ids it may name."""

    as_of: dt.date
    period_start: dt.date
    regions: pd.DataFrame  # the previous snapshot's regions with the imported ones
    ids: dict[str, frozenset]  # table → ids known in it (institutions, device_stations)
    areas: geo.RegionAreas
    report_month: dt.date | None = None  # the declared 报送月份: monthly rows must lie in it

    @functools.cached_property
    def levels(self) -> dict[str, str]:
        return dict(zip(self.regions["region_code"], self.regions["level"]))


@dataclass(frozen=True)
class Failure:
    check: str  # message key in [validation]
    row: int  # Excel row number
    column: str  # the column to name in the problem table
    other: str | None = None  # the second column of a comparison


def _na_passes(test: pd.Series) -> pd.Series:
    return test.fillna(True).astype(bool)


def _column_checks(table: str, column: str, kind: str, ctx: Context) -> list[pa.Check]:
    checks = []
    if (table, column) in CODE_LISTS:
        codes = CODE_LISTS[(table, column)]
        checks.append(pa.Check(lambda s, codes=codes: s.isin(codes), name="unknown_code"))
    if (table, column) in REGION_COLUMNS:
        levels, allowed = ctx.levels, REGION_COLUMNS[(table, column)]
        checks.append(pa.Check(lambda s: s.isin(levels.keys()), name="unknown_region"))
        checks.append(pa.Check(
            lambda s: s.map(lambda c: c not in levels or levels[c] in allowed).astype(bool),
            name="wrong_level"))
    if column in REFERENCES and table != REFERENCES[column]:
        known = ctx.ids[REFERENCES[column]]
        checks.append(pa.Check(lambda s, known=known: s.isin(known), name=f"unknown_{column}"))
    if column == "unit_id":  # an outcome is an institution's or an alliance's
        known = ctx.ids["institutions"] | ctx.ids["alliances"]
        checks.append(pa.Check(lambda s, known=known: s.isin(known), name="unknown_unit_id"))
    if (table, column) == ("device_loans", "borrower_ref"):
        checks += [pa.Check(lambda s, k=k: s.map(lambda v: borrower_ref_problem(v) != k).astype(bool), name=name)
                   for k, name in BORROWER_CHECKS.items()]
    if (kind == "int" and column not in YEAR_COLUMNS) or is_money(column) or column == "score":
        checks.append(pa.Check(lambda s: s >= 0, name="negative"))
    if column == "period":
        checks.append(pa.Check(
            lambda s: s.map(lambda d: ctx.period_start <= d <= ctx.as_of).astype(bool),
            name="out_of_period"))
    elif column == "year":
        checks.append(pa.Check(
            lambda s: (s >= ctx.period_start.year) & (s <= ctx.as_of.year), name="year_out_of_period"))
    elif kind == "date" and column not in FUTURE_ALLOWED:
        checks.append(pa.Check(lambda s: s.map(lambda d: d <= ctx.as_of).astype(bool),
                               name="future_date"))
    return checks


@dataclass(frozen=True)
class RowRule:
    """A check across columns of one row, reported on `column` (and `other`, when it compares two)."""

    name: str
    column: str
    test: Callable[[pd.DataFrame], pd.Series]  # True where the row is fine
    other: str | None = None


def _row_rules(table: str, ctx: Context) -> list[RowRule]:
    rules = []
    for column, limit in NOT_ABOVE.get(table, ()):
        rules.append(RowRule(f"exceeds:{column}", column, lambda f, c=column, o=limit: f[c] <= f[o], limit))
    for column, earlier in NOT_BEFORE.get(table, ()):
        rules.append(RowRule(f"before:{column}", column,
                             lambda f, c=column, o=earlier: _compare_dates(f[c], f[o]), earlier))
    columns = TABLES[table]
    if all(c in columns for c in ("region_code", *COORDINATES)):
        rules.append(RowRule("outside_china", "lon",
                             lambda f: _points(f, lambda x, y, c: geo.in_china(x, y))))
        rules.append(RowRule("outside_region", "lon", lambda f: _points(
            f, lambda x, y, c: not geo.in_china(x, y) or ctx.areas.contains(c, x, y))))
    if table == "facilities":
        rules.append(RowRule("tier_level", "region_code", lambda f: pd.Series(
            [_tier_fits(t, ctx.levels.get(c)) for t, c in zip(f["tier"], f["region_code"])],
            index=f.index)))
        rules.append(RowRule("opened_on_missing", "opened_on",
                             lambda f: (f["status"] != "built") | f["opened_on"].notna()))
        rules.append(RowRule("planned_year_missing", "planned_year",
                             lambda f: (f["status"] == "built") | f["planned_year"].notna()))
    if table == "device_loans":  # a lost device or a refused request has no return date
        rules.append(RowRule("status_returned", "loan_status",
                             lambda f: f["loan_status"].isna() | f["returned_on"].isna(), "returned_on"))
    if table == "programs":  # a project reports its own measures only (no 'sessions' of a base)
        rules.append(RowRule("project_measure", "measure", lambda f: pd.Series(
            [k not in PROJECT_MEASURES_OF or m in PROJECT_MEASURES_OF[k] for k, m in zip(f["kind"], f["measure"])],
            index=f.index), "kind"))
    if table == "assessments":
        rules.append(RowRule("score_range", "score", lambda f: f["score"] <= MAX_SCORE))
        rules.append(RowRule("assessed_year", "assessed_on", lambda f: pd.Series(
            [_missing(d) or _missing(y) or d.year == y for d, y in zip(f["assessed_on"], f["year"])],
            index=f.index), "year"))
    if table == "outcomes":  # those who moved on were among the children in training
        rules.append(RowRule("moved_on_exceeds", "to_primary",
                             lambda f: f["to_kindergarten"] + f["to_primary"] <= f["in_training"], "in_training"))
    if table == "regions":
        rules.append(RowRule("parent_level", "parent_code", lambda f: pd.Series(
            [_parent_fits(level, ctx.levels.get(parent))
             for level, parent in zip(f["level"], f["parent_code"])],
            index=f.index)))
    return rules


def _missing(value) -> bool:
    """pd.isna of one value, without its cost per call (100 000 rows of dates)."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _compare_dates(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return pd.Series([_missing(a) or _missing(b) or a >= b for a, b in zip(later, earlier)], index=later.index)


def _points(frame: pd.DataFrame, test) -> pd.Series:
    """`test(lon, lat, region_code)` on every row that has all three; rows lacking one pass."""
    return pd.Series([
        pd.isna(x) or pd.isna(y) or pd.isna(c) or bool(test(x, y, c))
        for x, y, c in zip(frame["lon"], frame["lat"], frame["region_code"])
    ], index=frame.index)


def _tier_fits(tier, level) -> bool:
    """区级中心 in a district, 乡镇站 in a township, 村室 in a village; unknown codes are reported elsewhere."""
    expected = TIER_LEVELS.get(tier)
    return expected is None or level is None or expected == level


def _parent_fits(level, parent_level) -> bool:
    """A region's parent is one level up (全国 → 省 → 市 → 区县 → 乡镇 → 村); the top of the tree
    (a nation, province or city) has none."""
    if level not in LEVELS or (level in TOP_LEVELS and parent_level is None):
        return True
    if parent_level is None:
        return False
    return LEVELS.index(parent_level) == LEVELS.index(level) - 1


def schema(table: str, ctx: Context, absent: tuple[str, ...] = ()) -> tuple[pa.DataFrameSchema, dict[str, RowRule]]:
    """`absent`: columns the workbook's (older) template did not have, empty in every row."""
    rules = {rule.name: rule for rule in _row_rules(table, ctx)}
    columns = {
        column: pa.Column(checks=_column_checks(table, column, kind, ctx),
                          nullable=column in OPTIONAL.get(table, ()) or column in absent, required=False)
        for column, kind in TABLES[table].items()
    }
    checks = [pa.Check(lambda f, r=rule: _na_passes(r.test(f)), name=rule.name) for rule in rules.values()]
    return pa.DataFrameSchema(columns, checks=checks, unique=list(KEYS[table]),
                              report_duplicates="exclude_first"), rules


def failures(table: str, frame: pd.DataFrame, ctx: Context, absent: tuple[str, ...] = ()) -> list[Failure]:
    """Every failed check of the typed `frame` (index = Excel row numbers), one per row and check;
    the `absent` columns (see `schema`) may be empty."""
    if frame.empty:
        return []
    table_schema, rules = schema(table, ctx, absent)
    try:
        table_schema.validate(frame, lazy=True)
        return []
    except SchemaErrors as errors:
        cases = errors.failure_cases
    found: dict[tuple[str, int, str], Failure] = {}
    # Column lists rather than itertuples: 100 000 failing rows are common (a code copied down a column).
    for index, check, column, case in zip(cases["index"].tolist(), cases["check"].tolist(),
                                          cases["column"].tolist(), cases["failure_case"].tolist()):
        if index is None or index != index:  # NaN: the check did not run on a row
            raise RuntimeError(f"check {check} of {table} failed to run: {case}")
        row = int(index)
        if check == "not_nullable":
            failure = Failure("required", row, column)
        elif check == "multiple_fields_uniqueness":
            failure = Failure("duplicate_key", row, KEYS[table][0])
        elif check in rules:
            rule = rules[check]
            failure = Failure(rule.name.split(":")[0], row, rule.column, rule.other)
        else:
            failure = Failure(check, row, column)
        found.setdefault((failure.check, row, failure.column), failure)
    return list(found.values())
