"""Excel export of residents' issues (居民诉求台账). Personal data is always masked here, whoever exports
(S2a-二(六)): an exported file leaves the system and cannot follow who handles the case."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import xlsxwriter
from django.utils import timezone

from . import access, services
from .models import Concern

HEADERS = ["编号", "受理时间", "来源", "问题类别", "问题描述", "网格", "社区", "反映人", "联系电话", "地址",
           "状态", "回应层级", "承办人", "办理时限", "办结时间", "满意度"]


def escape_cell(value: Any) -> Any:
    """A text starting with = + - @ would be a formula in Excel: prefix it with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def concern_row(c: Concern) -> list[Any]:
    local = timezone.localtime
    return [
        c.number, local(c.received_at).strftime("%Y-%m-%d %H:%M"), c.get_source_display(),
        services.SERVICES.get(c.service_code, c.service_code), c.description,
        f"{c.grid.code} {c.grid.name}" if c.grid else "未定网格", c.community.name if c.community else "",
        access.mask_name(c.reporter_name), access.mask_phone(c.reporter_phone), access.mask_address(c.address),
        c.get_state_display(), c.tier_label, c.handler.display_name if c.handler else "",
        c.deadline.isoformat() if c.deadline else "",
        local(c.resolved_at).strftime("%Y-%m-%d %H:%M") if c.resolved_at else "",
        c.satisfaction if c.satisfaction is not None else "",
    ]


def concerns_workbook(concerns: Iterable[Concern]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("居民诉求台账")
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    title = book.add_format({"bold": True, "font_size": 14})
    sheet.merge_range(0, 0, 0, len(HEADERS) - 1, "居民诉求台账（个人信息已脱敏，S2a-二(六)）", title)
    sheet.write_row(1, 0, HEADERS, head)
    sheet.freeze_panes(2, 0)
    for n, c in enumerate(concerns, start=2):
        sheet.write_row(n, 0, [escape_cell(v) for v in concern_row(c)])
    for col, width in enumerate([16, 16, 12, 14, 40, 18, 16, 8, 14, 14, 12, 18, 10, 12, 16, 8]):
        sheet.set_column(col, col, width)
    book.close()
    return buffer.getvalue()
