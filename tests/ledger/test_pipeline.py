"""ledger.rows.Pipeline: statements sent without waiting run exactly as they would one by one — in
order, in the caller's transaction, their errors raised as Django's errors with nothing written — and
the batch path that uses it writes what the per-item path writes (tests/items/test_batch.py)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from duban.items import batch
from duban.items.models import Item
from duban.items.services import Registration
from duban.ledger import rows as bulk
from tests.factories import District, at

pytestmark = pytest.mark.django_db
TABLE = Item._meta.db_table


def _item(d: District) -> Item:
    pk = batch.register_many(actor=d.alice, rows=[Registration(
        title="原标题", content="c", source="other", level="generally")], now=at("2026-03-02", 9)).done[0]
    return Item.objects.get(pk=pk)


def _pipelined() -> bool:
    return connection.connection is not None and getattr(connection.connection, "_pipeline", None) is not None


def test_statements_run_in_order_and_a_read_in_between_sees_them(district: District) -> None:
    item = _item(district)
    with transaction.atomic(), bulk.Pipeline() as pipeline:
        pipeline.add(f'UPDATE "{TABLE}" SET "title" = %s WHERE "id" = %s', ["第一", item.pk])
        pipeline.add(f'UPDATE "{TABLE}" SET "title" = "title" || %s WHERE "id" = %s', ["第二", item.pk])
        assert _pipelined() == (connection.vendor == "postgresql")
        assert Item.objects.get(pk=item.pk).title == "第一第二"  # a query in the body waits for what was sent
    assert pipeline.sent == 2 and not _pipelined()
    assert Item.objects.get(pk=item.pk).title == "第一第二"


def test_an_error_is_djangos_error_and_the_transaction_writes_nothing(district: District) -> None:
    item = _item(district)
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.Pipeline() as pipeline:
        pipeline.add(f'UPDATE "{TABLE}" SET "title" = %s WHERE "id" = %s', ["改了", item.pk])
        pipeline.add(f'UPDATE "{TABLE}" SET "state" = NULL WHERE "id" = %s', [item.pk])  # NOT NULL
        pipeline.add(f'UPDATE "{TABLE}" SET "title" = %s WHERE "id" = %s', ["又改了", item.pk])
    assert not _pipelined()
    assert Item.objects.get(pk=item.pk).title == "原标题"


def test_an_exception_in_the_body_leaves_pipeline_mode_and_rolls_back(district: District) -> None:
    item = _item(district)
    with pytest.raises(ZeroDivisionError), transaction.atomic(), bulk.Pipeline() as pipeline:
        pipeline.add(f'UPDATE "{TABLE}" SET "title" = %s WHERE "id" = %s', ["改了", item.pk])
        1 / 0  # noqa: B018
    assert not _pipelined()
    assert Item.objects.get(pk=item.pk).title == "原标题"


def test_run_waits_and_leaves_pipeline_mode_so_later_statements_run_directly(district: District) -> None:
    item = _item(district)
    with transaction.atomic(), bulk.Pipeline() as pipeline:
        bulk.update(Item, [item.pk], {"title": "甲"}, script=pipeline)
        pipeline.run()
        assert not _pipelined()
        bulk.update(Item, [item.pk], {"title": "乙"}, bump="version", script=pipeline)
    assert Item.objects.get(pk=item.pk).title == "乙"
