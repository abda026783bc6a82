"""Producing the office's official documents: number them, record them, render them.

Four kinds (issue #7):

* 督办通知单 (notice of assignment, S0-9 / S1-五(二)) — from an item's assignment;
* 催办单 (urging ticket, S0-15, the colour shown) — from a signed ``urging.Ticket`` (its number 督催〔…〕
  is the one the signing gave it);
* 督查通报 (circulated notice with a ranking table, S0-13) — from plain data (:class:`CircularData`),
  which the scoring area passes with its ranking;
* 问责决定 (accountability decision, S3a) — from plain data (:class:`AccountabilityData`).

A document's number (督办〔2026〕3号) is taken from the per-jurisdiction, per-kind, per-year sequence the
first time the document is produced, kept in :class:`IssuedDocument`, and that first production appends
one ledger event (``document_issued``) with who, when, rule ID, number and title. Producing it again
(another download, the PDF) gives the same number and appends nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from duban.core.lifecycle import Role
from duban.items import access
from duban.items.errors import InvalidInput, PermissionDenied, StateConflict
from duban.items.models import Assignment, Item
from duban.items.services import next_number
from duban.ledger import chain
from duban.org.models import ROLE_LABELS, Jurisdiction, User
from duban.urging.models import Ticket

from .docx import OfficialDocument, render_docx
from .models import DocumentKind, IssuedDocument
from .wording import Wording, wording_for

RULES = {
    DocumentKind.NOTICE: "S0-9",
    DocumentKind.TICKET: "S0-15",
    DocumentKind.CIRCULAR: "S0-13",
    DocumentKind.ACCOUNTABILITY: "S3a",
}
# States in which an item has been handed out (it has its assignments): a notice can be produced.
_HANDED_OUT_EXCLUDED = {"pending_approval", "declined", "approved"}


@dataclass(frozen=True)
class RankRow:
    """One line of the ranking table of a 督查通报."""

    unit: str
    category: str
    score: float | str
    rank: int


@dataclass(frozen=True)
class CircularData:
    """A 督查通报: ``key`` identifies it (e.g. "ranking:2026Q3") so producing it twice keeps one number."""

    key: str
    title: str  # "2026年第三季度督查考核结果" → 关于2026年第三季度督查考核结果的通报
    intro: str
    ranking: list[RankRow]
    praise: str = ""
    criticism: str = ""
    recipients: str = "各镇（街道），区政府各部门，各有关单位"
    period: str = ""


@dataclass(frozen=True)
class AccountabilityData:
    """A 问责决定 (S3a): ``key`` identifies the case (e.g. "case:17")."""

    key: str
    subject: str  # 区某某局 / 张某某同志
    facts: str
    decision: str
    basis: str
    rule_id: str = "S3a-5"
    recipients: str = ""
    copy_to: str = "区纪委监委，区委组织部"


@dataclass
class Produced:
    record: IssuedDocument
    document: OfficialDocument
    file_stem: str
    created: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def docx(self) -> bytes:
        return render_docx(self.document)


def _today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


def _issue(*, actor: User, jurisdiction: Jurisdiction, kind: DocumentKind, key: str, title: str, now: dt.datetime,
           wording: Wording, item: Item | None = None, ticket: Ticket | None = None, number: str = "",
           payload: dict[str, Any] | None = None, rule_id: str = "") -> tuple[IssuedDocument, bool]:
    """The document's record: the existing one, or a new number and one ledger event."""
    existing = IssuedDocument.objects.filter(jurisdiction=jurisdiction, kind=kind, key=key).first()
    if existing is not None:
        return existing, False
    year = _today(now).year
    try:
        with transaction.atomic():
            if not number:
                prefix = wording.number_prefix(kind)
                number = f"{prefix}〔{year}〕{next_number(jurisdiction.pk, f'doc-{kind}', year)}号"
            record = IssuedDocument.objects.create(
                jurisdiction=jurisdiction, kind=kind, key=key, number=number, year=year, title=title[:200],
                item=item, ticket=ticket, payload=payload or {}, issued_at=now, issued_by=actor,
            )
            event = chain.append(
                jurisdiction_id=jurisdiction.pk, kind="document_issued", at=now, actor=actor, item=item,
                unit=ticket.unit if ticket is not None else None, rule_id=rule_id or RULES[kind],
                summary=f"生成{DocumentKind(kind).label} {number}：{title}",
                data={"document": record.pk, "kind": str(kind), "number": number, "key": key,
                      **({"ticket": ticket.pk} if ticket is not None else {})},
            )
            IssuedDocument.objects.filter(pk=record.pk).update(event=event)
            record.event = event
    except IntegrityError:
        # Someone produced the same document at the same moment: theirs is the one.
        return IssuedDocument.objects.get(jurisdiction=jurisdiction, kind=kind, key=key), False
    return record, True


def _document(wording: Wording, kind: str, *, number: str, title: str, recipients: str, body: list[Any],
              date: dt.date, **kw: Any) -> OfficialDocument:
    printed_by = wording.office("printed_by")
    return OfficialDocument(
        kind=kind, number=number, title=title, recipients=recipients, body=body,
        authority_mark=wording.office("mark"), signature=wording.office("signature"), date=date,
        header_image=wording.header_image, printed_by=printed_by, **kw,
    )


# --- 督办通知单 ------------------------------------------------------------------------------------


def _check_office_or_visible(actor: User, item: Item) -> None:
    if not access.can_see(actor, item):
        raise PermissionDenied("事项不存在或您无权查看。")


def notice(actor: User, item: Item, *, now: dt.datetime | None = None) -> Produced:
    """督办通知单 of a handed-out item (S0-9: target, responsibility, requirements, deadline)."""
    now = now or timezone.now()
    _check_office_or_visible(actor, item)
    if item.state in _HANDED_OUT_EXCLUDED:
        raise StateConflict("事项尚未交办，还没有督办通知单。")
    assignments = list(Assignment.objects.filter(item=item).select_related("unit").order_by("role", "id"))
    lead = next((a.unit.name for a in assignments if a.role == Assignment.Role.LEAD), "")
    co = "、".join(a.unit.name for a in assignments if a.role != Assignment.Role.LEAD)
    jurisdiction = item.jurisdiction
    wording = wording_for(jurisdiction, year=_today(now).year)
    section = wording.section("notice")
    values = {
        "title": item.title, "code": item.code, "content": item.content, "requirements": item.requirements,
        "source": item.get_source_display(), "level": item.get_level_display(), "lead": lead, "co": co,
        "deadline": _chinese(item.deadline) if item.deadline else "规定时限", "channel": item.get_channel_display(),
    }
    values["co_clause"] = wording.fill(str(section.get("co_clause", "")), **values) if co else ""
    title = wording.fill(str(section["title"]), **values)
    record, created = _issue(actor=actor, jurisdiction=jurisdiction, kind=DocumentKind.NOTICE, key=f"item:{item.pk}",
                             title=title, now=now, wording=wording, item=item)
    doc = _document(wording, "notice", number=record.number, title=title,
                    recipients="、".join(filter(None, [lead, co])), body=wording.body("notice", **values),
                    date=_today(record.issued_at))
    return Produced(record, doc, f"督办通知单_{item.code}", created)


# --- 催办单 ---------------------------------------------------------------------------------------


def ticket_document(actor: User, ticket: Ticket, *, now: dt.datetime | None = None) -> Produced:
    """催办单 of a signed ticket: its number, its colour shown (S0-15), the unit as recipient."""
    now = now or timezone.now()
    _check_office_or_visible(actor, ticket.item)
    if ticket.state == Ticket.State.DRAFTED or not ticket.number:
        raise StateConflict("催办单尚未签发，还没有文号，不能生成正式文书（S0-11）。")
    if ticket.state == Ticket.State.CANCELLED:
        raise StateConflict("催办单已撤销。")
    jurisdiction = ticket.jurisdiction
    wording = wording_for(jurisdiction, year=_today(now).year)
    section = wording.section("ticket")
    values = {
        "colour_label": f"{ticket.colour_label}催办单", "item_code": ticket.item.code,
        "item_title": ticket.item.title, "unit": ticket.unit.name, "reason": ticket.reason.rstrip("。"),
        "due_on": _chinese(ticket.due_on),
        "answer_due": _chinese(timezone.localtime(ticket.answer_due_at).date()) if ticket.answer_due_at else "规定时限",
        "rule_id": ticket.rule_id,
    }
    title = wording.fill(str(section["title"]), **values)
    record, created = _issue(actor=actor, jurisdiction=jurisdiction, kind=DocumentKind.TICKET,
                             key=f"ticket:{ticket.pk}", title=title, now=now, wording=wording, item=ticket.item,
                             ticket=ticket, number=ticket.number, rule_id=ticket.rule_id or "S0-15")
    issued = timezone.localtime(ticket.issued_at).date() if ticket.issued_at else _today(record.issued_at)
    copy_to = "、".join(_role_label(r) for r in (ticket.copy_to or []))
    doc = _document(wording, "ticket", number=record.number, title=title, recipients=ticket.unit.name,
                    body=wording.body("ticket", **values), date=issued, colour=ticket.colour,
                    colour_label=values["colour_label"], copy_to=copy_to)
    return Produced(record, doc, f"催办单_{ticket.number}", created)


def _role_label(role: str) -> str:
    try:
        return str(ROLE_LABELS[Role(role)])
    except (ValueError, KeyError):
        return role


# --- 督查通报 and 问责决定 (plain data) ---------------------------------------------------------------


def _require_office(actor: User) -> None:
    if not access.is_office(actor) or actor.jurisdiction is None:
        raise PermissionDenied("只有督查室人员可以生成督查通报和问责决定。")


def _payload(data: Any) -> dict[str, Any]:
    return json.loads(json.dumps(asdict(data), ensure_ascii=False, default=str))


def circular(actor: User, data: CircularData, *, now: dt.datetime | None = None) -> Produced:
    """督查通报 (S0-13: results circulated) with the ranking table the scoring area passes."""
    now = now or timezone.now()
    _require_office(actor)
    if not data.key.strip() or not data.title.strip():
        raise InvalidInput("请填写通报的标识和标题。")
    if not data.ranking:
        raise InvalidInput("通报须附排名表（至少一个单位）。")
    jurisdiction = actor.jurisdiction
    assert jurisdiction is not None
    wording = wording_for(jurisdiction, year=_today(now).year)
    section = wording.section("circular")
    header = tuple(str(h) for h in section.get("table_header", ["名次", "单位", "考核类别", "得分"]))
    table = (header, *((str(r.rank), r.unit, r.category, _score(r.score)) for r in data.ranking))
    values = {"title": data.title, "period": data.period, "intro": data.intro, "praise": data.praise,
              "criticism": data.criticism}
    title = wording.fill(str(section["title"]), **values)
    record, created = _issue(actor=actor, jurisdiction=jurisdiction, kind=DocumentKind.CIRCULAR,
                             key=f"circular:{data.key}", title=title, now=now, wording=wording,
                             payload=_payload(data))
    doc = _document(wording, "circular", number=record.number, title=title, recipients=data.recipients,
                    body=wording.body("circular", table=table, **values), date=_today(record.issued_at))
    return Produced(record, doc, f"督查通报_{record.number}", created)


def accountability(actor: User, data: AccountabilityData, *, now: dt.datetime | None = None) -> Produced:
    """问责决定 (S3a): facts, basis with the rule, the decision, the appeal clause; copied to 纪检/组织部."""
    now = now or timezone.now()
    _require_office(actor)
    missing = [label for label, value in (("问责对象", data.subject), ("事实", data.facts),
                                          ("问责决定", data.decision), ("依据", data.basis)) if not value.strip()]
    if missing or not data.key.strip():
        raise InvalidInput("请填写：" + "、".join(missing or ["标识"]))
    jurisdiction = actor.jurisdiction
    assert jurisdiction is not None
    wording = wording_for(jurisdiction, year=_today(now).year)
    section = wording.section("accountability")
    values = {"subject": data.subject, "facts": data.facts, "basis": data.basis, "decision": data.decision,
              "rule_id": data.rule_id, "appeal": wording.fill(str(section.get("appeal", "")))}
    title = wording.fill(str(section["title"]), **values)
    record, created = _issue(actor=actor, jurisdiction=jurisdiction, kind=DocumentKind.ACCOUNTABILITY,
                             key=f"accountability:{data.key}", title=title, now=now, wording=wording,
                             payload=_payload(data), rule_id=data.rule_id or "S3a")
    doc = _document(wording, "accountability", number=record.number, title=title,
                    recipients=data.recipients or data.subject, body=wording.body("accountability", **values),
                    date=_today(record.issued_at), copy_to=data.copy_to)
    return Produced(record, doc, f"问责决定_{record.number}", created)


def reproduce(actor: User, record: IssuedDocument) -> Produced:
    """Produce an issued document again (same number), e.g. for the archive package."""
    if record.kind == DocumentKind.NOTICE and record.item is not None:
        return notice(actor, record.item)
    if record.kind == DocumentKind.TICKET and record.ticket is not None:
        return ticket_document(actor, record.ticket)
    if record.kind == DocumentKind.CIRCULAR:
        p = dict(record.payload)
        p["ranking"] = [RankRow(**r) for r in p.get("ranking", [])]
        return circular(actor, CircularData(**p))
    return accountability(actor, AccountabilityData(**record.payload))


def _score(value: float | str) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _chinese(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
