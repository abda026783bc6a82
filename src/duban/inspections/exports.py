"""Excel export of each of the three lists with S4's columns: 序号, 具体内容, 牵头责任单位, 配合责任单位
(S4-二(二)), plus what each list adds (suggestion; measures and deadline; person and report due).
Written by the shared ledger writer (``duban.documents.ledger``: merged title, grouped two-row header)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence

from duban.documents.ledger import LedgerColumn, write_ledger
from duban.org.models import User

from .models import Entry

LISTS = {"problem": "整改问题清单", "measures": "整改措施清单", "responsibility": "整改责任清单"}
_S4 = [LedgerColumn("具体内容", width=60, wrap=True), LedgerColumn("牵头责任单位", group="责任单位", width=24),
       LedgerColumn("配合责任单位", group="责任单位", width=30, wrap=True)]
EXTRA = {
    "problem": [LedgerColumn("整改建议", width=40, wrap=True), LedgerColumn("状态", width=14)],
    "measures": [LedgerColumn("整改措施", width=50, wrap=True), LedgerColumn("整改时限", group="时限", width=12),
                 LedgerColumn("依据", group="时限", width=12)],
    "responsibility": [LedgerColumn("具体责任人", width=12), LedgerColumn("整改时限", group="时限", width=12),
                       LedgerColumn("报送时限", group="时限", width=12), LedgerColumn("状态", width=12),
                       LedgerColumn("重点督查", width=10)],
}


def _row(which: str, e: Entry) -> Sequence[object]:
    lead = (e.lead_unit or e.unit).name
    co = "、".join(u.name for u in e.co_units.all())
    base: list[object] = [e.content, lead, co]
    if which == "problem":
        return [*base, e.finding.suggestion, e.state_label]
    if which == "measures":
        return [*base, e.measures or e.escalation, e.deadline, e.deadline_rule]
    person = e.person.display_name if e.person else ""
    return [*base, person, e.deadline, e.report_due, e.state_label, e.key_supervision]


def list_workbook(which: str, entries: Iterable[Entry], user: User) -> bytes:
    def rows() -> Iterator[Sequence[object]]:
        for e in entries:
            yield _row(which, e)

    buffer = io.BytesIO()
    name = user.jurisdiction.name if user.jurisdiction else ""
    write_ledger(buffer, title=f"{name}{LISTS[which]}", columns=_S4 + EXTRA[which], rows=rows(),
                 subtitle="依据 S4-二(二)")
    return buffer.getvalue()
