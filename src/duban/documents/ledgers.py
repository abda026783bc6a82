"""The ledgers of the list pages that are not items: urging tickets (催办单台账).

The item ledger lives with the items (``duban.items.exports``); both are written by
``duban.documents.ledger.write_ledger``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from duban.urging.models import Ticket

from .ledger import LedgerColumn, write_ledger

TICKET_COLUMNS: list[LedgerColumn] = [
    LedgerColumn("文号", width=18),
    LedgerColumn("颜色", width=8),
    LedgerColumn("事项编号", group="督查事项", width=16),
    LedgerColumn("事项名称", group="督查事项", width=32, wrap=True),
    LedgerColumn("被催办单位", width=20, wrap=True),
    LedgerColumn("催办事由", width=40, wrap=True),
    LedgerColumn("依据条款", width=12),
    LedgerColumn("原定时限", width=12),
    LedgerColumn("状态", width=10),
    LedgerColumn("签发人", group="签发", width=10),
    LedgerColumn("签发时间", group="签发", width=17),
    LedgerColumn("反馈时限", group="反馈", width=17),
    LedgerColumn("反馈时间", group="反馈", width=17),
]


def ticket_row(t: Ticket) -> list[Any]:
    """One ticket as ledger values (without 序号); item, unit and signer must be selected."""
    return [
        t.number or "（待签发）",
        t.colour_label,
        t.item.code,
        t.item.title,
        t.unit.name,
        t.reason,
        t.rule_id,
        t.due_on,
        t.get_state_display(),
        t.signed_by.display_name if t.signed_by else "",
        t.issued_at,
        t.answer_due_at,
        t.answered_at,
    ]


def _rows(tickets: Iterable[Ticket]) -> Iterator[list[Any]]:
    for t in tickets:
        yield ticket_row(t)


def write_tickets(target: IO[bytes] | str, tickets: Iterable[Ticket], *, title: str, subtitle: str = "",
                  progress: Callable[[int], None] | None = None) -> int:
    return write_ledger(target, title=title, subtitle=subtitle, columns=TICKET_COLUMNS, rows=_rows(tickets),
                        progress=progress, sheet_name="催办单")
