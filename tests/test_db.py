"""The query layer: scope through the region tree, bound parameters, a cursor per query."""
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from rehabdash.kernel import measures
from rehabdash.store import db

from .seed import BAOTOU, NEWEST, QINGSHAN, snapshot


def test_every_named_query_is_a_file_and_setup_is_not_one():
    names = db.query_names()
    assert "rehab_services_totals" in names and "_setup" not in names
    with pytest.raises(db.UnknownQuery):
        db.query_text("_setup")
    with pytest.raises(db.UnknownQuery):
        db.query_text("no_such_query")


def test_scope_covers_the_region_and_everything_below_it():
    snap = snapshot(NEWEST)
    window = measures.year_window(NEWEST, 2024)
    city = db.run("rehab_services_totals", snap, allowed=(BAOTOU,), scope=(BAOTOU,), **window)
    districts = db.run("regions", snap, allowed=(BAOTOU,), scope=(BAOTOU,))
    baotou_districts = districts[districts["parent_code"] == BAOTOU]["region_code"]
    by_district = db.run("rehab_services_totals", snap, allowed=(BAOTOU,), scope=tuple(baotou_districts), **window)
    assert city["served"].tolist() == by_district["served"].tolist()
    one = db.run("rehab_services_totals", snap, allowed=(BAOTOU,), scope=(QINGSHAN,), **window)
    assert (one["served"] < city["served"]).all()


def test_parameters_are_bound_not_spliced():
    snap = snapshot(NEWEST)
    hostile = (f"{BAOTOU}') OR 1=1 --",)
    with pytest.raises(db.NoAccess) as refused:  # the whole text is one code, outside every scope
        db.run("rehab_services_totals", snap, allowed=(BAOTOU,), scope=hostile, **measures.year_window(NEWEST, 2024))
    assert refused.value.codes == list(hostile)


def test_queries_from_many_threads_at_once():
    snap = snapshot(NEWEST)
    db.connection.cache_clear()

    def served(year):
        frame = db.run("rehab_services_totals", snap, allowed=(BAOTOU,), scope=(BAOTOU,), fresh=True,
                       **measures.year_window(NEWEST, year))
        return int(frame.loc[frame["year"] == year, "served"].iloc[0])

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(served, [2023, 2024, 2025] * 8))
    assert results[1] == 6260
    assert len(set(results[0::3])) == 1 and len(set(results[1::3])) == 1


def test_year_window_compares_to_the_same_day_last_year():
    assert measures.year_window(dt.date(2025, 8, 31), 2025) == {
        "year": 2025, "until": dt.date(2025, 8, 31), "until_last_year": dt.date(2024, 8, 31)}
    assert measures.year_window(dt.date(2025, 8, 31), 2024)["until"] == dt.date(2024, 12, 31)
    assert measures.year_window(dt.date(2024, 2, 29), 2024)["until_last_year"] == dt.date(2023, 2, 28)


def test_a_scoped_query_without_a_scope_is_refused_before_it_runs():
    snap = snapshot(NEWEST)
    with pytest.raises(db.ScopeRequired):
        db.run("funding_totals", snap, allowed=(BAOTOU,), year=2024)
    # the two queries that declare themselves unscoped read no figure of any region
    assert db.run("data_years", snap)["year"].tolist()[:1] == [2025]
    assert sorted(db.run("top_regions", snap)["region_code"]) == [BAOTOU, "411100000000"]


def test_every_query_that_reads_a_table_without_scope_says_why():
    """`-- unscoped:` is a promise read by people: every other query constrains itself by $scope."""
    for name in db.query_names():
        text = db.query_text(name)
        assert db.is_unscoped(name) != ("$scope" in text), name


def test_no_account_given_means_nothing_is_allowed():
    with pytest.raises(db.NoAccess):
        db.run("funding_totals", snapshot(NEWEST), scope=(QINGSHAN,), year=2024)
