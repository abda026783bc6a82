"""A pool, an inspection with a drawn team, and an entry in a given list state (through the services)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from duban.core.lifecycle import Role
from duban.inspections import services as s
from duban.inspections.models import Entry, Inspection, Inspector
from duban.org.models import Unit, User
from tests.factories import District, UnitFactory, UserFactory, at

START = dt.date(2026, 11, 2)  # a Monday
END = dt.date(2026, 11, 4)


@dataclass
class Pools:
    full_time: list[Inspector]
    part_time: list[Inspector]
    invited: list[Inspector]
    companion: list[Inspector]
    ivan: User  # an inspector with an account (full-time, from the co-unit's neighbour)


def make_pools(d: District) -> Pools:
    j = d.jurisdiction
    towns = [UnitFactory(jurisdiction=j, name=f"第{i}镇", kind=Unit.Kind.TOWN) for i in range(4)]
    ivan = UserFactory(username="ivan", jurisdiction=j, unit=towns[0], roles=[Role.INSPECTOR], full_name="尹督查员")
    full = [s.do_add_inspector(actor=d.alice, pool="full_time", name="尹督查员", unit=towns[0], user=ivan,
                               now=at("2026-10-01"))]
    full += [s.do_add_inspector(actor=d.alice, pool="full_time", name=f"专职{i}", unit=towns[i % 4],
                                now=at("2026-10-01")) for i in range(1, 6)]
    # Two full-time inspectors from the inspected unit itself and one linked to it: always recused.
    full.append(s.do_add_inspector(actor=d.alice, pool="full_time", name="本单位专职", unit=d.lead,
                                   now=at("2026-10-01")))
    full.append(s.do_add_inspector(actor=d.alice, pool="full_time", name="下属单位专职", unit=d.sub,
                                   now=at("2026-10-01")))
    full.append(s.do_add_inspector(actor=d.alice, pool="full_time", name="关联专职", unit=towns[1],
                                   linked_units=[d.lead], now=at("2026-10-01")))
    part = [s.do_add_inspector(actor=d.alice, pool="part_time", name=f"兼职{i}", unit=towns[i % 4],
                               now=at("2026-10-01")) for i in range(3)]
    invited = [s.do_add_inspector(actor=d.alice, pool="invited", name=f"特邀{i}", title="区人大代表",
                                  now=at("2026-10-01")) for i in range(3)]
    companion = [s.do_add_inspector(actor=d.alice, pool="companion", name="司机甲", now=at("2026-10-01"))]
    return Pools(full, part, invited, companion, ivan)


def planned(d: District, *, kind: str = "inspection", targets: list[Unit] | None = None, **kw: object) -> Inspection:
    return s.do_create_inspection(
        actor=d.alice, kind=kind, title="老旧小区改造专项督查", content="督查老旧小区改造推进情况",
        targets=targets or [d.lead], methods=["现场督办", "查看资料"], leader=d.dave, starts_on=START, ends_on=END,
        now=at("2026-10-20"), **kw)  # type: ignore[arg-type]


def under_way(d: District, pools: Pools, *, wanted: dict[str, int] | None = None, seed: int = 7) -> Inspection:
    insp = planned(d)
    req = s.do_request_team(actor=d.alice, inspection=insp, wanted=wanted or {"full_time": 2, "part_time": 1},
                            reason="专项督查需抽调人员", approver=d.dave, now=at("2026-10-21"))
    s.do_decide_team_request(actor=d.dave, request=req, approve=True, now=at("2026-10-21", 15))
    members = s.do_draw_team(actor=d.alice, request=req, seed=seed, now=at("2026-10-22"))
    s.do_submit_plan(actor=d.alice, inspection=insp, now=at("2026-10-22", 11))
    s.do_decide_plan(actor=d.dave, inspection=insp, approve=True, now=at("2026-10-23"))
    for m in members:
        if m.consent == "pending":
            s.do_record_consent(actor=d.alice, member=m, given=True, now=at("2026-10-26"))
    s.do_brief(actor=d.alice, inspection=insp, now=at("2026-10-30"))
    return Inspection.objects.get(pk=insp.pk)


def found(d: District, insp: Inspection, **kw: object) -> Entry:
    params: dict[str, object] = {"unit": d.lead, "kind": "general", "description": "3 个小区雨污分流未完工",
                                 "suggestion": "倒排工期", "now": at("2026-11-03")}
    params.update(kw)
    return s.do_record_finding(actor=d.alice, inspection=insp, **params)  # type: ignore[arg-type]


def ended(d: District, insp: Inspection) -> Inspection:
    return s.do_end(actor=d.alice, inspection=insp, now=at("2026-11-04", 17))
