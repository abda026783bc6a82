"""The bulk ledger append (ledger.chain.append_many) writes exactly the chain single appends would
(SPEC §8: one hash chain per jurisdiction, no forks, tampering detected)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from duban.items.models import Item
from duban.items.services import Registration
from duban.ledger import chain
from duban.ledger.chain import verify_chain
from duban.ledger.models import Event, LedgerHead
from tests.factories import District, at

pytestmark = pytest.mark.django_db


def _entries(d: District, item: Item) -> list[dict[str, Any]]:
    return [
        {"kind": "note", "at": at("2026-03-02", 9, k), "actor": d.alice if k % 2 else None, "item": item,
         "unit": d.lead if k % 3 == 0 else None, "rule_id": "S0-9", "summary": f"第{k}条",
         "reason": "理由" * k, "before": {"state": "a", "deadline": dt.date(2026, 3, k + 1)},
         "after": {"state": "b", "n": k}, "data": {"list": [k, "x"], "when": at("2026-03-02", 10)}}
        for k in range(5)
    ]


def _item(d: District) -> Item:
    from duban.items import batch

    return Item.objects.get(pk=batch.register_many(
        actor=d.alice, rows=[Registration(title="t", content="c", source="other", level="generally")],
        now=at("2026-03-02", 9)).done[0])


def test_SPEC_8_append_many_gives_the_same_links_as_one_append_per_event(district: District) -> None:
    d = district
    item = _item(district)
    entries = _entries(d, item)
    with transaction.atomic():
        singles = [chain.append(jurisdiction_id=d.jurisdiction.pk, **e) for e in entries]
        single_links = [(e.seq, e.prev_hash, e.hash) for e in singles]
        transaction.set_rollback(True)
    bulk = chain.append_many(d.jurisdiction.pk, entries)
    assert [(e.seq, e.prev_hash, e.hash) for e in bulk] == single_links
    assert all(e.pk is not None for e in bulk)
    stored = list(Event.objects.filter(kind="note").order_by("seq"))
    assert [e.pk for e in stored] == [e.pk for e in bulk]
    assert stored[1].before == {"state": "a", "deadline": "2026-03-02"}  # dates as the digest saw them
    head = LedgerHead.objects.get(jurisdiction=d.jurisdiction)
    assert (head.seq, head.last_hash) == (stored[-1].seq, stored[-1].hash)
    assert verify_chain(Event.objects.order_by("jurisdiction_id", "seq")) is None


def test_append_many_of_nothing_leaves_the_head_alone(district: District) -> None:
    item = _item(district)
    head = LedgerHead.objects.get(jurisdiction=district.jurisdiction)
    assert chain.append_many(district.jurisdiction.pk, []) == []
    assert LedgerHead.objects.get(jurisdiction=district.jurisdiction).seq == head.seq
    assert item.events.count() == 1


def test_SPEC_8_tampering_with_a_bulk_appended_event_is_detected(district: District) -> None:
    d = district
    item = _item(d)
    bulk = chain.append_many(d.jurisdiction.pk, _entries(d, item))
    Event.objects.filter(pk=bulk[2].pk).update(reason="改过")
    broken = verify_chain(Event.objects.order_by("jurisdiction_id", "seq"))
    assert broken is not None and broken.seq == bulk[2].seq


def test_SPEC_8_append_rows_writes_the_same_events_as_append_many(district: District) -> None:
    """The instance-free bulk append (the batch path's) stores the same rows and links, also for an actor
    given as a lazy object (request.user)."""
    from django.utils.functional import SimpleLazyObject

    d = district
    item = _item(district)
    lazy = {"kind": "note", "at": at("2026-03-02", 11), "actor": SimpleLazyObject(lambda: d.alice), "item": item,
            "summary": "请求中的用户"}
    entries = [*_entries(d, item), lazy]
    fields = ("seq", "kind", "item_id", "unit_id", "actor_id", "actor_name", "at", "rule_id", "summary", "reason",
              "before", "after", "data", "prev_hash", "hash")
    with transaction.atomic():
        chain.append_many(d.jurisdiction.pk, entries)
        expected = list(Event.objects.filter(kind="note").order_by("seq").values_list(*fields))
        transaction.set_rollback(True)
    assert chain.append_rows(d.jurisdiction.pk, entries) == len(entries)
    assert list(Event.objects.filter(kind="note").order_by("seq").values_list(*fields)) == expected
    assert chain.append_rows(d.jurisdiction.pk, []) == 0
    head = LedgerHead.objects.get(jurisdiction=d.jurisdiction)
    assert (head.seq, head.last_hash) == expected[-1][0:1] + expected[-1][-1:]
    assert verify_chain(Event.objects.order_by("jurisdiction_id", "seq")) is None


def test_flat_documents_keep_one_and_true_apart() -> None:
    """1 and True are equal and hash alike; their canonical texts differ."""
    assert chain._canon_text({"n": 1}) == '{"n":1}'
    assert chain._canon_text({"n": True}) == '{"n":true}'
    assert chain._canon_text({"n": 1}) == '{"n":1}'
    assert chain._canon({"b": None, "a": "x"}) == ({"b": None, "a": "x"}, '{"a":"x","b":null}')
