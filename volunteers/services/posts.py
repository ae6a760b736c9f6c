"""A project's posts as the claim services see them: the post's lock, who confirms a claim on
it, and whom to tell. Below both ``services.projects`` and ``services.needs`` (whose claim
lifecycle serves posts too), so neither imports the other.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from core.errors import NotFound
from volunteers import permissions
from volunteers.models import Notification, Person, Project, ProjectPost, User
from volunteers.services.notifications import notify


def lock_post(post: ProjectPost) -> ProjectPost:
    """The post under its row lock (places are counted only under it)."""
    try:
        return (
            ProjectPost.objects.select_for_update(of=("self",))
            .select_related("project__community")
            .get(pk=post.pk)
        )
    except ProjectPost.DoesNotExist:
        raise NotFound("post_not_found", _("没有找到这个岗位。")) from None


def project_url(project: Project) -> str:
    return reverse("volunteers:project_detail", args=[project.pk])


def tell_claimant(
    person: Person | None, project: Project, *, event: str, title: str, body: str
) -> None:
    if person is None:
        return
    notify(
        person=person,
        kind=Notification.Kind.NEED,
        key=f"project:{project.pk}:{event}:{person.pk}",
        title=title,
        body=body,
        url=project_url(project),
    )


def tell_project_staff(project: Project, *, event: str, title: str, body: str) -> None:
    """The community's nearest staff (who confirm the post claims), by email."""
    holders = permissions.nearest_holders(
        permissions.Action.MANAGE_NEEDS, project.community, limit=5
    )
    for person in holders:
        notify(
            person=person,
            kind=Notification.Kind.NEED,
            key=f"project:{project.pk}:{event}:{person.pk}",
            title=title,
            body=body,
            url=reverse("projects_admin_project", args=[project.pk]),
            channels=("email",),
        )


def may_confirm_post_claim(user: User | None, post: ProjectPost) -> bool:
    """The community's staff or the quarter's chair unit's contacts."""
    project = post.project
    return permissions.may_manage_projects(user, project.community, project.quarter)
