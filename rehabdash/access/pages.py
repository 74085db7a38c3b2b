"""Every page of the app with the role it needs: the one table app.py draws the navigation from, the
role gate refuses by, and the tests walk."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    script: str  # the file Streamlit runs
    url_path: str
    title: str  # its locale key
    icon: str
    role: str | None = None  # None: a topic page, open to every account once there is a snapshot

    @property
    def name(self) -> str:
        """The script's name without folder and suffix ("data_upload")."""
        return self.script.removeprefix("app_pages/").removesuffix(".py")


PAGES = (
    Page("app_pages/overview.py", "overview", "pages.overview", ":material/dashboard:"),
    Page("app_pages/rehab.py", "rehab", "pages.rehab", ":material/healing:"),
    Page("app_pages/facility_map.py", "map", "pages.map", ":material/map:"),
    Page("app_pages/funding.py", "funding", "pages.funding", ":material/payments:"),
    Page("app_pages/devices.py", "devices", "pages.devices", ":material/accessible:"),
    Page("app_pages/child_rehab.py", "children", "pages.children", ":material/child_care:"),
    Page("app_pages/institutions.py", "institutions", "pages.institutions", ":material/verified:"),
    # every role reads it; only the scope's admin changes member units (checked in the library)
    Page("app_pages/departments.py", "departments", "pages.departments", ":material/groups:"),
    # Data upkeep works without a snapshot (the first import), but needs its role.
    Page("app_pages/data_upload.py", "upload", "pages.upload", ":material/upload_file:", role="clerk"),
    Page("app_pages/snapshots.py", "snapshots", "pages.snapshots", ":material/history:", role="admin"),
    Page("app_pages/boundaries.py", "boundaries", "pages.boundaries", ":material/border_outer:", role="admin"),
    # Only while the data directory is empty: an admin starts a new deployment (app.py).
    Page("app_pages/setup.py", "setup", "setup.nav", ":material/add_location:", role="admin"),
)
# The wall screen (大屏, ?wall=true): open to every account, as the topic pages; app.py runs it alone.
WALL = Page("app_pages/wall.py", "wall", "wall.title", ":material/tv:")
TOPIC_PAGES = tuple(p for p in PAGES if p.role is None)
UPKEEP_PAGES = tuple(p for p in PAGES if p.role is not None)
SETUP = "setup"


def page(url_path: str) -> Page:
    return next(p for p in PAGES if p.url_path == url_path)
