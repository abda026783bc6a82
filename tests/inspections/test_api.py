"""/api/inspections and /api/accountability: the same rules as the pages, errors as JSON (422/403/404/409)."""

from __future__ import annotations

import pytest

from duban.inspections.models import Entry, TeamRequest
from tests.api.conftest import Api
from tests.factories import District, at
from tests.inspections.helpers import ended, found, make_pools, planned, under_way

pytestmark = pytest.mark.django_db


def test_api_team_limits_approval_and_seeded_draw(district: District) -> None:
    d = district
    make_pools(d)
    insp = planned(d)
    office = Api(d.alice)
    r = office.post(f"/inspections/{insp.pk}/team-request",
                    {"wanted": {"full_time": 4}, "reason": "督查", "approver_id": d.dave.pk})
    assert r.status_code == 422 and "S3c-9" in r.json()["detail"]
    assert not TeamRequest.objects.exists()
    r = office.post(f"/inspections/{insp.pk}/team-request",
                    {"wanted": {"full_time": 2}, "reason": "督查", "approver_id": d.dave.pk})
    assert r.status_code == 200
    r = Api(d.gina).post(f"/inspections/{insp.pk}/team-request/decide", {"approve": True})
    assert r.status_code == 403
    assert Api(d.dave).post(f"/inspections/{insp.pk}/team-request/decide", {"approve": True}).status_code == 200
    r = office.post(f"/inspections/{insp.pk}/team-request/draw", {"seed": 99})
    assert r.status_code == 200 and r.json()["seed"] == 99 and len(r.json()["members"]) == 2
    assert Api(d.oscar).get(f"/inspections/{insp.pk}").status_code == 404


def test_api_three_lists(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    r = Api(d.alice).post(f"/inspections/{insp.pk}/findings",
                          {"unit_id": d.lead.pk, "kind": "general", "description": "台账不全"})
    assert r.status_code == 201
    entry_id = r.json()["id"]
    ended(d, insp)
    unit = Api(d.ursula)
    r = unit.post(f"/inspections/entries/{entry_id}/answer", {"measures": "补齐"})
    assert r.status_code == 200 and r.json()["deadline_rule"] == "S3d-二.1"
    r = Api(d.alice).post(f"/inspections/entries/{entry_id}/responsibility", {"lead_unit_id": d.lead.pk})
    assert r.status_code == 422 and "具体责任人" in r.json()["detail"]
    assert Entry.objects.get(pk=entry_id).state == "measures"
    r = Api(d.alice).post(f"/inspections/entries/{entry_id}/responsibility",
                          {"lead_unit_id": d.lead.pk, "co_unit_ids": [d.co.pk], "person_id": d.ursula.pk})
    assert r.status_code == 200 and r.json()["state"] == "rectifying"
    assert unit.post(f"/inspections/entries/{entry_id}/verify", {"close": True, "note": "x"}).status_code == 403
    r = Api(d.alice).post(f"/inspections/entries/{entry_id}/verify", {"close": True, "note": "x"})
    assert r.status_code == 409
    entries = Api(d.colin).get("/inspections/entries").json()
    assert [e["id"] for e in entries] == [entry_id]  # the co-unit sees it
    assert Api(d.oscar).get("/inspections/entries").json() == []


def test_api_accountability_case_steps(district: District) -> None:
    d = district
    office = Api(d.alice)
    r = office.post("/accountability/", {"unit_id": d.lead.pk, "trigger": "S3a-5(四)", "summary": "阻碍督查"})
    assert r.status_code == 201
    case_id = r.json()["id"]
    r = office.post(f"/accountability/{case_id}/steps/hand_over",
                    {"text": "建议通报", "competent_unit_id": d.co.pk, "implementing_unit_id": d.lead.pk})
    assert r.status_code == 200 and r.json()["next_party"] == "competent"
    r = Api(d.colin).post(f"/accountability/{case_id}/steps/skip_verification", {"text": "事实清楚"})
    assert r.status_code == 200 and r.json()["verification_skipped"]
    r = Api(d.ursula).post(f"/accountability/{case_id}/steps/propose",
                           {"text": "意见", "sanctions": [{"sanction": "admonish"}]})
    assert r.status_code == 422
    r = Api(d.ursula).post(f"/accountability/{case_id}/steps/propose",
                           {"text": "意见", "sanctions": [{"sanction": "unit_check"}]})
    assert r.status_code == 200 and r.json()["state"] == "reviewing"
    assert office.post(f"/accountability/{case_id}/steps/approve").status_code == 409


def test_api_obstruction_is_a_fact_and_a_case(district: District) -> None:
    from duban.accountability.models import Case
    from duban.inspections import services as s
    from duban.ledger.models import Event

    d = district
    insp = under_way(d, make_pools(d))
    found(d, insp)
    s.do_record_obstruction(actor=d.alice, inspection=insp, unit=d.lead, text="拒不提供资料", now=at("2026-11-03"))
    s.do_record_obstruction(actor=d.alice, inspection=insp, unit=d.lead, text="再次拒绝", now=at("2026-11-04"))
    assert Event.objects.filter(kind="inspection.obstruction").count() == 2
    assert Case.objects.get().trigger == "S3a-5(四)"  # one clue per unit and inspection
