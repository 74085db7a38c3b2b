"""The docs stay true to the tree: the README is one page, every relative link leads to a file that
exists, and every setting the code reads is in the README's configuration table."""
from __future__ import annotations

import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DOCS = [PROJECT / "README.md", PROJECT / "deploy" / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_readme_is_one_page():
    assert len((PROJECT / "README.md").read_text(encoding="utf-8").splitlines()) <= 200


def test_every_relative_link_resolves():
    broken = []
    for doc in DOCS:
        for target in LINK.findall(doc.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(PROJECT)} → {target}")
    assert broken == []


def test_every_setting_is_documented():
    read = set()
    for source in (PROJECT / "rehabdash").rglob("*.py"):
        read |= set(re.findall(r"\"(REHAB_[A-Z_]+)\"", source.read_text(encoding="utf-8")))
    table = (PROJECT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(REHAB_[A-Z_]+)` \|", table, flags=re.M))
    assert read - documented == set()
