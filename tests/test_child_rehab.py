"""The child page's library on the sample data: seed figures, consistent breakdowns, township care."""
import datetime as dt

import pytest

from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.contract import AGE_BANDS, DISABILITY_TYPES
from rehabdash.kernel.scope import Scope
from rehabdash.kernel.suppression import COMPLEMENTARY, is_hidden
from rehabdash.topics import child_rehab
from rehabdash.topics.child_rehab import TOTAL

from .seed import BAOTOU, END_2024, NEWEST, QINGSHAN, runner

ZHAOTAN = "150203003000"  # 昆都仑区沼潭街道: 26 children aided in 2024, several of them in cells of 1–4


@pytest.fixture
def baotou():
    return runner(NEWEST, BAOTOU)


@pytest.fixture
def zhaotan():
    return runner(NEWEST, ZHAOTAN)


def test_baotou_2024_headline(baotou):
    h = child_rehab.headline(baotou, NEWEST, 2024)
    assert (h.aided.value, h.applicants.value, h.early_intervention.value) == (814, 814, 67)
    assert fmt.wan_yuan(h.funds.value) == "1460万元"
    assert fmt.rate(h.aided.rate) == "100%"
    assert fmt.wan_yuan(h.funds_per_child.value) == "1.79万元"  # 14,600,000 / 814


def test_year_on_year_changes(baotou):
    figures = child_rehab.figures(child_rehab.headline(baotou, NEWEST, 2024), below=0)
    # 2023: 762 aided of 770 applicants, 58 in early intervention, 13,200,000 yuan.
    assert fmt.change(figures["aided"].change) == "+6.8%"
    assert fmt.change(figures["early_intervention"].change) == "+15.5%"
    assert fmt.change(figures["funds_yuan"].change) == "+10.6%"
    assert fmt.points(figures["coverage"].change) == "+1.04"  # 100 % against 98.96 %


def test_the_current_year_is_compared_with_the_same_months_of_last_year(baotou):
    h = child_rehab.headline(baotou, NEWEST, 2025)
    months = child_rehab.cumulative_by_month(baotou, NEWEST, 2025)
    august = months.set_index("month").loc[8]
    assert (h.aided.value, h.aided.last_year) == (august["this_year"], august["last_year"])
    assert months["this_year"].isna().tolist() == [False] * 8 + [True] * 4


def test_month_by_month_ends_at_the_year_total(baotou):
    months = child_rehab.cumulative_by_month(baotou, END_2024, 2024)
    assert months["this_year"].iloc[-1] == 814 and months["last_year"].iloc[-1] == 762
    assert months["this_year"].is_monotonic_increasing


@pytest.mark.parametrize("dimension, codes", [("disability_type", DISABILITY_TYPES), ("age_band", AGE_BANDS)])
def test_breakdowns_list_every_code_and_add_up_to_the_headline(baotou, dimension, codes):
    table = child_rehab.breakdown(baotou, NEWEST, 2024, dimension, below=0)
    assert list(table.index) == [*codes, TOTAL]
    assert table.loc[TOTAL, ["applicants", "aided", "early_intervention"]].tolist() == [814, 814, 67]
    assert table["aided"].iloc[:-1].sum() == 814
    assert table.loc[TOTAL, "funds_yuan"] == 14_600_000


def test_early_intervention_is_for_small_children_only(baotou):
    table = child_rehab.breakdown(baotou, NEWEST, 2024, "age_band", below=0)
    assert table.loc[["7-14", "15-17"], "early_intervention"].tolist() == [0, 0]


def test_institutions_carry_the_whole_load_of_the_scope(baotou):
    table = child_rehab.institutions(baotou, NEWEST, 2024, below=0)
    body = table.drop(index=TOTAL)
    assert body["aided"].sum() == 814 and body["share"].sum() == pytest.approx(1.0)
    assert table.loc[TOTAL, "share"] == 1.0
    assert set(body["ownership"]) == {"public", "private"}
    assert body["aided"].is_monotonic_decreasing  # most children first


def test_institutions_outside_the_scope_that_take_its_children_are_listed():
    table = child_rehab.institutions(runner(NEWEST, QINGSHAN), NEWEST, 2024, below=0).drop(index=TOTAL)
    assert "青山区" in set(table["district_name"])
    assert len(set(table["district_name"])) > 1


def test_the_care_applies_at_township_level_only(monkeypatch):
    monkeypatch.delenv("REHAB_SUPPRESS_BELOW", raising=False)
    assert child_rehab.threshold(Scope(BAOTOU, QINGSHAN, ZHAOTAN)) == 5
    assert child_rehab.threshold(Scope(BAOTOU, QINGSHAN)) == 0
    assert child_rehab.threshold(Scope(BAOTOU)) == 0
    monkeypatch.setenv("REHAB_SUPPRESS_BELOW", "0")
    assert child_rehab.threshold(Scope(BAOTOU, QINGSHAN, ZHAOTAN)) == 0


def test_a_township_breakdown_hides_small_cells_and_their_partners(zhaotan):
    raw = child_rehab.breakdown(zhaotan, NEWEST, 2024, "age_band", below=0)
    shown = child_rehab.breakdown(zhaotan, NEWEST, 2024, "age_band", below=5)
    assert raw["aided"].tolist() == [6, 9, 7, 4, 26]
    # 15–17 has 4 children: '<5'; the total 26 would give it back, so the next smallest (0–3: 6) goes too.
    assert shown["aided"].tolist() == [COMPLEMENTARY, 9, 7, "<5", 26]
    assert shown.loc["15-17", ["coverage", "funds_yuan"]].tolist() == [COMPLEMENTARY, COMPLEMENTARY]
    assert shown.loc["4-6", "funds_yuan"] == raw.loc["4-6", "funds_yuan"]


@pytest.mark.parametrize("dimension", ["disability_type", "age_band"])
def test_no_township_table_leaves_a_hidden_count_recomputable(zhaotan, dimension):
    tables = [child_rehab.breakdown(zhaotan, NEWEST, 2024, dimension, below=5),
              child_rehab.institutions(zhaotan, NEWEST, 2024, below=5)]
    for table in tables:
        for column in [c for c in ("applicants", "aided", "early_intervention") if c in table]:
            if not is_hidden(table.at[TOTAL, column]):
                assert table[column].iloc[:-1].map(is_hidden).sum() != 1, column


def test_headline_of_a_small_township_is_hidden_with_what_would_give_it_back():
    run = runner(NEWEST, "150204001000")  # 青山区先锋道街道: 4 children aided in 2024, 3 in 2023
    figures = child_rehab.figures(child_rehab.headline(run, NEWEST, 2024), below=5)
    assert figures["aided"].value == "<5" and figures["aided"].change is None
    for name in ("coverage", "funds_yuan", "funds_per_child"):  # funds ÷ a per-child standard = a count
        assert figures[name].value == COMPLEMENTARY and figures[name].change is None


def test_a_change_is_hidden_when_last_year_was_small(zhaotan):
    figures = child_rehab.figures(child_rehab.headline(zhaotan, NEWEST, 2024), below=5)
    assert figures["aided"].value == 26 and figures["aided"].change is not None
    assert figures["early_intervention"].value == "<5" and figures["early_intervention"].change is None


def test_a_year_without_data_shows_dashes_not_errors():
    run = runner(NEWEST, BAOTOU)
    h = child_rehab.headline(run, NEWEST, 2022)
    assert h.aided.value is None and h.funds_per_child.value is None
    figures = child_rehab.figures(h, below=0)
    assert all(f.change is None for f in figures.values())
    months = child_rehab.cumulative_by_month(run, dt.date(2022, 12, 31), 2022)
    assert len(months) == 12


def test_hidden_institutions_are_not_ranked_by_their_true_counts(zhaotan):
    shown = child_rehab.institutions(zhaotan, NEWEST, 2024, below=5).drop(index=TOTAL)
    hidden = shown[shown["aided"].map(is_hidden)]
    assert len(hidden) >= 2
    assert list(hidden.index) == sorted(hidden.index)  # code order, whatever the counts behind
    assert list(shown.index[-len(hidden):]) == list(hidden.index)  # after every shown row


def test_coverage_changes_in_percentage_points():
    # no change reads 持平, as officials write it (issue 36), not "+0"
    assert (fmt.points(0.010389), fmt.points(-0.005), fmt.points(0.0), fmt.points(None)) == (
        "+1.04", "-0.5", "持平", "—")
