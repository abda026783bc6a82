"""Excel import of items from the office's ledgers (issue #7): every row's problems with sheet, row and
column; nothing written unless all is valid or only valid rows are chosen; re-import creates no
duplicates; the round trip export → import into an empty district → export gives the same content."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from duban.documents import importing
from duban.documents.importing import parse_deadline
from duban.documents.models import ImportedItem
from duban.items.exports import write_items
from duban.items.models import Assignment, Item
from duban.items.selectors import with_list_relations
from duban.ledger.chain import verify_chain
from duban.ledger.models import Event
from duban.org.models import Unit
from tests.factories import District, JurisdictionFactory, UnitFactory, UserFactory, at
from tests.urging.test_sweep import handed_out

pytestmark = pytest.mark.django_db
NOW = at("2026-03-02", 9)


def _xlsx(rows: list[list[Any]], *, title_rows: int = 1, sheet: str = "台账") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for _ in range(title_rows):
        ws.append(["示范区2026年督查事项台账"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


HEADER = ["序号", "事项名称", "主要内容", "责任单位", "配合单位", "完成时限", "督查等级", "备注"]


def test_deadline_readings_and_the_year_rule() -> None:
    year = 2026
    assert parse_deadline("2026-12-31", year=year) == (dt.date(2026, 12, 31), "")
    assert parse_deadline("2026/6/30", year=year) == (dt.date(2026, 6, 30), "")
    assert parse_deadline("2026年12月31日", year=year) == (dt.date(2026, 12, 31), "")
    assert parse_deadline("2026年12月31日前", year=year) == (dt.date(2026, 12, 31), "")
    assert parse_deadline("12月31日前", year=year) == (dt.date(2026, 12, 31), "")  # no year: the import's year
    assert parse_deadline("12月31日之前", year=2027) == (dt.date(2027, 12, 31), "")
    assert parse_deadline(dt.datetime(2026, 5, 1), year=year) == (dt.date(2026, 5, 1), "")
    assert parse_deadline(46387.0, year=year) == (dt.date(2026, 12, 31), "")  # an Excel serial
    for bad in ("年底前", "长期坚持", "6月底", "2026-02-30"):
        date, message = parse_deadline(bad, year=year)
        assert date is None and bad in message
    assert "必填" in parse_deadline("", year=year)[1]


def test_preview_lists_every_problem_with_sheet_row_and_column_and_writes_nothing(district: District) -> None:
    d = district
    content = _xlsx([
        HEADER,
        [1, "推进老旧小区改造", "完成 12 个小区", "区发展和改革局", "区财政局", "12月31日前", "特别重要", ""],
        [2, "河道整治", "完成 3 条河道", "区不存在局", "", "2026-06-30", "", ""],
        [3, "垃圾分类", "", "", "区财政局、区没有局", "年底前", "很重要", ""],
        [4, "推进老旧小区改造", "重复的一行", "区发展和改革局", "", "2026年12月31日", "", ""],
    ])
    before = (Item.objects.count(), Event.objects.count())
    result = importing.read(content, d.jurisdiction, file_name="台账.xlsx", today=dt.date(2026, 3, 2))
    assert not result.ok and result.sheet == "台账"
    found = {(p.sheet, p.row, p.column, p.cell): p.message for p in result.problems}
    assert ("台账", 4, "牵头单位", "D4") in found and "未知单位「区不存在局」" in found[("台账", 4, "牵头单位", "D4")]
    assert "缺少牵头单位" in found[("台账", 5, "牵头单位", "D5")]
    assert "未知单位「区没有局」" in found[("台账", 5, "配合单位", "E5")]
    assert "无法识别的日期「年底前」" in found[("台账", 5, "办结时限", "F5")]
    assert "未知督查等级「很重要」" in found[("台账", 5, "督查等级", "G5")]
    assert "重复" in found[("台账", 6, "事项名称", "B6")] and "第 3 行" in found[("台账", 6, "事项名称", "B6")]
    first = result.rows[0]
    assert first.ok and first.deadline == dt.date(2026, 12, 31) and first.lead == d.lead and first.co == [d.co]
    # not valid as a whole and the user did not choose "only valid rows": nothing is written
    importing.write(result, d.alice, now=NOW)
    assert not result.written and (Item.objects.count(), Event.objects.count()) == before


def test_only_valid_rows_then_reimport_creates_no_duplicates(district: District) -> None:
    d = district
    content = _xlsx([
        HEADER,
        [1, "推进老旧小区改造", "完成 12 个小区", "区发展和改革局", "区财政局", "12月31日前", "特别重要", ""],
        [2, "河道整治", "完成 3 条河道", "区不存在局", "", "2026-06-30", "", ""],
    ])
    result = importing.write(importing.read(content, d.jurisdiction, today=dt.date(2026, 3, 2)), d.alice,
                             only_valid=True, now=NOW)
    assert result.written and result.created == 1
    item = Item.objects.get(title="推进老旧小区改造")
    assert (item.state, item.level, item.deadline, item.content) == ("assigned", "especially", dt.date(2026, 12, 31),
                                                                     "完成 12 个小区")
    assert {(a.unit_id, a.role) for a in Assignment.objects.filter(item=item)} == {(d.lead.pk, "lead"),
                                                                                   (d.co.pk, "co")}
    assert item.code.startswith("督〔2026〕") and item.next_due_at is not None
    event = Event.objects.get(item=item, kind="item_imported")
    assert event.rule_id == "S0-9" and event.actor_id == d.alice.pk and event.data["row"] == 3
    assert verify_chain(Event.objects.order_by("jurisdiction_id", "seq")) is None
    # the same file again: the imported row is skipped, nothing new
    again = importing.read(content, d.jurisdiction, today=dt.date(2026, 3, 2))
    assert [r.action for r in again.rows if r.ok] == [importing.SKIP]
    importing.write(again, d.alice, only_valid=True, now=NOW)
    assert again.created == 0 and again.skipped == 1
    assert Item.objects.filter(title="推进老旧小区改造").count() == 1 and ImportedItem.objects.count() == 1


def test_units_staff_cannot_import(district: District) -> None:
    d = district
    content = _xlsx([HEADER, [1, "事项", "内容", "区发展和改革局", "", "2026-06-30", "", ""]])
    result = importing.read(content, d.jurisdiction)
    with pytest.raises(importing.PermissionDenied):
        importing.write(result, d.ursula)
    assert not Item.objects.filter(title="事项").exists()


def test_not_an_excel_file_and_no_header_are_file_problems(district: District) -> None:
    d = district
    assert "无法读取" in str(importing.read(b"not excel", d.jurisdiction, file_name="a.xlsx").file_problems[0])
    result = importing.read(_xlsx([["甲", "乙"], ["1", "2"]]), d.jurisdiction)
    assert "找不到表头" in result.file_problems[0].message


def _ledger_rows(content: bytes) -> list[tuple[Any, ...]]:
    ws = load_workbook(io.BytesIO(content)).active
    return [tuple(r) for r in ws.iter_rows(min_row=2, values_only=True)]


def _export(items: Any) -> bytes:
    buffer = io.BytesIO()
    write_items(buffer, with_list_relations(items).order_by("code"), title="示范区督查事项台账")
    return buffer.getvalue()


def test_round_trip_export_import_into_an_empty_district_export_again(district: District) -> None:
    d = district
    a, b = handed_out(d), handed_out(d, level="especially", deadline=dt.date(2026, 6, 30))
    Item.objects.filter(pk=b.pk).update(title="=1+1 不是公式", requirements="按月报送")
    first = _export(Item.objects.filter(pk__in=[a.pk, b.pk]))

    other = JurisdictionFactory(name="另一区")
    for unit in (d.lead, d.co):
        UnitFactory(jurisdiction=other, name=unit.name, code=unit.code, path=f"/{unit.code}/")
    staff = UserFactory(jurisdiction=other, roles=["office_staff"])
    result = importing.read(first, other, file_name="导出.xlsx", today=dt.date(2026, 3, 2))
    assert result.ok, [str(p) for p in result.problems]
    importing.write(result, staff, now=NOW)
    assert result.created == 2
    imported = Item.objects.filter(jurisdiction=other)
    assert sorted(imported.values_list("code", flat=True)) == sorted([a.code, b.code])  # 编号 kept
    second = _export(imported)
    assert _ledger_rows(second) == _ledger_rows(first)
    assert ("'=1+1 不是公式" in str(_ledger_rows(second))) and imported.filter(title="=1+1 不是公式").exists()
    # the kept numbers moved the sequence: the next item registered there does not collide
    from duban.items import services

    new = services.do_register(actor=staff, title="新事项", content="内容", source="other", level="fairly",
                               now=at("2026-03-03", 9))
    assert new.code not in {a.code, b.code}
    assert Unit.objects.filter(jurisdiction=other).count() == 2
