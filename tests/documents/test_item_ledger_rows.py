"""The item ledger's rows read from the database in chunks (``items.exports._queryset_rows``): the same
values as the per-item ``item_row``, whichever way a chunk's assignments are read (id range or list)."""

from __future__ import annotations

import pytest

from duban.items import exports
from duban.items.models import Item
from duban.items.selectors import with_list_relations
from duban.items.services import CoUnit, do_approve, do_assign, do_register
from tests.factories import District, at

pytestmark = pytest.mark.django_db


def _items(d: District, n: int, *, co: bool, tag: str) -> list[Item]:
    out = []
    for k in range(n):
        item = do_register(actor=d.alice, title=f"{tag}事项{k}", content="内容", source="gov_meeting",
                           level="fairly", now=at("2026-11-02", 9))
        do_approve(actor=d.olga, item=item, now=at("2026-11-02", 10))
        do_assign(actor=d.alice, item=item, lead_unit=d.lead, co_units=[CoUnit(d.co)] if co and k % 2 else [],
                  deadline_working_days=10, now=at("2026-11-02", 11))
        out.append(item)
    return out


@pytest.mark.parametrize("chunk", [3, 2000])
def test_chunked_rows_equal_item_row_with_other_items_interleaved(
        district: District, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    mine: list[Item] = []
    for _ in range(3):  # ids of the selected and the other items interleave: an id range spans both
        mine += _items(district, 2, co=True, tag="甲")
        _items(district, 2, co=False, tag="乙")
    monkeypatch.setattr(exports, "CHUNK", chunk)
    qs = with_list_relations(Item.objects.filter(title__startswith="甲").order_by("pk"))
    expected = [exports.item_row(i) for i in with_list_relations(Item.objects.filter(pk__in=[i.pk for i in mine])
                                                                  .order_by("pk"))]
    assert list(exports._queryset_rows(qs)) == expected
    assert any(row[6] == district.co.name for row in expected)  # co-units are in the rows
    # a sparse selection (every third item): the chunk's ids are far apart, read as a list
    sparse = qs.filter(pk__in=[i.pk for i in mine[::3]])
    assert list(exports._queryset_rows(sparse)) == expected[::3]
