"""The demo town's 资源清单, 项目清单 and 四大提升行动: what units, teams and people
offer the communities, the quarter's rotating chairs and joint projects with their posts,
the party members' claims on those posts, and the campaigns a few needs are tagged with.

Called by ``demo.town.seed_demo_town`` after ``demo.needs`` (projects point at needs).
Every step is a call to ``volunteers.services`` (``chair_name``, ``resource_add``,
``project_create``, ``post_add``, ``project_open``, ``post_claim``, ``claim_report``,
``claim_confirm``, ``need_set_campaign``), made by whoever would make it: the demo
``secretary`` in 梨园, the town ``admin`` elsewhere, the demo ``contact`` for her own
unit (敦煌市文化和旅游局 chairs 梨园 this quarter, so she runs its 文化讲堂), and the demo
``partymember`` for her own skill. So it is validated, audited and notified like real
work, and a confirmed claim earns its points through the ledger.

"This quarter" is the quarter of the day the seed runs (``core.quarters``); post
deadlines are days from today, kept inside the quarter. Idempotent: a chair is found by
(community, quarter), a resource by (community, title), a project by (community, quarter,
title), and whatever is found is left as it is (with its posts and claims); a need is
tagged only while it has no campaign. Run in a later quarter, the seed sets up that
quarter's chairs and projects. The generated party members who claim and offer come from
a stream seeded per post and per resource, so the same seed gives the same town.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.quarters import Quarter
from demo.needs import _party_members
from volunteers.models import (
    Campaign,
    Need,
    NeedCategory,
    Organisation,
    Person,
    Project,
    Resource,
    RotatingChair,
)
from volunteers.services.needs import claim_confirm, claim_report, need_set_campaign
from volunteers.services.projects import (
    chair_name,
    post_add,
    post_claim,
    project_create,
    project_open,
)
from volunteers.services.resources import resource_add

Kind = Resource.Kind
SKILL, VENUE, GOODS, SERVICE = Kind.SKILL, Kind.VENUE, Kind.GOODS, Kind.SERVICE
# How far a claim on a post went (as in demo/needs.py): 已认领, 待确认, 已完成.
CLAIMED, REPORTED, CONFIRMED = "claimed", "reported", "confirmed"
# A claimer (or a resource's provider): the demo account `partymember`, or a generated one.
PARTYMEMBER, MEMBER = "partymember", "member"

# The four campaigns, as migration 0013 names them (an editable list: one renamed or
# stopped since is simply not used).
CIVILITY, ORDER, BRAND, CULTURE = (
    "市民素质养成行动", "城市秩序提升行动", "志愿服务品牌行动", "敦煌文化弘扬行动",
)  # fmt: skip

# 轮值主席: (community, this quarter's unit, last quarter's unit), by unit code. 梨园's
# chair this quarter is the demo contact's own unit, so she manages 梨园's projects now.
CHAIRS: tuple[tuple[str, str, str], ...] = (
    ("liyuan", "unit-culture", "unit-academy"),
    ("qiaobei", "unit-police", "unit-transport"),
    ("mingshan", "unit-hospital", "unit-health"),
    ("yuequan", "unit-natural-resources", "unit-education"),
)


@dataclass(frozen=True)
class ResourceSpec:
    community: str
    provider: str  # an organisation code, PARTYMEMBER, or MEMBER (a generated person)
    kind: str
    category: str
    title: str
    description: str
    availability: str
    contact: str = ""


RESOURCES: tuple[ResourceSpec, ...] = (
    # --- 梨园社区
    ResourceSpec(
        "liyuan", "unit-culture", VENUE, "文化体育", "市文化馆多功能厅",
        "可容纳120人，有投影、音响和舞台，适合讲座、演出和培训。",
        "每周二至周五 9:00–17:00", "文化馆办公室 0937-8821356",
    ),
    ResourceSpec(
        "liyuan", "liyuan-pc", VENUE, "社区治理", "社区党群服务中心活动室",
        "一楼活动室约60平方米，有桌椅40套，可用于议事会、培训和文艺排练。",
        "每天 8:30–20:00，需提前一天预约", "社区办公室 0937-8823301",
    ),
    ResourceSpec(
        "liyuan", MEMBER, SKILL, "法律咨询与援助", "法律咨询",
        "执业律师，擅长劳动争议、婚姻家庭和房屋买卖纠纷，可帮忙写调解申请和起诉状。",
        "每周六上午",
    ),
    ResourceSpec(
        "liyuan", PARTYMEMBER, SKILL, "文化体育", "敦煌文化讲解",
        "在文旅局从事莫高窟和敦煌历史文化讲解十年，可为居民和孩子们讲敦煌故事。",
        "每月第二、四个周日下午",
    ),
    ResourceSpec(
        "liyuan", "team-liyuan-elderly", SERVICE, "助困扶残与就业援助", "助老陪护与上门探访",
        "队员二十多人，可上门探访独居老人、陪同就医、代购药品和生活用品。",
        "工作日白天，周末上午",
    ),
    ResourceSpec(
        "liyuan", "unit-power", SERVICE, "安全宣传与治安巡逻", "老旧住宅用电安全检查",
        "供电公司党员服务队上门检查线路和电表箱，更换老化的插座和开关。",
        "每月第三个周四",
    ),
    # --- 桥北社区
    ResourceSpec(
        "qiaobei", "unit-abc", GOODS, "助困扶残与就业援助", "冬季爱心物资",
        "棉衣棉被50套、米面油100份，用于困难家庭冬季送温暖。",
        "12月至次年2月", "支行工会 0937-8862210",
    ),
    ResourceSpec(
        "qiaobei", "team-qiaobei-legal", SERVICE, "法律咨询与援助", "法律咨询与调解",
        "法律援助服务队有律师和基层法律工作者各两名，可解答赡养、继承、劳动纠纷。",
        "每周三下午",
    ),
    ResourceSpec(
        "qiaobei", "unit-police", SERVICE, "安全宣传与治安巡逻", "防范电信诈骗宣讲",
        "派出所民警结合真实案例讲防骗知识，可进小区、进老年活动室。",
        "每月一次，提前一周预约",
    ),
    # --- 鸣山社区
    ResourceSpec(
        "mingshan", MEMBER, SKILL, "健康医疗", "上门理发",
        "退休理发师，可为卧床和行动不便的老人上门理发、修面。",
        "每周二、周四上午",
    ),
    ResourceSpec(
        "mingshan", "unit-hospital", SERVICE, "健康医疗", "健康义诊",
        "内科、眼科和中医医生各一名，测血压血糖、看眼睛、讲慢病用药。",
        "每月第一个周六上午",
    ),
    ResourceSpec(
        "mingshan", "mingshan-pc", VENUE, "文化体育", "社区老年活动室",
        "有乒乓球台两张、棋牌桌六张，可举办讲座和小型活动。",
        "每天 9:00–18:00",
    ),
    # --- 月泉社区
    ResourceSpec(
        "yuequan", MEMBER, SKILL, "社区治理", "家电维修",
        "在家电维修店干了二十年，会修洗衣机、冰箱、电视和燃气灶。",
        "周末全天",
    ),
    ResourceSpec(
        "yuequan", "team-yuequan-repair", SERVICE, "社区治理", "水电维修",
        "便民维修服务队更换水龙头、灯泡、插座，疏通下水道，只收材料费。",
        "每周六上午在社区门口摆摊，平时电话预约",
    ),
    ResourceSpec(
        "yuequan", "unit-education", SKILL, "文化体育", "四点半课堂辅导教师",
        "教育局组织在职党员教师轮流到社区四点半课堂辅导作业。",
        "工作日 16:30–18:00",
    ),
    ResourceSpec(
        "yuequan", "unit-natural-resources", GOODS, "社区治理", "防风固沙树苗",
        "梭梭、红柳树苗500株，配铁锹和水桶，用于社区周边植绿。",
        "春季和秋季植树时节",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class PostSpec:
    title: str
    places: int
    days: int  # claim deadline, days from today (kept inside the quarter)
    description: str = ""
    claims: tuple[tuple[str, str], ...] = ()  # (claimer, how far it went)
    note: str = ""  # the claimants' report, when they report


@dataclass(frozen=True)
class ProjectSpec:
    community: str
    title: str
    description: str
    lead_unit: str
    campaign: str
    posts: tuple[PostSpec, ...]
    partners: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # the titles of this community's needs (demo/needs.py)
    resources: tuple[str, ...] = ()  # the titles of this community's resources (above)
    by: str = ""  # who creates and runs it: "" for the community's staff
    open: bool = True


PROJECTS: tuple[ProjectSpec, ...] = (
    # --- 梨园社区: 敦煌市文化和旅游局 chairs this quarter.
    ProjectSpec(
        "liyuan", "周末法律咨询进社区",
        "每周六上午在社区党群服务中心设法律咨询台，解答劳动、婚姻家庭和邻里纠纷问题。",
        "unit-hrss", BRAND,
        posts=(
            PostSpec(
                "周末法律咨询", 4, 40, "周六 9:00–11:30 在咨询台值班，做好咨询登记。",
                claims=((PARTYMEMBER, CLAIMED), (MEMBER, CONFIRMED), (MEMBER, CLAIMED)),
                note="值班一上午，接待咨询6人次，登记在咨询台账上。",
            ),
        ),
        partners=("unit-culture",),
        needs=("郭海涛咨询：劳动合同纠纷",),
        resources=("法律咨询", "社区党群服务中心活动室"),
    ),
    ProjectSpec(
        "liyuan", "关爱独居老人",
        "为网格内的独居和空巢老人建立探访台账，每周上门一次，帮忙代购药品、检查水电燃气。",
        "unit-civil-affairs", BRAND,
        posts=(
            PostSpec(
                "上门探访", 6, 50, "每周上门一次，陪老人聊聊天，看看家里水电燃气是否安全。",
                claims=((MEMBER, CONFIRMED), (MEMBER, CONFIRMED), (MEMBER, REPORTED),
                        (MEMBER, CLAIMED)),
                note="上门看望两位独居老人，检查了燃气软管，帮忙换了灯泡。",
            ),
            PostSpec(
                "代购药品", 3, 50, "按老人的处方到药店代购常用药，送药上门。",
                claims=((MEMBER, CLAIMED),),
            ),
        ),
        partners=("unit-health", "unit-power"),
        needs=("为空巢老人何秀英家检查燃气和电线", "为第7网格12户老人上门测血压血糖"),
        resources=("助老陪护与上门探访", "老旧住宅用电安全检查"),
    ),
    ProjectSpec(
        "liyuan", "敦煌文化讲堂",
        "每月两期，请讲解员和研究院专家为居民讲莫高窟、丝路历史和敦煌非遗，孩子们做壁画临摹。",
        "unit-culture", CULTURE,
        posts=(
            PostSpec(
                "讲堂讲解员", 2, 45, "准备并讲授一期讲堂，约一小时。",
                claims=((MEMBER, REPORTED),),
                note="讲了一期《莫高窟的九色鹿》，来了30多位居民和孩子。",
            ),
            PostSpec(
                "现场服务", 4, 45, "布置场地、签到引导、维持秩序。",
                claims=((MEMBER, CONFIRMED), (MEMBER, CLAIMED)),
                note="提前一小时布置场地，负责签到和引导。",
            ),
        ),
        partners=("unit-academy",),
        needs=("韩春梅为四点半课堂募集课外读物30本",),
        resources=("市文化馆多功能厅", "敦煌文化讲解"),
        by="contact",
    ),
    # --- 桥北社区: 沙州派出所 chairs.
    ProjectSpec(
        "qiaobei", "文明交通劝导",
        "早晚高峰在沙州北路主要路口劝导行人和电动车遵守信号灯、不逆行、戴头盔。",
        "unit-police", ORDER,
        posts=(
            PostSpec(
                "路口劝导", 8, 60, "早高峰 7:30–8:30 或晚高峰 17:30–18:30，穿红马甲在路口劝导。",
                claims=((MEMBER, CONFIRMED), (MEMBER, CONFIRMED), (MEMBER, CONFIRMED),
                        (MEMBER, REPORTED), (MEMBER, CLAIMED)),
                note="早高峰在沙州北路口劝导一小时，纠正闯红灯和不戴头盔十余次。",
            ),
        ),
        partners=("unit-transport",),
    ),
    ProjectSpec(
        "qiaobei", "冬季送温暖",
        "为低保户、残疾人和困难老人送棉衣棉被和米面油，登记他们冬季的困难。",
        "unit-civil-affairs", BRAND,
        posts=(
            PostSpec(
                "入户走访", 4, 30, "和网格员一起入户，送物资、登记困难。",
                claims=((MEMBER, CONFIRMED), (MEMBER, CLAIMED)),
                note="走访5户困难家庭，送去棉被和米面油。",
            ),
        ),
        partners=("unit-abc",),
        needs=("为困难户孙桂兰一家送冬季棉衣两件",),
        resources=("冬季爱心物资",),
    ),
    # --- 鸣山社区: 市医院 chairs.
    ProjectSpec(
        "mingshan", "健康义诊进社区",
        "每月第一个周六在社区老年活动室义诊，测血压血糖，讲慢病用药，为卧床老人上门服务。",
        "unit-hospital", CIVILITY,
        posts=(
            PostSpec(
                "义诊服务", 3, 35, "医护党员坐诊或上门。",
                claims=((MEMBER, CONFIRMED), (MEMBER, CLAIMED)),
                note="坐诊一上午，为40多位老人测了血压血糖。",
            ),
            PostSpec("秩序引导", 4, 35, "排号、引导、扶老人上下楼。"),
        ),
        partners=("unit-tcm-hospital",),
        needs=("为卧床老人段玉兰上门理发",),
        resources=("健康义诊", "上门理发", "社区老年活动室"),
    ),
    # --- 月泉社区: 自然资源局 chairs.
    ProjectSpec(
        "yuequan", "防风固沙植绿",
        "在月泉社区北侧沙地种植梭梭和红柳，党员认领树苗并负责一年的浇水养护。",
        "unit-natural-resources", CIVILITY,
        posts=(
            PostSpec(
                "植树养护", 10, 55, "植树一天，之后每月浇水一次。",
                claims=((MEMBER, CONFIRMED), (MEMBER, CLAIMED), (MEMBER, CLAIMED)),
                note="种下梭梭十株，浇透了定根水。",
            ),
        ),
        resources=("防风固沙树苗",),
    ),
    ProjectSpec(
        "yuequan", "四点半课堂",
        "放学后在社区为双职工家庭的小学生辅导作业，教育局党员教师轮流值守。",
        "unit-education", CIVILITY,
        posts=(PostSpec("课业辅导", 4, 60, "工作日 16:30–18:00 辅导作业。"),),
        resources=("四点半课堂辅导教师",),
        open=False,  # 筹备中: still being planned
    ),
)  # fmt: skip

# Needs tagged with a campaign, so /campaigns/ has needs met this quarter to show.
NEED_CAMPAIGNS: tuple[tuple[str, str], ...] = (
    ("为独居老人王桂兰更换厨房水龙头", BRAND),
    ("为第7网格12户老人上门测血压血糖", BRAND),
    ("唐永红咨询子女不履行赡养义务怎么办", CIVILITY),
    ("白玉林请人为老年协会讲防范电信诈骗", ORDER),
    ("蒋守成为老年活动室募集乒乓球拍四副", CULTURE),
    ("潘志刚咨询电动车交通事故赔偿", ORDER),
    ("韩春梅为四点半课堂募集课外读物30本", CULTURE),
)


@dataclass
class ProjectsResult:
    chairs: int = 0
    resources: int = 0
    projects: int = 0
    posts: int = 0
    claims: int = 0
    tagged: int = 0


def _staff(users: dict[str, object], community: str):
    """The community's staff who name its chairs, keep its lists and confirm claims."""
    return users["secretary"] if community == "liyuan" else users["admin"]


def _deadline(today: datetime.date, quarter: Quarter, days: int) -> datetime.date:
    """``days`` from today, but not past the quarter (the project is the quarter's)."""
    return max(today, min(today + datetime.timedelta(days=days), quarter.last_day))


def seed_projects(seed: int, nodes: dict[str, Organisation]) -> ProjectsResult:
    """Name the chairs, list the resources, set up the projects and tag the needs that are
    not there yet."""
    result = ProjectsResult()
    usernames = ("admin", "secretary", "contact", "partymember")
    users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
    if len(users) < len(usernames):
        return result  # no demo accounts, and so no one to act
    today = timezone.localdate()
    quarter = Quarter.of(today)
    _chairs(result, nodes, users, quarter)
    partymember = Person.objects.get(user=users["partymember"])
    town = list(
        Person.objects.filter(user__isnull=True, political_status__in=Person.PARTY_STATUSES)
        .select_related("home_grid")
        .order_by("pk")
    )
    pools: dict[str, list[Person]] = {}

    def pool(community: str) -> list[Person]:
        if community not in pools:
            pools[community] = _party_members(town, nodes[community])
        return pools[community]

    _resources(result, seed, nodes, users, partymember, pool)
    campaigns = {c.name: c for c in Campaign.objects.filter(active=True)}
    _projects(result, seed, nodes, users, partymember, pool, campaigns, quarter, today)
    _tag_needs(result, users, campaigns)
    return result


def _chairs(result, nodes, users, quarter: Quarter) -> None:
    held = set(RotatingChair.objects.values_list("community_id", "quarter"))
    for community, unit, earlier in CHAIRS:
        for when, code in ((quarter, unit), (quarter.previous, earlier)):
            if (nodes[community].pk, when.key) in held:
                continue  # named before (maybe changed since): left as it is
            chair_name(
                community=nodes[community],
                quarter=when.key,
                unit=nodes[code],
                by=_staff(users, community),
            )
            result.chairs += 1


def _resources(result, seed, nodes, users, partymember, pool) -> None:
    existing = set(Resource.objects.values_list("community_id", "title"))
    todo = [s for s in RESOURCES if (nodes[s.community].pk, s.title) not in existing]
    if not todo:
        return
    categories = {
        name: NeedCategory.objects.get_or_create(name=name)[0]
        for name in sorted({s.category for s in todo})
    }
    for spec in todo:
        organisation, person, by = None, None, _staff(users, spec.community)
        if spec.provider == PARTYMEMBER:
            person, by = partymember, users["partymember"]  # from her own phone
        elif spec.provider == MEMBER:
            rng = random.Random(f"{seed}:resource:{spec.title}")
            local = pool(spec.community)[:12]
            person = rng.choice(local) if local else None
            if person is None:
                continue  # a tiny town may have no party member here
        else:
            organisation = nodes[spec.provider]
            if spec.provider == "unit-culture":
                by = users["contact"]  # the unit's own contact lists its hall
        resource_add(
            by=by,
            community=nodes[spec.community],
            organisation=organisation,
            person=person,
            kind=spec.kind,
            category=categories[spec.category],
            title=spec.title,
            description=spec.description,
            availability=spec.availability,
            contact=spec.contact,
        )
        result.resources += 1


def _projects(result, seed, nodes, users, partymember, pool, campaigns, quarter, today) -> None:
    existing = set(Project.objects.filter(quarter=quarter.key).values_list("community_id", "title"))
    todo = [s for s in PROJECTS if (nodes[s.community].pk, s.title) not in existing]
    for spec in todo:
        community = nodes[spec.community]
        staff = _staff(users, spec.community)
        by = users[spec.by] if spec.by else staff
        project = project_create(
            by=by,
            community=community,
            quarter=quarter.key,
            title=spec.title,
            description=spec.description,
            lead_unit=nodes[spec.lead_unit],
            partner_units=[nodes[code] for code in spec.partners],
            campaign=campaigns.get(spec.campaign),
            needs=Need.objects.filter(community=community, title__in=spec.needs),
            resources=Resource.objects.filter(
                community=community, title__in=spec.resources, active=True
            ),
        )
        result.projects += 1
        posts = [
            post_add(
                project=project,
                by=by,
                title=post.title,
                description=post.description,
                places=post.places,
                deadline=_deadline(today, quarter, post.days),
            )
            for post in spec.posts
        ]
        result.posts += len(posts)
        if not spec.open:
            continue
        project_open(project=project, by=by)
        for post_spec, post in zip(spec.posts, posts, strict=True):
            # One stream per post, so a project already there does not shift the others.
            rng = random.Random(f"{seed}:post:{spec.community}:{spec.title}:{post_spec.title}")
            for person, how in _claimers(rng, post_spec, pool(spec.community), partymember):
                claim = post_claim(post=post, person=person)
                result.claims += 1
                if how in (REPORTED, CONFIRMED):
                    claim = claim_report(
                        claim=claim,
                        person=person,
                        minutes=rng.choice((60, 90, 120, 180)),
                        served_on=today,
                        note=post_spec.note,
                    )
                if how == CONFIRMED:
                    # The chair's contact confirms in her own project; staff elsewhere.
                    claim_confirm(claim=claim, by=by)


def _claimers(rng: random.Random, spec: PostSpec, pool: list[Person], partymember: Person):
    """The people of ``spec.claims``, in order; generated members drawn from ``pool``."""
    wanted = sum(1 for who, _how in spec.claims if who == MEMBER)
    local = pool[: max(wanted, 8)]  # a few from nearby; none twice on one post
    drawn = iter(rng.sample(local, min(wanted, len(local))))
    for who, how in spec.claims:
        person = partymember if who == PARTYMEMBER else next(drawn, None)
        if person is not None:  # a tiny town may have fewer members than places
            yield person, how


def _tag_needs(result, users, campaigns) -> None:
    titles = dict(NEED_CAMPAIGNS)
    # Only needs not tagged yet: one tagged (or re-tagged) since is left as it is.
    for need in Need.objects.filter(title__in=titles, campaign__isnull=True).select_related(
        "community"
    ):
        campaign = campaigns.get(titles[need.title])
        if campaign is None:
            continue
        need_set_campaign(need=need, campaign=campaign, by=_staff(users, need.community.code))
        result.tagged += 1
