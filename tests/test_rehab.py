"""The rehab page's library (rehabdash.topics.rehab, rehab_view) against the raw Parquet files summed another
way, a mid-year snapshot, a hand-worked traffic light; and the programs table through the import."""
import datetime as dt

import pandas as pd
import pytest

from rehabdash import ingest
from rehabdash.charts import rehab as rehab_view
from rehabdash.kernel.indicators import Status
from rehabdash.store import db
from rehabdash.store.snapshots import Snapshot
from rehabdash.topics import rehab

from .seed import BAOTOU, NEWEST, QINGSHAN, YUANHUI, runner, snapshot
from .workbooks import ADMIN
from .workbooks import AS_OF, data_copy, filled, month_rows

MID_2024 = dt.date(2024, 6, 30)


def raw(table: str, as_of: dt.date = NEWEST) -> pd.DataFrame:
    return pd.read_parquet(snapshot(as_of).path / f"{table}.parquet")


def of(frame: pd.DataFrame, prefix: str, year: int, last: dt.date | None = None) -> pd.DataFrame:
    period = pd.to_datetime(frame["period"])
    keep = frame["region_code"].str.startswith(prefix) & (period.dt.year == year)
    if last is not None:
        keep &= period <= pd.Timestamp(last)
    return frame[keep]


def test_by_disability_type_sums_the_raw_rows():
    types = rehab.by_disability_type(runner(NEWEST, QINGSHAN), NEWEST, 2024)
    rows = of(raw("rehab_services"), "150204", 2024).groupby("disability_type")[["need_count", "served_count"]].sum()
    assert list(types["disability_type"]) == ["visual", "hearing", "speech", "physical", "intellectual",
                                             "mental", "multiple"]
    for row in types.itertuples():
        assert (row.need, row.served) == tuple(rows.loc[row.disability_type])
        assert row.rate == pytest.approx(rows.at[row.disability_type, "served_count"]
                                         / rows.at[row.disability_type, "need_count"])


def test_subunits_are_the_districts_ranked_by_completion_with_their_tasks():
    units = rehab.by_subunit(runner(NEWEST, BAOTOU), NEWEST, 2024)
    targets = raw("targets")
    targets = targets[(targets["year"] == 2024) & (targets["indicator"] == "precise_rehab_served")]
    assert len(units) == 10 and units["served"].sum() == 6260 and units["target"].sum() == 5660
    for row in units.itertuples():
        assert row.target == targets.loc[targets["region_code"] == row.subunit_code, "target_value"].sum()
        assert row.served == of(raw("rehab_services"), row.subunit_code[:6], 2024)["served_count"].sum()
    assert list(units["completion"]) == sorted(units["completion"], reverse=True)
    assert list(units["rank"]) == list(range(1, 11))


def test_townships_have_no_task_and_are_ranked_by_rate():
    units = rehab.by_subunit(runner(NEWEST, QINGSHAN), NEWEST, 2024)
    assert units["target"].isna().all() and units["status"].isna().all()
    assert list(units["rate"]) == sorted(units["rate"], reverse=True)


def test_mid_year_light_is_measured_against_time_progress():
    """2024-06-30: 182 of 366 days elapsed (49.7 %); completion = served to June / 5660."""
    served = rehab.services(runner(MID_2024, BAOTOU), MID_2024, 2024).served
    june = of(raw("rehab_services", MID_2024), "1502", 2024)["served_count"].sum()
    assert served.measure.value == june
    assert served.time_progress == pytest.approx(182 / 366)
    assert june == 2814  # 2814 / 5660 = 49.72 %, just below the 49.73 % of the year gone: amber
    assert served.measure.completion == pytest.approx(2814 / 5660)
    assert served.status is Status.AMBER
    # the amber band: a hand-worked example with a 5 % margin
    figure = rehab.TaskFigure("precise_rehab_served", rehab.Measure(450, target=1000), 0.497, 0.05)
    assert figure.status is Status.AMBER  # 45 % is within 5 points below 49.7 %
    assert rehab.TaskFigure("x", rehab.Measure(440, target=1000), 0.497, 0.05).status is Status.RED


def test_by_month_this_year_so_far_and_last_year_whole():
    months = rehab.by_month(runner(NEWEST, YUANHUI), NEWEST, 2025)
    rows = raw("rehab_services")
    assert months["this_year"].notna().sum() == 8  # January to August 2025
    assert months["this_year"].sum() == of(rows, "411102", 2025)["served_count"].sum()
    assert months["last_year"].sum() == of(rows, "411102", 2024)["served_count"].sum()
    assert months["last_year_cumulative"].iloc[-1] == months["last_year"].sum()


def test_activities_this_year_against_the_same_day_last_year():
    counts = rehab.activity_counts(runner(MID_2024, BAOTOU), MID_2024, 2024)
    rows = raw("activities", MID_2024)
    for kind in ("home_visit", "amblyopia_aid"):
        now = of(rows, "1502", 2024)
        before = of(rows, "1502", 2023, dt.date(2023, 6, 30))
        assert counts.at[kind, "this_year"] == now.loc[now["kind"] == kind, "count"].sum()
        assert counts.at[kind, "last_year"] == before.loc[before["kind"] == kind, "count"].sum()
    assert counts.at["hearing_screening", "change"] is None  # no screening in 2023: no change to show


def test_projects_and_training_follow_the_scope():
    qingshan = rehab.projects(runner(NEWEST, QINGSHAN), NEWEST, 2024)
    assert qingshan.at["psychological_rehab", "persons"] == 50
    assert pd.isna(qingshan.at["inpatient_subsidy", "persons"])
    assert rehab.training(runner(NEWEST, QINGSHAN), NEWEST, 2024).reported is False  # the city's own work
    yuanhui = rehab.training(runner(NEWEST, YUANHUI), NEWEST, 2025)
    assert (yuanhui.city_sessions.value, yuanhui.city_sessions.last_year) == (2, 3)


def test_a_mid_year_snapshot_holds_the_year_so_far_of_yearly_projects():
    mid = rehab.projects(runner(MID_2024, BAOTOU), MID_2024, 2024)
    assert mid.at["self_help_base", "bases"] == 5  # bases stand all year
    assert 0 < mid.at["psychological_rehab", "persons"] < 50


def test_task_figures_are_the_page_figures():
    figures = rehab.task_figures(runner(NEWEST, BAOTOU), NEWEST, 2024)
    assert set(figures) == set(rehab.TASK_INDICATORS)
    services = rehab.services(runner(NEWEST, BAOTOU), NEWEST, 2024)
    assert figures["precise_rehab_served"] == services.served


def test_charts_and_their_tables_hold_the_same_figures():
    run = runner(NEWEST, BAOTOU)
    figure, table = rehab_view.by_type(rehab.by_disability_type(run, NEWEST, 2024), "zh", "包头市")
    drawn = sum(sum(trace.x) for trace in figure.data if trace.name == "服务人数")
    assert drawn == table["服务人数"].sum() == 6260
    figure, table = rehab_view.prevention(rehab.prevention(run, NEWEST, 2024), "zh", "包头市", 2024,
                                          lambda s: "—" if s is None else s.value)
    assert list(table["2024年"]) == [170, 182, 100, 100] and list(table["同比"])[0] == "+51.8%"
    assert table.loc[1, "年度任务"] == 100 and table.loc[0, "年度任务"] == "—"
    assert rehab_view.places_caption(["九原区"], "zh") == "九原区"
    assert rehab_view.places_caption([str(i) for i in range(10)], "zh") == "10个区县"
    # names from a clerk's workbook reach the caption as text, not as Markdown
    assert rehab_view.places_caption(["**粗体**区", "[链接](http://x)"], "zh") == (
        r"\*\*粗体\*\*区、\[链接\]\(http://x\)")


# ------------------------------------------------------------------------------- the programs table

def programs(rows):
    return {"programs": pd.DataFrame(rows, columns=["year", "region_code", "kind", "measure", "count"])}


def test_programs_sheet_imports_and_reaches_the_page(tmp_path):
    directory = data_copy(tmp_path)
    rows = {**month_rows(directory), **programs([(2025, QINGSHAN, "psychological_rehab", "persons", 61)])}
    checked = ingest.check_workbook(filled(directory, rows), AS_OF, directory, account=ADMIN)
    assert checked.problems == []
    published = ingest.publish(checked, ADMIN, "九月.xlsx", directory)
    snapshot = Snapshot(AS_OF, published.path)
    run = lambda name, **p: db.run(name, snapshot, allowed=(QINGSHAN,), scope=(QINGSHAN,), **p)  # noqa: E731
    assert rehab.projects(run, AS_OF, 2025).at["psychological_rehab", "persons"] == 61


@pytest.mark.parametrize("row, key", [
    ((2025, QINGSHAN, "psychological_rehab", "sessions", 3), "project_measure"),  # not a measure of it
    ((2025, "150204001000", "psychological_rehab", "persons", 3), "wrong_level"),  # a township
    ((2025, QINGSHAN, "no_such_project", "persons", 3), "unknown_code"),
    ((2025, QINGSHAN, "self_help_base", "employed", -1), "negative"),
])
def test_programs_rows_are_checked(tmp_path, row, key):
    directory = data_copy(tmp_path)
    checked = ingest.check_workbook(filled(directory, programs([row])), None, directory, account=ADMIN)  # as-of rule
    assert [p.key for p in checked.problems] == [key]
    assert checked.problems[0].sheet == "康复项目与培训"
