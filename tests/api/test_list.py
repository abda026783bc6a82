"""The item list: the list page's filters, limit/offset and cursor paging, two queries per page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.api.schemas import ItemPage
from duban.items.models import Item
from tests.api.conftest import Api, api_approved, api_assigned, api_received, register_body
from tests.factories import District

pytestmark = pytest.mark.django_db


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content.decode()
    return [row["id"] for row in response.json()["items"]]


def test_rows_are_compact_and_match_the_schema(district: District) -> None:
    item_id = api_received(district)
    body = Api(district.alice).get("/items/").json()
    ItemPage.model_validate(body)
    (row,) = body["items"]
    item = Item.objects.get(pk=item_id)
    assert row == {
        "id": item_id, "code": item.code, "title": "推进老旧小区改造", "level": "fairly", "level_label": "比较重要",
        "state": "in_progress", "state_label": "办理中", "source": "gov_meeting", "confidential": False,
        "deadline": item.deadline.isoformat(), "deadline_provisional": item.deadline_provisional,
        "lead_unit": {"id": district.lead.pk, "name": "区发展和改革局"},
        "co_units": [{"id": district.co.pk, "name": "区财政局"}],
        "return_count": 0,
        "next_due_at": item.next_due_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    }
    assert (body["limit"], body["offset"], body["next_after_id"]) == (50, 0, None)


def test_filters_state_level_source_unit_q(district: District) -> None:
    d = district
    pending = Api(d.alice).post("/items/", register_body(title="河道清淤", level="especially")).json()["item"]["id"]
    approved = api_approved(d, source="petition")
    assigned = api_assigned(d, co=False)
    alice = Api(d.alice)
    assert ids(alice.get("/items/")) == [assigned, approved, pending]
    assert ids(alice.get("/items/", state="approved")) == [approved]
    assert ids(alice.get("/items/", level="especially")) == [pending]
    assert ids(alice.get("/items/", source="petition")) == [approved]
    assert ids(alice.get("/items/", unit=d.lead.pk)) == [assigned]
    assert ids(alice.get("/items/", unit=d.co.pk)) == []
    assert ids(alice.get("/items/", q="清淤")) == [pending]
    code = Item.objects.get(pk=approved).code
    assert ids(alice.get("/items/", q=code)) == [approved]
    assert ids(alice.get("/items/", state="archived")) == []


def test_overdue_filter(district: District) -> None:
    late = api_received(district)
    on_time = api_received(district)
    closed_late = api_approved(district)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Item.objects.filter(pk__in=[late, closed_late]).update(deadline=yesterday)
    alice = Api(district.alice)
    assert ids(alice.get("/items/", overdue="true")) == [late]
    assert set(ids(alice.get("/items/"))) == {late, on_time, closed_late}


def test_limit_offset_and_cursor_paging(district: District) -> None:
    alice = Api(district.alice)
    created = [alice.post("/items/", register_body(title=f"事项{n}")).json()["item"]["id"] for n in range(7)]
    newest_first = sorted(created, reverse=True)
    first = alice.get("/items/", limit=3).json()
    assert [r["id"] for r in first["items"]] == newest_first[:3]
    assert first["next_after_id"] == newest_first[2]
    second = alice.get("/items/", limit=3, after_id=first["next_after_id"]).json()
    assert [r["id"] for r in second["items"]] == newest_first[3:6]
    third = alice.get("/items/", limit=3, after_id=second["next_after_id"]).json()
    assert [r["id"] for r in third["items"]] == newest_first[6:]
    assert third["next_after_id"] is None
    assert ids(alice.get("/items/", limit=2, offset=5)) == newest_first[5:7]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 501}, "limit"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset"), ({"unit": "发改局"}, "unit")],
)
def test_bad_paging_parameters_are_422(district: District, params: dict[str, Any], field: str) -> None:
    response = Api(district.alice).get("/items/", **params)
    assert response.status_code == 422
    assert list(response.json()["field_errors"]) == [field]
    assert response.json()["detail"].startswith("输入有误")


def test_limit_500_is_allowed(district: District) -> None:
    api_received(district)
    assert len(ids(Api(district.alice).get("/items/", limit=500))) == 1


def _item_queries(api: Api, **params: Any) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert api.get("/items/", **params).status_code == 200
    return [q["sql"] for q in ctx.captured_queries if "items_" in q["sql"]]


def test_one_query_for_the_page_and_one_for_its_units_whatever_the_size(district: District) -> None:
    """No N+1: the number of queries does not grow with the page (the benchmark serves 100,000 items)."""
    api_received(district)
    for who in (district.alice, district.ursula):
        api = Api(who)
        small = _item_queries(api)
        for _ in range(6):
            api_received(district)
        large = _item_queries(api)
        assert len(small) == len(large) == 2, large
        assert "items_item" in large[0] and 'FROM "items_assignment"' in large[1]
        assert len(ids(api.get("/items/"))) >= 7
