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


def problem_table(problems: list[Problem], lang: str) -> pd.DataFrame:
    """The problems as a table with headers in `lang` (工作表, 行, 列, 填写内容, 问题, 修改方法)."""
    headers = [i18n.text(lang, f"validation.header_{name}") for name in TABLE_COLUMNS]
    # Row numbers as text: a problem of a whole sheet or file has none, and shows an empty cell.
    rows = [[p.sheet, "" if p.row is None else str(p.row), p.column, p.value, p.problem, p.fix]
            for p in problems]
    return pd.DataFrame(rows, columns=headers)
