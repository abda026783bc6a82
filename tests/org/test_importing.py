"""Excel import of units and people (SPEC §1): every problem with sheet/row/column, all or nothing,
idempotent upsert by unit code / username."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from duban.core.lifecycle import Role
from duban.org.importing import (
    PEOPLE_COLUMNS,
    UNIT_COLUMNS,
    import_people,
    import_units,
    template_workbook,
    validate_units,
)
from duban.org.models import RoleGrant, Unit, User
from tests.factories import CategoryFactory, District, JurisdictionFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

UNIT_HEADER = ["单位代码", "单位名称", "单位类型", "上级单位代码", "考核类别", "分管领导(用户名)"]


def xlsx(path: Path, header: list[str], rows: list[list[object]], title: str = "单位",
         before: list[tuple[str, list[list[object]]]] = (), title_row: bool = True) -> Path:
    """A workbook like an office's ledger: optional sheets before, a title row above the header."""
    workbook = Workbook()
    first = workbook.active
    for index, (name, content) in enumerate(before):
        sheet = first if index == 0 else workbook.create_sheet(name)
        sheet.title = name
        for row in content:
            sheet.append(row)
    sheet = workbook.create_sheet(title) if before else first
    sheet.title = title
    if title_row:
        sheet.append(["示范区单位名册（2026 年 11 月）"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def where(result: object) -> set[tuple[str, int, str]]:
    return {(p.sheet, p.row, p.column) for p in result.problems}  # type: ignore[attr-defined]


# ---- units -----------------------------------------------------------------------------------------


def test_units_import_builds_the_tree_and_reimport_updates_instead_of_duplicating(
    district: District, tmp_path: Path
) -> None:
    CategoryFactory(jurisdiction=district.jurisdiction, code="JD", name="街道类")
    path = xlsx(tmp_path / "units.xlsx", UNIT_HEADER, [
        ["XJD-01", "新建社区", "社区", "XJD", "街道类", ""],  # child before its parent: order does not matter
        ["XJD", "新建街道办事处", "街道", "", "JD", "dave"],  # category by code, leader by username
        ["FGJ", "区发展和改革局（更名）", "部门", "", "", ""],  # an existing unit: updated
    ])
    result = import_units(path, district.jurisdiction)
    assert result.ok and result.written and (result.created, result.updated) == (2, 1)
    assert [r.action for r in result.rows] == ["新增", "新增", "更新"]
    child, parent = Unit.objects.get(code="XJD-01"), Unit.objects.get(code="XJD")
    assert child.parent == parent and child.path == f"{parent.path}{child.pk}/"
    assert child.kind == Unit.Kind.COMMUNITY and parent.category.name == "街道类"
    assert parent.supervising_leader == district.dave
    assert Unit.objects.get(code="FGJ").name == "区发展和改革局（更名）"
    count = Unit.objects.count()
    again = import_units(path, district.jurisdiction)
    assert (again.created, again.updated) == (0, 3) and Unit.objects.count() == count


def test_units_reimport_moving_a_unit_reroots_its_subtree(district: District, tmp_path: Path) -> None:
    """The sub-unit FGJ-01 of FGJ moves with FGJ when FGJ is put under a new parent in the same file."""
    path = xlsx(tmp_path / "move.xlsx", UNIT_COLUMNS, [
        ["FGJ", "区发展和改革局", "部门", "JJW", "", ""],
        ["JJW", "区经济工作委员会", "临时机构", "", "", ""],
    ])
    assert import_units(path, district.jurisdiction).ok
    jjw, fgj, sub = (Unit.objects.get(code=c) for c in ("JJW", "FGJ", "FGJ-01"))
    assert fgj.path == f"{jjw.path}{fgj.pk}/" and sub.path == f"{fgj.path}{sub.pk}/"


def test_units_every_problem_kind_is_reported_with_sheet_row_and_column_and_nothing_is_written(
    district: District, tmp_path: Path
) -> None:
    CategoryFactory(jurisdiction=district.jurisdiction, name="街道类")
    before = Unit.objects.count()
    long_code = "X" * 33
    path = xlsx(tmp_path / "bad.xlsx", [*UNIT_COLUMNS, "", "备注"], [
        ["A1", "好单位", "部门", "", "", "", "", "备注随意"],  # row 3: fine (备注 is an extra column, ignored)
        ["A1", "", "部门", "", "", "", "", ""],  # row 4: duplicate code, missing name
        ["A2", "单位二", "外星机构", "NOPE", "不存在的类别", "nobody"],  # row 5
        ["", "无代码", "", "", "", ""],  # row 6: missing code, missing kind
        ["A3", "单位三", "部门", "A3", "", "ursula"],  # row 7: own parent; ursula is no government leader
        ["A4", "单位四", "部门", "", "", "", "多出来的数据"],  # row 8: data under no header: malformed row
        [dt.date(2026, 1, 5), "单位五", "部门", "", "", ""],  # row 9: a date where a code belongs
        [long_code, "单位六", "部门", "", "", ""],  # row 10: too long for the code column
    ])
    result = import_units(path, district.jurisdiction)
    assert not result.ok and not result.written
    assert where(result) == {
        ("单位", 4, "单位代码"), ("单位", 4, "单位名称"),
        ("单位", 5, "单位类型"), ("单位", 5, "上级单位代码"), ("单位", 5, "考核类别"), ("单位", 5, "分管领导"),
        ("单位", 6, "单位代码"), ("单位", 6, "单位类型"),
        ("单位", 7, "上级单位代码"), ("单位", 7, "分管领导"),
        ("单位", 8, "G 列"),
        ("单位", 9, "单位代码"),
        ("单位", 10, "单位代码"),
    }
    messages = {(p.row, p.column): p.message for p in result.problems}
    assert "与第 3 行相同" in messages[(4, "单位代码")]
    assert "未知上级单位「NOPE」" in messages[(5, "上级单位代码")]
    assert "街道类" in messages[(5, "考核类别")]  # tells which categories exist
    assert "没有表头" in messages[(8, "G 列")]
    assert "日期" in messages[(9, "单位代码")]
    assert "32" in messages[(10, "单位代码")]
    cell = next(p for p in result.problems if (p.row, p.column) == (5, "单位类型"))
    assert cell.cell == "C5" and "第 5 行「单位类型」列（C5）" in str(cell)
    assert Unit.objects.count() == before


def test_units_a_cycle_through_the_database_is_refused(district: District, tmp_path: Path) -> None:
    """FGJ-01 is below FGJ in the database; making FGJ a child of FGJ-01 would put FGJ below itself."""
    path = xlsx(tmp_path / "cycle.xlsx", UNIT_COLUMNS, [["FGJ", "区发展和改革局", "部门", "FGJ-01", "", ""]])
    result = import_units(path, district.jurisdiction)
    assert where(result) == {("单位", 3, "上级单位代码")}
    assert "成环" in result.problems[0].message
    assert Unit.objects.get(code="FGJ").parent is None


def test_units_from_another_jurisdiction_are_unknown(district: District, tmp_path: Path) -> None:
    elsewhere = UnitFactory(jurisdiction=JurisdictionFactory(), code="ELSE")
    path = xlsx(tmp_path / "x.xlsx", UNIT_COLUMNS, [["N1", "新单位", "部门", elsewhere.code, "", ""]])
    assert where(import_units(path, district.jurisdiction)) == {("单位", 3, "上级单位代码")}


def test_missing_header_empty_sheet_and_unreadable_file_are_file_problems(district: District, tmp_path: Path) -> None:
    no_header = xlsx(tmp_path / "noheader.xlsx", ["代码", "名称"], [["A", "B"]])
    result = import_units(no_header, district.jurisdiction)
    assert not result.ok and result.problems[0].column == "单位代码" and "找不到表头" in result.problems[0].message
    empty = xlsx(tmp_path / "empty.xlsx", UNIT_COLUMNS, [])
    assert "没有数据行" in import_units(empty, district.jurisdiction).problems[0].message
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    result = import_units(broken, district.jurisdiction)
    assert not result.ok and result.problems[0].column == "文件" and "无法读取" in result.problems[0].message


def test_the_sheet_with_the_header_is_found_and_named_in_problems(district: District, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "two.xlsx", UNIT_COLUMNS, [["Q1", "", "部门", "", "", ""]], title="单位名册",
                before=[("填表说明", [["请按模板填写"], ["单位代码为必填"]])])
    result = validate_units(path, district.jurisdiction)
    assert result.sheet == "单位名册" and where(result) == {("单位名册", 3, "单位名称")}


def test_dry_run_reports_what_would_happen_and_writes_nothing(district: District, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "units.xlsx", UNIT_COLUMNS, [["N1", "新单位", "部门", "", "", ""],
                                                         ["CZJ", "区财政局", "部门", "", "", ""]])
    result = import_units(path, district.jurisdiction, dry_run=True)
    assert result.ok and not result.written and (result.to_create, result.to_update) == (1, 1)
    assert not Unit.objects.filter(code="N1").exists()


# ---- people ----------------------------------------------------------------------------------------


def test_people_import_with_roles_and_clearance_and_reimport_updates(district: District, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "people.xlsx", PEOPLE_COLUMNS, [
        ["wang", "王五", "FGJ", "科长", 13800001111, "单位联络员、具体经办人", "否"],
        ["li", "李四", "OFFICE", "督查专员", "", "督查室工作人员，office_head", "是"],
    ], title="人员")
    result = import_people(path, district.jurisdiction, initial_password="Shifan-2026-qu")
    assert result.ok and (result.created, result.updated) == (2, 0)
    wang, li = User.objects.get(username="wang"), User.objects.get(username="li")
    assert wang.role_set() == {Role.UNIT_LIAISON, Role.RESPONSIBLE_PERSON} and wang.phone == "13800001111"
    assert wang.unit == district.lead and wang.jurisdiction == district.jurisdiction and not wang.cleared_confidential
    assert li.cleared_confidential and li.role_set() == {Role.OFFICE_STAFF, Role.OFFICE_HEAD}
    assert li.check_password("Shifan-2026-qu")
    grants = RoleGrant.objects.count()
    again = import_people(path, district.jurisdiction)
    assert (again.created, again.updated) == (0, 2) and RoleGrant.objects.count() == grants
    assert User.objects.get(username="li").check_password("Shifan-2026-qu")  # re-import keeps passwords
    # The roster changes: wang is now only the unit head; the file is the truth for roles.
    changed = xlsx(tmp_path / "people2.xlsx", PEOPLE_COLUMNS,
                   [["wang", "王五", "CZJ", "局长", "", "单位主要负责人", "是"]])
    assert import_people(changed, district.jurisdiction).updated == 1
    wang = User.objects.get(username="wang")
    assert wang.role_set() == {Role.UNIT_HEAD} and wang.unit == district.co and wang.cleared_confidential


def test_people_import_refuses_the_three_administrator_roles_and_audits_each_grant(
        district: District, tmp_path: Path) -> None:
    """三员分立 (issue #8): a roster cannot hand out 系统/安全/审计管理员, nor re-role an administrator's account."""
    from duban.accounts.models import AuditRecord

    RoleGrant.objects.create(jurisdiction=district.jurisdiction, user=UserFactory(
        username="aq", jurisdiction=district.jurisdiction, unit=district.office), role=Role.SECURITY_ADMIN)
    users, grants = User.objects.count(), RoleGrant.objects.count()
    path = xlsx(tmp_path / "admins.xlsx", PEOPLE_COLUMNS, [
        ["zhao", "赵六", "OFFICE", "", "", "督查室工作人员、审计管理员", "否"],
        ["aq", "安管员", "OFFICE", "", "", "督查室工作人员", "否"],
    ], title="人员")
    result = import_people(path, district.jurisdiction)
    assert not result.ok and not result.written
    messages = {(p.row, p.column): p.message for p in result.problems}
    assert "审计管理员" in messages[(3, "角色")] and "三员分立" in messages[(3, "角色")]
    assert "管理员专用账号" in messages[(4, "角色")]
    assert (User.objects.count(), RoleGrant.objects.count()) == (users, grants)
    audited = AuditRecord.objects.count()
    fine = xlsx(tmp_path / "fine.xlsx", PEOPLE_COLUMNS,
                [["zhao", "赵六", "FGJ", "", "", "单位联络员、具体经办人", "否"]], title="人员")
    assert import_people(fine, district.jurisdiction).ok
    assert AuditRecord.objects.count() >= audited + 2  # each grant is in the audit log


def test_people_without_a_role_column_keep_their_roles(district: District, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "p.xlsx", ["用户名", "姓名", "电话"], [["ursula", "于联络员", "0351-7654321"]], title="人员")
    assert import_people(path, district.jurisdiction).updated == 1
    ursula = User.objects.get(username="ursula")
    assert ursula.phone == "0351-7654321" and ursula.has_role(Role.UNIT_LIAISON) and ursula.unit == district.lead


def test_people_every_problem_kind_with_sheet_row_column_and_nothing_written(
    district: District, tmp_path: Path
) -> None:
    UserFactory(username="taken", jurisdiction=JurisdictionFactory())
    users, grants = User.objects.count(), RoleGrant.objects.count()
    path = xlsx(tmp_path / "bad.xlsx", PEOPLE_COLUMNS, [
        ["zhao", "赵六", "NOPE", "", "", "皇帝", "也许"],  # row 3: unknown unit, unknown role, bad 涉密权限
        ["zhao", "", "FGJ", "", "", "", ""],  # row 4: duplicate username, missing name
        ["taken", "某人", "", "", "", "", ""],  # row 5: username of another jurisdiction
        ["bad name!", "某人", "", "", "", "", ""],  # row 6: not a valid username
        ["qian", "钱七", "", "", "", "单位联络员", ""],  # row 7: a unit role without a unit
        ["", "无名", "FGJ", "", "", "", ""],  # row 8: missing username
        ["ursula", "于联络员（改）", "FGJ", "", "", "", ""],  # row 9: fine, an update
    ], title="人员")
    result = import_people(path, district.jurisdiction)
    assert where(result) == {
        ("人员", 3, "单位代码"), ("人员", 3, "角色"), ("人员", 3, "涉密权限"),
        ("人员", 4, "用户名"), ("人员", 4, "姓名"),
        ("人员", 5, "用户名"), ("人员", 6, "用户名"), ("人员", 7, "单位代码"), ("人员", 8, "用户名"),
    }
    assert [r.action for r in result.rows][-1] == "更新" and result.rows[-1].ok
    assert (User.objects.count(), RoleGrant.objects.count()) == (users, grants)
    assert User.objects.get(username="ursula").full_name == "于联络员"


def test_a_weak_initial_password_is_refused_before_anything_is_written(district: District, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "p.xlsx", PEOPLE_COLUMNS, [["wu", "吴八", "FGJ", "", "", "", ""]], title="人员")
    result = import_people(path, district.jurisdiction, initial_password="123")
    assert not result.ok and result.problems[0].column == "初始密码"
    assert not User.objects.filter(username="wu").exists()


def test_new_people_without_initial_password_cannot_sign_in_yet(district: District, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "p.xlsx", PEOPLE_COLUMNS, [["wu", "吴八", "FGJ", "", "", "", ""]], title="人员")
    assert import_people(path, district.jurisdiction).created == 1
    assert not User.objects.get(username="wu").has_usable_password()


# ---- templates -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["units", "people"])
def test_the_downloadable_template_imports_once_filled_in(district: District, tmp_path: Path, kind: str) -> None:
    CategoryFactory(jurisdiction=district.jurisdiction, name="经济发展类")
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(template_workbook(kind, district.jurisdiction))  # type: ignore[arg-type]
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["单位" if kind == "units" else "人员", "填写说明"]
    sheet = workbook.worksheets[0]
    if kind == "units":
        assert [c.value for c in sheet[1]] == UNIT_HEADER
        sheet.append(["TPL", "模板单位", "部门", "FGJ", "经济发展类", "dave"])
        importer = import_units
    else:
        assert [c.value for c in sheet[1]] == PEOPLE_COLUMNS
        sheet.append(["tpl", "模板人员", "FGJ", "科员", "", "单位联络员", "否"])
        importer = import_people
    workbook.save(path)
    result = importer(path, district.jurisdiction)
    assert result.ok and result.created == 1 and result.sheet == workbook.sheetnames[0]
    explained = {row[0].value for row in workbook["填写说明"].iter_rows(min_row=2) if row[0].value}
    assert explained >= set(UNIT_HEADER if kind == "units" else PEOPLE_COLUMNS)
