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


def rank_change(change: float | None) -> str:
    """Change of 名次 since the previous snapshot, up positive: ↑2, ↓1, →0."""
    if is_missing(change):
        return "—"
    change = int(change)
    return f"↑{change}" if change > 0 else (f"↓{-change}" if change < 0 else "→0")


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
    if moment is None or moment == "" or moment != moment:  # None, '', NaN, NaT
        return ""
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def amount(value: float | None, lang: str = "zh") -> str:
    """A figure in its own unit (persons, sites, 万元): whole numbers as counts, else two decimals."""
    if is_missing(value):
        return "—"
    if float(value).is_integer():
        return count(value, lang)
    return _trim(value, 2, grouped=lang != "zh")


def money(yuan: float | None, lang: str = "zh") -> str:
    """Money for a headline that must not be cut: '1884.77万元' (zh) / 'CNY 18.85 m' (en): English
    readers count in millions, and 'CNY 18.85 m' is as short as the Chinese."""
    if is_missing(yuan):
        return "—"
    if lang == "zh":
        return wan_yuan(yuan, lang)
    return f"CNY {yuan / 1_000_000:,.2f} m"


# English readers get the pinyin beside a Chinese region name, with the level word translated.
_LEVEL_WORDS = (("街道", "Subdistrict"), ("开发区", "Development Zone"), ("矿区", "Mining District"),
                ("区", "District"), ("县", "County"), ("旗", "Banner"), ("市", "City"), ("镇", "Town"),
                ("乡", "Township"))


def region_name(name: str, lang: str = "zh") -> str:
    """'东河区' (zh) / '东河区 Donghe District' (en); names without Chinese stay as they are."""
    if lang == "zh" or not any("\u4e00" <= ch <= "\u9fff" for ch in name):
        return name
    from pypinyin import lazy_pinyin

    stem, word = name, ""
    for suffix, english in _LEVEL_WORDS:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem, word = name[: -len(suffix)], english
            break
    stem = stem.split("（")[0]  # '样例街道（示例单元）': the name before a note
    spelled = "".join(lazy_pinyin(stem)).capitalize()
    return f"{name} {spelled}{' ' + word if word else ''}"


def wan_words(yuan: float | None, lang: str = "zh") -> str:
    """Money in 万元 in running text: '1884.77万元' (zh) / '1,884.77 ten-thousand yuan' (en), the same
    number the tables show under their unit."""
    if is_missing(yuan):
        return "—"
    return wan_yuan(yuan, lang) if lang == "zh" else f"{_trim(yuan / WAN, 2, grouped=True)} ten-thousand yuan"
