"""duban.ledger.rows (the writes of the ledger and the item services without the ORM's per-object
work) gives what the ORM gives: the same instances, the same rows, the same updates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict

from duban.items import batch
from duban.items.models import Assignment, Item, Milestone, Report, Review
from duban.items.services import Registration
from duban.ledger import rows as bulk
from tests.factories import District, at

pytestmark = pytest.mark.django_db


def _items(d: District, n: int) -> list[Item]:
    done = batch.register_many(actor=d.alice, rows=[
        Registration(title=f"t{k}", content="c", source="other", level="generally") for k in range(n)
    ], now=at("2026-03-02", 9)).done
    return list(Item.objects.filter(pk__in=done).order_by("pk"))


def _state(obj: Any) -> tuple[Any, ...]:
    fields = {k: v for k, v in obj.__dict__.items() if k != "_state"}
    return fields, obj._state.db, obj._state.adding, dict(obj._state.__dict__.get("fields_cache", {}))


def test_new_builds_what_the_constructor_builds(district: District) -> None:
    d = district
    item = _items(d, 1)[0]
    assignment = Assignment.objects.create(jurisdiction_id=d.jurisdiction.pk, item=item, unit=d.lead,
                                           role=Assignment.Role.LEAD)
    cases: list[tuple[type[Any], dict[str, Any]]] = [
        (Report, {"jurisdiction_id": d.jurisdiction.pk, "item": item, "assignment": assignment,
                  "kind": Report.Kind.PROGRESS, "text": "进展", "submitted_at": at("2026-03-03"),
                  "submitted_by": d.ursula}),
        (Review, {"jurisdiction_id": d.jurisdiction.pk, "item": item, "stage": "office", "outcome": "accept",
                  "opinion": "", "reviewed_at": at("2026-03-03"), "reviewed_by": d.alice}),
        (Assignment, {"jurisdiction_id": d.jurisdiction.pk, "item": item, "unit": d.co, "role": "co"}),
        (Milestone, {"jurisdiction_id": d.jurisdiction.pk, "assignment": assignment, "title": "节点",
                     "due_on": dt.date(2026, 3, 20)}),
        (Item, {"jurisdiction_id": d.jurisdiction.pk, "title": "t", "content": "c", "source": "other",
                "level": "generally", "supervising_leader": None, "registered_by": d.alice,
                "registered_at": at("2026-03-02")}),
    ]
    for model, values in cases:
        assert _state(bulk.new(model, **values)) == _state(model(**values)), model.__name__


def test_new_leaves_what_it_does_not_cover_to_the_constructor(district: District) -> None:
    d = district
    with pytest.raises(TypeError):
        bulk.new(Review, nonsense=1)
    with pytest.raises(ValueError):
        bulk.new(Review, item=d.alice)  # a person is not an item: the constructor's own error
    both = bulk.new(Review, item_id=5, item=None)
    assert both.item_id == Review(item_id=5, item=None).item_id


def test_instances_are_what_the_orm_loads_and_defer_the_columns_not_read(district: District) -> None:
    items = _items(district, 3)
    names = [f.attname for f in Item._meta.concrete_fields]
    rows = list(Item.objects.filter(pk__in=[i.pk for i in items]).order_by("pk").values_list(*names))
    for built, loaded in zip(bulk.instances(Item, names, rows), items, strict=True):
        assert _state(built) == _state(loaded)
    lean = bulk.instances(Item, ["id", "state"], [(items[0].pk, items[0].state)])[0]
    assert lean.get_deferred_fields() == {f.attname for f in Item._meta.concrete_fields} - {"id", "state"}
    assert lean.title == items[0].title  # loaded on first access, as with QuerySet.only


def test_insert_writes_the_rows_bulk_create_writes(district: District) -> None:
    d = district
    items = _items(d, 3)

    def reviews(outcome: str) -> list[Review]:
        return [Review(jurisdiction_id=d.jurisdiction.pk, item=i, stage="office", outcome=outcome, opinion="意见",
                       reviewed_at=at("2026-03-04"), reviewed_by=d.alice) for i in items]

    ours, theirs, one = reviews("accept"), reviews("return"), reviews("pass")[:1]
    bulk.insert(Review, ours)
    Review.objects.bulk_create(theirs)
    bulk.insert(Review, one)
    assert all(r.pk is not None and not r._state.adding for r in [*ours, *one])
    for mine, reference in zip(ours, theirs, strict=True):
        stored, expected = model_to_dict(Review.objects.get(pk=mine.pk)), model_to_dict(reference)
        assert {**stored, "id": None, "outcome": None} == {**expected, "id": None, "outcome": None}
    assert Review.objects.get(pk=one[0].pk).outcome == "pass"


def test_update_sets_what_queryset_update_sets(district: District) -> None:
    d = district
    a, b = _items(d, 2)
    values = {"custodian": d.carl, "archived_at": at("2026-03-25"), "deadline": dt.date(2026, 4, 1),
              "state": "archived", "next_due_at": None, "deadline_provisional": True}
    bulk.update(Item, [a.pk], values, bump="version")
    Item.objects.filter(pk=b.pk).update(**values, version=b.version + 1)
    got, want = model_to_dict(Item.objects.get(pk=a.pk)), model_to_dict(Item.objects.get(pk=b.pk))
    assert {k: v for k, v in got.items() if k not in ("id", "code", "title")} == {
        k: v for k, v in want.items() if k not in ("id", "code", "title")}


def test_script_runs_its_statements_in_order_and_returns_each_result(district: District) -> None:
    items = _items(district, 2)
    table = connection.ops.quote_name(Item._meta.db_table)
    with transaction.atomic():
        script = bulk.Script()
        first = script.add(f'SELECT "title" FROM {table} WHERE "id" = %s', [items[0].pk])
        script.add(f'UPDATE {table} SET "title" = %s WHERE "id" = %s', ["改", items[1].pk])
        last = script.add(f'SELECT "title" FROM {table} WHERE "id" = %s', [items[1].pk])
        results = script.run()
    assert results[first] == [("t0",)] and results[1] == [] and results[last] == [("改",)]
    assert len(script) == 0 and script.run() == []
