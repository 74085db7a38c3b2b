"""Small-number care: the primary '<5' rule, the secondary rule against recomputation, its settings."""
import itertools
import random

import pandas as pd
import pytest

from rehabdash.kernel import suppression
from rehabdash.kernel.config import suppress_below
from rehabdash.kernel.suppression import COMPLEMENTARY, hidden_cells, is_small, protect


def column_with_total(values: list[int], name: str = "aided") -> pd.DataFrame:
    """One count column, one row per category, and the total row last."""
    rows = [f"row{i}" for i in range(len(values))]
    return pd.DataFrame({name: [*values, sum(values)]}, index=[*rows, "total"])


@pytest.mark.parametrize("count, small", [(0, False), (1, True), (4, True), (5, False), (120, False)])
def test_one_to_four_children_is_small_zero_is_not(count, small):
    assert is_small(count, 5) is small


def test_the_threshold_is_configurable_and_zero_turns_the_care_off():
    assert is_small(2, 3) and not is_small(3, 3)
    assert not any(is_small(n, 0) for n in range(10))
    assert not is_small(None, 5) and not is_small(float("nan"), 5)
    assert suppression.small_label(10) == "<10"


def test_without_a_total_only_the_small_cells_are_hidden():
    table = pd.DataFrame({"this_year": [3, 12], "last_year": [0, 7]})
    mask = hidden_cells(table, ["this_year", "last_year"], 5, total_row=False)
    assert mask.to_dict("list") == {"this_year": ["<5", ""], "last_year": ["", ""]}


def test_a_single_hidden_cell_under_a_shown_total_takes_the_next_smallest_with_it():
    # 6 + 2 + 15 + 7 = 30: with only the 2 hidden, 30 - 6 - 15 - 7 would give it back.
    table = column_with_total([6, 2, 15, 7])
    hidden = protect(table, ["aided"], 5, total_row=True)["aided"].tolist()
    assert hidden == [COMPLEMENTARY, "<5", 15, 7, 30]
    # What a reader can still work out: only the sum of the two hidden cells, not either one.
    shown = [v for v in hidden[:-1] if not suppression.is_hidden(v)]
    assert hidden[-1] - sum(shown) == 6 + 2


def test_the_recomputation_is_real_without_the_secondary_rule():
    """The primary rule alone leaves exactly one hidden cell that the total gives back."""
    table = column_with_total([6, 2, 15, 7])
    primary_only = hidden_cells(table, ["aided"], 5, total_row=False)["aided"]
    shown = table["aided"][primary_only == ""]
    assert (primary_only == "<5").sum() == 1
    assert shown.iloc[-1] - shown.iloc[:-1].sum() == 2  # total - the other cells = the hidden 2


def test_two_small_cells_protect_each_other():
    table = column_with_total([6, 2, 15, 3])
    assert protect(table, ["aided"], 5, total_row=True)["aided"].tolist() == [6, "<5", 15, "<5", 26]


def test_zero_is_never_the_partner_and_ties_take_the_first():
    assert protect(column_with_total([0, 3, 9, 0]), ["aided"], 5, total_row=True)["aided"].tolist() == [
        0, "<5", COMPLEMENTARY, 0, 12]
    assert protect(column_with_total([8, 1, 8]), ["aided"], 5, total_row=True)["aided"].tolist() == [
        COMPLEMENTARY, "<5", 8, 17]


def test_a_hidden_total_needs_no_partner():
    # All three children in one cell: the total is itself 1–4 and hidden, so nothing can be recomputed.
    assert protect(column_with_total([0, 3, 0]), ["aided"], 5, total_row=True)["aided"].tolist() == [
        0, "<5", 0, "<5"]


def test_each_count_column_is_its_own_line():
    table = pd.DataFrame({"applicants": [6, 2, 15, 23], "early_intervention": [0, 0, 9, 9]},
                         index=["a", "b", "c", "total"])
    mask = hidden_cells(table, ["applicants", "early_intervention"], 5, total_row=True)
    assert mask["applicants"].tolist() == [COMPLEMENTARY, "<5", "", ""]
    assert mask["early_intervention"].tolist() == ["", "", "", ""]


def test_derived_columns_follow_their_hidden_sources():
    table = pd.DataFrame({
        "applicants": [6, 3, 15, 24], "aided": [6, 2, 15, 23],
        "coverage": [1.0, 2 / 3, 1.0, 23 / 24], "funds_yuan": [90_000.0, 30_000.0, 240_000.0, 360_000.0],
    }, index=["a", "b", "c", "total"])
    shown = protect(table, ["applicants", "aided"], 5, total_row=True,
                    follow={"coverage": ("aided", "applicants"), "funds_yuan": ("aided",)})
    assert shown.loc["b"].tolist() == ["<5", "<5", COMPLEMENTARY, COMPLEMENTARY]
    assert shown.loc["a"].tolist() == [COMPLEMENTARY, COMPLEMENTARY, COMPLEMENTARY, COMPLEMENTARY]
    assert shown.loc["c"].tolist() == [15, 15, 1.0, 240_000.0]
    assert shown.loc["total"].tolist() == [24, 23, 23 / 24, 360_000.0]


def test_with_the_care_off_nothing_is_hidden():
    table = column_with_total([6, 2, 15, 7])
    assert protect(table, ["aided"], 0, total_row=True)["aided"].tolist() == [6, 2, 15, 7, 30]


def test_no_hidden_cell_can_be_recomputed_from_a_shown_total():
    """On many random columns: wherever the total is shown, never exactly one hidden cell."""
    rng = random.Random(5)
    for _, size in itertools.product(range(400), [2, 3, 4, 7]):
        values = [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14]) for _ in range(size)]
        mask = hidden_cells(column_with_total(values), ["aided"], 5, total_row=True)["aided"]
        body_hidden = (mask.iloc[:-1] != "").sum()
        if mask.iloc[-1] == "":
            assert body_hidden != 1, values
        assert all((m == "<5") == is_small(v, 5) for m, v in zip(mask, [*values, sum(values)])), values


def test_the_setting_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("REHAB_SUPPRESS_BELOW", raising=False)
    assert suppress_below() == 5
    monkeypatch.setenv("REHAB_SUPPRESS_BELOW", "10")
    assert suppress_below() == 10
    monkeypatch.setenv("REHAB_SUPPRESS_BELOW", "0")
    assert suppress_below() == 0


# ---------------------------------------------------------------------------- township rule

def test_rounding_to_base_by_hand():
    shown = [suppression.rounded(v, 5) for v in (0, 1, 4, 5, 7, 8, 12, 13, 26)]
    assert shown == [0, "<5", "<5", 5, 5, 10, 10, 15, 25]
    assert suppression.rounded(26, 0) == 26  # off


def test_a_lone_small_township_gets_a_complement():
    """District of 3 townships, 2 + 9 + 20 = 31 children, shown '<5', 10, 20: the total minus 10 and
    20 (8…12 and 18…22) leaves −3…5 for the small one, all of 1…4: nothing more to hide."""
    frame = pd.DataFrame({"aided": [2, 9, 20]}, index=["a", "b", "c"])
    assert suppression.protect_townships(frame, 5)["aided"].tolist() == ["<5", 10, 20]
    # 1 + 5 + 0: the district's 6 minus 5…7 is at most 1: the small one would be pinned to 1.
    frame = pd.DataFrame({"aided": [1, 5, 0]}, index=["a", "b", "c"])
    assert suppression.protect_townships(frame, 5)["aided"].tolist() == ["<5", COMPLEMENTARY, 0]
    # Two small ones and nothing to hide with them: 1 + 1 = 2 would pin both; the set is hidden.
    frame = pd.DataFrame({"aided": [1, 1, 0]}, index=["a", "b", "c"])
    assert suppression.protect_townships(frame, 5)["aided"].tolist() == [COMPLEMENTARY] * 3
