"""Who may write and who may publish: editor groups, page permissions and the news workflow.

Community editors (社区编辑) write 志愿动态 and submit them; they cannot publish, and
they write only for a community they may publish for by the one permission rule
(volunteers.permissions): a 梨园 editor can neither start nor save a 桥北 page.
Town editors (镇编辑) edit the whole site, publish, and approve what is submitted,
through the Wagtail workflow 志愿动态审核 on the news section. ``seed_demo`` sets
this up and puts the demo secretary among the community editors and the demo admin
among the town editors; on a real site an administrator adds people to the two
groups under 设置 → 用户组.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.functional import cached_property
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Page,
    PagePermissionTester,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from volunteers import permissions

COMMUNITY_EDITORS = "社区编辑"
TOWN_EDITORS = permissions.TOWN_EDITORS  # the policy reads the group by this name
NEWS_WORKFLOW = "志愿动态审核"
NEWS_TASK = "镇编辑审核发布"

# Page permissions (wagtailcore.<codename>) each group holds.
COMMUNITY_PAGE_PERMISSIONS = ("add_page", "change_page")
TOWN_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")


def _permission(app_label: str, model: str, codename: str) -> Permission:
    content_type = ContentType.objects.get_by_natural_key(app_label, model)
    return Permission.objects.get(content_type=content_type, codename=codename)


def _grant_model_permissions(group: Group, names) -> int:
    wanted = [_permission(*name) for name in names]
    missing = [p for p in wanted if not group.permissions.filter(pk=p.pk).exists()]
    if missing:
        group.permissions.add(*missing)
    return len(missing)


def _grant_page_permissions(group: Group, page: Page, codenames) -> int:
    created = 0
    for codename in codenames:
        permission = _permission("wagtailcore", "page", codename)
        _row, new = GroupPagePermission.objects.get_or_create(
            group=group, page=page, permission=permission
        )
        created += new
    return created


@transaction.atomic
def ensure_news_workflow(*, home: Page, news_index: Page) -> int:
    """Create the two editor groups, their permissions and the workflow; returns rows added."""
    added = 0
    community, new = Group.objects.get_or_create(name=COMMUNITY_EDITORS)
    added += new
    town, new = Group.objects.get_or_create(name=TOWN_EDITORS)
    added += new

    admin_access = ("wagtailadmin", "admin", "access_admin")
    added += _grant_model_permissions(
        community,
        [
            admin_access,
            ("wagtailimages", "image", "add_image"),
            ("wagtailimages", "image", "choose_image"),
        ],
    )
    added += _grant_model_permissions(
        town,
        [
            admin_access,
            ("wagtailimages", "image", "add_image"),
            ("wagtailimages", "image", "change_image"),
            ("wagtailimages", "image", "choose_image"),
            ("cms", "newscategory", "add_newscategory"),
            ("cms", "newscategory", "change_newscategory"),
            ("cms", "newscategory", "delete_newscategory"),
            ("cms", "sitesettings", "change_sitesettings"),
        ],
    )
    added += _grant_page_permissions(community, news_index, COMMUNITY_PAGE_PERMISSIONS)
    added += _grant_page_permissions(town, home, TOWN_PAGE_PERMISSIONS)

    task = GroupApprovalTask.objects.filter(name=NEWS_TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=NEWS_TASK)
        added += 1
    if not task.groups.filter(pk=town.pk).exists():
        task.groups.add(town)
        added += 1
    workflow, new = Workflow.objects.get_or_create(name=NEWS_WORKFLOW)
    added += new
    _link, new = WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task, defaults={"sort_order": 0}
    )
    added += new
    assignment = WorkflowPage.objects.filter(page=news_index).first()
    if assignment is None:
        WorkflowPage.objects.create(page=news_index, workflow=workflow)
        added += 1
    return added


def news_workflow() -> Workflow | None:
    return Workflow.objects.filter(name=NEWS_WORKFLOW).first()


class NewsPagePermissionTester(PagePermissionTester):
    """Wagtail's page permissions, narrowed to the news of the editor's own communities."""

    @cached_property
    def _may_write_news(self) -> bool:
        return permissions.may_write_news_for(self.user, self.page.specific.community)

    def can_edit(self):
        return super().can_edit() and self._may_write_news

    def can_delete(self, ignore_bulk=False):
        return super().can_delete(ignore_bulk=ignore_bulk) and self._may_write_news

    def can_unpublish(self):
        return super().can_unpublish() and self._may_write_news

    def can_publish(self):
        return super().can_publish() and self._may_write_news

    def can_submit_for_moderation(self):
        return super().can_submit_for_moderation() and self._may_write_news

    def can_lock(self):
        return super().can_lock() and self._may_write_news

    def can_copy(self):
        return super().can_copy() and self._may_write_news

    def can_move(self):
        return super().can_move() and self._may_write_news
