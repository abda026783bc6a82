"""Helpers for the API tests: a JSON client logged in as one of the district's people."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client
from django.utils import timezone

from duban.items.models import Item
from duban.ledger.models import Event
from duban.org.models import User
from tests.factories import District


class Api:
    """Django's test client speaking JSON to ``/api`` as ``user`` (CSRF checks off, as in the brief)."""

    def __init__(self, user: User | None, *, enforce_csrf_checks: bool = False) -> None:
        self.client = Client(enforce_csrf_checks=enforce_csrf_checks)
        self.user = user
        if user is not None:
            self.client.force_login(user)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get("/api" + path, params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            "/api" + path, data=json.dumps(body or {}), content_type="application/json"
        )

    def upload(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post("/api" + path, data=data)


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> str:
    """The date ``n`` days from today, ISO formatted."""
    return (today() + dt.timedelta(days=n)).isoformat()


def register_body(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "推进老旧小区改造",
        "content": "完成 12 个老旧小区改造任务",
        "source": "gov_meeting",
        "level": "fairly",
    }
    body.update(kw)
    return body


def snapshot(item_id: int) -> tuple[str, int, int]:
    """(state, version, number of events): equal before and after a refused action."""
    item = Item.objects.get(pk=item_id)
    return item.state, item.version, Event.objects.filter(item_id=item_id).count()


def api_register(d: District, **kw: Any) -> int:
    r = Api(d.alice).post("/items/", register_body(**kw))
    assert r.status_code == 201, r.content.decode()
    return int(r.json()["item"]["id"])


def api_approved(d: District, **kw: Any) -> int:
    item_id = api_register(d, supervising_leader=d.dave.pk, **kw)
    r = Api(d.olga).post(f"/items/{item_id}/approve")
    assert r.status_code == 200, r.content.decode()
    return item_id


def api_assigned(d: District, *, co: bool = True, **kw: Any) -> int:
    item_id = api_approved(d, **kw)
    body: dict[str, Any] = {"lead_unit": d.lead.pk, "lead_part": "牵头推进", "deadline": days(30)}
    if co:
        body["co_units"] = [{"unit": d.co.pk, "part": "资金保障"}]
    r = Api(d.alice).post(f"/items/{item_id}/assign", body)
    assert r.status_code == 200, r.content.decode()
    return item_id


RECEIPT = {"responsible_leader": "王副局长", "responsible_section": "规划科", "responsible_person": "李科长"}


def api_received(d: District, **kw: Any) -> int:
    item_id = api_assigned(d, **kw)
    r = Api(d.ursula).post(f"/items/{item_id}/receive", RECEIPT)
    assert r.status_code == 200, r.content.decode()
    return item_id


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
