"""Same permissions as the pages (SPEC §1): another unit gets 404 on every route of an item it cannot
see, confidential items exist only for cleared people (S1-九(五)), POSTs need the CSRF token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.api.items import route_table
from duban.core.lifecycle import Role
from duban.items.models import Attachment, ExtensionRequest, Item, Objection
from tests.api.conftest import RECEIPT, Api, api_received, days, has_chinese, register_body, snapshot
from tests.factories import District, UserFactory

pytestmark = pytest.mark.django_db

# A valid body for every item POST route: oscar must be refused for who he is, not for what he sent.
BODIES: dict[str, dict[str, Any]] = {
    "/{item_id}/approve": {},
    "/{item_id}/decline": {"reason": "理由"},
    "/{item_id}/resubmit": {"note": "说明"},
    "/{item_id}/assign": {"lead_unit": 0, "deadline": days(30)},  # lead_unit filled in below
    "/{item_id}/receive": RECEIPT,
    "/{item_id}/objections": {"text": "异议"},
    "/{item_id}/objections/{objection_id}/answer": {"accept": False, "answer": "维持"},
    "/{item_id}/reports/progress": {"text": "进展"},
    "/{item_id}/reports/unable": {"text": "无法配合"},
    "/{item_id}/extensions": {"requested_deadline": days(90), "reason": "理由"},
    "/{item_id}/extensions/{extension_id}/decide": {"approve": True},
    "/{item_id}/reports/completion": {"text": "完成"},
    "/{item_id}/office-accept": {},
    "/{item_id}/office-return": {"reasons": "理由"},
    "/{item_id}/leader-pass": {"follow_up": "none"},
    "/{item_id}/leader-resupervise": {"reasons": "理由"},
    "/{item_id}/archive": {},
}


def _busy_item(d: District) -> tuple[int, dict[str, int]]:
    """An item in progress with a pending objection, a pending extension request and an attachment."""
    item_id = api_received(d)
    ids = {"item_id": item_id}
    ursula = Api(d.ursula)
    ids["objection_id"] = ursula.post(f"/items/{item_id}/objections", {"text": "分工需调整"}).json()["created"][
        "objection"
    ]
    ids["extension_id"] = ursula.post(
        f"/items/{item_id}/extensions", {"requested_deadline": days(45), "reason": "工程量大"}
    ).json()["created"]["extension"]
    upload = SimpleUploadedFile("方案.txt", "工作方案".encode(), content_type="text/plain")
    ids["attachment_id"] = ursula.upload(f"/items/{item_id}/attachments", {"file": upload}).json()["created"][
        "attachment"
    ]
    return item_id, ids


def test_another_units_staff_gets_404_on_every_item_route(district: District) -> None:
    """SPEC §1: oscar (区教育局) cannot see an item of 发改局/财政局 — every GET and POST says 404 and
    nothing changes; the loop covers every route the router declares."""
    d = district
    item_id, ids = _busy_item(d)
    before = snapshot(item_id)
    counts = (Objection.objects.count(), ExtensionRequest.objects.count(), Attachment.objects.count())
    oscar = Api(d.oscar)
    seen: set[tuple[str, str]] = set()
    for method, template in route_table():
        if "{item_id}" not in template:
            continue
        url = "/items" + re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), template)
        if method == "GET":
            response = oscar.get(url)
        elif template == "/{item_id}/attachments":
            upload = SimpleUploadedFile("x.txt", b"x", content_type="text/plain")
            response = oscar.upload(url, {"file": upload})
        else:
            body = dict(BODIES[template])
            if "lead_unit" in body:
                body["lead_unit"] = d.other.pk
            response = oscar.post(url, body)
        assert response.status_code == 404, (method, template, response.content.decode())
        assert has_chinese(response.json()["detail"])
        seen.add((method, template))
    assert len(seen) == 22  # 4 GET + 18 POST item routes: a new route must be added to this test
    assert snapshot(item_id) == before
    assert (Objection.objects.count(), ExtensionRequest.objects.count(), Attachment.objects.count()) == counts

    # Control: the co-unit does see the item, and sam (a sub-unit of the lead unit) does not.
    assert Api(d.colin).get(f"/items/{item_id}").status_code == 200
    assert Api(d.sam).get(f"/items/{item_id}").status_code == 404


def test_a_unit_sees_the_items_of_its_sub_units(district: District) -> None:
    """SPEC §1: permissions follow the tree — the lead unit's staff see an item assigned to its sub-unit."""
    d = district
    item_id = api_received(d)
    sub_item = Api(d.alice).post("/items/", register_body(title="价格监测")).json()["item"]["id"]
    Api(d.olga).post(f"/items/{sub_item}/approve")
    body = {"lead_unit": d.sub.pk, "deadline": days(15)}
    assert Api(d.alice).post(f"/items/{sub_item}/assign", body).status_code == 200
    ursula_sees = [row["id"] for row in Api(d.ursula).get("/items/").json()["items"]]
    sam_sees = [row["id"] for row in Api(d.sam).get("/items/").json()["items"]]
    assert ursula_sees == [sub_item, item_id]
    assert sam_sees == [sub_item]
    assert Api(d.ursula).get(f"/items/{sub_item}").status_code == 200
    # ursula sees it but does not act for the sub-unit: receiving is the sub-unit's own action.
    assert Api(d.ursula).post(f"/items/{sub_item}/receive", RECEIPT).status_code == 403
    assert Api(d.sam).post(f"/items/{sub_item}/receive", RECEIPT).status_code == 200


def test_visible_but_not_permitted_is_403_and_changes_nothing(district: District) -> None:
    item_id = api_received(district)
    before = snapshot(item_id)
    response = Api(district.ursula).post(f"/items/{item_id}/office-return", {"reasons": "自己退回自己"})
    assert response.status_code == 403
    assert has_chinese(response.json()["detail"])
    response = Api(district.colin).post(f"/items/{item_id}/reports/completion", {"text": "配合单位不能报办结"})
    assert response.status_code == 403
    assert snapshot(item_id) == before


def test_units_do_not_see_items_before_hand_out(district: District) -> None:
    item_id = Api(district.alice).post("/items/", register_body()).json()["item"]["id"]
    ursula = Api(district.ursula)
    assert ursula.get(f"/items/{item_id}").status_code == 404
    assert item_id not in [row["id"] for row in ursula.get("/items/").json()["items"]]


def test_S1_9_5_confidential_item_exists_only_for_cleared_people(district: District) -> None:
    """S1-九(五): a confidential item assigned to oscar's own unit is still absent from his list and search
    and 404 on detail, as for uncleared office staff (alice); cleared carl sees it everywhere."""
    d = district
    head = UserFactory(username="hank", jurisdiction=d.jurisdiction, unit=d.office, roles=[Role.OFFICE_HEAD],
                       full_name="韩主任", cleared_confidential=True)
    carl = Api(d.carl)
    secret = carl.post("/items/", register_body(title="涉密专项整治", confidential=True)).json()["item"]["id"]
    assert Api(head).post(f"/items/{secret}/approve").status_code == 200
    assert carl.post(f"/items/{secret}/assign", {"lead_unit": d.other.pk, "deadline": days(20)}).status_code == 200
    # Control: an ordinary item of oscar's unit with the same words, which he does see.
    plain = carl.post("/items/", register_body(title="公开专项整治")).json()["item"]["id"]
    assert Api(head).post(f"/items/{plain}/approve").status_code == 200
    assert carl.post(f"/items/{plain}/assign", {"lead_unit": d.other.pk, "deadline": days(20)}).status_code == 200

    for user in (d.oscar, d.alice, d.olga):
        api = Api(user)
        listed = [row["id"] for row in api.get("/items/").json()["items"]]
        searched = [row["id"] for row in api.get("/items/", q="专项整治").json()["items"]]
        assert secret not in listed and secret not in searched, user.username
        assert plain in listed and plain in searched, user.username
        by_unit = [row["id"] for row in api.get("/items/", unit=d.other.pk).json()["items"]]
        assert secret not in by_unit and plain in by_unit, user.username
        assert api.get(f"/items/{secret}").status_code == 404
        assert api.get(f"/items/{secret}/timeline").status_code == 404
        assert api.get(f"/items/{secret}/actions").status_code == 404

    searched = [row["id"] for row in carl.get("/items/", q="专项整治").json()["items"]]
    assert searched == [plain, secret]
    assert carl.get(f"/items/{secret}").json()["confidential"] is True


def test_uncleared_staff_cannot_register_confidential_items(district: District) -> None:
    response = Api(district.alice).post("/items/", register_body(confidential=True))
    assert response.status_code == 403
    assert not Item.objects.exists()


def test_post_without_csrf_token_is_refused(district: District) -> None:
    """Session-authenticated POSTs need the CSRF token; with it the same request goes through."""
    item_id = Api(district.alice).post("/items/", register_body()).json()["item"]["id"]
    before = snapshot(item_id)
    olga = Api(district.olga, enforce_csrf_checks=True)
    response = olga.post(f"/items/{item_id}/approve", {})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"] and has_chinese(response.json()["detail"])
    assert snapshot(item_id) == before

    olga.client.get("/api/docs")  # any page that renders the token sets the csrftoken cookie
    token = olga.client.cookies["csrftoken"].value
    response = olga.client.post(
        f"/api/items/{item_id}/approve", data="{}", content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200, response.content.decode()


def test_anonymous_requests_get_401(district: District) -> None:
    anonymous = Api(None)
    for path in ("/items/", "/me", "/units"):
        response = anonymous.get(path)
        assert response.status_code == 401
        assert response.json()["detail"] == "请先登录。"
    assert anonymous.post("/items/", register_body()).status_code == 401
    assert not Item.objects.exists()
