"""Build the demo district. Deterministic for a given seed; everything goes through the services."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from duban.core.lifecycle import Role
from duban.items import services
from duban.items.models import Item
from duban.org.models import Category, Jurisdiction, RoleGrant, Unit, User
from duban.urging import services as urging
from duban.urging.models import Ticket

PASSWORD = "duban2026"
TODAY = dt.date(2026, 11, 24)

# S0 appendix: the eight assessment categories, each with its units (code, name, kind).
CATEGORIES: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    ("GNQ", "功能区类", [("KFQ", "示范区经济技术开发区管委会", "zone"), ("GXQ", "高新技术产业园区管委会", "zone"),
                        ("WLY", "文旅融合发展区管委会", "zone")]),
    ("JD", "街道类", [("DCJD", "东城街道办事处", "subdistrict"), ("XCJD", "西城街道办事处", "subdistrict"),
                     ("NHJD", "南湖街道办事处", "subdistrict"), ("BSZ", "北山镇人民政府", "town"),
                     ("HXZ", "河西镇人民政府", "town")]),
    ("DQ", "党群类", [("TW", "共青团示范区委员会", "department"), ("FL", "区妇女联合会", "department"),
                     ("GH", "区总工会", "department"), ("KX", "区科学技术协会", "department")]),
    ("JJ", "经济发展类", [("FGJ", "区发展和改革局", "department"), ("GXJ", "区工业和信息化局", "department"),
                        ("SWJ", "区商务局", "department"), ("NYJ", "区农业农村局", "department"),
                        ("TJJ", "区统计局", "department")]),
    ("ZS", "招商类", [("TCJ", "区投资促进局", "department"), ("ZSZX", "区招商服务中心", "department"),
                     ("HQB", "区外事和侨务办公室", "department")]),
    ("ZH", "综合管理类", [("CZJ", "区财政局", "department"), ("ZJJ", "区住房和城乡建设局", "department"),
                        ("ZRJ", "区自然资源局", "department"), ("SJJ", "区审计局", "department"),
                        ("YJJ", "区应急管理局", "department"), ("CGJ", "区城市管理局", "department")]),
    ("FW", "综合服务类", [("JYJ", "区教育局", "department"), ("WJJ", "区卫生健康委员会", "department"),
                        ("MZJ", "区民政局", "department"), ("RSJ", "区人力资源和社会保障局", "department"),
                        ("XFJ", "区信访局", "department"), ("SPJ", "区政务服务和数据管理局", "department")]),
    ("ZQ", "驻区类", [("GDJ", "国网示范区供电公司", "stationed"), ("SWJZ", "国家税务总局示范区税务局", "stationed"),
                     ("YZ", "示范区邮政分公司", "stationed"), ("GAFJ", "市公安局示范区分局", "stationed")]),
]
# Units that handle the demo's confidential items: their liaisons are cleared (S1-九(五)).
CLEARED_UNITS = {"GAFJ", "SWJZ", "XFJ"}
SUB_UNITS = [
    ("DCJD", "DCJD-HP", "和平社区", "community"), ("DCJD", "DCJD-XF", "幸福社区", "community"),
    ("XCJD", "XCJD-JM", "建民社区", "community"), ("FGJ", "FGJ-JG", "区价格认证中心", "subordinate"),
]

TITLES: list[tuple[str, str, str]] = [
    ("upper_instruction", "落实市领导关于秋冬季大气污染防治的批示", "按照市领导批示要求，制定秋冬季大气污染防治攻坚方案，落实工地扬尘、餐饮油烟、散煤治理措施。"),
    ("gov_meeting", "区政府第23次常务会议议定：老旧小区改造", "年底前完成 12 个老旧小区改造，同步完成管网、加装电梯和停车设施建设。"),
    ("npc_cppcc", "人大建议第 56 号：增设中小学周边交通设施", "办理区人大代表关于增设中小学周边交通安全设施的建议，按时答复代表。"),
    ("npc_cppcc", "政协提案第 18 号：推进社区养老服务中心建设", "办理政协委员提案，推进每个街道建成 1 处社区养老服务中心。"),
    ("key_project", "重点项目：滨河大道改造工程征迁", "完成滨河大道改造工程红线内 86 户征迁，确保 12 月开工。"),
    ("petition", "信访维稳：某小区延期交房问题化解", "会同相关单位化解某小区延期交房引发的群体性信访问题，防止事态扩大。"),
    ("public_concern", "群众关注：农贸市场环境整治", "整治农贸市场周边占道经营和环境卫生问题，建立长效管理机制。"),
    ("work_report", "政府工作报告目标：新增城镇就业 8000 人", "落实政府工作报告确定的新增城镇就业目标，按月报送进度。"),
    ("audit_rectification", "审计整改：专项资金使用不规范问题", "对审计发现的专项资金使用不规范问题逐项整改，健全制度。"),
    ("leader_instruction", "区长批示：优化营商环境“一件事”改革", "推进企业开办、项目审批等“一件事一次办”改革，压缩办理时限。"),
    ("upper_supervision", "省督查组交办：黑臭水体整治", "按省督查组交办要求完成城区 3 条黑臭水体整治并通过验收。"),
    ("gov_decision", "区政府重大决策：数字政府建设三年行动", "推进数字政府建设，年底前完成政务数据共享平台一期。"),
    ("key_work", "阶段性重点工作：冬季供暖保障", "做好冬季供暖保障，建立投诉快速处置机制。"),
    ("gov_information", "政务信息约稿：基层治理创新经验", "按市政府办公室约稿要求报送基层治理创新经验信息。"),
]

# Each demo item: (state path, level, lead code, co codes, days ago assigned, deadline offset, confidential)
PLAN: list[tuple[str, str, str, list[str], int, int, bool]] = [
    ("pending", "fairly", "FGJ", [], 1, 30, False),
    ("pending", "especially", "ZJJ", ["CZJ"], 2, 20, False),
    ("declined", "generally", "SWJ", [], 5, 40, False),
    ("approved", "fairly", "JYJ", [], 1, 25, False),
    ("approved", "especially", "CGJ", ["DCJD"], 1, 10, False),
    ("assigned", "fairly", "WJJ", ["MZJ"], 0, 20, False),
    ("assigned_late", "especially", "ZRJ", [], 6, 20, False),
    ("assigned_late", "fairly", "NYJ", ["CZJ"], 9, 30, False),
    ("in_progress", "especially", "FGJ", ["CZJ", "TJJ"], 12, 30, False),
    ("in_progress", "fairly", "ZJJ", ["ZRJ"], 20, 60, False),
    ("in_progress", "generally", "RSJ", [], 40, 80, False),
    ("in_progress_objection", "fairly", "CGJ", ["XCJD"], 8, 30, False),
    ("in_progress_late_objection", "generally", "MZJ", [], 10, 50, False),
    ("in_progress_extension", "fairly", "GXJ", ["SWJ"], 25, 8, False),
    ("overdue", "especially", "XFJ", ["GAFJ"], 30, -6, False),
    ("overdue", "fairly", "YJJ", [], 45, -10, False),
    ("overdue_key", "especially", "TCJ", ["ZSZX"], 35, -4, False),
    ("unable", "fairly", "SPJ", ["GDJ"], 15, 30, False),
    ("completion_reported", "fairly", "KFQ", [], 30, 5, False),
    ("completion_reported", "especially", "DCJD", ["CGJ"], 20, 3, False),
    ("returned_once", "fairly", "SJJ", ["CZJ"], 40, 15, False),
    ("returned_twice", "especially", "NHJD", [], 50, 12, False),
    ("office_accepted", "fairly", "GXQ", [], 45, 2, False),
    ("office_accepted", "generally", "JYJ", ["TW"], 60, -1, False),
    ("closed", "fairly", "WLY", [], 70, -20, False),
    ("closed", "especially", "BSZ", ["NYJ"], 55, -15, False),
    ("closed", "generally", "GH", [], 80, -30, False),
    ("archived", "fairly", "FL", [], 85, -40, False),
    ("archived", "especially", "HXZ", ["ZRJ"], 75, -35, False),
    ("archived", "generally", "KX", [], 88, -50, False),
    ("in_progress", "especially", "GAFJ", ["XFJ"], 10, 20, True),
    ("completion_reported", "fairly", "SWJZ", [], 20, 10, True),
    ("in_progress_2027", "fairly", "HQB", [], 3, 0, False),
    ("in_progress", "generally", "YZ", [], 18, 40, False),
]


_HASH: list[str] = []


def _password_hash() -> str:
    """One PBKDF2 hash for every demo account (they share the password): hashing ~90 times costs ~25 s."""
    if not _HASH:
        from django.contrib.auth.hashers import make_password

        _HASH.append(make_password(PASSWORD))
    return _HASH[0]


@dataclass
class Demo:
    jurisdiction: Jurisdiction
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)


def _moment(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _person(demo: Demo, username: str, name: str, unit: Unit, roles: list[Role], title: str = "",
            cleared: bool = False, who: str = "") -> User:
    user = User(username=username, full_name=name, jurisdiction=demo.jurisdiction, unit=unit, title=title,
                phone=f"0351-{random.randint(1000000, 9999999)}", cleared_confidential=cleared)
    user.password = _password_hash()
    user.save()
    for role in roles:
        RoleGrant.objects.create(jurisdiction=demo.jurisdiction, user=user, role=role)
    demo.people[username] = user
    if who:
        demo.logins.append((username, who))
    return user


def build_organisation(seed: int) -> Demo:
    random.seed(seed)
    j = Jurisdiction.objects.create(code="SFQ", name="示范区", kind=Jurisdiction.Kind.DISTRICT,
                                    office_name="政府督查室")
    demo = Demo(j)
    gov = Unit.objects.create(jurisdiction=j, code="GOV", name="示范区人民政府", kind=Unit.Kind.GOVERNMENT)
    office = Unit.objects.create(jurisdiction=j, code="DCS", name="区政府督查室", kind=Unit.Kind.OFFICE, parent=gov)
    oversight = Unit.objects.create(jurisdiction=j, code="JKB", name="区绩效考核办公室", kind=Unit.Kind.OVERSIGHT)
    jw = Unit.objects.create(jurisdiction=j, code="JW", name="区纪委监委", kind=Unit.Kind.OVERSIGHT)
    zzb = Unit.objects.create(jurisdiction=j, code="ZZB", name="区委组织部", kind=Unit.Kind.OVERSIGHT)
    demo.units.update({"GOV": gov, "DCS": office})

    _person(demo, "quzhang", "王建国", gov, [Role.GOV_HEAD], "区长", True, "区长（签发红色催办单）")
    deputies = [
        _person(demo, "fuquzhang1", "李明", gov, [Role.DEPUTY_HEAD], "副区长", True, "副区长（经济、招商；签发黄色催办单）"),
        _person(demo, "fuquzhang2", "张华", gov, [Role.DEPUTY_HEAD], "副区长", False, "副区长（城建、街道）"),
        _person(demo, "fuquzhang3", "刘芳", gov, [Role.DEPUTY_HEAD], "副区长", False, "副区长（社会事业、驻区单位）"),
    ]
    _person(demo, "zhuren", "陈志刚", office, [Role.OFFICE_HEAD], "区政府办公室主任", True,
            "政府办公室主要领导（审定立项、签发蓝色催办单）")
    _person(demo, "ducha1", "赵敏", office, [Role.OFFICE_STAFF], "督查室主任", True, "督查室（涉密权限）")
    _person(demo, "ducha2", "孙磊", office, [Role.OFFICE_STAFF], "督查专员", False, "督查室工作人员")
    _person(demo, "jikaoban", "周静", oversight, [Role.ASSESSMENT], "绩考办主任", False, "绩考办（抄送）")
    _person(demo, "jijian", "吴刚", jw, [Role.DISCIPLINE], "纪检监察室主任", False, "纪委监委（红色抄送）")
    _person(demo, "zuzhibu", "郑丽", zzb, [Role.ORGANISATION], "干部科科长", False, "组织部（红色抄送）")
    admin = _person(demo, "admin", "系统管理员", office, [Role.SYSADMIN], "系统管理员", False, "系统管理员（管理后台）")
    admin.is_staff = True
    admin.is_superuser = True
    admin.save()

    supervising = {"GNQ": 0, "JJ": 0, "ZS": 0, "JD": 1, "ZH": 1, "DQ": 2, "FW": 2, "ZQ": 2}
    for order, (code, name, units) in enumerate(CATEGORIES, start=1):
        category = Category.objects.create(jurisdiction=j, code=code, name=name, order=order)
        for unit_code, unit_name, kind in units:
            unit = Unit.objects.create(jurisdiction=j, code=unit_code, name=unit_name, kind=kind, category=category,
                                       supervising_leader=deputies[supervising[code]])
            demo.units[unit_code] = unit
    for parent, code, name, kind in SUB_UNITS:
        demo.units[code] = Unit.objects.create(jurisdiction=j, code=code, name=name, kind=kind,
                                               parent=demo.units[parent], category=demo.units[parent].category)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    for index, (code, unit) in enumerate(sorted(demo.units.items())):
        if unit.kind in (Unit.Kind.GOVERNMENT, Unit.Kind.OFFICE):
            continue
        name = surnames[index % len(surnames)] + random.choice(["伟", "芳", "强", "静", "军", "燕", "涛", "霞", "勇", "丽"])
        who = f"{unit.name}联络员" if code in {"FGJ", "CZJ", "ZJJ", "FGJ-JG", "XFJ"} else ""
        _person(demo, code.lower().replace("-", "_"), name, unit, [Role.UNIT_LIAISON, Role.RESPONSIBLE_PERSON],
                "联络员", code in CLEARED_UNITS, who)
        if unit.kind not in (Unit.Kind.COMMUNITY, Unit.Kind.SUBORDINATE):
            head = surnames[(index * 7) % len(surnames)] + "局长" if unit.kind == "department" else "主要负责人"
            _person(demo, code.lower() + "_head", head, unit, [Role.UNIT_HEAD], "主要负责人")
    return demo


def _working_days_before(day: dt.date, n: int) -> dt.date:
    while n > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def build_items(demo: Demo, seed: int) -> list[Item]:
    rng = random.Random(seed)
    office = demo.people["ducha1"]
    staff2 = demo.people["ducha2"]
    head = demo.people["zhuren"]
    gov_head = demo.people["quzhang"]
    items: list[Item] = []
    for index, (path, level, lead_code, co_codes, ago, deadline_offset, confidential) in enumerate(PLAN):
        source, title, content = TITLES[index % len(TITLES)]
        lead = demo.units[lead_code]
        registrar = office if confidential else rng.choice([office, staff2])
        assigned_on = _working_days_before(TODAY, ago) if ago else TODAY
        registered = _moment(_working_days_before(assigned_on, 1), 9, rng.randint(0, 59))
        leader = lead.supervising_leader
        item = services.do_register(
            actor=registrar, title=title if index < len(TITLES) else f"{title}（{lead.name}）", content=content,
            source=source, level=level, supervising_leader=leader, confidential=confidential,
            requirements="请按时签收，按督查等级报送进展，办结后报送办结报告。", now=registered,
        )
        items.append(item)
        if path == "pending":
            continue
        if path == "declined":
            services.do_decline(actor=head, item=item, reason="办理内容和责任分工不够明确，请补充后重新报审。",
                                now=registered + dt.timedelta(hours=2))
            continue
        services.do_approve(actor=head, item=item, opinion="同意立项", now=registered + dt.timedelta(hours=1))
        if path == "approved":
            continue
        assigned_at = _moment(assigned_on, 10)
        if path == "in_progress_2027":
            deadline_kw: dict[str, object] = {"deadline_working_days": 30}
        else:
            deadline_kw = {"deadline": TODAY + dt.timedelta(days=deadline_offset)
                           if deadline_offset > 0 else assigned_on + dt.timedelta(days=max(ago + deadline_offset, 3))}
        services.do_assign(
            actor=registrar, item=item, lead_unit=lead, lead_part="牵头负责，统筹推进并报送进展",
            co_units=[services.CoUnit(demo.units[c], "配合做好相关工作") for c in co_codes],
            now=assigned_at, **deadline_kw,  # type: ignore[arg-type]
        )
        if path in ("assigned", "assigned_late"):
            continue
        liaison = demo.people[lead_code.lower()]
        received_at = assigned_at + dt.timedelta(hours=4)
        services.do_receive(actor=liaison, item=item, responsible_leader="分管副局长", responsible_section="综合科",
                            responsible_person=liaison.full_name, responsible_phone=liaison.phone,
                            work_plan="倒排工期，分三个阶段推进。", now=received_at)
        for code in co_codes:
            services.do_receive(actor=demo.people[code.lower()], item=item, responsible_leader="分管领导",
                                responsible_section="业务科", responsible_person=demo.people[code.lower()].full_name,
                                now=received_at + dt.timedelta(hours=1))
        if path == "in_progress_objection":
            services.do_object(actor=liaison, item=item, text="完成时限偏紧，建议延后 15 日。",
                               now=received_at + dt.timedelta(hours=1))
        if path == "in_progress_late_objection":
            services.do_object(actor=liaison, item=item, text="本单位仅负责其中部分任务，建议调整牵头单位。",
                               now=received_at + dt.timedelta(days=2))
        if path == "unable" and co_codes:
            services.do_report_unable(actor=demo.people[co_codes[0].lower()], item=item,
                                      text="该事项不在本单位职责范围内，无法配合。", now=received_at + dt.timedelta(days=1))
        progress_day = assigned_on + dt.timedelta(days=min(ago // 2, 10) or 1)
        if path not in ("overdue", "overdue_key") and progress_day < TODAY:
            services.do_report_progress(actor=liaison, item=item, text="已召开专题推进会，完成方案制定和任务分解。",
                                        now=_moment(progress_day, 16))
        if path == "in_progress_extension":
            services.do_request_extension(actor=liaison, item=item,
                                          requested_deadline=TODAY + dt.timedelta(days=30),
                                          reason="受施工季节影响，需延期 30 日。", now=_moment(TODAY - dt.timedelta(days=2), 9))
        if path.startswith(("in_progress", "overdue", "unable")):
            continue
        done_day = min(TODAY - dt.timedelta(days=1), assigned_on + dt.timedelta(days=max(ago - 3, 2)))
        services.do_report_completion(actor=liaison, item=item, text="已全部完成，相关材料附后。",
                                      now=_moment(done_day, 15))
        if path == "returned_once" or path == "returned_twice":
            services.do_office_return(actor=office, item=item, reasons="办结报告缺少验收材料，数据与台账不一致。",
                                      now=_moment(done_day, 17))
            if path == "returned_twice":
                services.do_report_completion(actor=liaison, item=item, text="已补充验收材料。",
                                              now=_moment(done_day + dt.timedelta(days=1), 10))
                services.do_office_return(actor=office, item=item, reasons="整改未到位，群众仍有反映。",
                                          now=_moment(done_day + dt.timedelta(days=1), 15))
            continue
        if path == "completion_reported":
            continue
        services.do_office_accept(actor=office, item=item, opinion="问题已查清，处理到位，按时办结。",
                                  now=_moment(done_day, 17))
        if path == "office_accepted":
            continue
        services.do_leader_pass(actor=leader if leader else gov_head, item=item, opinion="同意办结。",
                                follow_up=rng.choice(["none", "circulate", "report_up"]),
                                now=_moment(done_day + dt.timedelta(days=1), 9))
        if path == "archived":
            services.do_archive(actor=office, item=item, custodian=office, now=_moment(done_day + dt.timedelta(days=2), 9))
    return items


def run_sweeps(demo: Demo) -> None:
    """Sweep each working morning of the last three weeks; sign the tickets as the leaders would,
    leaving today's drafts for the demo leaders to sign."""
    day = TODAY - dt.timedelta(days=21)
    while day <= TODAY:
        if day.weekday() < 5:
            now = _moment(day, 8)
            urging.sweep(now)
            if day < TODAY - dt.timedelta(days=3):  # the last days stay for the demo leaders to sign
                for ticket in Ticket.objects.filter(jurisdiction=demo.jurisdiction, state=Ticket.State.DRAFTED):
                    signer = urging.signers_for(ticket)[0]
                    urging.do_sign_ticket(actor=signer, ticket=ticket, now=_moment(day, 9))
        day += dt.timedelta(days=1)


@transaction.atomic
def build(seed: int = 2026) -> Demo:
    demo = build_organisation(seed)
    build_items(demo, seed)
    run_sweeps(demo)
    return demo
