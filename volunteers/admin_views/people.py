"""人员 in the Wagtail admin: the people a member of staff may see, and one person's page.

The list holds the people in the viewer's subtrees (``permissions.people_in_scope``);
a person outside them is answered 404, so their existence is not told. The person's
page shows their record, roles, teams, 报到, attendance and audit trail; the layers
above add their sections through the ``construct_person_page_panels`` hook (points adds
the balance and certificates: volunteers does not import points). Each action is a form
posting to a service; a refusal is shown on the page, in Chinese, with its 4xx.
"""

from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.errors import DomainError, Invalid, NotFound
from core.pagination import page_of, search_text
from volunteers import permissions
from volunteers.admin_views.people_forms import (
    AppointForm,
    MembershipEndForm,
    PersonEditForm,
    TeamJoinForm,
)
from volunteers.models import Attendance, AuditEvent, Membership, Organisation, Person
from volunteers.selectors import people_matching
from volunteers.services.memberships import membership_end, membership_grant
from volunteers.services.people import person_update_by_staff

Action = permissions.Action
PANELS_HOOK = "construct_person_page_panels"
AUDIT_LABELS = {
    "membership.grant": gettext_lazy("任命角色"),
    "membership.end": gettext_lazy("结束角色"),
    "person.update": gettext_lazy("修改资料"),
    "person.update_own": gettext_lazy("本人修改资料"),
    "person.claim": gettext_lazy("认领名册记录"),
}


def field_label(name: str) -> str:
    """A person's field as the audit trail names it: 姓名, not real_name."""
    if name == "id_number":
        return _("身份证号")
    try:
        return str(Person._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
    except FieldDoesNotExist:  # a field since removed still reads as its code
        return name


def require_people_staff(user) -> None:
    if not permissions.works_with_people(user):
        raise PermissionDenied


def person_in_scope(user, pk: int) -> Person:
    """The person, if ``user`` may see them; otherwise 404, as if there were none."""
    people = permissions.people_in_scope(user, Action.VIEW).select_related(
        "home_grid", "party_branch", "employer_unit", "reported_community", "user"
    )
    return get_object_or_404(people, pk=pk)


def linked_to(organisation: Organisation) -> Q:
    """People tied to ``organisation``'s subtree, as ``people_in_scope`` ties them."""
    under = organisation.path
    links = Q()
    for field in ("home_grid", "party_branch", "employer_unit", "reported_community"):
        links |= Q(**{f"{field}__path__startswith": under})
    members = Membership.objects.current().filter(organisation__path__startswith=under)
    return links | Q(pk__in=members.values("person_id"))


class PeopleIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "volunteers/admin/people/index.html"
    page_title = gettext_lazy("人员")
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        require_people_staff(request.user)
        return super().dispatch(request, *args, **kwargs)

    def filter_organisation(self) -> Organisation | None:
        raw = self.request.GET.get("organisation", "").strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise Invalid("bad_organisation", _("组织参数无效。"), field="organisation")
        visible = permissions.organisations_in_scope(self.request.user, Action.VIEW)
        organisation = visible.filter(pk=int(raw)).first()
        if organisation is None:
            raise NotFound("no_organisation", _("没有找到这个组织，或您无权查看。"))
        return organisation

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        people = permissions.people_in_scope(user, Action.VIEW).select_related("home_grid")
        query = search_text(self.request)
        if query:
            people = people.filter(people_matching(query))
        organisation = self.filter_organisation()
        if organisation is not None:
            people = people.filter(linked_to(organisation))
        page = page_of(self.request, people.order_by("real_name", "pk"))
        ids = [person.pk for person in page]
        full_phones = set(
            permissions.people_in_scope(user, Action.MANAGE_PEOPLE)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        for person in page:
            person.shown_phone = person.phone if person.pk in full_phones else person.masked_phone
        context.update(page_obj=page, query=query, organisation=organisation)
        return context


def person_url(person: Person) -> str:
    return reverse("shazhou_person", args=[person.pk])


class PersonView(WagtailAdminTemplateMixin, TemplateView):
    """One person's page; the action views below post to it and re-use its context."""

    template_name = "volunteers/admin/people/detail.html"
    page_title = gettext_lazy("人员")
    header_icon = "user"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.person: Person | None = None

    def dispatch(self, request, *args, **kwargs):
        require_people_staff(request.user)
        self.person = person_in_scope(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.person.real_name if self.person else ""

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("shazhou_people"), "label": _("人员")},
            {"url": "", "label": self.get_page_subtitle()},
        ]

    def memberships(self) -> tuple[list[Membership], list[Membership]]:
        current, ended = [], []
        rows = self.person.memberships.select_related("organisation").order_by("-start_date", "-pk")
        for membership in rows:
            (current if membership.is_active else ended).append(membership)
        return current, ended

    def audit_trail(self) -> list[AuditEvent]:
        person_type = ContentType.objects.get_for_model(Person)
        events = AuditEvent.objects.filter(
            Q(person=self.person) | Q(target_type=person_type, target_id=str(self.person.pk))
        ).select_related("actor__person")[:20]
        for event in events:
            event.label = AUDIT_LABELS.get(event.action, event.action)
            extra = event.extra if isinstance(event.extra, dict) else {}
            # Only what the services write for a person's page: never free-form extras.
            event.reason = extra.get("reason", "")
            changes = extra.get("changes")
            event.changes = (
                [(field_label(name), change) for name, change in changes.items()]
                if isinstance(changes, dict)
                else []
            )
        return list(events)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, person = self.request.user, self.person
        current, ended = self.memberships()
        may_manage_people = permissions.can(user, Action.MANAGE_PEOPLE, person)
        may_manage_roles = permissions.can_anywhere(user, Action.MANAGE_ROLES)
        end_forms = kwargs.get("end_forms", {})
        for membership in current:
            membership.may_end = permissions.can(user, Action.MANAGE_ROLES, membership.organisation)
            membership.end_form = end_forms.get(membership.pk) or MembershipEndForm(
                prefix=f"end-{membership.pk}"
            )
        panels: list[Any] = []
        for hook in hooks.get_hooks(PANELS_HOOK):
            hook(self.request, person, panels)
        context.update(
            person=person,
            shown_phone=person.phone if may_manage_people else person.masked_phone,
            may_manage_people=may_manage_people,
            may_manage_roles=may_manage_roles,
            current_memberships=current,
            ended_memberships=ended,
            teams=[m for m in current if m.organisation.kind == Organisation.Kind.TEAM],
            reports=person.community_reports.select_related("community")[:10],
            attendances=Attendance.objects.filter(person=person, removed_at__isnull=True)
            .select_related("activity")
            .order_by("-checked_in_at")[:10],
            audit_events=self.audit_trail(),
            panels=panels,
            edit_form=kwargs.get("edit_form")
            or (PersonEditForm(person=person) if may_manage_people else None),
            appoint_form=kwargs.get("appoint_form")
            or (AppointForm(user=user) if may_manage_roles else None),
            team_form=kwargs.get("team_form")
            or (TeamJoinForm(user=user, person=person) if may_manage_roles else None),
        )
        return context


class PersonActionView(PersonView):
    """A form on the person's page posting to one service: success → back to the page
    with a message; a refusal → the page again, the message on its form, with its 4xx."""

    http_method_names = ["post"]
    context_name = ""

    def make_form(self, data):
        raise NotImplementedError

    def act(self, form) -> str:
        """Call the service; answer the success message."""
        raise NotImplementedError

    def refused(self, form, status: int):
        return self.render_to_response(
            self.get_context_data(**{self.context_name: form}), status=status
        )

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if not form.is_valid():
            return self.refused(form, 400)
        try:
            message = self.act(form)
        except DomainError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, str(error.message))
            return self.refused(form, error.status)
        messages.success(request, message)
        return HttpResponseRedirect(person_url(self.person))


class PersonEditView(PersonActionView):
    context_name = "edit_form"

    def make_form(self, data):
        return PersonEditForm(data, person=self.person)

    def act(self, form) -> str:
        person_update_by_staff(
            person=self.person,
            by=self.request.user,
            changes=form.changes(),
            reason=form.cleaned_data["reason"],
        )
        return _("资料已保存。")


class AppointView(PersonActionView):
    context_name = "appoint_form"

    def make_form(self, data):
        return AppointForm(data, user=self.request.user)

    def act(self, form) -> str:
        membership = membership_grant(
            person=self.person,
            organisation=form.cleaned_data["organisation"],
            role=form.cleaned_data["role"],
            by=self.request.user,
            start_date=form.cleaned_data["start_date"],
            reason=form.cleaned_data["reason"],
        )
        return _("已任命为%(org)s%(role)s。") % {
            "org": membership.organisation.name,
            "role": membership.get_role_display(),
        }


class TeamJoinView(PersonActionView):
    context_name = "team_form"

    def make_form(self, data):
        return TeamJoinForm(data, user=self.request.user, person=self.person)

    def act(self, form) -> str:
        team = form.cleaned_data["team"]
        membership_grant(
            person=self.person, organisation=team, role=Membership.Role.MEMBER, by=self.request.user
        )
        return _("已加入%(team)s。") % {"team": team.name}


class MembershipEndView(PersonActionView):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.membership_pk = kwargs["membership_pk"]

    def make_form(self, data):
        return MembershipEndForm(data, prefix=f"end-{self.membership_pk}")

    def refused(self, form, status: int):
        context = self.get_context_data(end_forms={self.membership_pk: form})
        return self.render_to_response(context, status=status)

    def act(self, form) -> str:
        membership = self.person.memberships.filter(pk=self.membership_pk).first()
        if membership is None:
            raise Http404
        membership_end(
            membership=membership,
            by=self.request.user,
            end_date=form.cleaned_data["end_date"],
            reason=form.cleaned_data["reason"],
        )
        if membership.role == Membership.Role.MEMBER and (
            membership.organisation.kind == Organisation.Kind.TEAM
        ):
            return _("已移出%(team)s。") % {"team": membership.organisation.name}
        return _("已结束%(org)s%(role)s的角色。") % {
            "org": membership.organisation.name,
            "role": membership.get_role_display(),
        }


urlpatterns = [
    path("people/", PeopleIndexView.as_view(), name="shazhou_people"),
    path("people/<int:pk>/", PersonView.as_view(), name="shazhou_person"),
    path("people/<int:pk>/edit/", PersonEditView.as_view(), name="shazhou_person_edit"),
    path("people/<int:pk>/appoint/", AppointView.as_view(), name="shazhou_person_appoint"),
    path("people/<int:pk>/teams/", TeamJoinView.as_view(), name="shazhou_person_team_join"),
    path(
        "people/<int:pk>/memberships/<int:membership_pk>/end/",
        MembershipEndView.as_view(),
        name="shazhou_person_membership_end",
    ),
]


class PeopleMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return permissions.works_with_people(request.user)


def people_menu_item() -> MenuItem:
    return PeopleMenuItem(
        gettext_lazy("人员"),
        reverse_lazy("shazhou_people"),
        name="people",
        icon_name="group",
        order=240,
    )
