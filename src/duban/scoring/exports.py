"""Excel exports of a ranking and of one unit's lines (SPEC §8: rankings as Excel), written by the
documents area's ledger writer (merged title row, 序号 first, two-row headers for grouped columns)."""

from __future__ import annotations

import io

from duban.documents.ledger import LedgerColumn, write_ledger

from . import report
from .selectors import Computation


def ranking_xlsx(comp: Computation, jurisdiction_name: str) -> bytes:
    columns = [
        LedgerColumn("考核类别", width=16), LedgerColumn("单位", width=26),
        LedgerColumn("基础分", group="得分构成", width=9), LedgerColumn("加分", group="得分构成", width=9),
        LedgerColumn("减分", group="得分构成", width=9), LedgerColumn("总分", group="考核结果", width=9),
        LedgerColumn("名次", group="考核结果", width=7), LedgerColumn("等次", group="考核结果", width=10),
        LedgerColumn("折算分", group="考核结果", width=9), LedgerColumn("说明", width=40, wrap=True),
    ]
    rows = [(r.category_label, r.unit, r.base, r.bonus, r.deductions, r.total, r.rank, r.grade, r.published,
             "；".join((*r.notes, *(f"否决 {v}" for v in r.vetoes))))
            for r in report.ranking(comp)]
    buffer = io.BytesIO()
    write_ledger(buffer, title=f"{jurisdiction_name}{comp.period.label}考核排名", columns=columns, rows=rows,
                 subtitle=f"依据：{comp.policy.title}（{comp.in_use.name}）", sheet_name="考核排名")
    return buffer.getvalue()


def unit_lines_xlsx(comp: Computation, unit_id: int) -> bytes:
    score = comp.result.unit(str(unit_id))
    columns = [
        LedgerColumn("依据条款", width=14), LedgerColumn("项目", width=20),
        LedgerColumn("条款原文", width=50, wrap=True),
        LedgerColumn("期间", width=14), LedgerColumn("次数", group="计分", width=7),
        LedgerColumn("分值", group="计分", width=9), LedgerColumn("计入总分", group="计分", width=9),
        LedgerColumn("计算说明", width=40, wrap=True), LedgerColumn("来源（事件/录入事实）", width=50, wrap=True),
    ]
    rows = []
    for line in report.lines(comp, unit_id):
        sources = "\n".join(f"{e.entry.day} {e.source}" + (f"（事项 {e.item_title}）" if e.item_title else "")
                            for e in line.entries)
        rows.append((line.rule_id, f"{line.label}{('·' + line.variant) if line.variant else ''}", line.clause,
                     line.bucket, line.count, line.points, line.contribution, line.explanation, sources))
    name = comp.names.get(score.unit, score.unit)
    buffer = io.BytesIO()
    write_ledger(buffer, title=f"{name}{comp.period.label}考核得分明细", columns=columns, rows=rows,
                 subtitle=f"总分 {score.total:g}，名次 {score.rank or '—'}/{score.ranked}；依据：{comp.policy.title}",
                 sheet_name="得分明细")
    return buffer.getvalue()
