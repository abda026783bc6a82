"""The scoring pages (issue 4 item 3): who sees what, facts and counter-entries, what-if, Excel."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.utils import timezone

from duban.scoring.models import RecordedFact, ScoreEntry
from tests.web.conftest import client_for, closed

from .conftest import Scored

pytestmark = pytest.mark.django_db


def year() -> str:
    return str(timezone.localdate().year)


def record(s: Scored, unit_pk: int, **extra: str) -> object:
    data = {"unit": unit_pk, "kind": "commendation", "day": timezone.localdate().isoformat(),
            "attr_tier": "provincial", "description": "获省政府督查室通报表扬", "evidence_ref": "省督〔2026〕5号"}
    data.update(extra)
    return client_for(s.d.alice).post("/scoring/facts/", data)


def test_ranking_for_office_leaders_and_assessment(scored: Scored) -> None:
    closed(scored.d)
    for user in (scored.d.alice, scored.d.gina, scored.d.dave, scored.assessor):
        page = client_for(user).get("/scoring/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "区发展和改革局" in html and "综合管理类" in html and "ranking-chart" in html
    assert "发布" in client_for(scored.d.alice).get("/scoring/").content.decode()
    assert "发布 " not in client_for(scored.d.gina).get("/scoring/").content.decode()


def test_a_unit_sees_only_its_own_lines(scored: Scored) -> None:
    d = scored.d
    closed(d)
    response = client_for(d.ursula).get("/scoring/")
    assert response.status_code == 302 and response["Location"] == f"/scoring/units/{d.lead.pk}/"
    own = client_for(d.ursula).get(f"/scoring/units/{d.lead.pk}/")
    assert own.status_code == 200 and "S0-A三.5" in own.content.decode()
    assert client_for(d.ursula).get(f"/scoring/units/{d.co.pk}/").status_code == 404
    assert client_for(d.oscar).get("/scoring/whatif/").status_code == 403
    assert client_for(d.ursula).get("/scoring/facts/").status_code == 403


def test_record_a_fact_and_counter_it_from_the_pages(scored: Scored) -> None:
    d = scored.d
    response = record(scored, d.co.pk)
    assert response.status_code == 302
    page = client_for(d.alice).get(f"/scoring/units/{d.co.pk}/").content.decode()
    assert "S0-A三.1" in page and "省督〔2026〕5号" in page and "83" in page
    entry = ScoreEntry.objects.get(unit=d.co, kind="commendation")
    assert client_for(d.alice).post(f"/scoring/entries/{entry.pk}/counter/", {"reason": ""}).status_code == 302
    assert not ScoreEntry.objects.filter(counter_of=entry).exists()  # no reason: refused, nothing written
    client_for(d.alice).post(f"/scoring/entries/{entry.pk}/counter/", {"reason": "录入单位有误"})
    assert ScoreEntry.objects.filter(counter_of=entry).count() == 1
    page = client_for(d.alice).get(f"/scoring/units/{d.co.pk}/").content.decode()
    assert "已冲正的条目" in page and "录入单位有误" in page


def test_a_bad_fact_is_refused_with_a_chinese_error(scored: Scored) -> None:
    response = record(scored, scored.d.co.pk, evidence_ref="", attr_tier="galactic")
    assert response.status_code == 422
    assert "作出方层级须为" in response.content.decode()
    assert not RecordedFact.objects.exists()


def test_whatif_under_another_preset_side_by_side(scored: Scored) -> None:
    d = scored.d
    closed(d)
    response = client_for(d.alice).post("/scoring/whatif/", {"period": year(), "preset": "s1"})
    html = response.content.decode()
    assert response.status_code == 200 and "对比" in html and "区发展和改革局" in html
    bad = client_for(d.alice).post("/scoring/whatif/", {"period": year(), "text": "format = 1\n[total]\nbase = 'x'"})
    assert bad.status_code == 422 and "错误" in bad.content.decode()


def test_excel_exports(scored: Scored) -> None:
    d = scored.d
    closed(d)
    ranking = client_for(d.alice).get(f"/scoring/export.xlsx?period={year()}")
    sheet = openpyxl.load_workbook(io.BytesIO(ranking.content)).active
    assert "考核排名" in str(sheet["A1"].value) and any(c.value == "序号" for c in sheet[3])
    names = [row[2] for row in sheet.iter_rows(values_only=True)]
    assert "区发展和改革局" in names
    lines = client_for(d.ursula).get(f"/scoring/units/{d.lead.pk}/export.xlsx?period={year()}")
    sheet = openpyxl.load_workbook(io.BytesIO(lines.content)).active
    values = [v for row in sheet.iter_rows(values_only=True) for v in row]
    assert "S0-A三.5" in values


def test_policy_page_choose_s3b(scored: Scored) -> None:
    d = scored.d
    page = client_for(d.alice).get("/scoring/policy/").content.decode()
    assert "s2c" in page and "s3b" in page
    choice = {"preset": "s3b", "category_map": "ZH=municipal\nJD=county"}
    response = client_for(d.alice).post("/scoring/policy/", choice)
    assert response.status_code == 302
    ranking = client_for(d.alice).get("/scoring/").content.decode()
    assert "激励积分" in ranking and "市直相关单位" in ranking
    refused = client_for(d.alice).post("/scoring/policy/", {"preset": "s3b", "category_map": "ZH=nowhere"})
    assert refused.status_code == 422 and "类别对照" in refused.content.decode()
    assert client_for(d.gina).post("/scoring/policy/", {"preset": "s1"}).status_code == 403
