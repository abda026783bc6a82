"""Appending to and verifying the hash-chained event ledger."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import JSONField, Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

from . import rows as bulk
from .models import Event, LedgerHead

GENESIS = "0" * 64

# The canonical form of an event: compact JSON, keys sorted, non-ASCII kept, anything else as str().
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
_encode = _ENCODER.encode
_string: Any = json.encoder.encode_basestring  # what _ENCODER writes for a str (the C function when present)


def _canonical(fields: dict[str, Any]) -> bytes:
    return _encode(fields).encode()


def event_digest(prev_hash: str, event: Event) -> str:
    """The reference definition of an event's hash (``verify_chain`` uses it on stored events)."""
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


def _value(value: Any) -> str:
    """One JSON value exactly as ``_canonical`` writes it inside a larger document."""
    kind = type(value)
    if kind is str:
        return str(_string(value))
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return _encode(value)


def _digest(prev_hash: str, jurisdiction_id: int, seq: int, kind: str, item_id: Any, unit_id: Any, actor_id: Any,
            actor_name: str, at: datetime, rule_id: str, summary: str, reason: str, before: str, after: str,
            data: str) -> str:
    """``event_digest`` without building the payload dict: the canonical document is written key by key
    in sorted order (before/after/data already in canonical JSON), so the bytes hashed are the same."""
    document = (
        f'{{"actor":{_value(actor_id)},"actor_name":{_value(actor_name)},"after":{after},"at":{_at_text(at)},'
        f'"before":{before},"data":{data},"item":{_value(item_id)},"jurisdiction":{_value(jurisdiction_id)},'
        f'"kind":{_value(kind)},"reason":{_value(reason)},"rule_id":{_value(rule_id)},"seq":{_value(seq)},'
        f'"summary":{_value(summary)},"unit":{_value(unit_id)}}}'
    )
    return hashlib.sha256((prev_hash + document).encode()).hexdigest()


# The JSON text of an event's moment in UTC: a batch's events share one ``now``, so each distinct moment
# is written once. The key holds ``fold``: two aware datetimes of one zone equal but for ``fold`` are
# different instants. Bounded: cleared when full.
_AT_TEXTS: dict[tuple[datetime, int], str] = {}
_AT_TEXTS_MAX = 1024


def _at_text(at: datetime) -> str:
    key = (at, at.fold)
    text = _AT_TEXTS.get(key)
    if text is None:
        if len(_AT_TEXTS) >= _AT_TEXTS_MAX:
            _AT_TEXTS.clear()
        text = _AT_TEXTS[key] = _value(at.astimezone(UTC).isoformat())
    return text


@cache
def _related(name: str) -> type[Model]:
    model: type[Model] = Event._meta.get_field(name).related_model  # type: ignore[assignment]
    return model


@cache
def _pk_name(name: str) -> str:
    return _related(name)._meta.pk.attname  # type: ignore[union-attr]


def _ref(name: str, value: Any) -> tuple[bool, Any]:
    """(usable by the fast path, the id) for a related object given to ``_build``."""
    if value is None:
        return True, None
    if type(value) is _related(name):
        pk = value.__dict__.get(_pk_name(name))
        return pk is not None, pk
    return isinstance(value, _related(name)) and value.pk is not None, getattr(value, "pk", None)


def _who(actor: Any, item: Any, unit: Any) -> tuple[bool, Any, Any, Any, str]:
    """(all three usable without the constructor, actor id, item id, unit id, actor name) of an event."""
    actor_ok, actor_id = _ref("actor", actor)
    item_ok, item_id = _ref("item", item)
    unit_ok, unit_id = _ref("unit", unit)
    actor_name = (getattr(actor, "display_name", "") or "系统") if actor is not None else "系统"
    return actor_ok and item_ok and unit_ok, actor_id, item_id, unit_id, actor_name


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
    _direct: bool | None = None,
) -> Event:
    """The unsaved event at ``seq`` after ``prev_hash``, its hash computed (shared by both appends).

    Built without ``Model.__init__`` (the field values set directly, the related objects cached as the
    constructor caches them) unless something needs the constructor: a related object that is not a
    saved instance of the right model, or ``pre_init``/``post_init`` receivers (``_direct``: whether
    there are none, when the caller has looked already)."""
    refs_ok, actor_id, item_id, unit_id, actor_name = _who(actor, item, unit)
    (before_value, before_text), (after_value, after_text), (data_value, data_text) = (
        _canon(before), _canon(after), _canon(data))
    summary = summary[:200]
    if _direct is None:
        _direct = not _signals(Event)
    if not (refs_ok and _direct):
        event = Event(
            jurisdiction_id=jurisdiction_id, seq=seq, kind=kind, item=item, unit=unit, actor=actor,
            actor_name=actor_name, at=at, rule_id=rule_id, summary=summary, reason=reason,
            before=before_value, after=after_value, data=data_value, prev_hash=prev_hash,
        )
        event.hash = event_digest(prev_hash, event)
        return event
    event = Event.__new__(Event)
    state = ModelState()
    event.__dict__.update({
        "id": None, "jurisdiction_id": jurisdiction_id, "seq": seq, "kind": kind, "item_id": item_id,
        "unit_id": unit_id, "actor_id": actor_id, "actor_name": actor_name, "at": at, "rule_id": rule_id,
        "summary": summary, "reason": reason, "before": before_value, "after": after_value, "data": data_value,
        "prev_hash": prev_hash,
        "hash": _digest(prev_hash, jurisdiction_id, seq, kind, item_id, unit_id, actor_id, actor_name, at, rule_id,
                        summary, reason, before_text, after_text, data_text),
        "_state": state,
        "_ledger_json": {"before": before_text, "after": after_text, "data": data_text},
    })
    cached = {name: obj for name, obj in (("actor", actor), ("item", item), ("unit", unit)) if obj is not None}
    if cached:
        state.fields_cache = cached
    return event


def _signals(model: type[Model]) -> bool:
    return pre_init.has_listeners(model) or post_init.has_listeners(model)


def _saved(event: Event, pk: int) -> None:
    event.pk = pk
    event._state.adding = False
    event._state.db = connection.alias


def _head_query(jurisdiction_id: int) -> tuple[str, list[Any]]:
    table = connection.ops.quote_name(LedgerHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return f'SELECT "seq", "last_hash" FROM {table} WHERE "jurisdiction_id" = %s{lock}', [jurisdiction_id]


def lock_head(jurisdiction_id: int) -> tuple[int, str]:
    """Lock the jurisdiction's chain head (created the first time) and return its (seq, last hash). The
    lock is held to the end of the caller's transaction (``write_rows`` must be part of it)."""
    with connection.cursor() as cursor:
        cursor.execute(*_head_query(jurisdiction_id))
        row = cursor.fetchone()
    if row is None:
        head, _ = LedgerHead.objects.select_for_update().get_or_create(jurisdiction_id=jurisdiction_id)
        return head.seq, head.last_hash or GENESIS
    return int(row[0]), row[1] or GENESIS


def lock_head_in(script: bulk.Script, jurisdiction_id: int) -> int:
    """Queue ``append``'s lock of the jurisdiction's head in ``script``; the statement's position."""
    return script.add(*_head_query(jurisdiction_id))


def append_in(script: bulk.Script, head_rows: Sequence[tuple[Any, ...]], *, jurisdiction_id: int,
              **entry: Any) -> Event:
    """``append`` for a head already locked through ``lock_head_in`` (``head_rows``: that statement's
    result): the event's INSERT and the head's UPDATE are queued in ``script``, which then runs with
    whatever else it holds (one round trip where ``Script`` allows it). No head yet (a jurisdiction's
    first event): the queued statements run, then ``append`` creates the head."""
    if not head_rows:
        script.run()
        return append(jurisdiction_id=jurisdiction_id, **entry)
    seq, prev = int(head_rows[0][0]), head_rows[0][1] or GENESIS
    event = _build(jurisdiction_id, seq + 1, prev, **entry)
    if connection.vendor != "postgresql":
        script.run()
        event.save()
        _move_head(jurisdiction_id, event.seq, event.hash)
        return event
    position = script.add(*_insert_one_statement(event))
    _saved(event, int(script.run()[position][0][0]))
    return event


def _move_head(jurisdiction_id: int, seq: int, last_hash: str) -> None:
    LedgerHead.objects.filter(pk=jurisdiction_id).update(seq=seq, last_hash=last_hash)


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
    (no savepoint: if the append fails, the action that caused it must fail with it). Three statements:
    lock the head, insert the event and move the head (one statement on PostgreSQL)."""
    with transaction.atomic(savepoint=False):
        seq, prev = lock_head(jurisdiction_id)
        event = _build(
            jurisdiction_id, seq + 1, prev, kind=kind, at=at, actor=actor, item=item, unit=unit,
            rule_id=rule_id, summary=summary, reason=reason, before=before, after=after, data=data,
        )
        if connection.vendor == "postgresql":
            _insert_one_and_move_head(event)
        else:
            event.save()
            _move_head(jurisdiction_id, event.seq, event.hash)
        return event


def append_many(jurisdiction_id: int, entries: Sequence[Mapping[str, Any]]) -> list[Event]:
    """Append many events to one jurisdiction's chain at once (the batch path, duban.items.batch).

    Each entry holds the keyword arguments of ``append`` (without ``jurisdiction_id``). The head is
    locked once, the links are computed in Python in entry order — each event's ``prev_hash`` is the
    hash of the one before, exactly as if ``append`` had been called once per entry — and the events
    are written with one ``COPY`` on PostgreSQL (multi-row INSERTs elsewhere). The result is
    indistinguishable from single appends: ``verify_chain`` walks it the same way. Runs inside the
    caller's transaction (no savepoint), so the events are written together with the rows they
    describe, or not at all.
    """
    if not entries:
        return []
    with transaction.atomic(savepoint=False):
        seq, prev = lock_head(jurisdiction_id)
        events: list[Event] = []
        direct = not _signals(Event)
        for entry in entries:
            seq += 1
            event = _build(jurisdiction_id, seq, prev, **entry, _direct=direct)
            prev = event.hash
            events.append(event)
        _insert(events)
        _move_head(jurisdiction_id, seq, prev)
        return events


def append_rows(jurisdiction_id: int, entries: Sequence[Mapping[str, Any]]) -> int:
    """``append_many`` for callers that need no ``Event`` instances back (the batch path, imports):
    the same chain, the same rows, the same single ``COPY``; on PostgreSQL each entry goes straight to
    its COPY row and link (``_lean_row``) without a model instance. Returns how many were appended.
    ``lock_head`` + ``link_rows`` + ``write_rows``, for callers that do something in between."""
    if not entries:
        return 0
    if not lean_rows_apply():
        return len(append_many(jurisdiction_id, entries))
    with transaction.atomic(savepoint=False):
        seq, prev = lock_head(jurisdiction_id)
        return write_rows(link_rows(jurisdiction_id, seq, prev, entries))


def lean_rows_apply() -> bool:
    """Whether ``link_rows``/``write_rows`` may be used here (PostgreSQL, the model as ``_LEAN_ORDER``
    expects, no signals on ``Event``); else ``append_many``."""
    return connection.vendor == "postgresql" and tuple(_NAMES) == _LEAN_ORDER and not _signals(Event)


@dataclass
class LinkedRows:
    """The COPY rows of a run of events linked after a head (``link_rows``), not yet written."""

    jurisdiction_id: int
    rows: list[list[Any]]
    seq: int  # the head's seq and hash once they are written
    last_hash: str


def link_rows(jurisdiction_id: int, seq: int, prev: str, entries: Sequence[Mapping[str, Any]]) -> LinkedRows:
    """The events of ``entries`` as COPY rows chained after (``seq``, ``prev``): computing only, no
    query (so it can run while the database works on something else: ``rows.Pipeline``)."""
    rows: list[list[Any]] = []
    for entry in entries:
        seq += 1
        row = _lean_row(jurisdiction_id, seq, prev, **entry)
        if row is None:  # a related object that is not a saved instance: the constructor's way
            row = _row(_build(jurisdiction_id, seq, prev, **entry))
        prev = row[-1]
        rows.append(row)
    return LinkedRows(jurisdiction_id, rows, seq, prev)


def write_rows(linked: LinkedRows) -> int:
    """Write rows from ``link_rows`` (one ``COPY``) and move the head, whose lock the caller's
    transaction holds (``lock_head``). Returns how many were written."""
    if not linked.rows:
        return 0
    _copy_rows(linked.rows)
    _move_head(linked.jurisdiction_id, linked.seq, linked.last_hash)
    return len(linked.rows)


# The event columns in the order ``_lean_row`` writes them (checked against the model: append_rows
# falls back to append_many should the model change).
_LEAN_ORDER = ("jurisdiction_id", "seq", "kind", "item_id", "unit_id", "actor_id", "actor_name", "at", "rule_id",
               "summary", "reason", "before", "after", "data", "prev_hash", "hash")


def _lean_row(
    jurisdiction_id: int, seq: int, prev_hash: str, *, kind: str, at: datetime, actor: Any = None, item: Any = None,
    unit: Any = None, rule_id: str = "", summary: str = "", reason: str = "", before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None, data: dict[str, Any] | None = None,
) -> list[Any] | None:
    """The COPY row of the event ``_build`` would make (JSON columns as their canonical text, the hash
    last), or None when a related object needs the constructor."""
    refs_ok, actor_id, item_id, unit_id, actor_name = _who(actor, item, unit)
    if not refs_ok:
        return None
    before_text, after_text, data_text = _canon_text(before), _canon_text(after), _canon_text(data)
    summary = summary[:200]
    link = _digest(prev_hash, jurisdiction_id, seq, kind, item_id, unit_id, actor_id, actor_name, at, rule_id,
                   summary, reason, before_text, after_text, data_text)
    return [jurisdiction_id, seq, kind, item_id, unit_id, actor_id, actor_name, at, rule_id, summary, reason,
            before_text, after_text, data_text, prev_hash, link]


def _copy_rows(rows: list[list[Any]]) -> list[int]:
    """PostgreSQL: ids drawn from the table's sequence (one query), then one ``COPY`` of ``rows``
    (``_FIELDS`` order); returns the ids in row order."""
    quote = connection.ops.quote_name
    table = quote(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)",
                       [bulk.sequence(Event._meta.db_table, "id"), len(rows)])
        ids = sorted(row[0] for row in cursor.fetchall())
        with cursor.cursor.copy(f"COPY {table} ({quote('id')}, {_columns()}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row([pk, *row])
    return ids


_FIELDS = [f for f in Event._meta.concrete_fields if not f.primary_key]
_NAMES = [f.attname for f in _FIELDS]
_JSON = {f.attname for f in _FIELDS if isinstance(f, JSONField)}
_JSON_POSITIONS = [(i, f.attname) for i, f in enumerate(_FIELDS) if f.attname in _JSON]


def _row(event: Event) -> list[Any]:
    """The event's column values for PostgreSQL (JSON columns as JSON text), in ``_FIELDS`` order. The
    canonical JSON the hash was computed over is reused; jsonb stores the same document either way."""
    values = event.__dict__
    texts = values.get("_ledger_json")
    row = [values[name] for name in _NAMES]
    for position, name in _JSON_POSITIONS:
        row[position] = texts[name] if texts else json.dumps(values[name], ensure_ascii=False)
    return row


def _columns() -> str:
    return ", ".join(connection.ops.quote_name(f.column) for f in _FIELDS)


def _insert_one_statement(event: Event) -> tuple[str, list[Any]]:
    """PostgreSQL: the event's INSERT and the head's UPDATE in one statement (a data-modifying CTE)
    that returns the new event's id."""
    table = connection.ops.quote_name(Event._meta.db_table)
    head = connection.ops.quote_name(LedgerHead._meta.db_table)
    placeholders = ", ".join("%s::jsonb" if f.attname in _JSON else "%s" for f in _FIELDS)
    return (
        f'WITH "new" AS (INSERT INTO {table} ({_columns()}) VALUES ({placeholders}) RETURNING "id") '
        f'UPDATE {head} SET "seq" = %s, "last_hash" = %s WHERE "jurisdiction_id" = %s '
        'RETURNING (SELECT "id" FROM "new")',
        [*_row(event), event.seq, event.hash, event.jurisdiction_id],
    )


def _insert_one_and_move_head(event: Event) -> None:
    with connection.cursor() as cursor:
        cursor.execute(*_insert_one_statement(event))
        row = cursor.fetchone()
    assert row is not None  # the head was locked above, so it exists
    _saved(event, int(row[0]))


def _insert(events: list[Event]) -> None:
    """Write new events: on PostgreSQL their ids drawn from the table's sequence (one query), then one
    ``COPY`` (the rows stream in one round trip); ``bulk_create`` elsewhere. Either way the events come
    back saved."""
    if connection.vendor != "postgresql":
        Event.objects.bulk_create(events, batch_size=500)
        return
    ids = _copy_rows([_row(event) for event in events])
    for pk, event in zip(ids, events, strict=True):
        _saved(event, pk)


def _plain(value: Any) -> bool:
    """Already what a JSON round trip gives back (no dates, decimals, tuples …)."""
    if value is None or type(value) in (str, int, bool):
        return True
    if type(value) is list:
        return all(_plain(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    return False


_LEAVES = frozenset({str, int, bool, type(None)})


def _scan(value: dict[Any, Any] | list[Any] | tuple[Any, ...]) -> tuple[bool, bool]:
    """(every dict key is a str, everything is already what a JSON round trip gives back) for a tree of
    dicts and lists/tuples."""
    keys_ok = plain = True
    is_dict = isinstance(value, dict)
    if type(value) not in (dict, list):
        plain = False
    pairs: Iterable[tuple[Any, Any]] = value.items() if isinstance(value, dict) else enumerate(value)
    for key, leaf in pairs:
        if is_dict and type(key) is not str:
            keys_ok = plain = False
        if type(leaf) in _LEAVES:
            continue
        if isinstance(leaf, dict | list | tuple):
            k, p = _scan(leaf)
            keys_ok, plain = keys_ok and k, plain and p
        else:
            plain = False
    return keys_ok, plain


# Small flat documents (str keys, leaf values) are most of a batch's before/after/data: their canonical
# text is written directly, without the encoder's set-up and its ``default`` call-back for dates.
_FLAT_MAX_KEYS = 8


def _flat_text(value: dict[str, Any]) -> tuple[str, bool] | None:
    """(the canonical text, already what a JSON round trip gives back) of a document of at most
    ``_FLAT_MAX_KEYS`` str keys whose values are leaves (``_leaf_text``) or lists/tuples of scalar
    leaves; None for any other document. The text is byte for byte ``_encode(value)``: keys sorted,
    no spaces."""
    if len(value) > _FLAT_MAX_KEYS:
        return None
    parts = []
    plain = True
    try:
        keys = sorted(value) if len(value) > 1 else list(value)
    except TypeError:  # keys of kinds that do not compare (1 and "a"): not a flat document
        return None
    for key in keys:
        if type(key) is not str:
            return None
        leaf = value[key]
        kind = type(leaf)
        if kind is list or kind is tuple:
            texts = []
            for element in leaf:
                found = _leaf_text(element, scalar=True)
                if found is None:
                    return None
                texts.append(found[0])
                plain = plain and found[1]
            text = "[" + ",".join(texts) + "]"
            plain = plain and kind is list
        else:
            found = _leaf_text(leaf)
            if found is None:
                return None
            text, leaf_plain = found
            plain = plain and leaf_plain
        parts.append(f"{_string(key)}:{text}")
    return "{" + ",".join(parts) + "}", plain


def _leaf_text(leaf: Any, scalar: bool = False) -> tuple[str, bool] | None:
    """(the encoder's text, already what a round trip gives back) of a str (or str subclass: an enum
    member, written as its string, as the encoder does), int, bool or None — and unless ``scalar``, a
    date or datetime (``str()`` of it: the encoder's ``default``); None for anything else."""
    kind = type(leaf)
    if kind is str:
        return _string(leaf), True
    if kind is int:
        return int.__repr__(leaf), True
    if leaf is None:
        return "null", True
    if kind is bool:
        return ("true" if leaf else "false"), True
    if isinstance(leaf, str):
        return _string(leaf), False
    if not scalar and (kind is datetime or kind is date):
        return _string(str(leaf)), False
    return None


def _canon_text(value: dict[str, Any] | None) -> str:
    """The text half of ``_canon``: the canonical JSON of the stored value, without the value."""
    if not value:
        return "{}"
    flat = _flat_text(value)
    if flat is not None:
        return flat[0]
    keys_ok, _ = _scan(value)
    text = _encode(value)
    return text if keys_ok else _encode(json.loads(text))


def _canon(value: dict[str, Any] | None) -> tuple[dict[str, Any], str]:
    """(``_jsonable(value)``, its canonical JSON text), for the stored event and its hash. With str keys
    throughout, the text of the value is already the text of its round trip (dates and decimals become
    the same strings either way), so it is written once."""
    if not value:
        return {}, "{}"
    flat = _flat_text(value)
    if flat is not None:
        text, plain = flat
        return (dict(value) if plain else json.loads(text)), text
    keys_ok, plain = _scan(value)
    text = _encode(value)
    if plain:
        return dict(value), text
    result: dict[str, Any] = json.loads(text)
    return result, (text if keys_ok else _encode(result))


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
