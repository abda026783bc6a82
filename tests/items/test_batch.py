"""Batch actions (duban.items.batch): the same rules, rows and ledger events as the per-item services,
per item with a report of refusals, never half-written (SPEC §2; S0-9..14, S1-五; SPEC §8 ledger)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from duban.core.lifecycle import ItemState, Level
from duban.items import batch, services
from duban.items.models import Assignment, Item, Report, Review, Source
from duban.items.services import Registration
from duban.ledger.chain import verify_chain
from duban.ledger.models import Event, LedgerHead
from tests.factories import District, JurisdictionFactory, UnitFactory, UserFactory, at

pytestmark = pytest.mark.django_db

MONDAY = "2026-03-02"
DEADLINE = dt.date(2026, 3, 31)


def reg(title: str = "推进老旧小区改造", **kw: Any) -> Registration:
    fields: dict[str, Any] = {"title": title, "content": "完成 12 个老旧小区改造任务", "source": Source.GOV_MEETING,
                              "level": Level.FAIRLY_IMPORTANT}
    fields.update(kw)
    return Registration(**fields)


def register_one(d: District, title: str = "推进老旧小区改造", **kw: Any) -> Item:
    r = reg(title, **kw)
    return services.do_register(
        actor=d.alice, title=r.title, content=r.content, source=r.source, level=r.level,
        supervising_leader=r.supervising_leader, confidential=r.confidential, now=at(MONDAY, 9),
    )


def single_lifecycle(d: District, item: Item) -> None:
    services.do_approve(actor=d.olga, item=item, opinion="同意", now=at(MONDAY, 10))
    services.do_assign(actor=d.alice, item=item, lead_unit=d.lead, lead_part="牵头",
                       co_units=[services.CoUnit(d.co, "配合")], deadline=DEADLINE, now=at(MONDAY, 11))
    services.do_receive(actor=d.ursula, item=item, responsible_leader="王", responsible_section="规划科",
                        responsible_person="李", now=at(MONDAY, 15))
    services.do_report_progress(actor=d.ursula, item=item, text="进展顺利", now=at("2026-03-09"))
    services.do_report_completion(actor=d.ursula, item=item, text="已完成", now=at("2026-03-20"))
    services.do_office_accept(actor=d.alice, item=item, opinion="符合要求", now=at("2026-03-23"))
    services.do_leader_pass(actor=d.gina, item=item, opinion="阅", follow_up="circulate", now=at("2026-03-24"))
    services.do_archive(actor=d.alice, item=item, custodian=d.carl, now=at("2026-03-25"))


def batch_lifecycle(d: District, items: list[Item]) -> None:
    def ok(result: batch.BatchResult) -> None:
        assert not result.refused, result.refused
        assert result.done == [i.pk for i in items]

    ok(batch.approve_many(actor=d.olga, items=items, opinion="同意", now=at(MONDAY, 10)))
    ok(batch.assign_many(actor=d.alice, items=items, lead_unit=d.lead, lead_part="牵头",
                         co_units=[services.CoUnit(d.co, "配合")], deadline=DEADLINE, now=at(MONDAY, 11)))
    ok(batch.receive_many(actor=d.ursula, items=items, responsible_leader="王", responsible_section="规划科",
                          responsible_person="李", now=at(MONDAY, 15)))
    ok(batch.report_progress_many(actor=d.ursula, items=items, text="进展顺利", now=at("2026-03-09")))
    ok(batch.report_completion_many(actor=d.ursula, items=items, text="已完成", now=at("2026-03-20")))
    ok(batch.office_accept_many(actor=d.alice, items=items, opinion="符合要求", now=at("2026-03-23")))
    ok(batch.leader_pass_many(actor=d.gina, items=items, opinion="阅", follow_up="circulate",
                              now=at("2026-03-24")))
    ok(batch.archive_many(actor=d.alice, items=items, custodian=d.carl, now=at("2026-03-25")))


ID_KEYS = {"report", "review", "assignment"}  # row ids inside event data: compared by what they point at


def comparable(event: Event) -> dict[str, Any]:
    data = {k: v for k, v in event.data.items() if k not in ID_KEYS}
    return {
        "kind": event.kind, "unit": event.unit_id, "actor": event.actor_id, "actor_name": event.actor_name,
        "at": event.at, "rule_id": event.rule_id, "summary": event.summary, "reason": event.reason,
        "before": event.before, "after": event.after, "data": data,
        "refs": {k: _ref(k, v) for k, v in event.data.items() if k in ID_KEYS},
    }


def _ref(kind: str, pk: int) -> tuple[Any, ...]:
    if kind == "report":
        r = Report.objects.get(pk=pk)
        return (r.item.title, r.kind, r.text, r.assignment.unit_id)
    if kind == "review":
        v = Review.objects.get(pk=pk)
        return (v.item.title, v.stage, v.outcome, v.opinion, v.follow_up)
    a = Assignment.objects.get(pk=pk)
    return (a.item.title, a.unit_id, a.role)


ITEM_FIELDS = ("state", "version", "deadline", "deadline_provisional", "approved_at", "assigned_at",
               "completed_at", "closed_at", "archived_at", "custodian_id", "next_due_at", "return_count")


def test_S0_9_to_S0_14_batch_and_single_path_write_the_same_events_and_rows(district: District) -> None:
    d = district
    single = register_one(d, "同一事项")
    registered = batch.register_many(actor=d.alice, rows=[reg("同一事项"), reg("同一事项")], now=at(MONDAY, 9))
    assert not registered.refused
    twins = list(Item.objects.filter(pk__in=registered.done).order_by("pk"))
    single_lifecycle(d, single)
    batch_lifecycle(d, twins)

    want = [comparable(e) for e in Event.objects.filter(item=single).order_by("seq")]
    assert [e["kind"] for e in want] == ["register", "approve", "assign", "receive", "report_progress",
                                         "report_completion", "office_accept", "leader_pass", "archive"]
    for twin in twins:
        got = [comparable(e) for e in Event.objects.filter(item=twin).order_by("seq")]
        assert got == want
    single.refresh_from_db()
    for twin in twins:
        twin.refresh_from_db()
        assert {f: getattr(twin, f) for f in ITEM_FIELDS} == {f: getattr(single, f) for f in ITEM_FIELDS}
        assert twin.state == ItemState.ARCHIVED
        for model in (Assignment, Report, Review):
            assert model.objects.filter(item=twin).count() == model.objects.filter(item=single).count()
    assert verify_chain(Event.objects.order_by("jurisdiction_id", "seq")) is None


def test_next_due_is_recomputed_by_the_batch_path_as_by_the_single_path(district: District) -> None:
    d = district
    single = register_one(d, "时限")
    twin = Item.objects.get(pk=batch.register_many(actor=d.alice, rows=[reg("时限")], now=at(MONDAY, 9)).done[0])
    services.do_approve(actor=d.olga, item=single, now=at(MONDAY, 10))
    batch.approve_many(actor=d.olga, items=[twin], now=at(MONDAY, 10))
    services.do_assign(actor=d.alice, item=single, lead_unit=d.lead, deadline_working_days=10, now=at(MONDAY, 11))
    batch.assign_many(actor=d.alice, items=[twin], lead_unit=d.lead, deadline_working_days=10, now=at(MONDAY, 11))
    single.refresh_from_db()
    twin.refresh_from_db()
    assert single.next_due_at is not None
    assert (twin.next_due_at, twin.deadline, twin.deadline_working_days) == (
        single.next_due_at, single.deadline, single.deadline_working_days)


def test_batch_goes_through_for_valid_items_and_lists_the_refused_with_reasons(district: District) -> None:
    d = district
    pending = [register_one(d, f"待审定{k}") for k in range(3)]
    already = register_one(d, "已审定")
    services.do_approve(actor=d.olga, item=already, now=at(MONDAY, 10))
    secret = services.do_register(actor=d.carl, title="涉密事项", content="内容", source=Source.OTHER,
                                  level=Level.GENERALLY_IMPORTANT, confidential=True, now=at(MONDAY, 9))
    other_j = JurisdictionFactory()
    elsewhere = services.do_register(
        actor=UserFactory(jurisdiction=other_j, unit=UnitFactory(jurisdiction=other_j), roles=["office_staff"]),
        title="外区事项", content="内容", source=Source.OTHER, level=Level.GENERALLY_IMPORTANT, now=at(MONDAY, 9))
    before = {i.pk: (Item.objects.get(pk=i.pk).version, Event.objects.filter(item=i).count())
              for i in (already, secret, elsewhere)}

    ids = [pending[0].pk, already.pk, pending[1].pk, secret.pk, elsewhere.pk, 999_999, pending[2].pk]
    result = batch.approve_many(actor=d.olga, items=ids, now=at(MONDAY, 11))

    assert result.done == [p.pk for p in pending]
    refused = {r.item_id: r for r in result.refused}
    assert set(refused) == {already.pk, secret.pk, elsewhere.pk, 999_999}
    assert refused[already.pk].status == 409 and "审定" in refused[already.pk].reason
    assert refused[already.pk].code == already.code  # the head may see it: the list names it
    for hidden in (secret.pk, elsewhere.pk, 999_999):  # never reveal what the actor may not see
        assert refused[hidden].status == 404 and refused[hidden].code == "" and refused[hidden].title == ""
    for p in pending:
        p.refresh_from_db()
        assert p.state == ItemState.APPROVED
    for item in (already, secret, elsewhere):
        item.refresh_from_db()
        assert (item.version, Event.objects.filter(item=item).count()) == before[item.pk]


def test_S0_9_only_the_office_head_approves_in_a_batch_too(district: District) -> None:
    d = district
    items = [register_one(d, f"事项{k}") for k in range(2)]
    result = batch.approve_many(actor=d.alice, items=items, now=at(MONDAY, 10))
    assert result.done == []
    assert [r.status for r in result.refused] == [403, 403]
    assert not Item.objects.filter(state=ItemState.APPROVED).exists()


def test_units_see_only_their_items_in_a_batch(district: District) -> None:
    d = district
    items = [register_one(d, f"事项{k}") for k in range(2)]
    batch.approve_many(actor=d.olga, items=items, now=at(MONDAY, 10))
    batch.assign_many(actor=d.alice, items=items[:1], lead_unit=d.lead, deadline=DEADLINE, now=at(MONDAY, 11))
    batch.assign_many(actor=d.alice, items=items[1:], lead_unit=d.other, deadline=DEADLINE, now=at(MONDAY, 11))
    result = batch.receive_many(actor=d.ursula, items=items, responsible_leader="王", responsible_section="科",
                                responsible_person="李", now=at(MONDAY, 15))
    assert result.done == [items[0].pk]
    assert [(r.item_id, r.status, r.code) for r in result.refused] == [(items[1].pk, 404, "")]


def test_S1_5_2_batch_assign_validates_like_the_single_path_and_writes_nothing_on_error(district: District) -> None:
    d = district
    items = [register_one(d, f"事项{k}") for k in range(2)]
    batch.approve_many(actor=d.olga, items=items, now=at(MONDAY, 10))
    result = batch.assign_many(actor=d.alice, items=items, lead_unit=d.lead, deadline=dt.date(2026, 3, 1),
                               now=at(MONDAY, 11))
    assert result.done == []
    assert {r.reason for r in result.refused} == {"办结时限必须晚于交办日期。"}
    assert all(r.status == 422 and r.field_errors == {"deadline": "办结时限必须晚于交办日期。"}
               for r in result.refused)
    assert not Assignment.objects.exists()
    assert set(Item.objects.values_list("state", flat=True)) == {ItemState.APPROVED}


def test_S0_14_batch_archive_refuses_items_whose_file_is_incomplete(district: District) -> None:
    d = district
    done, open_item = register_one(d, "已审阅"), register_one(d, "未办结")
    single_lifecycle_until_pass(d, done)
    result = batch.archive_many(actor=d.alice, items=[done, open_item], custodian=d.alice, now=at("2026-03-25"))
    assert result.done == [done.pk]
    assert result.refused[0].item_id == open_item.pk and result.refused[0].status == 409


def single_lifecycle_until_pass(d: District, item: Item) -> None:
    services.do_approve(actor=d.olga, item=item, now=at(MONDAY, 10))
    services.do_assign(actor=d.alice, item=item, lead_unit=d.lead, deadline=DEADLINE, now=at(MONDAY, 11))
    services.do_receive(actor=d.ursula, item=item, responsible_leader="王", responsible_section="科",
                        responsible_person="李", now=at(MONDAY, 15))
    services.do_report_completion(actor=d.ursula, item=item, text="完成", now=at("2026-03-20"))
    services.do_office_accept(actor=d.alice, item=item, now=at("2026-03-23"))
    services.do_leader_pass(actor=d.gina, item=item, now=at("2026-03-24"))


def test_SPEC_8_chunked_batches_keep_one_unbroken_chain_and_audit_verify_is_green(district: District) -> None:
    d = district
    items = [register_one(d, f"事项{k}") for k in range(3)]
    more = batch.register_many(actor=d.alice, rows=[reg(f"批量{k}") for k in range(4)], now=at(MONDAY, 9),
                               chunk_size=3)
    services.do_approve(actor=d.olga, item=items[0], now=at(MONDAY, 10))  # single appends in between
    result = batch.approve_many(actor=d.olga, items=[*items[1:], *more.done], now=at(MONDAY, 10), chunk_size=2)
    assert len(result.done) == 6 and not result.refused
    events = list(Event.objects.order_by("jurisdiction_id", "seq"))
    assert [e.seq for e in events] == list(range(1, 15))
    head = LedgerHead.objects.get(jurisdiction=d.jurisdiction)
    assert (head.seq, head.last_hash) == (events[-1].seq, events[-1].hash)
    assert verify_chain(events) is None
    out = StringIO()
    call_command("duban_audit", "verify", stdout=out)
    assert "哈希链完整" in out.getvalue()


def test_S0_9_register_many_numbers_valid_rows_in_order_and_reports_invalid_rows(district: District) -> None:
    d = district
    register_one(d, "先登记的")
    rows = [reg("第一"), reg("", content=""), reg("第三", level="nonsense"), reg("第四", supervising_leader=d.dave),
            reg("涉密", confidential=True)]
    result = batch.register_many(actor=d.alice, rows=rows, now=at(MONDAY, 9))
    created = [Item.objects.get(pk=pk) for pk in result.done]
    assert [(i.title, i.code) for i in created] == [("第一", "督〔2026〕2号"), ("第四", "督〔2026〕3号")]
    assert created[1].supervising_leader == d.dave
    assert [(r.row, r.status) for r in result.refused] == [(2, 422), (3, 422), (5, 403)]
    assert set(result.refused[0].field_errors) == {"title", "content"}
    assert [e.kind for e in Event.objects.filter(item__in=created)] == ["register", "register"]
    assert services.do_register(actor=d.alice, title="后登记的", content="x", source=Source.OTHER,
                                level=Level.GENERALLY_IMPORTANT, now=at(MONDAY, 9)).code == "督〔2026〕4号"


def test_register_many_dry_run_checks_everything_and_writes_nothing(district: District) -> None:
    d = district
    result = batch.register_many(actor=d.alice, rows=[reg("好"), reg("坏", source="nope")], dry_run=True,
                                 now=at(MONDAY, 9))
    assert result.dry_run and [r.row for r in result.refused] == [2]
    assert not Item.objects.exists() and not Event.objects.exists()


def test_register_many_refuses_people_who_may_not_register(district: District) -> None:
    with pytest.raises(services.PermissionDenied):
        batch.register_many(actor=district.ursula, rows=[reg()], now=at(MONDAY, 9))
    assert not Item.objects.exists()


def test_dry_run_reports_what_would_be_refused_without_writing(district: District) -> None:
    d = district
    items = [register_one(d, f"事项{k}") for k in range(2)]
    services.do_approve(actor=d.olga, item=items[1], now=at(MONDAY, 10))
    preview = batch.approve_many(actor=d.olga, items=items, dry_run=True, now=at(MONDAY, 11))
    assert preview.done == [items[0].pk] and [r.item_id for r in preview.refused] == [items[1].pk]
    items[0].refresh_from_db()
    assert items[0].state == ItemState.PENDING_APPROVAL


def test_stale_version_in_a_batch_is_refused_like_the_single_path(district: District) -> None:
    d = district
    item = register_one(d)
    result = batch.approve_many(actor=d.olga, items=[item], expected_versions={item.pk: item.version + 5},
                                now=at(MONDAY, 10))
    assert result.done == [] and result.refused[0].status == 409


def test_a_database_conflict_in_a_chunk_falls_back_to_one_by_one(district: District,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    d = district
    items = [register_one(d, f"事项{k}") for k in range(3)]
    real = services.apply_effects
    calls: list[int] = []

    def flaky(effects: list[services.Effect]) -> list[Event]:
        calls.append(len(effects))
        if len(effects) > 1:
            raise IntegrityError("simulated concurrent writer")
        return real(effects)

    monkeypatch.setattr(services, "apply_effects", flaky)
    result = batch.approve_many(actor=d.olga, items=items, now=at(MONDAY, 10))
    assert calls == [3, 1, 1, 1]
    assert result.done == [i.pk for i in items] and not result.refused
    assert verify_chain(Event.objects.order_by("jurisdiction_id", "seq")) is None


# --- the item list page (批量操作) and the API ---------------------------------------------------------

def _page(client: Any, url: str, data: dict[str, Any]) -> tuple[int, str]:
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    return response.status_code, response.content.decode()


def test_list_offers_batch_actions_by_role_and_units_get_no_checkboxes(district: District) -> None:
    from tests.factories import client_for

    d = district
    item = register_one(d, "列表事项")
    services.do_approve(actor=d.olga, item=item, now=at(MONDAY, 10))
    services.do_assign(actor=d.alice, item=item, lead_unit=d.lead, deadline=DEADLINE, now=at(MONDAY, 11))
    head = client_for(d.olga).get("/items/").content.decode()
    assert 'id="batch-form"' in head and "批量审定" in head and "批量归档" in head
    assert f'name="items" value="{item.pk}"' in head
    staff = client_for(d.alice).get("/items/").content.decode()
    assert "批量交办" in staff and "批量审定" not in staff  # S0-9: approval is the office head's
    unit = client_for(d.ursula).get("/items/").content.decode()
    assert "列表事项" in unit and 'id="batch-form"' not in unit and 'name="items"' not in unit
    status, _ = _page(client_for(d.ursula), "/items/batch/approve/check/", {"items": [item.pk]})
    assert status == 403


def test_batch_page_previews_who_is_refused_and_why_then_applies(district: District) -> None:
    from tests.factories import client_for

    d = district
    pending = [register_one(d, f"待审定{k}") for k in range(2)]
    already = register_one(d, "已审定的事项")
    services.do_approve(actor=d.olga, item=already, now=at(MONDAY, 10))
    head = client_for(d.olga)
    ids = [pending[0].pk, already.pk, pending[1].pk]
    status, html = _page(head, "/items/batch/approve/check/", {"items": ids})
    assert status == 200
    assert "将处理 2 项" in html and "1 项不予处理" in html
    assert already.code in html and "已审定的事项" in html and "审定" in html
    assert "确认批量审定（2 项）" in html
    assert Item.objects.filter(state=ItemState.APPROVED).count() == 1  # the preview wrote nothing
    status, html = _page(head, "/items/batch/approve/", {"items": ids, "opinion": "同意"})
    assert status == 200 and "已完成 2 项" in html
    assert Item.objects.filter(state=ItemState.APPROVED).count() == 3
    assert Event.objects.filter(kind="approve", reason="同意").count() == 2


def test_batch_assign_page_asks_for_unit_and_deadline_first_and_shows_field_errors(district: District) -> None:
    from tests.factories import client_for

    d = district
    items = [register_one(d, f"事项{k}") for k in range(2)]
    batch.approve_many(actor=d.olga, items=items, now=at(MONDAY, 10))
    alice = client_for(d.alice)
    ids = [i.pk for i in items]
    status, html = _page(alice, "/items/batch/assign/check/", {"items": ids})
    assert status == 200 and 'name="lead_unit"' in html and "下一步：检查" in html
    status, html = _page(alice, "/items/batch/assign/check/", {"items": ids, "lead_unit": ""})
    assert status == 422 and "请选择有效的牵头单位" in html
    status, html = _page(alice, "/items/batch/assign/check/",
                         {"items": ids, "lead_unit": d.lead.pk, "deadline_working_days": "10"})
    assert status == 200 and "将处理 2 项" in html
    status, html = _page(alice, "/items/batch/assign/",
                         {"items": ids, "lead_unit": d.lead.pk, "deadline_working_days": "10"})
    assert status == 200 and "已完成 2 项" in html
    assert Assignment.objects.filter(unit=d.lead).count() == 2
    assert not Item.objects.filter(next_due_at__isnull=True).exists()


def test_api_batch_route_reports_done_and_refused_with_the_per_item_status(district: District) -> None:
    from tests.api.conftest import Api

    d = district
    items = [register_one(d, f"事项{k}") for k in range(2)]
    services.do_approve(actor=d.olga, item=items[1], now=at(MONDAY, 10))
    api = Api(d.olga)
    preview = api.post("/items/batch/approve", {"items": [i.pk for i in items], "dry_run": True}).json()
    assert preview["dry_run"] and preview["done"] == [items[0].pk]
    assert Item.objects.get(pk=items[0].pk).state == ItemState.PENDING_APPROVAL
    body = api.post("/items/batch/approve", {"items": [i.pk for i in items]}).json()
    assert body["done"] == [items[0].pk]
    assert [(r["item_id"], r["status"]) for r in body["refused"]] == [(items[1].pk, 409)]
    assert "审定" in body["refused"][0]["reason"]
    unknown = api.post("/items/batch/nonsense", {"items": [items[0].pk]})
    assert unknown.status_code == 422 and "未知的批量操作" in unknown.json()["detail"]
    assert api.post("/items/batch/approve", {"items": []}).status_code == 422
    bad_unit = Api(d.alice).post("/items/batch/assign", {"items": [items[0].pk], "lead_unit": 999_999})
    assert bad_unit.status_code == 422 and bad_unit.json()["field_errors"] == {"lead_unit": "请选择有效的牵头单位。"}
    oscar = Api(d.oscar).post("/items/batch/approve", {"items": [items[0].pk]}).json()
    assert oscar["done"] == [] and oscar["refused"][0]["status"] == 404 and oscar["refused"][0]["code"] == ""


def test_people_who_see_nothing_are_refused_404_on_both_paths(district: District) -> None:
    d = district
    item = register_one(d)
    nobody = UserFactory(jurisdiction=d.jurisdiction, unit=d.other, roles=[])  # no role: sees no item
    with pytest.raises(services.ItemNotFound):
        services.do_approve(actor=nobody, item=item, now=at(MONDAY, 10))
    result = batch.approve_many(actor=nobody, items=[item], now=at(MONDAY, 10))
    assert [(r.status, r.code) for r in result.refused] == [(404, "")]
    item.refresh_from_db()
    assert item.state == ItemState.PENDING_APPROVAL


def test_S0_14_batch_archive_page_names_a_custodian_and_refuses_incomplete_files(district: District) -> None:
    from tests.factories import client_for

    d = district
    ready, not_ready = register_one(d, "可归档"), register_one(d, "未办结")
    single_lifecycle_until_pass(d, ready)
    alice = client_for(d.alice)
    status, html = _page(alice, "/items/batch/archive/check/", {"items": [ready.pk, not_ready.pk]})
    assert status == 200 and "将处理 1 项" in html and "不能执行「立卷归档」" in html
    assert f'<option value="{d.carl.pk}"' in html and f'<option value="{d.ursula.pk}"' not in html
    status, html = _page(alice, "/items/batch/archive/", {"items": [ready.pk, not_ready.pk], "custodian": d.carl.pk})
    assert status == 200 and "已完成 1 项" in html
    ready.refresh_from_db()
    assert (ready.state, ready.custodian_id) == (ItemState.ARCHIVED, d.carl.pk)
    closed = register_one(d, "已审阅的另一项")
    single_lifecycle_until_pass(d, closed)
    status, html = _page(alice, "/items/batch/archive/", {"items": [closed.pk], "custodian": d.ursula.pk})
    assert "保管人须为本辖区督查室人员" in html  # S0-14: the custodian is office staff
    closed.refresh_from_db()
    assert closed.state == ItemState.CLOSED
