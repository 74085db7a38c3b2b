"""AppTest of the assistive-devices page: the seed figures on the page, and every figure follows the filters."""
import json
import re

from streamlit.testing.v1 import AppTest

from .apptest_reads import assert_figures, captions, cells, deltas, metrics, started, table_with

PAGE = "app_pages/devices.py"
LOAN_FIGURES = ("借出人次", "已归还", "在借", "逾期未还", "丢失", "归还率")


def start(**query) -> AppTest:
    return started(PAGE, **query)


def test_baotou_2024_seed_figures():
    at = start(year="2024")
    assert at.title[0].value == "辅具适配"
    assert_figures(at, {"辅具适配人数": "2017", "辅具需求人数": "2021", "辅具适配率": "99.8%",
                        "完成年度任务": "110.8%", "辅具服务站点": "106"})
    text = captions(at)
    assert "年度任务 1820 人" in text and "序时进度 100% · ✔ 达标" in text
    assert "辅具适配中心 10 家" in text and "社区辅具服务站 84 家" in text and "辅具租赁点 12 家" in text
    assert "上级政策资金 212 件" in text  # the wheelchairs won from the autonomous region
    year_on_year = deltas(at)
    assert year_on_year["辅具适配人数"] == "+9.7%"


def test_qingshan_rental_pilot_shows_400_plus_loans():
    at = start(year="2024", district="青山区")
    shown = metrics(at)
    assert int(shown["借出人次"]) >= 400
    assert int(shown["已归还"]) + int(shown["在借"]) + int(shown["丢失"]) == int(shown["借出人次"])
    station_table = next(d.value for d in at.dataframe if "站点" in d.value.columns and "借出人次" in d.value.columns)
    assert len(station_table) == 12 and station_table["借出人次"].sum() == int(shown["借出人次"])


def test_changing_scope_changes_every_figure():
    city = metrics(start(year="2024"))
    district = metrics(start(year="2024", district="东河区"))
    assert set(district) == set(city) and len(city) == 13
    for label, value in city.items():
        assert district[label] != value, label


def test_qingshan_differs_from_the_city_except_the_pilot_loans():
    """The 青山区 pilot was the city's only rental scheme in 2024: its loans are the city's loans."""
    city = metrics(start(year="2024"))
    qingshan = metrics(start(year="2024", district="青山区"))
    for label, value in city.items():
        if label in LOAN_FIGURES:
            assert qingshan[label] == value, label
        else:
            assert qingshan[label] != value, label


def test_changing_year_changes_every_figure():
    this_year = metrics(start(year="2024"))
    for year in ("2025", "2023"):
        other = metrics(start(year=year))
        assert set(other) == set(this_year)
        for label, value in this_year.items():
            assert other[label] != value, (year, label)


def test_tables_have_chinese_headers_and_excel_downloads():
    at = start(year="2024")
    headers = {column for d in at.dataframe for column in d.value.columns}
    for header in ("辅具类别", "需求人数", "适配人数", "适配率", "单位", "年度任务", "状态", "站点", "站点类型",
                   "区县", "开设日期", "借出人次", "归还率", "轮椅", "合计", "其中本年投放",
                   "信用积分", "借用人数", "低于门槛", "按期归还", "逾期", "丢失", "因信用拒借"):
        assert header in headers, header
    downloads = at.get("download_button")
    assert len(downloads) == len(at.dataframe) == 10  # with the credit bands and late/lost by station
    statuses = next(d.value for d in at.dataframe if "状态" in d.value.columns)["状态"]
    assert set(statuses) == {"✔ 达标"}


def test_township_scope_without_task_and_english():
    at = start(year="2024", district="青山区", township="青福镇")
    shown = metrics(at)
    assert shown["完成年度任务"] == "—" and shown["辅具适配人数"] == "34"
    assert "当前范围未单独下达年度任务" in captions(at)
    at = start(year="2024", lang="English")
    assert at.title[0].value == "Assistive devices"
    assert metrics(at)["Persons fitted with assistive devices"] == "2,017"


def test_baotou_2024_shows_credit_scores_and_no_borrower_reference():
    """信用积分 (issue 32): the distribution and late/lost/refused by point, as totals only. Counted in the
    raw Parquet (tests/test_credit.py does it by a loop): 109 borrowers of 2024, 9 below 60 on 31 December
    2024 as the newest snapshot knows it, 5 requests refused for low credit."""
    at = start(year="2024", city="包头市")
    assert "借用人信用积分" in [h.value for h in at.subheader]
    text = captions(at)
    assert "信用积分制：新借用人 100 分" in text and "低于 60 分不予出借" in text
    assert "有借用记录的借用人 109 人" in text and "其中低于 60 分 9 人" in text and "拒借 5 次" in text
    bands = table_with(at, "信用积分", "借用人数", "低于门槛")
    assert bands["借用人数"].sum() == 109
    assert bands.loc[bands["低于门槛"].str.startswith("▼"), "借用人数"].sum() == 9  # said in words too
    by_point = table_with(at, "站点", "逾期", "丢失", "因信用拒借")
    assert len(by_point) == 12 and by_point["借出人次"].sum() == 418 and by_point["因信用拒借"].sum() == 5
    shown = "\n".join([text, *cells(at), *(m.value for m in at.markdown)])
    assert not re.search(r"JY\d{4}-\d{4}", shown)  # no borrower reference on the page


def test_2024_loans_are_shown_as_they_stood_at_its_year_end():
    """The newest snapshot (August 2025) read for 2024: "在 2024年12月31日 的状态" is what the year-end
    snapshot said (raw Parquet of 000002: 418 lent, 352 back, 66 not back, 12 of them past due), not 405
    back. Of the 12, the newest snapshot has 9 recorded lost (counted from their due date): 3 overdue,
    9 lost, 57 still on loan (raw Parquet of 000004, tests/test_devices.raw_loans)."""
    at = start(year="2024", district="青山区")
    assert_figures(at, {"借出人次": "418", "已归还": "352", "在借": "57", "逾期未还": "3", "丢失": "9"})


def test_lost_devices_are_a_figure_of_their_own_and_the_tables_agree():
    """逾期未还 counted the lost devices as still out and overdue. Counted with pandas in the raw Parquet
    of the newest snapshot (tests/test_devices.raw_loans): 包头市's 464 loans of 2025 on 2025-08-31 are
    364 back, 96 on loan of which 10 overdue, and 4 lost; the table under each loans chart adds up to
    them, and the credit section's 丢失 counts the same 4."""
    at = start(year="2025", city="包头市")
    assert_figures(at, {"借出人次": "464", "已归还": "364", "在借": "96", "逾期未还": "10", "丢失": "4"})
    for first in ("站点", "辅具类别"):
        table = table_with(at, first, "借出人次", "在借", "逾期未还", "丢失")
        assert (table["借出人次"].sum(), table["已归还"].sum(), table["在借"].sum(), table["逾期未还"].sum(),
                table["丢失"].sum()) == (464, 364, 96, 10, 4)
    assert table_with(at, "站点", "按期归还", "丢失")["丢失"].sum() == 4
    assert "丢失" in captions(at) and "不再计入在借和逾期未还" in captions(at)
    english = start(year="2025", city="包头市", lang="English")
    assert_figures(english, {"Overdue": "10", "Lost": "4"})


def test_a_new_deployment_draws_no_empty_chart_and_says_there_are_no_points(tmp_path, monkeypatch):
    """呼和浩特市 just set up (no figures yet): the by-type chart had empty axes from −1 to 1, and "no
    points or boundaries" stood above a map that draws the districts."""
    import datetime as dt

    from rehabdash.access.accounts import Account
    from rehabdash.ingest import setup

    monkeypatch.setenv("REHAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REHAB_INSTANCE_DIR", str(tmp_path / "instance"))
    setup.create("150100000000", Account("admin", "admin", (), password_hash=""), dt.date(2025, 12, 31))
    at = start(city="呼和浩特市")
    assert not at.error, [e.value for e in at.error]
    shown = [i.value for i in at.info]
    assert "当前范围本年度没有辅具需求和适配数据。" in shown and "当前范围还没有辅具服务站点。" in shown
    assert "当前范围没有可显示的站点或边界。" not in shown
    titles = [json.loads(chart.proto.spec)["layout"].get("title", {}).get("text", "") for chart in at.get("plotly_chart")]
    assert not any("各类辅具需求与适配人数" in title for title in titles), titles
