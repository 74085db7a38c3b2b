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

from rehabdash.kernel import i18n

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


# ---------------------------------------------------------------------------- township figures
#
# The rule for counts of children of ONE township, wherever they are shown (child page, overview
# card, indicator and ranking tables, charts, XLSX, PPTX). Two attacks defeat cell suppression of a
# single table: the district's exact total minus the townships shown on their own pages, and two
# snapshots (or a cumulative monthly series) differenced. So, as statistical offices do:
#
# 1. Rounding to base (ONS, OpenSAFELY): a count of 1 … below-1 shows '<5'; a larger one shows the
#    nearest multiple of ``below`` (5, 6, 7 → 5; 8 … 12 → 10); zero shows 0. Two snapshots of a
#    rounded series differ by an unknown amount spanning at least ``below`` values, so no month's
#    children can be read off; monthly and year-on-year figures of a township are not shown at all.
# 2. Complementary suppression across the sibling set (the district's townships), against the
#    district's exact total: where that total minus what the siblings show would narrow a '<5'
#    township below "1 to 4", the smallest sibling of at least ``below`` children is hidden too ('*').
#    Its unknown value (≥ 0, unbounded) then leaves every '<5' township anywhere in 1 … 4. With no
#    such sibling the whole set is hidden.
#
# Rates, money and changes computed from these counts are never shown for a township: they would
# give the exact counts back.


def rounded(count, below: int):
    """One township count as it may be shown: 0, '<5', or the nearest multiple of `below`."""
    if below <= 0 or count is None or pd.isna(count):
        return count
    count = int(count)
    if count <= 0:
        return 0
    if count < below:
        return small_label(below)
    return max(below, int(math.floor(count / below + 0.5)) * below)


def shown_range(shown, below: int) -> tuple[float, float]:
    """What a reader knows of a count from what is shown: the smallest and largest value it may be."""
    if shown == COMPLEMENTARY:
        return 0.0, math.inf
    if isinstance(shown, str):  # '<5'
        return 1.0, below - 1.0
    if shown == 0:
        return 0.0, 0.0
    return float(max(below, shown - below // 2)), float(shown + (below - 1) // 2)


def _sibling_column(values: pd.Series, below: int) -> pd.Series:
    shown = values.map(lambda v: rounded(v, below)).astype(object)
    small = [k for k in shown.index if isinstance(shown[k], str)]
    if not small:
        return shown
    total = float(values.sum())
    ranges = {k: shown_range(shown[k], below) for k in shown.index}
    lo_sum, hi_sum = sum(r[0] for r in ranges.values()), sum(r[1] for r in ranges.values())
    narrowed = False
    for k in small:  # the district total minus every other township, against '1 … below-1'
        lo_k, hi_k = ranges[k]
        low, high = total - (hi_sum - hi_k), total - (lo_sum - lo_k)
        narrowed |= low > 1 or high < below - 1
    if not narrowed:
        return shown
    candidates = values[[not isinstance(shown[k], str) and values[k] >= below for k in values.index]]
    if candidates.empty:
        return pd.Series(COMPLEMENTARY, index=values.index, dtype=object)
    shown[candidates.idxmin()] = COMPLEMENTARY
    return shown


def protect_townships(counts: pd.DataFrame, below: int) -> pd.DataFrame:
    """The children counts of every township of one district (rows: ALL its townships, so the
    district's total is their sum; columns: count measures), as they may be shown: rounded to base,
    '<5' and '*' (rules above). Off (values unchanged) when `below` is 0."""
    if below <= 0:
        return counts
    return pd.DataFrame({column: _sibling_column(counts[column].fillna(0), below) for column in counts.columns},
                        index=counts.index)


# ---------------------------------------------------------------------------- saying it
#
# One presentation rule for every output: on screen, in slides and in workbooks a hidden count reads
# '<5' or '*' and a rounded one its number, with `note` beside the table or figure; in prose (the
# bulletin) a count reads as officials write it: 不足5人, 约10人, or that it is not published.


def note(lang: str, below: int) -> str:
    """The caption of a table or figure with controlled counts: what '<5', '*' and the rounding mean."""
    return i18n.text(lang, "disclosure.note", below=below)


def in_prose(shown, below: int, unit: str, lang: str) -> str:
    """A controlled count in a sentence: '不足5人', '约10人', or '（人数不予公布）' for '*'."""
    if shown == COMPLEMENTARY:
        return i18n.text(lang, "disclosure.prose_withheld")
    if isinstance(shown, str) and shown.startswith("<"):
        return i18n.text(lang, "disclosure.prose_small", below=below, unit=unit)
    return i18n.text(lang, "disclosure.prose_rounded", count=shown, unit=unit)
