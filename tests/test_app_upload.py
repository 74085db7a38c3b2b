"""AppTest of the upload and snapshot pages on a throw-away copy of the data: template download, the
problem table for a broken workbook (nothing published), publishing the fixed one, the sidebar and the
snapshot page seeing the new snapshot."""
import datetime as dt
import json


from rehabdash import ingest
from rehabdash.store.snapshots import list_snapshots

from .conftest import PROJECT, open_app_page
from .seed import QINGSHAN
from .workbooks import AS_OF, filled, month_rows, set_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_with(at, column: str):
    """The first table on the page that has `column` (AppTest does not expose a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def upload(at, name: str, content: bytes):
    at.file_uploader[0].set_value((name, content, XLSX))
    return at.run()


def test_upload_page_offers_the_template(sample_data):
    at = open_app_page("app_pages/data_upload.py")
    assert not at.exception
    assert at.title[0].value == "数据上传"
    button = at.get("download_button")[0]
    assert button.proto.label == "下载填报模板（Excel）"
    assert not at.button  # nothing to publish before a workbook is uploaded


def test_broken_workbook_shows_every_problem_and_publishes_nothing(sample_data):
    good = filled(sample_data, month_rows(sample_data, (QINGSHAN,)))
    broken = set_cell(set_cell(good, "rehab_services", 3, "served_count", 999),
                      "assistive_devices", 4, "need_count", "十")
    before = sorted(p.name for p in (sample_data / "snapshots").iterdir())
    at = upload(open_app_page("app_pages/data_upload.py"), "九月.xlsx", broken)
    assert not at.exception
    assert not at.date_input  # the as-of date is the rule's: the month filled in decides it
    assert "数据截止日期：2025-09-30" in " ".join(c.value for c in at.caption)
    problems = table_with(at, "修改方法")
    assert list(problems.columns) == ["工作表", "行", "列", "填写内容", "问题", "修改方法"]
    assert problems[["工作表", "行", "列"]].values.tolist() == [["精准康复服务", "3", "服务人数"],
                                                              ["辅具适配", "4", "需求人数"]]
    assert problems["问题"].iloc[0].startswith("“服务人数”（999）大于“需求人数”")
    assert problems["问题"].iloc[1] == "“十”不是数字"
    assert not [b for b in at.button if b.key == "publish"]
    assert sorted(p.name for p in (sample_data / "snapshots").iterdir()) == before


def test_fixed_workbook_is_published_and_the_sidebar_offers_it(sample_data):
    at = upload(open_app_page("app_pages/data_upload.py"), "九月.xlsx",
                filled(sample_data, month_rows(sample_data, (QINGSHAN,))))
    assert not at.exception
    summary = table_with(at, "新增行数")
    assert summary.set_index("工作表").loc["精准康复服务", "新增行数"] > 0
    # who publishes is the signed-in account (the demo account with REHAB_AUTH=off); a note may go beside it
    assert "填报账号：demo（管理员）" in " ".join(c.value for c in at.caption)
    at.text_input(key="upload_note").input("张三").run()
    at.button(key="publish").click().run()
    assert not at.exception
    assert "已发布数据快照 2025-09-30" in at.success[0].value
    logged = ingest.read_log(sample_data)[-1]["at"]
    assert logged.endswith("+00:00")
    published_at = (dt.datetime.fromisoformat(logged[:-6]) + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert f"（{published_at} 北京时间）" in at.success[0].value
    assert at.file_uploader[0].value is None and not at.status  # a fresh uploader, nothing re-checked
    assert at.sidebar.selectbox(key="snapshot").options[0] == AS_OF.isoformat()
    assert list_snapshots(sample_data)[0].as_of == AS_OF and list_snapshots(sample_data)[0].valid

    at.switch_page("app_pages/snapshots.py")
    at.run()
    assert not at.exception
    listing = table_with(at, "校验")
    newest = listing.iloc[0]
    assert (newest["截止日期"], newest["默认"], newest["来源"], newest["校验"]) == \
        ("2025-09-30", "★ 默认", "导入", "✔ 有效")
    assert listing["默认"].tolist().count("★ 默认") == 1
    by_table = table_with(at, "原行数").set_index("数据表")
    assert by_table.loc["精准康复服务", "新增"] == len(month_rows(sample_data, (QINGSHAN,))["rehab_services"])
    assert by_table.loc["资金投入", ["新增", "删除", "修改"]].tolist() == [0, 0, 0]
    by_region = table_with(at, "区县")
    assert set(by_region["区县"]) == {"青山区"}  # a file for one district changes that district only
    log = table_with(at, "填报人")
    assert log["填报人"].tolist() == ["demo"] and log["备注"].tolist() == ["张三"]
    assert log["文件"].tolist() == ["九月.xlsx"]
    # times in 北京时间 (issue 36), not the UTC the manifest and the log store
    stored = json.loads((list_snapshots(sample_data)[0].path / "manifest.json").read_text(encoding="utf-8"))["created_at"]
    assert stored.endswith("+00:00")
    beijing = (dt.datetime.fromisoformat(stored[:-6]) + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert newest["发布时间（北京时间）"] == beijing
    logged = ingest.read_log(sample_data)[-1]["at"]
    assert log["时间（北京时间）"].tolist() == [
        (dt.datetime.fromisoformat(logged[:-6]) + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")]



def publish_on_page(at, name: str, content: bytes, who: str):
    at = upload(at, name, content)
    at.text_input(key="upload_note").input(who).run()  # the account is the signed-in one; the note beside it
    return at.button(key="publish").click().run()


def test_two_districts_publish_the_same_month_and_the_newest_version_holds_both(sample_data):
    from .seed import YUANHUI
    from .test_publishing import september_rows

    at = open_app_page("app_pages/data_upload.py")
    at = publish_on_page(at, "青山区九月.xlsx", filled(sample_data, month_rows(sample_data, (QINGSHAN,))), "青山区")
    assert not at.exception
    # The second clerk is not told to choose another date: the same month becomes a newer version.
    at = publish_on_page(at, "源汇区九月.xlsx", filled(sample_data, month_rows(sample_data, (YUANHUI,))), "源汇区")
    assert not at.exception and "已发布数据快照 2025-09-30 (v6)" in at.success[0].value
    newest = list_snapshots(sample_data)[0]
    assert newest.version == 6 and newest.as_of == AS_OF
    for district in (QINGSHAN, YUANHUI):
        assert september_rows(newest, district) == len(month_rows(sample_data, (district,))["rehab_services"])
    options = at.sidebar.selectbox(key="snapshot").options
    assert options[:2] == ["2025-09-30", "2025-09-30 (v5)"]

    at.switch_page("app_pages/snapshots.py")
    at.run()
    assert not at.exception
    listing = table_with(at, "校验")
    assert listing["版本"].tolist()[:2] == [6, 5]
    assert at.selectbox(key="compare_newer").options[:2] == ["2025-09-30", "2025-09-30 (v5)"]
    log = table_with(at, "填报人")  # who is the signed-in account (the demo here); the note says which district
    assert log["填报人"].tolist() == ["demo", "demo"] and log["备注"].tolist() == ["源汇区", "青山区"]


def test_a_full_disk_on_publish_is_a_chinese_message_and_nothing_is_published(sample_data, monkeypatch):
    import errno

    from rehabdash.store import snapshots

    def full(path, content):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(snapshots, "_write_synced", full)
    before = sorted(p.name for p in (sample_data / "snapshots").iterdir())
    at = publish_on_page(open_app_page("app_pages/data_upload.py"), "九月.xlsx",
                         filled(sample_data, month_rows(sample_data, (QINGSHAN,))), "张三")
    assert not at.exception
    assert any("磁盘空间不足" in e.value and "未发布任何数据" in e.value for e in at.error)
    assert sorted(p.name for p in (sample_data / "snapshots").iterdir()) == before


def test_the_server_takes_the_largest_file_the_app_reads_and_nginx_takes_the_server_s():
    """server.maxUploadSize (.streamlit/config.toml) against the limits the readers keep: a workbook
    of 50 MB (the issue's figure) and a boundary file of REHAB_BOUNDARY_MAX_MB's default."""
    import tomllib

    from rehabdash.ingest import reader
    from rehabdash.kernel.config import BoundaryLimits
    from tools import deploy

    server = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]
    assert server["maxUploadSize"] == 50 == reader.MAX_FILE_BYTES / 2**20 == BoundaryLimits().max_mb
    assert deploy.Settings().max_upload_mb == 50
    assert "client_max_body_size 51m;" in deploy.nginx_site(deploy.Settings())
    assert ["--server.maxUploadSize", "50"] in [deploy.replica_command(deploy.Settings(), 8501)[i:i + 2]
                                                for i in range(20)]
