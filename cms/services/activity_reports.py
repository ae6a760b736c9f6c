"""Activity report drafts: when an activity is finished, a draft 志愿动态 for the secretary.

The draft is made once per activity (its slug and ``related_activity`` name the
activity; the activity row is locked while looking), from verified attendance
only: the approved service records the finishing job wrote. The secretary adds
photos and words in the admin and publishes through the usual workflow.
"""

from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from cms.models import NewsCategory, NewsIndexPage, NewsPage
from core.errors import Conflict
from points.models import ServiceRecord
from volunteers.models import Activity, Notification, Organisation, current_membership_q
from volunteers.selectors import activity_time_span, person_for_user
from volunteers.services.notifications import notify

REPORT_CATEGORY_SLUG = "huodong-baodao"


def report_slug(activity: Activity) -> str:
    return f"activity-report-{activity.pk}"


def _community(activity: Activity) -> Organisation | None:
    organisation = activity.organisation
    if organisation.kind == Organisation.Kind.COMMUNITY:
        return organisation
    return organisation.get_ancestors().filter(kind=Organisation.Kind.COMMUNITY).first()


def report_facts(activity: Activity) -> dict[str, Any]:
    """Headcount, hours and teams from the approved service records of the activity."""
    records = ServiceRecord.objects.filter(
        activity=activity,
        attendance__isnull=False,
        status=ServiceRecord.Status.APPROVED,
    )
    totals = records.aggregate(people=Count("person", distinct=True), minutes=Sum("minutes"))
    teams = (
        Organisation.objects.filter(
            current_membership_q(prefix="memberships__"),
            kind=Organisation.Kind.TEAM,
            memberships__person__in=records.values("person"),
        )
        .annotate(members=Count("memberships__person", distinct=True))
        .order_by("-members", "name")
    )
    return {
        "people": totals["people"] or 0,
        "hours": round((totals["minutes"] or 0) / 60, 1),
        "teams": [(team.name, team.members) for team in teams[:20]],
    }


def _body(activity: Activity, facts: dict[str, Any]) -> list[dict[str, Any]]:
    span = escape(activity_time_span(activity))
    lines = [
        _("<p>%(span)s，%(org)s在%(address)s组织开展“%(title)s”活动。</p>")
        % {
            "span": span,
            "org": escape(activity.organisation.name),
            "address": escape(activity.address),
            "title": escape(activity.title),
        },
        _("<p>共有 %(people)d 名志愿者参加，累计服务 %(hours)s 小时。</p>")
        % {"people": facts["people"], "hours": facts["hours"]},
    ]
    if facts["teams"]:
        names = "、".join(f"{escape(name)}（{count} 人）" for name, count in facts["teams"])
        lines.append(_("<p>参加的队伍：%(teams)s。</p>") % {"teams": names})
    lines.append(
        _("<p>【请在此补充活动经过、志愿者的话和现场照片：点击下方“+”添加“图片”块。】</p>")
    )
    return [{"type": "rich_text", "value": "".join(str(line) for line in lines)}]


def activity_report_draft(*, activity: Activity) -> NewsPage:
    """The activity's report draft under 志愿动态, made once; the existing one after that."""
    index = NewsIndexPage.objects.first()
    if index is None:
        raise Conflict("no_news_index", _("网站还没有“志愿动态”栏目，无法生成活动报道草稿。"))
    slug = report_slug(activity)
    with transaction.atomic():
        activity = (
            Activity.objects.select_for_update(of=("self",))
            .select_related("organisation", "created_by")
            .get(pk=activity.pk)
        )
        existing = (
            NewsPage.objects.child_of(index)
            .filter(Q(slug=slug) | Q(related_activity=activity))
            .first()
        )
        if existing is not None:
            return existing
        facts = report_facts(activity)
        author = activity.created_by
        page = NewsPage(
            title=_("%(title)s活动报道") % {"title": activity.title},
            slug=slug,
            live=False,
            owner=author,
            date=timezone.localtime(activity.starts_at).date(),
            intro=(
                _("%(people)d 名志愿者参加“%(title)s”，累计服务 %(hours)s 小时。")
                % {"people": facts["people"], "title": activity.title, "hours": facts["hours"]}
            )[:200],
            category=NewsCategory.objects.filter(slug=REPORT_CATEGORY_SLUG).first(),
            community=_community(activity),
            related_activity=activity,
            cover_image=activity.cover_image,
            body=_body(activity, facts),
        )
        index.add_child(instance=page)
        page.save_revision(user=author, log_action=True)
        person = person_for_user(author)
        if person is not None:
            notify(
                person=person,
                kind=Notification.Kind.REPORT_DRAFT,
                key=f"report-draft:{activity.pk}",
                title=_("活动报道草稿已生成：%(title)s") % {"title": activity.title},
                body=_("请补充照片和文字后提交发布。"),
                url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
                channels=("email",),
            )
    return page
