"""Small-number care for children's data (小数字保护): what a table may not show, and what it shows instead.

Two rules, applied to counts of children (never to money or rates directly):

- **Primary**: a cell counting 1 to ``below - 1`` children shows ``"<5"`` (for ``below`` = 5). Zero is
  shown: it names no child. ``below`` = 0 turns the care off.
- **Secondary (complementary)**: where a table shows a total row, a column with exactly one hidden
  cell would give that cell back as "total minus the others"; so the next smallest non-zero cell of
  that column is hidden too and shows ``"*"``. A total that is itself hidden protects nothing to
  recompute from, and needs no partner.

Columns derived from hidden counts (a rate, the money spent on a hidden group, a share) would let a
reader work the count back out, so they follow their sources: hidden wherever a source is, shown "*".
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pandas as pd

COMPLEMENTARY = "*"
SHOWN = ""


def small_label(below: int) -> str:
    """What a small cell shows: '<5'."""
    return f"<{below}"


def is_small(count, below: int) -> bool:
    """True for a count of 1 … below-1 children; never when the care is off (below = 0) or for zero."""
    if below <= 0 or count is None or (isinstance(count, float) and math.isnan(count)):
        return False
    return 0 < count < below


def hidden_cells(table: pd.DataFrame, counts: Iterable[str], below: int, *,
                 total_row: bool) -> pd.DataFrame:
    """For each count column of `table`: SHOWN, the small label, or COMPLEMENTARY, cell by cell.

    With ``total_row`` the last row holds the totals of the rows above it (each column is one
    line whose total is shown) and secondary suppression applies; without, only the primary rule.
    """
    counts = list(counts)
    label = small_label(below)
    mask = table[counts].map(lambda value: label if is_small(value, below) else SHOWN)
    if not total_row or below <= 0:
        return mask
    body = table.index[:-1]
    total = table.index[-1]
    for column in counts:
        if mask.at[total, column] != SHOWN:
            continue  # a hidden total gives nothing back
        hidden = mask.loc[body, column] != SHOWN
        if hidden.sum() != 1:
            continue  # none hidden, or two or more: their sum is known, each one is not
        values = table.loc[body, column]
        partners = values[~hidden & (values > 0)]
        if len(partners):  # always, when the total is shown: it exceeds the one small cell
            mask.at[partners.idxmin(), column] = COMPLEMENTARY
    return mask


def protect(table: pd.DataFrame, counts: Iterable[str], below: int, *, total_row: bool,
            follow: Mapping[str, Iterable[str]] | None = None) -> pd.DataFrame:
    """`table` with hidden cells replaced by their marker ('<5' or '*'), ready to format and show.

    ``follow`` maps a derived column to the count columns it is computed from; it is hidden ('*')
    in every row where one of them is. Hidden cells become strings; the others keep their values.
    """
    mask = hidden_cells(table, counts, below, total_row=total_row)
    for column, sources in (follow or {}).items():
        derived = (mask[list(sources)] != SHOWN).any(axis=1)
        mask[column] = derived.map({True: COMPLEMENTARY, False: SHOWN})
    shown = table.astype({column: object for column in mask.columns})
    for column in mask.columns:
        hidden = mask[column] != SHOWN
        shown.loc[hidden, column] = mask.loc[hidden, column]
    return shown


def is_hidden(value) -> bool:
    """A cell that `protect` replaced with a marker."""
    return isinstance(value, str) and (value == COMPLEMENTARY or value.startswith("<"))
