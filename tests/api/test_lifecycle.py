"""One item from registration to archive through the JSON API only (SPEC §2; S0-9..14, S1-五)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.items import services
from tests.api.conftest import RECEIPT, Api, api_received, days, register_body
from tests.factories import District

pytestmark = pytest.mark.django_db


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    return response.json()


def actions(api: Api, item_id: int) -> list[str]:
    return [a["action"] for a in ok(api.get(f"/items/{item_id}/actions"))]


def test_full_lifecycle_through_the_api(district: District) -> None:
    """S0-9 register/approve, S1-五(一) decline/resubmit, S1-五(二) assign, S0-10 receipt and a same-day
    objection, S0-8 progress, S1-五(三) extension, S0-12 completion and review, S1-五(五) one return with
    reasons, S0-13 leader pass, S0-14 archive with an attachment and a custodian."""
    d = district
    alice, olga, dave, ursula, colin = Api(d.alice), Api(d.olga), Api(d.dave), Api(d.ursula), Api(d.colin)

    # S0-9: the office registers; it waits for the office head.
    created = ok(alice.post("/items/", register_body(supervising_leader=d.dave.pk, level="especially")), 201)
    item_id = created["item"]["id"]
    assert created["item"]["state"] == "pending_approval"
    assert created["item"]["code"].startswith("督〔")
    assert "approve" in actions(olga, item_id) and "approve" not in actions(alice, item_id)

    # S1-五(一): the head sends it back with a reason; the office revises and resubmits.
    assert ok(olga.post(f"/items/{item_id}/decline", {"reason": "请明确完成标准"}))["item"]["state"] == "declined"
    body = ok(alice.post(f"/items/{item_id}/resubmit", {"content": "完成 12 个小区改造并验收", "note": "已明确"}))
    assert body["item"]["state"] == "pending_approval"
    assert ok(olga.post(f"/items/{item_id}/approve", {"opinion": "同意"}))["item"]["state"] == "approved"

    # S1-五(二): one lead unit, one co-unit, each with its part.
    body = ok(alice.post(f"/items/{item_id}/assign", {
        "lead_unit": d.lead.pk, "lead_part": "牵头推进", "co_units": [{"unit": d.co.pk, "part": "资金保障"}],
        "deadline": days(30), "channel": "written", "requirements": "每周报送进展",
    }))
    assert body["item"]["state"] == "assigned"
    assert body["item"]["deadline"] == days(30)
    assert "receive" in actions(ursula, item_id) and "receive" in actions(colin, item_id)

    # S0-10: the lead unit receives, naming its responsible people, with a milestone → in progress.
    body = ok(ursula.post(f"/items/{item_id}/receive", {
        **RECEIPT, "responsible_phone": "0000-1234567", "work_plan": "分三批推进",
        "milestones": [{"title": "完成第一批", "due_on": days(10)}],
    }))
    assert body["item"]["state"] == "in_progress" and "assignment" in body["created"]
    ok(colin.post(f"/items/{item_id}/receive", {**RECEIPT, "responsible_person": "赵科员"}))

    # S0-10: the co-unit objects on the day of receipt (not late); the office answers and adjusts.
    objection_id = ok(colin.post(f"/items/{item_id}/objections", {"text": "资金分工需调整"}))["created"]["objection"]
    office_actions = ok(alice.get(f"/items/{item_id}/actions"))
    answer = next(a for a in office_actions if a["action"] == "answer_objection")
    assert answer["target_id"] == objection_id
    assert answer["path"] == f"/api/items/{item_id}/objections/{objection_id}/answer"
    body = ok(alice.post(f"/items/{item_id}/objections/{objection_id}/answer", {
        "accept": True, "answer": "同意调整时限", "new_deadline": days(40),
    }))
    assert body["item"]["deadline"] == days(40)

    # S0-8: progress; S1-五(三): extension requested by the lead unit and approved by the office.
    ok(ursula.post(f"/items/{item_id}/reports/progress", {"text": "第一批已开工"}))
    ext_id = ok(ursula.post(f"/items/{item_id}/extensions", {
        "requested_deadline": days(50), "reason": "雨季影响施工",
    }))["created"]["extension"]
    assert "request_extension" not in actions(ursula, item_id)  # one pending request at a time
    body = ok(alice.post(f"/items/{item_id}/extensions/{ext_id}/decide", {"approve": True, "note": "同意"}))
    assert body["item"]["deadline"] == days(50)

    # Attachments on any step (S0-14 completeness), downloadable by whoever sees the item.
    upload = SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4 demo", content_type="application/pdf")
    body = ok(ursula.upload(f"/items/{item_id}/attachments", {"file": upload, "step": "report_completion"}), 201)
    attachment_id = body["created"]["attachment"]

    # S0-12: completion report; S1-五(五): the office returns it with written reasons (counted).
    assert ok(ursula.post(f"/items/{item_id}/reports/completion", {"text": "已全部完成"}))["item"]["state"] == (
        "completion_reported"
    )
    body = ok(alice.post(f"/items/{item_id}/office-return", {"reasons": "缺少验收材料"}))
    assert (body["item"]["state"], body["item"]["return_count"]) == ("in_progress", 1)
    ok(ursula.post(f"/items/{item_id}/reports/completion", {"text": "已补充验收材料"}))
    assert ok(alice.post(f"/items/{item_id}/office-accept", {"opinion": "材料齐全"}))["item"]["state"] == (
        "office_accepted"
    )

    # S0-13: the supervising leader passes it and reports it up.
    assert "leader_pass" in actions(dave, item_id)
    body = ok(dave.post(f"/items/{item_id}/leader-pass", {"opinion": "同意办结", "follow_up": "report_up"}))
    assert body["item"]["state"] == "closed"

    # S0-14: archive with a named custodian.
    body = ok(alice.post(f"/items/{item_id}/archive", {"custodian": d.carl.pk}))
    assert body["item"]["state"] == "archived"
    assert actions(alice, item_id) == []

    detail = ok(alice.get(f"/items/{item_id}"))
    assert detail["custodian"] == {"id": d.carl.pk, "name": "蔡督查"}
    assert detail["return_count"] == 1
    assert detail["content"] == "完成 12 个小区改造并验收"
    parts = sorted((a["role"], a["unit"]["id"], a["state"]) for a in detail["assignments"])
    assert parts == [("co", d.co.pk, "received"), ("lead", d.lead.pk, "received")]
    lead = next(a for a in detail["assignments"] if a["role"] == "lead")
    assert lead["responsible_person"] == "李科长" and lead["milestones"][0]["title"] == "完成第一批"
    assert [(o["late"], o["outcome"]) for o in detail["objections"]] == [(False, "accepted")]
    assert [r["kind"] for r in detail["reports"]] == ["progress", "completion", "completion"]
    assert [(r["stage"], r["outcome"]) for r in detail["reviews"]] == [
        ("office", "return"), ("office", "accept"), ("leader", "pass"),
    ]
    assert [e["state"] for e in detail["extension_requests"]] == ["approved"]
    assert detail["attachments"][0]["original_name"] == "验收报告.pdf"

    download = alice.client.get(detail["attachments"][0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 demo"
    assert detail["attachments"][0]["url"].endswith(f"/{attachment_id}")

    events = ok(alice.get(f"/items/{item_id}/timeline"))
    assert [e["kind"] for e in events] == [
        "register", "decline", "resubmit", "approve", "assign", "receive", "receive", "object",
        "answer_objection", "report_progress", "request_extension", "decide_extension", "attach",
        "report_completion", "office_return", "report_completion", "office_accept", "leader_pass", "archive",
    ]
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)
    by_kind = {e["kind"]: e for e in events}
    assert by_kind["object"]["rule_id"] == "S0-10"
    assert by_kind["office_return"]["rule_id"] == "S1-五(五)"
    assert by_kind["office_return"]["reason"] == "缺少验收材料"
    assert by_kind["office_return"]["after"] == {"state": "in_progress", "return_count": 1}
    assert by_kind["archive"]["actor_name"] == "艾督查"
    assert by_kind["assign"]["unit"] == {"id": d.lead.pk, "name": "区发展和改革局"}
    assert by_kind["approve"]["label"] == "审定"


def test_S0_A4_2_objection_filed_after_the_day_of_receipt_is_recorded_late(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S0-10 / S0-A四.2: an objection must come on the day of receipt; a later one is accepted but late."""
    item_id = api_received(district)
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    monkeypatch.setattr(services, "_now", lambda now: now or tomorrow)
    body = Api(district.ursula).post(f"/items/{item_id}/objections", {"text": "时限过紧"}).json()
    assert "objection" in body["created"]
    detail = Api(district.alice).get(f"/items/{item_id}").json()
    assert [o["late"] for o in detail["objections"]] == [True]
    event = Api(district.alice).get(f"/items/{item_id}/timeline").json()[-1]
    assert (event["kind"], event["rule_id"]) == ("object", "S0-A四.2")


def test_S1_5_6_leader_resupervise_and_co_unit_unable_and_rejected_extension(district: District) -> None:
    """S1-五(三): a co-unit reports it cannot help; an extension is refused with a note.
    S1-五(六): the leader sends an accepted item back for renewed supervision."""
    d = district
    item_id = api_received(d)
    colin, ursula, alice = Api(d.colin), Api(d.ursula), Api(d.alice)
    ok(colin.post(f"/items/{item_id}/receive", RECEIPT))
    assert "report_unable" in actions(colin, item_id)
    assert "report_completion" not in actions(colin, item_id)  # only the lead unit reports for all
    ok(colin.post(f"/items/{item_id}/reports/unable", {"text": "无相关资金渠道"}))
    assert "report_unable" not in actions(colin, item_id)

    ext_id = ok(ursula.post(f"/items/{item_id}/extensions", {
        "requested_deadline": days(60), "reason": "工程量增加",
    }))["created"]["extension"]
    refused = alice.post(f"/items/{item_id}/extensions/{ext_id}/decide", {"approve": False})
    assert refused.status_code == 422  # a refusal needs a written note
    body = ok(alice.post(f"/items/{item_id}/extensions/{ext_id}/decide", {"approve": False, "note": "不同意"}))
    assert body["item"]["deadline"] == days(30)

    ok(ursula.post(f"/items/{item_id}/reports/completion", {"text": "完成"}))
    ok(alice.post(f"/items/{item_id}/office-accept"))
    body = ok(Api(d.dave).post(f"/items/{item_id}/leader-resupervise", {"reasons": "群众仍有反映"}))
    assert body["item"]["state"] == "in_progress"
    detail = ok(alice.get(f"/items/{item_id}"))
    assert detail["resupervise_count"] == 1
    co = next(a for a in detail["assignments"] if a["role"] == "co")
    assert co["state"] == "unable"
    events = ok(alice.get(f"/items/{item_id}/timeline"))
    assert events[-1]["rule_id"] == "S1-五(六)" and events[-1]["reason"] == "群众仍有反映"


@pytest.mark.parametrize(("body", "minimum_days"), [({}, 7), ({"deadline_working_days": 15}, 15)])
def test_S1_9_4_deadline_in_working_days_when_no_date_is_given(
    district: District, body: dict[str, Any], minimum_days: int
) -> None:
    """S1-九(四): without a date the deadline is counted in working days (7 by default) from hand-out."""
    d = district
    item_id = ok(Api(d.alice).post("/items/", register_body()), 201)["item"]["id"]
    ok(Api(d.olga).post(f"/items/{item_id}/approve"))
    result = ok(Api(d.alice).post(f"/items/{item_id}/assign", {"lead_unit": d.lead.pk, **body}))
    deadline = dt.date.fromisoformat(result["item"]["deadline"])
    # N working days span at least N calendar days and, with weekends and holidays, fewer than 2N + 10.
    assert dt.date.fromisoformat(days(minimum_days)) <= deadline < dt.date.fromisoformat(days(2 * minimum_days + 10))
    detail = ok(Api(d.alice).get(f"/items/{item_id}"))
    assert detail["deadline_working_days"] == minimum_days
