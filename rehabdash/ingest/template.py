"""The Excel template clerks fill in: one sheet per contract table with headers in their language,
drop-down lists for coded columns, a sheet of region codes and an instructions sheet with settings and
examples. `rows` fills the sheets too (tests, and handing a clerk data to correct)."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from rehabdash.ingest import layout, scope_rules
from rehabdash.ingest.publish import read_tables
from rehabdash.kernel import i18n, memo, safe_text
from rehabdash.kernel.contract import CODE_LISTS, KEYS, TABLES
from rehabdash.kernel.credit import EXAMPLE_REFERENCE
from rehabdash.store.snapshots import Snapshot

LAST_ROW = 5000  # drop-downs and hints reach this far down each sheet
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
KEY_FILL = PatternFill("solid", fgColor="FCE4D6")  # key columns stand out: same key replaces a row
BOLD = Font(bold=True)
TEXT_FORMAT = "@"  # keeps 12-digit codes from turning into 1.50204E+11


def _cell_value(table: str, column: str, value, lang: str):
    """A contract value as the clerk would write it: labels for codes, 是/否, plain dates."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if (table, column) in layout.LABEL_LISTS:
        return layout.code_label(table, column, value, lang)
    if TABLES[table][column] == "bool":
        return i18n.text(lang, "template.yes" if value else "template.no")
    if TABLES[table][column] == "date" and column in layout.MONTH_COLUMNS:
        return value.strftime("%Y-%m")
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_rows(sheet, table: str, frame: pd.DataFrame, lang: str) -> None:
    """Contract rows into a template sheet from row 2 on, written as a clerk would write them."""
    for number, row in enumerate(frame[list(TABLES[table])].itertuples(index=False), start=2):
        for position, (column, value) in enumerate(zip(TABLES[table], row), start=1):
            cell = sheet.cell(number, position, _cell_value(table, column, value, lang))
            if TABLES[table][column] == "str":
                cell.number_format = TEXT_FORMAT


def _prompt(table: str, column: str, lang: str) -> str:
    kind = TABLES[table][column]
    if column == "borrower_ref":
        key = "prompt_borrower"
    elif column == "loan_status":
        key = "prompt_loan_status"
    elif (table, column) in layout.REGION_COLUMNS:
        key = "prompt_region"
    elif (table, column) in layout.LABEL_LISTS:
        key = "prompt_choose"
    elif column in layout.MONTH_COLUMNS:
        key = "prompt_month"
    elif kind == "date":
        key = "prompt_date"
    elif layout.is_money(column):
        key = "prompt_money"
    elif column in layout.COORDINATES:
        key = "prompt_coordinate"
    elif kind == "bool":
        key = "prompt_bool"
    elif kind == "int":
        key = "prompt_count"
    else:
        return ""
    return i18n.text(lang, f"template.{key}")


class _TemplateWriter:
    def __init__(self, lang: str):
        self.lang = lang
        self.book = Workbook()
        self.instructions = self.book.active
        self.instructions.title = layout.special_sheet("instructions", lang)
        self.code_ranges: dict[str, str] = {}

    def t(self, key: str, **values) -> str:
        return i18n.text(self.lang, f"template.{key}", **values)

    def code_lists(self) -> None:
        """One column per code list on the code sheet; drop-downs point at these ranges."""
        self.codes = sheet = self.book.create_sheet(layout.special_sheet("codes", self.lang))
        position = 0
        first_use = {}  # code list → the (table, column) that names it on this sheet
        for key, code_list in layout.LABEL_LISTS.items():
            first_use.setdefault(code_list, key)
        headers = [layout.header(column, self.lang) for _, column in first_use.values()]
        for code_list, (table, column) in first_use.items():
            position += 1
            letter = get_column_letter(position)
            labels = [layout.code_label(table, column, c, self.lang) for c in CODE_LISTS[(table, column)]]
            title = layout.header(column, self.lang)
            if headers.count(title) > 1:  # 类型 of institutions, stations and activities
                title = f"{title}（{layout.sheet_name(table, self.lang)}）"
            sheet.cell(1, position, title).font = BOLD
            for row, label in enumerate(labels, start=2):
                sheet.cell(row, position, label)
            sheet.column_dimensions[letter].width = 22
            self.code_ranges[code_list] = (
                f"{quote_sheetname(sheet.title)}!${letter}$2:${letter}${len(labels) + 1}")

    def data_sheet(self, table: str, frame: pd.DataFrame | None) -> None:
        sheet = self.book.create_sheet(layout.sheet_name(table, self.lang))
        sheet.freeze_panes = "A2"
        for position, column in enumerate(TABLES[table], start=1):
            letter = get_column_letter(position)
            cell = sheet.cell(1, position, layout.header(column, self.lang))
            cell.font = BOLD
            cell.fill = KEY_FILL if column in KEYS[table] else HEADER_FILL
            sheet.column_dimensions[letter].width = max(12, 2.2 * len(cell.value) + 2)
            cells = f"{letter}2:{letter}{LAST_ROW}"
            prompt = _prompt(table, column, self.lang)
            if (table, column) in layout.LABEL_LISTS:
                check = DataValidation(type="list", errorStyle="warning",
                                       formula1=self.code_ranges[layout.LABEL_LISTS[(table, column)]])
            elif TABLES[table][column] == "bool":
                options = f'{self.t("yes")},{self.t("no")}'
                check = DataValidation(type="list", errorStyle="warning", formula1=f'"{options}"')
            elif prompt:
                check = DataValidation(errorStyle="warning")
            else:
                continue
            if prompt:
                check.prompt, check.showInputMessage = prompt, True
            check.add(cells)
            sheet.add_data_validation(check)
        if frame is not None:
            write_rows(sheet, table, frame, self.lang)

    def region_list(self, regions: pd.DataFrame) -> None:
        sheet = self.book.create_sheet(layout.special_sheet("region_list", self.lang))
        columns = ("region_code", "name", "level", "parent_code")
        sheet.append([layout.header(c, self.lang) for c in columns])
        for cell in sheet[1]:
            cell.font, cell.fill = BOLD, HEADER_FILL
        sheet.freeze_panes = "A2"
        for code, name, level, parent in regions[list(columns)].itertuples(index=False):
            sheet.append([code, name, i18n.code_label(self.lang, "level", level),
                          parent if isinstance(parent, str) else None])
        for letter, width in zip("ABCD", (16, 24, 12, 16)):
            sheet.column_dimensions[letter].width = width

    def instructions_sheet(self, examples: dict[str, pd.DataFrame], as_of: dt.date | None,
                           report_month: dt.date | None = None) -> None:
        sheet = self.instructions
        sheet.column_dimensions["A"].width = 22
        sheet.column_dimensions["B"].width = 30
        sheet.column_dimensions["C"].width = 70
        sheet.append([self.t("title")])
        sheet["A1"].font = Font(bold=True, size=14)
        for line in self.t("intro"):
            sheet.append([line])
            sheet.cell(sheet.max_row, 1).alignment = Alignment(wrap_text=False)
        sheet.append([])
        self._heading(sheet, self.t("settings_title"))
        self._header_row(sheet, [self.t("setting_name"), self.t("setting_value"), self.t("setting_note")])
        yuan, wan = self.t("yuan"), self.t("wan_yuan")
        settings = (("money_unit", yuan, f'"{yuan},{wan}"'), ("datum", "WGS-84", '"WGS-84,GCJ-02"'),
                    ("report_month", report_month.isoformat()[:7] if report_month else None, None),
                    ("correction_reason", None, None), ("period_start", None, None))
        for name, default, options in settings:
            sheet.append([self.t(f"setting_{name}"), default, self.t(f"setting_{name}_note")])
            if options:
                check = DataValidation(type="list", formula1=options, errorStyle="stop")
                check.add(f"B{sheet.max_row}")
                sheet.add_data_validation(check)
            sheet.cell(sheet.max_row, 2).fill = KEY_FILL
        sheet.append([])
        self._heading(sheet, self.t("sheets_title"))
        self._header_row(sheet, [self.t("sheet"), self.t("one_row_per"), self.t("keys")])
        for table in TABLES:
            sheet.append([layout.sheet_name(table, self.lang), self.t(f"about.{table}"),
                          "、".join(layout.header(c, self.lang) for c in KEYS[table])])
        sheet.append([])
        if not examples:
            sheet.append([self.t("no_examples")])
            return
        self._heading(sheet, self.t("examples_title", date=as_of.isoformat()))
        for table, frame in examples.items():
            self._header_row(sheet, [layout.sheet_name(table, self.lang),
                                     *(layout.header(c, self.lang) for c in TABLES[table])])
            for row in frame[list(TABLES[table])].itertuples(index=False):
                sheet.append([self.t("example"),
                              *(_cell_value(table, c, v, self.lang) for c, v in zip(TABLES[table], row))])

    @staticmethod
    def _heading(sheet, text: str) -> None:
        sheet.append([text])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)

    @staticmethod
    def _header_row(sheet, values: list[str]) -> None:
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill = BOLD, HEADER_FILL

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        safe_text.defuse_workbook(self.book)  # region and example names from data stay text
        self.book.save(buffer)
        return buffer.getvalue()


@memo.by_inputs(into=memo.store(8), share=True)  # a province's region list takes seconds; bytes are read only
def template_bytes(snapshot: Snapshot | None, lang: str = "zh",
                   rows: dict[str, pd.DataFrame] | None = None, scope: tuple[str, ...] = (),
                   report_month: dt.date | None = None) -> bytes:
    """The template as .xlsx bytes: region list and examples from `snapshot`; sheets filled from `rows`;
    `report_month` (报送月份, the month being collected) written on the instructions sheet.

    `scope` (an account's region codes; () for every region) limits the region list and the example
    rows to those regions: a district clerk's template holds nothing of another district."""
    writer = _TemplateWriter(lang)
    tables = scope_rules.rows_within(read_tables(snapshot), scope)
    if scope:  # the parent of the account's own top region lies outside it: not shown
        regions = tables["regions"]
        inside = set(regions["region_code"])
        tables["regions"] = regions.assign(parent_code=regions["parent_code"].where(
            regions["parent_code"].isin(inside), None))
    examples = {t: f.tail(1) for t, f in tables.items() if len(f) and t in TABLES} if snapshot else {}
    if "device_loans" in examples:
        examples["device_loans"] = examples["device_loans"].assign(borrower_ref=EXAMPLE_REFERENCE)
    writer.instructions_sheet(examples, snapshot.as_of if snapshot else None, report_month)
    writer.code_lists()
    for table in TABLES:
        writer.data_sheet(table, (rows or {}).get(table))
    writer.region_list(tables["regions"])
    writer.book.move_sheet(writer.codes, offset=len(TABLES))  # after the data sheets
    return writer.bytes()
