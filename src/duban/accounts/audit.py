"""The hash-chained audit log (等级保护 2.0: 安全审计; issue #8 §2).

``record(...)`` appends one record inside the caller's transaction (the head row is locked, so the
chain never forks). ``verify()`` walks the chain from the stored anchor (or from the genesis hash when
nothing was ever purged) and names the first broken link. ``purge(before, now)`` deletes only records
older than the retention period (``DUBAN_AUDIT_RETENTION_DAYS``, at least 183 days) and keeps the
hash of the last deleted record as the new anchor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import AuditAnchor, AuditHead, AuditKind, AuditRecord

GENESIS = "0" * 64
MIN_RETENTION_DAYS = 183  # 《网络安全法》第二十一条: network logs kept for no less than six months


def retention_days() -> int:
    return max(int(getattr(settings, "DUBAN_AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)), MIN_RETENTION_DAYS)


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def digest(prev_hash: str, r: AuditRecord) -> str:
    payload = {
        "seq": r.seq, "at": r.at.astimezone(UTC).isoformat(), "kind": r.kind,
        "actor": r.actor_id, "actor_name": r.actor_name, "subject": r.subject_id,
        "subject_name": r.subject_name, "item": r.item_id, "summary": r.summary, "ip": r.ip,
        "user_agent": r.user_agent, "data": r.data,
    }
    return hashlib.sha256(prev_hash.encode() + _canonical(payload)).hexdigest()


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _name(user: Any) -> str:
    if user is None:
        return ""
    return str(getattr(user, "display_name", "") or getattr(user, "username", ""))[:150]


def record(
    kind: AuditKind | str,
    summary: str,
    *,
    actor: Any = None,
    subject: Any = None,
    subject_name: str = "",
    item_id: int | None = None,
    request: HttpRequest | None = None,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditRecord:
    """Append one audit record (inside the caller's transaction when there is one)."""
    if actor is not None and not getattr(actor, "is_authenticated", True):
        actor = None
    with transaction.atomic(savepoint=False):
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            AuditHead.objects.get_or_create(pk=1)
            head = AuditHead.objects.select_for_update().get(pk=1)
        prev = head.last_hash or GENESIS
        r = AuditRecord(
            seq=head.seq + 1,
            at=at or timezone.now(),
            kind=str(kind),
            actor_id=getattr(actor, "pk", None),
            actor_name=_name(actor),
            subject_id=getattr(subject, "pk", None),
            subject_name=(_name(subject) or subject_name)[:150],
            item_id=item_id,
            summary=summary[:300],
            ip=client_ip(request),
            user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:200] if request is not None else "",
            data=json.loads(_canonical(data or {})),
            prev_hash=prev,
        )
        r.hash = digest(prev, r)
        r.save()
        AuditHead.objects.filter(pk=1).update(seq=r.seq, last_hash=r.hash)
        return r


@dataclass(frozen=True)
class AuditBreak:
    seq: int
    problem: str


def verify(records: Iterable[AuditRecord] | None = None) -> AuditBreak | None:
    """The first broken link of the audit chain, or None when it is intact (head included)."""
    anchor = AuditAnchor.objects.order_by("-seq").first()
    want = (anchor.seq if anchor else 0) + 1
    prev = anchor.hash if anchor else GENESIS
    rows = records if records is not None else AuditRecord.objects.order_by("seq").iterator(chunk_size=5000)
    for r in rows:
        if r.seq != want:
            return AuditBreak(want, f"缺少序号 {want} 的审计记录（下一条为 {r.seq}）")
        if r.prev_hash != prev:
            return AuditBreak(r.seq, "前序哈希不一致")
        if digest(prev, r) != r.hash:
            return AuditBreak(r.seq, "审计记录内容与哈希不符（疑似被篡改）")
        prev = r.hash
        want += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != want - 1 or (head.seq and head.last_hash != prev)):
        return AuditBreak(head.seq, f"链尾与记录不符（链头序号 {head.seq}），可能有审计记录被删除")
    return None


class RetentionError(Exception):
    pass


@transaction.atomic
def purge(*, before: dt.datetime, now: dt.datetime, actor: Any = None) -> int:
    """Delete audit records older than ``before``; refuse anything younger than the retention period."""
    limit = now - dt.timedelta(days=retention_days())
    if before > limit:
        raise RetentionError(
            f"审计记录至少保存 {retention_days()} 天（六个月以上）：只能清理 "
            f"{timezone.localtime(limit):%Y-%m-%d %H:%M} 之前的记录。"
        )
    broken = verify()
    if broken is not None:
        raise RetentionError(f"审计链已断裂（序号 {broken.seq}：{broken.problem}），拒绝清理，请先核查。")
    # Only a prefix of the chain goes: everything before the first record that is still young.
    first_young = AuditRecord.objects.filter(at__gte=before).order_by("seq").values_list("seq", flat=True).first()
    doomed = AuditRecord.objects.all() if first_young is None else AuditRecord.objects.filter(seq__lt=first_young)
    last = doomed.order_by("-seq").first()
    if last is None:
        return 0
    count = doomed.count()
    AuditAnchor.objects.create(seq=last.seq, hash=last.hash, purged_before=before, purged_at=now, count=count)
    AuditRecord.objects.filter(seq__lte=last.seq)._raw_delete(AuditRecord.objects.db)  # type: ignore[attr-defined]
    record(AuditKind.PURGE, f"清理 {count} 条过期审计记录（{timezone.localtime(before):%Y-%m-%d} 之前）",
           actor=actor, data={"count": count, "through_seq": last.seq, "before": before.isoformat()}, at=now)
    return count


def log_export(
    request: HttpRequest, what: str, *, rows: int | None = None, params: dict[str, Any] | None = None
) -> None:
    """One line for every export view: who exported what, with which filters (issue #8 §2)."""
    user = getattr(request, "user", None)
    query = params if params is not None else {k: v for k, v in request.GET.items() if v}
    record(AuditKind.EXPORT, f"导出{what}" + (f"（{rows} 行）" if rows is not None else ""), actor=user,
           subject=user, request=request, data={"what": what, "rows": rows, "filters": query})


def log_item_read(request: HttpRequest, item: Any) -> None:
    """One line for every view that shows an item: records each read of a confidential one (S1-九(五))."""
    if not getattr(item, "confidential", False):
        return
    user = getattr(request, "user", None)
    record(AuditKind.CONFIDENTIAL_READ, f"查阅涉密事项 {getattr(item, 'code', '')}「{getattr(item, 'title', '')}」",
           actor=user, subject=user, item_id=item.pk, request=request,
           data={"path": request.path, "method": request.method})
