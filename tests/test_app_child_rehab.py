"""AppTest of the child rehab page: the seed figures on screen, '<5' on a township view and in its downloads."""

import pytest
from streamlit.testing.v1 import AppTest


from .apptest_reads import assert_figures, cells, deltas, metrics
from .conftest import open_app_page

PAGE = "app_pages/child_rehab.py"
ZHAOTAN = {"year": "2024", "district": "昆都仑区", "township": "沼潭街道"}


def open_page(before_page=lambda: None, **query) -> AppTest:
    return open_app_page(PAGE, before_page, **query)


def test_baotou_2024_children_funds_and_early_intervention():
    at = open_page(year="2024")
    assert not at.exception, at.exception
    assert at.title[0].value == "残疾儿童康复救助"
    assert_figures(at, {"康复救助儿童人数": "814", "救助资金": "1460万元", "低龄儿童早期干预人数": "67",
                        "应救尽救率": "100%", "人均救助资金": "1.79万元"})
    changes = deltas(at)
    assert changes["康复救助儿童人数"] == "+6.8%" and changes["应救尽救率"] == "+1.04个百分点"
    assert "<5" not in cells(at)  # the care is for township level only
    assert not any("小数字保护" in i.value for i in at.info)


def test_a_township_view_shows_rounded_counts_and_hides_what_gives_them_back():
    """沼潭街道 2024: 26 children aided (seed data), 1 given early intervention. Under the township rule
    (README, REHAB_SUPPRESS_BELOW=5): 26 shows as 25, 1 as '<5'; rates, money and changes '*'."""
    at = open_page(**ZHAOTAN)
    assert not at.exception, at.exception
    assert "沼潭街道" in at.caption[0].value
    assert any("小数字保护" in i.value for i in at.info)
    shown = metrics(at)
    assert shown["康复救助儿童人数"] == "25" and shown["低龄儿童早期干预人数"] == "<5"
    assert shown["应救尽救率"] == shown["救助资金"] == shown["人均救助资金"] == "*"
    assert all(m.delta in (None, "") for m in at.metric)  # a change would give last year's count
    # Broken down by type, age or institution a township's children are mostly 1 to 4 a cell.
    assert not at.dataframe and any("不按残疾类别" in i.value for i in at.info)


def test_the_township_view_offers_no_download_of_children_counts(excel_downloads):
    downloads = excel_downloads
    at = open_page(before_page=downloads.clear, **ZHAOTAN)  # only the child page's downloads
    assert not at.exception, at.exception
    assert downloads == {}


def test_the_care_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("REHAB_SUPPRESS_BELOW", "0")
    at = open_page(**ZHAOTAN)
    assert not at.exception, at.exception
    assert "<5" not in cells(at)
    assert metrics(at)["低龄儿童早期干预人数"] == "1"
    assert any("逐月累计" in s.value for s in at.subheader)


@pytest.mark.parametrize("query", [{"year": "2025", "district": "青山区"}, {"city": "411100000000"},
                                   {"lang": "English", "year": "2024"}])
def test_other_views_run_clean(query):
    at = open_page(**query)
    assert not at.exception, at.exception
    assert len(at.metric) == 6


def test_english_labels():
    at = open_page(lang="English", year="2024")
    assert at.title[0].value == "Child rehabilitation assistance"
    assert metrics(at)["Children aided"] == "814"
    assert metrics(at)["Assistance funds"] == "1,460 × 10k yuan"
