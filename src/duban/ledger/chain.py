"""Appending to and verifying the hash-chained event ledger."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from .models import Event, LedgerHead

GENESIS = "0" * 64


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def event_digest(prev_hash: str, event: Event) -> str:
    payload = {
        "jurisdiction": event.jurisdiction_id,
        "seq": event.seq,
        "kind": event.kind,
        "item": event.item_id,
        "unit": event.unit_id,
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "at": event.at.astimezone(UTC).isoformat(),
        "rule_id": event.rule_id,
        "summary": event.summary,
        "reason": event.reason,
        "before": event.before,
        "after": event.after,
        "data": event.data,
    }
    return hashlib.sha256(prev_hash.encode() + _canonical(payload)).hexdigest()


def append(
    *,
    jurisdiction_id: int,
    kind: str,
    at: datetime,
    actor: Any = None,
    item: Any = None,
    unit: Any = None,
    rule_id: str = "",
    summary: str = "",
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Append one event to the jurisdiction's chain, inside the caller's transaction when there is one
    (no savepoint: if the append fails, the action that caused it must fail with it)."""
    with transaction.atomic(savepoint=False):
        head, _ = LedgerHead.objects.select_for_update().get_or_create(jurisdiction_id=jurisdiction_id)
        prev = head.last_hash or GENESIS
        event = Event(
            jurisdiction_id=jurisdiction_id,
            seq=head.seq + 1,
            kind=kind,
            item=item,
            unit=unit,
            actor=actor,
            actor_name=(getattr(actor, "display_name", "") or "系统") if actor is not None else "系统",
            at=at,
            rule_id=rule_id,
            summary=summary[:200],
            reason=reason,
            before=_jsonable(before or {}),
            after=_jsonable(after or {}),
            data=_jsonable(data or {}),
            prev_hash=prev,
        )
        event.hash = event_digest(prev, event)
        event.save()
        LedgerHead.objects.filter(pk=head.pk).update(seq=event.seq, last_hash=event.hash)
        return event


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    # Dates and decimals become strings exactly as the digest sees them after a database round trip.
    result: dict[str, Any] = json.loads(_canonical(value))
    return result


@dataclass(frozen=True)
class ChainBreak:
    jurisdiction_id: int
    seq: int
    problem: str


def verify_chain(events: Iterable[Event]) -> ChainBreak | None:
    """Walk events in ``(jurisdiction, seq)`` order; return the first broken link, or None."""
    expected_seq: dict[int, int] = {}
    prev_hash: dict[int, str] = {}
    for event in events:
        j = event.jurisdiction_id
        want = expected_seq.get(j, 1)
        if event.seq != want:
            return ChainBreak(j, want, f"缺少序号 {want} 的事件（下一条为 {event.seq}）")
        prev = prev_hash.get(j, GENESIS)
        if event.prev_hash != prev:
            return ChainBreak(j, event.seq, "前序哈希不一致")
        if event_digest(prev, event) != event.hash:
            return ChainBreak(j, event.seq, "事件内容与哈希不符（疑似被篡改）")
        expected_seq[j] = want + 1
        prev_hash[j] = event.hash
    return None
