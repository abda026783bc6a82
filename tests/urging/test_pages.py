"""Ticket pages and the inbox: who sees and does what (S0-11, S0-15)."""

from __future__ import annotations

import pytest

from duban.urging import services as urging
from duban.urging.models import Ticket
from tests.factories import District, at, client_for
from tests.urging.test_sweep import handed_out

pytestmark = pytest.mark.django_db


def test_S0_11_office_head_signs_from_the_page_and_unit_answers(district: District) -> None:
    handed_out(district)
    urging.sweep(at("2026-03-04", 8))
    ticket = Ticket.objects.get(unit=district.lead)
    olga = client_for(district.olga)
    page = olga.get("/urging/tickets/")
    assert page.status_code == 200 and "待我签发" in page.content.decode()
    assert client_for(district.alice).post(f"/urging/tickets/{ticket.pk}/sign/").status_code == 403
    assert client_for(district.ursula).get(f"/urging/tickets/{ticket.pk}/").status_code == 404  # a draft
    response = olga.post(f"/urging/tickets/{ticket.pk}/sign/")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.number == "督催〔2026〕1号"
    ursula = client_for(district.ursula)
    detail = ursula.get(f"/urging/tickets/{ticket.pk}/").content.decode()
    assert "签收催办单" in detail and "督催〔2026〕1号" in detail
    assert ursula.post(f"/urging/tickets/{ticket.pk}/acknowledge/").status_code == 302
    bad = ursula.post(f"/urging/tickets/{ticket.pk}/answer/", {"answer": "", "objective_cause": "on"})
    assert bad.status_code == 422 and "S0-15(一)" in bad.content.decode()
    assert client_for(district.oscar).get(f"/urging/tickets/{ticket.pk}/").status_code == 404
    inbox = ursula.get("/urging/inbox/").content.decode()
    assert "蓝色催办单" in inbox


def test_todo_counts_tickets_to_sign(district: District) -> None:
    from duban.items.selectors import todo_for

    handed_out(district)
    urging.sweep(at("2026-03-04", 8))
    assert len(todo_for(district.olga).tickets_to_sign) == 2
    assert todo_for(district.alice).tickets_to_sign == []


def test_S0_11_todo_page_lists_tickets_to_sign(district: District) -> None:
    handed_out(district)
    urging.sweep(at("2026-03-04", 8))
    page = client_for(district.olga).get("/").content.decode()
    assert "签发催办单" in page and "蓝色催办单" in page
    assert "签发催办单" not in client_for(district.alice).get("/").content.decode()
