"""``duban sweep [--now T]``: draft the urging tickets that are due, once. Idempotent.

Run it from cron or a systemd timer (see docs/OPERATIONS.md); several at once are safe.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.grid.services import sweep as grid_sweep
from duban.inspections.sweep import sweep_inspections
from duban.notify.services import deliver_due
from duban.org.models import Jurisdiction
from duban.scoring.services import sync as scoring_sync
from duban.urging.services import sweep


def parse_moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now 应为 ISO 时间，如 2026-11-24T08:00（收到 {value!r}）") from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = "督办扫描：对逾期事项拟制催办单、列入重点督办，并投递待发消息（可重复运行，不会重复出单）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="模拟当前时间（ISO 格式），默认为系统时间")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
        parser.add_argument("--no-deliver", action="store_true", help="不投递外部渠道消息")

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_moment(options["now"]) if options["now"] else timezone.now()
        result = sweep(now)
        grid_sweep(now)  # residents' issues: 当日清 and tier deadlines (S2a-二(五))
        sweep_inspections(now)  # late inspection / 三单 reports, S3a-5(二) cases (duban.inspections.sweep)
        for jurisdiction_id in Jurisdiction.objects.values_list("pk", flat=True):
            scoring_sync(jurisdiction_id, now=now)  # new events → score entries (incremental, idempotent)
        sent = failed = 0
        if not options["no_deliver"]:
            sent, failed = deliver_due(now)
        summary = {
            "now": now.isoformat(),
            "examined": result.examined,
            "tickets_drafted": len(result.drafted),
            "key_supervision": len(result.key_supervision),
            "skipped_locked": result.skipped,
            "messages_sent": sent,
            "messages_failed": failed,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(
                f"{timezone.localtime(now):%Y-%m-%d %H:%M} 扫描事项 {result.examined} 件，"
                f"拟制催办单 {len(result.drafted)} 份，"
                f"新列入重点督办 {len(result.key_supervision)} 件，投递消息 {sent} 条（失败 {failed} 条）。"
            )
