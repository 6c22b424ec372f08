"""Laying rows out in a write-only workbook: a bold, frozen header row, column widths, dates
as real Excel dates (Shanghai wall-clock time: Excel has no time zones), percentages as numbers
with a % format, and text that is always text.

openpyxl reads a string starting with "=" as a formula (and "#N/A" as an error); a wish title
is a resident's words, so such a string is typed as a string, and characters XML cannot hold
are dropped.
"""

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from server.core import clock

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMATS = {
    "text": None,
    "int": "0",
    "hours": "0.0",
    "percent": "0.0%",
    "datetime": "yyyy-mm-dd hh:mm",
    "date": "yyyy-mm-dd",
}
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    kind: str = "text"


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


class Sheet:
    """A sheet with its header row written; ``write(values)`` appends a row in column order."""

    def __init__(self, workbook: Workbook, title: str, columns: list[Column]):
        self.columns = columns
        self.sheet = _header_sheet(workbook, title, columns)

    def write(self, values, *, kinds=None) -> None:
        kinds = kinds or [column.kind for column in self.columns]
        self.sheet.append([_cell(self.sheet, kind, value) for kind, value in zip(kinds, values, strict=True)])


def _header_sheet(workbook: Workbook, title: str, columns: list[Column]):
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGNMENT
        header.append(cell)
    sheet.append(header)
    return sheet


def _cell(sheet, kind: str, value):
    if value is None:
        return None
    if isinstance(value, datetime):
        value = clock.to_shanghai(value).replace(tzinfo=None)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not value.startswith("=") and value not in ERROR_CODES:
            return value  # openpyxl types the rest as strings itself, without a cell made here
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    number_format = FORMATS[kind]
    if number_format is None and not isinstance(value, date):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format or FORMATS["date"]
    return cell


def saved(workbook: Workbook) -> bytes:
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
