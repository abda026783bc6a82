"""An item goes late in a real browser: the blue ticket waits for the office head's signature, the unit
sees and acknowledges it, and with no answer a yellow draft appears two working days later (S0-11, S0-15)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from duban.core.lifecycle import Level
from duban.items import services
from duban.items.models import Source
from duban.urging import services as urging
from duban.urging.models import Ticket
from tests.factories import PASSWORD, at, make_district

pytestmark = [pytest.mark.browser]


def login(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


@pytest.mark.django_db(transaction=True)
def test_S0_15_blue_signed_acknowledged_then_yellow_draft(page: Page, live_server: object) -> None:
    base = str(live_server)
    d = make_district()
    item = services.do_register(actor=d.alice, title="推进背街小巷整治", content="完成 20 条背街小巷整治",
                                source=Source.GOV_MEETING, level=Level.FAIRLY_IMPORTANT, supervising_leader=d.dave,
                                now=at("2026-03-02", 9))
    services.do_approve(actor=d.olga, item=item, now=at("2026-03-02", 10))
    services.do_assign(actor=d.alice, item=item, lead_unit=d.lead, now=at("2026-03-02", 11))
    # 4 March: one working day after the receipt window closed.
    urging.sweep(at("2026-03-04", 8))
    blue = Ticket.objects.get(item=item, unit=d.lead)

    login(page, base, "olga")
    page.goto(base + "/urging/tickets/")
    expect(page.get_by_text("待我签发（S0-11）")).to_be_visible()
    page.goto(f"{base}/urging/tickets/{blue.pk}/")
    expect(page.locator("h1")).to_have_text("蓝色催办单")
    page.click("button[name=sign]")
    expect(page.locator(".doc-number")).to_have_text("督催〔2026〕1号")

    login(page, base, "ursula")
    page.goto(base + "/urging/tickets/")
    expect(page.get_by_text("待本单位签收、反馈")).to_be_visible()
    page.goto(f"{base}/urging/tickets/{blue.pk}/")
    page.click("button[name=acknowledge]")
    expect(page.get_by_text("已签收催办单。")).to_be_visible()

    # No answer: the ticket was issued in the page just now; date it to 4 March for the clock of the sweep.
    Ticket.objects.filter(pk=blue.pk).update(issued_at=at("2026-03-04", 9))
    urging.sweep(at("2026-03-06", 8))  # two working days: still inside the window
    assert not Ticket.objects.filter(item=item, colour="yellow").exists()
    urging.sweep(at("2026-03-09", 8))
    yellow = Ticket.objects.get(item=item, colour="yellow")

    login(page, base, "dave")
    page.goto(base + "/urging/tickets/")
    expect(page.get_by_text("待我签发（S0-11）")).to_be_visible()
    page.goto(f"{base}/urging/tickets/{yellow.pk}/")
    expect(page.locator("h1")).to_have_text("黄色催办单")
    expect(page.get_by_text("区绩考办").or_(page.get_by_text("绩考办"))).to_be_visible()
    page.screenshot(path="/tmp/duban-ticket.png", full_page=True)
