"""Helpers for the page tests: clients signed in as the district's people, items in a given state."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from duban.items import services
from duban.items.models import Item
from duban.ledger.models import Event
from duban.org.models import User
from tests.factories import District


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_user() -> Any:
    return client_for


def day(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def snapshot(item: Item) -> tuple[str, int, int, int]:
    """(state, version, return count, number of events): equal before and after a refused action."""
    fresh = Item.objects.get(pk=item.pk)
    return fresh.state, fresh.version, fresh.return_count, Event.objects.filter(item=fresh).count()


def registered(d: District, *, actor: User | None = None, **kw: Any) -> Item:
    params: dict[str, Any] = {
        "title": "推进老旧小区改造", "content": "完成 12 个老旧小区改造任务", "source": "gov_meeting",
        "level": "fairly", "supervising_leader": d.dave,
    }
    params.update(kw)
    return services.do_register(actor=actor or d.alice, **params)


def approved(d: District, **kw: Any) -> Item:
    item = registered(d, **kw)
    services.do_approve(actor=d.olga, item=item)
    return Item.objects.get(pk=item.pk)


def assigned(d: District, *, co: bool = True, actor: User | None = None, **kw: Any) -> Item:
    item = approved(d, **kw)
    services.do_assign(
        actor=actor or d.alice, item=item, lead_unit=d.lead, lead_part="牵头推进",
        co_units=[services.CoUnit(d.co, "资金保障")] if co else [], deadline=day(30),
    )
    return Item.objects.get(pk=item.pk)


RECEIPT = {"responsible_leader": "王副局长", "responsible_section": "规划科", "responsible_person": "李科长"}


def received(d: District, **kw: Any) -> Item:
    item = assigned(d, **kw)
    services.do_receive(actor=d.ursula, item=item, **RECEIPT)
    return Item.objects.get(pk=item.pk)


def completion_reported(d: District, **kw: Any) -> Item:
    item = received(d, **kw)
    services.do_report_completion(actor=d.ursula, item=item, text="已全部完成")
    return Item.objects.get(pk=item.pk)


def office_accepted(d: District, **kw: Any) -> Item:
    item = completion_reported(d, **kw)
    services.do_office_accept(actor=d.alice, item=item)
    return Item.objects.get(pk=item.pk)


def closed(d: District, **kw: Any) -> Item:
    item = office_accepted(d, **kw)
    services.do_leader_pass(actor=d.dave, item=item)
    return Item.objects.get(pk=item.pk)


def act(client: Client, item: Item, action: str, data: dict[str, Any] | None = None, *,
        target: int | None = None, htmx: bool = False, **extra: Any) -> Any:
    """POST an action form of the item page, with the item's current version unless given."""
    body = {"version": Item.objects.get(pk=item.pk).version, **(data or {})}
    url = f"/items/{item.pk}/actions/{action}/" + (f"{target}/" if target is not None else "")
    headers = {"HX-Request": "true", "HX-Target": "main"} if htmx else {}
    return client.post(url, body, headers=headers, **extra)
