"""The ledger's fast event building (chain._build without Model.__init__, the canonical document written
key by key) gives exactly the events, hashes and stored rows of the reference path (SPEC §8: one hash
chain per jurisdiction, tampering detected)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import pytest

from duban.items.models import Item
from duban.items.services import Registration
from duban.ledger import chain
from duban.ledger.chain import event_digest, verify_chain
from duban.ledger.models import Event
from tests.factories import District, at

pytestmark = pytest.mark.django_db


class Colour(enum.StrEnum):
    RED = "red"


TRICKY: list[dict[str, Any]] = [
    {},
    {"state": "approved"},
    {"text": '引号"反斜杠\\换行\n制表\t\x01控制 😀', "n": 0, "neg": -7, "big": 10**30, "t": True, "f": False,
     "none": None},
    {"deadline": dt.date(2026, 3, 31), "due": at("2026-03-30"), "money": Decimal("1.50"), "ratio": 0.1},
    {"nested": {"b": [1, "x", {"z": None, "a": dt.date(2026, 1, 2)}], "a": ()}, "tuple": (1, 2)},
    {"int_keys": {10: "ten", 9: "nine"}, "mixed": {"1": "a", "b": {2: "c"}}},
    {"enum": Colour.RED, Colour.RED: "as key"},
    {"milestones": [{"title": "节点", "due_on": dt.date(2026, 3, 20)}], "co_units": []},
]


def _item(d: District) -> Item:
    from duban.items import batch

    return Item.objects.get(pk=batch.register_many(
        actor=d.alice, rows=[Registration(title="t", content="c", source="other", level="generally")],
        now=at("2026-03-02", 9)).done[0])


@pytest.mark.parametrize("value", TRICKY)
def test_SPEC_8_fast_build_hashes_exactly_what_the_reference_digest_hashes(district: District, value: Any) -> None:
    d = district
    item = _item(d)
    entry = {"kind": "note", "at": at("2026-03-02", 9), "actor": d.alice, "item": item, "unit": d.lead,
             "rule_id": "S0-9", "summary": "摘要" * 150, "reason": "理由", "before": value, "after": value,
             "data": value}
    fast = chain._build(d.jurisdiction.pk, 7, "ab" * 32, **entry, _direct=True)
    slow = chain._build(d.jurisdiction.pk, 7, "ab" * 32, **entry, _direct=False)
    assert "_ledger_json" in fast.__dict__ and "_ledger_json" not in slow.__dict__  # both paths really ran
    assert fast.hash == slow.hash == event_digest("ab" * 32, fast) == event_digest("ab" * 32, slow)
    for name in ("jurisdiction_id", "seq", "kind", "item_id", "unit_id", "actor_id", "actor_name", "at", "rule_id",
                 "summary", "reason", "before", "after", "data", "prev_hash", "hash"):
        assert getattr(fast, name) == getattr(slow, name), name
    assert fast.before == chain._jsonable(value)
    assert (fast.item, fast.actor, fast.unit) == (item, d.alice, d.lead)  # cached like the constructor does


def test_SPEC_8_events_written_by_the_fast_path_read_back_identical_and_verify(district: District) -> None:
    d = district
    item = _item(d)
    entries = [{"kind": "note", "at": at("2026-03-02", 10, k), "actor": d.alice if k % 2 else None, "item": item,
                "unit": None, "summary": f"第{k}条", "before": v, "after": {"k": k}, "data": v}
               for k, v in enumerate(TRICKY)]
    appended = chain.append_many(d.jurisdiction.pk, entries)
    single = chain.append(jurisdiction_id=d.jurisdiction.pk, **entries[3])
    stored = {e.pk: e for e in Event.objects.filter(kind="note")}
    assert set(stored) == {e.pk for e in [*appended, single]}
    for event in [*appended, single]:
        back = stored[event.pk]
        assert (back.seq, back.before, back.after, back.data, back.hash) == (
            event.seq, event.before, event.after, event.data, event.hash)
    assert verify_chain(Event.objects.order_by("jurisdiction_id", "seq")) is None
