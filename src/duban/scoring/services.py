"""Writes to the score ledger (SPEC §4; issue 4). Every action appends one ledger event.

- ``sync``: derive entries from the ledger events not read yet (idempotent: one entry per event, map id
  and unit — re-reading the chain from the start creates nothing new).
- ``record_fact``: the office records a fact with evidence; ``counter_entry``: corrects an entry by a
  counter-entry (冲正), never by editing.
- ``choose_policy``: the jurisdiction's policy (a preset or an edited file, checked first).
- ``publish``: compute a period, store the figures, fire the triggers (S3b-17 → an accountability case;
  S3b-19 exemptions), once per unit and period.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from duban.core.scoring import PolicyError, check_policy, preset_names
from duban.core.scoring.vocab import ATTRS, FACT_KINDS, value_label
from duban.items.models import Item
from duban.ledger import chain
from duban.ledger.models import Event
from duban.org.models import Unit, User

from . import access, errors, mapping, selectors
from .errors import InvalidInput, ItemNotFound, PermissionDenied, StateConflict
from .models import (
    PolicyChoice,
    PublishedResult,
    RecordedFact,
    ScoreEntry,
    SyncCursor,
    TriggerRecord,
    canonical_attrs,
    quarter_index,
    shape_ids,
)

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
# Facts the ledger's events already produce: the office does not type them in (it corrects them).
DERIVED_KINDS = frozenset({
    "item_assigned", "item_taken_in", "item_closed", "milestone_due", "late_receipt", "late_report",
    "late_objection", "late_completion", "ticket_issued", "key_supervision", "return", "proposal_late",
})
RECORDABLE_KINDS = tuple(k for k in FACT_KINDS if k not in DERIVED_KINDS)
# Valued kinds whose value *is* the figure (a score, days late, points deducted); a commendation's or an
# inspection finding's value is optional (the chosen points within a range, else the range's low end).
VALUE_REQUIRED = frozenset({"panel_score", "indicator_score", "internal_rating", "material_late",
                            "leader_disciplined", "dereliction"})


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# -- deriving from the event ledger ----------------------------------------------------------------

@dataclass
class SyncReport:
    events: int = 0
    created: int = 0
    unmapped: Counter[str] = field(default_factory=Counter)
    skipped_units: int = 0


def sync(jurisdiction_id: int, *, batch: int = 2000, now: dt.datetime | None = None) -> SyncReport:
    """Read the jurisdiction's events after the cursor and store the entries they yield."""
    report = SyncReport()
    rules = mapping.load_map()
    known_units = set(Unit.objects.filter(jurisdiction_id=jurisdiction_id).values_list("pk", flat=True))
    while True:
        with transaction.atomic():
            cursor, _ = SyncCursor.objects.select_for_update().get_or_create(jurisdiction_id=jurisdiction_id)
            events = list(Event.objects.filter(jurisdiction_id=jurisdiction_id, seq__gt=cursor.seq)
                          .select_related("item").order_by("seq")[:batch])
            if not events:
                return report
            item_ids = {e.item_id for e in events if e.item_id}
            roles: dict[int, dict[int, str]] = {}
            from duban.items.models import Assignment

            for item_id, unit_id, role in Assignment.objects.filter(item_id__in=item_ids).values_list(
                    "item_id", "unit_id", "role"):
                roles.setdefault(item_id, {})[unit_id] = role
            rows: list[ScoreEntry] = []
            stamp = _now(now)
            for event in events:
                report.events += 1
                kind_rules = rules.get(event.kind, [])
                if not kind_rules and "score_fact" not in (event.data or {}):
                    report.unmapped[event.kind] += 1
                    continue
                item: Item | None = event.item
                ctx = mapping.Context(
                    kind=event.kind, data=event.data or {}, unit_id=event.unit_id, rule_id=event.rule_id,
                    day=mapping.local_day(event.at), item_id=event.item_id,
                    item_level=item.level if item else "", item_source=item.source if item else "",
                    roles=roles.get(event.item_id or 0, {}),
                )
                for d in mapping.derive(ctx, kind_rules):
                    if d.unit_id not in known_units:
                        report.skipped_units += 1
                        continue
                    rows.append(ScoreEntry(
                        jurisdiction_id=jurisdiction_id, unit_id=d.unit_id, kind=d.kind, day=d.day,
                        quarter=quarter_index(d.day), attrs=canonical_attrs(d.attrs), value=d.value,
                        times=d.times, rule_id=d.rule_id[:32], mapping=d.mapping[:64],
                        origin=ScoreEntry.Origin.EVENT, source_event=event, item_id=event.item_id,
                        summary=event.summary[:200], created_at=stamp,
                    ))
            if rows:
                shapes = shape_ids((r.kind, r.attrs) for r in rows)  # bulk_create skips save(): fill here
                for r in rows:
                    r.shape_id = shapes[(r.kind, r.attrs)]
                mine = ScoreEntry.objects.filter(source_event_id__in=[e.pk for e in events])
                before = mine.count()
                ScoreEntry.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
                report.created += mine.count() - before
            SyncCursor.objects.filter(pk=cursor.pk).update(seq=events[-1].seq, synced_at=stamp)


# -- facts the office records -----------------------------------------------------------------------

def _require_manager(actor: User, jurisdiction_id: int | None = None) -> None:
    if not access.may_manage(actor) or (jurisdiction_id is not None and actor.jurisdiction_id != jurisdiction_id):
        raise PermissionDenied(errors.NO_PERMISSION)


def clean_attrs(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Check a recorded fact's attributes against the vocabulary; Chinese errors per field."""
    spec = FACT_KINDS.get(kind)
    if spec is None:
        raise InvalidInput(f"未知的事实类型：{kind}", field_errors={"kind": "无效"})
    out: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, value in raw.items():
        if value in (None, ""):
            continue
        if name not in spec.attrs:
            problems[name] = f"“{FACT_KINDS[kind].label}”没有属性 {ATTRS[name].label if name in ATTRS else name}"
            continue
        attr = ATTRS[name]
        if attr.type == "bool":
            out[name] = value in (True, "1", "true", "on", "yes")
        elif attr.type == "int":
            try:
                out[name] = int(value)
            except (TypeError, ValueError):
                problems[name] = f"{attr.label}须为整数"
        else:
            text = str(value).strip()
            if attr.domain and text not in attr.domain:
                allowed = "、".join(value_label(name, v) for v in attr.domain)
                problems[name] = f"{attr.label}须为：{allowed}"
            else:
                out[name] = text
    if problems:
        raise InvalidInput("；".join(problems.values()), field_errors=problems)
    return out


@transaction.atomic
def record_fact(*, actor: User, unit: Unit, kind: str, day: dt.date, description: str,
                attrs: dict[str, Any] | None = None, value: float | None = None, times: int = 1,
                item: Item | None = None, evidence_ref: str = "", evidence: UploadedFile | None = None,
                rule_id: str = "", now: dt.datetime | None = None) -> RecordedFact:
    """录入事实 with evidence; the score ledger gets one entry naming it."""
    now = _now(now)
    _require_manager(actor, unit.jurisdiction_id)
    if kind not in FACT_KINDS:
        raise InvalidInput(f"未知的事实类型：{kind}", field_errors={"kind": "无效"})
    if kind in DERIVED_KINDS:
        raise InvalidInput(f"“{FACT_KINDS[kind].label}”由业务事件自动记账，不能手工录入；如有错误请对该条目冲正。",
                           field_errors={"kind": "自动记账"})
    clean = clean_attrs(kind, attrs or {})
    problems: dict[str, str] = {}
    if unit.category_id is None:
        problems["unit"] = "该单位未划分考核类别，不参加评分。"
    if day > timezone.localdate(now):
        problems["day"] = "发生日期不能晚于今天。"
    if not description.strip():
        problems["description"] = errors.DESCRIPTION_REQUIRED
    if not evidence_ref.strip() and evidence is None:
        problems["evidence"] = errors.EVIDENCE_REQUIRED
    if evidence is not None and evidence.size and evidence.size > EVIDENCE_MAX_BYTES:
        problems["evidence"] = "证明材料不能超过 20 MB。"
    if kind in VALUE_REQUIRED and value is None:
        problems["value"] = "该类事实须填写数值。"
    if times < 1:
        problems["times"] = "次数须为正整数。"
    if item is not None and item.jurisdiction_id != unit.jurisdiction_id:
        problems["item"] = "关联事项不在本辖区。"
    if problems:
        raise InvalidInput("；".join(problems.values()), field_errors=problems)
    sha = ""
    name = ""
    if evidence is not None:
        digest = hashlib.sha256()
        for chunk in evidence.chunks():
            digest.update(chunk)
        sha, name = digest.hexdigest(), evidence.name or ""
    label = FACT_KINDS[kind].label
    text = "，".join(value_label(k, v) for k, v in clean.items() if k != "item")
    summary = f"录入评分事实：{unit.name} {label}" + (f"（{text}）" if text else "")
    event = chain.append(
        jurisdiction_id=unit.jurisdiction_id, kind="fact_recorded", at=now, actor=actor, item=item,
        unit=unit, rule_id=rule_id[:32], summary=summary, reason=description.strip(),
        data={"kind": kind, "attrs": clean, "value": value, "times": times, "day": day,
              "evidence_ref": evidence_ref.strip(), "evidence_sha256": sha},
    )
    fact = RecordedFact(
        jurisdiction_id=unit.jurisdiction_id, unit=unit, kind=kind, day=day, attrs=canonical_attrs(clean),
        value=value, times=times, item=item, rule_id=rule_id[:32], description=description.strip(),
        evidence_ref=evidence_ref.strip(), evidence_name=name[:200], evidence_sha256=sha, recorded_by=actor,
        recorded_at=now, event=event,
    )
    if evidence is not None:
        fact.evidence.save(name or "evidence", evidence, save=False)
    fact.save()
    ScoreEntry.objects.create(
        jurisdiction_id=unit.jurisdiction_id, unit=unit, kind=kind, day=day, quarter=quarter_index(day),
        attrs=fact.attrs, value=None if value is None else value * times, times=times, rule_id=rule_id[:32],
        mapping="fact", origin=ScoreEntry.Origin.FACT, source_fact=fact, source_event=None, item=item,
        summary=summary[:200], created_by=actor, created_at=now,
    )
    return fact


@transaction.atomic
def counter_entry(*, actor: User, entry: ScoreEntry, reason: str, now: dt.datetime | None = None) -> ScoreEntry:
    """冲正: a new entry that cancels ``entry`` (same unit, kind, day, attributes, value; times −1)."""
    now = _now(now)
    _require_manager(actor, entry.jurisdiction_id)
    fresh = ScoreEntry.objects.select_for_update().filter(pk=entry.pk).first()
    if fresh is None:
        raise ItemNotFound(errors.NOT_FOUND)
    if fresh.counter_of_id is not None:
        raise StateConflict(errors.COUNTER_OF_COUNTER)
    if ScoreEntry.objects.filter(counter_of=fresh).exists():
        raise StateConflict(errors.ALREADY_COUNTERED)
    if not reason.strip():
        raise InvalidInput(errors.REASON_REQUIRED, field_errors={"reason": "必填"})
    label = FACT_KINDS[fresh.kind].label if fresh.kind in FACT_KINDS else fresh.kind
    summary = f"冲正评分台账条目 #{fresh.pk}：{fresh.unit.name} {label}（{fresh.day}）"
    event = chain.append(
        jurisdiction_id=fresh.jurisdiction_id, kind="scoring.counter_entry", at=now, actor=actor,
        item=fresh.item, unit=fresh.unit, rule_id=fresh.rule_id, summary=summary, reason=reason.strip(),
        before={"entry": fresh.pk, "times": fresh.times}, after={"times": 0},
        data={"entry": fresh.pk, "kind": fresh.kind},
    )
    try:
        counter = ScoreEntry.objects.create(
            jurisdiction_id=fresh.jurisdiction_id, unit_id=fresh.unit_id, kind=fresh.kind, day=fresh.day,
            quarter=fresh.quarter, attrs=fresh.attrs, shape_id=fresh.shape_id,
            value=None if fresh.value is None else -fresh.value,
            times=-fresh.times, rule_id=fresh.rule_id, mapping=f"counter:{event.pk}",
            origin=ScoreEntry.Origin.COUNTER, source_event=event, source_fact=fresh.source_fact,
            counter_of=fresh, item_id=fresh.item_id, summary=summary[:200], reason=reason.strip(),
            created_by=actor, created_at=now,
        )
    except IntegrityError:
        raise StateConflict(errors.ALREADY_COUNTERED) from None
    return counter


# -- the policy ------------------------------------------------------------------------------------

def parse_category_map(text: str) -> dict[str, str]:
    """``GNQ=county`` lines (or ``GNQ:county``, comma/space separated) → {org code: policy code}."""
    out: dict[str, str] = {}
    for part in text.replace("，", ",").replace(",", "\n").splitlines():
        part = part.strip()
        if not part:
            continue
        sep = "=" if "=" in part else ":"
        left, _, right = part.partition(sep)
        if not left.strip() or not right.strip():
            raise InvalidInput(f"类别对照格式有误：{part}（例：GNQ=county）", field_errors={"category_map": "格式有误"})
        out[left.strip()] = right.strip()
    return out


@transaction.atomic
def choose_policy(*, actor: User, preset: str = "", text: str = "", filename: str = "",
                  category_map: dict[str, str] | None = None, reason: str = "",
                  now: dt.datetime | None = None) -> PolicyChoice:
    """The office picks a preset or uploads an edited file; a file with errors is refused with them all."""
    now = _now(now)
    _require_manager(actor)
    assert actor.jurisdiction_id is not None
    if bool(preset) == bool(text.strip()):
        raise InvalidInput("请选择一个预置政策，或上传一个政策文件。", field_errors={"preset": "二选一"})
    if preset and preset not in preset_names():
        raise InvalidInput(f"没有预置政策 {preset}。", field_errors={"preset": "无效"})
    body = text if text.strip() else selectors.preset_text(preset)
    name = filename or (f"{preset}.toml" if preset else "自定义政策.toml")
    report = check_policy(body, name)
    if report.errors or report.policy is None:
        listing = "\n".join(str(p) for p in report.errors)
        raise InvalidInput(f"政策文件有 {len(report.errors)} 个错误：\n{listing}", field_errors={"text": listing})
    codes = {c.code for c in report.policy.categories}
    bad = {k: v for k, v in (category_map or {}).items() if v not in codes}
    if bad:
        raise InvalidInput("类别对照中有政策未定义的类别：" + "、".join(sorted(set(bad.values()))),
                           field_errors={"category_map": "无效类别"})
    chain.append(
        jurisdiction_id=actor.jurisdiction_id, kind="scoring.policy_chosen", at=now, actor=actor,
        rule_id="", summary=f"评分政策改为 {report.policy.title}（{name}）", reason=reason,
        data={"preset": preset, "filename": name, "sha256": hashlib.sha256(body.encode()).hexdigest(),
              "category_map": category_map or {}},
    )
    return PolicyChoice.objects.create(
        jurisdiction_id=actor.jurisdiction_id, preset=preset, text="" if preset else body, filename=name,
        category_map=category_map or {}, chosen_by=actor, chosen_at=now, reason=reason,
    )


# -- publishing a period and its triggers -----------------------------------------------------------

def result_data(comp: selectors.Computation) -> dict[str, Any]:
    """The published figures (also the replay's and the API's shape)."""
    return {
        "policy": comp.policy.name, "title": comp.policy.title, "period": comp.code,
        "units": [
            {"unit": comp.names.get(s.unit, s.unit), "unit_id": int(s.unit), "category": s.category,
             "total": s.total, "base": s.base, "bonus": s.bonus, "deductions": s.deductions,
             "sections": s.sections, "rank": s.rank, "ranked": s.ranked, "grade": s.grade,
             "grade_label": s.grade_label, "published": s.published, "vetoes": list(s.vetoes),
             "notes": list(s.notes)}
            for s in comp.result.scores
        ],
        "triggers": [{"trigger_id": t.trigger_id, "action": t.action, "unit_id": int(t.unit),
                      "explanation": t.explanation} for t in comp.triggers],
    }


def _open_case(*, jurisdiction: Any, unit: Unit, summary: str, facts: dict[str, Any], now: dt.datetime,
               person: User | None) -> str:
    """S3b-17 → an accountability case (duban.accountability), when that part is installed."""
    try:
        from duban.accountability.services import open_case_from_trigger  # type: ignore[import-not-found]
    except ImportError:
        return ""
    case = open_case_from_trigger(jurisdiction=jurisdiction, unit=unit, trigger_rule_id="S3b-17", summary=summary,
                                  facts=facts, now=now, person=person)
    return str(getattr(case, "number", "") or getattr(case, "pk", "") or "")


@transaction.atomic
def publish(*, actor: User, code: str, now: dt.datetime | None = None) -> PublishedResult:
    """发布考核结果: compute the period under the policy in use, keep the figures, fire the triggers."""
    now = _now(now)
    _require_manager(actor)
    assert actor.jurisdiction_id is not None
    try:
        selectors.parse_period(code)
    except ValueError as exc:
        raise InvalidInput(str(exc), field_errors={"period": "格式有误"}) from None
    sync(actor.jurisdiction_id, now=now)
    comp = selectors.compute(actor.jurisdiction_id, code)
    data = result_data(comp)
    event = chain.append(
        jurisdiction_id=actor.jurisdiction_id, kind="scoring.published", at=now, actor=actor,
        rule_id=comp.policy.total.id, summary=f"发布{comp.period.label}考核结果（{comp.policy.title}）",
        data={"period": comp.code, "policy": comp.policy.name, "sha256": comp.in_use.sha256,
              "units": len(data["units"]), "triggers": len(comp.triggers)},
    )
    published = PublishedResult.objects.create(
        jurisdiction_id=actor.jurisdiction_id, period=comp.code, policy=comp.policy.name,
        policy_sha256=comp.in_use.sha256, data=data, published_by=actor, published_at=now, event=event,
    )
    fire_triggers(comp, actor=actor, now=now)
    return published


def fire_triggers(comp: selectors.Computation, *, actor: User | None, now: dt.datetime) -> list[TriggerRecord]:
    """Record each hit once (unique per unit, period, trigger and action) and act on it."""
    made: list[TriggerRecord] = []
    units = {str(u.pk): u for u in Unit.objects.filter(pk__in=[int(t.unit) for t in comp.triggers])}
    for hit in comp.triggers:
        unit = units.get(hit.unit)
        if unit is None or TriggerRecord.objects.filter(
                jurisdiction_id=unit.jurisdiction_id, unit=unit, period=comp.code, trigger_id=hit.trigger_id,
                action=hit.action).exists():
            continue
        facts = {"period": comp.code, "periods": list(hit.periods), "policy": comp.policy.name,
                 "total": comp.result.by_unit().get(hit.unit).total if hit.unit in comp.result.by_unit() else None,
                 "explanation": hit.explanation}
        case_ref = ""
        if hit.action == "accountability":
            case_ref = _open_case(jurisdiction=unit.jurisdiction, unit=unit, summary=hit.explanation, facts=facts,
                                  now=now, person=None)
        event = chain.append(
            jurisdiction_id=unit.jurisdiction_id, kind="scoring.trigger", at=now, actor=actor, unit=unit,
            rule_id=hit.trigger_id, summary=f"{unit.name}：{hit.label}"[:200], reason=hit.explanation,
            data={**facts, "action": hit.action, "case": case_ref},
        )
        made.append(TriggerRecord.objects.create(
            jurisdiction_id=unit.jurisdiction_id, unit=unit, period=comp.code, trigger_id=hit.trigger_id,
            action=hit.action, label=hit.label[:200], explanation=hit.explanation, case_ref=case_ref[:64],
            event=event, created_at=now,
        ))
    return made


def describe_attrs(attrs_text: str) -> str:
    attrs = json.loads(attrs_text or "{}")
    return "，".join(f"{ATTRS[k].label if k in ATTRS else k}：{value_label(k, v)}" for k, v in attrs.items())


__all__ = ["RECORDABLE_KINDS", "PolicyError", "choose_policy", "counter_entry", "publish", "record_fact", "sync"]
