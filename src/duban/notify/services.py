"""Writing notifications (in the caller's transaction) and delivering the outbox."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F

from duban.org.models import User

from .channels import CHANNELS, DeliveryError
from .models import Notification, OutboxMessage, Subscription

log = logging.getLogger("duban.notify")

MAX_ATTEMPTS = 8


def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    item_id: int | None = None,
    dedupe_key: str,
    now: dt.datetime,
) -> list[Notification]:
    """Put a notice in each recipient's inbox and queue it on their external channels, once."""
    created = []
    for user in {u.pk: u for u in recipients}.values():
        if user.jurisdiction_id is None:
            continue
        try:
            with transaction.atomic():
                notice = Notification.objects.create(
                    jurisdiction_id=user.jurisdiction_id, recipient=user, kind=kind, title=title[:200],
                    body=body, url=url, item_id=item_id, dedupe_key=dedupe_key[:120], created_at=now,
                )
        except IntegrityError:
            continue  # already notified for this key: never twice
        for sub in Subscription.objects.filter(user=user, active=True):
            OutboxMessage.objects.create(
                jurisdiction_id=user.jurisdiction_id, notification=notice, channel=sub.channel,
                address=sub.address, next_attempt_at=now,
            )
        created.append(notice)
    return created


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def _claim(message_id: int, now: dt.datetime) -> bool:
    """Compare-and-set: only one worker moves a row from pending to sending."""
    return (
        OutboxMessage.objects.filter(pk=message_id, state=OutboxMessage.State.PENDING)
        .update(state=OutboxMessage.State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        == 1
    )


def deliver_due(now: dt.datetime, *, limit: int = 100) -> tuple[int, int]:
    """Send due outbox messages. Returns (sent, failed). A failure is retried with backoff."""
    sent = failed = 0
    # A worker killed mid-send leaves rows in "sending": give them back after 10 minutes.
    OutboxMessage.objects.filter(
        state=OutboxMessage.State.SENDING, claimed_at__lt=now - dt.timedelta(minutes=10)
    ).update(state=OutboxMessage.State.PENDING)
    due_ids = list(
        OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in due_ids:
        if not _claim(message_id, now):
            continue  # another worker got there first
        message = OutboxMessage.objects.select_related("notification").get(pk=message_id)
        channel = CHANNELS.get(message.channel)
        try:
            if channel is None:
                raise DeliveryError(f"未知渠道 {message.channel}")
            channel.send(message.address, message.notification.title, message.notification.body)
        except DeliveryError as exc:
            failed += 1
            dead = message.attempts >= MAX_ATTEMPTS
            OutboxMessage.objects.filter(pk=message.pk).update(
                state=OutboxMessage.State.DEAD if dead else OutboxMessage.State.PENDING,
                last_error=str(exc)[:2000],
                next_attempt_at=now + dt.timedelta(minutes=2 ** min(message.attempts, 10)),
            )
            log.warning("outbox %s via %s failed (attempt %s): %s", message.pk, message.channel,
                        message.attempts, exc)
        else:
            sent += 1
            OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxMessage.State.SENT, sent_at=now)
    return sent, failed
