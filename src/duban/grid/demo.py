"""The demo's community grids: 东城街道's two communities (和平社区, 幸福社区) with real-shaped grids
(made-up coordinates in Harbin's 道里区 old town), staff and duties, four weeks of patrols and 民情日志,
and residents' issues in every state — all through ``grid.services`` on the demo's simulated clock.

Deterministic: the only choices come from ``random.Random(seed)``.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from duban.core.lifecycle import Role
from duban.org.models import RoleGrant, Unit, User
from duban.workcal.service import current_calendar

from . import services
from .models import Duty, Grid, LogEntry

# 和平社区: boundary A…H, split into three grids along shared polylines.
A, B, C, D = (126.6300, 45.7500), (126.6352, 45.7496), (126.6391, 45.7512), (126.6405, 45.7547)
E, F, G, H = (126.6372, 45.7581), (126.6318, 45.7585), (126.6281, 45.7560), (126.6276, 45.7527)
P1, P2, P3 = (126.6326, 45.7498), (126.6345, 45.7583), (126.6398, 45.75295)
Q1, Q2, R1 = (126.6335, 45.7530), (126.6329, 45.7555), (126.6366, 45.7533)
# 幸福社区: east of 和平社区, sharing the D–E edge, split in two.
S1, S2 = (126.6460, 45.7540), (126.6470, 45.7590)
M1, K, M3 = (126.64325, 45.75435), (126.6430, 45.7566), (126.6421, 45.75855)


def _poly(*points: tuple[float, float]) -> dict[str, Any]:
    ring = [list(p) for p in points]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


COMMUNITIES: dict[str, dict[str, Any]] = {
    "DCJD-HP": {
        "boundary": _poly(A, B, C, D, E, F, G, H), "phone": "0451-84610001",
        "grids": [
            ("HP-01", "和平西片", _poly(P1, Q1, Q2, P2, F, G, H, A), 620, 1480, 210, "property"),
            ("HP-02", "和平东南片", _poly(P1, B, C, P3, R1, Q1), 540, 1290, 330, "work_unit"),
            ("HP-03", "和平东北片", _poly(Q1, R1, P3, D, E, P2, Q2), 480, 1105, 160, "self_managed"),
        ],
    },
    "DCJD-XF": {
        "boundary": _poly(D, S1, S2, E), "phone": "0451-84610002",
        "grids": [
            ("XF-01", "幸福西片", _poly(D, M1, K, M3, E), 700, 1650, 420, "urban_fringe"),
            ("XF-02", "幸福东片", _poly(M1, S1, S2, M3, K), 390, 880, 95, "street"),
        ],
    },
}

WORKERS = [  # (username, name, community, grid code, full-time)
    ("wgy_hp1", "高秀英", "DCJD-HP", "HP-01", True),
    ("wgy_hp2", "罗建平", "DCJD-HP", "HP-02", True),
    ("wgy_hp3", "梁晓燕", "DCJD-HP", "HP-03", False),
    ("wgy_xf1", "宋立新", "DCJD-XF", "XF-01", True),
    ("wgy_xf2", "唐春梅", "DCJD-XF", "XF-02", False),
]
LOGINS = [
    ("wgy_hp1", "和平社区网格员（HP-01 格长）：巡查签到、民情日志、上报诉求"),
    ("dcjd_hp", "和平社区：民情分析会研判诉求、指定承办人、划分网格"),
    ("jd_dudao", "东城街道网格督导员（每周巡查）"),
]
ISSUES = [  # (service code, description, point)
    ("environment", "3 号楼楼道堆放杂物，存在消防隐患", (126.6300, 45.7540)),
    ("facility", "小区东门路灯连续三晚不亮", (126.6360, 45.7510)),
    ("property", "物业未按时清运垃圾，气味较大", (126.6380, 45.7560)),
    ("safety", "背街小巷井盖松动", (126.6440, 45.7560)),
    ("neighbour", "楼上住户深夜噪音扰民", (126.6410, 45.7568)),
    ("social", "独居老人申请居家养老服务", (126.6310, 45.7570)),
    ("facility", "健身器材损坏", (126.6332, 45.75425)),  # on the HP-01 | HP-03 edge
    ("environment", "河堤绿地有人倾倒建筑垃圾", (126.6600, 45.7700)),  # outside every grid
]


def _moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _person(demo: Any, username: str, name: str, unit: Unit, roles: list[Role], phone: str) -> User:
    from duban.demo.builder import _password_hash

    user = User(username=username, full_name=name, jurisdiction=demo.jurisdiction, unit=unit, title="网格员",
                phone=phone)
    user.password = _password_hash()
    user.save()
    RoleGrant.objects.bulk_create([RoleGrant(jurisdiction=demo.jurisdiction, user=user, role=r) for r in roles])
    demo.people[username] = user
    return user


def build(demo: Any, seed: int = 2026) -> None:
    from duban.demo.builder import TODAY

    rng = random.Random(seed)
    calendar = current_calendar(demo.jurisdiction.pk)
    start = TODAY - dt.timedelta(days=35)
    setup = _moment(start, 9)
    street = demo.units["DCJD"]
    street_staff = demo.people["dcjd"]
    grids: dict[str, Grid] = {}
    for code, spec in COMMUNITIES.items():
        community = demo.units[code]
        staff = demo.people[code.lower().replace("-", "_")]
        services.do_set_boundary(actor=staff, community=community, geometry=spec["boundary"],
                                 complaint_phone=spec["phone"], now=setup)
        for g_code, name, geometry, households, registered, floating, compound in spec["grids"]:
            grid, _ = services.do_save_grid(
                actor=staff, community=community, code=g_code, name=name, geometry=geometry, now=setup,
                attrs=services.GridAttrs(households, registered, floating, compound, spec["phone"]))
            grids[g_code] = grid
    supervisor = _person(demo, "jd_dudao", "韩志强", street, [Role.GRID_WORKER], "13845110099")
    workers: dict[str, User] = {}
    for username, name, community_code, g_code, full_time in WORKERS:
        community = demo.units[community_code]
        user = _person(demo, username, name, community, [Role.GRID_WORKER], f"138451100{len(workers) + 10}")
        workers[g_code] = user
        services.do_assign_duty(actor=demo.people[community_code.lower().replace("-", "_")], grid=grids[g_code],
                                user=user, kind=Duty.Kind.LEADER, full_time=full_time,
                                duty_text="网格巡查、民情收集、矛盾调解", now=setup)
    for grid in grids.values():
        services.do_assign_duty(actor=street_staff, grid=grid, user=supervisor, kind=Duty.Kind.SUPERVISOR,
                                scope=Duty.Scope.SEVERAL, duty_text="督促、指导、协调网格工作", now=setup)
        community_staff = demo.people[grid.community.code.lower().replace("-", "_")]
        services.do_assign_duty(actor=community_staff, grid=grid, user=community_staff, kind=Duty.Kind.DIRECT,
                                scope=Duty.Scope.SEVERAL, duty_text="网格管理服务直接责任人", now=setup)
    # A/B pair for HP-02 (S2a-二(四)).
    services.do_assign_duty(actor=demo.people["dcjd_hp"], grid=grids["HP-02"], user=workers["HP-02"],
                            kind=Duty.Kind.A_ROLE, now=setup)
    services.do_assign_duty(actor=demo.people["dcjd_hp"], grid=grids["HP-02"], user=workers["HP-03"],
                            kind=Duty.Kind.B_ROLE, scope=Duty.Scope.SEVERAL, now=setup)

    # Four weeks of patrols: most days, with a few missed; the supervisor weekly (one week missed).
    day = start
    while day < TODAY:
        if calendar.is_workday(day):
            for g_code, user in workers.items():
                if rng.random() < (0.75 if g_code == "XF-02" else 0.93):
                    begin = _moment(day, 8 + rng.randint(0, 2), rng.randint(0, 59))
                    lon, lat = _centre(grids[g_code])
                    services.do_check_in(actor=user, grid=grids[g_code], lon=lon, lat=lat, now=begin)
                    services.do_check_out(actor=user, now=begin + dt.timedelta(minutes=rng.randint(100, 260)))
                    if rng.random() < 0.3:
                        services.do_add_log(actor=user, grid=grids[g_code], kind=LogEntry.Kind.VISIT,
                                            households=rng.randint(3, 15), text="入户走访，了解居民诉求。",
                                            issue_types=[rng.choice(list(services.SERVICES))],
                                            now=begin + dt.timedelta(minutes=30))
            if day.weekday() == 2 and day != start + dt.timedelta(days=14):
                for g_code in ("HP-01", "XF-01"):
                    begin = _moment(day, 14)
                    services.do_check_in(actor=supervisor, grid=grids[g_code], now=begin)
                    services.do_check_out(actor=supervisor, now=begin + dt.timedelta(minutes=60))
        day += dt.timedelta(days=1)

    _issues(demo, rng, calendar, grids, workers)
    services.sweep(_moment(TODAY, 8, 30))
    demo.logins.extend(LOGINS)


def _centre(grid: Grid) -> tuple[float, float]:
    from duban.core.grid_topology import parse_geometry

    point = parse_geometry(grid.geometry).representative_point()
    return float(point.x), float(point.y)


def _issues(demo: Any, rng: random.Random, calendar: Any, grids: dict[str, Grid], workers: dict[str, User]) -> None:
    from duban.demo.builder import TODAY

    j = demo.jurisdiction.pk
    office = demo.people["ducha1"]
    street_staff = demo.people["dcjd"]

    def ago(n: int) -> dt.date:
        day = TODAY
        for _ in range(n):
            day = calendar.previous_workday(day)
        return day

    def intake(n: int, when: dt.datetime, source: str = "public", **kw: Any) -> Any:
        code, text, (lon, lat) = ISSUES[n % len(ISSUES)]
        return services.do_intake(jurisdiction_id=j, source=source, now=when, actor=kw.pop("actor", None),
                                  intake=services.Intake(code, text, lon, lat, kw.pop("address", "某小区某单元"),
                                                         kw.pop("name", "居民"), kw.pop("phone", ""), ""))

    def manager(c: Any) -> User:
        return demo.people[c.community.code.lower().replace("-", "_")]

    def handler(c: Any) -> User:
        return workers.get(c.grid.code) or manager(c)

    # Closed with feedback (a spread of satisfaction), resolved on time and late.
    for n in range(14):
        day = ago(20 - n)
        c = intake(n, _moment(day, 9, rng.randint(0, 59)), name=f"{rng.choice('王李张刘陈')}先生",
                   phone=f"139{rng.randint(10_000_000, 99_999_999)}")
        if c.community is None:
            continue
        tier = rng.choice(["immediate", "immediate", "coordinated"])
        c = services.do_classify(actor=manager(c), concern=c, tier=tier, category=services.SERVICES[c.service_code],
                                 handler=handler(c), now=_moment(day, 16))
        late = rng.random() < 0.2
        done = calendar.add_working_days(c.deadline if late else day, 3 if late else 1).date
        done = min(done, ago(1))
        c = services.do_resolve(actor=c.handler, concern=c, result="已现场处理，并回访居民。", now=_moment(done, 11))
        services.do_feedback(token=c.token, satisfaction=rng.choice([5, 5, 4, 4, 3, 2]), text="",
                             now=_moment(done, 20))
    # Resolved, waiting for the resident's feedback.
    c = intake(1, _moment(ago(3), 10), source="open311")
    c = services.do_classify(actor=manager(c), concern=c, tier="immediate", category="公共设施", handler=handler(c),
                             now=_moment(ago(3), 15))
    services.do_resolve(actor=c.handler, concern=c, result="已更换灯泡。", now=_moment(ago(2), 10))
    # In hand, on time; one late (urged by the sweep); one up at the sub-district; one a supervision item.
    c = intake(2, _moment(ago(1), 9))
    services.do_classify(actor=manager(c), concern=c, tier="coordinated", category="物业服务", handler=handler(c),
                         now=_moment(ago(1), 16))
    c = intake(3, _moment(ago(9), 9), source="staff", actor=workers["XF-01"])
    services.do_classify(actor=manager(c), concern=c, tier="immediate", category="安全隐患", handler=handler(c),
                         now=_moment(ago(9), 15))
    c = intake(4, _moment(ago(6), 9))
    c = services.do_classify(actor=manager(c), concern=c, tier="coordinated", category="噪音扰民",
                             handler=handler(c), now=_moment(ago(6), 16))
    services.do_escalate(actor=manager(c), concern=c, handler=street_staff, now=_moment(ago(5), 10),
                         reason="辖区多个小区反映同类问题，需街道协调综合执法。")
    c = intake(5, _moment(ago(8), 9))
    c = services.do_classify(actor=manager(c), concern=c, tier="subdistrict", category="养老服务",
                             handler=street_staff, now=_moment(ago(8), 16))
    services.do_to_item(actor=office, concern=c, reason="居家养老服务供给不足，需民政、卫健等部门协同解决。",
                        now=_moment(ago(7), 10))
    # Waiting for today's analysis meeting; one on a shared edge; one outside every grid; one overdue.
    intake(0, _moment(TODAY, 8, 5))
    intake(6, _moment(TODAY, 8, 10))
    intake(7, _moment(ago(1), 11))
    intake(2, _moment(ago(2), 10), name="赵女士", phone="13612345678", address="幸福路 8 号 2 单元 302")
