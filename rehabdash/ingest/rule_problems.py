"""Rule failures as the clerk's problems: sheet, Excel row, header, the cell as written, and what else
the message names (the allowed codes or levels, the row a key repeats, the region a point lies outside).
"""
from __future__ import annotations

import functools

from rehabdash.ingest import layout, rules
from rehabdash.ingest.problems import Problems
from rehabdash.ingest.publish import table_keys
from rehabdash.ingest.reader import Sheet
from rehabdash.ingest.sheet_cleaner import Cleaned, header_as_written
from rehabdash.kernel import i18n
from rehabdash.kernel.contract import CODE_LISTS, KEYS, LEVELS

_DETAILED = {"unknown_code", "wrong_level", "tier_level", "parent_level", "outside_china", "outside_region",
             "duplicate_key"}  # the checks whose message needs more than the cell (details below)


# With a declared 报送月份 the import's period is that month: these checks say so in its words.
_DECLARED_MONTH_CHECKS = {"out_of_period": "outside_report_month", "year_out_of_period": "year_outside_report_month"}


class FailureReporter:
    """Turns rule failures into problems named by sheet, Excel row, header and the cell as written."""

    def __init__(self, sheet: Sheet, cleaned: Cleaned, ctx: rules.Context, problems: Problems):
        self.sheet, self.cleaned, self.ctx, self.problems = sheet, cleaned, ctx, problems
        self.lang = problems.lang
        self.table = sheet.table

    def header(self, column: str) -> str:
        return header_as_written(self.sheet, column, self.lang)

    @functools.cached_property
    def first_rows(self) -> dict[str, int]:
        """Each key's first Excel row, for 'repeats row N'."""
        first: dict[str, int] = {}
        frame = self.cleaned.frame
        for row, key in zip(frame.index, table_keys(frame, self.table)):
            first.setdefault(key, int(row))
        return first

    def level_label(self, level: str) -> str:
        return i18n.code_label(self.lang, "level", level)

    @functools.cached_property
    def period(self) -> dict:
        """What every message may name of the import's period (the same for each failure)."""
        as_of, start = self.ctx.as_of, self.ctx.period_start
        return {"as_of": as_of.isoformat(), "start": start.isoformat()[:7], "end": as_of.isoformat()[:7],
                "start_year": start.year, "end_year": as_of.year}

    @functools.cached_property
    def shown(self) -> dict[str, dict]:
        """The cells as written, column → {row: text}: a dict lookup per failure, not DataFrame.at,
        which took most of the time for 100 000 failing rows."""
        return {c: dict(zip(self.sheet.rows, texts)) for c, texts in self.cleaned.texts.items()}

    def report(self, failure: rules.Failure) -> None:
        row, column, shown = failure.row, failure.column, self.shown
        if (row, column) in self.cleaned.flagged:
            return  # the cell parser has said what is wrong with this cell
        values = {"value": shown[column][row], "column": self.header(column), **self.period}
        if failure.other:
            values.update(other=self.header(failure.other), other_value=shown[failure.other][row])
        values.update(self.details(failure))
        check = failure.check
        if check in rules.BORROWER_CHECKS.values():  # a person's number or name is not shown back
            values["value"] = i18n.text(self.lang, "validation.hidden_value", length=len(values["value"]))
        if self.ctx.report_month and check in _DECLARED_MONTH_CHECKS:  # say which month, not a period
            check = _DECLARED_MONTH_CHECKS[check]
            values["month"] = self.ctx.report_month.isoformat()[:7]
        self.problems.add(check, sheet=self.sheet.name, row=row, **values)

    def details(self, failure: rules.Failure) -> dict:
        frame, row, check = self.cleaned.frame, failure.row, failure.check
        if check not in _DETAILED:
            return {}
        value = frame.at[row, failure.column]
        if check == "unknown_code":
            return {"codes": "、".join(layout.code_label(self.table, failure.column, c, self.lang)
                                      for c in CODE_LISTS[(self.table, failure.column)])}
        if check == "wrong_level":
            allowed = layout.REGION_COLUMNS[(self.table, failure.column)]
            return {"level": self.level_label(self.ctx.levels[value]),
                    "expected": "、".join(self.level_label(level) for level in allowed)}
        if check == "tier_level":
            tier = frame.at[row, "tier"]
            return {"level": self.level_label(self.ctx.levels[value]),
                    "tier": layout.code_label("facilities", "tier", tier, self.lang),
                    "expected": self.level_label(rules.TIER_LEVELS[tier])}
        if check == "parent_level":
            level = frame.at[row, "level"]
            return {"expected": self.level_label(LEVELS[max(LEVELS.index(level) - 1, 0)])}
        if check in ("outside_china", "outside_region"):
            lon, lat = (self.header(c) for c in layout.COORDINATES)
            code = frame.at[row, "region_code"]
            return {"column": f"{lon}/{lat}",
                    "value": f"{self.cleaned.shown.at[row, 'lon']}, {self.cleaned.shown.at[row, 'lat']}",
                    "region": f"{self.ctx.areas.name(code)}（{code}）"}
        if check == "duplicate_key":
            key = table_keys(frame.loc[[row]], self.table)[0]
            return {"first": self.first_rows[key], "keys": "、".join(self.header(c) for c in KEYS[self.table]),
                    "value": " / ".join(self.cleaned.shown.at[row, c] for c in KEYS[self.table])}
        return {}
