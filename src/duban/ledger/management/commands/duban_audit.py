"""``duban audit verify`` walks both hash chains — the event ledger and the audit log — and reports the
first broken link; ``duban audit purge --before YYYY-MM-DD`` deletes audit records past the retention
period (six months at least; younger ones are refused) and keeps an anchor so the chain still verifies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.accounts import audit
from duban.accounts.models import AuditRecord
from duban.ledger.chain import verify_chain
from duban.ledger.models import Event, LedgerHead


class Command(BaseCommand):
    help = "审计：校验事件台账与审计日志两条哈希链，报告第一个断点；按保存期限清理过期审计记录。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="校验两条哈希链")
        purge = sub.add_parser("purge", help="清理保存期限（至少六个月）之前的审计记录")
        purge.add_argument("--before", required=True, help="清理此日期（YYYY-MM-DD，本地时间零点）之前的记录")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "purge":
            self.purge(options["before"])
            return
        events = Event.objects.order_by("jurisdiction_id", "seq").iterator(chunk_size=5000)
        broken = verify_chain(events)
        if broken is not None:
            raise CommandError(f"哈希链断裂：辖区 {broken.jurisdiction_id}，序号 {broken.seq}：{broken.problem}")
        for head in LedgerHead.objects.all():
            last = Event.objects.filter(jurisdiction_id=head.jurisdiction_id).order_by("-seq").first()
            if (last.seq if last else 0) != head.seq or (last.hash if last else "") != head.last_hash:
                raise CommandError(
                    f"哈希链断裂：辖区 {head.jurisdiction_id} 的链尾与记录不符（链头序号 {head.seq}），"
                    "可能有事件被删除。"
                )
        self.stdout.write(f"哈希链完整：共 {Event.objects.count()} 条事件，{LedgerHead.objects.count()} 个辖区。")
        audit_break = audit.verify()
        if audit_break is not None:
            raise CommandError(f"审计日志哈希链断裂：序号 {audit_break.seq}：{audit_break.problem}")
        self.stdout.write(f"审计日志哈希链完整：共 {AuditRecord.objects.count()} 条审计记录。")

    def purge(self, before_text: str) -> None:
        try:
            day = dt.date.fromisoformat(before_text)
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{before_text!r}") from None
        before = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        try:
            count = audit.purge(before=before, now=timezone.now())
        except audit.RetentionError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已清理 {count} 条 {day} 之前的审计记录；审计链锚点已保存，链仍可校验。")
