"""The inbox and the transactional outbox: never lost, never sent twice, retried when a channel is down."""

from __future__ import annotations

import datetime as dt

import pytest

from duban.notify import channels
from duban.notify.models import Notification, OutboxMessage, Subscription
from duban.notify.services import deliver_due, notify, unread_count
from tests.factories import District, at

pytestmark = pytest.mark.django_db


class FakeChannel:
    def __init__(self, fail_times: int = 0) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail_times = fail_times

    def send(self, address: str, title: str, body: str) -> None:
        if self.fail_times > 0:
            self.fail_times -= 1
            raise channels.DeliveryError("连接超时")
        self.sent.append((address, title))


@pytest.fixture
def robot(monkeypatch: pytest.MonkeyPatch) -> FakeChannel:
    fake = FakeChannel()
    monkeypatch.setitem(channels.CHANNELS, "wecom", fake)
    monkeypatch.setattr("duban.notify.services.CHANNELS", channels.CHANNELS)
    return fake


def subscribe(d: District) -> None:
    Subscription.objects.create(jurisdiction=d.jurisdiction, user=d.ursula, channel="wecom",
                                address="http://127.0.0.1:9/robot")


def test_inbox_notice_is_written_once_per_key(district: District) -> None:
    notify([district.ursula], kind="ticket_issued", title="蓝色催办单", dedupe_key="k1", now=at("2026-03-04"))
    notify([district.ursula, district.ursula], kind="ticket_issued", title="蓝色催办单", dedupe_key="k1",
           now=at("2026-03-04"))
    assert Notification.objects.count() == 1 and unread_count(district.ursula) == 1


def test_outbox_delivers_once(district: District, robot: FakeChannel) -> None:
    subscribe(district)
    notify([district.ursula], kind="ticket_issued", title="蓝色催办单", dedupe_key="k1", now=at("2026-03-04"))
    assert deliver_due(at("2026-03-04", 10)) == (1, 0)
    assert deliver_due(at("2026-03-04", 11)) == (0, 0)
    assert robot.sent == [("http://127.0.0.1:9/robot", "蓝色催办单")]


def test_outbox_survives_a_channel_that_is_down(district: District, robot: FakeChannel) -> None:
    subscribe(district)
    robot.fail_times = 2
    notify([district.ursula], kind="ticket_issued", title="黄色催办单", dedupe_key="k2", now=at("2026-03-04"))
    assert deliver_due(at("2026-03-04", 10)) == (0, 1)
    message = OutboxMessage.objects.get()
    assert message.state == "pending" and "连接超时" in message.last_error
    assert deliver_due(at("2026-03-04", 10, 1)) == (0, 0)  # backing off
    assert deliver_due(at("2026-03-04", 10, 3)) == (0, 1)
    assert deliver_due(at("2026-03-04", 12)) == (1, 0)
    assert robot.sent and OutboxMessage.objects.get().state == "sent"


def test_a_worker_killed_mid_send_is_retried_later(district: District, robot: FakeChannel) -> None:
    subscribe(district)
    notify([district.ursula], kind="x", title="t", dedupe_key="k3", now=at("2026-03-04"))
    OutboxMessage.objects.update(state="sending", claimed_at=at("2026-03-04", 10))
    assert deliver_due(at("2026-03-04", 10, 5)) == (0, 0)
    assert deliver_due(at("2026-03-04", 10) + dt.timedelta(minutes=11)) == (1, 0)
