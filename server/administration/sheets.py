"""Reading a district's sheet of 街道, 社区, 网格 names (CSV or XLSX) into checked rows.

Every row is checked before anything is created, so a sheet is refused whole, naming each
failing row (numbered as the spreadsheet numbers them: the header is row 1).
"""

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass

from openpyxl import load_workbook

from server.core import text
from server.core.errors import Unprocessable

COLUMNS = ("街道", "社区", "网格")
# A district has at most a few hundred grids; a sheet far beyond that is not a district's.
MAX_SHEET_BYTES = 1024 * 1024
MAX_ROWS = 5000
# Area.name's column width.
MAX_NAME_LENGTH = 64
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class SheetRow:
    number: int
    street: str
    community: str | None
    grid: str | None


def read_sheet(data: bytes) -> list[SheetRow]:
    if len(data) > MAX_SHEET_BYTES:
        raise too_large()
    raw_rows = _xlsx_rows(data) if data.startswith(_ZIP_MAGIC) else _csv_rows(data)
    header, *body = raw_rows or [[]]
    positions = _column_positions(header)
    rows, errors = [], {}
    for number, cells in enumerate(body, start=2):
        if number - 1 > MAX_ROWS:
            raise _not_a_sheet(f"行数过多（不超过 {MAX_ROWS} 行）", code="sheet_too_large")
        values = [_cell(cells, position) for position in positions]
        if not any(values):
            continue  # blank lines between blocks are how people lay sheets out
        problems = _row_problems(values)
        if problems:
            errors[str(number)] = problems
        else:
            rows.append(SheetRow(number, *(value or None for value in values)))
    if errors:
        raise Unprocessable(
            f"表格有 {len(errors)} 行有误，未导入任何内容", code="sheet_rows_invalid", details={"rows": errors}
        )
    if not rows:
        raise _not_a_sheet("表格中没有数据行")
    return rows


def _xlsx_rows(data: bytes) -> list[list]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise _not_a_sheet("无法读取该 Excel 文件") from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for cells in sheet.iter_rows(values_only=True):
            rows.append(list(cells))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> list[list]:
    decoded = _decoded(data)
    if "\x00" in decoded:
        raise _not_a_sheet("文件不是 CSV 或 XLSX 表格")
    try:
        return [row for _, row in zip(range(MAX_ROWS + 2), csv.reader(io.StringIO(decoded)), strict=False)]
    except csv.Error:
        raise _not_a_sheet("无法读取该 CSV 文件") from None


def _decoded(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), else GBK, which Excel in China saves
    "CSV" as (GB 18030 decodes every GBK file, and a few more characters)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _not_a_sheet("无法识别文件编码（支持 UTF-8 和 GBK）") from None


def _column_positions(header: list) -> list[int]:
    names = [_clean(cell) for cell in header]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        raise _not_a_sheet(f"第 1 行应为表头，缺少列：{'、'.join(missing)}", code="sheet_header_invalid")
    return [names.index(column) for column in COLUMNS]


def _cell(cells: list, position: int) -> str:
    return _clean(cells[position]) if position < len(cells) else ""


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a grid numbered 3 in Excel is read 3.0
    return text.normalise(str(value)).strip()


def _row_problems(values: list[str]) -> list[str]:
    street, community, grid = values
    problems = []
    if not street:
        problems.append("街道不能为空")
    if grid and not community:
        problems.append("网格必须填写所属社区")
    for column, value in zip(COLUMNS, values, strict=True):
        if len(value) > MAX_NAME_LENGTH:
            problems.append(f"{column}名称过长（不超过 {MAX_NAME_LENGTH} 个字）")
        if any(unicodedata.category(ch) == "Cc" for ch in value):
            problems.append(f"{column}名称含有控制字符")
    return problems


def too_large() -> Unprocessable:
    """A sheet beyond MAX_SHEET_BYTES, whether it was read or its request cut short."""
    return _not_a_sheet(f"文件过大（不超过 {MAX_SHEET_BYTES // 1024} KB）", code="sheet_too_large")


def _not_a_sheet(message: str, *, code: str = "not_a_sheet") -> Unprocessable:
    return Unprocessable(message, code=code, details={"file": [message]})
