"""The demo's 三查三单 and accountability, built through the services on the demo's simulated clock.

- 一网三库: full-time, part-time and invited pools (one full-time inspector from 城管局 and one linked to
  住建局 are recused from the patrol below);
- a patrol (巡查) of 住建局 and 城管局 with a team drawn from the pools (seed recorded), three findings:
  one through the three lists to a closed rectification, one whose rectification report came late (urged,
  key supervision, an S3a-5(二) case now waiting for the implementing unit's proposal), one still
  awaiting the unit's measures;
- an inspection (督查) of 发改局 drawn and approved, waiting for an invited member's consent.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from duban.accountability import services as acc
from duban.accountability.models import Case

from . import services as s
from .models import Entry, TeamMember
from .sweep import sweep_inspections

SEED = 20261102


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def build(demo: Any) -> None:
    from duban.demo.builder import TODAY

    units, people = demo.units, demo.people
    name = _Names(demo)
    office, leader = people["ducha1"], people["fuquzhang2"]
    d = dt.date(2026, 10, 12)
    full_time = [("DCJD", "东城街道专职督查员"), ("XCJD", "西城街道专职督查员"), ("SJJ", "审计局专职督查员"),
                 ("TJJ", "统计局专职督查员"), ("JYJ", "教育局专职督查员"), ("CGJ", "城管局专职督查员")]
    s.do_add_inspector(actor=office, pool="full_time", name=people["ducha3"].display_name, unit=units["DCS"],
                       user=people["ducha3"], title="督查员", now=_at(d))
    for code, title in full_time:
        if code in units:
            s.do_add_inspector(actor=office, pool="full_time", name=name(), unit=units[code], title=title,
                               now=_at(d))
    linked = s.do_add_inspector(actor=office, pool="full_time", name=name(), unit=units["FGJ"],
                                title="发改局专职督查员", linked_units=[units["ZJJ"]], now=_at(d))
    s.do_change_inspector(actor=office, inspector=linked, reason="配偶在区住建局任职，登记为关联单位（回避）",
                          changes={"specialty": "项目管理"}, now=_at(d, 15))
    for code in ("SPJ", "MZJ", "WJJ"):
        s.do_add_inspector(actor=office, pool="part_time", name=name(), unit=units[code], title="兼职督查员",
                           now=_at(d))
    for title in ("区人大代表", "区政协委员", "退休干部（原区住建局副局长）"):
        s.do_add_inspector(actor=office, pool="invited", name=name(), title=title, now=_at(d))
    s.do_add_inspector(actor=office, pool="companion", name=name(), title="专职司机", now=_at(d))

    # The patrol: plan → request → deputy head → draw → plan approved → consent → briefing → findings.
    zjj, cgj = units["ZJJ"], units["CGJ"]
    patrol = s.do_create_inspection(
        actor=office, kind="patrol", title="老旧小区改造和背街小巷整治专项巡查",
        content="巡查老旧小区改造、背街小巷整治的进度、质量和群众满意度。", targets=[zjj, cgj],
        methods=["听取汇报", "查看资料", "现场查看", "抽查暗访"], leader=leader, starts_on=dt.date(2026, 11, 2),
        ends_on=dt.date(2026, 11, 4), now=_at(dt.date(2026, 10, 26)))
    req = s.do_request_team(actor=office, inspection=patrol, wanted={"full_time": 2, "part_time": 1, "invited": 1,
                                                                     "companion": 1},
                            reason="专项巡查需从一网三库抽调督查人员", approver=leader,
                            now=_at(dt.date(2026, 10, 26), 14))
    s.do_decide_team_request(actor=leader, request=req, approve=True, now=_at(dt.date(2026, 10, 27)))
    members = s.do_draw_team(actor=office, request=req, seed=SEED, now=_at(dt.date(2026, 10, 27), 15))
    s.do_submit_plan(actor=office, inspection=patrol, now=_at(dt.date(2026, 10, 28)))
    s.do_decide_plan(actor=leader, inspection=patrol, approve=True, now=_at(dt.date(2026, 10, 28), 16))
    for m in members:
        if m.consent == TeamMember.Consent.PENDING:
            s.do_record_consent(actor=office, member=m, given=True, note="电话征得本人及所在单位同意",
                                now=_at(dt.date(2026, 10, 29)))
    s.do_brief(actor=office, inspection=patrol, note="召开巡查部署会，讲解巡查要点和纪律要求",
               now=_at(dt.date(2026, 10, 30)))
    first = s.do_record_finding(actor=office, inspection=patrol, unit=zjj, kind="general",
                                description="幸福小区改造雨污分流工程滞后，3 栋楼未完工",
                                suggestion="倒排工期，增派施工力量",
                                location="幸福小区", now=_at(dt.date(2026, 11, 2), 15))
    second = s.do_record_finding(actor=office, inspection=patrol, unit=cgj, kind="general",
                                 description="建民路背街小巷占道经营反弹，整治不彻底", suggestion="建立常态化巡查机制",
                                 typical=True, location="建民路", now=_at(dt.date(2026, 11, 3), 11))
    third = s.do_record_finding(actor=office, inspection=patrol, unit=units.get("CGJ-HW", cgj),
                                kind="lazy_governance", description="环卫服务中心对群众投诉垃圾清运不及时推诿扯皮",
                                suggestion="立即整改并反馈", now=_at(dt.date(2026, 11, 4), 10))
    s.do_end(actor=office, inspection=patrol, now=_at(dt.date(2026, 11, 4), 17))
    s.do_submit_report(actor=office, inspection=patrol, now=_at(dt.date(2026, 11, 6)),
                       text="本次巡查共发现问题 3 个，其中不落实典型事项 1 个，详见问题清单。")
    s.do_review_report(actor=office, inspection=patrol, accept=True, now=_at(dt.date(2026, 11, 9)))
    s.do_issue_notice(actor=office, inspection=patrol, unit=zjj, praise=False,
                      text="老旧小区改造进度滞后，予以批评通报，限期整改。", now=_at(dt.date(2026, 11, 9), 15))

    # 1: measures → responsibility → report → on-site verification → closed.
    zjj_liaison, cgj_liaison = people["zjj"], people["cgj"]
    e1 = s.do_answer(actor=zjj_liaison, entry=first, measures="增派 2 支施工队伍，11 月 11 日前完工",
                     now=_at(dt.date(2026, 11, 5)))
    e1 = s.do_assign_responsibility(actor=office, entry=e1, lead_unit=zjj, co_units=[units["CZJ"]],
                                    person=zjj_liaison, now=_at(dt.date(2026, 11, 6)))
    e1 = s.do_report_rectification(actor=zjj_liaison, entry=e1, text="3 栋楼雨污分流已全部完工并通水",
                                   now=_at(dt.date(2026, 11, 12)))
    s.do_verify(actor=office, entry=e1, close=True, note="实地核验，已完工，群众满意", on_site=True,
                now=_at(dt.date(2026, 11, 13)))
    # 2: responsibility named, the report never came → urged, key supervision, an S3a-5(二) case.
    e2 = s.do_answer(actor=cgj_liaison, entry=second, measures="每日巡查，设置便民疏导点",
                     now=_at(dt.date(2026, 11, 5)))
    s.do_assign_responsibility(actor=office, entry=e2, lead_unit=cgj, co_units=[units["XCJD"]], person=cgj_liaison,
                               now=_at(dt.date(2026, 11, 6)))
    day = dt.date(2026, 11, 5)
    while day <= TODAY:
        if day.weekday() < 5:
            sweep_inspections(_at(day, 8))
        day += dt.timedelta(days=1)
    case = Case.objects.filter(source_entry=Entry.objects.get(pk=second.pk)).first()
    if case is not None:
        case = acc.do_case_action(actor=office, case=case, action="hand_over", now=_at(TODAY - dt.timedelta(days=4)),
                                  text="建议对区城市管理局书面检查，对具体责任人通报批评", competent_unit=zjj,
                                  implementing_unit=cgj)
        acc.do_case_action(actor=people["zjj"], case=case, action="skip_verification",
                           text="整改逾期事实清楚、证据确凿（S3a-10）", now=_at(TODAY - dt.timedelta(days=3)))
    # 3 (third) stays in the problem list, waiting for the unit's measures.
    del third

    # An inspection drawn and approved, waiting for the invited member's consent (S3c-11).
    fgj = units["FGJ"]
    check = s.do_create_inspection(
        actor=office, kind="inspection", title="重点项目推进情况专项督查",
        content="督查年度重点项目开工、投资完成情况。",
        targets=[fgj], methods=["现场督办", "专项督查"], leader=people["fuquzhang1"],
        starts_on=TODAY + dt.timedelta(days=2), ends_on=TODAY + dt.timedelta(days=4),
        now=_at(TODAY - dt.timedelta(days=2)))
    req2 = s.do_request_team(actor=office, inspection=check, wanted={"full_time": 2, "invited": 1},
                             reason="专项督查需抽调人员", approver=people["fuquzhang1"],
                             now=_at(TODAY - dt.timedelta(days=2), 11))
    s.do_decide_team_request(actor=people["fuquzhang1"], request=req2, approve=True,
                             now=_at(TODAY - dt.timedelta(days=1)))
    s.do_draw_team(actor=office, request=req2, seed=SEED + 1, now=_at(TODAY - dt.timedelta(days=1), 14))
    s.do_submit_plan(actor=office, inspection=check, now=_at(TODAY - dt.timedelta(days=1), 15))
    s.do_decide_plan(actor=people["fuquzhang1"], inspection=check, approve=True, now=_at(TODAY, 9))


class _Names:
    """Fresh names from a seeded generator (deterministic), never one a demo person already has."""

    def __init__(self, demo: Any) -> None:
        from duban.demo.builder import GIVEN, SURNAMES

        self.rng = random.Random(SEED)
        self.surnames, self.given = SURNAMES, GIVEN
        self.used = {u.full_name for u in demo.people.values()}

    def __call__(self) -> str:
        while True:
            name = self.rng.choice(self.surnames) + "".join(
                self.rng.choice(self.given) for _ in range(self.rng.choice((1, 2))))
            if name not in self.used:
                self.used.add(name)
                return name
