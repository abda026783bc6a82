"""Excel export of the item list (导出Excel): the filtered rows the user may see, as an .xlsx ledger.

Written with openpyxl's write-only mode so a large export streams row by row. Text that a spreadsheet
would read as a formula (``= + - @``, and tab/CR) is prefixed with ``'`` (CSV/formula injection).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .models import Item

HEADERS = ["序号", "编号", "事项名称", "来源", "等级", "牵头单位", "配合单位", "办结时限", "状态", "退回次数"]
WIDTHS = [6, 16, 44, 22, 10, 22, 30, 12, 12, 9]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in user text: ``=SUM(A1)`` → ``'=SUM(A1)``."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _row(item: Item, number: int) -> list[Any]:
    lead = ""
    co: list[str] = []
    for a in item.assignments.all():
        if a.role == "lead":
            lead = a.unit.name
        else:
            co.append(a.unit.name)
    return [
        number,
        item.code,
        item.title,
        item.get_source_display(),
        item.get_level_display(),
        lead,
        "、".join(co),
        item.deadline,
        item.get_state_display(),
        item.return_count,
    ]


def items_workbook(items: Iterable[Item], *, title: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("督查事项")
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    last_col = get_column_letter(len(HEADERS))
    ws.merged_cells.add(f"A1:{last_col}1")
    ws.print_title_rows = "2:2"

    title_cell = WriteOnlyCell(ws, value=escape_cell(str(title)))
    title_cell.font = Font(name="宋体", size=14, bold=True)
    title_cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 28
    ws.append([title_cell])

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center")
        header.append(cell)
    ws.append(header)

    wrap = Alignment(vertical="top", wrap_text=True)
    for number, item in enumerate(items, start=1):
        cells = []
        for col, value in enumerate(_row(item, number), start=1):
            cell = WriteOnlyCell(ws, value=escape_cell(value))
            cell.border = border
            if col in (3, 7):
                cell.alignment = wrap
            if col == 8 and value is not None:
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
