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
fields only on party members); ``tests/volunteers/test_seed_demo.py`` proves it.
"""

import bisect
import datetime
import itertools
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from volunteers.errors import DomainError
from volunteers.identity import id_number_checksum, new_volunteer_number, protect_id_number
from volunteers.models import Membership, Organisation, Person
from volunteers.services.audit import audit_record
from volunteers.services.memberships import membership_grant
from volunteers.services.organisations import organisation_add
from volunteers.services.people import person_create, person_link_user

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
        self.rng = random.Random(seed)  # noqa: S311 -- demo data, not secrets
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
        try_this="管理梨园社区的网格、党支部和人员，调整积分；桥北社区的数据看不到",
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
        try_this="为本队发布活动、组织扫码签到；不能管理人员",
        home_grid=grid_code("liyuan", 2),
        roles=((DEMO_TEAM, Role.LEADER),),
    ),
    DemoAccount(
        username="partymember",
        phone="13800000004",
        real_name="赵文静",
        role_label="在职党员（敦煌市文化和旅游局，已向梨园社区报到）",
        try_this="/me/ 查看报到社区、党支部和积分；报名梨园社区的活动",
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
        try_this="/me/ 查看志愿者编号；报名活动，扫码签到和签退",
        home_grid=grid_code("liyuan", 3),
        roles=((DEMO_TEAM, Role.MEMBER),),
    ),
)
DEMO_PHONES = frozenset(a.phone for a in DEMO_ACCOUNTS)
# Generated role holders leave these places to the demo accounts.
DEMO_HELD = frozenset(role for a in DEMO_ACCOUNTS for role in a.roles if role[1] != Role.MEMBER)


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
            raise DomainError(
                "demo_phone_taken",
                f"{account.phone} belongs to another account; the demo account "
                f"{account.username!r} cannot be set up in this database.",
            )
        if account.reported_community and person.reported_community_id is None:
            # There is no 报到 service yet; this is the state one would leave behind.
            Person.objects.filter(pk=person.pk).update(
                reported_community=nodes[account.reported_community],
                reported_at=timezone.now(),
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
    rng = random.Random(f"{seed}:volunteer-numbers")  # noqa: S311 -- demo data, not secrets
    taken = set(Person.objects.values_list("volunteer_number", flat=True))
    while True:
        number = new_volunteer_number(rng)
        if number not in taken:
            taken.add(number)
            yield number


def insert_people(specs: list[PersonSpec], nodes: dict[str, Organisation], seed: int) -> int:
    """bulk_create the residents whose phone is not registered yet."""
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
    rng = random.Random(f"{seed}:roles")  # noqa: S311 -- demo data, not secrets
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


# --- The whole seed -------------------------------------------------------------


@dataclass
class SeedResult:
    organisations: int = 0
    people: int = 0
    memberships: int = 0
    users: int = 0

    @property
    def changed(self) -> bool:
        return any((self.organisations, self.people, self.memberships, self.users))


@transaction.atomic
def seed_demo_town(*, seed: int = DEFAULT_SEED, people: int = DEFAULT_PEOPLE) -> SeedResult:
    """Build (or complete) the demo town; returns what this run created."""
    result = SeedResult()
    nodes, result.organisations = build_town()
    demo = ensure_demo_accounts(nodes)
    result.users = demo.get("users", 0)
    specs = ResidentGenerator(seed, reserved_phones=DEMO_PHONES).people(people)
    result.people = demo.get("people", 0) + insert_people(specs, nodes, seed)
    planned = plan_roles(specs, seed)
    result.memberships = demo.get("memberships", 0) + insert_memberships(planned, specs, nodes)
    if result.changed:
        audit_record(
            actor=None,
            action="demo.seed",
            target=f"{TOWN_NAME} demo (seed {seed}, {people} people)",
            organisation=nodes[TOWN_CODE],
            organisations=result.organisations,
            people=result.people,
            memberships=result.memberships,
            users=result.users,
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
    }
