"""Data upkeep: the Excel template, the checked import and publishing it as a new snapshot.

    template_bytes(snapshot, lang)            the template clerks fill in
    read(content, lang) → check(reading, as_of)   read, then clean and check; nothing is written
    check_workbook(content, as_of, ..., account=)  both in one call
    publish(checked, account, file_name, note=…)   merge into the newest version, commit it with its log
Both take the signed-in account: rows outside its regions are problems (scope_rules.py).

Every problem is reported at once, in the clerk's language, with sheet, Excel row and header.

The pages reach the import through this module alone: besides the workbook, the snapshot list and
comparison (history.py), what an account may read back (scope_rules.py), a new deployment (setup.py)
and the township boundaries (boundaries.py).
"""
from __future__ import annotations

from pathlib import Path

from rehabdash.access.accounts import Account
from rehabdash.ingest.boundaries import SUFFIXES as BOUNDARY_SUFFIXES
from rehabdash.ingest.boundaries import check_file as check_boundaries
from rehabdash.ingest.boundaries import publish as publish_boundaries
from rehabdash.ingest.boundaries import published as imported_boundaries
from rehabdash.ingest.check import Checked, Reading, check, check_workbook, read
from rehabdash.ingest.history import compare as compare_snapshots
from rehabdash.ingest.history import scope_regions, snapshot_list
from rehabdash.ingest.layout import sheet_name
from rehabdash.ingest.problems import Problem, problem_table
from rehabdash.ingest.reader import MAX_FILE_BYTES
from rehabdash.ingest.problems import summaries as problem_summaries
from rehabdash.ingest.publish import (
    LOG_FILE,
    Change,
    Published,
    count_changes,
    publish_tables,
    read_log,
    read_tables,
)
from rehabdash.ingest.scope_rules import log_entry_within, regions_within
from rehabdash.ingest.setup import create as create_deployment
from rehabdash.ingest.setup import default_as_of
from rehabdash.ingest.setup import division_labels
from rehabdash.ingest.setup import find as find_divisions
from rehabdash.ingest.template import template_bytes
from rehabdash.kernel.errors import NotValid, PublishError

__all__ = ["BOUNDARY_SUFFIXES", "Checked", "LOG_FILE", "NotValid", "Problem", "PublishError", "Published", "Reading",
           "check", "check_boundaries", "check_workbook", "compare_snapshots", "create_deployment", "default_as_of",
           "division_labels", "find_divisions", "imported_boundaries", "log_entry_within", "preview", "problem_summaries",
           "problem_table", "publish", "publish_boundaries", "read", "read_log", "read_tables", "regions_within",
           "scope_regions", "sheet_name", "snapshot_list", "template_bytes"]


# What the upload page takes: the workbook types the reader reads (.ods and text files are refused
# by the box, whose help says to save them as .xlsx; reader.py still names them when they come by
# the command line), and the largest file it reads.
UPLOAD_TYPES = ("xlsx", "xlsm", "xls", "et")
UPLOAD_MAX_MB = MAX_FILE_BYTES / 2**20


def publish(checked: Checked, account: Account, file_name: str, data_dir: Path | None = None,
            progress=lambda share, stage: None, note: str = "") -> Published:
    """Commit a workbook checked for `account` as a new version on the newest one, recorded as the
    account's (`note`, free text, is kept beside it); refuses one with problems or checked for another
    account, whose regions it was not checked against."""
    if not checked.valid:
        raise NotValid(problems=len(checked.problems))
    if checked.account is None or (checked.account.username, checked.account.scope, checked.account.role) \
            != (account.username, account.scope, account.role):
        raise NotValid("other_account")
    if not checked.seal or checked.sealed() != checked.seal:
        raise NotValid("rows_changed")
    return publish_tables(checked.tables, checked.base, checked.as_of, account.username, file_name,
                          checked.file_sha256, data_dir, progress, account=account, note=note,
                          report_rows=checked.report_rows, report_month=checked.report_month,
                          kept_columns=checked.absent_columns)


def preview(checked: Checked) -> dict[str, Change]:
    """Rows each table would gain and replace if `checked` were published now."""
    return count_changes(checked.tables, checked.base)
