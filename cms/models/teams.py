"""队伍: the volunteer detachment, its squads and teams, drawn from the organisation tree.

The index shows every squad of the detachment with live figures; a ``TeamPage`` is
an editor's page about one squad or team (its story, a photo), under the index or
under the page of its own squad, and adds the live part: members, hours served,
its teams, recent and coming activities.
"""

from django import forms
from django.db import models
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from cms import selectors
from cms.blocks import BodyBlock
from cms.models.base import SitePage
from volunteers import selectors as volunteer_selectors
from volunteers.models import Organisation

Kind = Organisation.Kind


class TeamIndexPage(SitePage):
    """四支队伍 on the volunteer side: the detachment and its squads, with live figures."""

    intro = models.TextField(
        _("导语"), blank=True, max_length=300, help_text=_("队伍列表上方的一段介绍。")
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("列表下方内容"))

    content_panels = [*SitePage.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*SitePage.search_fields, index.SearchField("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.TeamPage"]
    max_count = 1

    class Meta:
        verbose_name = _("队伍栏目")
        verbose_name_plural = _("队伍栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        urls = TeamPage.urls_by_organisation(request)
        groups = []
        for detachment in selectors.detachments():
            groups.append(
                {
                    "detachment": detachment,
                    "figures": selectors.organisation_figures(detachment),
                    "squads": selectors.children_figures(detachment, urls=urls),
                }
            )
        context["groups"] = groups
        return context


class TeamPageForm(WagtailAdminPageForm):
    """A team's page sits under the page of the squad it belongs to, or under the index."""

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        parent = getattr(self, "parent_page", None)
        parent = parent.specific if parent is not None else None
        outside = (
            organisation is not None
            and isinstance(parent, TeamPage)
            and (
                not parent.organisation.contains(organisation)
                or organisation == parent.organisation
            )
        )
        if outside:
            self.add_error(
                "organisation",
                _t("这个页面放在“%(parent)s”下面，只能选择它下属的队伍。")
                % {"parent": parent.organisation.name},
            )
        return cleaned


class TeamPage(SitePage):
    """One squad or team: the editor's words and picture, the tree's live figures."""

    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("队伍"),
        on_delete=models.PROTECT,
        related_name="team_page",
        limit_choices_to={"kind__in": [Kind.SQUAD, Kind.TEAM]},
        help_text=_("这个页面介绍的小分队或服务队；人数、时长和活动都从它读取。"),
    )
    intro = models.TextField(
        _("简介"),
        blank=True,
        max_length=300,
        help_text=_("一段话介绍这支队伍做什么、在哪里服务。"),
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("队伍照片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("横向合影或服务现场照片，宽度至少 1200 像素。"),
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("正文"))

    content_panels = [
        *SitePage.content_panels,
        FieldPanel("organisation", widget=forms.Select),
        FieldPanel("intro"),
        FieldPanel("cover_image"),
        FieldPanel("body"),
    ]
    search_fields = [
        *SitePage.search_fields,
        index.SearchField("intro"),
        index.SearchField("search_tokens"),
    ]

    base_form_class = TeamPageForm
    share_image_field = "cover_image"
    parent_page_types = ["cms.TeamIndexPage", "cms.TeamPage"]
    subpage_types = ["cms.TeamPage"]

    class Meta:
        verbose_name = _("队伍页面")
        verbose_name_plural = _("队伍页面")

    @classmethod
    def urls_by_organisation(cls, request=None) -> dict[int, str]:
        """organisation id → the URL of its live page (one query)."""
        pages = cls.objects.live().only("id", "url_path", "organisation_id")
        return {page.organisation_id: page.get_url(request) for page in pages}

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        organisation = self.organisation
        context["figures"] = selectors.organisation_figures(organisation)
        if organisation.numchild:
            urls = TeamPage.urls_by_organisation(request)
            context["teams"] = selectors.children_figures(organisation, urls=urls)
        context["recent"] = selectors.recent_activities(organisation, limit=5)
        upcoming = volunteer_selectors.activities_published(
            when=volunteer_selectors.UPCOMING, community=organisation
        )[:3]
        context["upcoming"] = selectors.decorate_activities(upcoming)
        return context
