"""Issue 36, items 3 and 4: what is not collected reads "—" and draws no chart; what disclosure
control hides is explained wherever it appears, in the words officials use."""
from rehabdash.charts import dispatch as dispatch_charts
from rehabdash.topics import dispatch

from .conftest import open_app_page
from .seed import NEWEST, runner
from .test_dispatch_meeting import raw

ANSHANDAO = "150203008000"  # 鞍山道街道 (昆都仑区): a township with villages (社区) below it


def test_villages_collect_no_service_figures_so_they_read_dash_not_zero():
    villages = raw("regions").query("parent_code == @ANSHANDAO")["region_code"]
    assert len(villages) == 8
    assert not raw("rehab_services")["region_code"].isin(villages).any()  # nothing reported per village
    m = dispatch.gather(runner(NEWEST, ANSHANDAO), NEWEST, 2025, 0.05, "鞍山道街道", "鞍山道街道", "township")
    rates = dispatch.service_rates(m.subunits)
    assert len(rates) == 8 and rates["need"].isna().all() and rates["served"].isna().all()
    shown = dispatch_charts.display(dispatch_charts.services_table(m, "zh"))
    assert set(shown["需求人数"]) == {"—"} and set(shown["服务人数"]) == {"—"}  # before: 0 and 0
    assert dispatch_charts.service_rates(rates, "zh", "鞍山道街道") is None  # before: empty axes −100 % … 500 %


def test_the_township_overview_says_services_are_not_collected_and_draws_no_empty_chart():
    at = open_app_page("app_pages/overview.py", year="2025", city="包头市", district="昆都仑区", township="鞍山道街道")
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "不单独采集精准康复需求和服务人数" in captions
    charts = [c for c in at.get("plotly_chart")]
    assert not any("服务率" in str(c.proto.spec) for c in charts)
