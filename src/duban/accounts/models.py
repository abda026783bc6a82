"""Account security (等级保护 2.0 level 3, issue #8): password history, lockout, TOTP, the audit log.

The audit log is its own hash-chained table (``AuditRecord``), separate from the business ledger: it
records who signed in, failed, changed a permission, exported a list or read a confidential item.
Records are never updated; they are deleted only by ``duban audit purge`` after the retention period,
which first stores the last purged record's hash in ``AuditAnchor`` so the chain stays verifiable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountSecurity(models.Model):
    """Per-person security state; created on demand (people without a row have the defaults)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security", verbose_name=_("人员")
    )
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    failed_logins = models.PositiveIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    totp_secret = models.CharField(_("动态口令密钥"), max_length=64, blank=True)
    totp_enabled = models.BooleanField(_("已启用动态口令"), default=False)
    totp_last_step = models.BigIntegerField(_("最近使用的口令时间片"), default=0)

    class Meta:
        verbose_name = _("账号安全状态")
        verbose_name_plural = _("账号安全状态")

    def __str__(self) -> str:
        return str(self.user)


class PasswordHistory(models.Model):
    """The hashes of a person's previous passwords (no reuse of the last five)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history",
        verbose_name=_("人员"),
    )
    password = models.CharField(_("密码哈希"), max_length=128)
    set_at = models.DateTimeField(_("设置时间"))

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["-set_at", "-pk"]


class RecoveryCode(models.Model):
    """One-time recovery codes for the second factor; only their hashes are stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes", verbose_name=_("人员")
    )
    code_hash = models.CharField(_("恢复码哈希"), max_length=128)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")


class AuditKind(models.TextChoices):
    LOGIN = "login", _("登录成功")
    LOGOUT = "logout", _("退出登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKED = "locked", _("账号锁定")
    UNLOCKED = "unlocked", _("解除锁定")
    SESSION_EXPIRED = "session_expired", _("会话超时")
    SECOND_FACTOR_FAILED = "otp_failed", _("动态口令错误")
    PASSWORD_CHANGED = "password_changed", _("修改密码")
    TOTP_ENABLED = "totp_enabled", _("启用动态口令")
    TOTP_DISABLED = "totp_disabled", _("停用动态口令")
    ROLE_GRANTED = "role_granted", _("授予角色")
    ROLE_REVOKED = "role_revoked", _("撤销角色")
    ROLE_REFUSED = "role_refused", _("拒绝授权")
    USER_FLAGS = "user_flags", _("修改人员权限标志")
    EXPORT = "export", _("导出数据")
    CONFIDENTIAL_READ = "confidential_read", _("查阅涉密事项")
    PURGE = "purge", _("清理过期审计记录")
    RATE_LIMITED = "rate_limited", _("请求过于频繁")


LOGIN_KINDS = (
    AuditKind.LOGIN, AuditKind.LOGOUT, AuditKind.LOGIN_FAILED, AuditKind.LOCKED,
    AuditKind.SESSION_EXPIRED, AuditKind.SECOND_FACTOR_FAILED,
)


class AuditRecord(models.Model):
    """One audit record; ``hash = sha256(prev_hash ‖ canonical JSON)`` over one system-wide chain."""

    seq = models.BigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    kind = models.CharField(_("类型"), max_length=32, choices=AuditKind.choices, db_index=True)
    # Plain ids, not foreign keys: deleting a person must never delete or alter the audit trail.
    actor_id = models.BigIntegerField(_("操作人编号"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    subject_id = models.BigIntegerField(_("对象人员编号"), null=True, blank=True, db_index=True)
    subject_name = models.CharField(_("对象人员"), max_length=150, blank=True)
    item_id = models.BigIntegerField(_("事项编号"), null=True, blank=True)
    summary = models.CharField(_("摘要"), max_length=300)
    ip = models.CharField(_("来源地址"), max_length=64, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=200, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(_("前序哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["subject_id", "-seq"], name="audit_subject_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_kind_display()} {self.summary}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("审计记录不可修改。")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("审计记录不可删除（过期记录由 duban audit purge 按保存期限清理）。")


class AuditHead(models.Model):
    """The chain's tail (one row): locked by every append so the chain has no forks."""

    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")


class AuditAnchor(models.Model):
    """Where the chain starts after a purge: the last purged record's sequence number and hash."""

    seq = models.BigIntegerField(_("已清理至序号"))
    hash = models.CharField(_("该记录哈希"), max_length=64)
    purged_before = models.DateTimeField(_("清理截止时间"))
    purged_at = models.DateTimeField(_("清理时间"))
    count = models.PositiveIntegerField(_("清理条数"))

    class Meta:
        verbose_name = _("审计链锚点")
        verbose_name_plural = _("审计链锚点")
        ordering = ["-seq"]


class RateCounter(models.Model):
    """A fixed-window request counter shared by every server process (rate limits, issue #8 §4)."""

    key = models.CharField(max_length=200)
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_unique")]
