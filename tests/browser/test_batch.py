"""批量操作 in a real browser: the office head ticks items on the list, sees which will be refused and
why, confirms, and the valid ones are approved (S0-9; items/batch.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from duban.core.lifecycle import ItemState, Level
from duban.items import services
from duban.items.models import Item, Source
from duban.ledger.chain import verify_chain
from duban.ledger.models import Event
from tests.factories import PASSWORD, make_district

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_office_head_batch_approves_from_the_list_and_sees_the_refusal(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    d = make_district()

    def register(title: str) -> Item:
        return services.do_register(actor=d.alice, title=title, content="内容", source=Source.GOV_MEETING,
                                    level=Level.FAIRLY_IMPORTANT)

    first, second, done = register("批量甲"), register("批量乙"), register("早已审定")
    services.do_approve(actor=d.olga, item=done)
    base = live_server.url
    page.goto(base + "/login/")
    page.fill("#id_username", "olga")
    page.fill("#id_password", PASSWORD)
    page.click("form.login-card button[type=submit]")
    page.wait_for_url(base + "/")
    page.goto(base + "/items/")
    for item in (first, second, done):
        page.check(f'input[name="items"][value="{item.pk}"]')
    expect(page.locator("#batch-count")).to_have_text("3")
    page.click('button[data-batch="approve"]')
    expect(page.locator("#batch-summary")).to_contain_text("将处理 2 项")
    refused = page.locator("#batch-refused")
    expect(refused).to_contain_text(done.code)
    expect(refused).to_contain_text("早已审定")
    assert Item.objects.filter(state=ItemState.APPROVED).count() == 1  # the check wrote nothing
    page.screenshot(path="/tmp/duban-batch.png", full_page=True)
    page.fill("#b-opinion", "同意")
    page.click("#batch-confirm")
    expect(page.locator("#batch-done")).to_contain_text("已完成 2 项")
    assert set(Item.objects.filter(state=ItemState.APPROVED).values_list("pk", flat=True)) == {
        first.pk, second.pk, done.pk}
    assert Event.objects.filter(kind="approve", reason="同意").count() == 2
    assert verify_chain(Event.objects.order_by("jurisdiction_id", "seq")) is None
    page.click("#batch-back")
    expect(page.locator("#item-table")).to_contain_text("批量甲")
