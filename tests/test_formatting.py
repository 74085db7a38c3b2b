import datetime as dt

from rehabdash.kernel import formatting as fmt


def test_money_in_wan_yuan():
    assert fmt.wan_yuan(17_640_000) == "1764万元"
    assert fmt.wan_yuan(17_640_000, "en") == "1,764 × 10k yuan"
    assert fmt.wan_yuan(1_384_900) == "138.49万元"
    assert fmt.wan_yuan(600_000) == "60万元"
    assert fmt.wan_yuan(600_000, "en") == "60 × 10k yuan"
    assert fmt.wan_yuan(None) == "—"


def test_rates_as_the_seeds_print_them():
    assert fmt.rate(6260 / 6287) == "99.57%"
    assert fmt.rate(2017 / 2021) == "99.8%"
    assert fmt.rate(1.0) == "100%"
    assert fmt.completion(6260 / 5660) == "110.6%"
    assert fmt.completion(2017 / 1820) == "110.8%"
    assert fmt.completion(182 / 100) == "182%"
    assert fmt.rate(None) == "—"


def test_dates_in_chinese():
    assert fmt.month(dt.date(2024, 12, 1)) == "2024年12月"
    assert fmt.month(dt.date(2024, 12, 1), "en") == "Dec 2024"
    assert fmt.date(dt.date(2025, 8, 31)) == "2025年8月31日"


def test_change_has_a_sign():
    assert fmt.change(0.5179) == "+51.8%"
    assert fmt.change(-0.032) == "-3.2%"


def test_counts_group_digits_in_english_only():
    assert fmt.count(6260) == "6260"
    assert fmt.count(6260, "en") == "6,260"
    assert fmt.count(None) == "—"


def test_a_change_that_shows_as_zero_reads_flat():
    """Issue 36: '↑ +0.0%' for an unchanged figure; 持平 (unchanged) is what an official writes."""
    assert fmt.change(0.0) == "持平" and fmt.change(0.0, "en") == "unchanged"
    assert fmt.change(0.0004) == "持平" and fmt.change(-0.0004) == "持平"  # would show as ±0.0%
    assert fmt.change(0.0006) == "+0.1%"
    assert fmt.points(0.0) == "持平" and fmt.points(0.0, "en") == "unchanged"
    assert fmt.points(0.0104) == "+1.04"


def test_publish_times_read_in_beijing_time():
    """Issue 36: publish times were shown in UTC; 北京时间 is UTC+8 all year."""
    assert fmt.beijing_time("2025-09-30T17:20:05+00:00") == "2025-10-01 01:20"
    assert fmt.beijing_time(dt.datetime(2025, 1, 1, 0, 0, tzinfo=dt.UTC)) == "2025-01-01 08:00"
    assert fmt.beijing_time("2025-06-01T08:00:00+08:00") == "2025-06-01 08:00"
    assert fmt.beijing_time(None) == "" and fmt.beijing_time(float("nan")) == ""


def test_english_region_names_official_where_they_exist_else_pinyin_with_the_level_translated():
    """Issue 36: 'Baotouxitugaoxinjishuchanye' for 包头稀土高新技术产业开发区."""
    assert fmt.region_name("包头稀土高新技术产业开发区", "en") == "包头稀土高新技术产业开发区 Baotou Rare Earth High-tech Zone"
    assert fmt.region_name("白云鄂博矿区", "en").endswith(" Bayan Obo Mining District")
    assert fmt.region_name("达尔罕茂明安联合旗", "en").endswith(" Darhan Muminggan United Banner")
    assert fmt.english_name("先锋道街道") == "Xianfengdao Subdistrict"
    assert fmt.english_name("吉忽伦图苏木") == "Jihuluntu Sumu"
    assert fmt.english_name("海子乡") == "Haizi Township" and fmt.english_name("金山镇") == "Jinshan Town"
    assert fmt.english_name("某某旗") == "Moumou Banner" and fmt.english_name("某某县") == "Moumou County"
    assert fmt.english_name("西安区") == "Xi'an District"  # the syllable boundary marked
    assert fmt.region_name("青山区", "zh") == "青山区"


def test_a_unit_that_keeps_its_place_reads_unchanged_not_zero():
    assert [fmt.rank_change(v) for v in (2, -1, 0, None)] == ["↑2", "↓1", "→持平", "—"]
    assert fmt.rank_change(0, "en") == "→unchanged"


def test_a_change_reads_with_its_sign_and_no_change_reads_unchanged():
    assert [fmt.amount_change(v) for v in (12, -3.5, 0, 0.0, None)] == ["+12", "-3.5", "持平", "持平", "—"]
    assert fmt.amount_change(1234, "en") == "+1,234"
