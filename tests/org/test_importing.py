"""Excel import of units and people: every problem with sheet/row/column, all or nothing, idempotent."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from duban.org.importing import PEOPLE_COLUMNS, UNIT_COLUMNS, import_people, import_units
from duban.org.models import Unit, User
from tests.factories import CategoryFactory, District

pytestmark = pytest.mark.django_db


def xlsx(path: Path, header: list[str], rows: list[list[object]], title: str = "单位") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(["示范区单位名册"])  # a title row above the header, as offices' ledgers have
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_units_import_creates_tree_and_reimport_duplicates_nothing(district: District, tmp_path: Path) -> None:
    CategoryFactory(jurisdiction=district.jurisdiction, name="街道类")
    path = xlsx(tmp_path / "units.xlsx", UNIT_COLUMNS, [
        ["XJD-01", "新建社区", "社区", "XJD", "街道类", ""],  # child before its parent: order does not matter
        ["XJD", "新建街道办事处", "街道", "", "街道类", "dave"],
    ])
    result = import_units(path, district.jurisdiction)
    assert result.ok and (result.created, result.updated) == (2, 0)
    child = Unit.objects.get(code="XJD-01")
    assert child.parent.code == "XJD" and child.path.startswith(child.parent.path)
    assert Unit.objects.get(code="XJD").supervising_leader == district.dave
    again = import_units(path, district.jurisdiction)
    assert (again.created, again.updated) == (0, 2) and Unit.objects.filter(code__startswith="XJD").count() == 2


def test_units_import_reports_every_problem_with_sheet_row_column_and_writes_nothing(
    district: District, tmp_path: Path
) -> None:
    before = Unit.objects.count()
    path = xlsx(tmp_path / "bad.xlsx", UNIT_COLUMNS, [
        ["A1", "好单位", "部门", "", "", ""],
        ["A1", "", "部门", "", "", ""],
        ["A2", "单位二", "外星机构", "NOPE", "不存在的类别", "nobody"],
    ])
    result = import_units(path, district.jurisdiction)
    found = {(p.sheet, p.row, p.column) for p in result.problems}
    assert found == {("单位", 4, "单位代码"), ("单位", 4, "单位名称"), ("单位", 5, "单位类型"),
                     ("单位", 5, "上级单位代码"), ("单位", 5, "考核类别"), ("单位", 5, "分管领导")}
    assert Unit.objects.count() == before


def test_people_import_with_roles_and_errors(district: District, tmp_path: Path) -> None:
    good = xlsx(tmp_path / "people.xlsx", PEOPLE_COLUMNS, [
        ["wang", "王五", "FGJ", "科长", "0351-1234567", "单位联络员、具体经办人", "否"],
        ["li", "李四", "OFFICE", "督查专员", "", "督查室工作人员", "是"],
    ], title="人员")
    assert import_people(good, district.jurisdiction).created == 2
    li = User.objects.get(username="li")
    assert li.cleared_confidential and li.has_role(*li.role_set()) and li.unit == district.office
    bad = xlsx(tmp_path / "people-bad.xlsx", PEOPLE_COLUMNS, [
        ["zhao", "赵六", "NOPE", "", "", "皇帝", "也许"],
    ], title="人员")
    problems = {(p.row, p.column) for p in import_people(bad, district.jurisdiction).problems}
    assert problems == {(3, "单位代码"), (3, "角色"), (3, "涉密权限")}
    assert not User.objects.filter(username="zhao").exists()


def test_import_commands_fail_with_the_list_of_problems(district: District, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "bad.xlsx", UNIT_COLUMNS, [["", "无代码", "部门", "", "", ""]])
    err = StringIO()
    with pytest.raises(CommandError, match="未写入"):
        call_command("duban_import_units", str(path), "--jurisdiction", district.jurisdiction.code, stderr=err)
    assert "第 3 行「单位代码」列" in err.getvalue()
    malformed = tmp_path / "not-excel.xlsx"
    malformed.write_bytes(b"this is not a workbook")
    with pytest.raises(CommandError):
        call_command("duban_import_units", str(malformed), "--jurisdiction", district.jurisdiction.code,
                     stderr=StringIO())


def test_import_page_previews_problems_and_imports_only_valid_files(district: District, tmp_path: Path) -> None:
    from django.test import Client

    office = Client()
    office.force_login(district.alice)
    bad = xlsx(tmp_path / "bad.xlsx", UNIT_COLUMNS, [["Z1", "", "部门", "", "", ""]])
    with bad.open("rb") as handle:
        response = office.post("/org/import/", {"kind": "units", "file": handle, "commit": "1"})
    assert response.status_code == 422 and "单位名称" in response.content.decode()
    assert not Unit.objects.filter(code="Z1").exists()
    good = xlsx(tmp_path / "good.xlsx", UNIT_COLUMNS, [["Z1", "新单位", "部门", "", "", ""]])
    with good.open("rb") as handle:
        response = office.post("/org/import/", {"kind": "units", "file": handle, "commit": "1"})
    assert response.status_code == 200 and Unit.objects.filter(code="Z1").exists()
    liaison = Client()
    liaison.force_login(district.ursula)
    assert liaison.get("/org/import/").status_code == 403
