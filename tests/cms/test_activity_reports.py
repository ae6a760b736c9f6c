"""Activity report drafts: a draft 志愿动态 from verified attendance, once per activity."""

import datetime

import pytest
from django.utils import timezone
from wagtail.models import Page

from cms.models import HomePage, NewsIndexPage, NewsPage
from cms.tasks import draft_activity_report
from core.models import JobFailure
from volunteers.models import Attendance, Method, Notification
from volunteers.tasks.activities import finish_activity


@pytest.fixture
def news_index(db):
    home = HomePage.objects.first()
    if home is None:  # a transactional test before this one emptied the data migrations' rows
        home = Page.get_first_root_node().add_child(instance=HomePage(title="首页", slug="home"))
    index = NewsIndexPage(title="志愿动态", slug="news")
    home.add_child(instance=index)
    return index


@pytest.fixture
def finished(make_activity, person_with_role, make_person, town, Role):
    from volunteers.services.memberships import membership_grant

    secretary = person_with_role(Role.SECRETARY, town.liyuan, real_name="赵书记")
    starts = timezone.now() - datetime.timedelta(days=1)
    activity = make_activity(
        title="党河河道清理",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        by=secretary.user,
    )
    for n in range(3):
        person = make_person(real_name=f"队员{n}", home_grid=town.liyuan_grid1)
        if n < 2:
            membership_grant(person=person, organisation=town.team, role=Role.MEMBER)
        Attendance.objects.create(
            activity=activity,
            person=person,
            checked_in_at=starts,
            check_in_method=Method.MANUAL,
            checked_out_at=starts + datetime.timedelta(minutes=90 if n < 2 else 10),
            check_out_method=Method.MANUAL,
            minutes_served=90 if n < 2 else 10,  # the third stayed too short: not verified
        )
    return activity, secretary


def test_finishing_an_activity_drafts_its_report_once(
    news_index, finished, django_capture_on_commit_callbacks
):
    activity, secretary = finished

    with django_capture_on_commit_callbacks(execute=True):
        finish_activity(activity.pk)
    draft_activity_report(activity.pk)  # delivered again

    page = NewsPage.objects.get(related_activity=activity)
    assert not page.live and page.get_parent().pk == news_index.pk
    assert page.title == "党河河道清理活动报道"
    assert page.intro == "2 名志愿者参加“党河河道清理”，累计服务 3.0 小时。"
    text = str(page.body)
    assert "文明交通劝导队（2 人）" in text
    assert "图片" in text  # the slot for photos
    assert page.latest_revision is not None  # a draft the admin can edit
    assert Notification.objects.filter(
        recipient=secretary, kind=Notification.Kind.REPORT_DRAFT
    ).exists()


def test_without_a_news_section_the_draft_is_skipped_and_recorded(finished):
    activity, _secretary = finished

    assert draft_activity_report(activity.pk) is None
    assert JobFailure.objects.get().key == f"report:{activity.pk}:no_news_index"
    assert not NewsPage.objects.exists()
