"""Scoring routes (SPEC §4): results, a unit's lines, facts (record + counter-entry), what-if.

Same permissions as the pages: the office and 绩考办 see everything and record facts; leaders read the
rankings; a unit reads its own lines. Errors are the API's JSON (403, 404, 409, 422 with Chinese detail).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from duban.core.scoring import check_policy, compare, preset_names
from duban.items.models import Item
from duban.org.models import Unit, User

from . import access, report, selectors, services
from .errors import InvalidInput, ItemNotFound, PermissionDenied
from .models import RecordedFact, ScoreEntry

router = Router(tags=["考核评分"])


def _user(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if user.jurisdiction_id is None:
        raise PermissionDenied("您不属于任何辖区。")
    return user


def _code(user: User, period: str, in_use: selectors.PolicyInUse) -> str:
    if not period:
        return selectors.default_period(in_use.policy, dt.date.today())
    try:
        selectors.parse_period(period)
    except ValueError as exc:
        raise InvalidInput(str(exc), field_errors={"period": "格式有误"}) from None
    return period


@router.get("/results", summary="考核结果（排名）")
def results(request: HttpRequest, period: str = "", category: str = "") -> dict[str, Any]:
    """Each unit's total, bonus, deductions, rank and grade for the period (``2026``, ``2026Q1``,
    ``2026-2027``), under the jurisdiction's policy; ``triggers``: S3b-17 / S3b-19 and the like."""
    user = _user(request)
    if not access.may_see_rankings(user):
        raise PermissionDenied("您无权查看考核排名。")
    assert user.jurisdiction_id is not None
    services.sync(user.jurisdiction_id)
    in_use = selectors.current_policy(user.jurisdiction_id)
    comp = selectors.compute(user.jurisdiction_id, _code(user, period, in_use), in_use=in_use)
    data = services.result_data(comp)
    if category:
        data["units"] = [u for u in data["units"] if u["category"] == category]
    return data


@router.get("/units/{unit_id}/lines", summary="单位得分明细")
def unit_lines(request: HttpRequest, unit_id: int, period: str = "") -> dict[str, Any]:
    """Every line of the unit's score: rule ID, the seed's clause, points, and the entries behind it
    (each with its ledger event or recorded fact and the item)."""
    user = _user(request)
    unit = Unit.objects.filter(pk=unit_id, jurisdiction_id=user.jurisdiction_id).first()
    if unit is None or not access.may_see_unit(user, unit):
        raise ItemNotFound("单位不存在或您无权查看其得分。")
    services.sync(unit.jurisdiction_id)
    in_use = selectors.current_policy(unit.jurisdiction_id)
    comp = selectors.compute(unit.jurisdiction_id, _code(user, period, in_use), in_use=in_use, detail_unit=unit.pk,
                             with_history=False)
    if str(unit.pk) not in comp.result.by_unit():
        raise ItemNotFound("该单位不参加本政策的评分。")
    summary = report.unit_summary(comp, unit.pk)
    summary["period"] = comp.code
    summary["policy"] = comp.policy.name
    summary["entries"] = {e.entry.pk: _entry(e) for line in report.lines(comp, unit.pk) for e in line.entries}
    return summary


def _entry(row: report.EntryRow) -> dict[str, Any]:
    e = row.entry
    return {"id": e.pk, "kind": e.kind, "kind_label": row.kind, "day": e.day.isoformat(), "attrs": e.attr_dict,
            "value": e.value, "times": e.times, "rule_id": e.rule_id, "origin": e.origin,
            "event_seq": row.event_seq, "fact_id": e.source_fact_id, "item_id": row.item_id, "source": row.source}


class FactIn(Schema):
    unit_id: int
    kind: str = Field(..., description="事实类型代码，如 commendation、leader_instruction_positive、survey_answer")
    day: dt.date
    description: str
    attrs: dict[str, Any] = Field(default_factory=dict, description="属性，如 {\"tier\": \"provincial\"}")
    value: float | None = None
    times: int = 1
    item_code: str = ""
    evidence_ref: str = Field("", description="证明材料文号（上传文件请用页面）")
    rule_id: str = ""


class CounterIn(Schema):
    reason: str


class WhatIfIn(Schema):
    period: str = ""
    preset: str = ""
    text: str = Field("", description="编辑后的政策文件（TOML）")
    category_map: dict[str, str] = Field(default_factory=dict)


def _fact_out(f: RecordedFact) -> dict[str, Any]:
    entry = f.entries.filter(counter_of__isnull=True).first()
    countered = entry is not None and ScoreEntry.objects.filter(counter_of=entry).exists()
    return {"id": f.pk, "unit_id": f.unit_id, "kind": f.kind, "day": f.day.isoformat(), "attrs": f.attr_dict,
            "value": f.value, "times": f.times, "item_id": f.item_id, "description": f.description,
            "evidence_ref": f.evidence_ref, "recorded_by": f.recorded_by.display_name,
            "recorded_at": f.recorded_at.isoformat(), "entry_id": entry.pk if entry else None,
            "countered": countered}


@router.get("/facts", summary="录入的评分事实")
def list_facts(request: HttpRequest, unit_id: int | None = None) -> list[dict[str, Any]]:
    user = _user(request)
    if not access.may_manage(user):
        raise PermissionDenied("只有督查室或绩考办可以查看录入的评分事实。")
    qs = RecordedFact.objects.filter(jurisdiction_id=user.jurisdiction_id).select_related("recorded_by")
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return [_fact_out(f) for f in qs[:500]]


@router.post("/facts", summary="录入评分事实", response={201: dict[str, Any]})
def post_fact(request: HttpRequest, body: FactIn) -> Status[dict[str, Any]]:
    user = _user(request)
    unit = Unit.objects.filter(pk=body.unit_id, jurisdiction_id=user.jurisdiction_id).first()
    if unit is None:
        raise InvalidInput("单位不存在。", field_errors={"unit_id": "无效"})
    item = None
    if body.item_code:
        item = Item.objects.filter(jurisdiction_id=user.jurisdiction_id, code=body.item_code).first()
        if item is None:
            raise InvalidInput("找不到该编号的事项。", field_errors={"item_code": "无效"})
    fact = services.record_fact(actor=user, unit=unit, kind=body.kind, day=body.day, description=body.description,
                                attrs=body.attrs, value=body.value, times=body.times, item=item,
                                evidence_ref=body.evidence_ref, rule_id=body.rule_id)
    return Status(201, _fact_out(fact))


@router.post("/entries/{entry_id}/counter", summary="冲正评分台账条目", response={201: dict[str, Any]})
def post_counter(request: HttpRequest, entry_id: int, body: CounterIn) -> Status[dict[str, Any]]:
    user = _user(request)
    entry = ScoreEntry.objects.filter(pk=entry_id, jurisdiction_id=user.jurisdiction_id).first()
    if entry is None:
        raise ItemNotFound("评分台账条目不存在。")
    counter = services.counter_entry(actor=user, entry=entry, reason=body.reason)
    return Status(201, {"id": counter.pk, "counter_of": entry.pk, "times": counter.times, "reason": counter.reason})


@router.post("/whatif", summary="政策对比（what-if）")
def post_whatif(request: HttpRequest, body: WhatIfIn) -> dict[str, Any]:
    """Recompute a period under a preset or an edited policy text; rankings side by side. Nothing stored."""
    user = _user(request)
    if not access.may_see_rankings(user):
        raise PermissionDenied("您无权查看考核排名。")
    assert user.jurisdiction_id is not None
    in_use = selectors.current_policy(user.jurisdiction_id)
    code = _code(user, body.period, in_use)
    if bool(body.preset) == bool(body.text.strip()):
        raise InvalidInput("请给出 preset 或 text 之一。", field_errors={"preset": "二选一"})
    if body.preset and body.preset not in preset_names():
        raise InvalidInput(f"没有预置政策 {body.preset}。", field_errors={"preset": "无效"})
    text = body.text if body.text.strip() else selectors.preset_text(body.preset)
    name = f"{body.preset}.toml" if body.preset else "编辑的政策.toml"
    checked = check_policy(text, name)
    if checked.errors or checked.policy is None:
        raise InvalidInput(f"政策文件有 {len(checked.errors)} 个错误。",
                           field_errors={"text": "\n".join(str(p) for p in checked.errors)})
    services.sync(user.jurisdiction_id)
    a = selectors.compute(user.jurisdiction_id, code, in_use=in_use, with_history=False)
    b = selectors.compute_with(user.jurisdiction_id, code, checked.policy, text, name,
                               body.category_map or in_use.category_map)
    return {
        "period": code, "a": a.policy.name, "b": b.policy.name,
        "rows": [{"unit_id": int(r.unit), "unit": a.names.get(r.unit, b.names.get(r.unit, r.unit)),
                  "category_a": r.category_a, "total_a": r.total_a, "rank_a": r.rank_a, "grade_a": r.grade_a,
                  "category_b": r.category_b, "total_b": r.total_b, "rank_b": r.rank_b, "grade_b": r.grade_b,
                  "delta_total": r.delta_total, "delta_rank": r.delta_rank, "changed": r.changed}
                 for r in compare(a.result, b.result)],
    }
