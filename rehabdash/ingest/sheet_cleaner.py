"""One sheet's raw cells to typed columns, every cell it cannot read reported with its sheet, row and header.

The cell parsers are cells.py's; this picks the parser of each column (region codes as clerks write
them, code lists by label, money in the unit its header declares), reads each distinct cell once, and
converts GCJ-02 coordinates to WGS-84. What it read is a `Cleaned`: the typed frame, the cells as
written, and the cells already reported, which the rules then leave alone.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import coordTransform  # PyPI coordtransform==0.2.1 (MIT)
import pandas as pd

from rehabdash.ingest import cells, layout
from rehabdash.ingest.problems import Problems
from rehabdash.ingest.reader import HEADER_ROW, Settings, Sheet
from rehabdash.kernel.contract import CODE_LISTS, TABLES

_DTYPES = {"int": "Int64", "float": "Float64", "bool": "boolean"}
_FULL_WIDTH = re.compile("[０-９Ａ-Ｚａ-ｚ．－]")  # what NFKC folds in numbers, dates and codes


class RegionLookup:
    """Region codes as clerks write them: the 12-digit code, a 6- or 9-digit prefix, or the name."""

    def __init__(self, regions: pd.DataFrame):
        self.codes = set(regions["region_code"])
        self.names = dict(zip(regions["region_code"], regions["name"]))
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for code, name in self.names.items():
            self.by_name[layout.normal(str(name))].append(code)

    def resolve(self, value) -> tuple[str | None, str | None]:
        """(code, note) where note names a conversion; unknown text is returned as is to be reported."""
        text = cells.to_code(value)
        if text is None or text in self.codes:
            return text, None
        if text.isdigit():
            padded = text.ljust(12, "0")
            return (padded, "region_prefix") if len(text) in (6, 9) and padded in self.codes else (text, None)
        found = sorted(self.by_name.get(text, ()))
        if len(found) == 1:
            return found[0], "region_name"
        if found:
            raise cells.CellProblem("ambiguous_region",
                                    candidates="、".join(f"{self.names[c]}（{c}）" for c in found))
        return text, None


def header_as_written(sheet: Sheet, column: str, lang: str) -> str:
    """The column's header as the clerk wrote it, or the template's when the column is missing."""
    return sheet.headers.get(column) or layout.header(column, lang)


@dataclass
class Cleaned:
    """One sheet as the cleaner read it."""

    frame: pd.DataFrame  # typed values, index = Excel row numbers
    shown: pd.DataFrame  # the cells as written, same shape
    flagged: set  # (row, column) already reported by a cell parser
    texts: dict[str, list[str]] = field(default_factory=dict)  # `shown` as lists, column → one per row


class SheetCleaner:
    """Turns one sheet's raw cells into typed columns, reporting every cell it cannot read."""

    def __init__(self, sheet: Sheet, settings: Settings, lookup: RegionLookup, problems: Problems,
                 notes: Counter):
        self.sheet, self.settings, self.lookup = sheet, settings, lookup
        self.problems, self.notes = problems, notes
        self.flagged: set = set()
        self._noted: list[str] | None = None  # notes of the value being parsed (see `outcomes`)

    def header(self, column: str) -> str:
        return header_as_written(self.sheet, column, self.problems.lang)

    def note(self, key: str, column: str) -> None:
        if self._noted is not None:
            self._noted.append(key)  # counted once per cell that holds the value (`column_values`)
        else:
            self.notes[(self.sheet.name, self.header(column), key)] += 1

    def header_problem(self, key: str, column: str) -> None:
        self.problems.add(key, sheet=self.sheet.name, row=HEADER_ROW, column=self.header(column),
                          value=self.header(column))
        self.flagged.update((row, column) for row in self.sheet.rows)

    def money_factor(self, column: str) -> int | None:
        unit = self.sheet.units.get(column)
        if not unit:
            return self.settings.money_factor
        factor = layout.money_unit_factor(unit)
        if factor is None:
            self.header_problem("unknown_money_unit", column)
        return factor

    def datum(self) -> str | None:
        declared = [u for u in (self.sheet.units.get(c) for c in layout.COORDINATES) if u]
        if not declared:
            return self.settings.datum
        datums = {layout.datum_of(u) for u in declared}
        if None in datums or len(datums) > 1:
            self.header_problem("unknown_datum", "lon")
            return None
        return datums.pop()

    def parser(self, column: str, kind: str):
        table = self.sheet.table
        if (table, column) in layout.REGION_COLUMNS:
            def region(value):
                code, note = self.lookup.resolve(value)
                if note:
                    self.note(note, column)
                return code
            return region
        if (table, column) in CODE_LISTS:
            labels = layout.code_labels(table, column)
            return lambda value: None if cells.is_blank(value) else labels.get(
                layout.match_key(cells.shown(value)), cells.to_code(value))
        if layout.is_money(column):
            factor = self.money_factor(column)
            if factor is None:
                return None

            def money(value):
                amount, converted = cells.to_money(value, factor)
                if converted:
                    self.note("wan_yuan", column)
                return amount
            return money
        if kind == "str":
            return cells.to_code if column.endswith("_id") else cells.to_text
        if kind == "date":
            return cells.to_month if column in layout.MONTH_COLUMNS else cells.to_date
        return {"int": cells.to_int, "float": cells.to_float, "bool": cells.to_bool}[kind]

    def clean(self) -> Cleaned:
        sheet, rows = self.sheet, self.sheet.rows
        values, shown = {}, {}
        for column, kind in TABLES[sheet.table].items():
            raw = sheet.cells.get(column, [None] * len(rows))
            # Each distinct cell is read once: a ledger repeats its station, type and dates down the
            # column. The type is part of the key, as 1, 1.0 and True are equal.
            keys = [(value.__class__, value) for value in raw]
            distinct = dict.fromkeys(keys)
            texts = {key: cells.shown(key[1]) for key in distinct}
            shown[column] = [texts[key] for key in keys]
            parse = self.parser(column, kind) if column in sheet.cells else None
            values[column] = [None] * len(rows) if parse is None else \
                self.column_values(parse, column, keys, distinct, texts)
        frame = pd.DataFrame({c: pd.Series(v, index=rows, dtype=_DTYPES.get(TABLES[sheet.table][c], "object"))
                              for c, v in values.items()}, index=rows)
        if "lon" in frame and len(frame):
            self.convert_datum(frame)
        return Cleaned(frame, pd.DataFrame(shown, index=rows), self.flagged, shown)

    def outcome(self, parse, column: str, value) -> tuple[object, cells.CellProblem | None, list[str]]:
        """The value read, the problem with it, and the notes it makes (full-width digits, 万元 …)."""
        self._noted = []
        try:
            if isinstance(value, str) and column not in ("name", "host_name") and _FULL_WIDTH.search(value):
                self.note("fullwidth", column)
            try:
                return parse(value), None, self._noted
            except cells.CellProblem as problem:
                return None, problem, self._noted
        finally:
            self._noted = None

    def column_values(self, parse, column: str, keys: list, distinct: dict, texts: dict) -> list:
        """The column read cell by cell, as if each cell were parsed: every cell's problem, every
        cell's notes."""
        outcomes = {key: self.outcome(parse, column, key[1]) for key in distinct}
        counts = Counter(keys) if any(noted for _, _, noted in outcomes.values()) else {}
        for key, (_, _, noted) in outcomes.items():
            for note in noted:
                self.notes[(self.sheet.name, self.header(column), note)] += counts[key]
        if any(problem is not None for _, problem, _ in outcomes.values()):
            header = self.header(column)
            for row, key in zip(self.sheet.rows, keys):
                problem = outcomes[key][1]
                if problem is not None:
                    self.problems.add(problem.key, sheet=self.sheet.name, row=row, column=header,
                                      value=texts[key], **problem.values)
                    self.flagged.add((row, column))
        return [outcomes[key][0] for key in keys]

    def convert_datum(self, frame: pd.DataFrame) -> None:
        """Coordinates declared GCJ-02 (高德, 腾讯) become WGS-84, as the contract stores them."""
        datum = self.datum()
        if datum != "gcj02":
            return
        both = frame["lon"].notna() & frame["lat"].notna()
        for row in frame.index[both.to_numpy()]:
            lon, lat = coordTransform.gcj02_to_wgs84(float(frame.at[row, "lon"]), float(frame.at[row, "lat"]))
            frame.at[row, "lon"], frame.at[row, "lat"] = round(lon, 6), round(lat, 6)
            self.note("gcj02", "lon")
