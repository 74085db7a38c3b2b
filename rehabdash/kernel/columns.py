"""Table columns declared once: which field, which header (a locale key), how its values read.

Pages and exports pass a frame and its column spec to `present`, instead of renaming and formatting
columns inline: the header of "服务率" and the two decimals of a rate are then written in one place.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n, memo
from rehabdash.kernel.indicators import Status
from rehabdash.kernel.suppression import is_hidden
from rehabdash.kernel.theme import STATUS_SYMBOLS


def status_text(status: Status | None, lang: str) -> str:
    """'✔ 达标' / '▲ 预警' / '✖ 滞后': a traffic light readable without colour; '—' without a target.
    THE status vocabulary: page, deck, workbook, bulletin and maps all say a light through here."""
    return "—" if status is None else f"{STATUS_SYMBOLS[status]} {i18n.text(lang, 'status.' + status.value)}"


@dataclass(frozen=True)
class StatusWords:
    """`status_text` in one language, as a callable a chart can be given and still be cached by its
    inputs (kernel.memo keys it by its language; a lambda has no key)."""

    lang: str

    def __call__(self, status: Status | None) -> str:
        return status_text(status, self.lang)


@dataclass(frozen=True)
class Kind:
    """How the values of one kind read: as text on the screen (`show(value, lang)`), and as numbers
    in a workbook (Excel's `number_format`)."""

    show: Callable[[Any, str], Any]
    number_format: str = "General"


# THE table of formats by kind: every table of the pages and the meeting's tables and workbook.
# A code column is "code:<code list>" (see Column.kind).
KINDS = {
    "text": Kind(lambda v, lang: v),
    "number": Kind(lambda v, lang: v),  # left as a number (sorts, and exports as one)
    "count": Kind(fmt.count, "#,##0"),
    "amount": Kind(fmt.amount, "#,##0.00"),  # in its own unit: persons, sites or 万元
    "rate": Kind(lambda v, lang: fmt.rate(v), "0.00%"),
    "percent": Kind(lambda v, lang: fmt.completion(v), "0.0%"),  # completion and 序时进度
    "amount_change": Kind(fmt.amount_change, "+#,##0.00;-#,##0.00;0"),
    "rank_change": Kind(fmt.rank_change, "+0;-0;0"),
    "date": Kind(lambda v, lang: "" if fmt.is_missing(v) or pd.isna(v) else fmt.date(pd.Timestamp(v).date(), lang)),
    "wan": Kind(fmt.wan_yuan),
    "wan_number": Kind(lambda v, lang: None if fmt.is_missing(v) else round(v / fmt.WAN, 2)),  # sums in Excel
    "decimal": Kind(lambda v, lang: None if fmt.is_missing(v) else round(v, 2)),
    "iso_date": Kind(lambda v, lang: v.isoformat()),
    "status": Kind(status_text),
}


@dataclass(frozen=True)
class Column:
    """`field` of the frame, shown under the locale text `label` ('devices.need_col'), read as `kind`:
    text, number, count, amount, rate, percent (completion, one decimal), rank_change, date, iso_date,
    wan (yuan shown in 万元), wan_number (万元 as a number, two decimals), decimal (two decimals),
    status, or code:<list> (see KINDS). A cell hidden by the disclosure control keeps its marker
    whatever the kind."""

    field: str
    label: str
    kind: str = "number"

    def header(self, lang: str) -> str:
        return i18n.text(lang, self.label)

    def values(self, column: pd.Series, lang: str) -> pd.Series:
        if self.kind.startswith("code:"):
            code_list = self.kind.split(":", 1)[1]
            return column.map(lambda code: i18n.code_label(lang, code_list, code))
        shown = KINDS[self.kind].show
        if self.kind in ("text", "number"):
            return column
        # A count hidden by the disclosure control keeps its marker ('<5', '*') in every format.
        return column.map(lambda value: value if is_hidden(value) else shown(value, lang))


@memo.by_inputs  # every table of every page, each run: once per content (issue 20)
def present(frame: pd.DataFrame, columns: Sequence[Column], lang: str) -> pd.DataFrame:
    """The listed columns of `frame`, in that order, each read as its kind under its header."""
    return pd.DataFrame({c.header(lang): c.values(frame[c.field], lang).to_numpy() for c in columns},
                        index=frame.index)
