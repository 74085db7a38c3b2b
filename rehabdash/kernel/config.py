"""Where the data lives and the few settings an operator may change, all from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
QUERIES_DIR = PROJECT_DIR / "queries"


# Every environment variable the dashboard reads (a test greps the sources for others). Results
# cached by their inputs (kernel.memo) are keyed by these too, so a setting changed under a running
# process (tests do) never serves a result computed under the old one.
SETTINGS = (
    "REHAB_DATA_DIR", "REHAB_AMBER_MARGIN", "REHAB_SUPPRESS_BELOW", "REHAB_INSTANCE_DIR", "REHAB_AUTH",
    "REHAB_DATABASE_URL", "REHAB_SESSION_DAYS", "REHAB_LOCKOUT_AFTER", "REHAB_LOCKOUT_MINUTES",
    "REHAB_OIDC_ROLE_CLAIM", "REHAB_OIDC_SCOPE_CLAIM", "REHAB_BASEMAP", "REHAB_TIANDITU_KEY",
    "REHAB_TILE_URL", "REHAB_TILE_DATUM", "REHAB_TILE_ATTRIBUTION", "REHAB_ASSET_BASE_URL",
    "REHAB_REPORT_DEADLINE_DAY", "REHAB_FOLLOW_UP_DAYS", "REHAB_COOKIE_SECURE", "REHAB_ISSUER", "REHAB_DOC_NUMBER_PREFIX",
    "REHAB_BOUNDARY_MAX_MB", "REHAB_BOUNDARY_MAX_UNPACKED_MB", "REHAB_BOUNDARY_MAX_RATIO",
    "REHAB_BOUNDARY_MAX_ZIP_FILES", "REHAB_BOUNDARY_MAX_FEATURES", "REHAB_BOUNDARY_MAX_FEATURE_VERTICES",
    "REHAB_BOUNDARY_MAX_VERTICES", "REHAB_BOUNDARY_MAX_PROBLEMS", "REHAB_BOUNDARY_MAX_SECONDS",
    "REHAB_CREDIT_START", "REHAB_CREDIT_ON_TIME", "REHAB_CREDIT_LATE", "REHAB_CREDIT_LOST",
    "REHAB_CREDIT_THRESHOLD",
    "REHAB_PAGE_WORKERS", "REHAB_LONG_RUN_SECONDS",
    "REHAB_WALL_ROTATE_SECONDS",
)


def data_dir() -> Path:
    """The data directory: REHAB_DATA_DIR if set, else the sample data shipped in data/."""
    return Path(os.environ.get("REHAB_DATA_DIR") or PROJECT_DIR / "data")


def amber_margin() -> float:
    """How far below 序时进度 (as a share, 0.05 = 5 points) an indicator is amber rather than red."""
    return float(os.environ.get("REHAB_AMBER_MARGIN", "0.05"))


def whole_number(variable: str, default: int, low: int = 0, high: int | None = None) -> int:
    """The whole-number setting `variable`, kept within [low, high]; `default` when unset or not a number."""
    try:
        value = max(int(os.environ.get(variable, str(default))), low)
    except ValueError:
        return default
    return value if high is None else min(value, high)


def report_deadline_day() -> int:
    """The day of the next month by which a month is due (报送); a later report is late. 1 to 28."""
    return whole_number("REHAB_REPORT_DEADLINE_DAY", 5, 1, 28)


def follow_up_days() -> int:
    """Days after the end of the month a 双回访 problem was raised in by which it should be solved;
    an institution with a problem open longer is a lagging item of the dispatch meeting."""
    return whole_number("REHAB_FOLLOW_UP_DAYS", 30)


def wall_rotate_seconds() -> int:
    """How long the wall screen (大屏, ``?wall=true``) shows each of its sections, in seconds (5 to 3600)."""
    return whole_number("REHAB_WALL_ROTATE_SECONDS", 20, 5, 3600)


def issuer() -> str:
    """The issuing body of the bulletin (公文 版头 and 落款), REHAB_ISSUER (e.g. 包头市残疾人联合会); ''
    for the federation of the scope."""
    return os.environ.get("REHAB_ISSUER", "").strip()


def doc_number_prefix() -> str:
    """The issuer's code of 发文字号 (REHAB_DOC_NUMBER_PREFIX, e.g. 包残联通 → 包残联通〔2025〕N号); '' for none."""
    return os.environ.get("REHAB_DOC_NUMBER_PREFIX", "").strip()


def suppress_below() -> int:
    """Small-number care: township-level cells counting 1 to this minus 1 children show as '<N'; 0 turns it off."""
    return max(0, int(os.environ.get("REHAB_SUPPRESS_BELOW", "5")))


def instance_dir() -> Path:
    """Runtime state that is not data and never committed: accounts, audit log (REHAB_INSTANCE_DIR)."""
    return Path(os.environ.get("REHAB_INSTANCE_DIR") or PROJECT_DIR / "instance")


def auth_mode() -> str:
    """`off` (local demo, the default), `local` (accounts file) or `oidc` (st.login single sign-on)."""
    mode = os.environ.get("REHAB_AUTH", "off")
    if mode not in ("off", "local", "oidc"):
        raise ValueError(f"REHAB_AUTH must be off, local or oidc, not {mode!r}")
    return mode


def database_url() -> str:
    """Accounts and the audit log: REHAB_DATABASE_URL (e.g. postgresql+psycopg://…), else SQLite in the
    instance folder."""
    return os.environ.get("REHAB_DATABASE_URL") or f"sqlite:///{instance_dir() / 'rehab.db'}"


def session_days() -> float:
    """How long a local sign-in lasts in the browser, in days: the cookie holds a random token checked
    against its hash in the database (not a signature), so it is valid on every replica of that database."""
    return float(os.environ.get("REHAB_SESSION_DAYS", "1"))


def cookie_secure() -> bool:
    """The sign-in cookie is Secure whatever the request says (REHAB_COOKIE_SECURE=1; a deployment
    rendered with TLS sets it). Without it, it is Secure when the request came over TLS."""
    return os.environ.get("REHAB_COOKIE_SECURE", "").strip().lower() in ("1", "true", "yes")


def lockout_after() -> int:
    """Consecutive wrong passwords that lock an account."""
    return int(os.environ.get("REHAB_LOCKOUT_AFTER", "5"))


def lockout_minutes() -> int:
    return int(os.environ.get("REHAB_LOCKOUT_MINUTES", "15"))


def page_workers() -> int:
    """How many page scripts run at once (REHAB_PAGE_WORKERS, at least 1, default 1); the others wait
    their turn in the order they came (kernel.turns). One at a time serves a burst of thirty opens
    sooner than two interleaved on the one interpreter (docs/performance.md)."""
    return whole_number("REHAB_PAGE_WORKERS", 1, 1)


def long_run_seconds() -> float:
    """After how many seconds a page run no longer holds its place in the turns (REHAB_LONG_RUN_SECONDS,
    default 0.5; kernel.turns): a long upload check keeps running while the next pages go in beside it."""
    try:
        return max(float(os.environ.get("REHAB_LONG_RUN_SECONDS", "0.5")), 0.0)
    except ValueError:
        return 0.5


@dataclass(frozen=True)
class BoundaryLimits:
    """What a township boundary upload may cost (rehabdash/ingest/boundary_files.py); each field is
    set by the variable of BOUNDARY_SETTINGS, which the message of a file beyond it names. The
    defaults fit a city's townships surveyed in detail (a hundred polygons of 10,000 vertices) or a
    province's simplified, and bound a check to a few hundred MB."""

    max_mb: float = 50  # the uploaded file
    max_unpacked_mb: float = 100  # every file of a zip (Shapefile, KMZ), unpacked
    max_ratio: float = 100  # unpacked ÷ packed, for a file of the zip over 1 MB unpacked
    max_zip_files: int = 100
    max_features: int = 10_000
    max_feature_vertices: int = 100_000
    max_vertices: int = 1_000_000  # all features together
    max_problems: int = 200  # listed; the rest are counted ("另有 M 个问题")
    max_seconds: float = 60


BOUNDARY_SETTINGS = {
    "max_mb": "REHAB_BOUNDARY_MAX_MB", "max_unpacked_mb": "REHAB_BOUNDARY_MAX_UNPACKED_MB",
    "max_ratio": "REHAB_BOUNDARY_MAX_RATIO", "max_zip_files": "REHAB_BOUNDARY_MAX_ZIP_FILES",
    "max_features": "REHAB_BOUNDARY_MAX_FEATURES", "max_feature_vertices": "REHAB_BOUNDARY_MAX_FEATURE_VERTICES",
    "max_vertices": "REHAB_BOUNDARY_MAX_VERTICES", "max_problems": "REHAB_BOUNDARY_MAX_PROBLEMS",
    "max_seconds": "REHAB_BOUNDARY_MAX_SECONDS",
}


def boundary_limits() -> BoundaryLimits:
    """The limits of a township boundary upload, each from its setting when set."""
    values = {}
    for name, field in BoundaryLimits.__dataclass_fields__.items():
        if raw := os.environ.get(BOUNDARY_SETTINGS[name], "").strip():
            values[name] = float(raw) if field.type == "float" else int(raw)
    return BoundaryLimits(**values)


@dataclass(frozen=True)
class CreditRule:
    """The points of the shared-device credit score (信用积分, kernel/credit.py applies them); each
    field is set by its variable of CREDIT_SETTINGS. Penalties are given as positive numbers."""

    start: int = 100  # a new borrower's score
    on_time: int = 2  # added for a device returned by its due date
    late: int = 10  # taken off for a device returned after it, or still out past it
    lost: int = 50  # taken off for a device that never came back
    threshold: int = 60  # a borrower below this is refused a loan


CREDIT_SETTINGS = {
    "start": "REHAB_CREDIT_START", "on_time": "REHAB_CREDIT_ON_TIME", "late": "REHAB_CREDIT_LATE",
    "lost": "REHAB_CREDIT_LOST", "threshold": "REHAB_CREDIT_THRESHOLD",
}


def credit_rule() -> CreditRule:
    """The credit rule's points, each from its setting when set (a whole number)."""
    return CreditRule(**{name: int(raw) for name, variable in CREDIT_SETTINGS.items()
                         if (raw := os.environ.get(variable, "").strip())})
