"""The problems an import finds, each one row of the table the clerk reads: sheet, row, column, value,
what is wrong and how to fix it, in the clerk's language ([validation] in the locales)."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from rehabdash.kernel import i18n

TABLE_COLUMNS = ("sheet", "row", "column", "value", "problem", "fix")


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None  # the Excel row number; None for a whole sheet or the file
    column: str  # the header as the clerk sees it
    value: str
    problem: str
    fix: str
    key: str  # which check found it ([validation.<key>]), for tests and counting


@dataclass
class Problems:
    lang: str
    items: list[Problem] = field(default_factory=list)

    def add(self, key: str, sheet: str = "", row: int | None = None, column: str = "",
            value: str = "", **values) -> None:
        entry = i18n.catalogue(self.lang)["validation"][key]
        values = {"value": value, "column": column, "sheet": sheet, **values}
        self.items.append(Problem(sheet, row, column, value, entry["problem"].format(**values),
                                  entry["fix"].format(**values), key))

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


GROUP_FROM = 10  # this many rows with one problem in one column are summarised first


def _row_ranges(rows: list[int], shown: int = 3) -> str:
    """[2, 3, 4, 9] → '2—4、9'; long lists end with '…'."""
    ranges, start, last = [], None, None
    for row in sorted(rows):
        if start is None:
            start = last = row
        elif row == last + 1:
            last = row
        else:
            ranges.append((start, last))
            start = last = row
    if start is not None:
        ranges.append((start, last))
    text = "、".join(str(a) if a == b else f"{a}—{b}" for a, b in ranges[:shown])
    return text + ("、…" if len(ranges) > shown else "")


def grouped(problems: list[Problem], lang: str) -> list[Problem]:
    """When many rows share one problem (same sheet, column and check), a first line says so with the
    count, the rows and an example; then every problem as before. Fewer than GROUP_FROM: unchanged."""
    return summaries(problems, lang) + list(problems)


def summaries(problems: list[Problem], lang: str) -> list[Problem]:
    """One line per problem that GROUP_FROM or more rows share (key "problem_group", no row), the
    commonest first."""
    groups: dict[tuple, list[Problem]] = {}
    for problem in problems:
        if problem.row is not None:
            groups.setdefault((problem.sheet, problem.column, problem.key), []).append(problem)
    found = []
    for (sheet, column, key), members in groups.items():
        if len(members) < GROUP_FROM:
            continue
        entry = i18n.catalogue(lang)["validation"]["problem_group"]
        first = members[0]
        values = {"count": f"{len(members):,}", "rows": _row_ranges([p.row for p in members]),
                  "example": first.problem, "fix": first.fix}
        found.append((len(members), Problem(sheet, None, column, "", entry["problem"].format(**values),
                                            entry["fix"].format(**values), "problem_group")))
    found.sort(key=lambda pair: -pair[0])
    return [summary for _, summary in found]


def problem_table(problems: list[Problem], lang: str) -> pd.DataFrame:
    """The problems as a table with headers in `lang` (工作表, 行, 列, 填写内容, 问题, 修改方法); when many
    rows share a problem, its summary comes first (`grouped`)."""
    problems = grouped(problems, lang)
    headers = [i18n.text(lang, f"validation.header_{name}") for name in TABLE_COLUMNS]
    # Row numbers as text: a problem of a whole sheet or file has none, and shows an empty cell.
    # Built column by column: a frame from 100 000 row lists took seconds.
    columns = ([p.sheet for p in problems], ["" if p.row is None else str(p.row) for p in problems],
               [p.column for p in problems], [p.value for p in problems], [p.problem for p in problems],
               [p.fix for p in problems])
    return pd.DataFrame({header: pd.Series(values, dtype="str") for header, values in zip(headers, columns)},
                        columns=headers)
