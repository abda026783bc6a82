"""Reliability on PostgreSQL (issue #8 §5): concurrent writes to one item lose nothing; a sweep racing a
unit's answer; a sweep killed with SIGKILL mid-run is finished by the next run, nothing twice; the outbox
with a channel that is down (retries with backoff, nothing lost, nothing sent twice)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from duban.items import services
from duban.items.errors import StateConflict
from duban.items.models import Item, Report
from duban.ledger.chain import verify_chain
from duban.ledger.models import Event
from duban.notify import channels
from duban.notify.models import OutboxMessage, Subscription
from duban.notify.services import deliver_due, notify
from duban.urging import services as urging
from duban.urging.models import Ticket
from tests.factories import District, at
from tests.urging.test_sweep import handed_out, receive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _together(*jobs: Callable[[], Any]) -> list[BaseException]:
    """Run the jobs in threads released at the same moment; each closes its own connection."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


def _chain_ok() -> None:
    assert verify_chain(Event.objects.order_by("jurisdiction_id", "seq").iterator()) is None


def test_two_people_reporting_at_once_on_the_same_item_lose_nothing(district: District) -> None:
    from duban.core.lifecycle import Role
    from tests.factories import UserFactory

    second = UserFactory(username="lead2", jurisdiction=district.jurisdiction, unit=district.lead,
                         roles=[Role.UNIT_LIAISON], full_name="第二联络员")
    item = handed_out(district)
    receive(district, item)
    receive(district, item, "colin")
    for round_ in range(5):
        base = Item.objects.get(pk=item.pk).version
        errors = _together(
            lambda r=round_: services.do_report_progress(actor=district.ursula, item=item, text=f"牵头单位进展{r}",
                                                         now=at("2026-03-05", 10)),
            lambda r=round_: services.do_report_progress(actor=second, item=item, text=f"另一位联络员{r}",
                                                         now=at("2026-03-05", 10)),
        )
        assert errors == []
        assert Item.objects.get(pk=item.pk).version == base + 2  # both writes applied, serialised by the row lock
    texts = set(Report.objects.filter(item=item).values_list("text", flat=True))
    assert {f"牵头单位进展{r}" for r in range(5)} | {f"另一位联络员{r}" for r in range(5)} <= texts
    assert Event.objects.filter(item=item, kind="report_progress").count() == 10
    _chain_ok()


def test_two_people_with_the_same_version_one_wins_one_gets_409(district: District) -> None:
    item = handed_out(district)
    receive(district, item)
    version = Item.objects.get(pk=item.pk).version
    outcomes: list[str] = []

    def report(text: str) -> None:
        try:
            services.do_report_progress(actor=district.ursula, item=item, text=text, expected_version=version,
                                        now=at("2026-03-05", 10))
            outcomes.append("ok")
        except StateConflict:
            outcomes.append("409")

    assert _together(lambda: report("甲"), lambda: report("乙")) == []
    assert sorted(outcomes) == ["409", "ok"]
    assert Report.objects.filter(item=item, text__in=["甲", "乙"]).count() == 1  # the loser wrote nothing
    _chain_ok()


def test_a_sweep_running_while_a_unit_answers_loses_neither(district: District) -> None:
    items = [handed_out(district) for _ in range(8)]
    target = items[3]

    def unit_receives() -> None:
        receive(district, Item.objects.get(pk=target.pk), "ursula", "2026-03-04")

    errors = _together(lambda: urging.sweep(at("2026-03-04", 8), batch=2), unit_receives)
    assert errors == []
    fresh = Item.objects.get(pk=target.pk)
    assert fresh.assignments.get(unit=district.lead).state != "assigned"  # the receipt is kept
    assert Event.objects.filter(item=target, kind="receive").count() == 1
    # Every item got its late-receipt tickets exactly once (the co-unit still owes its receipt everywhere).
    for it in items:
        assert Ticket.objects.filter(item=it, unit=district.co).count() == 1
    assert Ticket.objects.count() == Event.objects.filter(kind="ticket_drafted").count()
    _chain_ok()


def _database_url() -> str:
    s = connection.settings_dict
    user = quote(s["USER"] or "")
    auth = user + (":" + quote(s["PASSWORD"]) if s["PASSWORD"] else "")
    host = s["HOST"] or ""
    if host.startswith("/"):
        return f"postgresql://{auth}@/{s['NAME']}?host={quote(host)}"
    return f"postgresql://{auth}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


SLOW_SWEEP = """
import time, datetime as dt, django
django.setup()
from duban.urging import services
slow = services._remind
def _remind(*a, **kw):
    slow(*a, **kw)
    time.sleep(0.15)
services._remind = _remind
services.sweep(dt.datetime.fromisoformat("{now}"), batch=5)
"""


def test_a_sweep_killed_mid_run_is_finished_by_the_next_run_nothing_twice(district: District) -> None:
    items = [handed_out(district) for _ in range(30)]
    now = at("2026-03-04", 8)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "duban.settings", "DUBAN_DATABASE_URL": _database_url()}
    proc = subprocess.Popen([sys.executable, "-c", SLOW_SWEEP.format(now=now.isoformat())], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while Ticket.objects.count() < 6 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the sweep finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    half = Ticket.objects.count()
    assert 0 < half < 2 * len(items)
    assert half % 2 == 0  # an item is evaluated in one transaction: both its tickets or neither
    urging.sweep(now)
    assert Ticket.objects.count() == 2 * len(items)
    assert Event.objects.filter(kind="ticket_drafted").count() == 2 * len(items)
    urging.sweep(now)  # and once more: nothing new
    assert Ticket.objects.count() == 2 * len(items)
    _chain_ok()


class FlakyChannel:
    """Down for the first ``down`` calls, then up; records every successful send."""

    def __init__(self, down: int) -> None:
        self.down = down
        self.lock = threading.Lock()
        self.sent: list[str] = []

    def send(self, address: str, title: str, body: str) -> None:
        with self.lock:
            if self.down > 0:
                self.down -= 1
                raise channels.DeliveryError("渠道不可用")
            self.sent.append(title)
        time.sleep(0.01)


def test_outbox_with_a_channel_that_is_down_loses_nothing_and_sends_nothing_twice(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky = FlakyChannel(down=15)
    monkeypatch.setitem(channels.CHANNELS, "wecom", flaky)
    Subscription.objects.create(jurisdiction=district.jurisdiction, user=district.ursula, channel="wecom",
                                address="http://127.0.0.1:9/robot")
    for k in range(10):
        notify([district.ursula], kind="ticket_issued", title=f"催办单{k}", dedupe_key=f"k{k}", now=at("2026-03-04"))
    assert OutboxMessage.objects.count() == 10
    moment = at("2026-03-04", 9)
    for _ in range(12):  # two workers at once, again and again, as the clock moves past each backoff
        assert _together(lambda m=moment: deliver_due(m), lambda m=moment: deliver_due(m)) == []
        if OutboxMessage.objects.exclude(state="sent").count() == 0:
            break
        moment = moment + (OutboxMessage.objects.exclude(state="sent").order_by("-next_attempt_at")
                           .first().next_attempt_at - moment)  # type: ignore[union-attr]
    assert sorted(flaky.sent) == sorted(f"催办单{k}" for k in range(10))  # each exactly once
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"sent"}
    retried = OutboxMessage.objects.filter(attempts__gt=1)
    assert retried.exists()  # the failures were retried, with backoff (next_attempt_at moved forward)
