"""One spreadsheet cell read as a contract value, with the habits of clerks handled on the way:
full-width digits and punctuation, thousands separators, amounts in 万元, dates typed as text.

A parser returns the value (None for an empty cell) or raises CellProblem naming what is wrong; the
caller turns that into a row of the problem table.
"""
from __future__ import annotations

import datetime as dt
import math
import re

from rehabdash.ingest.layout import WAN, normal
from rehabdash.kernel.errors import CellProblem


class NoCachedValue:
    """A formula cell saved without its result (written by a script or a tool that does not calculate):
    the reader puts one in place of the missing value so that every parser refuses it by name."""

    def __init__(self, formula: str):
        self.formula = formula

    def __repr__(self) -> str:
        return f"NoCachedValue({self.formula!r})"


# What Excel and WPS show for a failed formula (e.g. #N/A from a VLOOKUP that found nothing).
ERROR_VALUES = frozenset({"#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                          "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
                          "#GETTING_DATA", "#N/A!"})


_NUMBER_SIGNS = ("#", "＃", "﹟")  # what NFKC folds to the # every error value starts with


def refuse_special(value) -> None:
    """A formula without a result, or an Excel error value, in any column, text included."""
    if isinstance(value, NoCachedValue):
        raise CellProblem("formula_no_value")
    if isinstance(value, str) and any(mark in value for mark in _NUMBER_SIGNS) \
            and normal(value).upper() in ERROR_VALUES:
        raise CellProblem("excel_error")


def shown(value) -> str:
    """The cell as the clerk sees it, for the 'value' column of the problem table."""
    if value is None:
        return ""
    if isinstance(value, NoCachedValue):
        return value.formula
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value).strip()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plain_number_text(value) -> str:
    """Text of a number cell without what clerks add around digits: '１，２３４ ' → '1234'."""
    return normal(str(value)).replace(",", "").replace(" ", "")


def _number(value) -> float:
    refuse_special(value)
    if isinstance(value, bool):
        raise CellProblem("not_number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = float(_plain_number_text(value))
        except ValueError:
            raise CellProblem("not_number") from None
    if not math.isfinite(number):
        raise CellProblem("not_number")
    return number


def to_int(value) -> int | None:
    """A count or a year: 12, '12', '１２', '1,234', 12.0; not 12.5, not '12人'."""
    if is_blank(value):
        return None
    refuse_special(value)
    if isinstance(value, str):
        value = re.sub(r"年$", "", normal(value))  # '2025年' in a year column
    number = _number(value)
    if number != int(number):
        raise CellProblem("not_integer")
    if abs(number) > 2**53:
        raise CellProblem("not_number")
    return int(number)


def to_money(value, factor: int) -> tuple[float | None, bool]:
    """An amount in yuan, and whether it was converted from 万元.

    `factor` is the column's declared unit (1 for 元, 10 000 for 万元); a cell that says its own unit
    ('12.5万', '3000元') overrides it.
    """
    if is_blank(value):
        return None, False
    refuse_special(value)
    if isinstance(value, str):
        text = normal(value)
        if text.endswith(("万元", "万")):
            factor, value = WAN, text.rstrip("元").rstrip("万")
        elif text.endswith("元"):
            factor, value = 1, text[:-1]
    return round(_number(value) * factor, 2), factor != 1


def to_float(value) -> float | None:
    """A coordinate: 110.03, '１１０.０３', '110.03°'."""
    if is_blank(value):
        return None
    refuse_special(value)
    if isinstance(value, str):
        value = normal(value).rstrip("°")
    return _number(value)


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?|月)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})?$")


def _date_parts(value) -> tuple[int, int, int | None]:
    refuse_special(value)
    if isinstance(value, dt.datetime):
        return value.year, value.month, value.day
    if isinstance(value, dt.date):
        return value.year, value.month, value.day
    if isinstance(value, bool) or isinstance(value, float) and not (
            math.isfinite(value) and value == int(value)):
        raise CellProblem("not_date")
    text = normal(str(int(value) if isinstance(value, (int, float)) else value))
    match = _DATE.match(text) or _COMPACT.match(text)
    if not match:
        raise CellProblem("not_date")
    year, month, day = match.groups()
    return int(year), int(month), int(day) if day else None


def to_date(value) -> dt.date | None:
    """A day: a date cell, '2025-07-15', '2025/7/15', '2025年7月15日', '20250715'."""
    if is_blank(value):
        return None
    year, month, day = _date_parts(value)
    if day is None:
        raise CellProblem("not_date")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellProblem("not_date") from None


_MONTH_NAMES = re.compile(r"^(?:[一二三四五六七八九十]{1,3}|\d{1,2})\s*月(?:份)?$")
# Excel's day numbers of 1990-01-01 .. 2099-12-31: a month cell formatted as a number shows one.
_SERIALS = (32874, 73050)


def to_month(value) -> dt.date | None:
    """A month, as its first day: '2025-07', '2025年7月', '202507', or any day of the month.

    A day number (45901, a date cell formatted as a number) and a month without its year ('九月')
    are refused with their own message and an example."""
    if is_blank(value):
        return None
    refuse_special(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and _SERIALS[0] <= value <= _SERIALS[1]:
        raise CellProblem("month_serial")
    if isinstance(value, str) and _MONTH_NAMES.match(normal(value)):
        raise CellProblem("month_without_year")
    try:
        year, month, _ = _date_parts(value)
    except CellProblem as problem:
        raise CellProblem("not_month") if problem.key == "not_date" else problem from None
    try:
        return dt.date(year, month, 1)
    except ValueError:
        raise CellProblem("not_month") from None


_TRUE = {"是", "有", "true", "yes", "y", "1", "√", "✓"}
_FALSE = {"否", "无", "false", "no", "n", "0", "×", "✗"}


def to_bool(value) -> bool | None:
    """是/否, TRUE/FALSE, Y/N, 1/0."""
    if is_blank(value):
        return None
    refuse_special(value)
    if isinstance(value, bool):
        return value
    text = normal(shown(value)).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellProblem("not_bool")


def to_text(value) -> str | None:
    """A name or an identifier: trimmed; a number cell reads as its digits (1.50204E+11 → '150204000000')."""
    if is_blank(value):
        return None
    refuse_special(value)
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value).strip()


def to_code(value) -> str | None:
    """A code or identifier typed by hand: full-width characters folded ('Ｆ－００１' → 'F-001')."""
    text = to_text(value)
    return None if text is None else normal(text)
