"""When the queue (Celery's broker) or the database is down, the site degrades instead of
failing (in-process tests).

The queue down: a job that cannot be queued is recorded and the person who caused it is
told in Chinese. The database down: pages answer a Chinese 503 page.
"""

import contextlib
import datetime

import pytest
from django.utils import timezone

from core.models import JobFailure
from core.sms import LocmemSMSBackend
from volunteers.models import ExportJob, Notification, SignUp
from volunteers.services.signups import signup_create

from .test_resilience_redis_down import _forget_outages, closed_port


@contextlib.contextmanager
def broker_unreachable():
    """Tasks go to a Celery broker on a closed port instead of running eagerly."""
    from config.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    app.amqp._producer_pool = None
    app._pool = None
    _forget_outages()
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        app.amqp._producer_pool = None
        app._pool = None
        _forget_outages()


def body(response) -> str:
    return response.content.decode()


# --- The queue (Celery's broker) down, in-process ------------------------------------------------


@pytest.fixture
def secretary(person_with_role, town, Role):
    return person_with_role(Role.SECRETARY, town.liyuan, real_name="赵书记")


@pytest.fixture
def sms(settings):
    settings.SMS_BACKEND = "core.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()


def test_an_export_that_cannot_be_queued_fails_at_once_and_the_person_is_told(
    client, secretary, settings, tmp_path, transactional_db
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    client.force_login(secretary.user)

    with broker_unreachable():
        response = client.post(
            "/me/exports/new/", {"export": "roster", "kind": "volunteers"}, follow=True
        )

    assert response.status_code == 200
    assert "导出没有开始" in body(response) and "已开始生成" not in body(response)
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.FAILED and "稍后重新导出" in job.error
    failure = JobFailure.objects.get(task_name="volunteers.tasks.build_export")
    assert str(job.pk) in failure.args


def test_cancelling_with_the_queue_down_tells_everyone_in_app_and_warns_the_organiser(
    client,
    person_with_role,
    town,
    Role,
    make_activity,
    make_person,
    settings,
    sms,
    transactional_db,
):
    leader = person_with_role(Role.LEADER, town.team, real_name="张志强")
    starts = timezone.now() + datetime.timedelta(days=2)
    activity = make_activity(
        organisation=town.team,
        title="本队的劝导",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        signup_required=True,
        capacity=1,
    )
    people = [make_person(real_name=name, with_user=False) for name in ("甲", "乙")]
    for person in people:
        signup_create(activity=activity, person=person)
    client.force_login(leader.user)

    with broker_unreachable():
        response = client.post(
            f"/admin/snippets/volunteers/activity/cancel/{activity.pk}/",
            {"reason": "沙尘暴预警"},
            follow=True,
        )

    assert response.status_code == 200
    assert "短信和邮件没有发出" in body(response) and "请电话告知" in body(response)
    told = Notification.objects.filter(kind=Notification.Kind.CANCELLED)
    assert sorted(told.values_list("recipient__real_name", flat=True)) == ["乙", "甲"]
    assert sms == []
    assert JobFailure.objects.filter(task_name="volunteers.tasks.deliver_notification").count() == 2


def test_giving_up_a_place_with_the_queue_down_still_moves_the_next_person_up_and_tells_them(
    client, make_activity, make_person, town, sms, transactional_db
):
    starts = timezone.now() + datetime.timedelta(days=2)
    activity = make_activity(
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        signup_required=True,
        capacity=1,
    )
    first = make_person(real_name="甲")
    waiting = make_person(real_name="乙", with_user=False)
    signup_create(activity=activity, person=first)
    signup_create(activity=activity, person=waiting)
    client.force_login(first.user)

    with broker_unreachable():
        response = client.post(f"/activities/{activity.pk}/signup/cancel/", follow=True)

    assert response.status_code == 200 and "已取消报名" in body(response)
    assert SignUp.objects.get(person=waiting).status == SignUp.Status.CONFIRMED
    assert Notification.objects.filter(recipient=waiting, kind=Notification.Kind.PROMOTED).exists()


# --- The database down, in-process --------------------------------------------------------------


class DatabaseGoneMiddleware:
    """Stands for a middleware that reads the database (a session save, say) when it is away."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.db import OperationalError

        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def test_a_database_error_inside_another_middleware_is_a_503_page_too(db, settings):
    from django.test import Client

    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "tests.test_resilience_queue_and_database_down.DatabaseGoneMiddleware",
    ]

    response = Client(raise_request_exception=False).get("/activities/")

    assert response.status_code == 503
    assert "服务暂时不可用" in body(response) and response["Retry-After"]


def test_the_503_page_keeps_the_500_pages_styles_so_the_same_csp_hash_allows_them():
    import re

    from django.template.loader import render_to_string

    style = re.compile(r"<style[^>]*>(.*?)</style>", re.S)

    (unavailable,) = style.findall(render_to_string("503.html"))
    (server_error,) = style.findall(render_to_string("500.html"))

    assert unavailable == server_error
