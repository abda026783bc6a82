"""Plain rows built from a computation, shared by the pages, the Excel exports, the API and the replay."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from duban.core.scoring import Line
from duban.core.scoring.vocab import ATTRS, FACT_KINDS, value_label

from .models import ScoreEntry
from .selectors import Computation

SECTION_WORD = {"bonus": "加分", "deduction": "减分", "score": "得分", "deduct_from_max": "扣分", "metric": "指标"}
ORIGIN_LABEL = dict(ScoreEntry.Origin.choices)


def kind_label(kind: str) -> str:
    return FACT_KINDS[kind].label if kind in FACT_KINDS else kind


def attrs_text(attrs: dict[str, Any]) -> str:
    return "，".join(value_label(k, v) if isinstance(v, bool) else f"{ATTRS[k].label if k in ATTRS else k}："
                    f"{value_label(k, v)}" for k, v in attrs.items() if k != "item")


@dataclass
class RankingRow:
    unit_id: int
    unit: str
    category: str
    category_label: str
    total: float
    base: float
    bonus: float
    deductions: float
    rank: int | None
    ranked: int
    grade: str
    published: float | None
    vetoes: tuple[str, ...]
    notes: tuple[str, ...]
    sections: dict[str, float]


def ranking(comp: Computation) -> list[RankingRow]:
    policy = comp.policy
    rows = []
    for s in comp.result.scores:
        cat = policy.category(s.category)
        label = cat.label if cat else s.category
        rows.append(RankingRow(int(s.unit), comp.names.get(s.unit, s.unit), s.category, label, s.total, s.base,
                               s.bonus, s.deductions, s.rank, s.ranked, s.grade_label, s.published, s.vetoes,
                               s.notes, dict(s.sections)))
    return rows


def chart(comp: Computation) -> dict[str, Any]:
    """ECharts data: one bar series per category (units in rank order)."""
    out: dict[str, Any] = {"categories": []}
    for cat in comp.policy.categories:
        scores = comp.result.category(cat.code)
        if not scores:
            continue
        out["categories"].append({"code": cat.code, "label": cat.label,
                                  "units": [comp.names.get(s.unit, s.unit) for s in scores],
                                  "totals": [s.total for s in scores], "base": scores[0].base})
    return out


@dataclass
class EntryRow:
    entry: ScoreEntry
    kind: str
    attrs: str
    source: str
    event_seq: int | None
    item_id: int | None
    item_title: str
    evidence: str


@dataclass
class LineRow:
    rule_id: str
    clause: str
    section: str
    label: str
    variant: str
    bucket: str
    count: int
    points: float
    contribution: float
    explanation: str
    entries: list[EntryRow] = field(default_factory=list)


def entry_row(entry: ScoreEntry) -> EntryRow:
    source = ORIGIN_LABEL.get(entry.origin, entry.origin)
    seq = None
    evidence = ""
    if entry.source_event is not None:
        seq = entry.source_event.seq
        source = f"事件 #{seq} {entry.source_event.summary}"
    if entry.source_fact is not None:
        fact = entry.source_fact
        source = f"录入事实：{fact.description}（{fact.recorded_by.display_name} {fact.recorded_at:%Y-%m-%d}）"
        evidence = fact.evidence_ref or fact.evidence_name
        seq = fact.event.seq if fact.event is not None else None
    item = entry.item
    return EntryRow(entry, kind_label(entry.kind), attrs_text(entry.attr_dict), source, seq,
                    item.pk if item else None, f"{item.code} {item.title}" if item else "", evidence)


def lines(comp: Computation, unit_id: int) -> list[LineRow]:
    """Every line of one unit's score with the entries behind it (``compute(..., detail_unit=unit_id)``)."""
    score = comp.result.unit(str(unit_id))
    wanted = [r for line in score.lines for r in line.refs]
    entries = {f"e{e.pk}": e for e in ScoreEntry.objects.filter(pk__in=[int(r[1:]) for r in wanted if r[:1] == "e"])
               .select_related("source_event", "source_fact__recorded_by", "source_fact__event", "item")}
    out = []
    for line in score.lines:
        out.append(_line_row(line, [entry_row(entries[r]) for r in line.refs if r in entries]))
    return out


def _line_row(line: Line, rows: list[EntryRow]) -> LineRow:
    return LineRow(line.rule_id, line.clause, SECTION_WORD.get(line.section, line.section), line.label,
                   line.variant, line.bucket, line.count, line.points, line.contribution, line.explanation, rows)


def uncounted(comp: Computation, unit_id: int) -> list[EntryRow]:
    """The unit's live entries of the period that no rule of this policy counts."""
    score = comp.result.unit(str(unit_id))
    used = {r for line in score.lines for r in line.refs}
    rest = [e for ref, e in comp.entries.items() if ref not in used]
    return [entry_row(e) for e in rest]


def countered(unit_id: int, comp: Computation) -> list[tuple[EntryRow, ScoreEntry]]:
    """Entries of the period corrected by a counter-entry, each with its counter-entry."""
    period = comp.period
    last = period.first_quarter + period.quarters - 1
    pairs = ScoreEntry.objects.filter(unit_id=unit_id, quarter__gte=period.first_quarter, quarter__lte=last,
                                      counter_of__isnull=False).select_related(
        "counter_of__source_event", "counter_of__source_fact__recorded_by", "counter_of__item", "created_by")
    return [(entry_row(c.counter_of), c) for c in pairs if c.counter_of is not None]


def unit_summary(comp: Computation, unit_id: int) -> dict[str, Any]:
    """One unit's figures and lines as plain data (API, replay)."""
    s = comp.result.unit(str(unit_id))
    return {
        "unit_id": unit_id, "unit": comp.names.get(s.unit, s.unit), "category": s.category, "total": s.total,
        "base": s.base, "bonus": s.bonus, "deductions": s.deductions, "sections": s.sections, "rank": s.rank,
        "ranked": s.ranked, "grade": s.grade, "grade_label": s.grade_label, "published": s.published,
        "vetoes": list(s.vetoes), "notes": list(s.notes),
        "lines": [
            {"rule_id": x.rule_id, "clause": x.clause, "section": x.section, "label": x.label, "variant": x.variant,
             "bucket": x.bucket, "count": x.count, "points": x.points, "capped": x.capped,
             "contribution": x.contribution, "explanation": x.explanation,
             "entries": [int(r[1:]) for r in x.refs if r[:1] == "e"]}
            for x in s.lines
        ],
    }
