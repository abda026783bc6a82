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


# --- the measures and responsibility lists (S4-二(二)2, 3) -----------------------------------------------


def _sheet(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _two_problems(d: District) -> tuple[Any, Entry, Entry]:
    from tests.inspections.helpers import ended, found

    insp = under_way(d, make_pools(d))
    first = found(d, insp)  # 3 个小区雨污分流未完工, 区发展和改革局
    other = found(d, insp, unit=d.sub, description="台账不全")
    ended(d, insp)  # ends 2026-11-04
    return insp, first, other


def test_S4_measures_list_import_by_the_unit_applies_do_answer(district: District) -> None:
    """S4-二(二)2: the responsible unit sends its measures and deadlines; the rows find their problems
    by 具体内容, S3d-二.2's extension rule is checked in the preview, re-import skips."""
    d = district
    insp, first, other = _two_problems(d)
    header = ["序号", "具体内容", "牵头责任单位", "整改措施", "整改时限"]
    content = _sheet("整改措施清单", header, [
        [1, "3 个小区雨污分流未完工", "区发展和改革局", "增派施工队伍", "11月10日"],
        [2, "台账不全", "区价格认证中心", "", ""],
        [3, "没有登记过的问题", "区发展和改革局", "整改", ""],
    ])
    result = importing_lists.read_measures(content, insp, d.ursula, today=dt.date(2026, 11, 5))
    found_ = {(p.row, p.column): p.message for p in result.problems}
    assert found_[(4, "整改措施")].startswith("必填")
    assert "问题清单中没有这一问题" in found_[(5, "具体内容")]
    assert result.to_create == 1 and not result.ok
    importing_lists.write_steps(result, d.ursula)  # not all valid, not chosen: nothing written
    assert Entry.objects.get(pk=first.pk).state == "problem"
    importing_lists.write_steps(result, d.ursula, only_valid=True, now=at("2026-11-05"))
    entry = Entry.objects.get(pk=first.pk)
    assert (entry.state, entry.measures, entry.deadline) == ("measures", "增派施工队伍", dt.date(2026, 11, 10))
    assert Event.objects.filter(kind="inspection.measures").count() == 1
    again = importing_lists.read_measures(content, insp, d.ursula, today=dt.date(2026, 11, 5))
    assert again.to_skip == 1 and again.to_create == 0
    # S3d-二.2: later than required (7 days for a general problem) only with a timetable.
    late = _sheet("整改措施清单", header, [[1, "台账不全", "", "补齐台账", "2026-12-20"]])
    refused = importing_lists.read_measures(late, insp, d.ursula, today=dt.date(2026, 11, 5))
    assert [p.column for p in refused.problems] == ["整改时限"]
    assert Entry.objects.get(pk=other.pk).state == "problem"


def test_S4_measures_list_rows_of_another_unit_are_refused(district: District) -> None:
    d = district
    insp, first, _ = _two_problems(d)
    content = _sheet("整改措施清单", ["具体内容", "整改措施"], [["3 个小区雨污分流未完工", "整改"]])
    result = importing_lists.read_measures(content, insp, d.colin, today=dt.date(2026, 11, 5))
    # colin's unit is not inspected: the entry is not even visible to him
    assert "问题清单中没有这一问题" in result.problems[0].message
    result = importing_lists.read_measures(content, insp, d.sam, today=dt.date(2026, 11, 5))
    assert result.problems and Entry.objects.get(pk=first.pk).state == "problem"


def test_S4_responsibility_list_import_by_the_office_and_round_trip(district: District) -> None:
    """S4-二(二)3: the office names the lead and co-units and a person; the export of the responsibility
    list, imported again, changes nothing."""
    from duban.inspections import services as s
    from duban.inspections.exports import list_workbook

    d = district
    insp, first, other = _two_problems(d)
    s.do_answer(actor=d.ursula, entry=first, measures="增派施工队伍", now=at("2026-11-05"))
    header = ["具体内容", "牵头责任单位", "配合责任单位", "具体责任人", "整改时限", "问题成因"]
    content = _sheet("整改责任清单", header, [
        ["3 个小区雨污分流未完工", "区发展和改革局", "区财政局", "于联络员", "", ""],
        ["台账不全", "区发展和改革局", "", "于联络员", "", ""],  # no measures yet
        ["3 个小区雨污分流未完工", "区发展和改革局", "", "欧阳联络员", "", "态度不好"],
    ])
    result = importing_lists.read_responsibility(content, insp, today=dt.date(2026, 11, 6))
    found_ = {(p.row, p.column): p.message for p in result.problems}
    assert "尚未报送整改措施" in found_[(4, "具体内容")]
    assert "不是牵头或配合责任单位的人员" in found_[(5, "具体责任人")]
    assert "未知问题成因「态度不好」" in found_[(5, "问题成因")]
    assert "重复" in found_[(5, "具体内容")]
    with pytest.raises(PermissionDenied):
        importing_lists.write_steps(result, d.ursula, only_valid=True)
    importing_lists.write_steps(result, d.alice, only_valid=True, now=at("2026-11-06"))
    entry = Entry.objects.get(pk=first.pk)
    assert (entry.state, entry.lead_unit_id, entry.person_id) == ("rectifying", d.lead.pk, d.ursula.pk)
    assert [u.pk for u in entry.co_units.all()] == [d.co.pk]
    assert entry.report_due is not None
    assert Event.objects.filter(kind="inspection.problem_found").count() == 1
    exported = list_workbook("responsibility", [entry], d.alice)
    again = importing_lists.read_responsibility(exported, insp, today=dt.date(2026, 11, 6))
    assert (again.to_skip, again.to_create, again.problems) == (1, 0, [])
    assert Entry.objects.get(pk=other.pk).state == "problem"


def test_list_import_pages_measures_for_the_unit_responsibility_for_the_office(district: District) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.web.conftest import client_for

    d = district
    insp, first, _ = _two_problems(d)
    unit, office = client_for(d.ursula), client_for(d.alice)
    assert f"/documents/import/inspections/{insp.pk}/measures/" in unit.get(f"/inspections/{insp.pk}/").content.decode()
    assert office.get(f"/documents/import/inspections/{insp.pk}/measures/").status_code == 404
    assert unit.get(f"/documents/import/inspections/{insp.pk}/responsibility/").status_code == 404
    upload = SimpleUploadedFile("措施.xlsx", _sheet("整改措施清单", ["具体内容", "整改措施"],
                                                   [["3 个小区雨污分流未完工", "增派施工队伍"]]))
    url = f"/documents/import/inspections/{insp.pk}/measures/"
    page = unit.post(url, {"step": "preview", "file": upload}).content.decode()
    assert "确认导入 1 项" in page and "报送措施" in page
    token = page.split('name="token" value="')[1].split('"')[0]
    r = unit.post(url, {"step": "confirm", "token": token})
    assert r.status_code == 302 and Entry.objects.get(pk=first.pk).state == "measures"
    assert f"/documents/import/inspections/{insp.pk}/responsibility/" in office.get(
        f"/inspections/{insp.pk}/").content.decode()
