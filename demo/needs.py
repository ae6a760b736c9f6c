"""The demo town's 需求清单 and 双项认领: residents' needs in every state, across six
communities, and the claims party members made on them.

Called by ``demo.town.seed_demo_town`` once the demo accounts exist. Every step is a call
to ``volunteers.services.needs`` (record, submit, publish, claim, report, confirm, close),
made by the staff who would make it: the demo ``gridworker`` on 梨园社区第3网格, the
demo ``secretary`` elsewhere in 梨园, the town ``admin`` in the other communities. So
the needs are validated, audited and notified like real ones, and a confirmed claim earns
its points through the ledger.

Idempotent: a need is found again by (grid, title), and a need found is left as it is
(with its claims), so a second seed writes nothing. Deadlines are days from today,
since the services refuse a deadline in the past; the resident phones, addresses and the
generated party members who claim come from a stream seeded per need, so the same seed
and the same town give the same needs.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from volunteers.models import Need, NeedCategory, Organisation, Person
from volunteers.services.needs import (
    claim_confirm,
    claim_report,
    need_claim,
    need_close,
    need_publish,
    need_record,
    need_submit,
)

GOODS = Need.Kind.GOODS
SERVICE = Need.Kind.SERVICE

# Who does what to a claim, in order: claimed (already 已认领), reported (待确认: the
# service is done, the grid is to confirm) or confirmed (已完成, points credited).
CLAIMED, REPORTED, CONFIRMED = "claimed", "reported", "confirmed"
# A claimer: the demo account `partymember`, or any generated party member.
PARTYMEMBER, MEMBER = "partymember", "member"

# The resident's address, on a real-sounding street of each community.
STREETS = {
    "liyuan": "阳关中路",
    "qiaobei": "沙州北路",
    "mingshan": "鸣山路",
    "yuequan": "月牙泉路",
    "yangguan": "阳关东路",
    "danghe": "党河北路",
}
# Who records and approves: the staff of the grid, as a real town would have it.
GRID_WORKER_GRID = ("liyuan", 3)
# Mobile blocks for the residents' phones, distinct from the generated residents' stream.
RESIDENT_PHONE_PREFIXES = ("139", "158", "186", "177", "133", "189")


@dataclass(frozen=True)
class NeedSpec:
    community: str  # slug
    grid: int
    kind: str
    category: str
    title: str  # what the staff see: may name the resident
    public_title: str  # what the 微心愿墙 shows: never a name
    resident: str  # the resident's name; "" for the demo `volunteer`, who submits herself
    description: str
    days: int  # deadline, days from today
    places: int = 1
    publish: bool = True
    claims: tuple[tuple[str, str], ...] = ()  # (claimer, how far it went)
    close_reason: str = ""
    note: str = ""  # the claimants' report, when they report


NEEDS: tuple[NeedSpec, ...] = (
    # --- 梨园社区第3网格: the demo `volunteer` (陈小燕) lives here, `gridworker` keeps it.
    NeedSpec(
        "liyuan", 3, SERVICE, "助困扶残与就业援助",
        "每周帮腿脚不便的母亲去市医院取药", "每周帮腿脚不便的老人取药", "",
        "母亲七十八岁，腿脚不便，每周二要到市医院取降压药，我白天上班走不开。",
        days=20, publish=False,
    ),
    NeedSpec(
        "liyuan", 3, SERVICE, "文化体育",
        "孩子三年级数学跟不上，想请人周末辅导", "辅导三年级学生数学", "",
        "孩子上三年级，乘除法和应用题跟不上，希望周末下午有人辅导一两个小时。",
        days=30,
    ),
    NeedSpec(
        "liyuan", 3, SERVICE, "助困扶残与就业援助",
        "为独居老人王桂兰更换厨房水龙头", "为独居老人更换厨房水龙头", "王桂兰",
        "厨房水龙头漏水一个多月，老人自己修不了，水费也高了。",
        days=10, claims=((PARTYMEMBER, CONFIRMED),),
        note="买了新水龙头并装好，顺手换了漏水的角阀，老人试过不漏了。",
    ),
    NeedSpec(
        "liyuan", 3, GOODS, "助困扶残与就业援助",
        "给低保户马玉林送冬季棉衣两件", "冬季棉衣两件（男款，XL）", "马玉林",
        "老人独居，旧棉衣已经穿了十几年，入冬前需要两件厚棉衣。",
        days=15, claims=((MEMBER, REPORTED),),
        note="买了两件加厚棉衣送到家，老人试穿合身。",
    ),
    NeedSpec(
        "liyuan", 3, GOODS, "其他",
        "杨得福术后需要借用轮椅一辆", "轮椅一辆（借用三个月）", "杨得福",
        "髋关节手术后出院，医生嘱咐三个月内少走路，家里没有轮椅。",
        days=12, publish=False,
    ),
    NeedSpec(
        "liyuan", 3, SERVICE, "安全宣传与治安巡逻",
        "为空巢老人何秀英家检查燃气和电线", "为空巢老人家中检查燃气和电线", "何秀英",
        "房子是九十年代的，电线老化，燃气软管也没换过，老人担心不安全。",
        days=2,
    ),
    # --- 梨园社区的其他网格: the demo `secretary` keeps them.
    NeedSpec(
        "liyuan", 5, SERVICE, "法律咨询与援助",
        "郭海涛咨询：劳动合同纠纷", "法律咨询：劳动合同纠纷", "郭海涛",
        "在工地干了八个月，没签书面合同，老板拖欠两个月工资，想咨询怎么维权。",
        days=14, claims=((PARTYMEMBER, CLAIMED),),
    ),
    NeedSpec(
        "liyuan", 7, SERVICE, "健康医疗",
        "为第7网格12户老人上门测血压血糖", "为高龄老人上门测血压血糖", "梁玉梅",
        "网格内12户八十岁以上老人，行动不便，需要每月上门测一次血压血糖。",
        days=7, places=3, claims=((MEMBER, CONFIRMED),) * 3,
        note="上门为4户老人测了血压血糖，数值已记在健康卡上。",
    ),
    NeedSpec(
        "liyuan", 12, GOODS, "文化体育",
        "韩春梅为四点半课堂募集课外读物30本", "四点半课堂需要课外读物30本", "韩春梅",
        "社区四点半课堂有20多个小学生，书架上的书都看过好几遍了。",
        days=25, places=2, claims=((MEMBER, CLAIMED),),
    ),
    NeedSpec(
        "liyuan", 9, SERVICE, "社区治理",
        "帮魏长青清理9号楼楼道堆放的杂物", "清理老旧小区楼道杂物", "魏长青",
        "楼道里堆了旧家具和纸箱，挡住消防通道，楼长一个人搬不动。",
        days=1, places=2,
    ),
    NeedSpec(
        "liyuan", 2, SERVICE, "其他",
        "帮曹玉兰老人搬家到女儿家附近", "帮独居老人搬家", "曹玉兰",
        "老人要搬到女儿家附近住，家具不多，需要两三个人帮忙搬运。",
        days=9, claims=((MEMBER, CLAIMED),),
        close_reason="居民已由子女安排搬家，不再需要帮助。",
    ),
    # --- 桥北社区
    NeedSpec(
        "qiaobei", 4, GOODS, "助困扶残与就业援助",
        "为困难户孙桂兰一家送冬季棉衣两件", "冬季棉衣两件（女款，L 号）", "孙桂兰",
        "丈夫长期卧床，家里靠低保生活，入冬需要两件厚棉衣。",
        days=3,
    ),
    NeedSpec(
        "qiaobei", 6, SERVICE, "法律咨询与援助",
        "唐永红咨询子女不履行赡养义务怎么办", "法律咨询：子女不履行赡养义务", "唐永红",
        "老人七十多岁，三个子女都不给赡养费，想了解能不能起诉。",
        days=8, claims=((MEMBER, CONFIRMED),),
        note="上门讲解了赡养费的法律规定，帮老人写好了调解申请书。",
    ),
    NeedSpec(
        "qiaobei", 10, SERVICE, "健康医疗",
        "陪同田玉梅老人到市医院复查眼睛", "陪同独居老人到医院复查", "田玉梅",
        "白内障手术后需要复查，老人不识字，挂号和找科室都困难。",
        days=6, claims=((MEMBER, CLAIMED),),
    ),
    NeedSpec(
        "qiaobei", 11, SERVICE, "组织建设",
        "为行动不便的老党员高守成送学上门", "为行动不便的老党员送学上门", "高守成",
        "老党员九十岁，出不了门，希望每月有人上门讲讲党的新政策。",
        days=30, publish=False,
    ),
    NeedSpec(
        "qiaobei", 3, GOODS, "助困扶残与就业援助",
        "听力残疾人罗建军需要助听器一副", "助听器一副", "罗建军",
        "双耳听力下降，原来的助听器坏了，买新的负担不起。",
        days=20, publish=False,
        close_reason="已由市残联免费适配助听器，需求已满足。",
    ),
    # --- 鸣山社区
    NeedSpec(
        "mingshan", 2, SERVICE, "文化体育",
        "为留守儿童丁梦瑶辅导初二英语", "为留守儿童辅导初二英语", "丁梦瑶",
        "父母在外打工，跟爷爷奶奶生活，英语成绩下滑，希望每周辅导一次。",
        days=21,
    ),
    NeedSpec(
        "mingshan", 8, SERVICE, "安全宣传与治安巡逻",
        "白玉林请人为老年协会讲防范电信诈骗", "为老年人讲解防范电信诈骗", "白玉林",
        "最近有老人接到冒充公检法的电话，老年协会想请人讲一次课。",
        days=5, places=2, claims=((MEMBER, CONFIRMED),) * 2,
        note="在老年活动室讲了一堂防诈课，40 多位老人参加，发放宣传册。",
    ),
    NeedSpec(
        "mingshan", 15, GOODS, "助困扶残与就业援助",
        "为低保家庭学生韩子轩捐一套学习桌椅", "为困难家庭学生捐学习桌椅一套", "韩子轩",
        "孩子一直趴在床边写作业，家里没有书桌。",
        days=12, claims=((MEMBER, REPORTED),),
        note="买了一套可调高度的学习桌椅，送到家里装好了。",
    ),
    NeedSpec(
        "mingshan", 5, SERVICE, "健康医疗",
        "为卧床老人段玉兰上门理发", "为卧床老人上门理发", "段玉兰",
        "老人长期卧床，三个多月没理发了。",
        days=1,
    ),
    NeedSpec(
        "mingshan", 20, SERVICE, "社区治理",
        "调解史家与楼上邻居的漏水纠纷", "调解邻里漏水纠纷", "史文博",
        "楼上卫生间漏水到楼下，两家协商不成，希望有人帮忙调解。",
        days=10, close_reason="双方已在网格员调解下达成协议。",
    ),
    # --- 月泉社区
    NeedSpec(
        "yuequan", 1, SERVICE, "助困扶残与就业援助",
        "帮助肢残青年冯浩然学电脑、找工作", "帮助残疾青年学电脑、找工作", "冯浩然",
        "二十三岁，下肢残疾，想学办公软件，找一份能在家做的工作。",
        days=40, places=2, claims=((MEMBER, CLAIMED),),
    ),
    NeedSpec(
        "yuequan", 4, GOODS, "文化体育",
        "蒋守成为老年活动室募集乒乓球拍四副", "老年活动室需要乒乓球拍四副", "蒋守成",
        "活动室的球拍都坏了，老人们每天下午都要打球。",
        days=15, claims=((MEMBER, CONFIRMED),),
        note="送去四副球拍和两盒球，老人们当天就用上了。",
    ),
    NeedSpec(
        "yuequan", 9, SERVICE, "社区治理",
        "为6号楼楼道更换声控灯泡（刘志刚反映）", "为老旧楼道更换声控灯泡", "刘志刚",
        "6号楼二到五层的声控灯坏了，晚上上下楼看不见。",
        days=9, publish=False,
    ),
    NeedSpec(
        "yuequan", 12, SERVICE, "健康医疗",
        "每周陪失独老人汪桂兰聊聊天", "每周陪伴失独老人聊天", "汪桂兰",
        "老人一个人住，话越来越少，希望有人每周来陪她说说话。",
        days=30, claims=((MEMBER, CLAIMED),),
    ),
    # --- 阳关社区
    NeedSpec(
        "yangguan", 3, SERVICE, "法律咨询与援助",
        "潘志刚咨询电动车交通事故赔偿", "法律咨询：电动车交通事故赔偿", "潘志刚",
        "骑电动车被汽车撞伤，对方只愿赔医药费，想了解还能主张哪些赔偿。",
        days=6, claims=((MEMBER, CONFIRMED),),
        note="帮他整理了病历和误工证明，讲清了可主张的赔偿项目。",
    ),
    NeedSpec(
        "yangguan", 7, GOODS, "助困扶残与就业援助",
        "为五保户姚得福送冬季取暖煤一吨", "冬季取暖煤一吨", "姚得福",
        "老人住平房，冬天靠烧煤取暖，家里的煤只够烧半个月。",
        days=10,
    ),
    NeedSpec(
        "yangguan", 14, SERVICE, "文化体育",
        "教社区老人用智能手机挂号、视频（吕春花牵头）", "教社区老人用智能手机挂号、视频",
        "吕春花",
        "十几位老人想学用手机在网上挂号、和外地的子女视频。",
        days=9, places=3, claims=((MEMBER, CLAIMED),) * 3,
    ),
    # --- 党河社区
    NeedSpec(
        "danghe", 2, SERVICE, "安全宣传与治安巡逻",
        "为党河小区3号楼检查消防器材（崔明反映）", "为老旧小区检查消防器材", "崔明",
        "楼道里的灭火器好几年没检查过，有的压力表指针已经到红区。",
        days=14, publish=False,
    ),
    NeedSpec(
        "danghe", 6, GOODS, "其他",
        "为单亲妈妈石晓燕借婴儿推车一辆", "为单亲妈妈借婴儿推车一辆", "石晓燕",
        "孩子刚满三个月，带去打疫苗要走很远。",
        days=7, publish=False, close_reason="居民已撤回：亲戚已送来婴儿推车。",
    ),
    NeedSpec(
        "danghe", 10, SERVICE, "助困扶残与就业援助",
        "周末陪孤独症儿童杜天佑户外活动", "周末陪伴孤独症儿童户外活动", "杜天佑",
        "孩子八岁，家长希望每周末有人陪他在公园散步、玩一会儿。",
        days=18,
    ),
)  # fmt: skip


@dataclass
class NeedsResult:
    needs: int = 0
    claims: int = 0


def _staff(users: dict[str, object], spec: NeedSpec):
    """Who records, approves, confirms and closes this need."""
    if (spec.community, spec.grid) == GRID_WORKER_GRID:
        return users["gridworker"]
    return users["secretary"] if spec.community == "liyuan" else users["admin"]


def _phone(rng: random.Random) -> str:
    return rng.choice(RESIDENT_PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _address(rng: random.Random, spec: NeedSpec) -> str:
    return (
        f"{STREETS[spec.community]}{rng.randrange(1, 80)}号院{rng.randrange(1, 13)}号楼"
        f"{rng.randrange(1, 5)}单元{rng.randrange(1, 7)}0{rng.randrange(1, 3)}室"
    )


def _party_members(town: list[Person], community: Organisation) -> list[Person]:
    """The generated party members who would claim in ``community``: those reported to it
    first, then those living in it, then the rest of the town, each part oldest first."""

    def nearness(person: Person) -> int:
        if person.reported_community_id == community.pk:
            return 0
        lives_here = person.home_grid is not None and community.contains(person.home_grid)
        return 1 if lives_here else 2

    return sorted(town, key=lambda person: (nearness(person), person.pk))


def _claimers(rng: random.Random, spec: NeedSpec, pool: list[Person], partymember: Person):
    """The people of ``spec.claims``, in order; generated members drawn from ``pool``."""
    wanted = sum(1 for who, _how in spec.claims if who == MEMBER)
    local = pool[: max(wanted, 6)]  # a few from nearby, so the same faces help around here
    drawn = iter(rng.sample(local, min(wanted, len(local))))
    for who, how in spec.claims:
        person = partymember if who == PARTYMEMBER else next(drawn, None)
        if person is not None:  # a tiny town may have fewer members than places
            yield person, how


def seed_needs(seed: int, nodes: dict[str, Organisation]) -> NeedsResult:
    """Record the demo's needs and their claims that are not there yet."""
    result = NeedsResult()
    existing = set(Need.objects.values_list("grid_id", "title"))
    planned = [(spec, nodes[f"{spec.community}-grid-{spec.grid:02d}"]) for spec in NEEDS]
    todo = [(spec, grid) for spec, grid in planned if (grid.pk, spec.title) not in existing]
    usernames = ("admin", "secretary", "gridworker", "volunteer", "partymember")
    users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
    if not todo or len(users) < len(usernames):
        return result  # done before; or no demo accounts, and so no one to act
    volunteer = Person.objects.get(user=users["volunteer"])
    partymember = Person.objects.get(user=users["partymember"])
    # The town's list comes from a migration and may have been edited since: a category
    # the demo needs and does not find is added back.
    categories = {
        name: NeedCategory.objects.get_or_create(name=name)[0]
        for name in sorted({spec.category for spec, _grid in todo})
    }
    # Generated party members have no login: their claims are made for them here.
    town = list(
        Person.objects.filter(user__isnull=True, political_status__in=Person.PARTY_STATUSES)
        .select_related("home_grid")
        .order_by("pk")
    )
    pools: dict[str, list[Person]] = {}
    today = timezone.localdate()
    for spec, grid in todo:
        # One stream per need, so a need already there does not shift the others.
        rng = random.Random(f"{seed}:need:{spec.title}")
        staff = _staff(users, spec)
        common = {
            "grid": grid,
            "kind": spec.kind,
            "category": categories[spec.category],
            "title": spec.title,
            "description": spec.description,
            "address": _address(rng, spec),
            "places": spec.places,
            "deadline": today + datetime.timedelta(days=spec.days),
        }
        if spec.resident:
            need = need_record(
                by=staff,
                resident_name=spec.resident,
                resident_phone=_phone(rng),
                public_title=spec.public_title,
                **common,
            )
        else:  # the demo volunteer's own 微心愿, from her phone
            need = need_submit(person=volunteer, **common)
        result.needs += 1
        if spec.publish:
            need = need_publish(need=need, by=staff, public_title=spec.public_title)
        if spec.community not in pools:
            pools[spec.community] = _party_members(town, nodes[spec.community])
        for person, how in _claimers(rng, spec, pools[spec.community], partymember):
            claim = need_claim(need=need, person=person)
            result.claims += 1
            if how in (REPORTED, CONFIRMED):
                claim = claim_report(
                    claim=claim,
                    person=person,
                    minutes=rng.choice((60, 90, 120) if spec.kind == SERVICE else (30, 45)),
                    served_on=today,
                    note=spec.note,
                )
            if how == CONFIRMED:
                claim_confirm(claim=claim, by=staff)
        if spec.close_reason:
            need_close(need=need, by=staff, reason=spec.close_reason)
    return result
