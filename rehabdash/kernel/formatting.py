"""How figures read on screen and in exports: 万元 for money, 2024年12月 for months, rates as officials write them."""
from __future__ import annotations

import datetime as dt
import math

WAN = 10_000


def _trim(number: float, decimals: int, grouped: bool = False) -> str:
    # Chinese reports write 6260人 and 1764万元 without thousands separators; English groups digits.
    text = f"{number:,.{decimals}f}" if grouped else f"{number:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def wan_yuan(yuan: float | None, lang: str = "zh") -> str:
    """17_640_000 → '1764万元' (zh) / '1,764 × 10k yuan' (en), with up to two decimals."""
    if is_missing(yuan):
        return "—"
    number = _trim(yuan / WAN, 2, grouped=lang != "zh")
    return f"{number}万元" if lang == "zh" else f"{number} × 10k yuan"


def count(value: float | None, lang: str = "zh") -> str:
    if is_missing(value):
        return "—"
    return f"{int(round(value))}" if lang == "zh" else f"{int(round(value)):,}"


def rate(share: float | None) -> str:
    """Service, fitting and coverage rates with two decimals as the seeds print them: 99.57%, 99.8%, 100%."""
    return "—" if is_missing(share) else f"{_trim(share * 100, 2)}%"


def completion(share: float | None) -> str:
    """Task completion and time progress with one decimal: 110.6%, 182%."""
    return "—" if is_missing(share) else f"{_trim(share * 100, 1)}%"


def unchanged(lang: str = "zh") -> str:
    """THE word for a change that shows as zero: 持平 / unchanged (never '↑ +0.0%')."""
    return "持平" if lang == "zh" else "unchanged"


def change(share: float | None, lang: str = "zh") -> str:
    """Year-on-year change with a sign: +51.8%, -3.2%; 持平 where it shows as zero."""
    if is_missing(share):
        return "—"
    text = f"{share * 100:+.1f}%"
    return unchanged(lang) if float(text[:-1]) == 0 else text


def points(difference: float | None, lang: str = "zh") -> str:
    """Change of a rate in percentage points, signed, two decimals like the rates: +1.04, -0.5; 持平
    where it shows as zero."""
    if is_missing(difference):
        return "—"
    size = _trim(abs(difference) * 100, 2)
    return unchanged(lang) if float(size) == 0 else ("-" if difference < 0 else "+") + size


def rank_change(change: float | None, lang: str = "zh") -> str:
    """Change of 名次 since the previous snapshot, up positive: ↑2, ↓1, →持平 (the same place)."""
    if is_missing(change):
        return "—"
    change = int(change)
    return f"↑{change}" if change > 0 else (f"↓{-change}" if change < 0 else f"→{unchanged(lang)}")


def month(day: dt.date, lang: str = "zh") -> str:
    return f"{day.year}年{day.month}月" if lang == "zh" else day.strftime("%b %Y")


def date(day: dt.date, lang: str = "zh") -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


# 北京时间: China keeps UTC+8 all year (no summer time since 1991), so no time-zone database is needed.
BEIJING = dt.timezone(dt.timedelta(hours=8))


def beijing_time(moment) -> str:
    """THE way a moment (publish, import) is shown: '2025-09-01 16:05' in 北京时间, the words naming the
    zone in the heading or sentence around it. Takes a datetime or an ISO string as the manifests and
    the import log store them (UTC with its offset; one without an offset is read as UTC)."""
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if not isinstance(moment, dt.datetime) or str(moment) == "NaT":  # None, NaN, pandas' NaT
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def amount(value: float | None, lang: str = "zh") -> str:
    """A figure in its own unit (persons, sites, 万元): whole numbers as counts, else two decimals."""
    if is_missing(value):
        return "—"
    if float(value).is_integer():
        return count(value, lang)
    return _trim(value, 2, grouped=lang != "zh")


def amount_change(value: float | None, lang: str = "zh") -> str:
    """A change of a figure in its own unit: '+12', '-3.5', and 持平 where nothing changed."""
    if is_missing(value):
        return "—"
    if float(value) == 0:
        return unchanged(lang)
    return ("+" if value > 0 else "-") + amount(abs(value), lang)


def money(yuan: float | None, lang: str = "zh") -> str:
    """Money for a headline that must not be cut: '1884.77万元' (zh) / 'CNY 18.85 m' (en): English
    readers count in millions, and 'CNY 18.85 m' is as short as the Chinese."""
    if is_missing(yuan):
        return "—"
    if lang == "zh":
        return wan_yuan(yuan, lang)
    return f"CNY {yuan / 1_000_000:,.2f} m"


# English readers get a Chinese region name's English beside it: the official English name where
# there is one (the sample's units, as their governments write them), else the name spelled in pinyin
# (Hanyu Pinyin for place names, GB/T 16159: the syllables of the proper name as one word, an
# apostrophe where a syllable starting with a, o or e would run into the one before: Xi'an) with the
# administrative word translated. Longer words first: 开发区 before 区, 联合旗 before 旗.
OFFICIAL_ENGLISH = {
    "包头市": "Baotou City", "东河区": "Donghe District", "昆都仑区": "Kundulun District",
    "青山区": "Qingshan District", "石拐区": "Shiguai District", "白云鄂博矿区": "Bayan Obo Mining District",
    "九原区": "Jiuyuan District", "土默特右旗": "Tumed Right Banner", "固阳县": "Guyang County",
    "达尔罕茂明安联合旗": "Darhan Muminggan United Banner",
    "包头稀土高新技术产业开发区": "Baotou Rare Earth High-tech Zone",
    "漯河市": "Luohe City", "源汇区": "Yuanhui District",
}
_LEVEL_WORDS = (("高新技术产业开发区", "High-tech Zone"), ("经济技术开发区", "Economic and Technological Development Zone"),
                ("开发区", "Development Zone"), ("矿区", "Mining District"), ("自治县", "Autonomous County"),
                ("自治旗", "Autonomous Banner"), ("联合旗", "United Banner"), ("左旗", "Left Banner"),
                ("右旗", "Right Banner"), ("前旗", "Front Banner"), ("中旗", "Middle Banner"), ("后旗", "Rear Banner"),
                ("街道", "Subdistrict"), ("苏木", "Sumu"), ("区", "District"), ("县", "County"), ("旗", "Banner"),
                ("市", "City"), ("镇", "Town"), ("乡", "Township"))


def _pinyin(stem: str) -> str:
    """'昆都仑' → 'Kundulun', '西安' → "Xi'an": one word, apostrophes where syllables would run together."""
    from pypinyin import lazy_pinyin

    syllables = [s for s in lazy_pinyin(stem) if s.strip()]
    spelled = "".join(("'" + s) if n and s[:1] in "aoe" and syllables[n - 1][-1:].isalpha() else s
                      for n, s in enumerate(syllables))
    return spelled[:1].upper() + spelled[1:]


def english_name(name: str) -> str:
    """The English of a Chinese region name: 'Baotou Rare Earth High-tech Zone', 'Xianfengdao Subdistrict'."""
    name = name.split("（")[0]  # '样例街道（示例单元）': the name before a note
    if name in OFFICIAL_ENGLISH:
        return OFFICIAL_ENGLISH[name]
    for suffix, english in _LEVEL_WORDS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return f"{_pinyin(name[: -len(suffix)])} {english}"
    return _pinyin(name)


def region_name(name: str, lang: str = "zh") -> str:
    """'东河区' (zh) / '东河区 Donghe District' (en); names without Chinese stay as they are."""
    if lang == "zh" or not any("\u4e00" <= ch <= "\u9fff" for ch in name):
        return name
    return f"{name} {english_name(name)}"


def wan_words(yuan: float | None, lang: str = "zh") -> str:
    """Money in 万元 in running text: '1884.77万元' (zh) / '1,884.77 ten-thousand yuan' (en), the same
    number the tables show under their unit."""
    if is_missing(yuan):
        return "—"
    return wan_yuan(yuan, lang) if lang == "zh" else f"{_trim(yuan / WAN, 2, grouped=True)} ten-thousand yuan"
