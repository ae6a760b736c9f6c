"""The demo town that `seed_demo` builds: the real town's shape, five working demo accounts,
a calendar around the day it runs, and a second run that changes nothing."""

import datetime
import io
import re
from collections import Counter

import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from core.identity import (
    VOLUNTEER_NUMBER_ALPHABET,
    reveal_id_number,
    validate_id_number,
    validate_mainland_mobile,
)
from core.tokens import Purpose, make_token
from demo import town as demo
from demo.api_keys import DEMO_KEY_SECRET
from volunteers.models import (
    Activity,
    Attendance,
    CommunityReport,
    Membership,
    Organisation,
    Person,
    ScanAttempt,
    SignUp,
)
from volunteers.permissions import Action, can
from volunteers.services.checkin import scan_activity_code
from volunteers.services.closing import checkout_grace
from volunteers.services.reports import report_confirm

from ..clock import shazhou_at
from .conftest import PEOPLE, SEEDED_AT, homepages

VOLUNTEER_NUMBER_RE = re.compile(rf"^SZ[{VOLUNTEER_NUMBER_ALPHABET}]{{8}}$")


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", people=PEOPLE, stdout=out, **options)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def user(username: str):
    return get_user_model().objects.get(username=username)


def org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def test_tree_has_the_real_towns_shape_and_no_treebeard_problems():
    kinds = Counter(Organisation.objects.values_list("kind", flat=True))
    assert kinds["town"] == 1
    assert kinds["community"] == 8
    assert kinds["grid"] == 339
    assert kinds["party_committee"] == 8
    assert kinds["party_branch"] == 22
    assert kinds["party_group"] == 44
    assert kinds["detachment"] == 1
    assert kinds["squad"] == 8
    assert kinds["team"] == 52
    assert 18 <= kinds["unit"] <= 22
    assert Organisation.find_problems() == ([], [], [], [], [])

    town = Organisation.get_root_nodes().get(code=demo.TOWN_CODE)
    assert town.name == "沙州镇"
    names = set(town.get_children().filter(kind="community").values_list("name", flat=True))
    assert {"梨园社区", "桥北社区"} <= names
    grid = org("liyuan-grid-03")
    assert grid.name == "梨园社区第3网格"
    assert grid.get_parent().code == "liyuan"
    assert org("detachment").name == "沙州镇志愿服务支队"
    # Every community has its own 大党委, and every branch and group sits inside one.
    for community in town.get_children().filter(kind="community"):
        committee = community.get_children().get(kind="party_committee")
        assert committee.name.endswith("大党委")
    for branch in Organisation.objects.filter(kind="party_branch"):
        assert branch.get_parent().kind == "party_committee"
        assert branch.get_children().filter(kind="party_group").count() == 2
    for team in Organisation.objects.filter(kind="team"):
        assert team.get_parent().kind == "squad"


def test_the_five_demo_accounts_log_in_with_the_demo_password(client):
    for account in demo.DEMO_ACCOUNTS:
        assert client.login(username=account.username, password="shazhou2026"), account.username
        person = Person.objects.get(user__username=account.username)
        assert person.phone == account.phone
        assert person.real_name == account.real_name
        client.logout()


def test_admin_is_a_superuser_and_town_admin():
    admin = user("admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert Membership.objects.filter(
        person__user=admin, organisation=org("shazhou"), role="admin", end_date__isnull=True
    ).exists()
    assert can(admin, Action.MANAGE_ROLES, org("qiaobei-grid-07"))


def test_secretary_manages_liyuan_but_not_qiaobei():
    secretary = user("secretary")
    membership = Membership.objects.get(person__user=secretary)
    assert (membership.organisation.code, membership.role) == ("liyuan", "secretary")
    assert can(secretary, Action.MANAGE_PEOPLE, org("liyuan-grid-03"))
    assert can(secretary, Action.MANAGE_PEOPLE, org("liyuan-branch-2-group-1"))
    assert can(secretary, Action.ADJUST_POINTS, org("liyuan-pc"))
    assert not can(secretary, Action.MANAGE_PEOPLE, org("qiaobei-grid-03"))
    assert not can(secretary, Action.VIEW, org("qiaobei-pc"))
    assert not can(secretary, Action.MANAGE_ROLES, org("liyuan-grid-03"))
    resident = Person.objects.filter(home_grid__code__startswith="liyuan-grid-").first()
    outsider = Person.objects.filter(home_grid__code__startswith="qiaobei-grid-").first()
    assert can(secretary, Action.MANAGE_PEOPLE, resident)
    assert not can(secretary, Action.MANAGE_PEOPLE, outsider)


def test_leader_publishes_for_his_team_but_cannot_manage_people():
    leader = user("leader")
    team = org(demo.DEMO_TEAM)
    assert team.name == "梨园文明交通劝导队"
    assert Membership.objects.filter(person__user=leader, organisation=team, role="leader").exists()
    assert Membership.objects.filter(organisation=team, role="leader").count() == 1
    assert can(leader, Action.PUBLISH, team)
    assert can(leader, Action.CHECK_IN, team)
    assert not can(leader, Action.MANAGE_PEOPLE, team)
    assert not can(leader, Action.PUBLISH, org("team-liyuan-elderly"))
    assert not can(leader, Action.PUBLISH, org("liyuan"))


def test_partymember_is_in_service_and_reported_to_liyuan():
    person = Person.objects.get(user__username="partymember")
    assert person.is_party_member
    assert person.in_service
    assert person.party_branch.code.startswith("liyuan-branch-")
    assert person.employer_unit.kind == "unit"
    assert person.reported_community.code == "liyuan"
    assert person.reported_at is not None
    # …through the 报到 services: the confirmed report is in the history.
    report = CommunityReport.objects.get(person=person)
    assert (report.community.code, report.status) == ("liyuan", "confirmed")
    assert report.decided_by == user("secretary")
    assert report.decided_at == person.reported_at
    assert report.applied_at < report.decided_at < timezone.now()


def test_the_secretary_has_one_report_to_confirm():
    secretary = user("secretary")
    pending = CommunityReport.objects.get(status="pending")
    newcomer = pending.person
    assert pending.community.code == "liyuan"
    assert newcomer.in_service and newcomer.user is None
    assert newcomer.reported_community_id != pending.community_id

    report_confirm(report=pending, by=secretary)

    newcomer.refresh_from_db()
    assert newcomer.reported_community.code == "liyuan"


def test_every_reported_person_has_the_confirmed_report_behind_it():
    reported = Person.objects.filter(reported_community__isnull=False)
    assert reported.count() > 1
    for person in reported:
        assert CommunityReport.objects.filter(
            person=person, community=person.reported_community, status="confirmed"
        ).exists(), person


def test_volunteer_is_a_plain_resident_of_liyuan_on_the_leaders_team():
    volunteer = user("volunteer")
    person = volunteer.person
    assert person.political_status == "masses"
    assert person.party_branch is None
    assert person.home_grid.get_parent().code == "liyuan"
    roles = set(Membership.objects.filter(person=person).values_list("organisation__code", "role"))
    assert roles == {(demo.DEMO_TEAM, "member")}
    assert can(volunteer, Action.VIEW, org(demo.DEMO_TEAM))
    assert not can(volunteer, Action.PUBLISH, org(demo.DEMO_TEAM))


def test_running_twice_changes_no_table(demo_town):
    counts = table_counts()
    people = list(Person.objects.values_list("phone", "volunteer_number", "updated_at"))
    memberships = list(Membership.objects.values_list("pk", "person_id", "organisation_id", "role"))

    second = seed()

    assert table_counts() == counts
    assert list(Person.objects.values_list("phone", "volunteer_number", "updated_at")) == people
    assert list(Membership.objects.values_list("pk", "person_id", "organisation_id", "role")) == (
        memberships
    )
    assert "Created" in demo_town.output
    assert "Nothing to do" in second
    assert counts["volunteers.Person"] == PEOPLE + len(demo.DEMO_ACCOUNTS)


def test_every_person_is_valid_and_volunteer_numbers_avoid_look_alikes():
    people = list(Person.objects.select_related("home_grid", "party_branch", "employer_unit"))
    assert len(people) == PEOPLE + len(demo.DEMO_ACCOUNTS)
    for person in people:
        validate_mainland_mobile(person.phone)
        assert VOLUNTEER_NUMBER_RE.match(person.volunteer_number), person.volunteer_number
        assert not set(person.volunteer_number[2:]) & set("01OIL")
        if person.home_grid is None:  # only the newcomer, whose grid is still being decided
            assert person.join_requests.filter(status="pending", organisation__kind="grid")
        else:
            assert person.home_grid.kind == "grid"
        if person.party_branch is not None:
            assert person.is_party_member
            assert person.party_branch.kind == "party_branch"
        if person.in_service:
            assert person.is_party_member
            assert person.employer_unit.kind == "unit"
            has_pending = person.community_reports.filter(status="pending").exists()
            assert person.reported_community is not None or has_pending
        if person.id_number_encrypted:
            validate_id_number(reveal_id_number(person.id_number_encrypted))
    assert any(p.id_number_encrypted for p in people)
    assert any(p.in_service for p in people if p.user_id is None)


def test_no_one_holds_the_same_open_role_twice():
    open_roles = Membership.objects.filter(end_date__isnull=True)
    keys = Counter(open_roles.values_list("person_id", "organisation_id", "role"))
    assert max(keys.values()) == 1
    assert open_roles.filter(role="member", organisation__kind="team").exists()
    assert open_roles.filter(role="secretary", organisation__kind="party_branch").exists()


def test_seed_leaves_the_wagtail_homepage_alone(demo_town):
    assert demo_town.homepages_before
    assert homepages() == demo_town.homepages_before


def test_demo_accounts_prints_each_login_with_its_password():
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    text = out.getvalue()
    for username in ("admin", "secretary", "leader", "partymember", "volunteer"):
        assert username in text
    assert "shazhou2026" in text
    assert "梨园社区党委书记" in text
    assert "seed_demo" not in text  # every account exists, so no hint to seed first
    for account in demo.DEMO_ACCOUNTS:
        assert account.phone in text
    assert "/api/v1/docs" in text  # the open API's docs, for a mini-program developer


def test_demo_accounts_ends_with_the_running_activitys_links_and_what_to_open_first():
    out = io.StringIO()
    call_command("demo_accounts", "--base-url", "http://127.0.0.1:8000/", stdout=out)
    lines = out.getvalue().splitlines()
    activity = running_today()
    assert f"http://127.0.0.1:8000/activities/{activity.pk}/checkin/?mode=in" in lines[-3]
    assert lines[-2].endswith(f"http://127.0.0.1:8000/activities/{activity.pk}/qr.png")
    assert lines[-1].startswith("先打开 open first: http://127.0.0.1:8000/accounts/login/")


def test_demo_accounts_names_the_demo_key_that_reads_the_towns_figures():
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    assert f"X-API-Key: {DEMO_KEY_SECRET}" in out.getvalue()
    system = Client(HTTP_X_API_KEY=DEMO_KEY_SECRET)
    a_month_ago = timezone.localdate() - datetime.timedelta(days=40)  # inside the calendar
    response = system.get(
        "/api/v1/town/figures", {"period": f"{a_month_ago:%Y-%m}", "group_by": "child"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["organisation"]["name"] == demo.TOWN_NAME
    assert body["organisation"]["hours"] > 0 and body["organisation"]["activities"] > 0
    assert "梨园社区" in {row["name"] for row in body["children"]}


# --- Activities ----------------------------------------------------------------------


def running_today() -> Activity:
    return Activity.objects.get(
        organisation__code=demo.DEMO_TEAM,
        title=demo.TODAY.title,
        starts_at__date=timezone.localdate(),
    )


def test_an_activity_is_running_now_that_the_leader_runs_and_the_volunteer_can_scan():
    activity = running_today()
    now = timezone.now()

    assert activity.checkin_opens_at <= now <= activity.ends_at
    assert activity.ends_at >= now + datetime.timedelta(hours=2)
    assert activity.status == "published"
    assert (activity.audience, activity.signup_required) == ("everyone", False)
    assert can(user("leader"), Action.CHECK_IN, activity)
    assert activity.attendances.count() == demo.TODAY.early_birds  # the live count is not zero
    volunteer = user("volunteer").person
    assert not activity.attendances.filter(person=volunteer).exists()

    token = make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk)
    result = scan_activity_code(token=token, person=volunteer)

    assert result.created
    assert activity.attendances.filter(person=volunteer).exists()


def test_the_past_three_months_are_finished_with_attendance():
    now = timezone.now()
    over = Activity.objects.filter(ends_at__lt=now - checkout_grace(), cancelled_at__isnull=True)
    assert over.count() >= 20
    assert over.earliest("starts_at").starts_at >= now - datetime.timedelta(days=92)
    assert not over.filter(finished_at__isnull=True).exists()

    attendances = Attendance.objects.filter(activity__in=over)
    assert attendances.count() >= 60
    assert not attendances.filter(checked_out_at__isnull=True).exists()
    assert not attendances.filter(minutes_served__isnull=True).exists()
    assert attendances.filter(auto_closed=True, check_out_method="automatic").exists()
    assert attendances.filter(auto_closed=False).exists()
    methods = set(attendances.values_list("check_in_method", flat=True))
    assert {"activity_qr", "personal_code", "manual"} <= methods
    for attendance in attendances.select_related("activity"):
        activity = attendance.activity
        assert activity.checkin_opens_at <= attendance.checked_in_at <= activity.ends_at
        assert attendance.minutes_served <= activity.duration_minutes
    # Where sign-up was required, only those signed up came.
    required = attendances.filter(activity__signup_required=True, check_in_method="activity_qr")
    for attendance in required:
        assert SignUp.objects.filter(
            activity=attendance.activity, person=attendance.person, status="confirmed"
        ).exists()
    assert ScanAttempt.objects.filter(activity__in=over, accepted=True).count() >= 60
    # The demo volunteer has a record worth showing.
    volunteer = user("volunteer").person
    assert attendances.filter(person=volunteer).count() >= 8


def test_the_coming_weeks_have_sign_ups_and_one_has_a_waiting_list():
    now = timezone.now()
    coming = Activity.objects.filter(starts_at__gt=now)
    assert coming.count() >= 8
    assert coming.latest("starts_at").starts_at <= now + datetime.timedelta(days=29)
    assert not Attendance.objects.filter(activity__in=coming).exists()
    assert SignUp.objects.filter(activity__in=coming, status="confirmed").count() >= 15
    full = [
        a
        for a in coming.filter(capacity__isnull=False)
        if a.signups.filter(status="confirmed").count() == a.capacity
        and a.signups.filter(status="waitlisted").exists()
    ]
    assert [a.title for a in full] == ["敬老助残上门服务"]
    assert coming.filter(cancelled_at__isnull=False).count() == 1
    titles = set(Activity.objects.values_list("title", flat=True))
    assert {"早高峰文明交通劝导", "社区治安联防夜间巡逻", "党河风情线环境整治"} <= titles
    assert any(t.startswith("在职党员义务服务周") for t in titles)
    assert "党员志愿者奉献日" in titles


def test_a_rerun_later_the_same_day_finds_the_running_activity_and_changes_nothing():
    counts = table_counts()
    evening = shazhou_at(hour=21, minute=40)

    with time_machine.travel(evening, tick=False):
        again = demo.seed_demo_town(people=PEOPLE, now=evening)

    assert not again.changed
    assert table_counts() == counts
    assert Activity.objects.filter(title=demo.TODAY.title).count() == 1


def test_a_run_on_a_later_day_adds_only_that_days_calendar():
    yesterdays = running_today()
    tomorrow = SEEDED_AT + datetime.timedelta(days=1)

    with time_machine.travel(tomorrow, tick=False):
        demo.seed_demo_town(people=PEOPLE, now=tomorrow)

    assert Activity.objects.filter(title=demo.TODAY.title).count() == 2
    yesterdays.refresh_from_db()
    assert yesterdays.finished_at is not None  # and its open attendances closed
    assert not yesterdays.attendances.filter(checked_out_at__isnull=True).exists()
    keys = Counter(
        (a.organisation_id, a.title, timezone.localdate(a.starts_at))
        for a in Activity.objects.all()
    )
    assert max(keys.values()) == 1
