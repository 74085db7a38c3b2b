"""The boundary polygons the maps draw: district and (approximate) township GeoJSON, WGS-84.

The files are data: the data directory's own `boundaries/` folder if it has one, else those shipped in
data/boundaries/ (built by `python -m tools.boundaries`, see data/BOUNDARIES.md).
"""
from __future__ import annotations

import json
from pathlib import Path

from rehabdash.kernel.config import PROJECT_DIR, data_dir

SHIPPED_DIR = PROJECT_DIR / "data" / "boundaries"
FILES = {"districts": "districts.geojson", "townships": "townships_approx.geojson"}


def path(kind: str) -> Path:
    """The boundaries file of ``kind`` ('districts' or 'townships'): the data directory's own
    ``boundaries/`` folder if it has one, else the files shipped in data/boundaries/."""
    name = FILES[kind]
    own = data_dir() / "boundaries" / name
    return own if own.is_file() else SHIPPED_DIR / name


def load(kind: str) -> dict:
    """The GeoJSON FeatureCollection of ``kind`` ('districts' or 'townships'), WGS-84."""
    return json.loads(path(kind).read_text(encoding="utf-8"))
