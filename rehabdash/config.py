"""Where the data lives and the few settings an operator may change, all from the environment."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_DIR / "queries"


def data_dir() -> Path:
    """The data directory: REHAB_DATA_DIR if set, else the sample data shipped in data/."""
    return Path(os.environ.get("REHAB_DATA_DIR") or PROJECT_DIR / "data")


def amber_margin() -> float:
    """How far below 序时进度 (as a share, 0.05 = 5 points) an indicator is amber rather than red."""
    return float(os.environ.get("REHAB_AMBER_MARGIN", "0.05"))
