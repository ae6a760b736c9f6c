"""The demo publicity site: the whole page tree, written for Shazhou, with its pictures.

``seed_site`` runs at the end of ``seed_demo`` (after the town, its people and
activities exist, because several pages point at them). It is idempotent by natural
key — an image by its title, a page by its slug under its parent, a category by its
slug, the settings by their site — so a second run finds everything and writes
nothing. Existing pages are never changed: an editor's work is not overwritten.
"""

import datetime
import io
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from cms import editorial
from cms.models import (
    ActivityIndexPage,
    HomePage,
    HonourRollPage,
    NewsCategory,
    NewsIndexPage,
    NewsPage,
    SiteSettings,
    StandardPage,
    StoryIndexPage,
    StoryPage,
    TeamIndexPage,
    TeamPage,
)
from cms.signals import purge_pages_and_chrome
from cms.sites import site_follow_site_url
from demo.pictures import Picture, file_name, render_picture, render_seal
from points.models import CertificateSettings
from volunteers.models import Activity, Organisation

# --- Pictures ----------------------------------------------------------------------------------

PICTURES = (
    Picture(
        "hero",
        "沙州镇红马甲志愿者（首页横幅）",
        "鸣沙山下，一排身穿红马甲的志愿者举着队旗",
        "desert",
        (1600, 900),
    ),
    Picture(
        "traffic",
        "文明交通劝导",
        "红马甲志愿者在斑马线旁劝导行人等红灯",
        "traffic",
        (1200, 675),
        "阳关中路与沙州路口",
    ),
    Picture(
        "patrol",
        "社区治安联防夜间巡逻",
        "夜色中，志愿者在居民楼下分组巡逻",
        "night",
        (1200, 675),
        "梨园社区夜间巡逻",
    ),
    Picture(
        "elderly",
        "敬老助残上门服务",
        "志愿者走进独居老人家中陪老人聊天",
        "home_visit",
        (1200, 675),
        "敬老助残上门服务",
    ),
    Picture(
        "river",
        "党河风情线环境整治",
        "志愿者沿党河岸边的白杨树下清理垃圾",
        "river",
        (1200, 675),
        "党河风情线",
    ),
    Picture(
        "party",
        "党员志愿者奉献日",
        "党员志愿者在红色横幅下集合",
        "party",
        (1200, 675),
        "党员志愿者奉献日",
    ),
    Picture(
        "greening",
        "防风固沙植绿",
        "志愿者在沙丘上扎草方格、种下梭梭苗",
        "greening",
        (1200, 675),
        "鸣沙山脚下扎草方格",
    ),
    Picture(
        "antifraud",
        "反诈宣传进社区",
        "桥北社区文化广场上的反诈宣传",
        "anti_fraud",
        (1200, 675),
        "桥北社区反诈宣传",
        7,
    ),
    Picture(
        "classroom",
        "四点半课堂",
        "放学后志愿者辅导孩子们写作业",
        "home_visit",
        (1200, 675),
        "四点半课堂",
        11,
    ),
    Picture("portrait-zhang", "人物：张志强", "张志强身穿红马甲的画像", "portrait", (600, 750)),
    Picture(
        "portrait-zhao", "人物：赵文静", "赵文静身穿红马甲的画像", "portrait_lapis", (600, 750)
    ),
    Picture("portrait-li", "人物：李淑芬", "李淑芬身穿红马甲的画像", "portrait_ochre", (600, 750)),
    Picture("portrait-ma", "人物：马桂兰", "马桂兰身穿红马甲的画像", "portrait", (600, 750), "", 5),
    Picture("logo", "美丽沙州标志", "美丽沙州标志：红底上的太阳和沙丘", "logo", (256, 256)),
    Picture(
        "wechat",
        "“聚焦沙州”公众号二维码（演示）",
        "微信公众号“聚焦沙州”二维码",
        "qr",
        (480, 480),
        "聚焦沙州（演示二维码）",
    ),
)


def ensure_images() -> tuple[dict[str, object], int]:
    """The demo pictures by key, creating the ones missing (found again by title)."""
    Image = get_image_model()
    titles = {picture.title: picture for picture in PICTURES}
    found = {image.title: image for image in Image.objects.filter(title__in=list(titles))}
    created = 0
    images = {}
    for picture in PICTURES:
        image = found.get(picture.title)
        if image is None:
            content = render_picture(picture)
            image = Image(title=picture.title, description=picture.alt)
            image.file = ImageFile(_bytes_file(content), name=file_name(picture))
            image.save()
            created += 1
        images[picture.key] = image
    return images, created


def _bytes_file(content: bytes):
    return io.BytesIO(content)


# --- Stream helpers (raw StreamField data: ids for images and pages) ---------------------------


def rich(html: str) -> dict:
    return {"type": "rich_text", "value": html}


def quote(text: str, author: str = "", role: str = "") -> dict:
    return {"type": "quote", "value": {"text": text, "author": author, "role": role}}


def picture(image, caption: str = "") -> dict:
    return {
        "type": "image",
        "value": {
            "image": {"image": image.pk, "alt_text": image.description, "decorative": False},
            "caption": caption,
        },
    }


def cta(heading: str, text: str, button: str, *, page=None, url: str = "", tone="vest") -> dict:
    return {
        "type": "call_to_action",
        "value": {
            "heading": heading,
            "text": text,
            "button_text": button,
            "link": {"page": page.pk if page else None, "url": url},
            "tone": tone,
        },
    }


# --- The tree --------------------------------------------------------------------------------


@dataclass
class Seeded:
    created: int = 0


def _child(parent: Page, model, slug: str, build, seeded: Seeded):
    """The child page with this slug, or a new live one made by ``build()``.

    Demo pages are created live in one save, without a revision or a publish action
    (the admin makes the first revision when an editor first saves the page): a
    publish per page would double the time ``seed_demo`` takes, and the caches are
    purged once when the seed commits.
    """
    existing = Page.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing.specific
    page = build()
    page.slug = slug
    page.live = True
    page.has_unpublished_changes = False
    published = getattr(page, "_published_at", None) or timezone.now()
    page.first_published_at = page.last_published_at = published
    page.latest_revision_created_at = published  # the admin lists pages by this date
    page.owner = _author("admin")
    parent.add_child(instance=page)
    seeded.created += 1
    return page


def _morning(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))


def _author(username: str):
    return get_user_model().objects.filter(username=username).first()


def _org(code: str) -> Organisation | None:
    return Organisation.objects.filter(code=code).first()


def _latest_finished(title: str) -> Activity | None:
    return (
        Activity.objects.published()
        .filter(title=title, ends_at__lt=timezone.now())
        .order_by("-starts_at")
        .first()
    )


CATEGORIES = (
    ("huodong-baodao", "活动报道", 10),
    ("dangjian", "党建引领", 20),
    ("tongzhi-gonggao", "通知公告", 30),
    ("shequ-fengcai", "社区风采", 40),
)


def ensure_categories(seeded: Seeded) -> dict[str, NewsCategory]:
    categories = {}
    for slug, name, order in CATEGORIES:
        category, new = NewsCategory.objects.get_or_create(
            slug=slug, defaults={"name": name, "sort_order": order}
        )
        seeded.created += new
        categories[slug] = category
    return categories


def build_home_body(home: HomePage, images, sections: dict[str, Page]) -> list[dict]:
    return [
        {
            "type": "hero",
            "value": {
                "heading": "红马甲在身边",
                "text": "沙州镇一支志愿服务支队、八支小分队、五十二支特色服务队，"
                "扫码签到、积分记实，每一份付出都有迹可循。",
                "image": {"image": images["hero"].pk, "alt_text": "", "decorative": True},
                "button_text": "找个活动参加",
                "button_link": {"page": sections["activities"].pk, "url": ""},
            },
        },
        {
            "type": "town_statistics",
            "value": {
                "heading": "沙州志愿服务数据",
                "note": "数字来自扫码签到记录，每五分钟自动更新。",
            },
        },
        {
            "type": "upcoming_activities",
            "value": {"heading": "近期活动", "count": 4, "community": "", "category": ""},
        },
        cta(
            "在职党员，请到居住地社区报到",
            "扫社区党群服务中心的报到二维码，或在“我的”页面提出申请。回社区参加服务，"
            "计入在职党员积分，作为年度评议的依据。",
            "怎样报到",
            page=sections["join"],
            tone="green",
        ),
        {"type": "team_cards", "value": {"heading": "志愿服务小分队", "count": 8}},
        {
            "type": "leaderboard",
            "value": {
                "heading": "本月光荣榜",
                "scope": "shazhou",
                "population": "volunteers",
                "period": "month",
                "measure": "points",
                "top_n": 10,
            },
        },
        quote(
            "以前早高峰路口乱穿马路的多，红马甲站了一年多，现在大家都自觉等红灯了。",
            "王桂兰",
            "梨园社区居民",
        ),
    ]


def seed_sections(home: HomePage, images, seeded: Seeded) -> dict[str, Page]:
    sections: dict[str, Page] = {}
    sections["activities"] = _child(
        home,
        ActivityIndexPage,
        "huodong",
        lambda: ActivityIndexPage(
            title="志愿活动",
            intro="全镇各社区、各服务队发布的志愿活动都在这里。选好活动点进去报名，"
            "到场后扫组织者出示的二维码签到，服务时长和积分自动记录。",
            body=[
                cta(
                    "还没有账号？",
                    "用手机号注册，选好所在网格，就能报名身边的志愿活动。",
                    "立即注册",
                    url="/accounts/signup/",
                    tone="sand",
                )
            ],
            search_description="沙州镇志愿活动：文明交通劝导、社区治安联防、敬老助残、环境整治，在线报名、扫码签到。",
        ),
        seeded,
    )
    sections["news"] = _child(
        home,
        NewsIndexPage,
        "dongtai",
        lambda: NewsIndexPage(
            title="志愿动态",
            intro="沙州镇各社区志愿服务、在职党员报到和“三单一卡”的新消息。"
            "社区编辑撰写，镇里审核后发布。",
        ),
        seeded,
    )
    sections["teams"] = _child(
        home,
        TeamIndexPage,
        "duiwu",
        lambda: TeamIndexPage(
            title="志愿服务队伍",
            intro="沙州镇志愿服务支队下设八个社区的志愿服务小分队和五十二支特色志愿服务队。"
            "队员人数和服务时长来自扫码签到记录，自动更新。",
        ),
        seeded,
    )
    sections["stories"] = _child(
        home,
        StoryIndexPage,
        "xianjin",
        lambda: StoryIndexPage(
            title="先进典型",
            intro="路口的劝导员、夜里的巡逻队、下班后回社区的在职党员——他们是沙州的红马甲。",
        ),
        seeded,
    )
    sections["honour"] = _child(
        home,
        HonourRollPage,
        "guangrongbang",
        lambda: HonourRollPage(
            title="光荣榜",
            intro="光荣榜每月公示一次：按上月的积分和服务时长排名，经社区党委核对后公示七天。",
            objection_note="公示期内如有异议，可向所在社区党委反映，或拨打社区民情呼叫热线。",
            body=[
                rich(
                    "<h2>积分怎么来</h2><ul><li>参加志愿活动，扫码签到、签退，按服务时长记积分；</li>"
                    "<li>在职党员回居住地社区服务，计入在职党员积分；</li>"
                    "<li>认领“双项认领卡”上的项目并完成，另有加分。</li></ul>"
                    "<p>积分可以在社区爱心超市兑换生活用品。</p>"
                )
            ],
        ),
        seeded,
    )
    sections.update(seed_standard_pages(home, images, seeded))
    return sections


def seed_standard_pages(home: HomePage, images, seeded: Seeded) -> dict[str, Page]:
    pages = {}
    pages["brand"] = _child(
        home,
        StandardPage,
        "pinpai",
        lambda: StandardPage(
            title="美丽沙州 · 美丽敦煌红马甲",
            intro="“美丽沙州”是沙州镇的志愿服务品牌，红马甲是它最醒目的标志。",
            cover_image=images["hero"],
            body=[
                rich(
                    "<p>沙州镇地处敦煌市区，下辖八个社区、三百三十九个网格。"
                    "镇里以党建引领基层治理，把党员、网格员、志愿者和行业协会组织起来，"
                    "形成“四支队伍”，一年开展志愿服务活动一百多场。</p>"
                    "<p>走在沙州的街头，早高峰路口劝导行人的是红马甲，夜里楼道巡逻的是红马甲，"
                    "党河边捡垃圾、鸣沙山下扎草方格的，还是红马甲。"
                    "“美丽敦煌红马甲”已经成为沙州人身边最熟悉的身影。</p>"
                    "<h2>这个平台做什么</h2><ul><li>发布活动、在线报名，名额满了可以候补；</li>"
                    "<li>到场扫码签到、签退，服务时长自动记录；</li>"
                    "<li>积分和服务时长每月公示在光荣榜上；</li>"
                    "<li>在职党员向居住地社区报到，服务情况计入年度评议。</li></ul>"
                ),
                quote("有难找支部，服务找党员。", "沙州镇党委"),
            ],
        ),
        seeded,
    )
    pages["four_forces"] = _child(
        home,
        StandardPage,
        "sizhi-duiwu",
        lambda: StandardPage(
            title="四支队伍",
            intro="党员先锋攻坚队、网格员联防联控队、志愿者爱心互助队、行业协会特色服务队，"
            "全镇约一万零四百人。",
            cover_image=images["party"],
            body=[
                rich(
                    "<h2>党员先锋攻坚队</h2><p>由社区大党委、网格党支部和党小组的党员组成，"
                    "急难险重任务冲在前面。每月第一个周六是“党员志愿者奉献日”。</p>"
                    "<h2>网格员联防联控队</h2><p>三百三十九个网格，每格一名网格员，"
                    "熟悉每一户的情况，负责信息采集、矛盾排查和联防联控。</p>"
                    "<h2>志愿者爱心互助队</h2><p>八个社区的志愿服务小分队和五十二支特色服务队："
                    "文明交通劝导、社区治安联防、敬老助残、环境整治……人人可以报名参加。</p>"
                    "<h2>行业协会特色服务队</h2><p>医疗、法律、家电维修、理发等行业的从业者，"
                    "把手艺带进社区，定期开展便民服务。</p>"
                ),
            ],
        ),
        seeded,
    )
    pages["three_lists"] = _child(
        home,
        StandardPage,
        "sandan-yika",
        lambda: StandardPage(
            title="三单一卡",
            intro="需求清单、资源清单、项目清单和双项认领卡：让群众的需要和党员的本事对上号。",
            body=[
                rich(
                    "<h2>需求清单</h2><p>网格员入户走访，把居民的急难愁盼列成清单："
                    "独居老人要人陪、楼道灯坏了要修、孩子放学没人管……</p>"
                    "<h2>资源清单</h2><p>在职党员和驻区单位亮出各自的资源和专长：会义诊、懂法律、"
                    "能修家电、有场地。</p>"
                    "<h2>项目清单</h2><p>社区党委把需求和资源对接起来，形成一个个服务项目，"
                    "例如“四点半课堂”“便民义诊”。</p>"
                    "<h2>双项认领卡</h2><p>在职党员用认领卡认领项目，完成后由社区确认，"
                    "计入在职党员积分。</p>"
                ),
                picture(images["classroom"], "梨园社区“四点半课堂”，在职党员认领的辅导项目。"),
            ],
        ),
        seeded,
    )
    pages["join"] = _child(
        home,
        StandardPage,
        "jiaru",
        lambda: StandardPage(
            title="加入我们",
            intro="穿上红马甲只需要三步：注册、报名、扫码签到。",
            body=[
                rich(
                    "<h2>一、用手机号注册</h2><p>填写姓名和手机号，输入短信验证码后"
                    "选择所在社区、网格和想加入的志愿服务队；网格员或队长审核通过后就加入了。"
                    "注册后会得到一个志愿者编号。</p>"
                    "<h2>二、报名活动</h2><p>在“活动”里找到感兴趣的活动报名。"
                    "名额满了可以候补，有人取消会自动递补并短信通知。</p>"
                    "<h2>三、到场扫码签到</h2><p>活动开始前半小时起，扫组织者出示的二维码签到；"
                    "需要签退的活动，结束时再扫一次。服务时长和积分自动记录。</p>"
                    "<h2>在职党员报到</h2><p>在职党员请向居住地社区报到：扫社区党群服务中心的报到海报，"
                    "或在“我的”页面申请，社区书记确认后即可参加社区服务。</p>"
                ),
                cta(
                    "现在就注册",
                    "注册免费，只需一个手机号。",
                    "注册成为志愿者",
                    url="/accounts/signup/",
                ),
                cta(
                    "已经注册？",
                    "选择您的社区和网格，申请加入志愿服务队。",
                    "选择社区和网格",
                    url="/me/join/",
                    tone="sand",
                ),
            ],
        ),
        seeded,
    )
    return pages


NEWS = (
    {
        "slug": "liyuan-traffic-morning",
        "title": "梨园文明交通劝导队：早高峰路口的一抹红",
        "days_ago": 3,
        "category": "huodong-baodao",
        "community": "liyuan",
        "image": "traffic",
        "tags": ["文明交通劝导", "红马甲"],
        "activity": "早高峰文明交通劝导",
        "intro": "每周一早上八点，梨园文明交通劝导队准时出现在阳关中路与沙州路口。",
        "body": "<p>早上七点五十，队长张志强已经把红马甲和小旗子分到每个人手里。"
        "八点整，路口的车流和人流一起涌来，队员们分站四个角，提醒行人走斑马线、"
        "电动车不逆行、不闯红灯。</p><p>“刚开始有人嫌我们多管闲事，”张志强说，"
        "“现在不少人远远看见我们就停下来等灯了。”</p>"
        "<p>劝导结束，队员们扫码签退，两个小时的服务时长自动记到每个人名下。</p>",
        "quote": ("路口站久了，司机都认识我们，远远就减速。", "张志强", "梨园文明交通劝导队队长"),
    },
    {
        "slug": "service-week-liyuan",
        "title": "在职党员义务服务周：下班后回社区“报到”",
        "days_ago": 9,
        "category": "dangjian",
        "community": "liyuan",
        "image": "party",
        "tags": ["在职党员报到", "在职党员义务服务周"],
        "intro": "向梨园社区报到的在职党员下班后回到居住地，政策宣讲、便民义诊、清洁家园排满一周。",
        "body": "<p>周一晚上六点半，梨园社区党群服务中心里坐满了人。"
        "刚从单位下班的在职党员分成几组，拿着宣传册走进各个网格，"
        "挨家挨户讲解养老保险和医保的新政策。</p>"
        "<p>周三的便民义诊和家电维修最受欢迎，文化广场上排起了长队。"
        "周五，党员们又拿起扫帚，清理小区楼道和背街小巷。</p>"
        "<p>参加服务的情况计入在职党员积分，作为年度评议的依据。</p>",
    },
    {
        "slug": "three-lists-one-card",
        "title": "“三单一卡”让群众需求和党员资源对上号",
        "days_ago": 16,
        "category": "dangjian",
        "community": "",
        "image": "classroom",
        "tags": ["三单一卡", "在职党员报到"],
        "intro": "需求清单、资源清单、项目清单加上双项认领卡，"
        "沙州镇把“有难找支部、服务找党员”落到实处。",
        "body": "<p>梨园社区第三网格的网格员入户时发现，小区里不少孩子放学后没人照看。"
        "这条需求写进了需求清单。</p>"
        "<p>另一边，向社区报到的几位教师党员在资源清单上写下了“作业辅导”。"
        "社区党委把两张清单对到一起，“四点半课堂”就这样开了张。</p>"
        "<p>认领项目的党员用双项认领卡登记，每次辅导扫码签到，服务时长自动计入积分。</p>",
    },
    {
        "slug": "danghe-cleanup-postponed",
        "title": "沙尘暴预警：党河风情线环境整治活动延期",
        "days_ago": 1,
        "category": "tongzhi-gonggao",
        "community": "liyuan",
        "image": "river",
        "tags": ["环境整治", "通知"],
        "intro": "受沙尘天气影响，原定本周六的党河风情线环境整治活动取消，时间另行通知。",
        "body": "<p>气象部门发布沙尘暴天气预警。为了大家的安全，"
        "原定本周六上午在党河风情线梨园段开展的环境整治活动取消。</p>"
        "<p>新的时间确定后会在“活动”中重新发布，已报名的志愿者会收到短信通知。"
        "沙尘天气请减少外出，出门戴好口罩。</p>",
    },
    {
        "slug": "qiaobei-anti-fraud",
        "title": "桥北社区反诈宣传进广场，现场帮居民装反诈App",
        "days_ago": 6,
        "category": "huodong-baodao",
        "community": "qiaobei",
        "image": "antifraud",
        "tags": ["反诈宣传"],
        "activity": "反诈宣传进社区",
        "intro": "桥北社区志愿者在文化广场发放防诈骗宣传资料，手把手帮居民安装国家反诈中心App。",
        "body": "<p>“接到自称公检法的电话，让你转账到安全账户，一定是骗子！”"
        "桥北社区文化广场上，志愿者用身边的真实案例给居民讲解常见的诈骗手法。</p>"
        "<p>不少老人不会安装国家反诈中心App，志愿者就一台一台手机帮着装好、设置好。"
        "一上午，共有几十位居民装上了App。</p>",
    },
    {
        "slug": "elderly-visits-waitlist",
        "title": "敬老助残上门服务名额已满，欢迎报名候补",
        "days_ago": 2,
        "category": "tongzhi-gonggao",
        "community": "liyuan",
        "image": "elderly",
        "tags": ["敬老助残", "通知"],
        "intro": "本月第二个周六的敬老助残上门服务报名已满，仍可报名候补，有人取消会自动递补。",
        "body": "<p>每月第二个周六，梨园敬老助残服务队两人一组，"
        "走访社区里的独居、空巢和残疾老人，帮忙打扫卫生、理发、测血压。</p>"
        "<p>本月名额已经报满。想参加的志愿者可以在活动页面报名候补，"
        "有人取消时按候补顺序自动递补，并会收到短信通知。</p>",
    },
    {
        "slug": "honour-roll-rules",
        "title": "光荣榜怎么排：积分规则和公示办法",
        "days_ago": 20,
        "category": "tongzhi-gonggao",
        "community": "",
        "image": "party",
        "tags": ["积分管理", "光荣榜"],
        "intro": "光荣榜按上月积分和服务时长排名，每月初公示七天，公示期内可以提出异议。",
        "body": "<p>志愿者参加活动扫码签到、签退，系统按在场时长记服务时长和积分。"
        "在场时间达不到活动时长的规定比例，不计入。</p>"
        "<p>每月初，上月的排名经社区党委核对后在光荣榜公示七天。"
        "公开的榜单上，姓名按站点设置显示，手机号等个人信息一律不公开。</p>"
        "<p>公示期内对排名有异议的，可以向所在社区党委反映。</p>",
    },
    {
        "slug": "mingshan-sand-fixing",
        "title": "防风固沙：红马甲在鸣沙山脚下扎草方格",
        "days_ago": 12,
        "category": "shequ-fengcai",
        "community": "mingshan",
        "image": "greening",
        "tags": ["防风固沙", "红马甲"],
        "intro": "鸣山社区志愿服务小分队和驻区单位一起，在鸣沙山脚下扎草方格、种梭梭。",
        "body": "<p>风沙是敦煌人的老对手。一个个一米见方的草方格扎进沙里，"
        "能把流沙牢牢锁住，格子中间再种上梭梭苗。</p>"
        "<p>这天上午，鸣山社区的志愿者和驻区单位的在职党员一起扎下了一片新的草方格。"
        "“今年种下去，过几年就是一片绿。”一位老队员说。</p>",
    },
)


def seed_news(index: NewsIndexPage, images, categories, now, seeded: Seeded) -> None:
    for item in NEWS:

        def build(item=item):
            body = [rich(item["body"])]
            if "quote" in item:
                body.append(quote(*item["quote"]))
            page = NewsPage(
                title=item["title"],
                date=timezone.localtime(now).date() - datetime.timedelta(days=item["days_ago"]),
                intro=item["intro"],
                cover_image=images[item["image"]],
                category=categories[item["category"]],
                community=_org(item["community"]) if item["community"] else None,
                related_activity=_latest_finished(item["activity"]) if "activity" in item else None,
                body=body,
            )
            page.tags.add(*item["tags"])
            page._published_at = _morning(page.date)
            return page

        _child(index, NewsPage, item["slug"], build, seeded)


SUBMITTED_SLUG = "liyuan-after-school-class"


def seed_submitted_news(index: NewsIndexPage, images, categories, now, seeded: Seeded) -> None:
    """One piece of news the secretary has written and submitted: the admin's to approve."""
    if Page.objects.child_of(index).filter(slug=SUBMITTED_SLUG).exists():
        return
    secretary = _author("secretary")
    workflow = editorial.news_workflow()
    if secretary is None or workflow is None:
        return
    page = NewsPage(
        title="梨园社区“四点半课堂”开课啦",
        slug=SUBMITTED_SLUG,
        live=False,
        owner=secretary,
        date=timezone.localtime(now).date(),
        intro="在职党员认领的“四点半课堂”开课，放学后孩子们有了写作业的地方。",
        cover_image=images["classroom"],
        category=categories["huodong-baodao"],
        community=_org("liyuan"),
        body=[
            rich(
                "<p>每周一到周五下午四点半，梨园社区党群服务中心二楼的活动室亮起灯。"
                "向社区报到的教师党员轮流值班，辅导孩子们写作业、读课外书。</p>"
                "<p>家长们说，孩子放学有了去处，下班再也不用提心吊胆。</p>"
            )
        ],
    )
    page.tags.add("三单一卡", "四点半课堂")
    index.add_child(instance=page)
    page.save_revision(user=secretary, log_action=True)
    workflow.start(page, secretary)
    seeded.created += 1


TEAM_PAGES = (
    # (organisation code, slug, image key, intro, body html)
    (
        "team-liyuan-traffic",
        "wenming-jiaotong",
        "traffic",
        "每周一早高峰在阳关中路与沙州路口劝导行人和非机动车，是全镇坚持时间最长的劝导队。",
        "<p>劝导队成立于 2016 年学雷锋纪念日。队员们分站路口四角，"
        "提醒行人走斑马线、电动车不逆行、不闯红灯。</p>"
        "<p>想加入的志愿者请在“活动”中报名“早高峰文明交通劝导”，7:50 到岗扫码签到。</p>",
    ),
    (
        "team-liyuan-patrol",
        "zhian-lianfang",
        "patrol",
        "每两周一次夜间巡逻，以网格为单位排查楼道、车棚和背街小巷的安全隐患。",
        "<p>联防队和社区警务室配合，巡查消防通道、楼道堆物和车棚电线，"
        "发现问题当场登记、及时上报。夜间巡逻仅限本队队员参加。</p>",
    ),
    (
        "team-liyuan-elderly",
        "jinglao-zhucan",
        "elderly",
        "每月第二个周六上门走访独居、空巢和残疾老人：打扫卫生、理发、测血压、陪聊天。",
        "<p>服务队和网格员一起建立了老人台账，两人一组上门，"
        "每次服务都扫码签到，老人的需求记进需求清单。</p>",
    ),
    (
        "team-liyuan-environment",
        "huanjing-zhengzhi",
        "river",
        "每四周一次沿党河风情线清理垃圾和河道漂浮物，劝导游客文明游览。",
        "<p>工具由社区提供，无需报名，到场扫码签到即可。遇到沙尘天气活动会顺延。</p>",
    ),
)


def seed_teams(index: TeamIndexPage, images, seeded: Seeded) -> None:
    squads = {}
    for squad in Organisation.objects.filter(kind=Organisation.Kind.SQUAD).order_by("path"):
        slug = squad.code.removeprefix("squad-")
        teams = list(squad.get_children().values_list("name", flat=True))
        short = squad.name.removesuffix("志愿服务小分队")
        names = "、".join(name.removeprefix(short) for name in teams)

        def build(squad=squad, short=short, teams=teams, names=names):
            return TeamPage(
                title=squad.name,
                organisation=squad,
                intro=f"{short}社区的志愿服务小分队，下设{len(teams)}支特色服务队：{names}。",
            )

        squads[squad.code] = _child(index, TeamPage, slug, build, seeded)
    for code, slug, image, intro, body in TEAM_PAGES:
        team = _org(code)
        parent = squads.get("squad-liyuan")
        if team is None or parent is None:
            continue

        def build(team=team, image=image, intro=intro, body=body):
            return TeamPage(
                title=team.name,
                organisation=team,
                intro=intro,
                cover_image=images[image],
                body=[rich(body)],
            )

        _child(parent, TeamPage, slug, build, seeded)


STORIES = (
    {
        "slug": "zhang-zhiqiang",
        "title": "路口站了八年的“红马甲队长”",
        "person_name": "张志强",
        "person_role": "梨园文明交通劝导队队长",
        "portrait": "portrait-zhang",
        "quote": "路口站久了，司机都认识我们，远远就减速。",
        "days_ago": 15,
        "intro": "从 2016 年到现在，张志强几乎没缺过一次周一早上的劝导。",
        "body": "<p>张志强是梨园社区第二网格的居民，退休前是一名公交司机。"
        "“开了三十年车，最知道路口乱起来有多危险。”</p>"
        "<p>劝导队刚成立时只有五个人，现在队里有二十多名队员。"
        "每周一早上，他第一个到路口，最后一个扫码签退。</p>",
    },
    {
        "slug": "zhao-wenjing",
        "title": "下班后的第二个岗位",
        "person_name": "赵文静",
        "person_role": "在职党员，敦煌市文化和旅游局，向梨园社区报到",
        "portrait": "portrait-zhao",
        "quote": "在单位讲文物，回社区讲政策，都是为群众服务。",
        "days_ago": 25,
        "intro": "白天在单位上班，晚上回到居住的梨园社区，赵文静认领了政策宣讲和“四点半课堂”。",
        "body": "<p>去年，赵文静扫了社区的报到海报，成为向梨园社区报到的在职党员。</p>"
        "<p>她在资源清单上写下“政策宣讲、作业辅导”。义务服务周里，她走进网格讲养老保险新政策；"
        "平时下班，她去“四点半课堂”陪孩子们写作业。</p>",
    },
    {
        "slug": "li-shufen",
        "title": "把“三单一卡”做成居民的明白账",
        "person_name": "李淑芬",
        "person_role": "梨园社区党委书记",
        "portrait": "portrait-li",
        "quote": "群众要什么、党员能干什么，一张单子上写清楚。",
        "days_ago": 40,
        "intro": "梨园社区的需求清单上有两百多条需求，三成已经有在职党员认领。",
        "body": "<p>李淑芬在社区工作了十二年。她说，过去党员想服务不知道找谁，"
        "群众有困难不知道跟谁说。</p>"
        "<p>“三单一卡”推行以后，需求和资源都摆在桌面上。"
        "每个项目谁认领、做了几次，扫码签到记得清清楚楚，年底评议也有了依据。</p>",
    },
    {
        "slug": "ma-guilan",
        "title": "七十岁的夜巡队员",
        "person_name": "马桂兰",
        "person_role": "桥北社区治安联防队队员",
        "portrait": "portrait-ma",
        "quote": "我睡得少，多走几圈，邻居们睡得踏实。",
        "days_ago": 33,
        "intro": "马桂兰今年七十岁，是桥北社区治安联防队年纪最大的队员。",
        "body": "<p>每逢巡逻的晚上，马桂兰都提前半小时到党群服务中心。"
        "她熟悉网格里的每一栋楼，哪个楼道灯坏了、哪家车棚电线乱接，她都记在小本子上。</p>"
        "<p>“现在用手机扫码签到，我也学会了。”她笑着说。</p>",
    },
)


def seed_stories(index: StoryIndexPage, images, now, seeded: Seeded) -> None:
    for item in STORIES:

        def build(item=item):
            return StoryPage(
                title=item["title"],
                person_name=item["person_name"],
                person_role=item["person_role"],
                portrait=images[item["portrait"]],
                quote=item["quote"],
                date=timezone.localtime(now).date() - datetime.timedelta(days=item["days_ago"]),
                intro=item["intro"],
                body=[rich(item["body"])],
            )

        _child(index, StoryPage, item["slug"], build, seeded)


def seed_settings(site: Site, images, join_page: Page, seeded: Seeded) -> None:
    if SiteSettings.objects.filter(site=site).exists():
        return
    SiteSettings.objects.create(
        site=site,
        brand_name="美丽沙州",
        brand_subtitle="志愿服务 · 党员积分",
        logo=images["logo"],
        hotline="0937-8822345",
        hotline_hours="每天 8:00–20:00",
        footer_text="有难找支部，服务找党员",
        wechat_name="聚焦沙州",
        wechat_qr=images["wechat"],
        join_page=join_page,
        ranking_names="masked",
        # The marks of an official site, with numbers that are plainly not real ones.
        sponsor="中共敦煌市沙州镇委员会　敦煌市沙州镇人民政府",
        icp_number="陇ICP备2026000000号-1",
        police_number="甘公网安备62098202000000号",
    )
    seeded.created += 1


def seed_certificate_settings(site: Site, seeded: Seeded) -> None:
    """证明出具: the volunteer detachment issues certificates under a drawn demo seal."""
    if CertificateSettings.objects.filter(site=site).exists():
        return
    detachment = Organisation.objects.filter(kind=Organisation.Kind.DETACHMENT).first()
    issuer = detachment.name if detachment is not None else "沙州镇志愿服务支队"
    Image = get_image_model()
    title = f"{issuer}公章（演示）"
    seal = Image.objects.filter(title=title).first()
    if seal is None:
        seal = Image(title=title, description=f"{issuer}的圆形红色公章，演示用")
        seal.file = ImageFile(_bytes_file(render_seal(issuer)), name="demo-seal.png")
        seal.save()
    CertificateSettings.objects.create(site=site, issuer_name=issuer, seal=seal)
    seeded.created += 1


def seed_home(home: HomePage, images, sections, seeded: Seeded) -> None:
    """Give the front page its blocks, once (an edited front page is left alone)."""
    if home.body:
        return
    home.seo_title = "美丽沙州 · 沙州镇志愿服务与党员积分平台"
    home.search_description = (
        "敦煌市沙州镇“美丽沙州”志愿服务平台：找活动、扫码签到、查积分、看光荣榜。"
    )
    home.body = build_home_body(home, images, sections)
    revision = home.save_revision(user=_author("admin"), log_action=True)
    revision.publish(user=_author("admin"), log_action=True, skip_permission_checks=True)
    seeded.created += 1


def add_demo_editors() -> int:
    """The secretary writes news as a community editor; the admin approves as a town editor."""
    added = 0
    for username, group_name in (
        ("secretary", editorial.COMMUNITY_EDITORS),
        ("admin", editorial.TOWN_EDITORS),
    ):
        user = _author(username)
        group = Group.objects.filter(name=group_name).first()
        if user is not None and group is not None and not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
            added += 1
    return added


@transaction.atomic
def seed_site(*, now: datetime.datetime | None = None) -> int:
    """Build (or complete) the demo site; returns how many things this run created."""
    now = now or timezone.now()
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    home = HomePage.objects.first()
    if site is None or home is None:
        return 0
    seeded = Seeded()
    images, seeded.created = ensure_images()
    categories = ensure_categories(seeded)
    sections = seed_sections(home, images, seeded)
    seed_home(home, images, sections, seeded)
    seed_teams(sections["teams"], images, seeded)
    seed_stories(sections["stories"], images, now, seeded)
    seed_news(sections["news"], images, categories, now, seeded)
    seeded.created += editorial.ensure_news_workflow(home=home, news_index=sections["news"])
    seeded.created += add_demo_editors()
    seed_submitted_news(sections["news"], images, categories, now, seeded)
    seed_settings(site, images, sections["join"], seeded)
    seed_certificate_settings(site, seeded)
    site_follow_site_url()  # canonical and share-card addresses name SITE_URL's host
    if seeded.created:
        transaction.on_commit(purge_pages_and_chrome)
    return seeded.created
