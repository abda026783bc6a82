"""Refused actions change nothing: a wrong state is 409, bad input is 422 with a Chinese message."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.items.models import Assignment, Attachment, Item
from tests.api.conftest import (
    RECEIPT,
    Api,
    api_approved,
    api_received,
    days,
    has_chinese,
    register_body,
    snapshot,
)
from tests.factories import District

pytestmark = pytest.mark.django_db


def refused(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert has_chinese(body["detail"]), body
    return body


# --- 409: the state does not allow the action ----------------------------------------------------


@pytest.mark.parametrize(
    ("who", "route", "body"),
    [
        ("olga", "approve", {}),  # S0-9: approval happens once, before hand-out
        ("alice", "assign", {"lead_unit": None, "deadline": days(10)}),  # S1-五(二): already assigned
        ("alice", "office-accept", {}),  # S0-12: nothing reported yet
        ("alice", "archive", {}),  # S0-14: only a closed item is archived
        ("dave", "leader-pass", {}),  # S0-13: the office has not accepted it
    ],
)
def test_wrong_state_action_is_409_and_changes_nothing(
    district: District, who: str, route: str, body: dict[str, Any]
) -> None:
    item_id = api_received(district)
    if "lead_unit" in body:
        body["lead_unit"] = district.lead.pk
    before = snapshot(item_id)
    result = refused(Api(getattr(district, who)).post(f"/items/{item_id}/{route}", body), 409)
    assert "不能执行" in result["detail"]
    assert snapshot(item_id) == before
    assert snapshot(item_id)[0] == "in_progress"


def test_S0_10_receiving_twice_is_409(district: District) -> None:
    item_id = api_received(district)
    before = snapshot(item_id)
    result = refused(Api(district.ursula).post(f"/items/{item_id}/receive", RECEIPT), 409)
    assert result["detail"] == "本单位已签收该事项。"
    assert snapshot(item_id) == before


def test_stale_expected_version_is_409_and_the_current_one_works(district: District) -> None:
    item_id = api_approved(district)
    version = Item.objects.get(pk=item_id).version
    alice = Api(district.alice)
    before = snapshot(item_id)
    body = {"lead_unit": district.lead.pk, "deadline": days(30), "expected_version": version - 1}
    result = refused(alice.post(f"/items/{item_id}/assign", body), 409)
    assert "已被他人修改" in result["detail"]
    assert snapshot(item_id) == before
    assert not Assignment.objects.exists()
    response = alice.post(f"/items/{item_id}/assign", {**body, "expected_version": version})
    assert response.status_code == 200
    assert response.json()["item"]["version"] == version + 1


def test_stale_expected_version_on_upload_is_409(district: District) -> None:
    item_id = api_received(district)
    before = snapshot(item_id)
    upload = SimpleUploadedFile("a.txt", b"abc", content_type="text/plain")
    response = Api(district.ursula).upload(
        f"/items/{item_id}/attachments", {"file": upload, "expected_version": before[1] - 1}
    )
    refused(response, 409)
    assert snapshot(item_id) == before and not Attachment.objects.exists()


# --- 422: bad input -------------------------------------------------------------------------------


def test_register_with_missing_fields_is_422_naming_them(district: District) -> None:
    result = refused(Api(district.alice).post("/items/", {"title": "只有名称"}), 422)
    assert set(result["field_errors"]) == {"content", "source", "level"}
    assert "办理内容（content）为必填项" in result["detail"]
    assert not Item.objects.exists()


def test_register_with_blank_title_uses_the_services_message(district: District) -> None:
    result = refused(Api(district.alice).post("/items/", register_body(title="   ")), 422)
    assert result["field_errors"] == {"title": "请填写事项名称。"}
    assert not Item.objects.exists()


def test_register_with_invalid_level_and_bad_date_is_422(district: District) -> None:
    result = refused(Api(district.alice).post("/items/", register_body(level="urgent", deadline="明天")), 422)
    assert set(result["field_errors"]) == {"level", "deadline"}
    assert "督查等级（level）取值无效" in result["detail"]
    assert not Item.objects.exists()


def test_register_with_unknown_supervising_leader_is_422(district: District) -> None:
    result = refused(Api(district.alice).post("/items/", register_body(supervising_leader=999_999)), 422)
    assert "主管领导（supervising_leader）不存在" in result["detail"]
    assert list(result["field_errors"]) == ["supervising_leader"]
    assert not Item.objects.exists()


@pytest.mark.parametrize("deadline_days", [0, -3])
def test_S1_5_2_deadline_not_after_assignment_is_422(district: District, deadline_days: int) -> None:
    """S1-五(二): the deadline of an assignment must fall after the day it is handed out."""
    item_id = api_approved(district)
    before = snapshot(item_id)
    body = {"lead_unit": district.lead.pk, "deadline": days(deadline_days)}
    result = refused(Api(district.alice).post(f"/items/{item_id}/assign", body), 422)
    assert result["field_errors"] == {"deadline": "办结时限必须晚于交办日期。"}
    assert snapshot(item_id) == before
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "label"),
    [
        ({"lead_unit": 999_999}, "lead_unit", "牵头单位"),
        ({"co_units": [{"unit": 999_999, "part": "配合"}]}, "co_units[0].unit", "配合单位"),
    ],
)
def test_assign_to_unknown_unit_is_422_naming_the_field(
    district: District, body: dict[str, Any], field: str, label: str
) -> None:
    item_id = api_approved(district)
    before = snapshot(item_id)
    payload = {"lead_unit": district.lead.pk, "deadline": days(30), **body}
    result = refused(Api(district.alice).post(f"/items/{item_id}/assign", payload), 422)
    assert f"{label}（{field}）不存在：999999" in result["detail"]
    assert list(result["field_errors"]) == [field]
    assert snapshot(item_id) == before
    assert not Assignment.objects.exists()


def test_assign_to_a_unit_of_another_jurisdiction_is_unknown(district: District) -> None:
    from tests.factories import UnitFactory

    foreign = UnitFactory(name="外区单位")
    item_id = api_approved(district)
    before = snapshot(item_id)
    result = refused(
        Api(district.alice).post(f"/items/{item_id}/assign", {"lead_unit": foreign.pk, "deadline": days(30)}), 422
    )
    assert "牵头单位（lead_unit）不存在" in result["detail"]
    assert snapshot(item_id) == before


def test_assign_with_malformed_fields_is_422_with_readable_paths(district: District) -> None:
    item_id = api_approved(district)
    before = snapshot(item_id)
    payload = {"lead_unit": "发改局", "co_units": [{"part": "无单位"}], "deadline_working_days": 0}
    result = refused(Api(district.alice).post(f"/items/{item_id}/assign", payload), 422)
    assert result["field_errors"] == {
        "lead_unit": "须为整数", "co_units[0].unit": "为必填项", "deadline_working_days": "不能小于 1",
    }
    assert snapshot(item_id) == before


def test_receive_without_responsible_person_is_422_citing_S0_10(district: District) -> None:
    """S0-10: on receipt the unit must name its responsible leader, section and person."""
    item_id = api_received(district)
    before = snapshot(item_id)
    result = refused(Api(district.colin).post(f"/items/{item_id}/receive", {**RECEIPT, "responsible_person": " "}), 422)
    assert result["field_errors"] == {"responsible_person": "请填写具体责任人（S0-10）。"}
    assert snapshot(item_id) == before


def test_S1_5_5_return_without_reasons_is_422(district: District) -> None:
    """S1-五(五): a return needs written reasons."""
    item_id = api_received(district)
    Api(district.ursula).post(f"/items/{item_id}/reports/completion", {"text": "完成"})
    before = snapshot(item_id)
    result = refused(Api(district.alice).post(f"/items/{item_id}/office-return", {"reasons": ""}), 422)
    assert result["field_errors"] == {"reasons": "退回时须书面说明理由。"}
    refused(Api(district.alice).post(f"/items/{item_id}/office-return", {}), 422)
    assert snapshot(item_id) == before == ("completion_reported", before[1], before[2])


def test_archive_with_unknown_custodian_is_422(district: District) -> None:
    item_id = api_received(district)
    Api(district.ursula).post(f"/items/{item_id}/reports/completion", {"text": "完成"})
    Api(district.alice).post(f"/items/{item_id}/office-accept")
    assert Api(district.dave).post(f"/items/{item_id}/leader-pass").status_code == 200
    before = snapshot(item_id)
    result = refused(Api(district.alice).post(f"/items/{item_id}/archive", {"custodian": 999_999}), 422)
    assert "保管人（custodian）不存在" in result["detail"]
    result = refused(Api(district.alice).post(f"/items/{item_id}/archive", {"custodian": district.ursula.pk}), 422)
    assert result["field_errors"] == {"custodian": "保管人无效"}
    assert snapshot(item_id) == before


def test_oversize_attachment_is_422_and_stores_nothing(district: District, settings: Any) -> None:
    settings.DUBAN_ATTACHMENT_MAX_BYTES = 10
    item_id = api_received(district)
    before = snapshot(item_id)
    upload = SimpleUploadedFile("报告.pdf", b"x" * 11, content_type="application/pdf")
    result = refused(Api(district.ursula).upload(f"/items/{item_id}/attachments", {"file": upload}), 422)
    assert "大小限制" in result["detail"]
    assert result["field_errors"] == {"file": "文件过大"}
    assert snapshot(item_id) == before and not Attachment.objects.exists()
    # Control: at the limit it is accepted.
    upload = SimpleUploadedFile("报告.pdf", b"x" * 10, content_type="application/pdf")
    assert Api(district.ursula).upload(f"/items/{item_id}/attachments", {"file": upload}).status_code == 201


@pytest.mark.parametrize("name", ["setup.exe", "script.js", "无扩展名"])
def test_forbidden_file_type_is_422_and_stores_nothing(district: District, name: str) -> None:
    item_id = api_received(district)
    before = snapshot(item_id)
    upload = SimpleUploadedFile(name, b"MZ\x90\x00", content_type="application/octet-stream")
    result = refused(Api(district.ursula).upload(f"/items/{item_id}/attachments", {"file": upload}), 422)
    assert result["detail"].startswith("不支持的文件类型")
    assert snapshot(item_id) == before and not Attachment.objects.exists()


def test_upload_without_a_file_is_422(district: District) -> None:
    item_id = api_received(district)
    result = refused(Api(district.ursula).upload(f"/items/{item_id}/attachments", {"step": "receive"}), 422)
    assert result["field_errors"] == {"file": "为必填项"}
    assert not Attachment.objects.exists()


def test_malformed_json_is_400_with_a_chinese_message(district: District) -> None:
    item_id = api_approved(district)
    before = snapshot(item_id)
    response = Api(district.alice).client.post(
        f"/api/items/{item_id}/assign", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "请求体不是有效的 JSON。"
    assert snapshot(item_id) == before


def test_objection_or_extension_of_another_item_is_404(district: District) -> None:
    first = api_received(district)
    second = api_received(district)
    objection = Api(district.ursula).post(f"/items/{first}/objections", {"text": "异议"}).json()["created"]["objection"]
    before = snapshot(second)
    response = Api(district.alice).post(
        f"/items/{second}/objections/{objection}/answer", {"accept": False, "answer": "维持"}
    )
    refused(response, 404)
    refused(Api(district.alice).post(f"/items/{second}/extensions/999/decide", {"approve": True}), 404)
    refused(Api(district.alice).get(f"/items/{second}/attachments/999"), 404)
    assert snapshot(second) == before
