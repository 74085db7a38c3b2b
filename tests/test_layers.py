"""The layers of the tree, as docs/architecture.md draws them, checked on every module's imports.

A module may import its own package and the layers below it, never one above; the kernel and the
topics import no Streamlit, folium, plotly or DuckDB; the runtime package never imports the build
tools; pages reach the data only through the library.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PACKAGE = PROJECT / "rehabdash"

# Lowest first. A package may import packages of a lower rank only (and itself).
RANKS = {"kernel": 0, "store": 1, "access": 2, "topics": 3, "ingest": 4, "charts": 5, "maps": 5,
         "export": 6, "ui": 7}
DRAWING = {"streamlit", "folium", "branca", "streamlit_folium", "plotly", "duckdb", "pptx", "openpyxl"}
PURE = {"kernel": DRAWING, "topics": DRAWING}


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def layer_of(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None


def imported(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import; the tree uses absolute imports"
            base = node.module or ""
            names.append(base)
            if base in ("rehabdash",) or base.startswith("rehabdash.") and base.count(".") == 1:
                names += [f"{base}.{alias.name}" for alias in node.names]
    return names


def imported_layers(path: Path) -> set[str]:
    return {name.split(".")[1] for name in imported(path)
            if name.startswith("rehabdash.") and name.split(".")[1] in RANKS}


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PROJECT)))
def test_no_module_imports_a_higher_layer(path):
    layer = layer_of(path)
    if layer not in RANKS:
        return  # rehabdash/__init__.py and __main__.py sit above every layer
    above = {other for other in imported_layers(path) - {layer} if RANKS[other] >= RANKS[layer]}
    assert not above, f"{path.relative_to(PROJECT)} ({layer}) imports {sorted(above)}"


@pytest.mark.parametrize("path", [p for p in modules() if layer_of(p) in PURE],
                         ids=lambda p: str(p.relative_to(PROJECT)))
def test_kernel_and_topics_draw_nothing(path):
    roots = {name.split(".")[0] for name in imported(path)}
    assert not roots & PURE[layer_of(path)], f"{path.relative_to(PROJECT)} imports {sorted(roots & DRAWING)}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PROJECT)))
def test_runtime_never_imports_the_build_tools(path):
    assert not [n for n in imported(path) if n == "tools" or n.startswith("tools.")]


@pytest.mark.parametrize("path", sorted((PROJECT / "app_pages").glob("*.py")) + [PROJECT / "app.py"],
                         ids=lambda p: p.name)
def test_pages_reach_data_through_the_library(path):
    roots = {name.split(".")[0] for name in imported(path)}
    assert not roots & {"duckdb", "pyarrow", "sqlite3", "openpyxl", "pptx"}
    assert "rehabdash.store.db" not in imported(path) or path.name == "app.py"
    source = path.read_text(encoding="utf-8")
    assert "read_parquet" not in source and "SELECT " not in source.upper().replace("SELECTBOX", "")


def test_the_layer_map_is_complete():
    """Every subpackage has a rank, so a new one cannot slip past the direction test."""
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(RANKS)


PAGE_SOURCES = sorted((PROJECT / "app_pages").glob("*.py")) + [PROJECT / "app.py"]


@pytest.mark.parametrize("path", PAGE_SOURCES, ids=lambda p: p.name)
def test_pages_import_through_the_ingest_facade(path):
    """rehabdash/ingest/__init__.py is the import's surface: no page reaches into its submodules."""
    assert not [n for n in imported(path) if n.startswith("rehabdash.ingest.")]
    assert not re.search(r"\bingest\.[a-z_]+\.", path.read_text(encoding="utf-8"))


def test_ui_exports_what_the_pages_use():
    """Every name rehabdash/ui/__init__.py re-exports is used as ui.<name> by app.py or a page."""
    tree = ast.parse((PACKAGE / "ui" / "__init__.py").read_text(encoding="utf-8"))
    exported = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for alias in node.names if node.module != "__future__"}
    used = set(re.findall(r"\bui\.([A-Za-z_]+)", " ".join(p.read_text(encoding="utf-8") for p in PAGE_SOURCES)))
    assert exported and not exported - used


def test_every_page_is_in_the_pages_table():
    """app.py, the role gate and the tests take the pages from access.pages (PAGES and the wall screen):
    none is left out."""
    from rehabdash.access.pages import PAGES, WALL

    every = (*PAGES, WALL)  # the wall screen runs alone, behind the same gate (app.py)
    assert sorted(p.script for p in every) == sorted(f"app_pages/{p.name}" for p in (PROJECT / "app_pages").glob("*.py"))
    assert len({p.url_path for p in every}) == len(every)
