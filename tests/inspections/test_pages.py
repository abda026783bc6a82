"""The pages: each role sees its part (待办), outsiders get 404, refused actions change nothing, the
Excel export of each list carries S4's columns."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from duban.inspections import services as s
from duban.inspections.models import Entry, TeamRequest
from tests.factories import District, at, client_for
from tests.inspections.helpers import ended, found, make_pools, planned, under_way

pytestmark = pytest.mark.django_db


def test_pages_render_for_each_role(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    entry = found(d, insp)
    for user in (d.alice, d.dave, d.ursula, d.gina):
        c = client_for(user)
        assert c.get("/inspections/").status_code == 200
        assert c.get(f"/inspections/{insp.pk}/").status_code == 200
        assert c.get(f"/inspections/entries/{entry.pk}/").status_code == 200
        assert c.get("/inspections/lists/?list=problem").status_code == 200
    assert "本单位待办整改" in client_for(d.ursula).get("/inspections/").content.decode()
    assert client_for(d.alice).get("/inspections/pools/").status_code == 200


def test_outsiders_see_nothing(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    entry = found(d, insp)
    c = client_for(d.oscar)
    assert c.get(f"/inspections/{insp.pk}/").status_code == 404
    assert c.get(f"/inspections/entries/{entry.pk}/").status_code == 404
    assert c.get("/inspections/pools/").status_code == 404
    assert "3 个小区" not in c.get("/inspections/lists/").content.decode()


def test_S3c_10_approval_by_someone_without_the_right_changes_nothing(district: District) -> None:
    d = district
    make_pools(d)
    insp = planned(d)
    s.do_request_team(actor=d.alice, inspection=insp, wanted={"full_time": 2}, reason="督查", approver=d.dave)
    response = client_for(d.gina).post(f"/inspections/{insp.pk}/approve_request/", follow=True)
    assert "只有请示所报的分管副职领导" in response.content.decode()
    assert TeamRequest.objects.get().state == "pending"


def test_S4_export_each_list_with_s4_columns(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    entry = found(d, insp)
    ended(d, insp)
    entry = s.do_answer(actor=d.ursula, entry=entry, measures="整改", now=at("2026-11-05"))
    s.do_assign_responsibility(actor=d.alice, entry=entry, lead_unit=d.lead, co_units=[d.co], person=d.ursula,
                               now=at("2026-11-06"))
    for which in ("problem", "measures", "responsibility"):
        response = client_for(d.alice).get(f"/inspections/lists/{which}.xlsx")
        assert response.status_code == 200
        ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        header = next(r for r in rows if r and r[0] == "序号")
        assert header[:2] == ["序号", "具体内容"]
        flat = [v for r in rows for v in r if v]
        assert "牵头责任单位" in flat and "配合责任单位" in flat
    last = rows[-1]
    assert last[0] == 1 and "雨污分流" in last[1] and last[2] == d.lead.name and last[3] == d.co.name


def test_entry_action_through_the_page(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    entry = found(d, insp)
    ended(d, insp)
    c = client_for(d.ursula)
    response = c.post(f"/inspections/entries/{entry.pk}/answer/", {"measures": "", "version": entry.version},
                      follow=True)
    assert "请填写整改措施" in response.content.decode()
    c.post(f"/inspections/entries/{entry.pk}/answer/", {"measures": "增派人手", "version": entry.version})
    assert Entry.objects.get(pk=entry.pk).state == "measures"
    # A stale version is refused (the form was loaded before the unit answered) and nothing changes.
    response = client_for(d.alice).post(f"/inspections/entries/{entry.pk}/assign/", {
        "lead_unit": d.lead.pk, "person": d.ursula.pk, "version": entry.version}, follow=True)
    assert "已被他人修改" in response.content.decode()
    assert Entry.objects.get(pk=entry.pk).state == "measures"


def test_S4_2_1_3_review_refers_a_unit_to_accountability(district: District) -> None:
    from duban.accountability.models import Case

    d = district
    insp = under_way(d, make_pools(d))
    c = client_for(d.alice)
    response = c.post(f"/inspections/{insp.pk}/refer/", {"unit": d.lead.pk, "trigger": "S3a-5(一)", "summary": ""},
                      follow=True)
    assert "请填写移送问责的事由" in response.content.decode() and not Case.objects.exists()
    c.post(f"/inspections/{insp.pk}/refer/", {"unit": d.lead.pk, "trigger": "S3a-5(一)", "summary": "假落实"})
    c.post(f"/inspections/{insp.pk}/refer/", {"unit": d.lead.pk, "trigger": "S3a-5(一)", "summary": "假落实"})
    case = Case.objects.get()
    assert case.trigger == "S3a-5(一)" and case.unit == d.lead
    assert case.number in c.get(f"/inspections/{insp.pk}/").content.decode()
    assert client_for(d.ursula).post(f"/inspections/{insp.pk}/refer/", {
        "unit": d.lead.pk, "trigger": "S3a-5(三)", "summary": "x"}).status_code in (302, 404)
    assert Case.objects.count() == 1


def test_S3c_14_ledger_filters_typical_cases_and_key_supervision(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    found(d, insp, description="普通问题甲")
    found(d, insp, description="典型问题乙", typical=True)
    c = client_for(d.alice)
    page = c.get("/inspections/lists/?typical=1").content.decode()
    assert "典型问题乙" in page and "普通问题甲" not in page
    page = c.get("/inspections/lists/?key=1").content.decode()
    assert "典型问题乙" not in page
    response = c.get("/inspections/lists/problem.xlsx?typical=1")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    contents = [row[1].value for row in ws.iter_rows() if row[0].value == 1 or row[0].value == 2]
    assert contents == ["典型问题乙"]
