"""AppTest of the 精准康复与残疾预防 page: seed figures on the page at city, district and township scope;
figures follow the scope; the URL restores the view; English labels."""
import pandas as pd
from streamlit.testing.v1 import AppTest

from .apptest_reads import captions, deltas, metrics, started, table_with
from .seed import NEWEST, snapshot

PAGE = "app_pages/rehab.py"
SNAPSHOT = snapshot(NEWEST).path


def start(**query) -> AppTest:
    return started(PAGE, **query)


def raw(table: str) -> pd.DataFrame:
    return pd.read_parquet(SNAPSHOT / f"{table}.parquet")


def served_in(region_prefix: str, year: int) -> int:
    """Persons served summed straight from the Parquet file, not through the page's queries."""
    services = raw("rehab_services")
    rows = services[services["region_code"].str.startswith(region_prefix)
                    & (pd.to_datetime(services["period"]).dt.year == year)]
    return int(rows["served_count"].sum())


def test_baotou_2024_seed_figures():
    at = start(year="2024")
    assert at.title[0].value == "精准康复与残疾预防"
    shown = metrics(at)
    assert (shown["精准康复服务人数"], shown["康复需求人数"]) == ("6260", "6287")
    assert (shown["精准康复服务率"], shown["任务完成率"]) == ("99.57%", "110.6%")
    assert (shown["弱视儿童救助人数"], shown["白内障复明手术例数"]) == ("170", "182")
    assert (shown["新生儿听力筛查人数"], shown["高危孕产妇产前筛查人数"]) == ("100", "100")
    assert (shown["精神障碍患者免费服药人数"], shown["精神障碍患者住院补贴"]) == ("201", "8")
    assert (shown["心理康复项目"], shown["自助互助康复基地"]) == ("50", "98")
    assert (shown["选派参加国家、自治区培训（人）"], shown["举办培训（场次）"], shown["举办培训（人次）"]) == (
        "62", "10", "986")
    changes = deltas(at)
    assert changes["弱视儿童救助人数"] == "+51.8%"
    text = captions(at)
    assert "年度任务 5660" in text and "序时进度 100% · ✔ 达标" in text
    assert "年度任务 100" in text and "任务完成率 182% · ✔ 达标" in text
    assert "基地 5 个，就业 4 人" in text and "达尔罕茂明安联合旗" in text
    assert "+51.7%" in text and "112" in text  # the note on the sample's rounding
    types = table_with(at, "残疾类别", "需求人数", "服务人数")
    assert list(types["残疾类别"]) == ["视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"]
    assert (types["服务人数"].sum(), types["需求人数"].sum()) == (6260, 6287)
    ranking = table_with(at, "排名", "单位", "完成率", "状态")
    assert len(ranking) == 10 and list(ranking["排名"]) == list(range(1, 11))
    completion = ranking["完成率"].str.rstrip("%").astype(float)
    assert completion.is_monotonic_decreasing
    assert ranking["状态"].str.match(r"^[✔▲✖] ").all()
    assert ranking["服务人数"].sum() == 6260
    months = table_with(at, "月份", "2024年", "2023年")
    assert months["2024年"].sum() == 6260 and months["2023年"].sum() == served_in("1502", 2023)
    assert months["2024年累计"].iloc[-1] == 6260


def test_yuanhui_2025_outreach_and_the_district_view():
    at = start(year="2025", city="漯河市", district="源汇区")
    shown = metrics(at)
    assert (shown["入户走访户数"], shown["解决康复需求"], shown["义诊及知识讲座场次"],
            shown["发放宣传资料份数"], shown["受益群众人次"]) == ("1200", "268", "22", "2000", "2500")
    assert shown["精准康复服务率"] == "100%"
    assert shown["精准康复服务人数"] == str(served_in("411102", 2025))
    assert "漯河市 / 源汇区" in captions(at)
    ranking = table_with(at, "排名", "单位", "服务率")
    assert len(ranking) == 9 and set(ranking["服务率"]) == {"100%"}  # 9 townships, no task at that level
    assert set(ranking["完成率"]) == {"—"}
    assert set(ranking["排名"]) == {"—"}  # all equal: no 名次, as in the meeting's ranking (issue 36)
    assert any("没有康复项目" in i.value for i in at.info)


def test_district_and_township_scope_change_the_figures():
    city = metrics(start(year="2024"))
    district = metrics(start(year="2024", district="青山区"))
    township = metrics(start(year="2024", district="青山区", township="富强路街道"))
    assert int(city["精准康复服务人数"]) > int(district["精准康复服务人数"]) > int(township["精准康复服务人数"])
    assert district["精准康复服务人数"] == str(served_in("150204", 2024))
    assert township["精准康复服务人数"] == str(served_in("150204004", 2024))
    assert district["心理康复项目"] == "50" and "精神障碍患者住院补贴" in district
    assert district["精神障碍患者住院补贴"] == "—"  # 达茂旗's project, not 青山区's
    for label in ("入户走访户数", "白内障复明手术例数"):
        assert int(city[label]) > int(district[label]) >= int(township[label])
    assert "心理康复项目" not in township  # projects are reported by district


def test_the_url_restores_the_view():
    at = start(year="2024", district="九原区")
    assert (at.query_params["district"], at.query_params["year"]) == ("九原区", "2024")
    assert "包头市 / 九原区 · 2024年" in captions(at)
    again = start(**dict(at.query_params.items()))
    assert metrics(again) == metrics(at)
    assert metrics(again)["新生儿听力筛查人数"] == "100"  # the pilot district keeps the city's figure


def test_in_english():
    at = start(year="2024", lang="English")
    assert at.title[0].value == "Precise rehab and disability prevention"
    shown = metrics(at)
    assert shown["Persons given precise rehab"] == "6,260" and shown["Amblyopia children aided"] == "170"
    assert "Annual task 5,660" in captions(at)


def activity_in(region_prefix: str, kind: str, start: str, end: str) -> int:
    """An activity's count summed straight from the Parquet file over [start, end]."""
    activities = raw("activities")
    period = pd.to_datetime(activities["period"])
    rows = activities[activities["region_code"].str.startswith(region_prefix) & (activities["kind"] == kind)
                      & (period >= start) & (period <= end)]
    return int(rows["count"].sum())


def test_a_calibration_note_stays_with_its_scope_and_year():
    """Issue 36: the note on 包头市's 2024 amblyopia figure appeared on 源汇区 2025's page."""
    for query in ({"year": "2025", "city": "漯河市", "district": "源汇区"}, {"year": "2025"},
                  {"year": "2024", "district": "青山区"}):
        text = captions(start(**query))
        assert "样例数据说明" not in text and "+51.7%" not in text, query


def test_an_unchanged_figure_reads_flat_not_up():
    """Issue 36: 源汇区's amblyopia figure, the same as last year to the same month, showed '↑ +0.0%'."""
    this_year = activity_in("411102", "amblyopia_aid", "2025-01-01", "2025-08-01")
    last_year = activity_in("411102", "amblyopia_aid", "2024-01-01", "2024-08-01")
    assert this_year == last_year > 0  # the sample's unchanged figure
    at = start(year="2025", city="漯河市", district="源汇区")
    card = next(m for m in at.metric if m.label == "弱视儿童救助人数")
    assert (card.value, card.delta) == (str(this_year), "持平")
    assert card.proto.direction == card.proto.MetricDirection.NONE  # no arrow, and no colour either
    assert card.proto.color == card.proto.MetricColor.GRAY
    assert not any(m.delta in ("+0.0%", "-0.0%") for m in at.metric)
    table = table_with(at, "同比")
    assert "+0.0%" not in set(table["同比"])
