"""Publishing in the Wagtail admin: each publisher sees and changes only their own subtree."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.sms import LocmemSMSBackend
from volunteers.models import Activity, ActivityCategory, SignUp
from volunteers.services.memberships import ADMIN_GROUP_NAME, membership_end
from volunteers.services.signups import signup_create

BASE = "/admin/snippets/volunteers/activity/"
ADD = BASE + "add/"


def edit_url(activity):
    return f"{BASE}edit/{activity.pk}/"


def cancel_url(activity):
    return f"{BASE}cancel/{activity.pk}/"


@pytest.fixture
def leader(person_with_role, town, Role):
    """Leads 文明交通劝导队 (under the detachment, not under any community)."""
    return person_with_role(Role.LEADER, town.team, real_name="张志强")


@pytest.fixture
def secretary(person_with_role, town, Role):
    return person_with_role(Role.SECRETARY, town.liyuan, real_name="李淑芬")


@pytest.fixture
def soon(make_activity):
    def make(**kwargs):
        starts = timezone.now() + datetime.timedelta(days=2)
        kwargs.setdefault("starts_at", starts)
        kwargs.setdefault("ends_at", starts + datetime.timedelta(hours=2))
        kwargs.setdefault("signup_required", True)
        return make_activity(**kwargs)

    return make


def form_data(organisation, **overrides):
    starts = timezone.localtime(timezone.now() + datetime.timedelta(days=3)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    data = {
        "organisation": organisation.pk,
        "title": "早高峰文明交通劝导",
        "category": ActivityCategory.objects.get(name="文明交通劝导").pk,
        "description": "请穿红马甲。",
        "cover_image": "",
        "starts_at": starts.strftime("%Y-%m-%d %H:%M"),
        "ends_at": (starts + datetime.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
        "checkin_opens_minutes": "30",
        "address": "阳关中路与鸣山路十字",
        "latitude": "",
        "longitude": "",
        "geofence_radius_m": "",
        "signup_required": "on",
        "signup_opens_at": "",
        "signup_closes_at": "",
        "capacity": "10",
        "audience": "everyone",
        "audience_team": "",
        "min_share_percent": "60",
    }
    data.update(overrides)
    return data


def listed_titles(response):
    return [activity.title for activity in response.context["object_list"]]


# --- Entering the admin ----------------------------------------------------------------


def test_a_plain_volunteer_cannot_enter_the_admin(client, make_person, town):
    volunteer = make_person(real_name="陈小燕", home_grid=town.liyuan_grid1)
    client.force_login(volunteer.user)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert client.get(BASE).status_code == 302
    assert not volunteer.user.has_perm("wagtailadmin.access_admin")


def test_a_publishing_role_opens_the_admin_and_ending_it_closes_it(client, leader, Role):
    user = leader.user
    assert user.groups.filter(name=ADMIN_GROUP_NAME).exists()
    client.force_login(user)
    assert client.get("/admin/").status_code == 200
    membership_end(membership=leader.memberships.get(role=Role.LEADER))
    assert not user.groups.filter(name=ADMIN_GROUP_NAME).exists()
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_admin_group_carries_admin_access(db):
    group = Group.objects.get(name=ADMIN_GROUP_NAME)
    assert group.permissions.filter(codename="access_admin").exists()


# --- What a leader sees and may do --------------------------------------------------------


def test_a_leader_sees_only_his_subtrees_activities(client, leader, soon, town):
    soon(organisation=town.team, title="本队的劝导")
    soon(organisation=town.liyuan, title="梨园社区的活动")
    soon(organisation=town.other_team, title="敬老队的活动")
    client.force_login(leader.user)
    response = client.get(BASE)
    assert response.status_code == 200
    assert listed_titles(response) == ["本队的劝导"]
    page = response.content.decode()
    assert "梨园社区的活动" not in page and "敬老队的活动" not in page


def test_a_leader_cannot_open_another_subtrees_activity_by_url(client, leader, soon, town):
    other = soon(organisation=town.other_team, title="敬老队的活动")
    client.force_login(leader.user)
    for url in (
        edit_url(other),
        f"{BASE}history/{other.pk}/",
        f"{BASE}usage/{other.pk}/",
        f"{BASE}delete/{other.pk}/",
        f"{BASE}unpublish/{other.pk}/",
        f"{BASE}copy/{other.pk}/",
        f"{BASE}preview/{other.pk}/",
        cancel_url(other),
        f"/admin/snippets/choose/volunteers/activity/chosen/{other.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(edit_url(other), form_data(town.team, title="改掉"))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.title == "敬老队的活动"


def test_a_leader_creates_and_publishes_an_activity_for_his_team(client, leader, town):
    client.force_login(leader.user)
    form = client.get(ADD).context["form"]
    assert list(form.fields["organisation"].queryset) == [town.team]
    response = client.post(ADD, {**form_data(town.team), "action-publish": "action-publish"})
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    activity = Activity.objects.get(title="早高峰文明交通劝导")
    assert activity.organisation == town.team
    assert activity.live and activity.created_by == leader.user
    assert "早高峰文明交通劝导" in client.get("/activities/").content.decode()


def test_a_leader_cannot_pick_an_organisation_outside_his_scope(client, leader, town):
    client.force_login(leader.user)
    response = client.post(ADD, {**form_data(town.liyuan), "action-publish": "action-publish"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "只能选择您有权发布活动的组织" in str(errors["organisation"])
    assert not Activity.objects.exists()


def test_a_leader_cannot_move_his_activity_to_another_subtree(client, leader, soon, town):
    mine = soon(organisation=town.team, title="本队的劝导")
    client.force_login(leader.user)
    response = client.post(
        edit_url(mine), {**form_data(town.other_team), "action-publish": "action-publish"}
    )
    assert response.status_code == 200
    assert "只能选择您有权发布活动的组织" in str(response.context["form"].errors)
    mine.refresh_from_db()
    assert mine.organisation == town.team


def test_the_form_refuses_an_end_before_the_start_in_chinese(client, leader, town):
    client.force_login(leader.user)
    data = form_data(town.team)
    data["ends_at"] = data["starts_at"]
    response = client.post(ADD, {**data, "action-publish": "action-publish"})
    assert "结束时间必须晚于开始时间" in str(response.context["form"].errors)
    assert not Activity.objects.exists()


def test_a_published_activity_cannot_be_deleted_only_cancelled(client, leader, soon, town):
    mine = soon(organisation=town.team)
    client.force_login(leader.user)
    response = client.post(f"{BASE}delete/{mine.pk}/")
    assert response.status_code in (302, 403)
    assert Activity.objects.filter(pk=mine.pk).exists()


# --- The secretary ---------------------------------------------------------------------------


def test_a_secretary_publishes_for_a_grid_of_her_community(client, secretary, town):
    client.force_login(secretary.user)
    organisations = client.get(ADD).context["form"].fields["organisation"].queryset
    assert town.liyuan_grid1 in organisations and town.qiaobei not in organisations
    response = client.post(
        ADD,
        {
            **form_data(town.liyuan_grid1, title="第一网格楼道清洁"),
            "action-publish": "action-publish",
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get(title="第一网格楼道清洁")
    assert activity.live
    page = client.get(f"/activities/{activity.pk}/").content.decode()
    assert "第一网格楼道清洁" in page and "梨园社区第1网格" in page


def test_a_draft_saved_by_a_secretary_stays_hidden_from_the_public(client, secretary, town):
    client.force_login(secretary.user)
    client.post(ADD, form_data(town.liyuan, title="还没想好的活动"))
    draft = Activity.objects.get(title="还没想好的活动")
    assert not draft.live
    client.logout()
    assert client.get(f"/activities/{draft.pk}/").status_code == 404


# --- Cancelling --------------------------------------------------------------------------------


def test_cancelling_in_the_admin_needs_a_reason_and_texts_everyone(
    client, leader, soon, town, make_person, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "core.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    activity = soon(organisation=town.team, capacity=1, title="本队的劝导")
    first = make_person(real_name="甲", with_user=False)
    second = make_person(real_name="乙", with_user=False)
    signup_create(activity=activity, person=first)
    signup_create(activity=activity, person=second)  # waitlisted: told as well
    client.force_login(leader.user)

    page = client.get(cancel_url(activity)).content.decode()
    assert "将通过短信通知 2 位" in page
    response = client.post(cancel_url(activity), {"reason": "  "})
    assert response.status_code == 200 and "请填写取消原因" in response.content.decode()
    assert Activity.objects.get(pk=activity.pk).cancelled_at is None

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(cancel_url(activity), {"reason": "沙尘暴预警"})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.cancelled_at is not None and activity.cancel_reason == "沙尘暴预警"
    assert sorted(m["phone"] for m in LocmemSMSBackend.outbox) == sorted(
        [first.phone, second.phone]
    )
    assert SignUp.objects.count() == 2
    LocmemSMSBackend.outbox.clear()


# --- Categories ---------------------------------------------------------------------------------


def test_only_town_administrators_edit_the_category_list(
    client, leader, person_with_role, town, Role
):
    url = "/admin/snippets/volunteers/activitycategory/"
    client.force_login(leader.user)
    assert client.get(url).status_code == 302  # Wagtail's "no permission" back to the dashboard
    category = ActivityCategory.objects.first()
    assert client.get(f"{url}edit/{category.pk}/").status_code == 404

    town_admin = person_with_role(Role.ADMIN, town.town, real_name="马建国")
    client.force_login(town_admin.user)
    assert client.get(url).status_code == 200
    response = client.post(f"{url}add/", {"name": "防风固沙", "sort_order": "90"})
    assert response.status_code == 302
    assert ActivityCategory.objects.filter(name="防风固沙").exists()


def test_raising_the_capacity_in_the_admin_promotes_the_waiting_list(
    client, leader, soon, town, make_person
):
    activity = soon(organisation=town.team, capacity=1, title="本队的劝导")
    first = make_person(real_name="甲", with_user=False)
    second = make_person(real_name="乙", with_user=False)
    signup_create(activity=activity, person=first)
    signup_create(activity=activity, person=second)
    client.force_login(leader.user)
    data = form_data(town.team, title="本队的劝导", capacity="2")
    response = client.post(edit_url(activity), {**data, "action-publish": "action-publish"})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.capacity == 2
    assert SignUp.objects.get(person=second).status == SignUp.Status.CONFIRMED


def test_the_preview_shows_the_public_page_before_saving(client, leader, town):
    client.force_login(leader.user)
    checked = client.post(f"{BASE}preview/", form_data(town.team, title="预览中的劝导"))
    assert checked.json() == {"is_valid": True, "is_available": True}
    page = client.get(f"{BASE}preview/").content.decode()
    assert "预览中的劝导" in page and "公众还看不到这个页面" in page
    assert not Activity.objects.exists()


def test_the_admin_listing_filters_by_subtree_status_and_title(client, secretary, soon, town):
    soon(organisation=town.liyuan_grid1, title="第一网格清洁")
    soon(organisation=town.liyuan_grid2, title="第二网格清洁")
    soon(organisation=town.liyuan, title="社区草稿", publish=False)
    client.force_login(secretary.user)
    by_grid = client.get(BASE, {"organisation": town.liyuan_grid1.pk})
    assert listed_titles(by_grid) == ["第一网格清洁"]
    drafts = client.get(BASE, {"status": "draft"})
    assert listed_titles(drafts) == ["社区草稿"]
    found = client.get(BASE, {"q": "第二"})
    assert listed_titles(found) == ["第二网格清洁"]
    junk = client.get(BASE, {"status": "zzz", "organisation": "abc", "category": "99999"})
    assert junk.status_code == 200


def test_the_form_starts_on_the_secretarys_community_and_offers_no_closed_organisation(
    client, secretary, town
):
    town.liyuan_grid2.closed_on = timezone.localdate()
    town.liyuan_grid2.save(update_fields=["closed_on"])
    client.force_login(secretary.user)
    form = client.get(ADD).context["form"]
    offered = set(form.fields["organisation"].queryset)
    assert town.liyuan in offered and town.liyuan_grid1 in offered
    assert town.liyuan_grid2 not in offered  # closed: it publishes nothing new
    assert form.initial["organisation"] == town.liyuan.pk
    response = client.post(
        ADD, {**form_data(town.liyuan_grid2), "action-publish": "action-publish"}
    )
    assert "只能选择您有权发布活动的组织" in str(response.context["form"].errors["organisation"])
    assert not Activity.objects.exists()
