from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page


class HomePage(Page):
    """The site's front page, the root of the public page tree."""

    tagline = models.CharField(
        _("标语"),
        max_length=120,
        blank=True,
        help_text=_("显示在品牌名下方的一句话，例如“红马甲在身边”。"),
    )
    intro = models.TextField(_("导语"), blank=True, help_text=_("首页横幅下的简短介绍。"))

    content_panels = [*Page.content_panels, FieldPanel("tagline"), FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("首页")
