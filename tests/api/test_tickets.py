"""Urging tickets through the API (S0-11, S0-15): same permissions as the pages."""

from __future__ import annotations

import pytest

from duban.urging import services as urging
from duban.urging.models import Ticket
from tests.factories import District, at, client_for
from tests.urging.test_sweep import handed_out

pytestmark = pytest.mark.django_db


def test_S0_11_ticket_signed_through_the_api_by_the_office_head_only(district: District) -> None:
    handed_out(district)
    urging.sweep(at("2026-03-04", 8))
    ticket = Ticket.objects.get(unit=district.lead)
    to_sign = client_for(district.olga).get("/api/tickets/?to_sign=true").json()
    assert {t["id"] for t in to_sign} == set(Ticket.objects.values_list("pk", flat=True))
    assert client_for(district.alice).post(f"/api/tickets/{ticket.pk}/sign").status_code == 403
    # Units do not see drafts; another unit sees nothing at all.
    assert client_for(district.ursula).get(f"/api/tickets/{ticket.pk}").status_code == 404
    response = client_for(district.olga).post(f"/api/tickets/{ticket.pk}/sign")
    assert response.status_code == 200 and response.json()["number"] == "督催〔2026〕1号"
    assert client_for(district.olga).post(f"/api/tickets/{ticket.pk}/sign").status_code == 409
    assert client_for(district.oscar).get(f"/api/tickets/{ticket.pk}").status_code == 404
    ursula = client_for(district.ursula)
    assert ursula.get(f"/api/tickets/{ticket.pk}").json()["state"] == "issued"
    assert ursula.post(f"/api/tickets/{ticket.pk}/acknowledge").json()["state"] == "acknowledged"
    bad = ursula.post(f"/api/tickets/{ticket.pk}/answer", {"answer": "原因", "objective_cause": True},
                      content_type="application/json")
    assert bad.status_code == 422 and "plan" in bad.json()["field_errors"]
    ok = ursula.post(f"/api/tickets/{ticket.pk}/answer",
                     {"answer": "已签收并制定方案", "objective_cause": True, "plan": "3月10日前完成",
                      "plan_signed_by": "王副区长"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["state"] == "answered"


def test_override_needs_a_reason(district: District) -> None:
    item = handed_out(district)
    alice = client_for(district.alice)
    body = {"item_id": item.pk, "unit_id": district.lead.pk, "colour": "yellow", "reason": ""}
    assert alice.post("/api/tickets/override", body, content_type="application/json").status_code == 422
    body["reason"] = "影响全区重点工作"
    response = alice.post("/api/tickets/override", body, content_type="application/json")
    assert response.status_code == 200 and response.json()["colour"] == "yellow"
    assert client_for(district.oscar).post("/api/tickets/override", body,
                                           content_type="application/json").status_code == 404
