"""Who sees what on the pages: another unit's staff get 404 everywhere; confidential items stay hidden
from uncleared people in the list, the search and the Excel export (SPEC §1, S1-九(五))."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import load_workbook

from duban.items import services
from duban.items.models import Attachment, Item
from tests.factories import District

from .conftest import act, assigned, client_for, completion_reported, received, snapshot

pytestmark = pytest.mark.django_db


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def exported_titles(user) -> list[str]:  # type: ignore[no-untyped-def]
    r = client_for(user).get("/items/export.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    return [row[2] for row in ws.iter_rows(min_row=4, values_only=True)]


def test_other_units_staff_get_404_on_the_item_page_actions_and_attachments(district: District, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SPEC §1: a unit sees its own items and its sub-units' items, nothing else."""
    d = district
    item = completion_reported(d, title="发改局的事项")
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        attachment = services.do_attach(actor=d.ursula, item=item,
                                        upload=SimpleUploadedFile("报告.pdf", b"%PDF secret"))
        oscar = client_for(d.oscar)
        before = snapshot(item)
        r = oscar.get(f"/items/{item.pk}/")
        assert r.status_code == 404 and "发改局的事项" not in text(r)
        assert oscar.get(f"/items/{item.pk}/attachments/{attachment.pk}/").status_code == 404
        for action in ("office_accept", "office_return", "report_progress", "attach"):
            r = act(oscar, item, action, {"reasons": "x", "text": "x"})
            assert r.status_code == 404, action
            assert "发改局的事项" not in text(r)
        assert snapshot(item) == before
        # the attachment of another item cannot be fetched through a visible item either
        mine = received(d, title="另一事项")
        r = client_for(d.ursula).get(f"/items/{mine.pk}/attachments/{attachment.pk}/")
        assert r.status_code == 404
        assert client_for(d.ursula).get(f"/items/{item.pk}/attachments/{attachment.pk}/").status_code == 200
    assert Attachment.objects.count() == 1


def test_other_units_staff_do_not_find_the_item_in_list_search_todo_or_export(district: District) -> None:
    d = district
    assigned(d, title="发改局的事项")
    oscar = client_for(d.oscar)
    assert "发改局的事项" not in text(oscar.get("/items/"))
    assert "发改局的事项" not in text(oscar.get("/items/", {"q": "发改局"}))
    assert "发改局的事项" not in text(oscar.get("/"))
    assert exported_titles(d.oscar) == []
    # the sub-unit of the lead unit does not see its parent's item; the lead unit does
    assert "发改局的事项" not in text(client_for(d.sam).get("/items/"))
    assert "发改局的事项" in text(client_for(d.ursula).get("/items/"))
    assert exported_titles(d.ursula) == ["发改局的事项"]


def test_a_parent_unit_sees_its_sub_units_items(district: District) -> None:
    d = district
    item = services.do_register(actor=d.alice, title="价格认证事项", content="c", source="other", level="fairly")
    services.do_approve(actor=d.olga, item=item)
    services.do_assign(actor=d.alice, item=item, lead_unit=d.sub)
    assert client_for(d.ursula).get(f"/items/{item.pk}/").status_code == 200
    assert client_for(d.sam).get(f"/items/{item.pk}/").status_code == 200
    assert client_for(d.oscar).get(f"/items/{item.pk}/").status_code == 404


def test_units_do_not_see_items_before_hand_out(district: District) -> None:
    d = district
    item = services.do_register(actor=d.alice, title="未交办事项", content="c", source="other", level="fairly")
    assert client_for(d.ursula).get(f"/items/{item.pk}/").status_code == 404


def test_confidential_item_is_hidden_from_uncleared_people_everywhere_S1_9_5(district: District) -> None:
    """S1-九(五): list, keyword search, to-do, item page and Excel export all leave it out."""
    d = district
    secret = services.do_register(actor=d.carl, title="涉密专项事项", content="涉密内容", source="other",
                                  level="especially", confidential=True)
    services.do_register(actor=d.alice, title="普通事项", content="普通内容", source="other", level="fairly")

    alice = client_for(d.alice)  # office staff, not cleared
    assert "涉密专项事项" not in text(alice.get("/items/"))
    assert "涉密专项事项" not in text(alice.get("/items/", {"q": "涉密"}))
    assert "涉密专项事项" not in text(alice.get("/items/", {"q": secret.code}))
    assert alice.get(f"/items/{secret.pk}/").status_code == 404
    assert exported_titles(d.alice) == ["普通事项"]
    assert "涉密专项事项" not in text(client_for(d.olga).get("/"))  # the uncleared head has no to-do for it

    carl = client_for(d.carl)  # cleared office staff
    page = text(carl.get("/items/", {"q": "涉密"}))
    assert "涉密专项事项" in page and "tag-secret" in page
    assert sorted(exported_titles(d.carl)) == ["普通事项", "涉密专项事项"]
    assert carl.get(f"/items/{secret.pk}/").status_code == 200


def test_confidential_item_action_by_uncleared_office_is_404_and_changes_nothing(district: District) -> None:
    d = district
    d.olga.cleared_confidential = True
    d.olga.save()
    secret = services.do_register(actor=d.carl, title="涉密专项事项", content="c", source="other",
                                  level="fairly", confidential=True)
    services.do_approve(actor=d.olga, item=secret)
    secret = Item.objects.get(pk=secret.pk)
    before = snapshot(secret)
    r = act(client_for(d.alice), secret, "assign", {"lead_unit": d.lead.pk, "channel": "platform"})
    assert r.status_code == 404
    assert snapshot(secret) == before
    r = act(client_for(d.carl), secret, "assign", {"lead_unit": d.lead.pk, "channel": "platform"})
    assert r.status_code == 303
