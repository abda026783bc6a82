"""The in-app inbox and the transactional outbox for external channels (issue: urging engine §4).

A ``Notification`` is written in the same transaction as the action that causes it, together with one
``OutboxMessage`` per external channel the recipient has. A delivery worker sends outbox rows, claims
each by compare-and-set (``state=pending → sending``), and records success or the error with a retry
time — so a message is never lost (it is in the database before anything is sent) and never sent twice
(the unique constraint and the claim).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    kind = models.CharField(_("类型"), max_length=32)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    item = models.ForeignKey("items.Item", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notification_once"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]


class Subscription(models.Model):
    """An external channel a person receives notices on (email address, robot webhook, phone)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉群机器人")
        SMS = "sms", _("短信")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    address = models.CharField(_("地址"), max_length=300)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("通知渠道")
        verbose_name_plural = _("通知渠道")
        constraints = [
            models.UniqueConstraint(fields=["user", "channel", "address"], name="subscription_unique"),
        ]


class OutboxMessage(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        DEAD = "dead", _("发送失败")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="outbox")
    channel = models.CharField(max_length=16, choices=Subscription.Channel.choices)
    address = models.CharField(max_length=300)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel", "address"], name="outbox_once"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbox_due", condition=Q(state="pending")),
        ]
