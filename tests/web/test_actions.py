"""The action forms of the item page post to the services and change state; refused ones change nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from duban.items import services
from duban.items.models import Assignment, Attachment, ExtensionRequest, Item, Objection, Review
from duban.ledger.models import Event
from tests.factories import District

from .conftest import (
    act,
    approved,
    assigned,
    client_for,
    completion_reported,
    day,
    office_accepted,
    received,
    registered,
    snapshot,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def state(item: Item) -> str:
    return Item.objects.get(pk=item.pk).state


def test_approve_plain_post_redirects_with_message_S0_9(district: District) -> None:
    d = district
    item = registered(d)
    client = client_for(d.olga)
    r = act(client, item, "approve", {"opinion": "同意"})
    assert r.status_code == 303 and r["Location"] == f"/items/{item.pk}/"
    assert state(item) == "approved"
    page = text(client.get(r["Location"]))
    assert "已审定同意" in page and "msg-success" in page
    assert Event.objects.filter(item=item, kind="approve", rule_id="S0-9", reason="同意").exists()


def test_action_via_htmx_redirects_to_the_item_page(district: District) -> None:
    d = district
    item = registered(d)
    r = act(client_for(d.olga), item, "approve", htmx=True)
    assert r.status_code == 303 and r["Location"] == f"/items/{item.pk}/"
    assert state(item) == "approved"


def test_decline_requires_a_reason_S1_5_1(district: District) -> None:
    d = district
    item = registered(d)
    before = snapshot(item)
    r = act(client_for(d.olga), item, "decline", {"reason": "  "})
    assert r.status_code == 422 and "请填写理由。" in text(r)
    assert snapshot(item) == before
    r = act(client_for(d.olga), item, "decline", {"reason": "内容不具体"})
    assert r.status_code == 303 and state(item) == "declined"
    r = act(client_for(d.alice), item, "resubmit", {"title": "推进老旧小区改造（修改）", "note": "已细化"})
    assert r.status_code == 303 and state(item) == "pending_approval"
    assert Item.objects.get(pk=item.pk).title == "推进老旧小区改造（修改）"


def test_forbidden_action_is_403_and_changes_nothing(district: District) -> None:
    """S0-9: only the office head approves; the page shows why, with HTTP 403."""
    d = district
    item = registered(d)
    before = snapshot(item)
    r = act(client_for(d.alice), item, "approve")
    assert r.status_code == 403 and "您没有权限执行此操作。" in text(r) and 'id="action-error"' in text(r)
    assert snapshot(item) == before


def test_action_the_state_does_not_allow_is_409_and_changes_nothing(district: District) -> None:
    """S0-14: archiving needs a closed item; S0-12: acceptance needs a completion report."""
    d = district
    item = received(d)
    before = snapshot(item)
    r = act(client_for(d.alice), item, "archive", {"custodian": d.alice.pk})
    assert r.status_code == 409 and "不能执行「立卷归档」" in text(r)
    r = act(client_for(d.alice), item, "office_accept")
    assert r.status_code == 409 and "办理中" in text(r)
    assert snapshot(item) == before


def test_htmx_error_response_is_the_page_with_the_message(district: District) -> None:
    d = district
    item = received(d)
    r = act(client_for(d.alice), item, "office_accept", htmx=True)
    assert r.status_code == 409 and 'id="main"' in text(r) and 'id="action-error"' in text(r)


def test_stale_version_is_409_and_changes_nothing(district: District) -> None:
    d = district
    item = registered(d)
    old_version = item.version
    services.do_approve(actor=d.olga, item=item)
    fresh = Item.objects.get(pk=item.pk)
    before = snapshot(fresh)
    r = act(client_for(d.alice), fresh, "assign", {"version": old_version, "lead_unit": d.lead.pk,
                                                   "channel": "platform"})
    assert r.status_code == 409 and "事项已被他人修改" in text(r)
    assert snapshot(fresh) == before and not Assignment.objects.exists()
    # the page now shows the current version, so a deliberate second submit goes through
    assert f'name="version" value="{fresh.version}"' in text(r)
    r = act(client_for(d.alice), fresh, "assign", {"lead_unit": d.lead.pk, "channel": "platform"})
    assert r.status_code == 303


def test_assign_with_co_units_parts_deadline_and_channel_S1_5_2(district: District) -> None:
    d = district
    item = approved(d)
    r = act(client_for(d.alice), item, "assign", {
        "lead_unit": d.lead.pk, "lead_part": "牵头推进", "co_units": [d.co.pk, d.other.pk],
        f"co_part_{d.co.pk}": "资金保障", f"co_part_{d.other.pk}": "校舍安全", "deadline": day(25).isoformat(),
        "channel": "written",
    })
    assert r.status_code == 303, text(r)
    fresh = Item.objects.get(pk=item.pk)
    assert (fresh.state, fresh.deadline, fresh.channel) == ("assigned", day(25), "written")
    parts = {(a.unit_id, a.role, a.part) for a in fresh.assignments.all()}
    assert parts == {(d.lead.pk, "lead", "牵头推进"), (d.co.pk, "co", "资金保障"), (d.other.pk, "co", "校舍安全")}


def test_assign_by_working_days(district: District) -> None:
    d = district
    item = approved(d)
    r = act(client_for(d.alice), item, "assign", {"lead_unit": d.lead.pk, "deadline_working_days": 7,
                                                  "channel": "platform"})
    assert r.status_code == 303
    fresh = Item.objects.get(pk=item.pk)
    assert fresh.deadline is not None and fresh.deadline_working_days == 7


def test_assign_bad_input_shows_field_errors_and_changes_nothing(district: District) -> None:
    """Deadline before assignment, lead unit also a co-unit, unknown unit: 422, nothing assigned."""
    d = district
    item = approved(d)
    before = snapshot(item)
    client = client_for(d.alice)
    r = act(client, item, "assign", {"lead_unit": d.lead.pk, "deadline": day(0).isoformat(), "channel": "platform"})
    assert r.status_code == 422 and "办结时限必须晚于交办日期。" in text(r)
    r = act(client, item, "assign", {"lead_unit": d.lead.pk, "co_units": [d.lead.pk], "channel": "platform"})
    assert r.status_code == 422 and "同一单位不能重复交办" in text(r)
    r = act(client, item, "assign", {"lead_unit": 999999, "channel": "platform"})
    assert r.status_code == 422 and "单位不存在或不属于本辖区。" in text(r)
    r = act(client, item, "assign", {"channel": "platform"})
    assert r.status_code == 422 and "请选择牵头单位。" in text(r)
    assert snapshot(item) == before and not Assignment.objects.exists()


def test_receive_names_responsible_people_and_milestones_S0_10(district: District) -> None:
    d = district
    item = assigned(d)
    client = client_for(d.ursula)
    r = act(client, item, "receive", {"responsible_leader": "王副局长", "responsible_section": "",
                                      "responsible_person": "李科长"})
    assert r.status_code == 422 and "请填写责任科室（S0-10）。" in text(r)
    r = act(client, item, "receive", {
        "responsible_leader": "王副局长", "responsible_section": "规划科", "responsible_person": "李科长",
        "ms_title_1": "完成方案", "ms_due_1": day(60).isoformat(),
    })
    assert r.status_code == 422 and "晚于办结时限" in text(r)  # S1-五(三) scheduled backwards
    assert state(item) == "assigned"
    r = act(client, item, "receive", {
        "responsible_leader": "王副局长", "responsible_section": "规划科", "responsible_person": "李科长",
        "responsible_phone": "12345", "work_plan": "分步实施",
        "ms_title_1": "完成方案", "ms_due_1": day(5).isoformat(),
        "ms_title_2": "全部完工", "ms_due_2": day(25).isoformat(),
    })
    assert r.status_code == 303
    lead = Assignment.objects.get(item=item, unit=d.lead)
    assert (lead.state, lead.responsible_person, lead.work_plan) == ("received", "李科长", "分步实施")
    assert [m.title for m in lead.milestones.all()] == ["完成方案", "全部完工"]
    assert state(item) == "in_progress"


def test_receive_milestone_without_date_is_a_field_error(district: District) -> None:
    d = district
    item = assigned(d)
    r = act(client_for(d.ursula), item, "receive", {
        "responsible_leader": "王", "responsible_section": "科", "responsible_person": "李", "ms_title_1": "节点",
    })
    assert r.status_code == 422 and "请填写该节点的完成时间。" in text(r)
    assert state(item) == "assigned"


def test_objection_and_answer_S0_10(district: District) -> None:
    d = district
    item = received(d)
    r = act(client_for(d.ursula), item, "object", {"text": "时限过紧，建议延后"})
    assert r.status_code == 303
    objection = Objection.objects.get()
    assert objection.late is False
    office_page = text(client_for(d.alice).get(f"/items/{item.pk}/"))
    assert f'id="action-answer_objection-{objection.pk}"' in office_page
    r = act(client_for(d.alice), item, "answer_objection", {"accept": "accept", "answer": "同意调整",
                                                             "new_deadline": day(45).isoformat()},
            target=objection.pk)
    assert r.status_code == 303
    objection.refresh_from_db()
    assert objection.outcome == "accepted" and Item.objects.get(pk=item.pk).deadline == day(45)
    # answered already: a second answer is a state conflict
    r = act(client_for(d.alice), item, "answer_objection", {"accept": "reject", "answer": "x"}, target=objection.pk)
    assert r.status_code == 409 and "该异议已答复" in text(r)


def test_answer_objection_of_another_item_is_404(district: District) -> None:
    d = district
    item = received(d)
    other = received(d, title="另一事项")
    objection = services.do_object(actor=d.ursula, item=other, text="意见")
    r = act(client_for(d.alice), item, "answer_objection", {"accept": "reject", "answer": "x"}, target=objection.pk)
    assert r.status_code == 404
    assert Objection.objects.get().outcome == "pending"


def test_progress_unable_and_completion_reports(district: District) -> None:
    """S0-8 progress by the lead unit; S1-五(三) a co-unit reports it cannot help; S0-12 completion."""
    d = district
    item = received(d)
    r = act(client_for(d.ursula), item, "report_progress", {"text": ""})
    assert r.status_code == 422 and "请填写进展情况。" in text(r)
    assert act(client_for(d.ursula), item, "report_progress", {"text": "完成一半"}).status_code == 303
    r = act(client_for(d.colin), item, "report_progress", {"text": "配合单位不能代报"})
    assert r.status_code == 403
    services.do_receive(actor=d.colin, item=item, responsible_leader="赵", responsible_section="预算科",
                        responsible_person="钱")
    assert act(client_for(d.colin), item, "report_unable", {"text": "资金已用完"}).status_code == 303
    assert Assignment.objects.get(item=item, unit=d.co).state == "unable"
    assert act(client_for(d.ursula), item, "report_completion", {"text": "全部完成"}).status_code == 303
    assert state(item) == "completion_reported"
    kinds = list(Item.objects.get(pk=item.pk).reports.values_list("kind", flat=True))
    assert kinds == ["progress", "unable", "completion"]


def test_extension_request_and_decision_S1_5_3(district: District) -> None:
    d = district
    item = received(d)
    r = act(client_for(d.ursula), item, "request_extension", {"requested_deadline": day(10).isoformat(),
                                                               "reason": "x"})
    assert r.status_code == 422 and "须晚于现时限" in text(r)
    r = act(client_for(d.ursula), item, "request_extension", {"reason": "x"})
    assert r.status_code == 422 and "请填写申请延至的日期。" in text(r)
    r = act(client_for(d.ursula), item, "request_extension", {"requested_deadline": day(50).isoformat(),
                                                               "reason": "汛期停工"})
    assert r.status_code == 303
    request = ExtensionRequest.objects.get()
    r = act(client_for(d.alice), item, "decide_extension", {"approve": "reject", "note": ""}, target=request.pk)
    assert r.status_code == 422 and "不同意延期时请填写理由。" in text(r)
    r = act(client_for(d.alice), item, "decide_extension", {"approve": "approve"}, target=request.pk)
    assert r.status_code == 303
    assert Item.objects.get(pk=item.pk).deadline == day(50)


def test_office_return_needs_reasons_and_is_counted_S1_5_5(district: District) -> None:
    d = district
    item = completion_reported(d)
    before = snapshot(item)
    r = act(client_for(d.alice), item, "office_return", {"reasons": ""})
    assert r.status_code == 422 and "退回时须书面说明理由。" in text(r)
    assert 'class="field has-error' in text(r)  # the message sits next to the reasons field
    assert snapshot(item) == before
    r = act(client_for(d.alice), item, "office_return", {"reasons": "缺少验收材料"})
    assert r.status_code == 303
    fresh = Item.objects.get(pk=item.pk)
    assert (fresh.state, fresh.return_count) == ("in_progress", 1)
    page = text(client_for(d.ursula).get(f"/items/{item.pk}/"))
    assert "缺少验收材料" in page and "S1-五(五)" in page and "退回 1 次" in page


def test_office_accept_then_leader_pass_and_archive_S0_12_S0_13_S0_14(district: District) -> None:
    d = district
    item = completion_reported(d)
    assert act(client_for(d.alice), item, "office_accept", {"opinion": "合格"}).status_code == 303
    assert state(item) == "office_accepted"
    # only the item's supervising leader (or the head of government) reads it
    assert act(client_for(d.olga), item, "leader_pass", {"follow_up": "none"}).status_code == 403
    r = act(client_for(d.dave), item, "leader_pass", {"follow_up": "circulate", "opinion": "通报表扬"})
    assert r.status_code == 303 and state(item) == "closed"
    assert Review.objects.get(stage="leader").follow_up == "circulate"
    r = act(client_for(d.alice), item, "archive", {"custodian": d.ursula.pk})
    assert r.status_code == 422 and "保管人须为本辖区督查室人员" in text(r)
    assert act(client_for(d.alice), item, "archive", {"custodian": d.carl.pk}).status_code == 303
    fresh = Item.objects.get(pk=item.pk)
    assert (fresh.state, fresh.custodian_id) == ("archived", d.carl.pk)
    assert "事项已归档" in text(client_for(d.alice).get(f"/items/{item.pk}/"))


def test_leader_resupervise_S1_5_6(district: District) -> None:
    d = district
    item = office_accepted(d)
    r = act(client_for(d.gina), item, "leader_resupervise", {"reasons": "群众仍有反映"})
    assert r.status_code == 303
    fresh = Item.objects.get(pk=item.pk)
    assert (fresh.state, fresh.resupervise_count) == ("in_progress", 1)


def test_unknown_action_is_404(district: District) -> None:
    d = district
    item = registered(d)
    assert act(client_for(d.olga), item, "explode").status_code == 404
    assert act(client_for(d.olga), item, "register").status_code == 404
    assert act(client_for(d.olga), item, "approve", target=1).status_code == 404
    assert client_for(d.olga).get(f"/items/{item.pk}/actions/approve/").status_code == 405
    assert state(item) == "pending_approval"


# --- attachments --------------------------------------------------------------------------------


def upload(name: str, content: bytes = b"%PDF-1.4 test") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_attach_and_download_with_safe_filename(district: District, tmp_path) -> None:  # type: ignore[no-untyped-def]
    d = district
    item = received(d)
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        r = act(client_for(d.ursula), item, "attach", {"file": upload("工作:方案|<?>.pdf"), "step_name": "方案"})
        assert r.status_code == 303
        attachment = Attachment.objects.get()
        assert attachment.original_name == "工作方案.pdf"
        r = client_for(d.alice).get(f"/items/{item.pk}/attachments/{attachment.pk}/")
        assert r.status_code == 200
        disposition = r["Content-Disposition"]
        assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
        assert "%E5%B7%A5%E4%BD%9C%E6%96%B9%E6%A1%88.pdf" in disposition and ".." not in disposition
        assert b"".join(r.streaming_content) == b"%PDF-1.4 test"


def test_attach_rejects_bad_type_and_oversize(district: District, tmp_path) -> None:  # type: ignore[no-untyped-def]
    d = district
    item = received(d)
    before = snapshot(item)
    with override_settings(MEDIA_ROOT=str(tmp_path), DUBAN_ATTACHMENT_MAX_BYTES=10):
        r = act(client_for(d.ursula), item, "attach", {"file": upload("run.exe")})
        assert r.status_code == 422 and "不支持的文件类型" in text(r)
        r = act(client_for(d.ursula), item, "attach", {"file": upload("big.pdf", b"x" * 11)})
        assert r.status_code == 422 and "大小限制" in text(r)
        r = act(client_for(d.ursula), item, "attach", {})
        assert r.status_code == 422 and "请选择要上传的文件。" in text(r)
    assert snapshot(item) == before and not Attachment.objects.exists()

