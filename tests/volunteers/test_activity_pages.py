"""The public activity pages: the list, one activity, signing up and cancelling from it."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from volunteers.models import Activity, ActivityCategory, SignUp
from volunteers.services.activities import activity_cancel
from volunteers.services.signups import signup_create

LIST_URL = "/activities/"


def detail_url(activity):
    return f"/activities/{activity.pk}/"


@pytest.fixture
def soon(make_activity):
    """An activity starting in ``days`` days, sign-up required."""

    def make(days=2, **kwargs):
        starts = timezone.now() + datetime.timedelta(days=days)
        kwargs.setdefault("starts_at", starts)
        kwargs.setdefault("ends_at", kwargs["starts_at"] + datetime.timedelta(hours=2))
        kwargs.setdefault("signup_required", True)
        return make_activity(**kwargs)

    return make


@pytest.fixture
def volunteer(make_person, town):
    return make_person(real_name="陈小燕", home_grid=town.liyuan_grid1)


@pytest.fixture
def volunteer_client(client, volunteer):
    client.force_login(volunteer.user)
    return client


def titles(response):
    return [a.title for a in response.context["page"].object_list]


# --- The list ----------------------------------------------------------------------------


def test_the_list_shows_published_activities_and_hides_drafts_and_cancelled(client, soon):
    soon(title="已发布的劝导")
    soon(title="还在草稿的活动", publish=False)
    cancelled = soon(title="被取消的活动")
    activity_cancel(activity=cancelled, reason="天气原因")
    response = client.get(LIST_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "已发布的劝导" in page
    assert "还在草稿的活动" not in page
    assert "被取消的活动" not in page


def test_upcoming_activities_come_first_soonest_first_then_the_past(client, soon, make_activity):
    soon(days=5, title="五天后")
    soon(days=1, title="明天")
    long_ago = timezone.now() - datetime.timedelta(days=30)
    make_activity(
        title="上个月", starts_at=long_ago, ends_at=long_ago + datetime.timedelta(hours=2)
    )
    last_week = timezone.now() - datetime.timedelta(days=7)
    make_activity(
        title="上周", starts_at=last_week, ends_at=last_week + datetime.timedelta(hours=2)
    )
    assert titles(client.get(LIST_URL)) == ["明天", "五天后", "上周", "上个月"]
    assert titles(client.get(LIST_URL, {"when": "past"})) == ["上周", "上个月"]
    assert titles(client.get(LIST_URL, {"when": "upcoming"})) == ["明天", "五天后"]


def test_the_list_filters_by_category_and_community(client, soon, town):
    care = ActivityCategory.objects.get(name="敬老助残")
    soon(title="梨园劝导")
    soon(title="梨园敬老", category=care)
    soon(title="桥北劝导", organisation=town.qiaobei_grid1)
    assert titles(client.get(LIST_URL, {"category": care.pk})) == ["梨园敬老"]
    assert sorted(titles(client.get(LIST_URL, {"community": town.qiaobei.pk}))) == ["桥北劝导"]
    assert sorted(titles(client.get(LIST_URL, {"community": town.liyuan.pk}))) == [
        "梨园劝导",
        "梨园敬老",
    ]


@pytest.mark.parametrize(
    "query",
    [
        "?when=tomorrow&category=abc&community=%27%3B--&page=xyz",
        "?category=99999999999999999999999&community=-1",
        "?page=-3",
        "?page=99999",
        "?when[]=1&community=abc&community=",
        "?community=%01",  # NUL is a Chinese 400 for every page: tests/test_nul_input.py
    ],
)
def test_junk_query_strings_still_show_the_list(client, soon, query):
    soon(title="照常显示")
    response = client.get(LIST_URL + query)
    assert response.status_code == 200
    assert "照常显示" in response.content.decode()


def test_the_list_is_paginated(client, soon):
    for n in range(23):
        soon(days=1 + n, title=f"活动{n:02d}")
    first = client.get(LIST_URL)
    assert len(titles(first)) == 20 and "第 1 / 2 页" in first.content.decode()
    second = client.get(LIST_URL, {"page": 2})
    assert titles(second) == ["活动20", "活动21", "活动22"]


def test_the_list_page_makes_a_fixed_number_of_queries(
    client, soon, make_person, town, volunteer, django_assert_max_num_queries
):
    for n in range(15):
        activity = soon(days=1 + n, title=f"活动{n}", capacity=3)
        for k in range(2):
            signup_create(
                activity=activity, person=make_person(real_name=f"人{n}-{k}", with_user=False)
            )
    with django_assert_max_num_queries(4):  # count, page, categories, communities
        response = client.get(LIST_URL)
    assert "剩余 1 / 3 个名额" in response.content.decode()
    client.force_login(volunteer.user)
    # + session, user, person, their sign-ups, the unread badge (cached afterwards)
    with django_assert_max_num_queries(9):
        client.get(LIST_URL)


def test_the_list_marks_the_activities_i_signed_up_for(volunteer_client, soon, volunteer):
    activity = soon(title="我报了名的")
    soon(title="别的活动")
    signup_create(activity=activity, person=volunteer)
    page = volunteer_client.get(LIST_URL).content.decode()
    assert page.count("已报名</span>") == 1


# --- One activity ------------------------------------------------------------------------


def test_a_draft_is_not_found(client, soon, person_with_role, town, Role):
    draft = soon(publish=False)
    assert client.get(detail_url(draft)).status_code == 404
    assert client.get("/activities/987654/").status_code == 404
    assert client.get("/activities/99999999999999999999999/").status_code == 404


def test_the_detail_shows_time_place_organisation_places_and_queue(client, soon, make_person):
    starts = timezone.localtime(timezone.now() + datetime.timedelta(days=2)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    activity = soon(
        title="阳关中路文明交通劝导",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2, minutes=30),
        capacity=2,
        address="阳关中路与鸣山路十字",
        description="请穿红马甲。",
    )
    for n in range(3):
        signup_create(activity=activity, person=make_person(real_name=f"人{n}", with_user=False))
    page = client.get(detail_url(activity)).content.decode()
    assert f"{starts.month}月{starts.day}日 09:00–11:30" in page
    assert "阳关中路与鸣山路十字" in page
    assert "梨园社区" in page and "文明交通劝导" in page
    assert "所有人" in page
    assert "请穿红马甲。" in page
    context = client.get(detail_url(activity)).context
    assert context["places_left"] == 0 and context["waitlisted"] == 1
    assert "登录后报名" in page


def test_a_cancelled_activity_says_so_with_the_reason(client, soon):
    activity = soon()
    activity_cancel(activity=activity, reason="沙尘暴预警，为安全起见取消")
    response = client.get(detail_url(activity))
    assert response.status_code == 200
    page = response.content.decode()
    assert "本活动已取消" in page and "沙尘暴预警，为安全起见取消" in page
    assert "我要报名" not in page and "登录后报名" not in page


def test_the_detail_template_renders_as_the_admin_preview_of_an_unsaved_activity(town):
    activity = Activity(
        organisation=town.liyuan,
        category=ActivityCategory.objects.first(),
        title="预览中的活动",
        address="梨园社区广场",
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )
    request = RequestFactory().get("/admin/preview/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = render_to_string(
        activity.get_preview_template(request, ""),
        activity.get_preview_context(request, ""),
        request=request,
    )
    assert "预览中的活动" in html and "预览" in html and "我要报名" not in html


# --- Signing up and cancelling from the page ---------------------------------------------


def test_a_volunteer_signs_up_from_the_page(volunteer_client, soon, volunteer):
    activity = soon(capacity=5)
    response = volunteer_client.post(reverse("volunteers:activity_signup", args=[activity.pk]))
    assert response.status_code == 302 and response.url == detail_url(activity)
    page = volunteer_client.get(response.url).content.decode()
    assert "报名成功" in page and "已报名</span>" in page and "取消报名</button>" in page
    assert SignUp.objects.get(activity=activity, person=volunteer).status == "confirmed"


def test_a_full_activity_puts_the_volunteer_on_the_waiting_list(
    volunteer_client, soon, volunteer, make_person
):
    activity = soon(capacity=1)
    signup_create(activity=activity, person=make_person(real_name="先到", with_user=False))
    assert "报名候补" in volunteer_client.get(detail_url(activity)).content.decode()
    response = volunteer_client.post(
        reverse("volunteers:activity_signup", args=[activity.pk]), follow=True
    )
    page = response.content.decode()
    assert "候补名单（第 1 位）" in page
    assert "候补第 1 位</span>" in page and "取消候补</button>" in page


def test_an_overlap_warning_is_shown_after_signing_up(volunteer_client, soon, volunteer):
    starts = timezone.now() + datetime.timedelta(days=3)
    first = soon(title="早高峰劝导", starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    second = soon(
        title="同时段的理发",
        starts_at=starts + datetime.timedelta(hours=1),
        ends_at=starts + datetime.timedelta(hours=3),
    )
    signup_create(activity=first, person=volunteer)
    response = volunteer_client.post(
        reverse("volunteers:activity_signup", args=[second.pk]), follow=True
    )
    page = response.content.decode()
    assert "报名成功" in page
    assert "与您已报名的“早高峰劝导”" in page and "时间重叠" in page


def test_signing_up_outside_the_audience_is_refused_with_the_reason(
    volunteer_client, soon, volunteer
):
    activity = soon(audience=Activity.Audience.PARTY_MEMBERS)
    page = volunteer_client.get(detail_url(activity)).content.decode()
    assert "本活动仅限党员参加" in page and "我要报名" not in page
    response = volunteer_client.post(reverse("volunteers:activity_signup", args=[activity.pk]))
    assert response.status_code == 403
    assert "本活动仅限党员参加" in response.content.decode()
    assert not SignUp.objects.exists()


def test_a_second_signup_from_the_page_is_a_conflict(volunteer_client, soon, volunteer):
    activity = soon()
    signup_create(activity=activity, person=volunteer)
    response = volunteer_client.post(reverse("volunteers:activity_signup", args=[activity.pk]))
    assert response.status_code == 409
    assert "您已报名该活动" in response.content.decode()
    assert SignUp.objects.count() == 1


def test_cancelling_from_the_page_frees_the_place(volunteer_client, soon, volunteer):
    activity = soon(capacity=1)
    signup_create(activity=activity, person=volunteer)
    response = volunteer_client.post(
        reverse("volunteers:activity_signup_cancel", args=[activity.pk]), follow=True
    )
    page = response.content.decode()
    assert "已取消报名" in page and "我要报名" in page
    assert SignUp.objects.get(person=volunteer).status == "cancelled"


def test_cancelling_after_the_deadline_is_refused_on_the_page(
    volunteer_client, soon, volunteer, time_machine
):
    activity = soon(days=2, signup_closes_at=timezone.now() + datetime.timedelta(days=1))
    signup_create(activity=activity, person=volunteer)
    time_machine.move_to(activity.signup_deadline + datetime.timedelta(minutes=5))
    page = volunteer_client.get(detail_url(activity)).content.decode()
    assert "已过取消报名的截止时间" in page and "取消报名</button>" not in page
    response = volunteer_client.post(
        reverse("volunteers:activity_signup_cancel", args=[activity.pk])
    )
    assert response.status_code == 409
    assert SignUp.objects.get(person=volunteer).status == "confirmed"


def test_anonymous_visitors_are_sent_to_log_in_and_back_to_the_activity(client, soon):
    activity = soon()
    response = client.post(reverse("volunteers:activity_signup", args=[activity.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url and f"next=/activities/{activity.pk}/" in response.url
    assert not SignUp.objects.exists()


def test_signup_urls_take_only_post(volunteer_client, soon):
    activity = soon()
    assert (
        volunteer_client.get(reverse("volunteers:activity_signup", args=[activity.pk])).status_code
        == 405
    )


def test_signing_up_for_a_draft_by_url_is_not_found(volunteer_client, soon):
    draft = soon(publish=False)
    response = volunteer_client.post(reverse("volunteers:activity_signup", args=[draft.pk]))
    assert response.status_code == 404
    assert not SignUp.objects.exists()
