"""Excel import of units and people: validate the whole file, report every problem with sheet, row and
column, write nothing unless everything is valid, and upsert (re-importing the same file duplicates
nothing).

Units sheet columns: 单位代码, 单位名称, 单位类型, 上级单位代码, 考核类别, 分管领导(用户名)
People sheet columns: 用户名, 姓名, 单位代码, 职务, 电话, 角色, 涉密权限
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from python_calamine import CalamineWorkbook

from duban.core.lifecycle import Role

from .models import ROLE_LABELS, Category, Jurisdiction, RoleGrant, Unit, User

UNIT_COLUMNS = ["单位代码", "单位名称", "单位类型", "上级单位代码", "考核类别", "分管领导"]
PEOPLE_COLUMNS = ["用户名", "姓名", "单位代码", "职务", "电话", "角色", "涉密权限"]
KIND_BY_LABEL = {str(label): value for value, label in Unit.Kind.choices}
ROLE_BY_LABEL = {label: role for role, label in ROLE_LABELS.items()} | {r.value: r for r in Role}


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"工作表「{self.sheet}」第 {self.row} 行「{self.column}」列：{self.message}"


@dataclass
class ImportResult:
    rows: list[dict[str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def read_sheet(path: Path, columns: list[str]) -> tuple[str, list[tuple[int, dict[str, str]]], list[Problem]]:
    """The first sheet's rows as dicts keyed by header, with their 1-based Excel row numbers."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for unreadable files
        return "", [], [Problem(path.name, 0, "文件", f"无法读取 Excel 文件：{exc}")]
    sheet_name = workbook.sheet_names[0]
    data = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    header_index = next((i for i, row in enumerate(data) if columns[0] in [_cell(c) for c in row]), None)
    if header_index is None:
        return sheet_name, [], [Problem(sheet_name, 1, columns[0], f"找不到表头，应包含：{'、'.join(columns)}")]
    header = [_cell(c) for c in data[header_index]]
    problems = [Problem(sheet_name, header_index + 1, c, "缺少此列") for c in columns[:2] if c not in header]
    rows = []
    for offset, raw in enumerate(data[header_index + 1:], start=header_index + 2):
        values = {name: _cell(raw[i]) if i < len(raw) else "" for i, name in enumerate(header) if name}
        if any(values.values()):
            rows.append((offset, values))
    return sheet_name, rows, problems


def import_units(path: Path, jurisdiction: Jurisdiction, *, dry_run: bool = False) -> ImportResult:
    sheet, rows, problems = read_sheet(path, UNIT_COLUMNS)
    result = ImportResult(problems=problems)
    existing = {u.code: u for u in Unit.objects.filter(jurisdiction=jurisdiction)}
    categories = {c.name: c for c in Category.objects.filter(jurisdiction=jurisdiction)}
    leaders = {u.username: u for u in User.objects.filter(jurisdiction=jurisdiction)}
    seen: dict[str, int] = {}
    codes_in_file = {values.get("单位代码", "") for _, values in rows}
    for row_number, values in rows:
        code, name = values.get("单位代码", ""), values.get("单位名称", "")
        if not code:
            result.problems.append(Problem(sheet, row_number, "单位代码", "必填"))
        elif code in seen:
            result.problems.append(Problem(sheet, row_number, "单位代码", f"与第 {seen[code]} 行重复"))
        else:
            seen[code] = row_number
        if not name:
            result.problems.append(Problem(sheet, row_number, "单位名称", "必填"))
        kind = values.get("单位类型", "")
        if kind not in KIND_BY_LABEL and kind not in Unit.Kind.values:
            result.problems.append(Problem(sheet, row_number, "单位类型",
                                           f"未知类型「{kind}」，可用：{'、'.join(KIND_BY_LABEL)}"))
        parent = values.get("上级单位代码", "")
        if parent and parent not in existing and parent not in codes_in_file:
            result.problems.append(Problem(sheet, row_number, "上级单位代码", f"未知单位「{parent}」"))
        if parent and parent == code:
            result.problems.append(Problem(sheet, row_number, "上级单位代码", "不能是本单位"))
        category = values.get("考核类别", "")
        if category and category not in categories:
            result.problems.append(Problem(sheet, row_number, "考核类别",
                                           f"未知类别「{category}」，现有：{'、'.join(categories) or '无'}"))
        leader = values.get("分管领导", "")
        if leader and leader not in leaders:
            result.problems.append(Problem(sheet, row_number, "分管领导", f"未知用户名「{leader}」"))
        result.rows.append(values)
    if result.problems or dry_run:
        return result
    with transaction.atomic():
        pending = list(rows)
        # Parents first: keep passing over the rows until every parent exists.
        while pending:
            progressed = False
            for row_number, values in list(pending):
                parent_code = values.get("上级单位代码", "")
                if parent_code and parent_code not in existing:
                    continue
                kind = values["单位类型"]
                fields = {
                    "name": values["单位名称"], "kind": KIND_BY_LABEL.get(kind, kind),
                    "parent": existing.get(parent_code) if parent_code else None,
                    "category": categories.get(values.get("考核类别", "")),
                    "supervising_leader": leaders.get(values.get("分管领导", "")),
                }
                unit = existing.get(values["单位代码"])
                if unit is None:
                    unit = Unit.objects.create(jurisdiction=jurisdiction, code=values["单位代码"], **fields)
                    result.created += 1
                else:
                    for key, value in fields.items():
                        setattr(unit, key, value)
                    unit.save()
                    result.updated += 1
                existing[unit.code] = unit
                pending.remove((row_number, values))
                progressed = True
            if not progressed:
                row_number, values = pending[0]
                transaction.set_rollback(True)
                result.problems.append(Problem(sheet, row_number, "上级单位代码", "上级关系成环"))
                return result
    return result


def import_people(path: Path, jurisdiction: Jurisdiction, *, dry_run: bool = False) -> ImportResult:
    sheet, rows, problems = read_sheet(path, PEOPLE_COLUMNS)
    result = ImportResult(problems=problems)
    units = {u.code: u for u in Unit.objects.filter(jurisdiction=jurisdiction)}
    seen: dict[str, int] = {}
    parsed = []
    for row_number, values in rows:
        username, name = values.get("用户名", ""), values.get("姓名", "")
        if not username:
            result.problems.append(Problem(sheet, row_number, "用户名", "必填"))
        elif username in seen:
            result.problems.append(Problem(sheet, row_number, "用户名", f"与第 {seen[username]} 行重复"))
        else:
            seen[username] = row_number
            other = User.objects.filter(username=username).exclude(jurisdiction=jurisdiction).exists()
            if other:
                result.problems.append(Problem(sheet, row_number, "用户名", "已被其他辖区使用"))
        if not name:
            result.problems.append(Problem(sheet, row_number, "姓名", "必填"))
        unit_code = values.get("单位代码", "")
        if unit_code and unit_code not in units:
            result.problems.append(Problem(sheet, row_number, "单位代码", f"未知单位「{unit_code}」"))
        roles = []
        for label in [r.strip() for r in values.get("角色", "").replace("，", ",").replace("、", ",").split(",")]:
            if not label:
                continue
            role = ROLE_BY_LABEL.get(label)
            if role is None:
                result.problems.append(Problem(sheet, row_number, "角色", f"未知角色「{label}」"))
            else:
                roles.append(role)
        cleared = values.get("涉密权限", "")
        if cleared not in {"", "是", "否"}:
            result.problems.append(Problem(sheet, row_number, "涉密权限", "应填“是”或“否”"))
        parsed.append((values, roles, cleared == "是"))
        result.rows.append(values)
    if result.problems or dry_run:
        return result
    with transaction.atomic():
        for values, roles, cleared in parsed:
            user, created = User.objects.get_or_create(username=values["用户名"],
                                                       defaults={"jurisdiction": jurisdiction})
            user.full_name = values["姓名"]
            user.unit = units.get(values.get("单位代码", ""))
            user.title = values.get("职务", "")
            user.phone = values.get("电话", "")
            user.cleared_confidential = cleared
            if created:
                user.set_unusable_password()
            user.save()
            for role in roles:
                RoleGrant.objects.get_or_create(jurisdiction=jurisdiction, user=user, role=role)
            if created:
                result.created += 1
            else:
                result.updated += 1
    return result
