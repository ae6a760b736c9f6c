"""写成志愿动态: the button on a met need's admin page, and the view behind it.

volunteers may not import cms, so the need's page (``volunteers.admin_views.needs``)
collects buttons from the ``register_need_admin_actions`` hook; this module answers it
for the community's news writers once the need is 已完成, and its POST makes the draft
(``services.need_stories``) and opens it in Wagtail's page editor. A refusal goes back
to the need's page as a Wagtail error message.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.services.need_stories import existing_story, may_write_need_story, story_draft_for_need
from core.errors import DomainError
from volunteers.selectors.needs_admin import needs_in_scope


def need_story_actions(request, need) -> list[dict[str, str]]:
    if not may_write_need_story(request.user, need):
        return []
    story = existing_story(need)
    if story is not None:
        url = reverse("wagtailadmin_pages:edit", args=[story.pk])
        return [{"label": _("打开志愿动态草稿"), "url": url, "method": "get"}]
    url = reverse("need_story_admin", args=[need.pk])
    return [{"label": _("写成志愿动态"), "url": url, "method": "post"}]


@require_POST
def need_story(request, pk: int):
    # The need's staff see it in their list; anyone else is answered as if there were none.
    need = needs_in_scope(request.user).select_related("community").filter(pk=pk).first()
    if need is None:
        raise Http404
    try:
        page = story_draft_for_need(need=need, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("needs_admin_need", args=[need.pk]))
    if not page.permissions_for_user(request.user).can_edit():
        # The draft exists, but the writer is not in the 社区编辑 group yet: say so here
        # rather than let Wagtail bounce them to the dashboard.
        messages.warning(
            request, _("已生成志愿动态草稿，但您还没有网站编辑权限，请联系镇编辑加入“社区编辑”组。")
        )
        return HttpResponseRedirect(reverse("needs_admin_need", args=[need.pk]))
    messages.success(request, _("已生成志愿动态草稿，请补充文字和照片后提交发布。"))
    return HttpResponseRedirect(reverse("wagtailadmin_pages:edit", args=[page.pk]))


def admin_urls():
    return [path("needs/<int:pk>/story/", need_story, name="need_story_admin")]
