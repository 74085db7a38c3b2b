"""AppTest of the entry script and the overview page: runs clean, filters change figures, URL restores."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

from .apptest_reads import metrics
from .conftest import start_app
from .seed import BAOTOU, NEWEST


def start(**query) -> AppTest:
    return start_app(**query)


def test_app_runs_in_chinese_with_sample_badge():
    at = start()
    assert not at.exception, at.exception
    assert at.title[0].value == "总览"
    assert any("示例数据" in i.value for i in at.sidebar.info)
    assert at.selectbox(key="snapshot").value == NEWEST.isoformat()
    assert at.selectbox(key="city").value == BAOTOU


def test_baotou_2024_headline_figures():
    at = start(year="2024")
    assert not at.exception
    shown = metrics(at)
    assert shown["精准康复服务人数"] == "6260"
    assert shown["辅具适配人数"] == "2017"
    assert shown["残疾儿童康复救助人数"] == "814"
    assert shown["康复资金支出"] == "1764万元"
    captions = " ".join(c.value for c in at.caption)
    assert "完成年度任务 110.6%" in captions and "精准康复服务率 99.57%" in captions
    assert "完成年度任务 110.8%" in captions and "辅具适配率 99.8%" in captions


def test_choosing_a_district_changes_every_figure():
    at = start(year="2024")
    city_figures = metrics(at)
    at.selectbox(key="district").select("150204000000").run()
    assert not at.exception
    district_figures = metrics(at)
    assert set(district_figures) == set(city_figures)
    for label, value in city_figures.items():
        assert district_figures[label] != value, label
    assert "青山区" in at.caption[0].value


def test_query_parameters_restore_the_view():
    at = start(year="2024", district="青山区")
    assert not at.exception
    assert at.selectbox(key="district").value == "150204000000"
    assert at.selectbox(key="year").value == 2024
    assert "包头市 / 青山区" in at.caption[0].value


def test_township_options_follow_the_district():
    at = start(district="青山区")
    townships = at.selectbox(key="township").options
    assert len(townships) > 1
    at.selectbox(key="city").select("411100000000").run()
    assert not at.exception
    assert at.selectbox(key="district").value == ""  # 青山区 is not in 漯河市: back to 全部


def test_english_switch():
    at = start(lang="English")
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert "Persons given precise rehab services" in metrics(at)


def test_a_damaged_snapshot_is_refused_with_a_warning(sample_data):
    from .seed import snapshot

    damaged = sample_data / "snapshots" / snapshot(NEWEST).path.name / "rehab_services.parquet"
    damaged.write_bytes(b"not parquet")
    at = start(snapshot=NEWEST.isoformat())
    assert not at.exception
    assert any("2025-08-31" in w.value and "校验和不符" in w.value for w in at.sidebar.warning)
    assert at.selectbox(key="snapshot").value == "2025-06-30"
    assert NEWEST.isoformat() not in at.selectbox(key="snapshot").options
    assert any("已改用最新的有效快照 2025-06-30" in w.value for w in at.sidebar.warning)

    # The snapshot page lists the refused one as such, makes the newest valid one the default and
    # compares valid snapshots only.
    at.switch_page("app_pages/snapshots.py")
    at.run()
    assert not at.exception
    listing = next(d.value for d in at.dataframe if "校验" in d.value.columns).set_index("截止日期")
    assert listing.loc[NEWEST.isoformat(), "校验"] == "✖ 未通过：数据表 rehab_services 的校验和不符"
    assert listing.loc[NEWEST.isoformat(), "默认"] == ""
    assert listing.loc["2025-06-30", ["校验", "默认"]].tolist() == ["✔ 有效", "★ 默认"]
    assert NEWEST.isoformat() not in at.selectbox(key="compare_newer").options


def rot_in_place(path: Path) -> None:
    """Change a byte of the file and keep its size and modification time, as a disk error would: the
    folder listing the app keeps does not see it, only the checksum does."""
    import os

    stat = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_snapshot_damaged_while_the_app_runs_gives_the_next_first_load_a_warning(tmp_path, monkeypatch):
    """The newest version rots after the app has listed it: a new session (no choice of its own yet)
    gets the Chinese warning and the newest valid version, never a KeyError of the session state."""
    import shutil

    from .seed import snapshot

    shutil.copytree(snapshot(NEWEST).path.parent, tmp_path / "snapshots")
    monkeypatch.setenv("REHAB_DATA_DIR", str(tmp_path))
    assert start().selectbox(key="snapshot").value == NEWEST.isoformat()  # listed, checked and kept
    rot_in_place(tmp_path / "snapshots" / snapshot(NEWEST).path.name / "funding.parquet")
    for query in ({}, {"snapshot": NEWEST.isoformat()}):
        at = start(**query)
        assert not at.exception, at.exception
        assert any(NEWEST.isoformat() in w.value and "校验和不符" in w.value for w in at.sidebar.warning)
        assert at.selectbox(key="snapshot").value == "2025-06-30"
        assert at.title[0].value == "总览" and at.metric  # the page drawn on the fallback


def test_no_data_directory_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("REHAB_DATA_DIR", str(tmp_path))
    at = start()
    assert not at.exception
    # a fresh deployment is set up, not filled with sample data (issue 33)
    message = at.sidebar.error[0].value
    assert "新部署" in message and "python -m rehabdash setup" in message and "tools.sample" not in message


def test_overview_against_targets_at_the_year_end_snapshot():
    at = start(year="2024", snapshot="2024-12-31")
    assert not at.exception
    table = at.table[0].value.set_index("指标")
    assert table.loc["精准康复服务人数", ["完成数", "完成率", "状态"]].tolist() == ["6260", "110.6%", "✔ 达标"]
    assert table.loc["辅具适配人数", ["完成数", "完成率"]].tolist() == ["2017", "110.8%"]
    assert table.loc["白内障复明手术例数", ["完成数", "年度任务", "完成率"]].tolist() == ["182", "100", "182%"]
    assert table.loc["残疾儿童康复救助人数", "完成数"] == "814"
    assert (table["序时进度"] == "100%").all()
    assert [b.label for b in at.get("download_button")][-1:] == ["下载全部表格（Excel）"]
    at.button(key="make_pptx").click().run()  # the deck is built when asked for
    assert not at.exception
    assert [b.label for b in at.get("download_button")][-2:] == [
        "下载调度会简报（PPT）", "下载全部表格（Excel）"]


def test_meeting_mode_is_a_url_parameter():
    at = start(meeting="true")
    assert not at.exception
    assert at.toggle(key="meeting").value is True
    assert at.button(key="exit_meeting").label == "退出会议模式"
    at.button(key="exit_meeting").click().run()
    assert at.toggle(key="meeting").value is False


def banner_text(at: AppTest) -> str:
    """What the meeting banner reads: its texts and the scope its switch shows."""
    banner = next(block for block in at.main.children.values() if getattr(block, "key", None) == "meeting_banner")
    texts = [str(e.value) for e in banner if e.type == "markdown"]
    switch = at.selectbox(key="meeting_scope")
    return " · ".join([switch.options[switch.index], *texts])


def test_meeting_banner_names_the_scope_once():
    at = start(meeting="true", year="2025")
    assert not at.exception
    text = banner_text(at)
    assert text.count("包头市") == 1, text
    assert "2025年" in text and "数据截至 2025年8月31日" in text and "样例数据" in text
    at.selectbox(key="meeting_scope").select("150200000000|150204000000|").run()  # 青山区
    text = banner_text(at)
    assert text.count("包头市") == 1 and text.count("青山区") == 1, text
