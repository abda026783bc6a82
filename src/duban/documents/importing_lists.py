"""Excel import of an office's existing problem list (整改问题清单, S4-二(二)1) into an inspection.

Same reading and preview as the item import (``documents.importing.read_table``: header in the first 10
rows, one or two rows; every problem with sheet, row and column; nothing written unless the whole file
is valid or only the valid rows are chosen). Columns (``*`` required): 具体内容*, 牵头责任单位*,
问题类别 (一般问题 / 重大问题、复杂事项 / 需出台政策的 / 庸政懒政怠政; empty: 一般问题), 整改建议, 整改时限,
地点. Each row is recorded through ``inspections.services.do_record_finding`` (the team's own path, with
its checks, list step, ledger event and notice to the unit); the measures and responsibility lists
then follow in the inspections pages. 配合责任单位 is read for the preview but set later by the
responsibility step (``do_assign_responsibility``), as the lists prescribe.

Idempotence: each row's key (具体内容 + 牵头责任单位) is kept per inspection in :class:`ImportedEntry`;
re-importing the same list skips the rows already imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from duban.core.inspection import FindingKind, PlanState
from duban.inspections import services as inspection_services
from duban.inspections.models import FINDING_KIND_LABELS, Inspection
from duban.items import access
from duban.items.errors import PermissionDenied, ServiceError
from duban.org.importing import Problem
from duban.org.models import Unit, User

from .importing import (
    CREATE,
    SKIP,
    UNIT_SEPARATORS,
    ItemImportResult,
    ItemImportRow,
    Layout,
    Source_,
    parse_deadline,
    read_table,
)
from .models import ImportedEntry

LAYOUT = Layout(
    columns=("具体内容", "牵头责任单位", "配合责任单位", "问题类别", "整改建议", "整改时限", "地点"),
    required=("具体内容", "牵头责任单位"),
    aliases={"问题描述": "具体内容", "存在问题": "具体内容", "问题": "具体内容", "问题内容": "具体内容",
             "整改责任单位": "牵头责任单位", "责任单位": "牵头责任单位", "牵头单位": "牵头责任单位",
             "配合单位": "配合责任单位", "类别": "问题类别", "问题类型": "问题类别", "建议": "整改建议",
             "整改要求": "整改建议", "时限": "整改时限", "完成时限": "整改时限", "整改期限": "整改时限"},
    date_column="整改时限",
)
KIND_BY_LABEL = {str(label): kind.value for kind, label in FINDING_KIND_LABELS.items()} | {
    "一般": FindingKind.GENERAL.value, "重大": FindingKind.MAJOR.value, "重大问题": FindingKind.MAJOR.value,
    "复杂事项": FindingKind.MAJOR.value, "政策": FindingKind.POLICY_MAKING.value,
    "懒政怠政": FindingKind.LAZY_GOVERNANCE.value, "庸政懒政": FindingKind.LAZY_GOVERNANCE.value,
}
OPEN = (PlanState.UNDER_WAY.value, PlanState.REPORTING.value)


@dataclass(kw_only=True)
class ListImportResult(ItemImportResult):
    """The items import's result, for rows going into one inspection's problem list."""

    inspection: Inspection


def _key(values: dict[str, str]) -> str:
    basis = values.get("具体内容", "").strip() + "|" + values.get("牵头责任单位", "").strip()
    return "row:" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def read(source: Source_, inspection: Inspection, *, file_name: str = "",
         today: dt.date | None = None) -> ListImportResult:
    """Read and check the whole list against ``inspection``; nothing is written."""
    table = read_table(source, LAYOUT, file_name=file_name)
    result = ListImportResult(inspection=inspection, file_name=file_name, sha256=table.sha256, sheet=table.sheet,
                              columns=table.columns, rows=table.rows, file_problems=table.file_problems,
                              year=(today or timezone.localdate()).year)
    if inspection.state not in OPEN:
        result.file_problems.append(Problem(table.sheet or file_name, 0, "督查",
                                            "督查实施中或报告前才能导入问题清单（S4-二(二)1）。"))
    if not table.sheet or result.file_problems:
        return result
    letters = table.letters

    def add(row: ItemImportRow, column: str, message: str) -> None:
        letter = letters.get(column, "")
        row.problems.append(Problem(row.sheet, row.row, column, message, f"{letter}{row.row}" if letter else ""))

    units: dict[str, Unit] = {}
    for u in Unit.objects.filter(jurisdiction_id=inspection.jurisdiction_id):
        units.setdefault(u.code, u)
        units[u.name] = u
    targets = [u.path for u in inspection.targets.all()]
    done = set(ImportedEntry.objects.filter(inspection=inspection).values_list("key", flat=True))
    seen: dict[str, int] = {}
    for row in result.rows:
        v = row.values
        if not v.get("具体内容"):
            add(row, "具体内容", "必填")
        lead = v.get("牵头责任单位", "")
        if not lead:
            add(row, "牵头责任单位", "必填：缺少牵头责任单位")
        else:
            row.lead = units.get(lead)
            if row.lead is None:
                add(row, "牵头责任单位", f"未知单位「{lead}」：本辖区没有此单位名称或代码")
            elif not any(row.lead.path.startswith(p) for p in targets):
                add(row, "牵头责任单位", f"「{lead}」不是本次督查的对象或其下属单位")
        for name in (n for n in UNIT_SEPARATORS.split(v.get("配合责任单位", "")) if n):
            unit = units.get(name)
            if unit is None:
                add(row, "配合责任单位", f"未知单位「{name}」")
            else:
                row.co.append(unit)
        kind = v.get("问题类别", "")  # the finding kind is kept in the row's ``level`` slot
        row.level = KIND_BY_LABEL.get(kind, kind) if kind else FindingKind.GENERAL.value
        if row.level not in FindingKind._value2member_map_:
            labels = "、".join(str(x) for x in FINDING_KIND_LABELS.values())
            add(row, "问题类别", f"未知问题类别「{kind}」，可用：{labels}")
        if v.get("整改时限"):
            row.deadline, message = parse_deadline(row.raw_deadline, year=result.year)
            if message:
                add(row, "整改时限", message)
            elif row.deadline is not None and row.deadline < inspection.ends_on:
                add(row, "整改时限", f"整改时限不能早于督查结束日期（{inspection.ends_on:%Y-%m-%d}）")
        row.key = _key(v)
        if row.key in seen:
            add(row, "具体内容", f"重复：具体内容和牵头责任单位与第 {seen[row.key]} 行相同")
        else:
            seen[row.key] = row.row
        if row.key in done:
            row.action = SKIP
            row.problems = [p for p in row.problems if not p.message.startswith("重复")]
        elif row.ok:
            row.action = CREATE
    return result


def write(result: ListImportResult, actor: User, *, only_valid: bool = False,
          now: dt.datetime | None = None) -> ListImportResult:
    """Record the rows through the inspections service, all in one transaction."""
    if not access.is_office(actor) or actor.jurisdiction_id != result.inspection.jurisdiction_id:
        raise PermissionDenied("只有督查室人员可以导入问题清单。")
    if result.file_problems or (not result.ok and not only_valid):
        return result
    now = now or timezone.now()
    rows = [r for r in result.rows if r.ok and r.action == CREATE]
    result.skipped = result.to_skip
    inspection = result.inspection
    with transaction.atomic():
        done = set(ImportedEntry.objects.select_for_update().filter(inspection=inspection)
                   .values_list("key", flat=True))
        for r in rows:
            if r.key in done:
                result.skipped += 1
                continue
            assert r.lead is not None
            try:
                entry = inspection_services.do_record_finding(
                    actor=actor, inspection=inspection, unit=r.lead, kind=r.level, description=r.values["具体内容"],
                    suggestion=r.values.get("整改建议", ""), location=r.values.get("地点", ""), deadline=r.deadline,
                    now=now)
            except ServiceError as exc:  # the inspection changed since the preview: nothing is kept
                raise type(exc)(f"工作表「{r.sheet}」第 {r.row} 行：{exc.message}") from exc
            ImportedEntry.objects.create(jurisdiction_id=inspection.jurisdiction_id, inspection=inspection, key=r.key,
                                         entry=entry, file_sha256=result.sha256, sheet=r.sheet, row=r.row,
                                         imported_at=now, imported_by=actor)
            result.created += 1
    result.written = True
    return result
