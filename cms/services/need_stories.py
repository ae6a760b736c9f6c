"""A 微心愿 met becomes a 志愿动态 story draft (issue 18): for the community's news writers.

The draft is made once per need (its slug names the need; the need's row is locked while
looking), from what the public may read: the need's public title, its category and
community, and the claimants' service summed up (how many served, for how long, which
在职单位 they came from). Never the resident's name, phone or address, nor the claimants'
notes, which often name the resident. The writer adds words and photos in the admin and
publishes through the usual workflow.
"""

from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from cms.models import NewsCategory, NewsIndexPage, NewsPage
from core.errors import Conflict, Forbidden, NotFound
from volunteers import permissions
from volunteers.models import Claim, Need, Organisation, User

# 党建引领: party members meeting residents' needs is the party-building story.
STORY_CATEGORY_SLUG = "dangjian"


def story_slug(need: Need) -> str:
    return f"need-story-{need.pk}"


def existing_story(need: Need) -> NewsPage | None:
    """The need's draft (or, once published, its story), if one was made."""
    return NewsPage.objects.filter(slug=story_slug(need)).first()


def may_write_need_story(user: User | None, need: Need) -> bool:
    """Whoever writes news for the need's community (the one rule), once the need is met."""
    return need.status == Need.Status.DONE and permissions.may_write_news_for(user, need.community)


def story_facts(need: Need) -> dict[str, Any]:
    """The confirmed claims summed up: people, hours, the days served, their units."""
    confirmed = Claim.objects.filter(need=need, status=Claim.Status.CONFIRMED)
    totals = confirmed.aggregate(
        people=Count("person", distinct=True),
        minutes=Sum("minutes"),
        first=Min("served_on"),
        last=Max("served_on"),
    )
    units = (
        Organisation.objects.filter(
            kind=Organisation.Kind.UNIT, pk__in=confirmed.values("person__employer_unit")
        )
        .order_by("name")
        .values_list("name", flat=True)
    )
    return {
        "people": totals["people"] or 0,
        "hours": round((totals["minutes"] or 0) / 60, 1),
        "first": totals["first"],
        "last": totals["last"],
        "units": list(units[:10]),
    }


def _served_on(facts: dict[str, Any]) -> str:
    first, last = facts["first"], facts["last"]
    if first is None:
        return ""
    fmt = _("%(y)d年%(m)d月%(d)d日")
    first_text = fmt % {"y": first.year, "m": first.month, "d": first.day}
    if last is None or last == first:
        return first_text
    return _("%(first)s至%(last)s") % {
        "first": first_text,
        "last": fmt % {"y": last.year, "m": last.month, "d": last.day},
    }


def _body(need: Need, facts: dict[str, Any]) -> list[dict[str, Any]]:
    served = _served_on(facts)
    lines = [
        _("<p>%(community)s居民的微心愿“%(title)s”（%(category)s）已经实现。</p>")
        % {
            "community": escape(need.community.name),
            "title": escape(need.public_title),
            "category": escape(need.category.name),
        },
        _("<p>%(when)s，%(people)d 名党员志愿者认领并上门服务，累计服务 %(hours)s 小时。</p>")
        % {
            "when": escape(served) or _("近日"),
            "people": facts["people"],
            "hours": facts["hours"],
        },
    ]
    if facts["units"]:
        lines.append(
            _("<p>参与的在职单位：%(units)s。</p>")
            % {"units": "、".join(escape(name) for name in facts["units"])}
        )
    lines.append(
        _(
            "<p>【请在此补充服务经过、居民和党员的话和照片。发布前请确认没有写出需求人的"
            "姓名、门牌号、电话等个人信息。】</p>"
        )
    )
    return [{"type": "rich_text", "value": "".join(str(line) for line in lines)}]


def story_draft_for_need(*, need: Need, by: User) -> NewsPage:
    """The need's story draft under 志愿动态, made once; the existing one after that."""
    index = NewsIndexPage.objects.first()
    if index is None:
        raise Conflict("no_news_index", _("网站还没有“志愿动态”栏目，无法生成志愿动态草稿。"))
    with transaction.atomic():
        locked = (
            Need.objects.select_for_update(of=("self",))
            .select_related("community", "category")
            .filter(pk=need.pk)
            .first()
        )
        if locked is None:
            raise NotFound("need_not_found", _("没有找到这项需求。"))
        need = locked
        if not permissions.may_write_news_for(by, need.community):
            raise Forbidden("not_news_writer", _("只有负责本社区志愿动态的工作人员可以撰写报道。"))
        if need.status != Need.Status.DONE:
            raise Conflict("need_not_done", _("需求完成后才能写成志愿动态。"))
        existing = NewsPage.objects.child_of(index).filter(slug=story_slug(need)).first()
        if existing is not None:
            return existing
        facts = story_facts(need)
        completed = need.completed_at or timezone.now()
        page = NewsPage(
            title=_("微心愿“%(title)s”实现了") % {"title": need.public_title},
            slug=story_slug(need),
            live=False,
            owner=by,
            date=timezone.localtime(completed).date(),
            intro=(
                _("%(people)d 名党员志愿者认领%(community)s居民的微心愿，累计服务 %(hours)s 小时。")
                % {
                    "people": facts["people"],
                    "community": need.community.name,
                    "hours": facts["hours"],
                }
            )[:200],
            category=NewsCategory.objects.filter(slug=STORY_CATEGORY_SLUG).first(),
            community=need.community,
            body=_body(need, facts),
        )
        index.add_child(instance=page)
        page.save_revision(user=by, log_action=True)
    return page
