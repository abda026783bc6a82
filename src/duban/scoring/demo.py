"""The demo district's scores (issue 4 item 6): the score ledger derived from the demo's events, a year
of facts the office recorded with evidence (S0-A三/四), one counter-entry, and 2026 published — so the
ranking page is full on ``scripts/run``. Deterministic from the demo's seed; built through the services
on the demo's simulated clock."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from . import services

# (unit code, kind, tier, month, description, evidence)
FACTS: list[tuple[str, str, str, int, str, str]] = [
    ("FGJ", "commendation", "provincial", 3, "获省政府督查室督查工作通报表扬", "晋政督通〔2026〕4号"),
    ("KFQ", "promoted_experience", "municipal", 5, "“一枚印章管审批”经验被市政府督查室推广", "市督查简报第12期"),
    ("DCJD", "leader_instruction_positive", "district", 6, "区长批示：老旧小区改造推进有力", "区长批示件 2026-061"),
    ("GXJ", "research_adopted", "municipal", 7, "《园区企业用工情况调研》被市政府督查室采用", "市督查室采用通知"),
    ("TW", "commendation", "district", 4, "区政府通报表扬：青年志愿服务督办落实", "示政通〔2026〕18号"),
    ("ZJJ", "leader_instruction_negative", "district", 8, "区长批示：雨污分流改造进度滞后", "区长批示件 2026-083"),
    ("XCJD", "leader_instruction_negative", "municipal", 9, "市领导批示：背街小巷整治不到位", "市领导批示件"),
    ("TCJ", "research_adopted", "district", 9, "招商引资专题调研报告获区长肯定性批示", "区长批示件 2026-097"),
    ("NHJD", "commendation", "municipal", 10, "获市政府督查室通报表扬", "市督通〔2026〕9号"),
    ("SWJ", "promoted_experience", "district", 10, "“夜间经济”督办经验在全区推广", "示督简报第21期"),
]


def build(demo: Any) -> None:
    """Called at the end of ``duban.demo.builder.build`` (after the sweeps)."""
    from duban.demo.builder import TODAY

    rng = random.Random(2026)
    office = demo.people.get("ducha1")
    if office is None:
        return
    j = demo.jurisdiction.pk

    def moment(day: dt.date, hour: int = 11) -> dt.datetime:
        return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, rng.randint(0, 59)))

    services.sync(j, now=moment(TODAY, 8))
    recorded = []
    for code, kind, tier, month, description, evidence in FACTS:
        unit = demo.units.get(code)
        if unit is None:
            continue
        day = dt.date(TODAY.year, month, rng.randint(3, 26))
        recorded.append(services.record_fact(
            actor=office, unit=unit, kind=kind, day=day, attrs={"tier": tier}, description=description,
            evidence_ref=evidence, now=moment(min(day + dt.timedelta(days=2), TODAY))))
    # One fact entered for the wrong unit and corrected by a counter-entry (冲正), kept in the ledger.
    wrong = demo.units.get("NYJ")
    if wrong is not None:
        fact = services.record_fact(
            actor=office, unit=wrong, kind="commendation", day=dt.date(TODAY.year, 10, 12),
            attrs={"tier": "municipal"}, description="获市政府通报表扬（录入单位有误）",
            evidence_ref="市督通〔2026〕9号",
            now=moment(dt.date(TODAY.year, 10, 14)))
        entry = fact.entries.get()
        services.counter_entry(actor=office, entry=entry, reason="该表扬对象为南湖街道，录入单位有误",
                               now=moment(dt.date(TODAY.year, 10, 15)))
    services.publish(actor=office, code=str(TODAY.year), now=moment(TODAY, 17))
