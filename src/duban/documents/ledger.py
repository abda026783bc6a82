"""Excel ledgers (台账) in the layout offices file: the one writer every list export calls.

Layout (issue #7, "Excel ledgers")::

    ┌──────────────────────────── merged title row ─────────────────────────────┐
    │                    optional subtitle (merged, centred)                     │
    ├────┬──────┬────────────┬───────── 责任分工 ─────────┬──────────┬─────────┤
    │序号│ 编号 │  事项名称   │  牵头单位   │   配合单位    │ 办结时限  │  状态   │
    ├────┼──────┼────────────┼─────────────┼───────────────┼──────────┼─────────┤
    │ 1  │ ...                                                                   │

* 序号 is always the first column and is numbered by the writer: callers pass rows *without* it.
* Columns that share a ``group`` (consecutive) get a merged group cell over their own titles; columns
  without a group have their title merged over both header rows. With no group at all the header is
  one row.
* The header is frozen, repeated on every printed page, and carries an autofilter; the page is
  landscape A4, fitted to one page wide, with "第 N 页 共 M 页" in the footer.
* Text beginning with ``= + - @`` (or tab / CR) is written with a leading ``'`` and always as a
  string, never a formula (formula / CSV injection). ``duban.documents.importing`` strips that
  ``'`` again, so an exported ledger imports back unchanged.
* Memory is constant: XlsxWriter's ``constant_memory`` mode flushes each row to a temporary file as
  soon as the next one starts, so 100 000 rows take the same memory as 100 (``bench/excel/run``
  measures both time and peak memory against a bare XlsxWriter floor).

Usage::

    from duban.documents.ledger import LedgerColumn, write_ledger

    columns = [
        LedgerColumn("单位", width=24),
        LedgerColumn("得分", group="考核结果", width=10),
        LedgerColumn("名次", group="考核结果", width=8),
    ]
    count = write_ledger(path_or_binary_file, title="2026年第三季度督查考核排名",
                         columns=columns, rows=[("区发改委", 96.5, 1), ...], subtitle="（截至11月30日）")

Values: ``str`` (escaped), ``int``/``float``/``Decimal`` (numbers), ``datetime.date`` (yyyy-mm-dd),
``datetime.datetime`` (local time, yyyy-mm-dd hh:mm; aware values are converted to the active time
zone), ``bool`` (是/否), ``None`` (empty); anything else is written as ``str(value)``.

This API is published to other areas (scoring rankings, the three lists): keep it stable.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

__all__ = ["FORMULA_STARTS", "SERIAL_TITLE", "LedgerColumn", "escape_cell", "unescape_cell", "write_ledger"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SERIAL_TITLE = "序号"
PROGRESS_EVERY = 1000
_MAX_SHEET_NAME = 31
_INVALID_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class LedgerColumn:
    """One column of a ledger: its title, the header group it sits under (or None), its width in
    Excel character units, and whether long text wraps."""

    title: str
    group: str | None = None
    width: float = 12
    wrap: bool = False


def escape_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in user text: ``=SUM(A1)`` → ``'=SUM(A1)``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value: Any) -> Any:
    """The inverse of :func:`escape_cell`, for reading a ledger back."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


@dataclass
class _Formats:
    title: Format
    subtitle: Format
    header: Format
    cell: Format
    wrap: Format
    date: Format
    datetime: Format
    number: Format


def _formats(wb: xlsxwriter.Workbook) -> _Formats:
    base = {"font_name": "宋体", "font_size": 11, "border": 1, "valign": "vcenter"}
    return _Formats(
        title=wb.add_format({"font_name": "宋体", "font_size": 16, "bold": True, "align": "center",
                             "valign": "vcenter"}),
        subtitle=wb.add_format({"font_name": "宋体", "font_size": 11, "align": "center", "valign": "vcenter"}),
        header=wb.add_format({**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#DCE6F1"}),
        cell=wb.add_format(base),
        wrap=wb.add_format({**base, "text_wrap": True}),
        date=wb.add_format({**base, "num_format": "yyyy-mm-dd", "align": "center"}),
        datetime=wb.add_format({**base, "num_format": "yyyy-mm-dd hh:mm", "align": "center"}),
        number=wb.add_format({**base, "align": "center"}),
    )


def _sheet_name(title: str) -> str:
    name = (title or "台账").translate(_INVALID_SHEET_CHARS).strip("'") or "台账"
    return name[:_MAX_SHEET_NAME]


def _header_groups(columns: Sequence[LedgerColumn]) -> list[tuple[str | None, int, int]]:
    """Runs of consecutive columns sharing a group: (group, first, last), in data-column indexes."""
    runs: list[tuple[str | None, int, int]] = []
    for i, col in enumerate(columns):
        if runs and col.group is not None and runs[-1][0] == col.group:
            runs[-1] = (col.group, runs[-1][1], i)
        else:
            runs.append((col.group, i, i))
    return runs


def _write_header(ws: Worksheet, fmt: _Formats, columns: Sequence[LedgerColumn], first_row: int) -> int:
    """Write the header starting at ``first_row``; return the index of its last row."""
    two_rows = any(c.group for c in columns)
    if not two_rows:
        ws.write_string(first_row, 0, SERIAL_TITLE, fmt.header)
        for i, col in enumerate(columns, start=1):
            ws.write_string(first_row, i, col.title, fmt.header)
        return first_row
    top, bottom = first_row, first_row + 1
    # Constant-memory mode keeps only the current row and refuses writes to earlier rows, so a
    # vertical merge cannot go through merge_range (it writes the top cell, then pads the bottom one,
    # which flushes the top row before the rest of it is written). The header is therefore written
    # cell by cell in row order and the vertical merges are declared on the worksheet's merge list —
    # XlsxWriter's own bookkeeping, which it writes out as <mergeCells> on close.
    # tests/documents/test_ledger.py checks the merged ranges, so a change in XlsxWriter shows up.
    vertical = [0] + [i for i, col in enumerate(columns, start=1) if col.group is None]
    ws.write_string(top, 0, SERIAL_TITLE, fmt.header)
    for group, first, last in _header_groups(columns):
        if group is None:
            ws.write_string(top, first + 1, columns[first].title, fmt.header)
        elif first == last:
            ws.write_string(top, first + 1, group, fmt.header)
        else:
            ws.merge_range(top, first + 1, top, last + 1, group, fmt.header)
    for i, col in enumerate(columns, start=1):
        if col.group is None:
            ws.write_blank(bottom, i, None, fmt.header)
        else:
            ws.write_string(bottom, i, col.title, fmt.header)
    ws.write_blank(bottom, 0, None, fmt.header)
    for col_index in vertical:
        ws.merge.append([top, col_index, bottom, col_index])
    return bottom


_FIRST = frozenset(FORMULA_STARTS)


def _write_value(ws: Worksheet, fmt: _Formats, row: int, col: int, value: Any, wrap: bool) -> None:
    kind = type(value)
    if kind is str:  # the common case first, without the isinstance chain
        if not value:
            ws.write_blank(row, col, None, fmt.cell)
        else:
            ws.write_string(row, col, "'" + value if value[0] in _FIRST else value, fmt.wrap if wrap else fmt.cell)
    elif kind is int:
        ws.write_number(row, col, value, fmt.number)
    elif value is None:
        ws.write_blank(row, col, None, fmt.cell)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt.number)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, float(value) if isinstance(value, Decimal) else value, fmt.number)
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            from django.utils import timezone

            value = timezone.localtime(value).replace(tzinfo=None)
        ws.write_datetime(row, col, value, fmt.datetime)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), fmt.date)
    else:
        ws.write_string(row, col, escape_cell(str(value)), fmt.wrap if wrap else fmt.cell)


def write_ledger(
    target: IO[bytes] | str | os.PathLike[str],
    *,
    title: str,
    columns: Sequence[LedgerColumn],
    rows: Iterable[Sequence[object]],
    subtitle: str = "",
    progress: Callable[[int], None] | None = None,
    sheet_name: str = "",
) -> int:
    """Write one ledger sheet to ``target`` (a path or a binary file object) and return the number of
    data rows written.

    ``rows`` yield one value per column, *without* 序号 (the writer numbers them 1, 2, 3 …); each is
    consumed once, in order, so a generator over ``QuerySet.iterator()`` keeps memory flat.
    ``progress`` is called with the running row count every 1000 rows and once at the end.
    """
    if not columns:
        raise ValueError("台账至少需要一列。")
    target_arg: Any = os.fspath(target) if isinstance(target, str | os.PathLike) else target
    wb = xlsxwriter.Workbook(target_arg, {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_urls": False, "strings_to_numbers": False})
    try:
        fmt = _formats(wb)
        ws = wb.add_worksheet(_sheet_name(sheet_name or title))
        last_col = len(columns)  # 序号 is column 0
        ws.set_column(0, 0, 6)
        for i, col in enumerate(columns, start=1):
            ws.set_column(i, i, col.width)

        ws.set_row(0, 30)
        ws.merge_range(0, 0, 0, last_col, escape_cell(title), fmt.title)
        row = 1
        if subtitle:
            ws.merge_range(row, 0, row, last_col, escape_cell(subtitle), fmt.subtitle)
            row += 1
        header_first = row
        header_last = _write_header(ws, fmt, columns, header_first)

        ws.freeze_panes(header_last + 1, 0)
        ws.repeat_rows(header_first, header_last)
        ws.autofilter(header_last, 0, header_last, last_col)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.set_footer("&C第 &P 页 共 &N 页")

        count = 0
        r = header_last
        for values in rows:
            r += 1
            count += 1
            ws.write_number(r, 0, count, fmt.number)
            for i, col in enumerate(columns, start=1):
                _write_value(ws, fmt, r, i, values[i - 1] if i - 1 < len(values) else None, col.wrap)
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
    finally:
        wb.close()
    if progress is not None:
        progress(count)
    return count
