"""Excel import of units and people (SPEC §1): validate the whole file, report every problem with sheet,
row and column, write nothing unless everything is valid (one transaction), and upsert by unit code /
username so that re-importing the same file updates instead of duplicating.

Units sheet columns: 单位代码*, 单位名称*, 单位类型*, 上级单位代码, 考核类别, 分管领导(用户名)
People sheet columns: 用户名*, 姓名*, 单位代码, 职务, 电话, 角色, 涉密权限

The reader takes the first visible sheet whose header row (within the first rows, so a title row above
it is fine) holds the required columns; header cells may carry a ``*`` or a note in brackets
(``分管领导(用户名)``). The functions here are used by ``duban import-units`` / ``import-people`` and by the
upload page; they return an ``ImportResult`` listing every row with its own problems.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from duban.core.lifecycle import SEPARATED_ADMIN_ROLES, UNIT_ROLES, Role

from .models import ROLE_LABELS, Category, Jurisdiction, RoleGrant, Unit, User

Kind = Literal["units", "people"]

UNIT_COLUMNS = ["单位代码", "单位名称", "单位类型", "上级单位代码", "考核类别", "分管领导"]
PEOPLE_COLUMNS = ["用户名", "姓名", "单位代码", "职务", "电话", "角色", "涉密权限"]
REQUIRED: dict[Kind, list[str]] = {"units": ["单位代码", "单位名称", "单位类型"], "people": ["用户名", "姓名"]}
COLUMNS: dict[Kind, list[str]] = {"units": UNIT_COLUMNS, "people": PEOPLE_COLUMNS}
KIND_LABELS: dict[Kind, str] = {"units": "单位", "people": "人员"}
# Header spellings seen in offices' ledgers, mapped onto the canonical column names.
ALIASES = {
    "分管领导用户名": "分管领导", "分管区领导": "分管领导", "上级单位": "上级单位代码", "类型": "单位类型",
    "账号": "用户名", "登录名": "用户名", "所在单位代码": "单位代码", "联系电话": "电话", "手机": "电话",
    "涉密": "涉密权限", "可查阅涉密事项": "涉密权限", "角色名称": "角色",
}
HEADER_SEARCH_ROWS = 10
KIND_BY_LABEL: dict[str, str] = {str(label): value for value, label in Unit.Kind.choices}
ROLE_BY_LABEL: dict[str, Role] = {label: role for role, label in ROLE_LABELS.items()} | {r.value: r for r in Role}
LEADER_ROLES_FOR_UNITS = (Role.DEPUTY_HEAD, Role.GOV_HEAD, Role.OFFICE_HEAD)
YES, NO = {"是", "Y", "y", "yes", "true", "1"}, {"否", "N", "n", "no", "false", "0"}
ROLE_SEPARATORS = re.compile(r"[,，、;；/\s]+")
CREATE, UPDATE = "新增", "更新"


@dataclass(frozen=True)
class Problem:
    """One problem in the file. ``row`` is the Excel row number (0: the file itself); ``cell`` is the
    Excel address (``C5``) when the problem is in one cell."""

    sheet: str
    row: int
    column: str
    message: str
    cell: str = ""

    def __str__(self) -> str:
        if self.row == 0:
            prefix = f"「{self.sheet}」：" if self.sheet else ""
            return f"{prefix}{self.column}：{self.message}"
        where = f"（{self.cell}）" if self.cell else ""
        return f"工作表「{self.sheet}」第 {self.row} 行「{self.column}」列{where}：{self.message}"


@dataclass
class ImportRow:
    """One data row as read, with what the import would do (新增/更新) and its own problems."""

    sheet: str
    row: int
    values: dict[str, str]
    action: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def cells(self, columns: Iterable[str]) -> list[str]:
        return [self.values.get(c, "") for c in columns]

    def problem_columns(self) -> set[str]:
        return {p.column for p in self.problems}


@dataclass
class ImportResult:
    kind: Kind
    sheet: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    written: bool = False

    @property
    def problems(self) -> list[Problem]:
        return [*self.file_problems, *(p for row in self.rows for p in row.problems)]

    @property
    def ok(self) -> bool:
        return not self.file_problems and all(row.ok for row in self.rows)

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def to_create(self) -> int:
        return sum(1 for r in self.rows if r.action == CREATE)

    @property
    def to_update(self) -> int:
        return sum(1 for r in self.rows if r.action == UPDATE)


# ---- reading ---------------------------------------------------------------------------------------

Source = Path | str | bytes | IO[bytes]


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def normalise_header(text: Any) -> str:
    name = str(text or "").strip().replace(" ", "").replace("\u3000", "")
    name = name.strip("*＊")
    name = re.sub(r"[(（].*?[)）]", "", name).strip("*＊")
    return ALIASES.get(name, name)


def _text(value: Any) -> tuple[str, str]:
    """A cell as text, and a problem message when the cell's type cannot be meant as text."""
    if value is None or value == "":
        return "", ""
    if isinstance(value, bool):
        return ("是" if value else "否"), ""
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else str(value)), ""
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return str(value), "格式不正确：读到日期/时间，应为文本（请将单元格设为文本格式）"
    return str(value).strip(), ""


def _open(source: Source) -> CalamineWorkbook:
    if isinstance(source, bytes):
        return CalamineWorkbook.from_filelike(io.BytesIO(source))
    if isinstance(source, str | Path):
        return CalamineWorkbook.from_path(str(source))
    return CalamineWorkbook.from_filelike(source)


@dataclass
class _Table:
    sheet: str
    header: dict[int, str]  # column index → canonical column name
    rows: list[ImportRow]
    problems: list[Problem]


def read_table(source: Source, kind: Kind, *, file_name: str = "") -> _Table:
    """The data rows of the first visible sheet holding the required header, Excel row numbers kept."""
    required = REQUIRED[kind]
    file_label = file_name or (Path(source).name if isinstance(source, str | Path) else "上传的文件")
    try:
        workbook = _open(source)
        sheets = [m.name for m in workbook.sheets_metadata
                  if m.visible == SheetVisibleEnum.Visible and m.typ == SheetTypeEnum.WorkSheet]
        grids = {name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in sheets}
    except Exception as exc:  # calamine raises its own error types for damaged or non-Excel files
        return _Table("", {}, [], [Problem(file_label, 0, "文件", f"无法读取 Excel 文件（{type(exc).__name__}）："
                                           "请上传 .xlsx/.xls 格式的工作簿")])
    if not sheets:
        return _Table("", {}, [], [Problem(file_label, 0, "文件", "工作簿中没有工作表")])
    for name in sheets:
        grid = grids[name]
        for index, raw in enumerate(grid[:HEADER_SEARCH_ROWS]):
            names = [normalise_header(c) for c in raw]
            if all(col in names for col in required):
                return _rows(name, index, names, grid, kind)
    first = sheets[0]
    return _Table(first, {}, [], [Problem(first, 1, required[0], "找不到表头：前 10 行中应有一行包含"
                                          + "、".join(required) + " 等列（可下载导入模板）")])


def _rows(sheet: str, header_index: int, names: list[str], grid: list[list[Any]], kind: Kind) -> _Table:
    known = set(COLUMNS[kind])
    header: dict[int, str] = {}
    problems: list[Problem] = []
    first_seen: dict[str, int] = {}
    for col, name in enumerate(names):
        if name not in known:
            continue  # blank, or an extra column the office keeps (备注 …): ignored on purpose
        if name in first_seen:
            where = f"{column_letter(col)}{header_index + 1}"
            problems.append(Problem(sheet, header_index + 1, name, f"表头重复：{column_letter(first_seen[name])} 列"
                                    f"和 {column_letter(col)} 列都是「{name}」", where))
            continue
        first_seen[name] = col
        header[col] = name
    rows: list[ImportRow] = []
    for offset, raw in enumerate(grid[header_index + 1:], start=header_index + 2):
        if not any(str(c).strip() for c in raw if c is not None):
            continue
        row = ImportRow(sheet, offset, {})
        for col, value in enumerate(raw):
            text, message = _text(value)
            name = header.get(col)
            if name is None:
                if text and not (col < len(names) and names[col]):
                    row.problems.append(Problem(sheet, offset, f"{column_letter(col)} 列",
                                                "此列没有表头，数据无法识别（行格式不正确）",
                                                f"{column_letter(col)}{offset}"))
                continue
            row.values[name] = text
            if message:
                row.problems.append(Problem(sheet, offset, name, message, f"{column_letter(col)}{offset}"))
        rows.append(row)
    return _Table(sheet, header, rows, problems)


# ---- validating ------------------------------------------------------------------------------------


class _Checker:
    def __init__(self, table: _Table) -> None:
        self.table = table
        self.letters = {name: column_letter(col) for col, name in table.header.items()}

    def add(self, row: ImportRow, column: str, message: str) -> None:
        letter = self.letters.get(column, "")
        row.problems.append(Problem(row.sheet, row.row, column, message, f"{letter}{row.row}" if letter else ""))

    def length(self, row: ImportRow, column: str, model: type[Any], field_name: str) -> None:
        limit = model._meta.get_field(field_name).max_length
        value = row.values.get(column, "")
        if limit and len(value) > limit:
            self.add(row, column, f"超过 {limit} 个字符（现有 {len(value)} 个）")


def _start(source: Source, kind: Kind, file_name: str) -> tuple[ImportResult, _Table]:
    table = read_table(source, kind, file_name=file_name)
    result = ImportResult(kind=kind, sheet=table.sheet, rows=table.rows, file_problems=list(table.problems))
    present = set(table.header.values())
    result.columns = [c for c in COLUMNS[kind] if c in present]
    if table.header and not table.rows and not table.problems:
        result.file_problems.append(Problem(table.sheet, 0, "数据", "表头下没有数据行"))
    return result, table


def validate_units(source: Source, jurisdiction: Jurisdiction, *, file_name: str = "") -> ImportResult:
    result, table = _start(source, "units", file_name)
    check = _Checker(table)
    existing = {u.code: u for u in Unit.objects.filter(jurisdiction=jurisdiction)}
    code_by_pk = {u.pk: u.code for u in existing.values()}
    categories: dict[str, Category] = {}
    for c in Category.objects.filter(jurisdiction=jurisdiction):
        categories[c.code] = c
        categories[c.name] = c
    leaders = {u.username: u for u in User.objects.filter(jurisdiction=jurisdiction).prefetch_related("role_grants")}
    seen: dict[str, int] = {}
    codes_in_file = {r.values.get("单位代码", "") for r in result.rows} - {""}
    for row in result.rows:
        v = row.values
        code, name, kind = v.get("单位代码", ""), v.get("单位名称", ""), v.get("单位类型", "")
        if not code:
            check.add(row, "单位代码", "必填")
        elif code in seen:
            check.add(row, "单位代码", f"单位代码重复：与第 {seen[code]} 行相同")
        else:
            seen[code] = row.row
        check.length(row, "单位代码", Unit, "code")
        if not name:
            check.add(row, "单位名称", "必填")
        check.length(row, "单位名称", Unit, "name")
        if not kind:
            check.add(row, "单位类型", "必填，可用：" + "、".join(KIND_BY_LABEL))
        elif kind not in KIND_BY_LABEL and kind not in Unit.Kind.values:
            check.add(row, "单位类型", f"未知单位类型「{kind}」，可用：" + "、".join(KIND_BY_LABEL))
        parent = v.get("上级单位代码", "")
        if parent and parent == code:
            check.add(row, "上级单位代码", "上级单位不能是本单位")
        elif parent and parent not in existing and parent not in codes_in_file:
            check.add(row, "上级单位代码", f"未知上级单位「{parent}」：本辖区和本表中都没有此单位代码")
        category = v.get("考核类别", "")
        if category and category not in categories:
            names = "、".join(dict.fromkeys(c.name for c in categories.values())) or "无（请先在管理后台添加考核类别）"
            check.add(row, "考核类别", f"未知考核类别「{category}」，本辖区现有：{names}")
        leader = v.get("分管领导", "")
        if leader:
            person = leaders.get(leader)
            if person is None:
                check.add(row, "分管领导", f"未知用户名「{leader}」（可先导入人员，再重新导入单位）")
            elif not {Role(g.role) for g in person.role_grants.all()} & set(LEADER_ROLES_FOR_UNITS):
                check.add(row, "分管领导",
                          f"「{person.display_name}」不是政府领导（须为副职领导、主要领导或办公室主要领导）")
        if code:
            row.action = UPDATE if code in existing else CREATE
    _check_cycles(result, check, {code: code_by_pk.get(u.parent_id or 0, "") for code, u in existing.items()})
    return result


def _check_cycles(result: ImportResult, check: _Checker, db_parents: dict[str, str]) -> None:
    """A unit may not end up below itself once the file is applied (file rows override the database)."""
    parents = dict(db_parents)
    rows_by_code: dict[str, ImportRow] = {}
    for row in result.rows:
        code = row.values.get("单位代码", "")
        if code and code not in rows_by_code:
            rows_by_code[code] = row
            parents[code] = row.values.get("上级单位代码", "")
    for code, row in rows_by_code.items():
        chain = [code]
        current = parents.get(code, "")
        while current and current not in chain and len(chain) < 10_000:
            chain.append(current)
            current = parents.get(current, "")
        if current == code and "上级单位代码" not in row.problem_columns():
            check.add(row, "上级单位代码", "上级关系成环：" + " → ".join([*chain, code]))


def validate_people(source: Source, jurisdiction: Jurisdiction, *, file_name: str = "") -> ImportResult:
    result, table = _start(source, "people", file_name)
    check = _Checker(table)
    units = {u.code: u for u in Unit.objects.filter(jurisdiction=jurisdiction)}
    usernames = [r.values.get("用户名", "") for r in result.rows]
    mine = set(User.objects.filter(username__in=usernames, jurisdiction=jurisdiction)
               .values_list("username", flat=True))
    taken = set(User.objects.filter(username__in=usernames).exclude(jurisdiction=jurisdiction)
                .values_list("username", flat=True))
    admin_usernames = set(RoleGrant.objects.filter(
        user__username__in=usernames, role__in=[r.value for r in SEPARATED_ADMIN_ROLES],
    ).values_list("user__username", flat=True))
    seen: dict[str, int] = {}
    for row in result.rows:
        v = row.values
        username, name = v.get("用户名", ""), v.get("姓名", "")
        if not username:
            check.add(row, "用户名", "必填")
        elif username in seen:
            check.add(row, "用户名", f"用户名重复：与第 {seen[username]} 行相同")
        else:
            seen[username] = row.row
            if username in taken:
                check.add(row, "用户名", f"用户名「{username}」已被其他辖区（或未分配辖区）的账号使用")
            try:
                User.username_validator(username)
            except ValidationError:
                check.add(row, "用户名", "只能包含字母、数字和 @ . + - _")
        check.length(row, "用户名", User, "username")
        if not name:
            check.add(row, "姓名", "必填")
        check.length(row, "姓名", User, "full_name")
        check.length(row, "职务", User, "title")
        check.length(row, "电话", User, "phone")
        unit_code = v.get("单位代码", "")
        if unit_code and unit_code not in units:
            check.add(row, "单位代码", f"未知单位「{unit_code}」（请先导入单位）")
        roles: list[Role] = []
        for label in ROLE_SEPARATORS.split(v.get("角色", "")):
            if not label:
                continue
            role = ROLE_BY_LABEL.get(label)
            if role is None:
                check.add(row, "角色", f"未知角色「{label}」，可用：" + "、".join(ROLE_LABELS.values()))
            elif role not in roles:
                roles.append(role)
        # 三员分立 (issue #8): the three administrator roles are granted one by one by the superuser, never
        # in bulk; an administrator's dedicated account takes no roles from a roster either.
        admin_roles = [ROLE_LABELS[r] for r in roles if r in SEPARATED_ADMIN_ROLES]
        if admin_roles:
            check.add(row, "角色", f"三员分立：「{'、'.join(admin_roles)}」不能通过导入授予，"
                                 "请由超级管理员在管理后台逐一授予")
        elif "角色" in v and username in admin_usernames:
            check.add(row, "角色", "三员分立：该人员为管理员专用账号，不能通过导入修改其角色")
        needs_unit = [ROLE_LABELS[r] for r in roles if r in UNIT_ROLES]
        if needs_unit and not unit_code:
            check.add(row, "单位代码", f"角色「{'、'.join(needs_unit)}」须填写所在单位")
        cleared = v.get("涉密权限", "")
        if cleared and cleared not in YES | NO:
            check.add(row, "涉密权限", f"应填“是”或“否”，读到「{cleared}」")
        if username:
            row.action = UPDATE if username in mine else CREATE
    return result


# ---- writing ---------------------------------------------------------------------------------------


def import_units(source: Source, jurisdiction: Jurisdiction, *, dry_run: bool = False,
                 file_name: str = "") -> ImportResult:
    """Validate, then (unless ``dry_run`` or any problem) create/update every unit in one transaction."""
    result = validate_units(source, jurisdiction, file_name=file_name)
    if not result.ok or dry_run:
        return result
    columns = set(result.columns)
    categories: dict[str, Category] = {}
    for c in Category.objects.filter(jurisdiction=jurisdiction):
        categories[c.code] = c
        categories[c.name] = c
    leaders = {u.username: u for u in User.objects.filter(jurisdiction=jurisdiction)}
    with transaction.atomic():
        existing = {u.code: u for u in Unit.objects.select_for_update().filter(jurisdiction=jurisdiction)}
        pending = list(result.rows)
        while pending:  # parents first; validation ruled out cycles, so every pass places at least one
            waiting = {r.values["单位代码"] for r in pending}
            ready = [r for r in pending if not r.values.get("上级单位代码")
                     or (r.values["上级单位代码"] in existing and r.values["上级单位代码"] not in waiting)]
            for row in ready:
                v = row.values
                parent_code = v.get("上级单位代码", "")
                fields: dict[str, Any] = {
                    "name": v["单位名称"], "kind": KIND_BY_LABEL.get(v["单位类型"], v["单位类型"]),
                    "parent": existing[parent_code] if parent_code else None,
                }
                if "考核类别" in columns:
                    fields["category"] = categories.get(v.get("考核类别", ""))
                if "分管领导" in columns:
                    fields["supervising_leader"] = leaders.get(v.get("分管领导", ""))
                unit = existing.get(v["单位代码"])
                if unit is None:
                    unit = Unit.objects.create(jurisdiction=jurisdiction, code=v["单位代码"], **fields)
                    result.created += 1
                else:
                    unit = Unit.objects.get(pk=unit.pk)  # fresh path: an ancestor may have moved just now
                    for key, value in fields.items():
                        setattr(unit, key, value)
                    unit.save()
                    result.updated += 1
                existing[unit.code] = unit
                pending.remove(row)
            if not ready:  # cannot happen after validation; refuse rather than loop
                raise RuntimeError("unit import: parent order could not be resolved")
    result.written = True
    return result


def check_password(password: str) -> list[str]:
    try:
        validate_password(password)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def import_people(source: Source, jurisdiction: Jurisdiction, *, dry_run: bool = False, file_name: str = "",
                  initial_password: str | None = None) -> ImportResult:
    """Validate, then create/update every person in one transaction.

    Roles: when the sheet has a 角色 column, each person ends up with exactly the roles listed (the file
    is the roster); without that column roles are left as they are. New people get ``initial_password``
    or, without it, no usable password (set one in the admin or with ``duban changepassword``).
    """
    result = validate_people(source, jurisdiction, file_name=file_name)
    if initial_password:
        for message in check_password(initial_password):
            result.file_problems.append(Problem("", 0, "初始密码", message))
    if not result.ok or dry_run:
        return result
    columns = set(result.columns)
    units = {u.code: u for u in Unit.objects.filter(jurisdiction=jurisdiction)}
    password_hash = None
    if initial_password:
        from django.contrib.auth.hashers import make_password

        password_hash = make_password(initial_password)
    with transaction.atomic():
        existing = {u.username: u for u in User.objects.select_for_update().filter(
            jurisdiction=jurisdiction, username__in=[r.values["用户名"] for r in result.rows])}
        for row in result.rows:
            v = row.values
            user = existing.get(v["用户名"])
            created = user is None
            if user is None:
                user = User(username=v["用户名"], jurisdiction=jurisdiction)
                if password_hash:
                    user.password = password_hash
                else:
                    user.set_unusable_password()
            user.full_name = v["姓名"]
            if "单位代码" in columns:
                user.unit = units.get(v.get("单位代码", ""))
            if "职务" in columns:
                user.title = v.get("职务", "")
            if "电话" in columns:
                user.phone = v.get("电话", "")
            if "涉密权限" in columns:
                user.cleared_confidential = v.get("涉密权限", "") in YES
            user.save()
            if "角色" in columns:
                wanted = {ROLE_BY_LABEL[label] for label in ROLE_SEPARATORS.split(v.get("角色", "")) if label}
                have = {Role(r) for r in user.role_grants.values_list("role", flat=True)}
                user.role_grants.filter(role__in=[r.value for r in have - wanted]).delete()
                for r in sorted(wanted - have):  # one by one: the audit log and 三员分立 checks see each grant
                    RoleGrant.objects.create(jurisdiction=jurisdiction, user=user, role=r.value)
            if created:
                result.created += 1
            else:
                result.updated += 1
    result.written = True
    return result


def run_import(kind: Kind, source: Source, jurisdiction: Jurisdiction, *, dry_run: bool = False,
               file_name: str = "", initial_password: str | None = None) -> ImportResult:
    if kind == "units":
        return import_units(source, jurisdiction, dry_run=dry_run, file_name=file_name)
    return import_people(source, jurisdiction, dry_run=dry_run, file_name=file_name,
                         initial_password=initial_password)


# ---- templates -------------------------------------------------------------------------------------

COLUMN_HELP: dict[str, tuple[bool, str, str]] = {
    # column: (required, what it means, example)
    "单位代码": (True, "本辖区内唯一；重复导入按代码更新", "FGJ"),
    "单位名称": (True, "单位全称", "区发展和改革局"),
    "单位类型": (True, "可用：" + "、".join(KIND_BY_LABEL), "部门"),
    "上级单位代码": (False, "下属单位、社区填写其上级单位的代码；可引用本表中的其他行", "DCJD"),
    "考核类别": (False, "本辖区的考核类别名称或代码（S0 附件八类）", "经济发展类"),
    "分管领导": (False, "分管该单位的政府领导的用户名（须已导入）", "fuquzhang1"),
    "用户名": (True, "登录名：字母、数字和 @ . + - _；重复导入按用户名更新", "zhangsan"),
    "姓名": (True, "", "张三"),
    "职务": (False, "", "综合科科长"),
    "电话": (False, "", "0351-1234567"),
    "角色": (False, "可填多个，用“、”或“,”分隔；填写后以表中为准：" + "、".join(ROLE_LABELS.values()),
            "单位联络员、具体经办人"),
    "涉密权限": (False, "是 / 否：可否查阅涉密事项（S1-九(五)）", "否"),
}
TEMPLATE_HEADERS: dict[Kind, list[str]] = {
    "units": ["单位代码", "单位名称", "单位类型", "上级单位代码", "考核类别", "分管领导(用户名)"],
    "people": PEOPLE_COLUMNS,
}


def template_workbook(kind: Kind, jurisdiction: Jurisdiction | None = None) -> bytes:
    """An empty import sheet with drop-downs, and a 填写说明 sheet listing each column and its values."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = KIND_LABELS[kind]
    headers = TEMPLATE_HEADERS[kind]
    sheet.append(headers)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    for index, title in enumerate(headers):
        cell = sheet.cell(row=1, column=index + 1)
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[column_letter(index)].width = max(14, len(title) * 2 + 6)
    sheet.freeze_panes = "A2"
    categories = list(Category.objects.filter(jurisdiction=jurisdiction).values_list("name", flat=True)) \
        if jurisdiction else []
    lists = {"单位类型": list(KIND_BY_LABEL), "涉密权限": ["是", "否"], "考核类别": categories}
    for index, title in enumerate(headers):
        values = lists.get(normalise_header(title))
        if values and len(",".join(values)) < 250:
            validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
            validation.error = "请从下拉列表中选择"
            sheet.add_data_validation(validation)
            validation.add(f"{column_letter(index)}2:{column_letter(index)}2000")
    notes = workbook.create_sheet("填写说明")
    notes.append(["列", "必填", "说明", "示例"])
    for cell in notes[1]:
        cell.font, cell.fill = bold, fill
    for title in headers:
        required, meaning, example = COLUMN_HELP[normalise_header(title)]
        notes.append([title, "是" if required else "", meaning, example])
    notes.append([])
    notes.append(["", "", "整表校验：有任何问题都不写入，问题逐条列出工作表、行、列；全部无误才导入。"])
    notes.append(["", "", "先导入单位（分管领导可暂空），再导入人员，最后重新导入单位补填分管领导。"])
    if kind == "units" and categories:
        notes.append(["", "", "本辖区考核类别：" + "、".join(categories)])
    for letter, width in zip("ABCD", (16, 6, 80, 24), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
