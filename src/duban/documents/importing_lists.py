"""Excel import of the three lists (S4-二(二)) into an inspection: the office's existing problem list
(整改问题清单, 1), a unit's measures list (整改措施清单, 2) and the office's responsibility list (整改责任清单, 3).

Same reading and preview as the item import (``documents.importing.read_table``: header in the first 10
rows, one or two rows; every problem with sheet, row and column; nothing written unless the whole file
is valid or only the valid rows are chosen). Columns (``*`` required): 具体内容*, 牵头责任单位*,
问题类别 (一般问题 / 重大问题、复杂事项 / 需出台政策的 / 庸政懒政怠政; empty: 一般问题), 整改建议, 整改时限,
地点. Each row is recorded through ``inspections.services.do_record_finding`` (the team's own path, with
its checks, list step, ledger event and notice to the unit); the measures and responsibility lists
then follow on the entry pages or by importing the next two lists (below). 配合责任单位 is read for
the preview but set later by the responsibility step (``do_assign_responsibility``), as the lists prescribe.

Idempotence: each row's key (具体内容 + 牵头责任单位) is kept per inspection in :class:`ImportedEntry`;
re-importing the same list skips the rows already imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from duban.core import three_lists as lists
from duban.core.inspection import FindingKind, PlanState
from duban.core.three_lists import EntryConflict, EntryState
from duban.inspections import access as inspection_access
from duban.inspections import services as inspection_services
from duban.inspections.models import FINDING_KIND_LABELS, Entry, Inspection
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
    units_by_name_or_code,
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
    add = _adder(table.letters)
    units = units_by_name_or_code(inspection.jurisdiction_id)
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
        _read_co_units(row, units, add)
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


# --- 整改措施清单 and 整改责任清单 (S4-二(二)2, 3) ---------------------------------------------------------
#
# The two later lists are imported onto the entries the problem list already holds: each row names its
# problem by 具体内容 (and, where two problems read the same, by 牵头责任单位), and is applied through the
# same service the entry page uses — ``do_answer`` for a measure (by the responsible unit: S4-二(二)2
# has the unit draw up its measures), ``do_assign_responsibility`` for a responsibility row (by the
# office: S4-二(二)3). Re-importing is harmless: a row whose step is already recorded with the same
# content is skipped; one that would change a later state is refused with the reason.

MEASURES_LAYOUT = Layout(
    columns=("具体内容", "牵头责任单位", "配合责任单位", "整改措施", "整改时限", "延期推进方案"),
    required=("具体内容", "整改措施"),
    aliases={"问题描述": "具体内容", "存在问题": "具体内容", "问题": "具体内容", "问题内容": "具体内容",
             "整改责任单位": "牵头责任单位", "责任单位": "牵头责任单位", "牵头单位": "牵头责任单位",
             "配合单位": "配合责任单位", "措施": "整改措施", "整改举措": "整改措施", "时限": "整改时限",
             "完成时限": "整改时限", "整改期限": "整改时限", "推进方案": "延期推进方案",
             "推进落实方案": "延期推进方案"},
    date_column="整改时限",
)
RESPONSIBILITY_LAYOUT = Layout(
    columns=("具体内容", "牵头责任单位", "配合责任单位", "具体责任人", "整改时限", "整改措施", "问题成因"),
    required=("具体内容", "牵头责任单位", "具体责任人"),
    aliases={"问题描述": "具体内容", "存在问题": "具体内容", "问题": "具体内容", "问题内容": "具体内容",
             "整改责任单位": "牵头责任单位", "责任单位": "牵头责任单位", "牵头单位": "牵头责任单位",
             "配合单位": "配合责任单位", "责任人": "具体责任人", "整改责任人": "具体责任人",
             "时限": "整改时限", "完成时限": "整改时限", "整改期限": "整改时限", "措施": "整改措施",
             "成因": "问题成因"},
    date_column="整改时限",
)
APPLY_MEASURES = "报送措施"
APPLY_RESPONSIBILITY = "明确责任"
CAUSE_BY_LABEL = {label: key for key, label in inspection_services.CAUSES.items()} | {
    key: key for key in inspection_services.CAUSES} | {"自身原因": "own", "配合单位不配合": "co_noncooperation"}


@dataclass(kw_only=True)
class StepImportResult(ListImportResult):
    """Rows applied to existing entries: ``entries`` maps a row number to its entry, ``apply`` is the
    label of a row that will be applied (what ``to_create`` counts)."""

    apply: str
    letters: dict[str, str] = field(default_factory=dict)
    entries: dict[int, Entry] = field(default_factory=dict)
    people: dict[int, User] = field(default_factory=dict)
    causes: dict[int, str] = field(default_factory=dict)

    @property
    def to_create(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.action == self.apply)


def _read_co_units(row: ItemImportRow, units: dict[str, Unit], add: Callable[[ItemImportRow, str, str], None]) -> None:
    """配合责任单位: names or codes separated by 、,;/ or spaces, each a unit of the jurisdiction."""
    for name in (n for n in UNIT_SEPARATORS.split(row.values.get("配合责任单位", "")) if n):
        unit = units.get(name)
        if unit is None:
            add(row, "配合责任单位", f"未知单位「{name}」")
        else:
            row.co.append(unit)


def _adder(letters: dict[str, str]) -> Callable[[ItemImportRow, str, str], None]:
    def add(row: ItemImportRow, column: str, message: str) -> None:
        letter = letters.get(column, "")
        row.problems.append(Problem(row.sheet, row.row, column, message, f"{letter}{row.row}" if letter else ""))
    return add


def _unit_names(entry: Entry) -> set[str]:
    unit = entry.lead_unit or entry.unit
    return {unit.name, unit.code}


def _match(row: ItemImportRow, by_content: dict[str, list[Entry]], add: Callable[[ItemImportRow, str, str], None],
           seen: dict[int, int]) -> Entry | None:
    """The entry a row speaks of: same 具体内容; 牵头责任单位 decides between problems that read the same.
    ``seen`` (entry → first row) refuses a second row about the same problem."""
    content = row.values.get("具体内容", "")
    if not content:
        add(row, "具体内容", "必填")
        return None
    candidates = by_content.get(content.strip(), [])
    lead = row.values.get("牵头责任单位", "")
    if len(candidates) > 1 and lead:
        candidates = [e for e in candidates if lead in _unit_names(e)]
    if not candidates:
        add(row, "具体内容", "本次督查的问题清单中没有这一问题（具体内容须与问题清单一致）")
        return None
    if len(candidates) > 1:
        add(row, "牵头责任单位", f"问题清单中有 {len(candidates)} 条内容相同的问题：请填写牵头责任单位加以区分")
        return None
    entry = candidates[0]
    if entry.pk in seen:
        add(row, "具体内容", f"重复：与第 {seen[entry.pk]} 行是同一问题")
        return None
    seen[entry.pk] = row.row
    return entry


def _step_result(source: Source_, inspection: Inspection, layout: Layout, apply: str, file_name: str,
                 today: dt.date | None) -> StepImportResult:
    table = read_table(source, layout, file_name=file_name)
    return StepImportResult(inspection=inspection, apply=apply, letters=table.letters, file_name=file_name,
                            sha256=table.sha256,
                            sheet=table.sheet, columns=table.columns, rows=table.rows,
                            file_problems=table.file_problems, year=(today or timezone.localdate()).year)


def _entries_by_content(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    by_content: dict[str, list[Entry]] = {}
    for e in entries:
        by_content.setdefault(e.content.strip(), []).append(e)
    return by_content


def read_measures(source: Source_, inspection: Inspection, actor: User, *, file_name: str = "",
                  today: dt.date | None = None) -> StepImportResult:
    """A unit's 整改措施清单 (S4-二(二)2): measures and deadlines for its problems; nothing is written."""
    result = _step_result(source, inspection, MEASURES_LAYOUT, APPLY_MEASURES, file_name, today)
    if not _table_ok(result):
        return result
    add = _adder(result.letters)
    entries = (inspection_access.visible_entries(actor).filter(inspection=inspection)
               .select_related("inspection", "finding", "unit", "lead_unit"))
    by_content = _entries_by_content(entries)
    seen: dict[int, int] = {}
    for row in result.rows:
        entry = _match(row, by_content, add, seen)
        if entry is None:
            continue
        if not inspection_access.acts_for_entry_unit(actor, entry):
            add(row, "具体内容", "这一问题不由本单位整改：整改措施由责任单位报送（S4-二(二)2）")
            continue
        measures = row.values.get("整改措施", "")
        if not measures:
            add(row, "整改措施", "必填：请填写整改措施（S4-二(二)2）")
        if row.values.get("整改时限"):
            row.deadline, message = parse_deadline(row.raw_deadline, year=result.year)
            if message:
                add(row, "整改时限", message)
        if entry.state != EntryState.PROBLEM.value:
            if entry.measures.strip() == measures and entry.state != EntryState.ESCALATED.value:
                row.action = SKIP
                row.problems = []
            else:
                add(row, "具体内容", f"该问题当前为「{entry.state_label}」，不能再报送整改措施（S4-二(二)2）")
            continue
        if row.deadline is not None and not row.problems:
            required = inspection_services.required_deadline(entry)
            end = inspection.ended_on or inspection.ends_on
            try:
                lists.check_deadline(FindingKind(entry.kind), row.deadline, required, end,
                                     row.values.get("延期推进方案", ""))
            except EntryConflict as exc:
                add(row, "整改时限", str(exc))
        result.entries[row.row] = entry
        if row.ok:
            row.action = APPLY_MEASURES
    return result


def read_responsibility(source: Source_, inspection: Inspection, *, file_name: str = "",
                        today: dt.date | None = None) -> StepImportResult:
    """The office's 整改责任清单 (S4-二(二)3): lead and co-units, a named person, the deadline."""
    result = _step_result(source, inspection, RESPONSIBILITY_LAYOUT, APPLY_RESPONSIBILITY, file_name, today)
    if not _table_ok(result):
        return result
    add = _adder(result.letters)
    units = units_by_name_or_code(inspection.jurisdiction_id)
    people_by_name = _people_by_name(inspection.jurisdiction_id)
    entries = (Entry.objects.filter(inspection=inspection)
               .select_related("inspection", "finding", "unit", "lead_unit", "person").prefetch_related("co_units"))
    by_content = _entries_by_content(entries)
    end = inspection.ended_on or inspection.ends_on
    seen: dict[int, int] = {}
    for row in result.rows:
        v = row.values
        entry = _match(row, by_content, add, seen)
        lead = units.get(v.get("牵头责任单位", ""))
        if not v.get("牵头责任单位"):
            add(row, "牵头责任单位", "必填：缺少牵头责任单位")
        elif lead is None:
            add(row, "牵头责任单位", f"未知单位「{v['牵头责任单位']}」：本辖区没有此单位名称或代码")
        row.lead = lead
        _read_co_units(row, units, add)
        person = _person(row, add, [u for u in (lead, *row.co) if u is not None], people_by_name)
        cause_text = v.get("问题成因", "")
        cause = CAUSE_BY_LABEL.get(cause_text, "") if cause_text else "own"
        if not cause:
            known = "、".join(inspection_services.CAUSES.values())
            add(row, "问题成因", f"未知问题成因「{cause_text}」，可用：{known}")
        elif cause == "co_noncooperation" and not row.co:
            add(row, "问题成因", "认定配合单位不配合时须列明配合责任单位（S3b-12(一)）")
        if lead is not None and person is not None:
            try:
                lists.check_responsibility(lead.pk, frozenset(u.pk for u in row.co), person.pk,
                                           frozenset({person.unit_id}) if person.unit_id else frozenset())
            except EntryConflict as exc:
                add(row, "具体责任人" if "责任人" in str(exc) else "牵头责任单位", str(exc))
        if v.get("整改时限"):
            row.deadline, message = parse_deadline(row.raw_deadline, year=result.year)
            if message:
                add(row, "整改时限", message)
            elif row.deadline is not None and row.deadline < end:
                add(row, "整改时限", f"整改时限不能早于督查结束日期（{end:%Y-%m-%d}）")
        if entry is None:
            continue
        if entry.state not in (EntryState.MEASURES.value, EntryState.ESCALATED.value):
            assigned = (entry.lead_unit_id is not None and lead is not None and entry.lead_unit_id == lead.pk
                        and person is not None and entry.person_id == person.pk
                        and {u.pk for u in entry.co_units.all()} == {u.pk for u in row.co})
            if assigned:
                row.action = SKIP
                row.problems = []
            elif entry.state == EntryState.PROBLEM.value:
                add(row, "具体内容", "责任单位尚未报送整改措施，暂不能明确责任（S4-二(二)2、3）")
            else:
                add(row, "具体内容", f"该问题当前为「{entry.state_label}」，不能再明确责任（S4-二(二)3）")
            continue
        if not (v.get("整改措施") or entry.measures):
            add(row, "整改措施", "请填写整改措施（上报问题须由督查室明确措施）")
        result.entries[row.row] = entry
        if person is not None:
            result.people[row.row] = person
        result.causes[row.row] = cause or "own"
        if row.ok:
            row.action = APPLY_RESPONSIBILITY
    return result


def _people_by_name(jurisdiction_id: int) -> dict[str, list[User]]:
    """The jurisdiction's active people with a unit, by full name and by login (read once per import)."""
    people: dict[str, list[User]] = {}
    for user in User.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True, unit__isnull=False):
        for key in {user.full_name, user.username} - {""}:
            people.setdefault(key, []).append(user)
    return people


def _person(row: ItemImportRow, add: Callable[[ItemImportRow, str, str], None], units: list[Unit],
            people_by_name: dict[str, list[User]]) -> User | None:
    """具体责任人: a person of the lead or a co-unit, by name or login (S4-二(二)3 落实到具体人员)."""
    name = row.values.get("具体责任人", "")
    if not name:
        add(row, "具体责任人", "必填：责任清单须落实到具体责任人（S4-二(二)3）")
        return None
    if not units:
        return None
    unit_ids = {u.pk for u in units}
    people = [p for p in people_by_name.get(name, []) if p.unit_id in unit_ids]
    if len(people) == 1:
        return people[0]
    if not people:
        add(row, "具体责任人", f"「{name}」不是牵头或配合责任单位的人员（S4-二(二)3）")
    else:
        add(row, "具体责任人", f"「{name}」有 {len(people)} 位同名人员：请填写登录名加以区分")
    return None


def _table_ok(result: StepImportResult) -> bool:
    if not result.inspection.entries.exists():
        result.file_problems.append(Problem(result.sheet or result.file_name, 0, "督查",
                                            "本次督查还没有问题清单：请先登记或导入问题清单（S4-二(二)1）。"))
    return bool(result.sheet) and not result.file_problems


def write_steps(result: StepImportResult, actor: User, *, only_valid: bool = False,
                now: dt.datetime | None = None) -> StepImportResult:
    """Apply the rows through the entry services, all in one transaction (a failure keeps nothing)."""
    if result.apply == APPLY_RESPONSIBILITY and (
            not access.is_office(actor) or actor.jurisdiction_id != result.inspection.jurisdiction_id):
        raise PermissionDenied("只有督查室人员可以导入整改责任清单（S4-二(二)3）。")
    if result.file_problems or (not result.ok and not only_valid):
        return result
    now = now or timezone.now()
    rows = [r for r in result.rows if r.ok and r.action == result.apply]
    result.skipped = result.to_skip
    with transaction.atomic():
        for r in rows:
            entry = result.entries[r.row]
            try:
                if result.apply == APPLY_MEASURES:
                    inspection_services.do_answer(actor=actor, entry=entry, measures=r.values["整改措施"],
                                                  deadline=r.deadline, timetable=r.values.get("延期推进方案", ""),
                                                  now=now)
                else:
                    inspection_services.do_assign_responsibility(
                        actor=actor, entry=entry, lead_unit=r.lead, person=result.people.get(r.row), co_units=r.co,
                        deadline=r.deadline, measures=r.values.get("整改措施", ""), cause=result.causes[r.row],
                        now=now)
            except ServiceError as exc:  # the entry changed since the preview: nothing is kept
                raise type(exc)(f"工作表「{r.sheet}」第 {r.row} 行：{exc.message}") from exc
            result.created += 1
    result.written = True
    return result
