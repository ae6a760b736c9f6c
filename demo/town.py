"""The demo town: Shazhou's organisation tree, made-up residents and the demo accounts.

``seed_demo`` builds everything here. It is idempotent by natural key
(``Organisation.code``, ``Person.phone``, ``User.username``, and person ×
organisation × role for memberships): a second run finds every row and writes
nothing. People are deterministic from the seed, so the same seed and count
always describe the same town.

The tree and the five demo accounts go through the services (and so are
validated and audited). The bulk residents do not: at 10^5 people a service
call per row would take many minutes, so they are written with ``bulk_create``
after being checked here the same way (valid phones, unique numbers, party
fields only on party members); ``tests/demo/`` proves it.
"""

import bisect
import datetime
import itertools
import random
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.identity import id_number_checksum, new_volunteer_number, protect_id_number
from core.tokens import Purpose
from demo.api_keys import seed_api_keys
from demo.needs import seed_needs
from demo.projects import seed_projects
from demo.shop import seed_shop
from demo.site import seed_site
from demo.staff import seed_staff
from points.models import Category, Objection, PointsEntry, Population, RankingSnapshot
from points.services import objection_lodge, points_adjust
from points.services.publication import notice_end, rankings_publish_month
from volunteers.models import (
    Activity,
    ActivityCategory,
    Attendance,
    Claim,
    CommunityReport,
    Membership,
    Method,
    Need,
    Organisation,
    Person,
    Project,
    Resource,
    RotatingChair,
    ScanAttempt,
    SignUp,
    User,
)
from volunteers.services.activities import activity_cancel, activity_create
from volunteers.services.attendance import attendance_add_manual
from volunteers.services.audit import audit_record
from volunteers.services.checkin import attendance_check_in, attendance_check_out
from volunteers.services.closing import checkout_grace
from volunteers.services.finalise import activity_finish
from volunteers.services.memberships import membership_grant
from volunteers.services.organisations import organisation_add
from volunteers.services.people import person_create, person_link_user
from volunteers.services.reports import report_apply, report_confirm
from volunteers.services.signups import signup_create

Kind = Organisation.Kind
Role = Membership.Role
Status = Person.PoliticalStatus

DEFAULT_SEED = 2026
DEFAULT_PEOPLE = 600
DEMO_PASSWORD = "shazhou2026"  # noqa: S105 -- the published demo password, shown by demo_accounts
SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH_SIZE = 2000

# --- The town ------------------------------------------------------------------

TOWN_CODE = "shazhou"
TOWN_NAME = "沙州镇"
DETACHMENT_CODE = "detachment"
DETACHMENT_NAME = "沙州镇志愿服务支队"


@dataclass(frozen=True)
class CommunitySpec:
    slug: str
    short: str  # 梨园
    grids: int
    branches: int
    teams: int

    @property
    def name(self) -> str:
        return f"{self.short}社区"


# The town's own account names only 梨园 and 桥北 among its 8 communities; the
# other six are invented, after Dunhuang landmarks (鸣沙山, 月牙泉, 阳关, 党河,
# the 飞天 of the murals, 南湖). Grid, branch and team counts add up to the
# real 339 grids, 22 grid party branches and 52 special service teams.
COMMUNITIES: tuple[CommunitySpec, ...] = (
    CommunitySpec("liyuan", "梨园", grids=48, branches=4, teams=8),
    CommunitySpec("qiaobei", "桥北", grids=45, branches=3, teams=7),
    CommunitySpec("mingshan", "鸣山", grids=44, branches=3, teams=7),
    CommunitySpec("yuequan", "月泉", grids=43, branches=3, teams=6),
    CommunitySpec("yangguan", "阳关", grids=42, branches=3, teams=6),
    CommunitySpec("danghe", "党河", grids=40, branches=2, teams=6),
    CommunitySpec("feitian", "飞天", grids=39, branches=2, teams=6),
    CommunitySpec("nanhu", "南湖", grids=38, branches=2, teams=6),
)
GROUPS_PER_BRANCH = 2  # 22 branches × 2 = the real 44 party groups

# Every squad has the four teams the town's account names first; the other
# slots rotate through the rest so that each community's squad looks its own.
CORE_TEAMS: tuple[tuple[str, str], ...] = (
    ("traffic", "文明交通劝导队"),
    ("patrol", "社区治安联防队"),
    ("elderly", "敬老助残服务队"),
    ("emergency", "红马甲应急服务队"),
)
EXTRA_TEAMS: tuple[tuple[str, str], ...] = (
    ("environment", "环境整治队"),
    ("policy", "政策宣传队"),
    ("helpers", "弱势群体帮扶队"),
    ("tourism", "文明旅游引导队"),
    ("legal", "法律援助服务队"),
    ("medical", "医疗健康服务队"),
    ("youth", "四点半课堂辅导队"),
    ("mediation", "邻里纠纷调解队"),
    ("antifraud", "反诈宣传队"),
    ("greening", "防风固沙植绿队"),
    ("repair", "便民维修服务队"),
    ("fire", "消防安全巡查队"),
    ("sorting", "垃圾分类督导队"),
    ("culture", "文艺宣传队"),
)

# 在职单位: where in-service party members work.
UNITS: tuple[tuple[str, str], ...] = (
    ("education", "敦煌市教育局"),
    ("health", "敦煌市卫生健康委员会"),
    ("culture", "敦煌市文化和旅游局"),
    ("civil-affairs", "敦煌市民政局"),
    ("hrss", "敦煌市人力资源和社会保障局"),
    ("finance", "敦煌市财政局"),
    ("housing", "敦煌市住房和城乡建设局"),
    ("natural-resources", "敦煌市自然资源局"),
    ("market", "敦煌市市场监督管理局"),
    ("transport", "敦煌市交通运输局"),
    ("police", "敦煌市公安局沙州派出所"),
    ("tax", "国家税务总局敦煌市税务局"),
    ("high-school", "敦煌中学"),
    ("no2-middle-school", "敦煌市第二中学"),
    ("beijie-primary", "敦煌市北街小学"),
    ("hospital", "敦煌市医院"),
    ("tcm-hospital", "敦煌市中医医院"),
    ("abc", "中国农业银行敦煌市支行"),
    ("icbc", "中国工商银行敦煌支行"),
    ("power", "国网敦煌市供电公司"),
    ("academy", "敦煌研究院"),
)

CHINESE_NUMERALS = "零一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals, as branch names use them (第十二网格党支部)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CHINESE_NUMERALS[ones]
    head = "" if tens == 1 else CHINESE_NUMERALS[tens]
    return f"{head}十{CHINESE_NUMERALS[ones] if ones else ''}"


def grid_code(community: str, n: int) -> str:
    return f"{community}-grid-{n:02d}"


def committee_code(community: str) -> str:
    return f"{community}-pc"


def branch_code(community: str, n: int) -> str:
    return f"{community}-branch-{n}"


def group_code(community: str, branch: int, n: int) -> str:
    return f"{community}-branch-{branch}-group-{n}"


def squad_code(community: str) -> str:
    return f"squad-{community}"


def team_code(community: str, theme: str) -> str:
    return f"team-{community}-{theme}"


def unit_code(slug: str) -> str:
    return f"unit-{slug}"


@dataclass(frozen=True)
class NodeSpec:
    code: str
    name: str
    kind: str
    parent: str | None


def team_themes() -> dict[str, list[tuple[str, str]]]:
    """Each community's squad: the core teams, then its share of the rotating extras."""
    extras = itertools.cycle(EXTRA_TEAMS)
    themes = {}
    for community in COMMUNITIES:
        chosen = list(CORE_TEAMS)
        while len(chosen) < community.teams:
            chosen.append(next(extras))
        themes[community.slug] = chosen
    return themes


def town_plan() -> list[NodeSpec]:
    """Every node of the demo tree, each parent before its children."""
    plan = [NodeSpec(TOWN_CODE, TOWN_NAME, Kind.TOWN, None)]
    for c in COMMUNITIES:
        plan.append(NodeSpec(c.slug, c.name, Kind.COMMUNITY, TOWN_CODE))
        for n in range(1, c.grids + 1):
            plan.append(NodeSpec(grid_code(c.slug, n), f"{c.name}第{n}网格", Kind.GRID, c.slug))
        pc = committee_code(c.slug)
        plan.append(NodeSpec(pc, f"{c.name}大党委", Kind.PARTY_COMMITTEE, c.slug))
        for b in range(1, c.branches + 1):
            branch_name = f"{c.name}第{chinese_number(b)}网格党支部"
            plan.append(NodeSpec(branch_code(c.slug, b), branch_name, Kind.PARTY_BRANCH, pc))
            for g in range(1, GROUPS_PER_BRANCH + 1):
                plan.append(
                    NodeSpec(
                        group_code(c.slug, b, g),
                        f"{branch_name}第{chinese_number(g)}党小组",
                        Kind.PARTY_GROUP,
                        branch_code(c.slug, b),
                    )
                )
    plan.append(NodeSpec(DETACHMENT_CODE, DETACHMENT_NAME, Kind.DETACHMENT, TOWN_CODE))
    themes = team_themes()
    for c in COMMUNITIES:
        squad = squad_code(c.slug)
        plan.append(NodeSpec(squad, f"{c.short}志愿服务小分队", Kind.SQUAD, DETACHMENT_CODE))
        for theme, team_name in themes[c.slug]:
            plan.append(
                NodeSpec(team_code(c.slug, theme), f"{c.short}{team_name}", Kind.TEAM, squad)
            )
    for slug, name in UNITS:
        plan.append(NodeSpec(unit_code(slug), name, Kind.UNIT, TOWN_CODE))
    return plan


def build_town() -> tuple[dict[str, Organisation], int]:
    """Add the nodes that are missing; return every planned node by code, and how many were new."""
    plan = town_plan()
    nodes = {o.code: o for o in Organisation.objects.filter(code__in=[n.code for n in plan])}
    created = 0
    for spec in plan:
        if spec.code in nodes:
            continue
        parent = nodes[spec.parent] if spec.parent else None
        nodes[spec.code] = organisation_add(
            parent=parent, name=spec.name, kind=spec.kind, code=spec.code
        )
        created += 1
    return nodes, created


# --- Names and the other things people are made of ------------------------------

# Common surnames with rough weights (马, 闫, 魏 and 党 are commoner in Gansu than nationally).
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 80), ("李", 78), ("张", 75), ("刘", 60), ("陈", 45), ("杨", 45), ("赵", 30),
    ("马", 30), ("黄", 22), ("周", 20), ("吴", 18), ("徐", 16), ("孙", 16), ("朱", 13),
    ("胡", 13), ("郭", 13), ("何", 11), ("高", 11), ("罗", 10), ("郑", 10), ("梁", 9),
    ("谢", 8), ("宋", 8), ("唐", 8), ("韩", 8), ("冯", 7), ("邓", 7), ("曹", 7),
    ("彭", 6), ("魏", 8), ("田", 7), ("董", 6), ("袁", 6), ("潘", 5), ("蒋", 5),
    ("蔡", 5), ("杜", 6), ("程", 5), ("苏", 5), ("吕", 4), ("丁", 4), ("任", 4),
    ("姚", 4), ("姜", 4), ("崔", 4), ("陆", 3), ("汪", 4), ("范", 4), ("石", 4),
    ("贾", 4), ("白", 4), ("孟", 3), ("秦", 3), ("薛", 3), ("闫", 4), ("段", 3),
    ("雷", 3), ("侯", 3), ("史", 3), ("郝", 3), ("祁", 2), ("牛", 2), ("党", 2),
    ("汤", 2), ("尹", 2), ("康", 2), ("武", 2), ("常", 2), ("葛", 1), ("安", 2),
)  # fmt: skip
GIVEN_MALE = (
    "伟", "强", "军", "磊", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏",
    "华", "飞", "鑫", "波", "宁", "建国", "建军", "志强", "志刚", "国庆", "海涛", "文博",
    "振华", "永红", "晓东", "子轩", "浩然", "宇航", "俊杰", "明轩", "天佑", "嘉豪",
    "学文", "得福", "长青", "玉林", "兴旺", "守成", "万里", "敦仁", "沙洲", "鸣远",
)  # fmt: skip
GIVEN_FEMALE = (
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "琳", "颖",
    "秀英", "桂兰", "玉兰", "淑芬", "丽娟", "春梅", "海燕", "红霞", "晓燕", "文静",
    "雅琴", "梦瑶", "欣怡", "诗涵", "雨桐", "佳琪", "思雨", "紫涵", "玉梅", "彩霞",
    "月琴", "飞燕", "莉莉", "慧敏", "晓梅", "金花", "春花", "美玲", "丹丹", "小燕",
)  # fmt: skip
SKILLS = (
    "医疗护理", "急救", "法律咨询", "心理疏导", "理发", "家电维修", "水电维修", "书法",
    "摄影", "驾驶", "文艺表演", "广场舞", "秦腔", "计算机", "英语翻译", "导游讲解",
    "烹饪", "农技", "教育辅导", "宣传写作", "手语", "消防", "园林绿化", "财会",
)  # fmt: skip
# Real China Mobile / Unicom / Telecom number blocks.
PHONE_PREFIXES = (
    "133", "135", "136", "137", "138", "139", "147", "150", "151", "152", "153", "157",
    "158", "159", "166", "173", "177", "180", "181", "182", "183", "186", "187", "189",
    "191", "193", "198", "199",
)  # fmt: skip
# Where ID numbers were issued: mostly 敦煌市 itself, some from nearby places.
ID_AREAS = (("620982", 80), ("620902", 6), ("620922", 5), ("620921", 3), ("620102", 6))

JOINED_FROM = datetime.date(2016, 3, 5)  # 学雷锋纪念日, when the red vests started
JOINED_UNTIL = datetime.date(2026, 6, 30)


def _cumulative(pairs):
    values, weights = zip(*pairs, strict=True)
    return values, list(itertools.accumulate(weights))


# --- Generating residents -------------------------------------------------------


@dataclass(slots=True)
class PersonSpec:
    """One generated resident, before any database id exists."""

    real_name: str
    phone: str
    political_status: str
    community: str  # slug
    home_grid: str  # code
    skills: str
    date_joined: datetime.date
    birth: datetime.date
    male: bool
    id_number: str = ""
    party_branch: str | None = None
    party_group: str | None = None
    employer_unit: str | None = None
    in_service: bool = False
    reported_at: datetime.datetime | None = None
    teams: list[str] = field(default_factory=list)


class ResidentGenerator:
    """Makes residents from one seeded stream, so person *i* is the same on every run."""

    def __init__(self, seed: int, *, reserved_phones=()):
        self.rng = random.Random(seed)
        self.phones: set[str] = set(reserved_phones)
        self.id_numbers: set[str] = set()
        self.surnames, self.surname_weights = _cumulative(SURNAMES)
        self.id_areas, self.id_area_weights = _cumulative(ID_AREAS)
        self.grids = [(c.slug, n) for c in COMMUNITIES for n in range(1, c.grids + 1)]
        self.community = {c.slug: c for c in COMMUNITIES}
        themes = team_themes()
        self.teams_by_community = {
            slug: [team_code(slug, theme) for theme, _name in chosen]
            for slug, chosen in themes.items()
        }
        self.all_teams = [t for teams in self.teams_by_community.values() for t in teams]
        self.units = [unit_code(slug) for slug, _name in UNITS]
        self.joined_days = (JOINED_UNTIL - JOINED_FROM).days

    def _weighted(self, values, cumulative):
        return values[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]

    def _name(self, male: bool) -> str:
        surname = self._weighted(self.surnames, self.surname_weights)
        return surname + self.rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)

    def _phone(self) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _id_number(self, birth: datetime.date, male: bool) -> str:
        area = self._weighted(self.id_areas, self.id_area_weights)
        while True:
            sequence = self.rng.randrange(500) * 2 + (1 if male else 0)  # odd digit = male
            first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + id_number_checksum(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    @staticmethod
    def _status(roll: float, young: bool) -> str:
        # About 30% party members overall; 共青团员 only among the young.
        if young:
            cuts = ((0.10, Status.PARTY_MEMBER), (0.16, Status.PROBATIONARY_MEMBER))
            cuts += ((0.70, Status.LEAGUE_MEMBER),)
        else:
            cuts = ((0.33, Status.PARTY_MEMBER), (0.36, Status.PROBATIONARY_MEMBER))
        for cut, status in cuts:
            if roll < cut:
                return status
        return Status.MASSES

    def person(self) -> PersonSpec:
        rng = self.rng
        male = rng.random() < 0.45  # more women than men volunteer
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 57))
        young = birth.year >= 1998
        status = self._status(rng.random(), young)
        slug, n = self.grids[rng.randrange(len(self.grids))]
        skills_count = rng.choices((0, 1, 2), weights=(45, 40, 15))[0]
        joined = JOINED_FROM + datetime.timedelta(days=rng.randrange(self.joined_days))
        spec = PersonSpec(
            real_name=self._name(male),
            phone=self._phone(),
            political_status=status,
            community=slug,
            home_grid=grid_code(slug, n),
            skills="、".join(rng.sample(SKILLS, skills_count)),
            date_joined=joined,
            birth=birth,
            male=male,
        )
        if rng.random() < 0.2:
            spec.id_number = self._id_number(birth, male)
        if status in Person.PARTY_STATUSES:
            b = rng.randrange(self.community[slug].branches) + 1
            spec.party_branch = branch_code(slug, b)
            spec.party_group = group_code(slug, b, rng.randrange(GROUPS_PER_BRANCH) + 1)
            # Working age: about half are 在职党员 who report to the community they live in.
            if birth.year > 1966 and rng.random() < 0.5:
                spec.in_service = True
                spec.employer_unit = rng.choice(self.units)
                days = (JOINED_UNTIL - joined).days
                day = joined + datetime.timedelta(days=rng.randrange(max(days, 1)))
                spec.reported_at = datetime.datetime.combine(
                    day,
                    datetime.time(rng.randrange(8, 18), rng.randrange(60)),
                    tzinfo=SHANGHAI,
                )
        team_count = rng.choices((0, 1, 2), weights=(35, 50, 15))[0]
        for _ in range(team_count):
            pool = self.teams_by_community[slug] if rng.random() < 0.8 else self.all_teams
            team = rng.choice(pool)
            if team not in spec.teams:
                spec.teams.append(team)
        return spec

    def people(self, count: int) -> list[PersonSpec]:
        return [self.person() for _ in range(count)]


# --- The demo accounts ----------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    phone: str
    real_name: str
    role_label: str
    try_this: str
    political_status: str = Status.MASSES
    home_grid: str | None = None
    party_branch: str | None = None
    employer_unit: str | None = None
    reported_community: str | None = None
    superuser: bool = False
    roles: tuple[tuple[str, str], ...] = ()  # (organisation code, role)


DEMO_TEAM = team_code("liyuan", "traffic")
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        username="admin",
        phone="13800000001",
        real_name="马建国",
        role_label="镇管理员（超级用户）",
        try_this="/admin/ 管理全镇的组织、人员、角色和页面；/django-admin/ 查看原始数据",
        political_status=Status.PARTY_MEMBER,
        home_grid=grid_code("qiaobei", 1),
        party_branch=branch_code("qiaobei", 1),
        superuser=True,
        roles=((TOWN_CODE, Role.ADMIN),),
    ),
    DemoAccount(
        username="secretary",
        phone="13800000002",
        real_name="李淑芬",
        role_label="梨园社区党委书记",
        try_this=(
            "管理梨园社区的网格、党支部和人员，调整积分；/admin/ 加入申请 审核新志愿者；"
            "/reports/ 确认一位在职党员的报到、打印报到海报；/dashboard/ 社区概况；"
            "/shop/hand-over/ 为居民发放爱心超市兑换的商品；桥北社区的数据看不到"
        ),
        political_status=Status.PARTY_MEMBER,
        home_grid=grid_code("liyuan", 1),
        party_branch=branch_code("liyuan", 1),
        roles=(("liyuan", Role.SECRETARY),),
    ),
    DemoAccount(
        username="leader",
        phone="13800000003",
        real_name="张志强",
        role_label="梨园文明交通劝导队队长",
        try_this=(
            "今天的“阳关中路与沙州路口文明交通劝导”正在进行：打开它的签到屏幕出示二维码，"
            "或扫队员的个人签到码；为本队发布活动；不能管理人员"
        ),
        home_grid=grid_code("liyuan", 2),
        roles=((DEMO_TEAM, Role.LEADER),),
    ),
    DemoAccount(
        username="partymember",
        phone="13800000004",
        real_name="赵文静",
        role_label="在职党员（敦煌市文化和旅游局，已向梨园社区报到）",
        try_this=(
            "/me/report/ 查看报到社区和报到记录；报名梨园社区的党员志愿者奉献日；"
            "/needs/ 认领微心愿、/projects/ 认领项目岗位；/me/claims/ 双项认领卡"
        ),
        political_status=Status.PARTY_MEMBER,
        home_grid=grid_code("liyuan", 5),
        party_branch=branch_code("liyuan", 2),
        employer_unit=unit_code("culture"),
        reported_community="liyuan",
    ),
    DemoAccount(
        username="volunteer",
        phone="13800000005",
        real_name="陈小燕",
        role_label="志愿者（群众，梨园社区第3网格，文明交通劝导队队员）",
        try_this=(
            "扫队长出示的二维码签到今天的文明交通劝导；报名活动（敬老助残已满员可候补）；"
            "/shop/ 用积分兑换爱心超市商品；/me/certificates/ 下载志愿服务记录证明；"
            "/needs/new/ 提交微心愿，/me/needs/ 确认完成"
        ),
        home_grid=grid_code("liyuan", 3),
        roles=((DEMO_TEAM, Role.MEMBER),),
    ),
    DemoAccount(
        username="contact",
        phone="13800000006",
        real_name="孙海燕",
        role_label="敦煌市文化和旅游局 单位联络人",
        try_this=(
            "/me/notifications/ 收到本单位在职党员上季度的双报到反馈；"
            "/points/dual-report/deliveries/ 下载 .xlsx；本季度梨园社区轮值主席单位："
            "/admin/projects/ 管理共建项目、确认认领，/admin/resources/ 本单位资源"
        ),
        political_status=Status.PARTY_MEMBER,
        home_grid=grid_code("qiaobei", 2),
        party_branch=branch_code("qiaobei", 1),
        employer_unit=unit_code("culture"),
        roles=((unit_code("culture"), Role.CONTACT),),
    ),
    DemoAccount(
        username="newcomer",
        phone="13800000007",
        real_name="刘欣怡",
        role_label="刚注册的志愿者（申请加入梨园社区第3网格和文明交通劝导队，待审核）",
        try_this=(
            "/me/ 看申请的审核状态；/me/join/ 选择社区、网格和服务队；"
            "队长 leader 或书记 secretary 在后台“加入申请”里通过后，/me/ 显示所在网格和队伍"
        ),
    ),
    DemoAccount(
        username="gridworker",
        phone="13800000008",
        real_name="周晓梅",
        role_label="梨园社区第3网格专职网格员",
        try_this=(
            "/admin/ 需求清单 审核陈小燕（volunteer）提交的微心愿、确认党员完成的认领；"
            "只能管理本网格的需求"
        ),
        home_grid=grid_code("liyuan", 3),
        roles=((grid_code("liyuan", 3), Role.GRID_WORKER),),
    ),
)
DEMO_PHONES = frozenset(a.phone for a in DEMO_ACCOUNTS)
# Generated role holders leave these places to the demo accounts.
DEMO_HELD = frozenset(role for a in DEMO_ACCOUNTS for role in a.roles if role[1] != Role.MEMBER)


def _demo_phone(username: str) -> str:
    return next(a.phone for a in DEMO_ACCOUNTS if a.username == username)


def ensure_demo_accounts(nodes: dict[str, Organisation]) -> dict[str, int]:
    """Create the five demo logins, their people and roles, through the services."""
    User = get_user_model()
    created = Counter()
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is None:
            make = User.objects.create_superuser if account.superuser else User.objects.create_user
            user = make(username=account.username, password=DEMO_PASSWORD)
            created["users"] += 1
        person = Person.objects.filter(phone=account.phone).first()
        if person is None:
            person = person_create(
                real_name=account.real_name,
                phone=account.phone,
                phone_verified=True,
                political_status=account.political_status,
                home_grid=nodes.get(account.home_grid),
                party_branch=nodes.get(account.party_branch),
                employer_unit=nodes.get(account.employer_unit),
                in_service=account.reported_community is not None,
                user=user,
            )
            created["people"] += 1
        elif person.user_id is None:
            person_link_user(person=person, user=user)
        elif person.user_id != user.pk:
            # Never hand the demo roles (town admin among them) to someone else's record.
            raise Conflict(
                "demo_phone_taken",
                f"{account.phone} belongs to another account; the demo account "
                f"{account.username!r} cannot be set up in this database.",
            )
        for code, role in account.roles:
            organisation = nodes[code]
            held = Membership.objects.filter(
                person=person, organisation=organisation, role=role, end_date__isnull=True
            ).exists()
            if not held:
                membership_grant(person=person, organisation=organisation, role=role)
                created["memberships"] += 1
    return dict(created)


# --- Writing residents and roles in bulk ----------------------------------------


def _volunteer_numbers(seed: int):
    """Unique numbers in the format of identity.new_volunteer_number, from a seeded stream."""
    rng = random.Random(f"{seed}:volunteer-numbers")
    taken = set(Person.objects.values_list("volunteer_number", flat=True))
    while True:
        number = new_volunteer_number(rng)
        if number not in taken:
            taken.add(number)
            yield number


def insert_people(
    specs: list[PersonSpec],
    nodes: dict[str, Organisation],
    seed: int,
    *,
    unreported: frozenset[str] = frozenset(),
) -> int:
    """bulk_create the residents whose phone is not registered yet.

    In-service party members have reported to the community they live in, except the
    phones in ``unreported``: newcomers whose 报到 is still waiting for the secretary.
    """
    existing = set(Person.objects.values_list("phone", flat=True))
    digests = set(
        Person.objects.filter(id_number_digest__isnull=False).values_list(
            "id_number_digest", flat=True
        )
    )
    numbers = _volunteer_numbers(seed)
    batch: list[Person] = []
    created = 0
    for spec in specs:
        if spec.phone in existing:
            continue
        person = Person(
            real_name=spec.real_name,
            phone=spec.phone,
            volunteer_number=next(numbers),
            political_status=spec.political_status,
            home_grid_id=nodes[spec.home_grid].pk,
            skills=spec.skills,
            date_joined=spec.date_joined,
        )
        if spec.party_branch:
            person.party_branch_id = nodes[spec.party_branch].pk
        if spec.in_service:
            person.in_service = True
            person.employer_unit_id = nodes[spec.employer_unit].pk
            if spec.phone not in unreported:
                person.reported_community_id = nodes[spec.community].pk
                person.reported_at = spec.reported_at
        if spec.id_number:
            digest, ciphertext, masked = protect_id_number(spec.id_number)
            if digest not in digests:
                digests.add(digest)
                person.id_number_digest = digest
                person.id_number_encrypted = ciphertext
                person.id_number_masked = masked
        batch.append(person)
        if len(batch) >= BATCH_SIZE:
            Person.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            created += len(batch)
            batch = []
    if batch:
        Person.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        created += len(batch)
    return created


def plan_roles(specs: list[PersonSpec], seed: int) -> list[tuple[str, str, str]]:
    """Every membership the residents hold, as (phone, organisation code, role).

    Team and party-group rosters come from the people themselves; then one
    leader and one or two deputies per team, a leader per party group, a
    secretary per branch and per community (on the community node, so the
    书记 covers its grids as well as its party tree), an admin per community,
    a leader per squad and an admin for the detachment.
    """
    rng = random.Random(f"{seed}:roles")
    roster: dict[str, list[str]] = defaultdict(list)  # organisation code -> member phones
    residents: dict[str, list[str]] = defaultdict(list)  # community slug -> phones
    party: dict[str, list[str]] = defaultdict(list)  # branch code / community slug -> phones
    for spec in specs:
        residents[spec.community].append(spec.phone)
        for team in spec.teams:
            roster[team].append(spec.phone)
        if spec.party_group:
            roster[spec.party_group].append(spec.phone)
            party[spec.party_branch].append(spec.phone)
            party[spec.community].append(spec.phone)

    roles: dict[tuple[str, str], str] = {}  # (phone, code) -> role
    holders: set[str] = set()  # one office per person

    def appoint(code: str, role: str, pool: list[str]) -> None:
        if (code, role) in DEMO_HELD:
            return
        candidates = [p for p in pool if p not in holders]
        if candidates:
            phone = rng.choice(candidates)
            holders.add(phone)
            roles[(phone, code)] = role  # replaces a plain member row

    for code, phones in roster.items():
        for phone in phones:
            roles[(phone, code)] = Role.MEMBER
    themes = team_themes()
    for c in COMMUNITIES:
        community_party = party[c.slug]
        appoint(c.slug, Role.SECRETARY, community_party)
        appoint(c.slug, Role.ADMIN, residents[c.slug])
        for b in range(1, c.branches + 1):
            appoint(branch_code(c.slug, b), Role.SECRETARY, party[branch_code(c.slug, b)])
            for g in range(1, GROUPS_PER_BRANCH + 1):
                code = group_code(c.slug, b, g)
                appoint(code, Role.LEADER, roster[code])
        appoint(squad_code(c.slug), Role.LEADER, residents[c.slug])
        for theme, _name in themes[c.slug]:
            code = team_code(c.slug, theme)
            appoint(code, Role.LEADER, roster[code])
            deputies = 2 if len(roster[code]) >= 30 else 1
            for _ in range(deputies):
                appoint(code, Role.DEPUTY, roster[code])
    all_residents = [phone for c in COMMUNITIES for phone in residents[c.slug]]
    appoint(DETACHMENT_CODE, Role.ADMIN, all_residents)
    return [(phone, code, role) for (phone, code), role in roles.items()]


def insert_memberships(
    planned: list[tuple[str, str, str]],
    specs: list[PersonSpec],
    nodes: dict[str, Organisation],
) -> int:
    """bulk_create the planned memberships that are not open already."""
    person_ids = dict(Person.objects.values_list("phone", "id"))
    joined = {spec.phone: spec.date_joined for spec in specs}
    existing = set(
        Membership.objects.filter(end_date__isnull=True).values_list(
            "person_id", "organisation_id", "role"
        )
    )
    batch: list[Membership] = []
    created = 0
    for phone, code, role in planned:
        person_id = person_ids.get(phone)
        if person_id is None:
            continue
        organisation_id = nodes[code].pk
        key = (person_id, organisation_id, role)
        if key in existing:
            continue
        existing.add(key)
        batch.append(
            Membership(
                person_id=person_id,
                organisation_id=organisation_id,
                role=role,
                start_date=joined[phone],
            )
        )
        if len(batch) >= BATCH_SIZE:
            Membership.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            created += len(batch)
            batch = []
    if batch:
        Membership.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        created += len(batch)
    return created


# --- 在职党员报到 ----------------------------------------------------------------

REPORT_COMMUNITY = "liyuan"
Via = CommunityReport.Via


def report_newcomer(specs: list[PersonSpec]) -> PersonSpec | None:
    """The generated in-service party member whose 报到 to 梨园社区 awaits the secretary.

    Preferably one who lives in 梨园 and so has not reported anywhere yet; in a town too
    small to have one, any in-service member (who has moved, and reports anew).
    """
    in_service = [s for s in specs if s.in_service]
    local = [s for s in in_service if s.community == REPORT_COMMUNITY]
    return (local or in_service or [None])[0]


def unreported_phones(specs: list[PersonSpec]) -> frozenset[str]:
    newcomer = report_newcomer(specs)
    if newcomer is None or newcomer.community != REPORT_COMMUNITY:
        return frozenset()
    return frozenset({newcomer.phone})


def insert_report_history() -> int:
    """Give each person reported to a community, with no 报到 record at all, the confirmed one.

    The bulk residents are written already reported, as a roster would have them; this
    is the record their secretary's confirmation would have left (decided by nobody
    in particular: the roster came before the platform).
    """
    rows = list(
        Person.objects.filter(
            reported_community__isnull=False, community_reports__isnull=True
        ).values_list("pk", "phone", "reported_community_id", "reported_at")
    )
    now = timezone.now()
    batch = []
    for pk, phone, community_id, reported_at in rows:
        decided_at = reported_at or now
        roll = zlib.crc32(phone.encode())
        batch.append(
            CommunityReport(
                person_id=pk,
                community_id=community_id,
                status=CommunityReport.Status.CONFIRMED,
                via=CommunityReport.Via.POSTER if roll % 3 else CommunityReport.Via.SELF,
                applied_at=decided_at - datetime.timedelta(hours=2 + roll % 70),
                decided_at=decided_at,
            )
        )
    CommunityReport.objects.bulk_create(batch, batch_size=BATCH_SIZE)
    return len(batch)


def _local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def ensure_demo_reports(
    specs: list[PersonSpec], nodes: dict[str, Organisation], now: datetime.datetime
) -> int:
    """partymember's confirmed 报到 to 梨园社区, and a newcomer's, pending, for `secretary`.

    Both go through the 报到 services. Neither is redone once the person has a record
    of it, so what a demo visitor decides (confirm, reject) survives the next seed.
    """
    community = nodes[REPORT_COMMUNITY]
    today = timezone.localdate(now, SHANGHAI)
    created = 0
    member = Person.objects.filter(phone=_demo_phone("partymember")).first()
    if (
        member is not None
        and member.reported_community_id is None
        and not member.community_reports.exists()
    ):
        secretary = get_user_model().objects.get(username="secretary")
        applied = _local(today - datetime.timedelta(days=46), 19, 42)
        report = report_apply(person=member, community=community, via=Via.POSTER, at=applied)
        confirmed = _local(applied.date() + datetime.timedelta(days=1), 9, 15)
        report_confirm(report=report, by=secretary, at=confirmed)
        created += 1
    newcomer = report_newcomer(specs)
    person = newcomer and Person.objects.filter(phone=newcomer.phone, in_service=True).first()
    if (
        person
        and person.reported_community_id != community.pk
        and not person.community_reports.filter(
            Q(status=CommunityReport.Status.PENDING) | Q(community=community)
        ).exists()
    ):
        at = _local(today - datetime.timedelta(days=2), 20, 8)
        report_apply(person=person, community=community, via=Via.POSTER, at=at)
        created += 1
    return created


# --- Activities: a living calendar ----------------------------------------------
#
# The demo's activities follow a fixed timetable of recurring events, the way the
# town's teams work: traffic duty every Monday morning, a night patrol every other
# Friday, home visits to the elderly on the second Saturday of the month, and so on.
# Each run adds the occurrences between CALENDAR_PAST_DAYS ago and CALENDAR_FUTURE_DAYS
# ahead that are not there yet, keyed on (organisation, title, start date in Shanghai).
# Times of day are the timetable's, in Shanghai time, and "every other week" counts
# from a fixed Monday (CALENDAR_EPOCH), so the calendar does not shift with the day the
# seed runs: a second run the same day finds every occurrence and writes nothing; a run
# on a later day adds only the days that have come into the window.
#
# An occurrence still to come gets sign-ups, made through the sign-up service at times
# before the seed (the next 敬老助残上门服务 is over-subscribed: a waiting list; the
# next 党河风情线环境整治 is cancelled for a sandstorm warning). One that is over gets
# its sign-ups, then check-ins and check-outs through the check-in services at the
# times they would have happened, a log of the scans, some attendances left open for
# the automatic close, and is marked finished. One made on an earlier day that is now
# over is completed by the first run on a later day (never by a run the same day, so
# that a re-run changes nothing); a finished one is never touched again.
#
# One activity is not on the timetable: today's traffic duty at 阳关中路与沙州路口,
# running from about an hour before the seed to about three hours after it, so that
# `leader` can show its QR and `volunteer` can scan it straight away. Its start is the
# seed time less an hour, rounded down to five minutes but never before today's
# midnight (so it always starts today and is found again by the same key); its end is
# the seed time plus three hours, rounded up to five minutes. A run later the same day
# finds it and leaves it alone; a run on another day adds that day's.

CALENDAR_EPOCH = datetime.date(2026, 1, 5)  # a Monday
CALENDAR_PAST_DAYS = 91  # about three months back
CALENDAR_FUTURE_DAYS = 28  # four weeks ahead
Audience = Activity.Audience
TRAFFIC_CROSSING = "阳关中路与沙州路口"
LIYUAN_CENTRE = "梨园社区党群服务中心"


@dataclass(frozen=True)
class SeriesSpec:
    """A recurring event of the timetable."""

    key: str
    organisation: str  # code of the publishing node
    community: str  # slug of the community whose residents take part
    title: str
    category: str
    address: str
    start: datetime.time
    minutes: int
    description: str
    weekdays: tuple[int, ...] = ()  # weekly on these days (0 = Monday) …
    every_weeks: int = 1  # … every this many weeks …
    week_offset: int = 0  # … counted from CALENDAR_EPOCH
    nth_weekday: tuple[int, int] | None = None  # or monthly: (weekday, n), e.g. 2nd Saturday
    audience: str = Audience.EVERYONE
    signup_required: bool = True
    checkout_required: bool = False
    capacity: int | None = None
    turnout: tuple[int, int] = (5, 10)
    regulars: tuple[str, ...] = ()  # demo accounts who sign up and come
    full_next: bool = False  # the next occurrence is over-subscribed
    cancel_next: str = ""  # the next occurrence is cancelled, for this reason

    def falls_on(self, day: datetime.date) -> bool:
        if self.nth_weekday is not None:
            weekday, n = self.nth_weekday
            return day.weekday() == weekday and (day.day - 1) // 7 == n - 1
        weeks = (day - CALENDAR_EPOCH).days // 7
        return day.weekday() in self.weekdays and weeks % self.every_weeks == self.week_offset


SERVICE_WEEK = "在职党员义务服务周"
SERVICE_WEEK_NOTE = "在职党员下班后回居住地社区服务，参加情况计入在职党员积分，作为年度评议的依据。"
TIMETABLE: tuple[SeriesSpec, ...] = (
    SeriesSpec(
        key="traffic-rush",
        organisation=DEMO_TEAM,
        community="liyuan",
        title="早高峰文明交通劝导",
        category="文明交通劝导",
        address=TRAFFIC_CROSSING,
        start=datetime.time(8, 0),
        minutes=120,
        weekdays=(0,),
        checkout_required=True,
        capacity=12,
        turnout=(4, 8),
        regulars=("leader", "volunteer"),
        description=(
            "早高峰在路口劝导行人走斑马线、非机动车不逆行不闯红灯。"
            "请穿红马甲，7:50 到岗扫码签到，结束时扫码签退。"
        ),
    ),
    SeriesSpec(
        key="patrol",
        organisation=team_code("liyuan", "patrol"),
        community="liyuan",
        title="社区治安联防夜间巡逻",
        category="社区治安联防",
        address=f"{LIYUAN_CENTRE}（集合后分组巡逻各网格）",
        start=datetime.time(20, 30),
        minutes=120,
        weekdays=(4,),
        every_weeks=2,
        audience=Audience.SUBTREE,
        checkout_required=True,
        capacity=10,
        turnout=(3, 7),
        description=(
            "以网格为单位分组巡查楼道、车棚和背街小巷，排查消防和治安隐患，"
            "发现问题当场登记、及时上报。仅限本队队员参加。"
        ),
    ),
    SeriesSpec(
        key="elderly",
        organisation=team_code("liyuan", "elderly"),
        community="liyuan",
        title="敬老助残上门服务",
        category="敬老助残",
        address=f"梨园社区独居、空巢老人家中（在{LIYUAN_CENTRE}集合）",
        start=datetime.time(9, 0),
        minutes=150,
        nth_weekday=(5, 2),
        capacity=10,
        turnout=(6, 9),
        full_next=True,
        description=(
            "两人一组走访独居、空巢和残疾老人，帮忙打扫卫生、理发、测血压，陪老人聊聊天。"
            "名额有限，报满后可以候补，有人取消时按候补顺序递补。"
        ),
    ),
    SeriesSpec(
        key="riverside",
        organisation=team_code("liyuan", "environment"),
        community="liyuan",
        title="党河风情线环境整治",
        category="环境整治",
        address="党河风情线梨园段（在党河西岸步道入口集合）",
        start=datetime.time(8, 30),
        minutes=150,
        weekdays=(5,),
        every_weeks=4,
        week_offset=1,
        signup_required=False,
        turnout=(6, 12),
        cancel_next="沙尘暴天气预警，为安全起见本次活动取消，时间另行通知。",
        description=(
            "沿党河风情线捡拾垃圾、清理河道漂浮物，劝导游客文明游览。"
            "工具由社区提供，请自带水杯、戴好帽子。无需报名，到场扫码签到。"
        ),
    ),
    SeriesSpec(
        key="party-day",
        organisation=committee_code("liyuan"),
        community="liyuan",
        title="党员志愿者奉献日",
        category="党员义务服务",
        address=LIYUAN_CENTRE,
        start=datetime.time(9, 0),
        minutes=150,
        nth_weekday=(5, 1),
        audience=Audience.PARTY_MEMBERS,
        turnout=(5, 10),
        regulars=("partymember", "secretary"),
        description=(
            "每月第一个周六，社区党员亮身份、做表率：认领居民“微心愿”，开展政策宣讲和便民服务。"
            "有难找支部，服务找党员。"
        ),
    ),
    SeriesSpec(
        key="service-week-mon",
        organisation="liyuan",
        community="liyuan",
        title=f"{SERVICE_WEEK}：政策宣讲进网格",
        category="政策宣传",
        address=f"梨园社区各网格（在{LIYUAN_CENTRE}集合）",
        start=datetime.time(18, 30),
        minutes=120,
        weekdays=(0,),
        every_weeks=6,
        week_offset=2,
        audience=Audience.PARTY_MEMBERS,
        turnout=(4, 8),
        regulars=("partymember",),
        description=SERVICE_WEEK_NOTE,
    ),
    SeriesSpec(
        key="service-week-wed",
        organisation="liyuan",
        community="liyuan",
        title=f"{SERVICE_WEEK}：便民义诊与家电维修",
        category="党员义务服务",
        address="梨园社区文化广场",
        start=datetime.time(18, 30),
        minutes=120,
        weekdays=(2,),
        every_weeks=6,
        week_offset=2,
        audience=Audience.PARTY_MEMBERS,
        turnout=(4, 8),
        description=SERVICE_WEEK_NOTE,
    ),
    SeriesSpec(
        key="service-week-fri",
        organisation="liyuan",
        community="liyuan",
        title=f"{SERVICE_WEEK}：清洁家园",
        category="环境整治",
        address="梨园社区各小区楼道和背街小巷",
        start=datetime.time(18, 30),
        minutes=120,
        weekdays=(4,),
        every_weeks=6,
        week_offset=2,
        audience=Audience.PARTY_MEMBERS,
        turnout=(4, 8),
        regulars=("partymember",),
        description=SERVICE_WEEK_NOTE,
    ),
    SeriesSpec(
        key="helpers",
        organisation=team_code("liyuan", "helpers"),
        community="liyuan",
        title="困难群众走访帮扶",
        category="弱势群体帮扶",
        address=f"梨园社区低保户、困难家庭（在{LIYUAN_CENTRE}集合）",
        start=datetime.time(15, 0),
        minutes=120,
        nth_weekday=(2, 3),
        capacity=6,
        turnout=(3, 6),
        description="走访低保户和困难家庭，了解生活需求，登记“微心愿”，帮助申请临时救助。",
    ),
    SeriesSpec(
        key="anti-fraud",
        organisation="qiaobei",
        community="qiaobei",
        title="反诈宣传进社区",
        category="政策宣传",
        address="桥北社区文化广场",
        start=datetime.time(10, 0),
        minutes=90,
        weekdays=(2,),
        every_weeks=3,
        signup_required=False,
        turnout=(5, 9),
        description="发放防范电信网络诈骗宣传资料，现场帮助居民安装国家反诈中心 App。",
    ),
)


def _squad_series(
    community: str, team: str, title: str, category: str, address: str, **when
) -> SeriesSpec:
    """One of the other squads' own service every six weeks (``team`` "": the squad itself)."""
    return SeriesSpec(
        key=f"squad-{community}",
        organisation=team_code(community, team) if team else squad_code(community),
        community=community,
        title=title,
        category=category,
        address=address,
        every_weeks=6,
        turnout=(3, 6),
        description=(
            f"{title}：本小分队每六周一次的集中服务，欢迎社区居民一起参加。"
            "到场扫码签到，结束时扫码签退。"
        ),
        **when,
    )


# Every community's squad serves, not only 梨园's: each of the other seven holds one
# activity every six weeks (two or three finished in the calendar's window), so that
# no squad on 志愿服务队 shows 0 hours. Sign-up is not needed at most of them: fewer
# rows to write, and the seed stays about as fast as before.
TIMETABLE += (
    _squad_series(
        "qiaobei",
        "traffic",
        "桥北社区护学岗",
        "文明交通劝导",
        "敦煌市北街小学校门口",
        start=datetime.time(7, 30),
        minutes=60,
        weekdays=(1,),
        signup_required=False,
    ),
    _squad_series(
        "mingshan",
        "patrol",
        "鸣山社区治安联防巡逻",
        "社区治安联防",
        "鸣山社区党群服务中心（集合后分组巡逻）",
        start=datetime.time(20, 0),
        minutes=120,
        weekdays=(3,),
        week_offset=1,
        signup_required=False,
    ),
    _squad_series(
        "yuequan",
        "elderly",
        "月泉社区关爱空巢老人",
        "敬老助残",
        "月泉社区日间照料中心",
        start=datetime.time(9, 30),
        minutes=120,
        weekdays=(5,),
        week_offset=2,
        capacity=10,
    ),
    _squad_series(
        "yangguan",
        "emergency",
        "阳关社区消防安全隐患排查",
        "社区治安联防",
        "阳关社区各小区（在社区党群服务中心集合）",
        start=datetime.time(15, 0),
        minutes=120,
        weekdays=(2,),
        week_offset=3,
        signup_required=False,
    ),
    _squad_series(
        "danghe",
        "",
        "党河志愿服务小分队集中服务日",
        "环境整治",
        "党河风情线党河段",
        start=datetime.time(9, 0),
        minutes=150,
        weekdays=(6,),
        week_offset=4,
        signup_required=False,
    ),
    _squad_series(
        "feitian",
        "traffic",
        "飞天社区文明交通劝导",
        "文明交通劝导",
        "飞天路与鸣山路口",
        start=datetime.time(17, 30),
        minutes=90,
        weekdays=(4,),
        week_offset=5,
        signup_required=False,
    ),
    _squad_series(
        "nanhu",
        "",
        "南湖社区政策宣传进小区",
        "政策宣传",
        "南湖社区文化广场",
        start=datetime.time(10, 0),
        minutes=90,
        weekdays=(6,),
        week_offset=2,
        capacity=12,
    ),
)


@dataclass(frozen=True)
class TodaySpec:
    key: str = "today"
    organisation: str = DEMO_TEAM
    community: str = "liyuan"
    title: str = f"{TRAFFIC_CROSSING}文明交通劝导"
    category: str = "文明交通劝导"
    address: str = TRAFFIC_CROSSING
    description: str = (
        "路口执勤：劝导行人走斑马线、非机动车不逆行。无需报名，所有人都可以参加。"
        "到场后扫队长手机上的二维码签到，离开时扫码签退。"
    )
    early_birds: int = 5  # already checked in when the seed runs
    audience: str = Audience.EVERYONE
    turnout: tuple[int, int] = (4, 8)
    regulars: tuple[str, ...] = ()


TODAY = TodaySpec()
# Who records check-ins by personal code or by hand, per publishing node.
ORGANISERS = {DEMO_TEAM: "leader", "liyuan": "secretary", committee_code("liyuan"): "secretary"}
MANUAL_REASON = "手机没电，现场登记"
Reason = ScanAttempt.Reason


def running_today_times(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """Today's running activity: about an hour before ``now`` to about three hours after."""
    local = timezone.localtime(now, SHANGHAI)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    start = local - datetime.timedelta(hours=1)
    start = start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0)
    end = local + datetime.timedelta(hours=3)
    end = end.replace(second=0, microsecond=0)
    end += datetime.timedelta(minutes=-end.minute % 5)
    return max(start, midnight), end


@dataclass
class CalendarResult:
    activities: int = 0
    signups: int = 0
    attendances: int = 0
    finished: int = 0


class Calendar:
    """Builds the demo's activities around ``now``; see the notes above."""

    def __init__(self, *, seed: int, nodes: dict[str, Organisation], now: datetime.datetime):
        self.seed = seed
        self.nodes = nodes
        self.now = now
        self.today = timezone.localdate(now, SHANGHAI)
        self.first_day = self.today - datetime.timedelta(days=CALENDAR_PAST_DAYS)
        self.last_day = self.today + datetime.timedelta(days=CALENDAR_FUTURE_DAYS)
        self.result = CalendarResult()
        self.categories = {c.name: c for c in ActivityCategory.objects.all()}
        users = get_user_model().objects.filter(username__in=set(ORGANISERS.values()))
        self.users = {u.username: u for u in users}
        demo_people = Person.objects.filter(phone__in=DEMO_PHONES).select_related("user")
        self.demo_people = {p.user.username: p for p in demo_people if p.user is not None}
        self._pools: dict[tuple[str, str], tuple[list[Person], list[Person]]] = {}

    # -- which people --

    def _pool(self, organisation: str, community: str) -> tuple[list[Person], list[Person]]:
        """(members of the publishing node, other residents of the community), by phone."""
        key = (organisation, community)
        if key not in self._pools:
            node = self.nodes[organisation]
            members = list(
                Person.objects.filter(
                    memberships__organisation=node, memberships__end_date__isnull=True
                )
                .exclude(phone__in=DEMO_PHONES)
                .distinct()
                .order_by("phone")
            )
            path = self.nodes[community].path
            member_ids = {p.pk for p in members}
            residents = [
                p
                for p in Person.objects.filter(
                    Q(home_grid__path__startswith=path) | Q(reported_community__path=path)
                )
                .exclude(phone__in=DEMO_PHONES)
                .distinct()
                .order_by("phone")
                if p.pk not in member_ids
            ]
            self._pools[key] = (members, residents)
        return self._pools[key]

    def _people(self, spec, rng: random.Random, count: int, *, regulars=True) -> list[Person]:
        members, residents = self._pool(spec.organisation, spec.community)
        if spec.audience == Audience.SUBTREE:
            residents = []
        elif spec.audience == Audience.PARTY_MEMBERS:
            members = [p for p in members if p.is_party_member]
            residents = [p for p in residents if p.is_party_member]
        chosen = []
        if regulars:
            chosen = [self.demo_people[u] for u in spec.regulars if u in self.demo_people]
        from_members = rng.sample(members, min(len(members), max(0, count - len(chosen))))
        chosen += from_members
        chosen += rng.sample(residents, min(len(residents), max(0, count - len(chosen))))
        return chosen

    # -- the occurrences --

    def _existing(self, pairs: set[tuple[int, str]]) -> dict[tuple, Activity]:
        """The calendar's activities already there, by (organisation id, title, start date)."""
        since = _local(self.first_day, 0) - datetime.timedelta(days=1)
        until = _local(self.last_day, 0) + datetime.timedelta(days=2)
        rows = Activity.objects.filter(
            organisation_id__in={org for org, _title in pairs},
            title__in={title for _org, title in pairs},
            starts_at__gte=since,
            starts_at__lt=until,
        )
        return {
            (a.organisation_id, a.title, timezone.localdate(a.starts_at, SHANGHAI)): a for a in rows
        }

    def build(self) -> CalendarResult:
        pairs = {(self.nodes[s.organisation].pk, s.title) for s in TIMETABLE}
        today_node = self.nodes[TODAY.organisation]
        pairs.add((today_node.pk, TODAY.title))
        existing = self._existing(pairs)
        created: list[Activity] = []
        days = [
            self.first_day + datetime.timedelta(days=n)
            for n in range((self.last_day - self.first_day).days + 1)
        ]
        for spec in TIMETABLE:
            node = self.nodes[spec.organisation]
            upcoming = 0
            for day in filter(spec.falls_on, days):
                starts_at = datetime.datetime.combine(day, spec.start, tzinfo=SHANGHAI)
                is_next = starts_at > self.now and upcoming == 0
                upcoming += starts_at > self.now
                if (node.pk, spec.title, day) in existing:
                    continue
                created.append(self._add_occurrence(spec, day, starts_at, is_next=is_next))
        if (today_node.pk, TODAY.title, self.today) not in existing:
            self._add_today()
        self._complete_past(pairs, created)
        return self.result

    def _create(self, spec, starts_at, ends_at, **fields) -> Activity:
        activity = activity_create(
            organisation=self.nodes[spec.organisation],
            title=spec.title,
            category=self.categories[spec.category],
            starts_at=starts_at,
            ends_at=ends_at,
            address=spec.address,
            description=spec.description,
            **fields,
        )
        self.result.activities += 1
        return activity

    def _add_occurrence(self, spec: SeriesSpec, day, starts_at, *, is_next: bool) -> Activity:
        rng = random.Random(f"{self.seed}:{spec.key}:{day.isoformat()}")
        activity = self._create(
            spec,
            starts_at,
            starts_at + datetime.timedelta(minutes=spec.minutes),
            audience=spec.audience,
            audience_team=self.nodes[spec.organisation] if spec.audience == Audience.TEAM else None,
            signup_required=spec.signup_required,
            checkout_required=spec.checkout_required,
            capacity=spec.capacity,
        )
        if is_next and spec.cancel_next:
            return activity_cancel(activity=activity, reason=spec.cancel_next)
        if not spec.signup_required:
            return activity
        over = activity.ends_at + checkout_grace() < self.now
        if over:
            # Sign-ups came in during the week before.
            count = rng.randint(*spec.turnout) + rng.randint(0, 2)
            people = self._people(spec, rng, count)
            times = sorted(
                starts_at - datetime.timedelta(hours=rng.uniform(3, 24 * 7)) for _ in people
            )
        else:
            count = rng.randint(*spec.turnout)
            if is_next and spec.full_next:
                count = (spec.capacity or count) + 3
            elif starts_at - self.now > datetime.timedelta(days=10):
                count = max(1, count // 2)  # far off: fewer have signed up yet
            people = self._people(spec, rng, count, regulars=not spec.full_next)
            latest = min(self.now, starts_at) - datetime.timedelta(minutes=20)
            times = sorted(latest - datetime.timedelta(hours=rng.uniform(0, 96)) for _ in people)
        for person, at in zip(people, times, strict=True):
            try:
                signup_create(activity=activity, person=person, now=at)
            except DomainError:
                continue  # not in the audience, say: the town's own rules apply
            self.result.signups += 1
        return activity

    def _add_today(self) -> None:
        starts_at, ends_at = running_today_times(self.now)
        activity = self._create(
            TODAY,
            starts_at,
            ends_at,
            audience=Audience.EVERYONE,
            signup_required=False,
            checkout_required=True,
        )
        # A few were there before the seed ran: the live count does not start at zero.
        rng = random.Random(f"{self.seed}:today:{self.today.isoformat()}")
        earliest = max(activity.checkin_opens_at, starts_at - datetime.timedelta(minutes=10))
        latest = min(self.now, starts_at + datetime.timedelta(minutes=45))
        people = self._people(TODAY, rng, TODAY.early_birds, regulars=False)
        scans = []
        for n, person in enumerate(people):
            at = earliest + (latest - earliest) * rng.random()
            method = Method.PERSONAL_CODE if n == 0 else Method.ACTIVITY_QR
            by = self.users.get("leader") if method == Method.PERSONAL_CODE else None
            if self._check_in(activity, person, at, method, by, scans):
                self.result.attendances += 1
        ScanAttempt.objects.bulk_create(scans)

    # -- what happened at an activity that is over --

    def _check_in(self, activity, person, at, method, by: User | None, scans) -> bool:
        try:
            result = attendance_check_in(
                activity=activity, person=person, method=method, at=at, by=by
            )
        except DomainError:
            return False
        if method != Method.MANUAL:
            scans.append(_scan(activity, person, Purpose.CHECK_IN, method, at, by))
        return result.created

    def _complete_past(self, pairs: set[tuple[int, str]], created: list[Activity]) -> None:
        """Fill in and finish what is over: made over in this run, or left from an earlier day.

        An activity made on an earlier run is completed only once its day is past, so a
        re-run later the same day finds nothing to do.
        """
        grace = checkout_grace()
        left_over = Activity.objects.filter(
            finished_at__isnull=True,
            cancelled_at__isnull=True,
            live=True,
            ends_at__lt=self.now - grace,
            starts_at__gte=_local(self.first_day, 0),
            starts_at__lt=_local(self.today, 0),
            organisation_id__in={org for org, _title in pairs},
            title__in={title for _org, title in pairs},
        ).exclude(pk__in=[a.pk for a in created])
        due = [a for a in created if a.live and not a.cancelled_at and a.ends_at + grace < self.now]
        due += list(left_over.select_related("organisation").order_by("starts_at", "pk"))
        if not due:
            return
        specs = {(self.nodes[s.organisation].pk, s.title): s for s in TIMETABLE}
        specs[(self.nodes[TODAY.organisation].pk, TODAY.title)] = TODAY
        due.sort(key=lambda a: (a.starts_at, a.pk))
        for activity in due:
            spec = specs[(activity.organisation_id, activity.title)]
            if not activity.attendances.exists():
                self._attend(activity, spec)
        # Finished as the end-of-activity job would have, just after check-out closed:
        # whoever did not check out is checked out at the end (flagged automatic), and
        # each attendance earns its hours and points through the real ledger, once.
        minute = datetime.timedelta(minutes=1)
        for activity in due:
            activity_finish(activity=activity, now=activity.ends_at + grace + minute)
        self.result.finished += len(due)

    def _attend(self, activity: Activity, spec) -> None:
        day = timezone.localdate(activity.starts_at, SHANGHAI)
        rng = random.Random(f"{self.seed}:{spec.key}:{day.isoformat()}:came")
        regulars = {self.demo_people[u].pk for u in spec.regulars if u in self.demo_people}
        if activity.signup_required:
            signed_up = [
                s.person
                for s in activity.signups.filter(status=SignUp.Status.CONFIRMED)
                .select_related("person")
                .order_by("queued_at", "pk")
            ]
            people = [p for p in signed_up if p.pk in regulars or rng.random() < 0.88]
        else:
            people = self._people(spec, rng, rng.randint(*spec.turnout))
        organiser = self.users.get(ORGANISERS.get(activity.organisation.code, ""))
        duration = activity.ends_at - activity.starts_at
        scans: list[ScanAttempt] = []
        for person in people:
            arrived = activity.starts_at + datetime.timedelta(minutes=rng.triangular(-25, 15, -8))
            arrived = max(arrived, activity.checkin_opens_at)
            roll = rng.random()
            if roll < 0.06 and organiser is not None:
                try:
                    attendance_add_manual(
                        activity=activity,
                        person=person,
                        reason=MANUAL_REASON,
                        by=organiser,
                        checked_in_at=arrived,
                    )
                except DomainError:
                    continue
                method = Method.ACTIVITY_QR
            else:
                method = Method.PERSONAL_CODE if roll < 0.18 else Method.ACTIVITY_QR
                if method == Method.ACTIVITY_QR and rng.random() < 0.05:
                    # A screenshot from the group chat, refused, before the real scan.
                    stale = arrived - datetime.timedelta(seconds=40)
                    refused = _scan(
                        activity, person, Purpose.CHECK_IN, method, stale, None, Reason.EXPIRED
                    )
                    scans.append(refused)
                by = organiser if method == Method.PERSONAL_CODE else None
                if not self._check_in(activity, person, arrived, method, by, scans):
                    continue
            self.result.attendances += 1
            leaving = rng.random()
            if leaving < 0.62:
                left = activity.ends_at + datetime.timedelta(minutes=rng.uniform(-10, 12))
            elif leaving < 0.72:
                left = activity.starts_at + duration * rng.uniform(0.25, 0.5)  # left early
            else:
                continue  # forgot to check out: closed automatically
            by = organiser if method == Method.PERSONAL_CODE else None
            try:
                attendance_check_out(
                    activity=activity, person=person, method=method, at=left, by=by
                )
            except DomainError:
                continue
            scans.append(_scan(activity, person, Purpose.CHECK_OUT, method, left, by))
        ScanAttempt.objects.bulk_create(scans)


def _scan(activity, person, purpose, method, at, by: User | None, reason=Reason.OK) -> ScanAttempt:
    """The scan log line the check-in views would have written for this scan."""
    return ScanAttempt(
        activity=activity,
        person=person,
        purpose=purpose,
        method=method,
        accepted=reason in (Reason.OK, Reason.ALREADY),
        reason=reason,
        scanned_at=at,
        recorded_by=by,
    )


# --- Points history and the honour roll ------------------------------------------
#
# The past months' attendances earn hours and points when ``_complete_past`` finishes
# their activities. On top of that, the party members who take part get the rubric's
# monthly 基础积分 (for the branch's 主题党日 and paying dues), and each month
# that is over is published as the 1st-of-the-month task would have: frozen rankings,
# with the latest still inside its notice period and one objection waiting for the
# secretary.

BASIC_POINTS = 3  # a month; 12 × 3 stays under the rubric's 40-point yearly basic cap
BASIC_REASON = "月度基础积分：按时参加支部主题党日、交纳党费"
BASIC_DAY = 5  # booked on the 5th of each month, 09:00
DEMO_OBJECTION = (
    "我参加了本月的“在职党员义务服务周：清洁家园”，那天签退时手机没电，由社区现场登记，"
    "服务时长好像少记了一小时，麻烦核实一下。"
)


def _month_starts(first_day: datetime.date, today: datetime.date) -> list[datetime.date]:
    """The first day of each month from ``first_day``'s month to ``today``'s."""
    months, day = [], first_day.replace(day=1)
    while day <= today:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def basic_points_key(person_id: int, month: datetime.date) -> str:
    return f"demo:basic:{person_id}:{month:%Y-%m}"


def grant_basic_points(*, first_day: datetime.date, now: datetime.datetime) -> int:
    """Monthly basic points for the party members who take part; idempotent by key.

    Every party member who served in the calendar, and every demo account that is a
    party member, gets each month's 基础积分 through ``points_adjust`` — checked against
    the rubric's caps and audited, as the town admin would book it. The set is bounded
    by the calendar's turnout, not by the number of residents: at 10^5 residents a
    line per party member and month would fan out into millions of ranking rows.
    """

    today = timezone.localdate(now, SHANGHAI)
    when = [_local(month.replace(day=BASIC_DAY), 9) for month in _month_starts(first_day, today)]
    # Whole days only, so two runs on the same day grant the same months.
    when = [at for at in when if first_day <= at.date() < today and at < timezone.now()]
    admin = get_user_model().objects.filter(username="admin").first()
    if not when or admin is None:
        return 0
    served = Attendance.objects.filter(
        removed_at__isnull=True, activity__starts_at__gte=_local(first_day, 0)
    ).values("person_id")
    members = list(
        Person.objects.filter(political_status__in=Person.PARTY_STATUSES)
        .filter(Q(pk__in=served) | Q(phone__in=DEMO_PHONES))
        .order_by("pk")
    )
    done = set(
        PointsEntry.objects.filter(
            person__in=members, idempotency_key__startswith="demo:basic:"
        ).values_list("idempotency_key", flat=True)
    )
    created = 0
    for person in members:
        for at in when:
            key = basic_points_key(person.pk, at.date())
            if key in done:
                continue
            points_adjust(
                person=person,
                amount=BASIC_POINTS,
                category=Category.BASIC,
                reason=BASIC_REASON,
                by=admin,
                occurred_at=at,
                idempotency_key=key,
            )
            created += 1
    return created


def publish_past_months(*, first_day: datetime.date, now: datetime.datetime) -> int:
    """Publish each month of the calendar that is over, on its 1st at 01:00; idempotent.

    The latest month is shown in its notice period: if its 1st is more than a few days
    back, the demo pretends it was published two days ago.
    """

    months = [
        m for m in _month_starts(first_day, timezone.localdate(now, SHANGHAI)) if m >= first_day
    ]
    created = 0
    for n, month in enumerate(months[:-1]):  # the last one is the month now running
        published = min(_local(months[n + 1], 1), now)
        if n == len(months) - 2 and now >= notice_end(published) - datetime.timedelta(days=2):
            published = now - datetime.timedelta(days=2)
        created += rankings_publish_month(month=f"{month:%Y-%m}", now=published).created
    return created


def ensure_demo_objection(*, now: datetime.datetime) -> int:
    """``partymember`` objects to the latest ranking of her branch, waiting for ``secretary``."""

    person = Person.objects.filter(phone=_demo_phone("partymember")).first()
    if person is None or person.party_branch_id is None:
        return 0
    if Objection.objects.filter(person=person).exists():
        return 0
    snapshot = (
        RankingSnapshot.objects.filter(
            organisation_id=person.party_branch_id,
            population=Population.PARTY_MEMBERS,
            measure="minutes",
        )
        .order_by("-period")
        .first()
    )
    lodged_at = min(snapshot.published_at + datetime.timedelta(hours=20), now) if snapshot else None
    if snapshot is None or not snapshot.notice_open(lodged_at):
        return 0
    objection_lodge(snapshot=snapshot, person=person, text=DEMO_OBJECTION, now=lodged_at)
    return 1


# --- The whole seed -------------------------------------------------------------


@dataclass
class SeedResult:
    organisations: int = 0
    people: int = 0
    memberships: int = 0
    users: int = 0
    reports: int = 0
    activities: int = 0
    signups: int = 0
    attendances: int = 0
    finished: int = 0
    points: int = 0
    snapshots: int = 0
    objections: int = 0
    needs: int = 0
    claims: int = 0
    chairs: int = 0
    resources: int = 0
    projects: int = 0
    tagged: int = 0
    keys: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.points,
                self.snapshots,
                self.objections,
                self.needs,
                self.claims,
                self.chairs,
                self.resources,
                self.projects,
                self.tagged,
                self.keys,
                self.organisations,
                self.people,
                self.memberships,
                self.users,
                self.reports,
                self.activities,
                self.signups,
                self.attendances,
                self.finished,
            )
        )


@transaction.atomic
def seed_demo_town(
    *,
    seed: int = DEFAULT_SEED,
    people: int = DEFAULT_PEOPLE,
    now: datetime.datetime | None = None,
) -> SeedResult:
    """Build (or complete) the demo town; returns what this run created.

    ``now`` (default: the clock) is what the activity calendar is built around.
    """
    now = now or timezone.now()
    result = SeedResult()
    nodes, result.organisations = build_town()
    demo = ensure_demo_accounts(nodes)
    result.users = demo.get("users", 0)
    specs = ResidentGenerator(seed, reserved_phones=DEMO_PHONES).people(people)
    inserted = insert_people(specs, nodes, seed, unreported=unreported_phones(specs))
    result.people = demo.get("people", 0) + inserted
    planned = plan_roles(specs, seed)
    result.memberships = demo.get("memberships", 0) + insert_memberships(planned, specs, nodes)
    result.reports = insert_report_history() + ensure_demo_reports(specs, nodes, now)
    calendar = Calendar(seed=seed, nodes=nodes, now=now).build()
    result.activities = calendar.activities
    result.signups = calendar.signups
    result.attendances = calendar.attendances
    result.finished = calendar.finished
    first_day = timezone.localdate(now, SHANGHAI) - datetime.timedelta(days=CALENDAR_PAST_DAYS)
    result.points = grant_basic_points(first_day=first_day, now=now)
    result.snapshots = publish_past_months(first_day=first_day, now=now)
    result.objections = ensure_demo_objection(now=now)
    seed_site(now=now)  # the publicity site's pages (demo/site.py)
    seed_shop()  # 爱心超市 shelves and points (demo/shop.py)
    staff = seed_staff(nodes)  # based-in squads, join requests, grid staff (demo/staff.py)
    result.memberships += staff.memberships
    needs = seed_needs(seed, nodes)  # 需求清单 and 双项认领 (demo/needs.py)
    result.needs, result.claims = needs.needs, needs.claims
    # 轮值主席, 资源清单, 项目清单 and their claims, 提升行动 tags (demo/projects.py)
    projects = seed_projects(seed, nodes)
    result.claims += projects.claims
    result.chairs, result.resources = projects.chairs, projects.resources
    result.projects, result.tagged = projects.projects, projects.tagged
    # 智慧敦煌's read-only API key on the town, with the published demo secret (demo/api_keys.py)
    admin = get_user_model().objects.get(username="admin")  # the town's administrator
    result.keys = seed_api_keys(town=nodes[TOWN_CODE], actor=admin)
    if result.changed:
        audit_record(
            actor=None,
            action="demo.seed",
            target=f"{TOWN_NAME}演示数据（种子 {seed}，{people} 人）",
            organisation=nodes[TOWN_CODE],
            organisations=result.organisations,
            people=result.people,
            memberships=result.memberships,
            users=result.users,
            reports=result.reports,
            activities=result.activities,
            signups=result.signups,
            attendances=result.attendances,
            points=result.points,
            snapshots=result.snapshots,
            needs=result.needs,
            claims=result.claims,
            chairs=result.chairs,
            resources=result.resources,
            projects=result.projects,
        )
    return result


def town_counts() -> dict[str, dict[str, int]]:
    """What the database holds now, per kind: for the summary at the end of a seed."""

    def by(queryset, field_name: str) -> dict[str, int]:
        rows = queryset.values_list(field_name).annotate(n=Count("pk")).order_by(field_name)
        return dict(rows)

    people = Person.objects.all()
    return {
        "organisations": by(Organisation.objects.all(), "kind"),
        "people": {
            "total": people.count(),
            **by(people, "political_status"),
            "in_service": people.filter(in_service=True).count(),
            "reported": people.filter(reported_community__isnull=False).count(),
            "id_number": people.filter(id_number_digest__isnull=False).count(),
            "login": people.filter(user__isnull=False).count(),
        },
        "memberships": by(Membership.objects.filter(end_date__isnull=True), "role"),
        "users": {"total": get_user_model().objects.count()},
        "reports": by(CommunityReport.objects.all(), "status"),
        "activities": {
            "total": Activity.objects.count(),
            "finished": Activity.objects.filter(finished_at__isnull=False).count(),
            "signups": SignUp.objects.count(),
            "attendances": Attendance.objects.count(),
        },
        "points": {
            "entries": PointsEntry.objects.count(),
            "snapshots": RankingSnapshot.objects.count(),
            "objections": Objection.objects.count(),
        },
        "needs": by(Need.objects.all(), "status"),
        "claims": by(Claim.objects.all(), "status"),
        "chairs": by(RotatingChair.objects.all(), "quarter"),
        "resources": by(Resource.objects.all(), "kind"),
        "projects": by(Project.objects.all(), "status"),
    }
