"""``duban scoring sync`` (derive score entries from new ledger events), ``duban scoring show PERIOD``
(print the ranking) and ``duban scoring publish PERIOD --as USER`` (publish and fire the triggers)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.org.models import Jurisdiction, User
from duban.scoring import selectors, services
from duban.scoring.errors import ServiceError


class Command(BaseCommand):
    help = "考核评分：同步评分台账（sync）、显示排名（show）、发布结果（publish）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sync = sub.add_parser("sync", help="从业务事件台账派生评分台账条目（增量、幂等）")
        sync.add_argument("--jurisdiction", help="辖区代码（默认全部）")
        show = sub.add_parser("show", help="显示一期的排名")
        show.add_argument("period", help="考核期：2026、2026Q1、2026-2027")
        show.add_argument("--jurisdiction", required=True, help="辖区代码")
        publish = sub.add_parser("publish", help="发布一期的考核结果并触发后果（S3b-17、S3b-19）")
        publish.add_argument("period")
        publish.add_argument("--as", dest="username", required=True, help="发布人（督查室或绩考办）用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "sync":
            qs = Jurisdiction.objects.all()
            if options.get("jurisdiction"):
                qs = qs.filter(code=options["jurisdiction"])
            for j in qs:
                report = services.sync(j.pk)
                unmapped = "，".join(f"{k}×{n}" for k, n in report.unmapped.most_common(5))
                self.stdout.write(f"{j.name}：读取 {report.events} 个事件，新增 {report.created} 条评分台账条目"
                                  + (f"（未映射：{unmapped}）" if unmapped else ""))
            return
        if action == "show":
            j = Jurisdiction.objects.filter(code=options["jurisdiction"]).first()
            if j is None:
                raise CommandError("没有该辖区。")
            services.sync(j.pk)
            try:
                comp = selectors.compute(j.pk, options["period"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{j.name} {comp.period.label}（{comp.policy.title}）")
            for s in comp.result.scores:
                self.stdout.write(f"{s.category:<10} {s.rank or '-':>3}/{s.ranked:<3} {s.total:>8g}  "
                                  f"+{s.bonus:g} −{s.deductions:g}  {s.grade_label}  {comp.names.get(s.unit, s.unit)}")
            for t in comp.triggers:
                self.stdout.write(f"触发 {t.trigger_id}：{comp.names.get(t.unit, t.unit)} {t.explanation}")
            return
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("没有该用户。")
        try:
            published = services.publish(actor=user, code=options["period"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已发布 {published.period}（{published.policy}）：{len(published.data['units'])} 个单位，"
                          f"{len(published.data['triggers'])} 项触发")
