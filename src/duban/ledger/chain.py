"""Appending to and verifying the hash-chained event ledger."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import JSONField

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


def _build(
    jurisdiction_id: int,
    seq: int,
    prev_hash: str,
    *,
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
    """The unsaved event at ``seq`` after ``prev_hash``, its hash computed (shared by both appends)."""
    event = Event(
        jurisdiction_id=jurisdiction_id,
        seq=seq,
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
        prev_hash=prev_hash,
    )
    event.hash = event_digest(prev_hash, event)
    return event


def _lock_head(jurisdiction_id: int) -> LedgerHead:
    head, _ = LedgerHead.objects.select_for_update().get_or_create(jurisdiction_id=jurisdiction_id)
    return head


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
        head = _lock_head(jurisdiction_id)
        event = _build(
            jurisdiction_id, head.seq + 1, head.last_hash or GENESIS, kind=kind, at=at, actor=actor,
            item=item, unit=unit, rule_id=rule_id, summary=summary, reason=reason, before=before,
            after=after, data=data,
        )
        event.save()
        LedgerHead.objects.filter(pk=head.pk).update(seq=event.seq, last_hash=event.hash)
        return event


def append_many(jurisdiction_id: int, entries: Sequence[Mapping[str, Any]]) -> list[Event]:
    """Append many events to one jurisdiction's chain at once (the batch path, duban.items.batch).

    Each entry holds the keyword arguments of ``append`` (without ``jurisdiction_id``). The head is
    locked once, the links are computed in Python in entry order — each event's ``prev_hash`` is the
    hash of the one before, exactly as if ``append`` had been called once per entry — and the events
    are written with one multi-row INSERT per 500. The result is indistinguishable from single
    appends: ``verify_chain`` walks it the same way. Runs inside the caller's transaction (no
    savepoint), so the events are written together with the rows they describe, or not at all.
    """
    if not entries:
        return []
    with transaction.atomic(savepoint=False):
        head = _lock_head(jurisdiction_id)
        prev, seq = head.last_hash or GENESIS, head.seq
        events: list[Event] = []
        for entry in entries:
            seq += 1
            event = _build(jurisdiction_id, seq, prev, **entry)
            prev = event.hash
            events.append(event)
        _insert(events)
        LedgerHead.objects.filter(pk=head.pk).update(seq=seq, last_hash=prev)
        return events


def _insert(events: list[Event]) -> None:
    """Write new events: ``COPY`` on PostgreSQL (the rows stream in one round trip, then one indexed
    SELECT gives them their ids), ``bulk_create`` elsewhere. Either way the events come back saved."""
    if connection.vendor != "postgresql":
        Event.objects.bulk_create(events, batch_size=500)
        return
    fields = [f for f in Event._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(Event._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    json_fields = {f.attname for f in fields if isinstance(f, JSONField)}
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for event in events:
                copy.write_row([
                    json.dumps(getattr(event, f.attname), ensure_ascii=False) if f.attname in json_fields
                    else getattr(event, f.attname)
                    for f in fields
                ])
    ids = dict(
        Event.objects.filter(jurisdiction_id=events[0].jurisdiction_id, seq__gte=events[0].seq,
                             seq__lte=events[-1].seq).values_list("seq", "pk")
    )
    for event in events:
        event.pk = ids[event.seq]
        event._state.adding = False
        event._state.db = connection.alias


def _plain(value: Any) -> bool:
    """Already what a JSON round trip gives back (no dates, decimals, tuples …)."""
    if value is None or type(value) in (str, int, bool):
        return True
    if type(value) is list:
        return all(_plain(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    return False


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    # Dates and decimals become strings exactly as the digest sees them after a database round trip.
    if _plain(value):
        return dict(value)
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
