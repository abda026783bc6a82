"""批量操作 on the whole filtered list ("选中全部筛选结果"), not only the page shown."""

from __future__ import annotations

import pytest

from duban.core.lifecycle import ItemState, Level
from duban.items import batch, batch_views, services
from duban.items.models import Item, Source
from duban.items.services import Registration
from tests.factories import District, at, client_for

pytestmark = pytest.mark.django_db


def _register(d: District, n: int, title: str) -> list[int]:
    rows = [Registration(title=f"{title}{k}", content="内容", source=Source.GOV_MEETING,
                         level=Level.FAIRLY_IMPORTANT) for k in range(n)]
    return batch.register_many(actor=d.alice, rows=rows, now=at("2026-11-02", 9)).done


def _post(client: object, url: str, data: dict[str, object]) -> tuple[int, str]:
    response = client.post(url, data, HTTP_HX_REQUEST="true")  # type: ignore[attr-defined]
    return response.status_code, response.content.decode()


def test_S0_9_head_approves_every_item_of_the_filtered_list_across_pages(district: District) -> None:
    d = district
    pending = _register(d, 55, "待审定")  # more than one page (50)
    other = services.do_register(actor=d.alice, title="另一来源", content="内容", source=Source.OTHER,
                                 level=Level.FAIRLY_IMPORTANT, now=at("2026-11-02", 9))
    head = client_for(d.olga)
    page = head.get("/items/?source=gov_meeting").content.decode()
    assert "选中全部筛选结果（共 55 项）" in page and 'name="filter" value="source=gov_meeting"' in page
    status, html = _post(head, "/items/batch/approve/check/", {"all_filtered": "1", "filter": "source=gov_meeting"})
    assert status == 200 and "将处理 55 项" in html
    token = html.split('name="selection" value="')[1].split('"')[0]
    assert not Item.objects.filter(state=ItemState.APPROVED).exists()  # the preview wrote nothing
    # an item registered after the preview matches the filter but was not previewed: not touched
    late = services.do_register(actor=d.alice, title="预览之后登记", content="内容", source=Source.GOV_MEETING,
                                level=Level.FAIRLY_IMPORTANT, now=at("2026-11-02", 10))
    status, html = _post(head, "/items/batch/approve/", {"selection": token, "opinion": "同意"})
    assert status == 200 and "已完成 55 项" in html
    assert set(Item.objects.filter(state=ItemState.APPROVED).values_list("pk", flat=True)) == set(pending)
    assert Item.objects.get(pk=other.pk).state == Item.objects.get(pk=late.pk).state == ItemState.PENDING_APPROVAL
    status, html = _post(head, "/items/batch/approve/", {"selection": token})
    assert status == 409 and "选择已过期" in html


def test_whole_list_selection_respects_visibility_and_the_size_limit(district: District,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    d = district
    _register(d, 12, "待审定")
    monkeypatch.setattr(batch_views, "MAX_SELECTION", 10)
    status, html = _post(client_for(d.olga), "/items/batch/approve/check/", {"all_filtered": "1", "filter": ""})
    assert status == 409 and "筛选结果超过 10 项" in html
    # a unit's liaison sees none of these items: its whole-list selection is empty, and it may not approve
    status, _ = _post(client_for(d.ursula), "/items/batch/approve/check/", {"all_filtered": "1", "filter": ""})
    assert status == 403
