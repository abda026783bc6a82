"""Accountability pages: the office opens a case, each party sees its step; others get 404."""

from __future__ import annotations

import pytest

from duban.accountability.models import Case
from tests.factories import District, client_for

pytestmark = pytest.mark.django_db


def test_open_case_and_hand_over_through_pages(district: District) -> None:
    d = district
    c = client_for(d.alice)
    assert c.get("/accountability/").status_code == 200
    response = c.post("/accountability/", {"unit": d.lead.pk, "trigger": "S3a-5(一)", "summary": "假落实"})
    case = Case.objects.get()
    assert response.status_code == 302 and case.state == "open"
    page = c.get(f"/accountability/{case.pk}/").content.decode()
    assert "移交问题线索并提出问责建议" in page
    response = c.post(f"/accountability/{case.pk}/hand_over/", {"text": "", "competent_unit": d.co.pk,
                                                                 "implementing_unit": d.lead.pk}, follow=True)
    assert "请填写问责建议" in response.content.decode()
    c.post(f"/accountability/{case.pk}/hand_over/", {"text": "建议通报", "competent_unit": d.co.pk,
                                                      "implementing_unit": d.lead.pk})
    assert Case.objects.get().state == "verifying"
    # The competent department (d.co) now sees it with its step; an unrelated unit does not.
    assert "报送核查报告" in client_for(d.colin).get(f"/accountability/{case.pk}/").content.decode()
    assert client_for(d.oscar).get(f"/accountability/{case.pk}/").status_code == 404
    response = client_for(d.ursula).post(f"/accountability/{case.pk}/report_verification/", {"text": "x"},
                                         follow=True)
    assert Case.objects.get().state == "verifying"
    assert "主管部门" in response.content.decode()
