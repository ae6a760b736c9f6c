"""The API's 积分与时长 operations: 我的积分 and the 我的 card, for the person of the token.

Each reads what the pages read: the ``PersonTotal`` rows and ``points.selectors.me``
(the 我的 card's figures), the ledger newest first with each line's sentence from
``points.selectors.explain``, and the star level from ``points.stars``. An account
without a person has no points to show: the pages say so in words, the API refuses
``no_person`` (403) with the words the pages use on their refusals.
"""

import datetime
import re
from typing import Annotated

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from api.auth import person
from api.errors import refusals
from api.pagination import Pages
from core.errors import Forbidden, Invalid
from points.models import Category, PersonTotal, PointsEntry
from points.periods import ALL_TIME, PeriodKind, period_bounds, period_key, period_label
from points.ranking_choices import PERIOD_CHOICES, PERSON_HOME
from points.selectors.explain import entry_explanation
from points.selectors.me import MyFigures, my_figures
from points.stars import star_level_hours
from volunteers.models import Person
from volunteers.selectors import person_for_user

router = Router(tags=["积分与时长"])

# A period key as "我的积分" and the rankings write it: all, 2026, 2026Q2, 2026-05.
PERIOD_PATTERN = r"^(all|[0-9]{4}|[0-9]{4}Q[1-4]|[0-9]{4}-(0[1-9]|1[0-2]))$"
# Years the ledger can hold; anything else is a typo, not a period (and past 9999, no date).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _person(request: HttpRequest) -> Person:
    found = person_for_user(request.user, *PERSON_HOME)
    if found is None:
        raise Forbidden(
            "no_person",
            _(
                "您的账号还没有关联人员信息，所以这里暂时没有积分可以显示。请联系所在社区的工作人员。"
            ),
        )
    return found


def _hours(minutes: int) -> float:
    return round(minutes / 60, 1)


# --- my_points ---------------------------------------------------------------------------


class PeriodTotalOut(Schema):
    kind: str = Field(description="期间类型：month 本月、quarter 本季度、year 本年度、all 累计")
    key: str = Field(description="期间编号，如 2026-05、2026Q2、2026、all；可用作积分明细的 period")
    label: str = Field(description="期间名称，如“本月”")
    period_label: str = Field(description="期间的具体说法，如“2026年5月”")
    points: int = Field(description="这一期间获得的积分（计入排名的积分，不扣除兑换）")
    minutes: int = Field(description="这一期间记入的服务时长（分钟）")
    hours: float = Field(description="这一期间记入的服务时长（小时，保留一位小数）")


class CommunityPlaceOut(Schema):
    community_id: int = Field(description="社区编号")
    community_name: str = Field(description="社区名称")
    place: int | None = Field(
        description="本月在社区中按积分的名次；本月没有积分时为空（尚未上榜）"
    )
    ranked: int = Field(description="社区本月排行榜的人数")
    population: str = Field(description="排名人群：volunteers 志愿者，party_members 党员")


class MyPointsOut(Schema):
    balance: int = Field(description="可兑换积分（可用积分），可在爱心超市兑换；可能为负")
    month_points: int = Field(description="本月积分")
    year_points: int = Field(description="本年度积分")
    points: int = Field(description="累计积分（计入排名，兑换不扣减）")
    periods: list[PeriodTotalOut] = Field(
        description="本月、本季度、本年度、累计四个期间的积分和服务时长，与“我的积分”页面一致"
    )
    community: CommunityPlaceOut | None = Field(
        description="“我的”页面上的社区排名；没有登记网格或报到社区时为空"
    )


@router.get(
    "",
    auth=person,
    response={200: MyPointsOut, **refusals(403)},
    summary="我的积分",
)
def my_points(request: HttpRequest) -> MyPointsOut:
    """本人的可兑换积分，本月、本年度和累计积分，各期间（本月、本季度、本年度、累计）的积分和
    服务时长，以及“我的”页面上的本月社区排名。数字与网页“我的积分”和“我的”页面一致。

    账号没有关联人员信息时返回 403（no_person）。
    """
    found = _person(request)
    figures: MyFigures = my_figures(found)
    keys = {kind: period_key(kind) for kind in PeriodKind.values}
    stored = {
        row.period: row
        for row in PersonTotal.objects.filter(person_id=found.pk, period__in=list(keys.values()))
    }
    periods = []
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR, PeriodKind.ALL):
        row = stored.get(keys[kind])
        points, minutes = (row.points, row.minutes) if row else (0, 0)
        periods.append(
            PeriodTotalOut(
                kind=kind,
                key=keys[kind],
                label=str(PERIOD_CHOICES[kind]),
                period_label=period_label(keys[kind]),
                points=points,
                minutes=minutes,
                hours=_hours(minutes),
            )
        )
    year = stored.get(keys[PeriodKind.YEAR])
    community = None
    if figures.community is not None:
        community = CommunityPlaceOut(
            community_id=figures.community.pk,
            community_name=figures.community.name,
            place=figures.place,
            ranked=figures.ranked,
            population=figures.population,
        )
    return MyPointsOut(
        balance=figures.balance,
        month_points=figures.month_points,
        year_points=year.points if year else 0,
        points=figures.points,
        periods=periods,
        community=community,
    )


# --- my_points_lines ---------------------------------------------------------------------


class PointsLineOut(Schema):
    id: int = Field(description="流水编号")
    amount: int = Field(description="积分，正数为获得，负数为扣减、兑换或冲正")
    kind: str = Field(
        description="类型：service 服务、bonus 奖励、deduction 扣分、redemption 兑换、"
        "adjustment 调整、reversal 冲正、expiry 过期"
    )
    kind_label: str = Field(description="类型名称，如“服务”")
    category: str = Field(
        description="积分细则类别（basic、service、reward、deduction）；兑换、过期为空"
    )
    category_label: str = Field(description="类别名称；为空时显示“不计入排名”")
    counts_for_ranking: bool = Field(description="是否计入排名积分（兑换、过期不计入）")
    occurred_at: datetime.datetime = Field(description="发生时间（决定计入哪一月、季、年）")
    explanation: str = Field(description="这一笔积分的由来和算法，与“我的积分”页面上的说明一致")
    is_reversed: bool = Field(description="这一笔是否已被冲正（页面上标“已冲正”）")
    reverses_id: int | None = Field(description="冲正流水所冲正的那一笔的编号；其他流水为空")

    # Read from the ledger row as the page reads it.
    @staticmethod
    def resolve_kind_label(entry: PointsEntry) -> str:
        return str(entry.get_kind_display())

    @staticmethod
    def resolve_category_label(entry: PointsEntry) -> str:
        return str(Category(entry.category).label if entry.category else _("不计入排名"))

    @staticmethod
    def resolve_counts_for_ranking(entry: PointsEntry) -> bool:
        return bool(entry.category)

    @staticmethod
    def resolve_explanation(entry: PointsEntry) -> str:
        return entry_explanation(entry)

    @staticmethod
    def resolve_is_reversed(entry: PointsEntry) -> bool:
        return bool(getattr(entry, "is_reversed", False))


def _period_range(period: str) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """[start, end) of a period key, or ``Invalid`` for a key that names no period."""
    match = re.match(r"^([0-9]{4})", period)
    if match and not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise Invalid(
            "invalid_period",
            _("期间的年份应在 %(first)d 到 %(last)d 年之间。")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field="period",
        )
    try:
        return period_bounds(period)
    except ValueError:
        raise Invalid(
            "invalid_period",
            _("期间的写法不对：应为 all、2026、2026Q2 或 2026-05 这样的编号。"),
            field="period",
        ) from None


@router.get(
    "/lines",
    auth=person,
    response={200: list[PointsLineOut], **refusals(403)},
    summary="我的积分明细",
)
@paginate(Pages)
def my_points_lines(
    request: HttpRequest,
    period: Annotated[
        str,
        Query(
            pattern=PERIOD_PATTERN,
            max_length=7,
            description="期间编号：all（默认，全部）、2026、2026Q2 或 2026-05；按发生时间筛选",
        ),
    ] = ALL_TIME,
) -> QuerySet[PointsEntry]:
    """本人的积分流水，最新的在前，每一笔带“我的积分”页面上的那句说明（如“文明交通劝导
    2小时 × 1分/小时 = 2分”）。冲正的流水单列一笔（类型 reversal，说明以“冲正：”开头），
    被冲正的那一笔标 is_reversed。可按期间筛选（period，取自“我的积分”的 periods[].key）。

    账号没有关联人员信息时返回 403（no_person）。
    """
    found = _person(request)
    entries: QuerySet[PointsEntry] = PointsEntry.objects.filter(person_id=found.pk)
    start, end = _period_range(period)
    if start is not None and end is not None:
        entries = entries.filter(occurred_at__gte=start, occurred_at__lt=end)
    entries = entries.annotate(
        is_reversed=Exists(PointsEntry.objects.filter(reverses=OuterRef("pk")))
    ).order_by("-occurred_at", "-id")
    return entries


# --- my_service --------------------------------------------------------------------------


class StarOut(Schema):
    level: int = Field(description="星级：0 为尚未评星，1 到 5 为一星到五星")
    name: str = Field(description="星级名称，如“2星级志愿者”或“尚未评星”")
    marks: str = Field(description="星级的星号，如“★★”；尚未评星为空")
    threshold_hours: int | None = Field(description="当前星级的起点（累计服务小时）；尚未评星为空")
    next_level: int | None = Field(description="下一星级；已达最高星级时为空")
    next_level_hours: int | None = Field(
        description="达到下一星级所需的累计服务小时；最高星级时为空"
    )
    hours_to_next: float | None = Field(
        description="距下一星级还差的小时数（向上取到 0.1 小时，与“我的”页面一致）；最高星级时为空"
    )
    progress_minutes: int = Field(description="当前星级以来已服务的分钟数（进度条的值）")
    progress_span_minutes: int = Field(
        description="当前星级到下一星级之间的分钟数（进度条的最大值）"
    )
    levels_hours: list[int] = Field(description="各星级所需的累计服务小时，从一星起")


class MyServiceOut(Schema):
    minutes: int = Field(description="累计服务时长（分钟）")
    hours: float = Field(description="累计服务时长（小时，保留一位小数）")
    year: str = Field(description="本年度的期间编号，如 2026")
    year_minutes: int = Field(description="本年度服务时长（分钟）")
    year_hours: float = Field(description="本年度服务时长（小时，保留一位小数）")
    star: StarOut = Field(description="星级志愿者：按累计服务时长评定")


@router.get(
    "/service",
    auth=person,
    response={200: MyServiceOut, **refusals(403)},
    summary="我的服务时长与星级",
)
def my_service(request: HttpRequest) -> MyServiceOut:
    """本人的累计和本年度服务时长，以及星级志愿者的星级、下一星级和还差的时长，
    与“我的”页面上的积分卡片一致。

    账号没有关联人员信息时返回 403（no_person）。
    """
    found = _person(request)
    figures = my_figures(found)
    year = period_key(PeriodKind.YEAR)
    year_minutes = (
        PersonTotal.objects.filter(person_id=found.pk, period=year)
        .values_list("minutes", flat=True)
        .first()
    ) or 0
    star = figures.star
    thresholds = star_level_hours()
    return MyServiceOut(
        minutes=figures.minutes,
        hours=figures.hours,
        year=year,
        year_minutes=year_minutes,
        year_hours=_hours(year_minutes),
        star=StarOut(
            level=star.level,
            name=(_("%(level)d星级志愿者") % {"level": star.level})
            if star.level
            else _("尚未评星"),
            marks="★" * star.level,
            threshold_hours=thresholds[star.level - 1] if star.level else None,
            next_level=star.next_level,
            next_level_hours=star.next_level_hours,
            hours_to_next=figures.star_hours_to_next,
            progress_minutes=figures.star_progress_done,
            progress_span_minutes=figures.star_progress_span,
            levels_hours=list(thresholds),
        ),
    )
