"""Tamper-evident history and backups (issue: security §2, §3; SPEC §8)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duban.core.lifecycle import Level
from duban.items import services
from duban.items.models import Item, Source
from duban.ledger.models import Event
from tests.factories import District, at


def register(d: District, title: str) -> Item:
    return services.do_register(actor=d.alice, title=title, content="内容", source=Source.OTHER,
                                level=Level.GENERALLY_IMPORTANT, now=at("2026-03-02"))


@pytest.mark.django_db
def test_SPEC_8_audit_verify_names_the_first_broken_link(district: District) -> None:
    for k in range(3):
        register(district, f"事项{k}")
    out = StringIO()
    call_command("duban_audit", "verify", stdout=out)
    assert "哈希链完整" in out.getvalue()
    second = Event.objects.order_by("seq")[1]
    Event.objects.filter(pk=second.pk).update(summary="改过的摘要")
    with pytest.raises(CommandError, match=f"序号 {second.seq}"):
        call_command("duban_audit", "verify")


@pytest.mark.django_db
def test_deleting_the_last_event_is_detected(district: District) -> None:
    register(district, "事项")
    register(district, "事项2")
    last = Event.objects.order_by("-seq").first()
    assert last is not None
    Event.objects.filter(pk=last.pk)._raw_delete(Event.objects.db)  # bypass the model's refusal
    with pytest.raises(CommandError, match="链尾"):
        call_command("duban_audit", "verify")


@pytest.mark.django_db(transaction=True)
def test_backup_change_restore_gives_back_the_same_data_and_chain(district: District, tmp_path: Path) -> None:
    register(district, "备份前")
    before = list(Event.objects.order_by("seq").values_list("seq", "hash"))
    path = tmp_path / "duban.backup"
    call_command("duban_backup", str(path), stdout=StringIO())
    assert path.stat().st_size > 0
    register(district, "备份后的修改")
    assert Item.objects.count() == 2
    out = StringIO()
    call_command("duban_restore", str(path), "--yes", stdout=out)
    assert list(Item.objects.values_list("title", flat=True)) == ["备份前"]
    assert list(Event.objects.order_by("seq").values_list("seq", "hash")) == before
    assert "哈希链完整" in out.getvalue()


@pytest.mark.django_db
def test_restore_refuses_without_confirmation(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--yes"):
        call_command("duban_restore", str(tmp_path / "x.backup"))
