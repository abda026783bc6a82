"""``duban worker``: run the sweep and the outbox delivery in a loop until SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from duban.notify.services import deliver_due
from duban.urging.services import sweep

log = logging.getLogger("duban.worker")


class Command(BaseCommand):
    help = "后台工作进程：循环执行督办扫描和消息投递。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=60.0, help="两次扫描之间的秒数（默认 60）")
        parser.add_argument("--once", action="store_true", help="只运行一轮")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = {"requested": False}

        def request_stop(signum: int, frame: object) -> None:
            stop["requested"] = True
            log.info("收到停止信号，本轮结束后退出")

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        while not stop["requested"]:
            started = time.monotonic()
            close_old_connections()
            now = timezone.now()
            try:
                result = sweep(now)
                sent, failed = deliver_due(now)
                self.stdout.write(
                    f"[{timezone.localtime(now):%Y-%m-%d %H:%M:%S}] 扫描 {result.examined} 件，"
                    f"拟制催办单 {len(result.drafted)} 份，"
                    f"投递 {sent} 条，失败 {failed} 条，用时 {time.monotonic() - started:.2f}s"
                )
            except Exception:  # keep the loop alive; the next round retries
                log.exception("本轮扫描失败，将在下一轮重试")
            if options["once"]:
                break
            deadline = time.monotonic() + options["interval"]
            while not stop["requested"] and time.monotonic() < deadline:
                time.sleep(0.5)
