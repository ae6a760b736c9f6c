"""Reads the 爱心超市 pages share: shelves, a person's redemptions, the monthly report.

(Its own module rather than ``points/selectors.py`` so the shop stays in one place.)
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from wagtail.images import get_image_model

from core.spreadsheets import append_row, workbook_bytes
from points.models import PersonTotal, Redemption, Reward
from points.periods import ALL_TIME, period_bounds
from points.policies import SHOP_ACTION
from volunteers import permissions
from volunteers.models import Organisation, Person, User
from volunteers.selectors import people_matching

THUMBNAIL = "fill-480x360"


def person_balance(person: Person | None) -> int:
    if person is None:
        return 0
    total = PersonTotal.objects.filter(person=person, period=ALL_TIME).first()
    return total.balance if total else 0


def shop_communities() -> QuerySet[Organisation]:
    """Every community, with how many rewards are on its shelf now."""
    now = timezone.now()
    on_shelf = Q(rewards__active=True) & (
        Q(rewards__available_until__isnull=True) | Q(rewards__available_until__gt=now)
    )
    return (
        Organisation.objects.filter(kind=Organisation.Kind.COMMUNITY)
        .annotate(reward_count=Count("rewards", filter=on_shelf))
        .order_by("path")
    )


def person_community(person: Person | None) -> Organisation | None:
    """The community a person lives in (their home grid's), else the one they reported to."""
    if person is None:
        return None
    home_grid = person.home_grid  # no query when the person has none
    if home_grid is not None:
        return (
            Organisation.objects.filter(
                kind=Organisation.Kind.COMMUNITY,
                path__in=[
                    home_grid.path[:end]
                    for end in range(
                        Organisation.steplen, len(home_grid.path) + 1, Organisation.steplen
                    )
                ],
            )
            .order_by("-depth")
            .first()
        )
    return person.reported_community


def shelf(community: Organisation) -> QuerySet[Reward]:
    """The community's rewards on the shelf (not ended), cheapest first, pictures prefetched."""
    now = timezone.now()
    images = get_image_model().objects.prefetch_renditions(THUMBNAIL)
    return (
        Reward.objects.filter(community=community, active=True)
        .filter(Q(available_until__isnull=True) | Q(available_until__gt=now))
        .prefetch_related(Prefetch("image", queryset=images))
        .order_by("price", "id")
    )


def goods_on_offer(
    *, community: Organisation | None = None, first: Organisation | None = None
) -> QuerySet[Reward]:
    """Every community's shelf in one list (the API's): ``first``'s rewards before the
    others, then by community, cheapest first; only ``community``'s when given."""
    now = timezone.now()
    images = get_image_model().objects.prefetch_renditions(THUMBNAIL)
    rewards = (
        Reward.objects.filter(active=True, community__kind=Organisation.Kind.COMMUNITY)
        .filter(Q(available_until__isnull=True) | Q(available_until__gt=now))
        .select_related("community")
        .prefetch_related(Prefetch("image", queryset=images))
    )
    if community is not None:
        rewards = rewards.filter(community=community)
    order: list[Any] = ["community__path", "price", "id"]
    if first is not None:
        own = Case(When(community=first, then=Value(0)), default=Value(1))
        order = [own.asc(), *order]
    return rewards.order_by(*order)


def person_redeemed_counts(person: Person | None, reward_ids: Iterable[int]) -> dict[int, int]:
    """reward id → how many the person holds (not cancelled), for "每人限兑" on the shelf."""
    if person is None or not reward_ids:
        return {}
    rows = (
        Redemption.objects.filter(person=person, reward_id__in=list(reward_ids))
        .exclude(status=Redemption.Status.CANCELLED)
        .values_list("reward_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def person_redemptions(person: Person) -> QuerySet[Redemption]:
    return Redemption.objects.filter(person=person).select_related("reward__community")


def report_communities(user: User | AnonymousUser) -> QuerySet[Organisation]:
    """Communities whose shop the user runs (the one rule, on the shop action)."""
    return (
        permissions.organisations_in_scope(user, SHOP_ACTION)
        .filter(kind=Organisation.Kind.COMMUNITY)
        .order_by("path")
    )


@dataclass
class MonthReport:
    community: Organisation
    month: str
    redemptions: list[Redemption]
    by_reward: Sequence[Mapping[str, Any]]
    counts: dict[str, int]
    points: int  # spent and not refunded


def month_redemptions(
    community: Organisation, month: str, *, search: str = ""
) -> QuerySet[Redemption]:
    """The redemptions made in the community's shop in ``month`` (YYYY-MM, Shanghai time).

    ``search``: those of a person a staff search finds, or with that code (any case, with
    or without its dash, as staff read it off the resident's phone).
    """
    start, end = period_bounds(month)
    found = Q()
    if search:
        found = people_matching(search, via="person__")
        code = search.upper().replace("-", "").replace(" ", "")
        if code.isascii() and code.isalnum():
            found |= Q(code=code)
    return (
        Redemption.objects.filter(
            found, reward__community=community, created_at__gte=start, created_at__lt=end
        )
        .select_related("reward", "person", "handed_over_by__person")
        .order_by("created_at", "id")
    )


def month_report(community: Organisation, month: str) -> MonthReport:
    """Every redemption made in the community's shop in ``month`` (YYYY-MM, Shanghai time)."""
    start, end = period_bounds(month)
    redemptions = list(month_redemptions(community, month))
    live = ~Q(redemptions__status=Redemption.Status.CANCELLED)
    by_reward = list(
        Reward.objects.filter(
            community=community,
            redemptions__created_at__gte=start,
            redemptions__created_at__lt=end,
        )
        .values("pk", "name")
        .annotate(
            redeemed=Count("redemptions", filter=live),
            handed_over=Count(
                "redemptions", filter=Q(redemptions__status=Redemption.Status.HANDED_OVER)
            ),
            cancelled=Count(
                "redemptions", filter=Q(redemptions__status=Redemption.Status.CANCELLED)
            ),
            points=Sum("redemptions__price", filter=live, default=0),
        )
        .order_by("name", "pk")
    )
    counts = dict.fromkeys(Redemption.Status.values, 0)
    for redemption in redemptions:
        counts[redemption.status] += 1
    points = sum(r.price for r in redemptions if r.status != Redemption.Status.CANCELLED)
    return MonthReport(community, month, redemptions, by_reward, counts, points)


def _local(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def month_report_xlsx(report: MonthReport) -> bytes:
    """The report as a workbook: one sheet of redemptions, one of totals per reward."""
    book = Workbook()
    sheet = book.worksheets[0]  # a new workbook's one sheet (its ``active``)
    sheet.title = _("兑换明细")
    append_row(
        sheet,
        [
            _("兑换时间"),
            _("兑换码"),
            _("商品"),
            _("兑换人"),
            _("手机号"),
            _("积分"),
            _("状态"),
            _("领取时间"),
            _("发放人"),
        ],
    )
    for r in report.redemptions:
        append_row(
            sheet,
            [
                _local(r.created_at),
                r.display_code,
                r.reward.name,
                r.person.real_name,
                r.person.masked_phone,
                r.price,
                r.get_status_display(),
                _local(r.handed_over_at),
                str(r.handed_over_by) if r.handed_over_by else "",
            ],
        )
    totals = book.create_sheet(_("按商品汇总"))
    append_row(totals, [_("商品"), _("兑换件数"), _("已领取"), _("已取消"), _("积分")])
    for row in report.by_reward:
        append_row(
            totals,
            [row["name"], row["redeemed"], row["handed_over"], row["cancelled"], row["points"]],
        )
    append_row(
        totals, [_("合计"), sum(r["redeemed"] for r in report.by_reward), "", "", report.points]
    )
    for ws in (sheet, totals):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for index in range(1, ws.max_column + 1):
            ws.column_dimensions[get_column_letter(index)].width = 16
    return workbook_bytes(book)
