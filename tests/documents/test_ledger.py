"""The shared Excel ledger writer (issue #7 "Excel ledgers"): layout facts read back with openpyxl and
python-calamine, formula escaping, progress, and that rows are consumed as a stream."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from duban.documents.ledger import LedgerColumn, escape_cell, unescape_cell, write_ledger

COLUMNS = [
    LedgerColumn("编号", width=16),
    LedgerColumn("牵头单位", group="责任分工", width=20),
    LedgerColumn("配合单位", group="责任分工", width=30, wrap=True),
    LedgerColumn("办结时限", width=12),
]


def _ledger(rows: list[tuple[object, ...]], **kw: object) -> bytes:
    buffer = io.BytesIO()
    write_ledger(buffer, title=str(kw.pop("title", "示范区督查事项台账")), columns=COLUMNS, rows=rows, **kw)  # type: ignore[arg-type]
    return buffer.getvalue()


def test_title_subtitle_two_row_merged_header_frozen_printed_landscape() -> None:
    content = _ledger([("DC-1", "区发改局", "区财政局、区住建局", dt.date(2026, 12, 31))], subtitle="（截至11月30日）")
    ws = load_workbook(io.BytesIO(content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "示范区督查事项台账" and rows[1][0] == "（截至11月30日）"
    assert rows[2] == ("序号", "编号", "责任分工", None, "办结时限")
    assert rows[3] == (None, None, "牵头单位", "配合单位", None)
    assert rows[4][:4] == (1, "DC-1", "区发改局", "区财政局、区住建局")
    assert rows[4][4] == dt.datetime(2026, 12, 31)
    merged = {str(r) for r in ws.merged_cells.ranges}
    # title and subtitle across all columns, the group over its two columns, the others over both rows
    assert merged == {"A1:E1", "A2:E2", "C3:D3", "A3:A4", "B3:B4", "E3:E4"}
    assert ws.freeze_panes == "A5"
    assert ws.print_title_rows == "$3:$4"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"  # A4
    assert ws.column_dimensions["B"].width == pytest.approx(16, abs=1)
    assert ws.column_dimensions["D"].width == pytest.approx(30, abs=1)
    assert ws["D5"].alignment.wrap_text and ws["E5"].number_format == "yyyy-mm-dd"
    assert ws.auto_filter.ref == "A4:E4"


def test_without_groups_the_header_is_one_row() -> None:
    buffer = io.BytesIO()
    write_ledger(buffer, title="T", columns=[LedgerColumn("单位"), LedgerColumn("得分")], rows=[("甲", 96.5)])
    ws = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert list(ws.iter_rows(values_only=True)) == [("T", None, None), ("序号", "单位", "得分"), (1, "甲", 96.5)]
    assert ws.freeze_panes == "A3" and ws.print_title_rows == "$2:$2"


def test_formula_like_text_is_escaped_and_never_a_formula() -> None:
    evil = ['=HYPERLINK("http://evil","点我")', "+1", "-1", "@SUM(1+1)", "\tx"]
    content = _ledger([(v, "", "", None) for v in evil])
    ws = load_workbook(io.BytesIO(content)).active
    cells = [ws.cell(row=r, column=2) for r in range(4, 4 + len(evil))]
    assert [c.value for c in cells] == ["'" + v for v in evil]
    assert all(c.data_type == "s" for c in cells)  # strings, not formulas
    assert [unescape_cell(escape_cell(v)) for v in evil] == evil
    assert unescape_cell("'普通") == "'普通" and escape_cell(5) == 5


def test_values_numbers_decimals_bools_none_and_aware_datetimes() -> None:
    moment = dt.datetime(2026, 11, 22, 2, 30, tzinfo=dt.UTC)  # 10:30 in Asia/Shanghai
    buffer = io.BytesIO()
    write_ledger(buffer, title="T", columns=[LedgerColumn(str(i)) for i in range(5)],
                 rows=[(Decimal("96.50"), True, None, moment, 3)])
    ws = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert [c.value for c in ws[3]] == [1, 96.5, "是", None, dt.datetime(2026, 11, 22, 10, 30), 3]


def test_progress_is_reported_and_rows_are_consumed_as_a_stream(tmp_path: Path) -> None:
    seen: list[int] = []
    produced = 0

    def rows() -> Iterator[tuple[object, ...]]:
        nonlocal produced
        for i in range(2500):
            produced += 1
            yield (f"DC-{i}", "甲", "乙", None)

    count = write_ledger(tmp_path / "big.xlsx", title="大台账", columns=COLUMNS, rows=rows(), progress=seen.append)
    assert count == produced == 2500
    assert seen == [1000, 2000, 2500]
    grid = CalamineWorkbook.from_path(str(tmp_path / "big.xlsx")).get_sheet_by_index(0).to_python()
    assert len(grid) == 3 + 2500 and grid[-1][:2] == [2500.0, "DC-2499"]


def test_no_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="至少需要一列"):
        write_ledger(io.BytesIO(), title="T", columns=[], rows=[])
