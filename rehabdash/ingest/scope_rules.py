"""What an account may write, checked on every imported row before anything is published.

- Only a clerk or an admin writes; a viewer's import is one problem.
- Every row must lie in the account's regions (its region, township or station's region at or below one
  of the account's region codes). A row of a region above them (a 包头市 funding row by a 青山区 clerk)
  or beside them (东河区) is a problem naming the place.
- The region tree (a new region, a new parent, a new name) changes only by an admin whose scope covers
  the region's old parent and its new one; a row that only updates a region's figures needs the region
  in scope, like any other row.
- The as-of date follows one rule (`as_of_rule`), never a free choice: the last day of the month the
  workbook declares it reports (报送月份; for an older workbook without one, the newest month filled in,
  or without monthly figures the day after the newest snapshot); never after today, never before the
  newest snapshot (every import is committed on the newest version,
  so it cannot go back in time; two districts reporting the same month both carry that month's date).

Called from check.check; an account with an empty scope (the local demo, REHAB_AUTH=off) covers every
region.
"""
from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd

from rehabdash.access.accounts import Account
from rehabdash.ingest import layout
from rehabdash.ingest.problems import Problems
from rehabdash.kernel import i18n
from rehabdash.kernel.scope import ancestry, codes_within, lies_within

STATION_TABLES = ("device_loans", "device_stock")  # placed through their station's region
# Placed through their institution's region (an alliance's outcome through every member's): a 青山区
# clerk's follow-up of a 昆都仑区 institution is refused with the institution and its place named.
INSTITUTION_TABLES = {"follow_ups": "institution_id", "assessments": "institution_id",
                      "alliances": "institution_id", "services_added": "institution_id", "outcomes": "unit_id"}


def unit_places(institutions: pd.DataFrame, alliances: pd.DataFrame) -> dict[str, tuple[tuple[str, str], ...]]:
    """Institution or alliance id → (name, region code) of each institution it stands for: the
    institution itself, or an alliance's members."""
    found = {i: ((n, r),) for i, n, r in zip(institutions["institution_id"], institutions["name"],
                                              institutions["region_code"])}
    members: dict[str, list] = {}
    for alliance, institution in zip(alliances["alliance_id"], alliances["institution_id"]):
        members.setdefault(alliance, []).extend(found.get(institution, ()))
    return {**found, **{a: tuple(m) for a, m in members.items()}}


def _with_imported(previous: dict[str, pd.DataFrame], cleaned: dict, table: str) -> pd.DataFrame:
    return pd.concat([previous[table], cleaned[table].frame if table in cleaned else None])


def _parent(value) -> str | None:
    return value if isinstance(value, str) and value else None


class Coverage:
    """The account's regions within the region tree: the previous snapshot's tree for the regions it
    has, the import's for the regions it adds."""

    def __init__(self, account: Account, previous: pd.DataFrame, imported: pd.DataFrame | None):
        self.roots = frozenset(account.scope)
        self.old_parent = {c: _parent(p) for c, p in zip(previous["region_code"], previous["parent_code"])}
        self.new_parent = dict(self.old_parent)
        self.names = dict(zip(previous["region_code"], previous["name"]))
        if imported is not None and len(imported):
            new = imported.dropna(subset=["region_code"])
            self.new_parent.update({c: _parent(p) for c, p in zip(new["region_code"], new["parent_code"])})
            self.names.update({c: n for c, n in zip(new["region_code"], new["name"]) if c not in self.names})
        # The tree as it stands before the import, with the import's parents for the regions it adds.
        self.tree = {**self.new_parent, **self.old_parent}

    @property
    def unrestricted(self) -> bool:
        return not self.roots

    def covers(self, code: str | None) -> bool:
        """Whether `code` lies at or below one of the account's regions (None: the top of the tree)."""
        return self.unrestricted or lies_within(code, self.roots, self.tree)

    def above(self, code: str) -> bool:
        """Whether `code` is an ancestor of the account's regions (a city row for a district account)."""
        return any(code in ancestry(root, self.tree)[1:] for root in self.roots)

    def place(self, code: str | None) -> str:
        return f"{self.names.get(code, code)}（{code}）" if code else "—"

    def scope_names(self) -> str:
        return "、".join(self.names.get(c, c) for c in sorted(self.roots))


def as_of_rule(latest_month: dt.date | None, newest_snapshot: dt.date | None,
               today: dt.date | None = None, *, declared: bool = False) -> dt.date:
    """The as-of date an import gets. For a declared 报送月份 (`declared`): the last day of that month
    (not after today), never before the newest snapshot (a correction of July is published on August's
    version). For an older workbook that declares none: the last day of the newest month it reports
    (not after today); without monthly rows, the day after the newest snapshot (or today)."""
    today = today or dt.date.today()
    if declared and latest_month is not None:
        month_end = latest_month.replace(day=calendar.monthrange(latest_month.year, latest_month.month)[1])
        return max(min(month_end, today), newest_snapshot or dt.date.min)
    if latest_month is not None:
        month_end = latest_month.replace(day=calendar.monthrange(latest_month.year, latest_month.month)[1])
        return min(month_end, today)
    if newest_snapshot is not None:
        return min(newest_snapshot + dt.timedelta(days=1), today)
    return today


def as_of_problems(as_of: dt.date, expected: dt.date, newest_snapshot: dt.date | None,
                   problems: Problems) -> None:
    """A date other than the rule's, or one that does not come after the newest snapshot."""
    if as_of != expected:
        problems.add("as_of_rule", value=as_of.isoformat(), expected=expected.isoformat())
    if newest_snapshot is not None and as_of < newest_snapshot:
        problems.add("as_of_before_newest", value=as_of.isoformat(), newest=newest_snapshot.isoformat())


def _region_columns(table: str) -> list[str]:
    return [column for (t, column) in layout.REGION_COLUMNS if t == table and column != "parent_code"]


def check_scope(account: Account, sheets: dict, cleaned: dict, previous: dict[str, pd.DataFrame],
                problems: Problems) -> None:
    """Add a problem for every imported row the account may not write (see the module's rules).

    `sheets` and `cleaned` are check.py's per-table sheets and cleaned frames (index = Excel row)."""
    lang = problems.lang
    if not account.may("clerk"):
        problems.add("scope_role", value=account.username,
                     role=i18n.text(lang, f"roles.{account.role}"))
        return
    imported_regions = cleaned["regions"].frame if "regions" in cleaned else None
    coverage = Coverage(account, previous["regions"], imported_regions)
    if coverage.unrestricted:
        return
    scope = coverage.scope_names()

    def header(sheet, column: str) -> str:
        return sheet.headers.get(column) or layout.header(column, lang)

    def refuse(sheet, row, column, code, shown, place_code=None) -> None:
        place = place_code or code
        key = "scope_above" if coverage.above(place) else "scope_outside"
        problems.add(key, sheet=sheet.name, row=int(row), column=header(sheet, column), value=shown,
                     place=coverage.place(place), scope=scope)

    for table, sheet in sheets.items():
        frame, shown = cleaned[table].frame, cleaned[table].shown
        if table == "regions":
            _check_regions(account, sheet, frame, shown, coverage, problems, header, scope)
            continue
        for column in _region_columns(table):
            for row, code in frame[column].items():
                if isinstance(code, str) and code in coverage.names and not coverage.covers(code):
                    refuse(sheet, row, column, code, shown.at[row, column])
        if table in INSTITUTION_TABLES:
            column = INSTITUTION_TABLES[table]
            places = unit_places(_with_imported(previous, cleaned, "institutions"),
                                 _with_imported(previous, cleaned, "alliances"))
            for row, unit in frame[column].items():
                for name, region in places.get(unit, ()) if isinstance(unit, str) else ():
                    if isinstance(region, str) and not coverage.covers(region):
                        problems.add("scope_above" if coverage.above(region) else "scope_outside",
                                     sheet=sheet.name, row=int(row), column=header(sheet, column),
                                     value=shown.at[row, column], scope=scope,
                                     place=i18n.text(lang, "scope_rules.institution_place", name=name,
                                                     place=coverage.place(region)))
                        break
        if table in STATION_TABLES:
            stations = pd.concat([previous["device_stations"],
                                  cleaned["device_stations"].frame if "device_stations" in cleaned else None])
            station_region = dict(zip(stations["station_id"], stations["region_code"]))
            for row, station in frame["station_id"].items():
                region = station_region.get(station) if isinstance(station, str) else None
                if region and not coverage.covers(region):
                    refuse(sheet, row, "station_id", station, shown.at[row, "station_id"], region)


def _check_regions(account, sheet, frame, shown, coverage: Coverage, problems: Problems, header,
                   scope: str) -> None:
    lang = problems.lang
    for row in frame.index:
        code = frame.at[row, "region_code"]
        if not isinstance(code, str):
            continue
        old = code in coverage.old_parent
        new_parent = _parent(frame.at[row, "parent_code"])
        old_parent = coverage.old_parent.get(code)
        renamed = old and isinstance(frame.at[row, "name"], str) and frame.at[row, "name"] != coverage.names[code]
        change = "new" if not old else "parent" if new_parent != old_parent else "name" if renamed else None
        if change is None:  # the region's figures only: like any other row, in scope or refused
            if not coverage.covers(code):
                problems.add("scope_above" if coverage.above(code) else "scope_outside", sheet=sheet.name,
                             row=int(row), column=header(sheet, "region_code"),
                             value=shown.at[row, "region_code"], place=coverage.place(code), scope=scope)
            continue
        column = {"new": "region_code", "parent": "parent_code", "name": "name"}[change]
        what = i18n.text(lang, f"scope_rules.change_{change}", region=coverage.place(code),
                         old=coverage.place(old_parent), new=coverage.place(new_parent))
        uncovered = [p for p in dict.fromkeys((old_parent, new_parent) if old else (new_parent,))
                     if not coverage.covers(p)]
        if account.role != "admin" or uncovered:
            reason = (i18n.text(lang, "scope_rules.needs_admin") if account.role != "admin" else
                      i18n.text(lang, "scope_rules.not_covered",
                                places="、".join(coverage.place(p) for p in uncovered), scope=scope))
            problems.add("scope_region_tree", sheet=sheet.name, row=int(row), column=header(sheet, column),
                         value=shown.at[row, column], change=what, reason=reason)


# ------------------------------------------------------------------ what an account may read back

def regions_within(regions: pd.DataFrame, roots) -> set[str]:
    """Every region code at or below `roots` (all of them for an empty `roots`)."""
    return codes_within(dict(zip(regions["region_code"], regions["parent_code"])), roots)


def rows_within(tables: dict[str, pd.DataFrame], roots) -> dict[str, pd.DataFrame]:
    """Each table's rows of the regions at or below `roots` (the template's examples, the snapshot
    page's counts and comparisons for an account); every row for an empty `roots`."""
    if not roots:
        return dict(tables)
    inside = regions_within(tables["regions"], roots)
    stations = tables["device_stations"]
    stations_inside = set(stations.loc[stations["region_code"].isin(inside), "station_id"])
    units_inside = {unit for unit, places in unit_places(tables["institutions"], tables["alliances"]).items()
                    if places and all(region in inside for _, region in places)}
    kept = {}
    for table, frame in tables.items():
        if "region_code" in frame:
            mask = frame["region_code"].isin(inside)
        elif "township_code" in frame:
            mask = frame["township_code"].isin(inside)
        elif "station_id" in frame:
            mask = frame["station_id"].isin(stations_inside)
        elif table in INSTITUTION_TABLES:
            mask = frame[INSTITUTION_TABLES[table]].isin(units_inside)
        else:
            mask = pd.Series(False, index=frame.index)
        kept[table] = frame[mask.to_numpy()]
    return kept


def log_entry_within(entry: dict, regions: set[str] | None) -> bool:
    """Whether an import-log line belongs to an account of `regions` (None: every line): the importing
    account's regions all lie within them. Lines without a scope are shown to unrestricted accounts only."""
    if regions is None:
        return True
    scope = entry.get("scope")
    return bool(scope) and all(code in regions for code in scope)
