"""活动: the editors' section page that lists the activities published in ``volunteers``.

The page lives at /huodong/ (its slug), not at /activities/: the Django views of the
check-in work own /activities/, /activities/<pk>/ (detail and sign-up) and
/activities/<pk>/qr.png, and they come before Wagtail's catch-all in the URLconf, so
a page with the slug "activities" would never be reached. Its cards link to those
detail pages, where people sign up. The list itself is read through
``volunteers.selectors``, the same read the /activities/ view uses.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from cms import cache as page_cache
from cms.blocks import BodyBlock
from cms.models.base import SitePage, paginate, query_without_page
from cms.selectors import decorate_activities
from volunteers import selectors as volunteer_selectors
from volunteers.forms import ActivityFilterForm


class ActivityIndexPage(SitePage):
    """The activity list, with filters: when, category, community."""

    intro = models.TextField(
        _("导语"),
        blank=True,
        max_length=300,
        help_text=_("列表上方的一段话，例如怎样报名、怎样扫码签到。"),
    )
    body = StreamField(
        BodyBlock(),
        blank=True,
        verbose_name=_("列表下方内容"),
        help_text=_("可选：列表下方的说明、行动号召等。活动本身由各组织在“活动”中发布。"),
    )

    content_panels = [*SitePage.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*SitePage.search_fields, index.SearchField("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    query_params = ("when", "category", "community", "page")

    class Meta:
        verbose_name = _("活动栏目")
        verbose_name_plural = _("活动栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        form = ActivityFilterForm(request.GET or None)
        chosen = {}
        if form.is_bound:
            form.is_valid()  # what cannot be read is left out of cleaned_data and ignored
            chosen = {key: value for key, value in form.cleaned_data.items() if value}
            for name, value in chosen.items():
                page_cache.query_used(request, name, getattr(value, "pk", value))
        activities = volunteer_selectors.activities_published(
            when=chosen.get("when", ""),
            category=chosen.get("category"),
            community=chosen.get("community"),
        )
        items = paginate(request, activities, 12)
        items.object_list = decorate_activities(items.object_list)
        person = volunteer_selectors.person_for_user(request.user)
        mine = volunteer_selectors.person_signup_statuses(person, [a.pk for a in items])
        for activity in items.object_list:
            activity.my_status = mine.get(activity.pk)
        context.update(
            form=form,
            items=items,
            filtering=bool(chosen),
            query=query_without_page(request),
            now=timezone.now(),
        )
        return context
