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
    city = db.run("rehab_services_totals", snap, scope=(BAOTOU,), **window)
    districts = db.run("regions", snap, scope=(BAOTOU,))
    baotou_districts = districts[districts["parent_code"] == BAOTOU]["region_code"]
    by_district = db.run("rehab_services_totals", snap, scope=tuple(baotou_districts), **window)
    assert city["served"].tolist() == by_district["served"].tolist()
    one = db.run("rehab_services_totals", snap, scope=(QINGSHAN,), **window)
    assert (one["served"] < city["served"]).all()


def test_parameters_are_bound_not_spliced():
    snap = snapshot(NEWEST)
    hostile = (f"{BAOTOU}') OR 1=1 --",)
    rows = db.run("rehab_services_totals", snap, scope=hostile, **measures.year_window(NEWEST, 2024))
    assert rows.empty


def test_queries_from_many_threads_at_once():
    snap = snapshot(NEWEST)
    db.connection.cache_clear()

    def served(year):
        frame = db.execute("rehab_services_totals", snap.path, tuple(sorted(
            {"scope": (BAOTOU,), **measures.year_window(NEWEST, year)}.items())))
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
