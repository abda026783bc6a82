"""Excel import of an office's problem list (整改问题清单, S4-二(二)1) into an inspection under way."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import Workbook

from duban.documents import importing_lists
from duban.documents.models import ImportedEntry
from duban.inspections.models import Entry
from duban.items.errors import PermissionDenied
from duban.ledger.models import Event
from tests.factories import District, at
from tests.inspections.helpers import make_pools, planned, under_way

pytestmark = pytest.mark.django_db


def _xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    ws.append(["老旧小区改造专项督查整改问题清单"])
    ws.append(["序号", "具体内容", "责任单位", "问题类别", "整改建议", "整改时限"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_S4_problem_list_preview_then_only_valid_rows_and_reimport(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    content = _xlsx([
        [1, "3 个小区雨污分流未完工", "区发展和改革局", "一般问题", "倒排工期", "12月31日前"],
        [2, "资金拨付滞后", "区财政局", "", "", ""],  # not a target of this inspection
        [3, "台账不全", "区发展和改革局", "很严重", "", "年底前"],
    ])
    result = importing_lists.read(content, insp, file_name="问题清单.xlsx", today=dt.date(2026, 11, 3))
    found = {(p.row, p.column, p.cell): p.message for p in result.problems}
    assert "不是本次督查的对象" in found[(4, "牵头责任单位", "C4")]
    assert "未知问题类别「很严重」" in found[(5, "问题类别", "D5")]
    assert "无法识别的日期「年底前」" in found[(5, "整改时限", "F5")]
    importing_lists.write(result, d.alice)
    assert not result.written and not Entry.objects.filter(inspection=insp).exists()
    importing_lists.write(result, d.alice, only_valid=True, now=at("2026-11-03", 15))
    entry = Entry.objects.get(inspection=insp)
    assert (entry.content, entry.unit_id, entry.finding.deadline) == ("3 个小区雨污分流未完工", d.lead.pk,
                                                                      dt.date(2026, 12, 31))
    assert Event.objects.filter(kind="inspection.finding_recorded").count() == 1
    again = importing_lists.read(content, insp, today=dt.date(2026, 11, 3))
    importing_lists.write(again, d.alice, only_valid=True)
    assert again.created == 0 and again.skipped == 1 and Entry.objects.filter(inspection=insp).count() == 1
    assert ImportedEntry.objects.count() == 1


def test_problem_list_needs_an_inspection_under_way_and_the_office(district: District) -> None:
    d = district
    insp = planned(d)
    result = importing_lists.read(_xlsx([[1, "问题", "区发展和改革局", "", "", ""]]), insp)
    assert "督查实施中" in result.file_problems[0].message
    insp2 = under_way(d, make_pools(d))
    ok = importing_lists.read(_xlsx([[1, "问题", "区发展和改革局", "", "", ""]]), insp2)
    with pytest.raises(PermissionDenied):
        importing_lists.write(ok, d.ursula)


def test_problem_list_page_preview_and_confirm(district: District) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.web.conftest import client_for

    d = district
    insp = under_way(d, make_pools(d))
    client = client_for(d.alice)
    assert f"/documents/import/inspections/{insp.pk}/problems/" in client.get("/documents/issued/").content.decode()
    upload = SimpleUploadedFile("问题清单.xlsx", _xlsx([[1, "台账不全", "区发展和改革局", "", "", ""]]))
    r = client.post(f"/documents/import/inspections/{insp.pk}/problems/", {"step": "preview", "file": upload})
    page = r.content.decode()
    assert r.status_code == 200 and "台账不全" in page and "确认导入 1 项" in page
    token = page.split('name="token" value="')[1].split('"')[0]
    # a token of this preview is not accepted by the item import
    assert client.post("/documents/import/items/", {"step": "confirm", "token": token}).status_code == 409
    r = client.post(f"/documents/import/inspections/{insp.pk}/problems/", {"step": "confirm", "token": token})
    assert r.status_code == 302 and Entry.objects.filter(inspection=insp, content="台账不全").count() == 1
    assert client_for(d.ursula).get(f"/documents/import/inspections/{insp.pk}/problems/").status_code == 404
