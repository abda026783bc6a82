"""The hash-chained audit log (issue #8 §2, 等级保护 2.0 安全审计): coverage, tamper evidence, retention."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from duban.accounts import audit
from duban.accounts.models import AuditAnchor, AuditKind, AuditRecord
from duban.core.lifecycle import Level, Role
from duban.items import services as items
from duban.items.models import Item, Source
from tests.factories import District, UserFactory

pytestmark = pytest.mark.django_db


def _fill(n: int, at: dt.datetime) -> None:
    for k in range(n):
        audit.record(AuditKind.LOGIN, f"记录{k}", at=at + dt.timedelta(minutes=k))


def test_audit_verify_names_the_first_broken_link_of_the_audit_chain() -> None:
    _fill(5, timezone.now())
    out = StringIO()
    call_command("duban_audit", "verify", stdout=out)
    assert "审计日志哈希链完整" in out.getvalue() and "哈希链完整" in out.getvalue()
    third = AuditRecord.objects.order_by("seq")[2]
    AuditRecord.objects.filter(pk=third.pk).update(summary="被改过")
    with pytest.raises(CommandError, match=f"审计日志哈希链断裂：序号 {third.seq}"):
        call_command("duban_audit", "verify")


def test_a_deleted_record_in_the_middle_or_at_the_end_is_detected() -> None:
    _fill(4, timezone.now())
    rows = list(AuditRecord.objects.order_by("seq"))
    AuditRecord.objects.filter(pk=rows[1].pk)._raw_delete(AuditRecord.objects.db)
    broken = audit.verify()
    assert broken is not None and broken.seq == rows[1].seq and "缺少" in broken.problem
    AuditRecord.objects.filter(pk__in=[r.pk for r in rows[2:]])._raw_delete(AuditRecord.objects.db)
    broken = audit.verify()
    assert broken is not None and "链尾" in broken.problem


def test_records_refuse_update_and_delete() -> None:
    r = audit.record(AuditKind.LOGIN, "x")
    with pytest.raises(RuntimeError):
        r.save()
    with pytest.raises(RuntimeError):
        r.delete()


def test_retention_purge_refuses_records_younger_than_six_months() -> None:
    now = timezone.now()
    _fill(3, now - dt.timedelta(days=30))
    with pytest.raises(audit.RetentionError, match="至少保存 183 天"):
        audit.purge(before=now - dt.timedelta(days=100), now=now)
    assert AuditRecord.objects.count() == 3
    with pytest.raises(CommandError, match="六个月"):
        call_command("duban_audit", "purge", "--before", (now - dt.timedelta(days=10)).date().isoformat())
    assert AuditRecord.objects.count() == 3


def test_purge_of_old_records_keeps_the_chain_verifiable_through_the_anchor() -> None:
    now = timezone.now()
    _fill(4, now - dt.timedelta(days=400))
    _fill(3, now - dt.timedelta(days=10))
    cut = now - dt.timedelta(days=200)
    assert audit.purge(before=cut, now=now) == 4
    anchor = AuditAnchor.objects.get()
    assert anchor.seq == 4 and anchor.count == 4
    assert not AuditRecord.objects.filter(at__lt=cut).exists()
    assert AuditRecord.objects.filter(kind=AuditKind.PURGE).exists()
    assert audit.verify() is None
    call_command("duban_audit", "verify", stdout=StringIO())
    # Tampering after a purge is still found.
    first_left = AuditRecord.objects.order_by("seq").first()
    assert first_left is not None
    AuditRecord.objects.filter(pk=first_left.pk).update(prev_hash="f" * 64)
    broken = audit.verify()
    assert broken is not None and broken.seq == first_left.seq


def test_purge_never_removes_a_young_record_with_an_earlier_sequence_number() -> None:
    now = timezone.now()
    _fill(2, now - dt.timedelta(days=400))
    _fill(1, now - dt.timedelta(days=5))
    _fill(2, now - dt.timedelta(days=300))  # appended later with older timestamps (a replay, a clock fix)
    assert audit.purge(before=now - dt.timedelta(days=200), now=now) == 2
    assert AuditRecord.objects.filter(at__gte=now - dt.timedelta(days=6)).count() >= 1
    assert audit.verify() is None


# --- what is recorded ------------------------------------------------------------------------------


def test_permission_changes_are_recorded_with_the_actor(district: District) -> None:
    from duban.accounts import services

    before = AuditRecord.objects.count()
    sysadmin = UserFactory(username="xitong", jurisdiction=district.alice.jurisdiction, roles=[Role.SYSADMIN])
    services.grant_role(actor=sysadmin, user=district.oscar, role=Role.INSPECTOR)
    services.revoke_role(actor=sysadmin, user=district.oscar, role=Role.INSPECTOR)
    mine = AuditRecord.objects.filter(seq__gt=before, actor_id=sysadmin.pk).order_by("seq")
    kinds = list(mine.values_list("kind", flat=True))
    assert kinds == [AuditKind.ROLE_GRANTED, AuditKind.ROLE_REVOKED]


def test_user_flag_changes_are_recorded(district: District) -> None:
    oscar = district.oscar
    oscar.cleared_confidential = True
    oscar.save()
    r = AuditRecord.objects.filter(kind=AuditKind.USER_FLAGS, subject_id=oscar.pk).get()
    assert r.data == {"cleared_confidential": {"before": False, "after": True}}
    oscar.phone = "123"
    oscar.save()  # not a permission flag: nothing recorded
    assert AuditRecord.objects.filter(kind=AuditKind.USER_FLAGS, subject_id=oscar.pk).count() == 1


def _item(d: District, **kw: Any) -> Item:
    return items.do_register(actor=d.carl, title="涉密事项", content="内容", source=Source.OTHER,
                             level=Level.GENERALLY_IMPORTANT, **kw)


def test_every_read_of_a_confidential_item_is_recorded_pages_and_api(district: District, as_user: Any) -> None:
    secret = _item(district, confidential=True)
    plain = _item(district)
    carl = as_user(district.carl)
    assert carl.get(f"/items/{secret.pk}/").status_code == 200
    assert carl.get(f"/api/items/{secret.pk}").status_code == 200
    assert carl.get(f"/items/{plain.pk}/").status_code == 200
    reads = AuditRecord.objects.filter(kind=AuditKind.CONFIDENTIAL_READ).order_by("seq")
    assert list(reads.values_list("item_id", "actor_id")) == [(secret.pk, district.carl.pk)] * 2
    # Someone uncleared gets 404 and no read is recorded.
    assert as_user(district.alice).get(f"/items/{secret.pk}/").status_code == 404
    assert reads.count() == 2


def test_exports_are_recorded_with_the_filters(district: District, as_user: Any) -> None:
    _item(district)
    response = as_user(district.alice).get("/items/export.xlsx", {"q": "涉密"})
    assert response.status_code == 200
    r = AuditRecord.objects.get(kind=AuditKind.EXPORT)
    assert r.actor_id == district.alice.pk and r.data["filters"] == {"q": "涉密"}


def test_logins_logouts_and_failures_are_in_the_chain(district: District) -> None:
    from tests.factories import PASSWORD

    c = Client()
    c.post("/login/", {"username": "alice", "password": "bad"})
    c.post("/login/", {"username": "alice", "password": PASSWORD})
    c.post("/logout/")
    kinds = list(AuditRecord.objects.filter(subject_id=district.alice.pk).order_by("seq")
                 .values_list("kind", flat=True))
    assert kinds[-3:] == [AuditKind.LOGIN_FAILED, AuditKind.LOGIN, AuditKind.LOGOUT]
    assert audit.verify() is None
