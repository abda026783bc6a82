"""Build the demo district 示范区: ~45 units in the eight S0 categories, leaders, the supervision office,
unit liaisons and heads, and ~40 items in every lifecycle state.

Every item is created and moved only through ``duban.items.services.do_*`` on a simulated clock (the
actions' ``now=``) over the last months of 2026 up to ``TODAY``; urging tickets come from the real sweep.
Deterministic for a given seed: names, phone numbers and the few random choices come from one
``random.Random(seed)``.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from duban.core.calendar import WorkCalendar
from duban.core.lifecycle import Role
from duban.items import services
from duban.items.models import Item
from duban.org.models import Category, Jurisdiction, RoleGrant, Unit, User
from duban.urging import services as urging
from duban.urging.models import Ticket
from duban.workcal.service import current_calendar

PASSWORD = "duban2026"
TODAY = dt.date(2026, 11, 24)
JURISDICTION_CODE = "SFQ"
URL_HINT = "http://127.0.0.1:8000/"

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
# Which deputy head (index into the three) supervises each category.
SUPERVISING = {"GNQ": 0, "JJ": 0, "ZS": 0, "JD": 1, "ZH": 1, "DQ": 2, "FW": 2, "ZQ": 2}
# Units that handle the demo's confidential items: their liaisons are cleared (S1-九(五)).
CLEARED_UNITS = {"GAFJ", "SWJZ", "XFJ"}
# Subordinate units and communities (parent code, code, name, kind).
SUB_UNITS = [
    ("DCJD", "DCJD-HP", "和平社区居民委员会", "community"), ("DCJD", "DCJD-XF", "幸福社区居民委员会", "community"),
    ("XCJD", "XCJD-JM", "建民社区居民委员会", "community"), ("NHJD", "NHJD-HB", "湖滨社区居民委员会", "community"),
    ("FGJ", "FGJ-JG", "区价格认证中心", "subordinate"), ("CGJ", "CGJ-HW", "区环境卫生服务中心", "subordinate"),
]
# Units with a 分管领导 (responsible leader) of their own, besides the liaison and the head.
UNIT_DEPUTIES = {"FGJ", "CZJ", "ZJJ", "CGJ"}

# The logins the ``duban demo`` command prints: (username, who).
LOGINS: list[tuple[str, str]] = [
    ("zhuren", "政府办公室主要领导：审定立项、签发蓝色催办单"),
    ("ducha1", "督查室主任（可查阅涉密事项）：立项、交办、审核、归档"),
    ("ducha2", "督查室工作人员（无涉密权限）"),
    ("ducha3", "督查室工作人员、专职督查员：三查三单、一网三库、责任追究"),
    ("quzhang", "区长：审阅结果、签发红色催办单"),
    ("fuquzhang1", "副区长（经济、招商、功能区；可查阅涉密）：审阅、签发黄色催办单"),
    ("fuquzhang2", "副区长（城建、街道）"),
    ("fuquzhang3", "副区长（社会事业、党群、驻区单位；可查阅涉密）"),
    ("fgj", "区发展和改革局联络员：签收、报送进展和办结"),
    ("fgj_head", "区发展和改革局局长"),
    ("czj", "区财政局联络员（多为配合单位）"),
    ("zjj", "区住房和城乡建设局联络员"),
    ("xfj", "区信访局联络员（可查阅涉密）"),
    ("dcjd", "东城街道办事处联络员"),
    ("fgj_jg", "区价格认证中心（发改局下属单位）联络员"),
    ("jikaoban", "区绩效考核办公室（黄色、红色催办单抄送）"),
    ("jijian", "区纪委监委（红色催办单抄送）"),
    ("zuzhibu", "区委组织部（红色催办单抄送）"),
    ("admin", "系统管理员：管理后台 /admin/，Excel 导入"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力鹏宇浩凯婷雪琳晨欣怡佳俊峰斌波宁亮"


@dataclass(frozen=True)
class Plan:
    """One demo item: the path it takes, who handles it, when, and what it is about."""

    path: str
    level: str
    lead: str
    co: tuple[str, ...]
    ago: int  # assigned this many working days before TODAY
    deadline_offset: int  # > 0: TODAY + n days; <= 0: n days relative to "ago" (past deadlines)
    source: str
    title: str
    content: str
    confidential: bool = False


PLAN: list[Plan] = [
    # 待审批
    Plan("pending", "fairly", "FGJ", (), 1, 30, "work_report", "政府工作报告目标任务：全年固定资产投资增长 6%",
         "对照政府工作报告确定的固定资产投资增长目标，梳理在建、新开工项目清单，按月调度投资完成情况，12 月底前完成全年目标。"),
    Plan("pending", "especially", "ZJJ", ("CZJ",), 2, 20, "gov_meeting", "区政府第 24 次常务会议议定：筹集保障性租赁住房 800 套",
         "年底前筹集保障性租赁住房 800 套，区住建局牵头制定筹集方案，区财政局落实配套资金。"),
    Plan("resubmitted", "fairly", "SWJ", (), 2, 25, "key_work", "阶段性重点工作：“暖冬”促消费系列活动",
         "组织开展“暖冬”促消费系列活动，发放数字消费券，带动限额以上社会消费品零售额增长。"),
    # 未通过审批
    Plan("declined", "generally", "KX", (), 5, 40, "other", "科普讲座进社区活动安排",
         "组织科普讲座进社区，每个社区不少于 2 场。"),
    # 待交办
    Plan("approved", "fairly", "JYJ", (), 1, 25, "npc_cppcc", "人大建议第 56 号：增设中小学周边交通安全设施",
         "办理区人大代表关于增设中小学周边交通安全设施的建议，会同公安交警完善标志标线、护栏和接送车位，按时答复代表。"),
    Plan("approved", "especially", "CGJ", ("DCJD",), 1, 10, "upper_instruction", "落实市领导关于秋冬季大气污染防治的批示",
         "按照市领导批示要求，制定秋冬季大气污染防治攻坚方案，落实工地扬尘、餐饮油烟、散煤治理措施，每周报送进展。"),
    # 待签收
    Plan("assigned", "fairly", "WJJ", ("MZJ",), 0, 20, "npc_cppcc", "政协提案第 18 号：推进医养结合型养老机构建设",
         "办理政协委员提案，推进医养结合型养老机构建设，每个街道建成 1 处社区养老服务中心。"),
    Plan("assigned_late", "especially", "ZRJ", (), 6, 20, "upper_supervision", "省自然资源督察交办：违法占地图斑整改",
         "按省自然资源督察机构交办清单，逐宗核查 2026 年卫片执法违法占地图斑，限期拆除复垦或依法处置。"),
    Plan("assigned_late", "fairly", "NYJ", ("CZJ",), 9, 30, "gov_decision", "区政府重大决策部署：高标准农田建设年度任务",
         "完成年度 1.2 万亩高标准农田建设任务，区财政局保障资金拨付，年底前完成竣工验收。"),
    # 办理中
    Plan("in_progress", "especially", "FGJ", ("CZJ", "TJJ"), 12, 30, "key_project", "重大项目：滨河新区综合管廊一期工程",
         "加快滨河新区综合管廊一期工程建设，协调解决资金、用地和管线迁改问题，确保年底主体完工。"),
    Plan("in_progress", "fairly", "ZJJ", ("ZRJ",), 20, 60, "gov_meeting", "区政府第 21 次常务会议议定：老旧小区改造 12 个",
         "完成 12 个老旧小区改造，同步完成管网更新、加装电梯和停车设施建设，2027 年 1 月底前全部交付。"),
    Plan("in_progress", "generally", "RSJ", (), 40, 80, "work_report", "政府工作报告目标任务：新增城镇就业 8000 人",
         "落实政府工作报告确定的新增城镇就业目标，开展“春风行动”“就业援助月”等专项活动，按季度报送进度。"),
    Plan("in_progress", "generally", "YZ", (), 18, 40, "key_work", "阶段性重点工作：农村寄递物流体系建设",
         "推进“快递进村”，建成村级寄递物流综合服务站 40 个。"),
    Plan("in_progress_2027", "fairly", "HQB", (), 3, 0, "upper_decision", "落实市委扩大对外开放决策部署：友好城市交流项目",
         "推进与友好城市的经贸、教育、文化交流项目，形成 2027 年交流合作清单。"),
    Plan("late_receipt", "fairly", "GXJ", (), 8, 35, "leader_instruction", "区长批示：规上工业企业技术改造项目推进",
         "落实区长批示，推动 30 家规上工业企业实施技术改造，做好项目申报和政策兑现。"),
    Plan("in_progress_objection", "fairly", "CGJ", ("XCJD",), 8, 30, "public_concern", "群众关注热点：农贸市场周边占道经营整治",
         "整治西城农贸市场周边占道经营和环境卫生问题，建立长效管理机制。"),
    Plan("in_progress_late_objection", "generally", "MZJ", (), 10, 50, "leader_instruction", "区长批示：困难群众冬季救助工作",
         "落实区长批示，做好低保、特困、低收入家庭冬季救助和取暖补贴发放。"),
    Plan("objection_accepted", "fairly", "NHJD", ("CGJ",), 14, 12, "public_concern", "群众关注热点：南湖片区背街小巷环境提升",
         "对南湖片区 18 条背街小巷实施路面修复、立面整治和照明改造。"),
    Plan("objection_rejected", "especially", "YJJ", (), 16, 20, "upper_instruction", "落实省领导批示：安全生产隐患排查整治",
         "按照省领导批示要求，开展冬季安全生产大检查，重点排查燃气、消防、危化品和建筑施工领域隐患。"),
    Plan("in_progress_extension", "fairly", "JYJ", ("ZJJ",), 25, 8, "key_project", "重大项目：第二实验小学配套工程",
         "完成第二实验小学操场、食堂等配套工程建设，确保春季学期投入使用。"),
    Plan("extension_approved", "fairly", "WJJ", (), 22, 6, "gov_meeting", "区政府第 22 次常务会议议定：社区卫生服务中心标准化建设",
         "完成 6 个社区卫生服务中心标准化改造，配齐设备和人员。"),
    Plan("extension_rejected", "generally", "TJJ", (), 24, 10, "gov_information", "政务信息约稿：经济运行分析专报",
         "按市政府办公室约稿要求，报送前三季度经济运行分析和四季度预测专报。"),
    Plan("unable", "fairly", "SPJ", ("GDJ",), 15, 30, "gov_decision", "区政府重大决策部署：政务数据共享平台一期",
         "推进数字政府建设，年底前完成政务数据共享平台一期建设，接入 30 个部门数据。"),
    # 逾期
    Plan("overdue", "especially", "XFJ", ("GAFJ",), 30, -6, "petition", "重大信访维稳事项：某小区延期交房问题化解",
         "会同相关单位化解某小区延期交房引发的群体性信访问题，落实“一户一策”，防止事态扩大。"),
    Plan("overdue", "fairly", "XCJD", (), 45, -10, "public_concern", "群众关注热点：西城街道老旧小区加装电梯",
         "推进西城街道 20 部既有住宅加装电梯，做好居民协商和审批服务。"),
    Plan("overdue_key", "especially", "TCJ", ("ZSZX",), 35, -4, "key_project", "重大项目：新能源电池项目签约落地",
         "推进新能源电池项目签约落地，协调用地、能耗指标和配套设施，年内开工建设。"),
    # 待审核
    Plan("completion_reported", "fairly", "KFQ", (), 30, 5, "key_project", "重大项目：开发区标准化厂房二期竣工验收",
         "完成开发区标准化厂房二期竣工验收并交付入驻企业。"),
    Plan("completion_reported", "especially", "DCJD", ("CGJ",), 20, 3, "petition", "重大信访维稳事项：东城拆迁安置户集体信访化解",
         "妥善化解东城片区拆迁安置户集体信访问题，落实安置房交付和补偿款发放。"),
    Plan("returned_once", "fairly", "SJJ", ("CZJ",), 40, 15, "audit_rectification", "审计整改：专项资金使用不规范问题",
         "对审计发现的专项资金使用不规范问题逐项整改，追回违规资金，健全资金管理制度。"),
    Plan("returned_twice", "especially", "BSZ", (), 50, 12, "upper_supervision", "省督查组交办：秸秆禁烧与综合利用",
         "按省督查组交办要求，落实秸秆禁烧网格化监管，秸秆综合利用率达到 92% 以上。"),
    Plan("resupervised", "fairly", "WLY", (), 42, 18, "gov_meeting", "区政府第 19 次常务会议议定：A 级景区创建",
         "推进文旅融合发展区创建国家 4A 级旅游景区，完善游客中心、停车场和标识系统。"),
    # 待领导审阅
    Plan("office_accepted", "fairly", "GXQ", (), 45, 2, "leader_instruction", "区长批示：高新区企业服务专员制度",
         "落实区长批示，为高新区重点企业配备服务专员，建立诉求快速响应机制。"),
    Plan("office_accepted", "generally", "TW", ("JYJ",), 60, -1, "npc_cppcc", "人大建议第 31 号：青少年课后服务和心理健康",
         "办理人大代表建议，开展青少年课后服务和心理健康关爱行动。"),
    # 已办结
    Plan("closed", "fairly", "GH", (), 70, -20, "key_work", "阶段性重点工作：困难职工帮扶“送温暖”",
         "开展困难职工帮扶“送温暖”活动，建立困难职工档案，落实帮扶资金。"),
    Plan("closed", "especially", "HXZ", ("NYJ",), 55, -15, "upper_supervision", "国务院大督查反馈问题整改：农村饮水安全",
         "对大督查反馈的农村饮水安全问题逐项整改，完成 6 个村供水管网改造。"),
    Plan("closed", "generally", "KX", (), 80, -30, "work_report", "政府工作报告目标任务：全民科学素质提升行动",
         "实施全民科学素质提升行动，建成社区科普e站 10 个。"),
    # 已归档
    Plan("archived", "fairly", "FL", (), 85, -40, "npc_cppcc", "政协提案第 9 号：妇女儿童之家建设",
         "办理政协提案，推进每个社区建成妇女儿童之家。"),
    Plan("archived", "especially", "FGJ", ("CZJ",), 75, -35, "upper_decision", "上级重大决策部署：稳经济一揽子政策落实",
         "落实稳经济一揽子政策措施，做好政策兑现和企业帮扶，按要求报送落实情况。"),
    Plan("archived", "generally", "GDJ", (), 88, -50, "gov_information", "政务信息直报：迎峰度夏电力保供",
         "报送迎峰度夏电力保供工作情况和经验做法。"),
    # 涉密 (S1-九(五))
    Plan("in_progress", "especially", "GAFJ", ("XFJ",), 10, 20, "petition", "重点群体稳控工作（涉密）",
         "按上级要求做好重点群体稳控和矛盾化解工作，具体名单见附件。", confidential=True),
    Plan("completion_reported", "fairly", "SWJZ", (), 20, 10, "upper_instruction", "上级交办税收专项核查（涉密）",
         "按上级批示对有关企业开展税收专项核查。", confidential=True),
]


@dataclass
class Demo:
    jurisdiction: Jurisdiction
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=lambda: list(LOGINS))


_HASH: list[str] = []


def _password_hash() -> str:
    """One PBKDF2 hash for every demo account (they share the password): hashing ~110 times costs ~30 s."""
    if not _HASH:
        from django.contrib.auth.hashers import make_password

        _HASH.append(make_password(PASSWORD))
    return _HASH[0]


def _moment(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_names: set[str] = set()

    # ---- organisation ---------------------------------------------------------------------------

    def name(self) -> str:
        while True:
            given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
            name = self.rng.choice(SURNAMES) + given
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randint(0, 9)}{self.rng.randint(10_000_000, 99_999_999)}"

    def person(self, demo: Demo, username: str, unit: Unit, roles: list[Role], title: str, *,
               name: str = "", cleared: bool = False) -> User:
        user = User(username=username, full_name=name or self.name(), jurisdiction=demo.jurisdiction, unit=unit,
                    title=title, phone=self.phone(), cleared_confidential=cleared)
        user.password = _password_hash()
        user.save()
        RoleGrant.objects.bulk_create([RoleGrant(jurisdiction=demo.jurisdiction, user=user, role=r) for r in roles])
        demo.people[username] = user
        return user

    def organisation(self) -> Demo:
        j = Jurisdiction.objects.create(code=JURISDICTION_CODE, name="示范区", kind=Jurisdiction.Kind.DISTRICT,
                                        office_name="政府督查室")
        demo = Demo(j)

        def unit(code: str, name: str, kind: str, parent: Unit | None = None, **kw: object) -> Unit:
            demo.units[code] = Unit.objects.create(jurisdiction=j, code=code, name=name, kind=kind, parent=parent, **kw)
            return demo.units[code]

        gov = unit("GOV", "示范区人民政府", Unit.Kind.GOVERNMENT)
        gov_office = unit("ZFB", "区人民政府办公室", Unit.Kind.DEPARTMENT, gov)
        office = unit("DCS", "区政府督查室", Unit.Kind.OFFICE, gov_office)
        assessment = unit("JKB", "区绩效考核办公室", Unit.Kind.OVERSIGHT)
        discipline = unit("JW", "区纪委监委", Unit.Kind.OVERSIGHT)
        organisation = unit("ZZB", "区委组织部", Unit.Kind.OVERSIGHT)

        self.person(demo, "quzhang", gov, [Role.GOV_HEAD], "区长", name="王建国", cleared=True)
        deputies = [
            self.person(demo, "fuquzhang1", gov, [Role.DEPUTY_HEAD], "副区长", name="李明", cleared=True),
            self.person(demo, "fuquzhang2", gov, [Role.DEPUTY_HEAD], "副区长", name="张华"),
            self.person(demo, "fuquzhang3", gov, [Role.DEPUTY_HEAD], "副区长", name="刘芳", cleared=True),
        ]
        self.person(demo, "zhuren", gov_office, [Role.OFFICE_HEAD], "区政府办公室主任", name="陈志刚", cleared=True)
        self.person(demo, "ducha1", office, [Role.OFFICE_STAFF], "督查室主任", name="赵敏", cleared=True)
        self.person(demo, "ducha2", office, [Role.OFFICE_STAFF], "督查专员", name="孙磊")
        self.person(demo, "ducha3", office, [Role.OFFICE_STAFF, Role.INSPECTOR], "督查员", name="钱程")
        self.person(demo, "jikaoban", assessment, [Role.ASSESSMENT], "绩考办主任", name="周静")
        self.person(demo, "jijian", discipline, [Role.DISCIPLINE], "第三纪检监察室主任", name="吴刚")
        self.person(demo, "zuzhibu", organisation, [Role.ORGANISATION], "干部监督科科长", name="郑丽")
        admin = self.person(demo, "admin", office, [Role.SYSADMIN], "系统管理员", name="系统管理员")
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])

        for order, (code, name, units) in enumerate(CATEGORIES, start=1):
            category = Category.objects.create(jurisdiction=j, code=code, name=name, order=order)
            for unit_code, unit_name, kind in units:
                unit(unit_code, unit_name, kind, category=category, supervising_leader=deputies[SUPERVISING[code]])
        for parent_code, code, name, kind in SUB_UNITS:
            parent = demo.units[parent_code]
            unit(code, name, kind, parent, category=parent.category)

        for code, u in demo.units.items():
            if u.category_id is None:
                continue  # government, office, oversight bodies: people set up above
            login = code.lower().replace("-", "_")
            cleared = code in CLEARED_UNITS
            self.person(demo, login, u, [Role.UNIT_LIAISON, Role.RESPONSIBLE_PERSON], "综合科科员（督查联络员）",
                        cleared=cleared)
            if u.kind in (Unit.Kind.COMMUNITY, Unit.Kind.SUBORDINATE):
                continue
            head_title = _head_title(u)
            self.person(demo, f"{login}_head", u, [Role.UNIT_HEAD], head_title, cleared=cleared)
            if code in UNIT_DEPUTIES:
                self.person(demo, f"{login}_fz", u, [Role.RESPONSIBLE_LEADER], "副局长")
        return demo

    # ---- items ----------------------------------------------------------------------------------

    def items(self, demo: Demo) -> None:
        calendar = current_calendar(demo.jurisdiction.pk)
        for plan in PLAN:
            demo.items.append(self.item(demo, plan, calendar))

    def item(self, demo: Demo, plan: Plan, calendar: WorkCalendar) -> Item:
        rng = self.rng
        p = demo.people
        office, staff2, head, gov_head = p["ducha1"], p["ducha2"], p["zhuren"], p["quzhang"]
        lead = demo.units[plan.lead]
        registrar = office if plan.confidential else rng.choice([office, staff2])
        assigned_on = TODAY
        for _ in range(plan.ago):
            assigned_on = calendar.previous_workday(assigned_on)
        registered = _moment(calendar.previous_workday(assigned_on), 9, rng.randint(0, 59))
        leader = lead.supervising_leader
        item = services.do_register(
            actor=registrar, title=plan.title, content=plan.content, source=plan.source, level=plan.level,
            supervising_leader=leader, confidential=plan.confidential,
            requirements="请于交办当日签收，明确责任领导、责任科室和具体责任人；按督查等级报送进展，办结后报送办结报告。",
            now=registered,
        )
        path = plan.path
        if path == "pending":
            return item
        if path in ("declined", "resubmitted"):
            services.do_decline(actor=head, item=item, reason="办理内容和责任分工不够明确，请补充后重新报审。",
                                now=registered + dt.timedelta(hours=2))
            if path == "resubmitted":
                services.do_resubmit(actor=registrar, item=item, content=plan.content + "由区商务局牵头，各街道配合组织。",
                                     note="已补充责任分工。", now=registered + dt.timedelta(hours=4))
            return item
        services.do_approve(actor=head, item=item, opinion="同意立项，抓紧交办。", now=registered + dt.timedelta(hours=1))
        if path == "approved":
            return item

        assigned_at = _moment(assigned_on, 10, rng.randint(0, 30))
        deadline_kw: dict[str, object]
        if path == "in_progress_2027":
            deadline_kw = {"deadline_working_days": 40}  # reaches into 2027: 待确认
        elif plan.deadline_offset > 0:
            deadline_kw = {"deadline": TODAY + dt.timedelta(days=plan.deadline_offset)}
        else:
            days = max((TODAY - assigned_on).days + plan.deadline_offset, 3)
            deadline_kw = {"deadline": calendar.workday_on_or_after(assigned_on + dt.timedelta(days=days))}
        services.do_assign(
            actor=registrar, item=item, lead_unit=lead, lead_part="牵头负责，统筹推进并报送进展",
            co_units=[services.CoUnit(demo.units[c], "配合做好职责范围内的工作，及时向牵头单位提供情况") for c in plan.co],
            now=assigned_at, channel=rng.choice(["platform", "platform", "written"]),
            **deadline_kw,  # type: ignore[arg-type]
        )
        if path in ("assigned", "assigned_late"):
            return item

        liaison = p[plan.lead.lower()]
        received_at = assigned_at + dt.timedelta(hours=3)
        if path == "late_receipt":
            received_at = _moment(calendar.previous_workday(TODAY), 9, 30)
        unit_leader = p.get(f"{plan.lead.lower()}_fz") or p.get(f"{plan.lead.lower()}_head")
        milestones = []
        deadline = item_deadline(item)
        if deadline is not None and plan.level == "especially" and deadline > received_at.date() + dt.timedelta(days=6):
            halfway = received_at.date() + (deadline - received_at.date()) / 2
            milestones = [services.PlannedMilestone("完成方案制定和任务分解", received_at.date() + dt.timedelta(days=3)),
                          services.PlannedMilestone("完成主体任务，组织自查", halfway)]
        services.do_receive(
            actor=liaison, item=item, responsible_leader=unit_leader.display_name if unit_leader else "分管副职",
            responsible_section="综合科", responsible_person=liaison.full_name, responsible_phone=liaison.phone,
            work_plan="倒排工期，分方案制定、集中攻坚、验收总结三个阶段推进，每周调度一次。",
            milestones=milestones, now=received_at,
        )
        for code in plan.co:
            co_liaison = p[code.lower()]
            services.do_receive(actor=co_liaison, item=item, responsible_leader="分管领导", responsible_section="业务科",
                                responsible_person=co_liaison.full_name, responsible_phone=co_liaison.phone,
                                now=received_at + dt.timedelta(hours=1))

        if path in ("in_progress_objection", "objection_accepted", "objection_rejected"):
            objection = services.do_object(
                actor=liaison, item=item, now=received_at + dt.timedelta(hours=2),
                text="完成时限偏紧，涉及的整治点位较多，建议延后 15 日。" if path != "objection_rejected"
                else "本单位仅负责其中部分任务，建议调整牵头单位。",
            )
            answered = received_at + dt.timedelta(days=1)
            if path == "objection_accepted":
                services.do_answer_objection(actor=office, item=item, objection=objection, accept=True,
                                             answer="经报区政府主要领导同意，时限延后 15 日。",
                                             new_deadline=item_deadline(item) + dt.timedelta(days=15), now=answered)
            elif path == "objection_rejected":
                services.do_answer_objection(actor=office, item=item, objection=objection, accept=False,
                                             answer="经研究，维持原交办意见，请牵头单位抓紧落实。", now=answered)
        if path == "in_progress_late_objection":
            services.do_object(actor=liaison, item=item, text="本单位仅负责其中部分任务，建议调整牵头单位。",
                               now=received_at + dt.timedelta(days=2))
        if path == "unable" and plan.co:
            services.do_report_unable(actor=p[plan.co[0].lower()], item=item,
                                      text="该事项不在本单位职责范围内，无法配合，建议调整配合单位。",
                                      now=received_at + dt.timedelta(days=1))

        progress_day = calendar.workday_on_or_after(assigned_on + dt.timedelta(days=min(plan.ago // 2, 10) or 1))
        if not path.startswith("overdue") and path != "late_receipt" and progress_day < TODAY:
            services.do_report_progress(actor=liaison, item=item, now=_moment(progress_day, 16),
                                        text="已召开专题推进会，完成方案制定和任务分解，各责任科室按节点推进。")
        if path in ("in_progress_extension", "extension_approved", "extension_rejected"):
            asked = _moment(calendar.previous_workday(calendar.previous_workday(TODAY)), 9)
            request = services.do_request_extension(
                actor=liaison, item=item, requested_deadline=item_deadline(item) + dt.timedelta(days=30),
                reason="受施工季节和资金拨付进度影响，申请延期 30 日。", now=asked)
            if path == "extension_approved":
                services.do_decide_extension(actor=office, item=item, request=request, approve=True,
                                             note="理由充分，同意延期。", now=asked + dt.timedelta(hours=5))
            elif path == "extension_rejected":
                services.do_decide_extension(actor=office, item=item, request=request, approve=False,
                                             note="延期理由不充分，请按原时限办结。", now=asked + dt.timedelta(hours=5))
        if path.startswith(("in_progress", "overdue", "unable", "objection", "extension", "late_receipt")):
            return item

        done_day = min(calendar.previous_workday(TODAY),
                       calendar.workday_on_or_after(assigned_on + dt.timedelta(days=max(plan.ago - 3, 2))))
        self.complete(demo, item, liaison, done_day, "已全部完成，相关材料附后。")
        if path in ("returned_once", "returned_twice"):
            services.do_office_return(actor=office, item=item, reasons="办结报告缺少验收材料，数据与台账不一致。",
                                      now=_moment(done_day, 17))
            if path == "returned_twice":
                again = calendar.workday_on_or_after(done_day + dt.timedelta(days=1))
                services.do_report_completion(actor=liaison, item=item, text="已补充验收材料，台账数据已核对一致。",
                                              now=_moment(again, 10))
                services.do_office_return(actor=office, item=item, reasons="整改未到位，群众仍有反映，请实地复核。",
                                          now=_moment(again, 15))
            return item
        if path == "completion_reported":
            return item
        services.do_office_accept(actor=office, item=item, opinion="问题已查清，结论准确，处理到位，按时办结。",
                                  now=_moment(done_day, 17))
        if path == "office_accepted":
            return item
        reader = leader or gov_head
        if path == "resupervised":
            services.do_leader_resupervise(actor=reader, item=item, now=_moment(done_day + dt.timedelta(days=1), 9),
                                           reasons="游客中心尚未投入使用，请督查室继续督办。")
            return item
        services.do_leader_pass(actor=reader, item=item, opinion="同意办结。",
                                follow_up=rng.choice(["none", "circulate", "report_up"]),
                                now=_moment(done_day + dt.timedelta(days=1), 9))
        if path == "archived":
            services.do_archive(actor=office, item=item, custodian=office,
                                now=_moment(done_day + dt.timedelta(days=2), 9))
        return item

    def complete(self, demo: Demo, item: Item, liaison: User, day: dt.date, text: str) -> None:
        """办结报告 with its document attached (S0-12, S0-14)."""
        services.do_attach(actor=liaison, item=item, step_name="办结报告", now=_moment(day, 14),
                           upload=SimpleUploadedFile(f"{item.code}办结报告.docx", _report_docx(item, liaison, day)))
        services.do_report_completion(actor=liaison, item=item, text=text, now=_moment(day, 15))

    # ---- urging ---------------------------------------------------------------------------------

    def sweeps(self, demo: Demo) -> None:
        """Sweep each working morning of the last three weeks; sign the tickets as the leaders would,
        leaving the last days' drafts for the demo leaders to sign."""
        calendar = current_calendar(demo.jurisdiction.pk)
        day = TODAY - dt.timedelta(days=21)
        while day <= TODAY:
            if calendar.is_workday(day):
                urging.sweep(_moment(day, 8))
                if day < TODAY - dt.timedelta(days=3):
                    for ticket in Ticket.objects.filter(jurisdiction=demo.jurisdiction, state=Ticket.State.DRAFTED):
                        signer = urging.signers_for(ticket)[0]
                        urging.do_sign_ticket(actor=signer, ticket=ticket, now=_moment(day, 9))
            day += dt.timedelta(days=1)


def _head_title(unit: Unit) -> str:
    name = unit.name
    if unit.kind == Unit.Kind.ZONE:
        return "管委会主任"
    if unit.kind == Unit.Kind.TOWN:
        return "镇长"
    if name.startswith("共青团"):
        return "书记"
    if name.endswith(("工会", "联合会", "协会")):
        return "主席"
    if name.endswith("公司"):
        return "总经理"
    if name.endswith("局"):
        return "局长"
    return "主任"


def item_deadline(item: Item) -> dt.date:
    item.refresh_from_db(fields=["deadline"])
    assert item.deadline is not None
    return item.deadline


def _report_docx(item: Item, liaison: User, day: dt.date) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(f"关于“{item.title}”办理情况的报告", level=1)
    document.add_paragraph("区政府督查室：")
    document.add_paragraph(f"根据督办通知（{item.code}），我单位高度重视，成立专项工作组，倒排工期、压实责任，"
                           "现已按要求完成办理任务。具体情况如下：")
    document.add_paragraph(item.content)
    document.add_paragraph("一、主要做法：召开专题推进会，明确责任领导、责任科室和具体责任人；按节点调度推进。")
    document.add_paragraph("二、完成情况：各项任务均已完成，相关验收材料、影像资料见附件。")
    document.add_paragraph("三、长效机制：建立常态化工作台账，定期复查，防止问题反弹。")
    document.add_paragraph(f"联系人：{liaison.display_name}　电话：{liaison.phone}")
    unit = liaison.unit.name if liaison.unit else ""
    document.add_paragraph(f"{unit}\n{day.year} 年 {day.month} 月 {day.day} 日")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def usernames() -> set[str]:
    """Every username the demo creates (to refuse a build that would collide with existing accounts)."""
    names = {"quzhang", "fuquzhang1", "fuquzhang2", "fuquzhang3", "zhuren", "ducha1", "ducha2", "ducha3",
             "anquan", "shenji", "wgy_hp1", "jd_dudao",
             "jikaoban", "jijian", "zuzhibu", "admin"}
    for _code, _name, units in CATEGORIES:
        for code, _unit_name, _kind in units:
            names |= {code.lower(), f"{code.lower()}_head"}
    names |= {code.lower().replace("-", "_") for _p, code, _n, _k in SUB_UNITS}
    names |= {f"{code.lower()}_fz" for code in UNIT_DEPUTIES}
    return names


@transaction.atomic
def build(seed: int = 2026) -> Demo:
    """The whole demo district, in one transaction (nothing is left half-built on an error)."""
    builder = _Builder(seed)
    demo = builder.organisation()
    builder.items(demo)
    builder.sweeps(demo)
    __import__("duban.inspections.demo", fromlist=["build"]).build(demo)  # 三查三单, 一网三库, S3a cases
    __import__("duban.grid.demo", fromlist=["build"]).build(demo, seed)  # community grids (S2a)
    __import__("duban.scoring.demo", fromlist=["build"]).build(demo)
    __import__("duban.accounts.demo", fromlist=["build"]).build(demo)
    return demo
