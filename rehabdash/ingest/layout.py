"""The workbook's layout, shared by the template and the import: sheet names, headers, code lists.

Sheet names, headers and the instructions come from the locales ([template] in zh.toml / en.toml), so a
template made in either language, or with the contract's own column names as headers, reads back.
"""
from __future__ import annotations

import re
import unicodedata

from rehabdash.kernel import i18n
from rehabdash.kernel.contract import CODE_LISTS, TABLES
from rehabdash.kernel.formatting import WAN  # 1 万元 = 10 000 元

# Which [codes.*] list of the locales labels each coded column: the column's name, except for the
# `kind` columns, whose lists are named after their tables.
LABEL_LISTS: dict[tuple[str, str], str] = {
    **{key: key[1] for key in CODE_LISTS},
    ("institutions", "kind"): "institution_kind",
    ("device_stations", "kind"): "station_kind",
    ("activities", "kind"): "activity_kind",
    ("programs", "kind"): "project_kind",
    ("programs", "measure"): "project_measure",
    ("site_tasks", "stage"): "task_stage",
    ("follow_ups", "kind"): "follow_up_kind",
    ("assessments", "round"): "assessment_round",
}

# Columns that hold a region code, and the region levels each accepts. Monthly figures sit at township
# level: a district row next to its townships' rows would be counted twice by every query.
REGION_COLUMNS: dict[tuple[str, str], tuple[str, ...]] = {
    ("regions", "region_code"): ("city", "district", "township", "village"),
    ("regions", "parent_code"): ("city", "district", "township"),
    ("facilities", "region_code"): ("district", "township", "village"),
    ("institutions", "region_code"): ("district", "township", "village"),
    ("pairings", "township_code"): ("township",),
    ("funding", "region_code"): ("city", "district"),
    ("rehab_services", "region_code"): ("township",),
    ("child_rehab", "region_code"): ("township",),
    ("assistive_devices", "region_code"): ("township",),
    ("device_stations", "region_code"): ("district", "township", "village"),
    ("targets", "region_code"): ("district",),
    ("activities", "region_code"): ("township",),
    ("programs", "region_code"): ("city", "district"),
}

# What the template gained after clerks had it, by the month of the release: a workbook filled in on a
# template from before may lack these sheets and columns and is still read (reader.read_workbook). A
# sheet it lacks imports nothing of its table, whose published rows stay; a column it lacks is empty in
# the rows it adds and keeps its published value in the rows it replaces (publish.merge).
ADDED_SHEETS: dict[str, str] = dict.fromkeys(  # 定点机构's follow-ups, assessments, alliances (issue 32)
    ("follow_ups", "assessments", "alliances", "outcomes", "services_added"), "2026-12")
ADDED_COLUMNS: dict[tuple[str, str], str] = {  # a loan's borrower and outcome (信用积分, issue 32)
    ("device_loans", "borrower_ref"): "2026-12",
    ("device_loans", "loan_status"): "2026-12",
}

MONTH_COLUMNS = frozenset({"period"})  # a month, stored as its first day
YEAR_COLUMNS = frozenset({"year", "planned_year"})
COORDINATES = ("lon", "lat")
# How a clerk may write a datum, once normalised; CGCS2000 (天地图) is WGS-84 at a map's precision.
DATUMS = {"WGS84": "wgs84", "CGCS2000": "wgs84", "GCJ02": "gcj02"}


def is_money(column: str) -> bool:
    return column.endswith("_yuan")


def normal(text: str) -> str:
    """Full-width letters, digits and punctuation to their ASCII forms (NFKC), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def sheet_name(table: str, lang: str) -> str:
    return i18n.text(lang, f"template.sheets.{table}")


def header(column: str, lang: str) -> str:
    """The header a clerk sees. Money headers carry no unit: the instructions sheet declares it (元 by
    default), and a clerk may write one into a header ('下达资金（万元）') to override it."""
    return i18n.text(lang, f"template.columns.{column}")


def special_sheet(kind: str, lang: str) -> str:
    """Name of a sheet that is not a table: 'instructions', 'codes' or 'region_list'."""
    return i18n.text(lang, f"template.{kind}_sheet")


_UNIT = re.compile(r"^(.*?)\s*[(]\s*([^()]*?)\s*[)]$", re.S)  # re.S: Alt+Enter line breaks


def split_header(text: str) -> tuple[str, str]:
    """'下达资金（万元）' → ('下达资金', '万元'); a header without a trailing bracket has no unit."""
    flat = normal(text)
    match = _UNIT.match(flat)
    return (match.group(1), match.group(2)) if match else (flat, "")


# Dashes and tildes clerks type between numbers ('0-3岁', '4～6岁', '7—14岁') read as the label's en dash.
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−﹣~〜"})
_SPACE = re.compile(r"\s+")


def match_key(text: str) -> str:
    """How names are compared: 'Region code', 'region_code' and 'ＲＥＧＩＯＮ ＣＯＤＥ' are the same, and so are
    a header with a line break made with Alt+Enter ('需求⏎人数') and one without, and '0-3岁' and '0–3岁'."""
    return _SPACE.sub("", normal(text).casefold()).replace("_", "").translate(_DASHES)


def sheet_lookup() -> dict[str, str]:
    """Normalised sheet name (any language, or the table's own name) → table."""
    found = {}
    for table in TABLES:
        for lang in i18n.LANGUAGES:
            found[match_key(sheet_name(table, lang))] = table
        found[match_key(table)] = table
    return found


def column_lookup(table: str) -> dict[str, str]:
    """Normalised header without its unit (any language, or the column's own name) → column."""
    found = {}
    for column in TABLES[table]:
        for lang in i18n.LANGUAGES:
            found[match_key(split_header(header(column, lang))[0])] = column
        found[match_key(column)] = column
    return found


def code_labels(table: str, column: str) -> dict[str, str]:
    """Every way a code may be written (the code, its label in each language) → the code."""
    code_list = LABEL_LISTS[(table, column)]
    found: dict[str, set[str]] = {}
    for code in CODE_LISTS[(table, column)]:
        found.setdefault(match_key(code), set()).add(code)
        for lang in i18n.LANGUAGES:
            found.setdefault(match_key(i18n.code_label(lang, code_list, code)), set()).add(code)
    # Only where unambiguous: a way of writing that two codes share after folding names neither.
    return {key: codes.pop() for key, codes in found.items() if len(codes) == 1}


def code_label(table: str, column: str, code: str, lang: str) -> str:
    return i18n.code_label(lang, LABEL_LISTS[(table, column)], code)


def money_unit_factor(unit: str) -> int | None:
    """'元' → 1, '万元' → 10 000 (either language); None for anything else."""
    key = match_key(unit)
    for lang in i18n.LANGUAGES:
        if key == match_key(i18n.text(lang, "template.yuan")):
            return 1
        if key == match_key(i18n.text(lang, "template.wan_yuan")):
            return WAN
    return None


def datum_of(text: str) -> str | None:
    """'GCJ-02' / 'gcj02' / 'WGS 84' → 'gcj02' / 'wgs84'; None when unrecognised."""
    return DATUMS.get(match_key(text).replace("-", "").upper())
