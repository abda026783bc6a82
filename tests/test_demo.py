"""The demo district: every lifecycle state, eight categories, tickets, built through the services."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from duban.core.lifecycle import ItemState
from duban.items.models import Item
from duban.ledger.chain import verify_chain
from duban.ledger.models import Event
from duban.org.models import Category, Unit
from duban.urging.models import Ticket

pytestmark = pytest.mark.django_db


def test_demo_has_every_state_eight_categories_and_a_valid_ledger() -> None:
    out = StringIO()
    call_command("duban_demo", stdout=out)
    assert "duban2026" in out.getvalue() and "zhuren" in out.getvalue()
    assert set(Item.objects.values_list("state", flat=True)) == {s.value for s in ItemState}
    assert Category.objects.count() == 8  # S0 appendix
    assert 38 <= Unit.objects.count() <= 50
    assert Item.objects.filter(confidential=True).exists()
    assert Item.objects.filter(return_count=2).exists() and Item.objects.filter(key_supervision=True).exists()
    assert Item.objects.filter(deadline_provisional=True).exists()
    assert set(Ticket.objects.values_list("colour", flat=True)) == {"blue", "yellow", "red"}
    assert Ticket.objects.filter(state="drafted").exists()  # left for the demo leaders to sign
    assert verify_chain(Event.objects.order_by("jurisdiction_id", "seq")) is None
    again = StringIO()
    call_command("duban_demo", "--if-empty", stdout=again)
    assert "跳过" in again.getvalue()
