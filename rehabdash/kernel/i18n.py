"""One catalogue of UI text and code labels per language, in rehabdash/locales/<lang>.toml."""
from __future__ import annotations

import functools
from pathlib import Path

import tomllib

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
_LOCALES = Path(__file__).parent / "locales"


@functools.cache
def catalogue(lang: str) -> dict:
    with open(_LOCALES / f"{lang}.toml", "rb") as handle:
        return tomllib.load(handle)


def text(lang: str, key: str, **values) -> str:
    """The string at dotted `key` ('overview.title'), with {placeholders} filled from `values`."""
    node = catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    for part in key.split("."):
        node = node[part]
    return node.format(**values) if values else node


def code_label(lang: str, code_list: str, code: str) -> str:
    """Label of a contract code ('tier', 'village_room' → '村（社区）康复室'); the code itself if unknown."""
    return catalogue(lang)["codes"][code_list].get(code, code)
