"""``duban audit verify``: walk the hash-chained event ledger and report the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.ledger.chain import verify_chain
from duban.ledger.models import Event, LedgerHead


class Command(BaseCommand):
    help = "审计：校验事件台账哈希链，报告第一个断点。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="校验哈希链")

    def handle(self, *args: Any, **options: Any) -> None:
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
