"""消息中心: notify() once per event, channels by preference, the page, the badge, mark read."""

import re

import pytest
from django.core import mail

from core.models import JobFailure
from core.sms import LocmemSMSBackend
from volunteers.models import Notification
from volunteers.services.notifications import notification_preferences_update, notify
from volunteers.tasks.notifications import deliver_notification

INBOX = "/me/notifications/"


@pytest.fixture
def sms(settings):
    settings.SMS_BACKEND = "core.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()


@pytest.fixture
def volunteer(make_person, town):
    person = make_person(real_name="李志愿", home_grid=town.liyuan_grid1)
    person.user.email = "li@example.cn"
    person.user.save(update_fields=["email"])
    return person


def _tell(person, key="test:1", **kwargs):
    kwargs.setdefault("title", "活动提醒：文明交通劝导")
    kwargs.setdefault("body", "您报名的活动明天开始。")
    kwargs.setdefault("url", "/activities/1/")
    return notify(person=person, kind=Notification.Kind.REMINDER, key=key, **kwargs)


def test_the_same_event_notified_twice_is_one_message_one_sms_one_email(
    volunteer, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _tell(volunteer)
        second = _tell(volunteer)

    assert first is not None and second is None
    assert Notification.objects.filter(recipient=volunteer).count() == 1
    assert [m["phone"] for m in sms] == [volunteer.phone]
    assert sms[0]["message"] == "【美丽沙州】您报名的活动明天开始。"
    assert [m.to for m in mail.outbox] == [["li@example.cn"]]
    assert mail.outbox[0].subject == "【美丽沙州】活动提醒：文明交通劝导"


def test_a_redelivered_delivery_sends_nothing_more(
    volunteer, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = _tell(volunteer)

    assert deliver_notification(notification.pk, "sms") is False
    assert deliver_notification(notification.pk, "email") is False
    assert len(sms) == 1 and len(mail.outbox) == 1


def test_channels_the_person_turned_off_are_not_used(
    volunteer, sms, django_capture_on_commit_callbacks
):
    notification_preferences_update(person=volunteer, email=True, sms=False)
    with django_capture_on_commit_callbacks(execute=True):
        _tell(volunteer)

    assert sms == []
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=volunteer).count() == 1  # in-app always


def test_a_failed_sms_can_be_sent_by_the_retry(volunteer, settings, monkeypatch):
    notification = _tell(volunteer)

    def broken(**kwargs):
        raise RuntimeError("gateway down")

    monkeypatch.setattr("volunteers.services.notifications.send_sms", broken)
    with pytest.raises(RuntimeError):
        deliver_notification.run(notification.pk, "sms")
    notification.refresh_from_db()
    assert notification.sms_sent_at is None  # the claim was released for the retry


def test_a_message_whose_person_was_deleted_is_recorded_and_skipped(volunteer, sms):
    notification = _tell(volunteer)
    volunteer.delete()

    assert deliver_notification(notification.pk, "sms") is False
    assert deliver_notification(notification.pk, "sms") is False  # recorded once
    skipped = JobFailure.objects.get(outcome=JobFailure.Outcome.SKIPPED)
    assert skipped.task_name == "volunteers.tasks.deliver_notification"
    assert "deleted" in skipped.error
    assert sms == []


# --- The page ----------------------------------------------------------------------------


def test_the_inbox_lists_my_messages_and_the_header_counts_the_unread(client, volunteer):
    _tell(volunteer, key="a", title="活动提醒：敬老院义务理发")
    _tell(volunteer, key="b", title="候补转正：河道清理")
    client.force_login(volunteer.user)

    body = client.get(INBOX).content.decode()

    assert "活动提醒：敬老院义务理发" in body and "候补转正：河道清理" in body
    assert 'class="site-nav__count">2<' in body
    assert "全部标为已读" in body


def test_marking_one_read_lowers_the_badge_and_opens_its_link(client, volunteer):
    notification = _tell(volunteer, url="/activities/7/")
    _tell(volunteer, key="other")
    client.force_login(volunteer.user)
    client.get(INBOX)  # the badge is cached now: marking read must drop it

    response = client.post(f"{INBOX}{notification.pk}/read/", {"open": "1"})

    assert response.status_code == 302 and response.url == "/activities/7/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'class="site-nav__count">1<' in client.get(INBOX).content.decode()


def test_mark_all_read_clears_the_badge(client, volunteer):
    _tell(volunteer, key="a")
    _tell(volunteer, key="b")
    client.force_login(volunteer.user)

    response = client.post(f"{INBOX}read-all/", follow=True)

    body = response.content.decode()
    assert "已将 2 条消息标为已读" in body
    assert "site-nav__count" not in body
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_someone_elses_message_is_not_found_and_stays_unread(client, volunteer, make_person):
    notification = _tell(volunteer)
    stranger = make_person(real_name="王路人")
    client.force_login(stranger.user)

    assert client.post(f"{INBOX}{notification.pk}/read/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_read_needs_a_post_with_the_csrf_token(volunteer):
    from django.test import Client

    notification = _tell(volunteer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(volunteer.user)

    assert client.get(f"{INBOX}{notification.pk}/read/").status_code == 405
    assert client.post(f"{INBOX}{notification.pk}/read/").status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_link_to_another_site_is_not_followed(client, volunteer):
    notification = _tell(volunteer, url="https://evil.example.com/")
    client.force_login(volunteer.user)

    response = client.post(f"{INBOX}{notification.pk}/read/", {"open": "1"})

    assert response.url == INBOX


def _sms_box(body: str) -> str:
    return re.search(r'<input type="checkbox" name="sms"[^>]*>', body).group(0)


def test_preferences_are_saved_from_the_same_page(client, volunteer):
    client.force_login(volunteer.user)
    assert "checked" in _sms_box(client.get(INBOX).content.decode())

    response = client.post(f"{INBOX}preferences/", {"email": "on"}, follow=True)

    body = response.content.decode()
    assert "消息接收方式已保存" in body
    assert "checked" not in _sms_box(body)
    preference = volunteer.notification_preference
    assert preference.email is True and preference.sms is False


def test_the_inbox_asks_anonymous_visitors_to_log_in(client, db):
    response = client.get(INBOX)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_inbox_page_costs_a_fixed_number_of_queries(
    client, volunteer, django_assert_num_queries
):
    for n in range(30):
        _tell(volunteer, key=f"k{n}")
    client.force_login(volunteer.user)
    client.get(INBOX)  # warms the badge cache
    # session, user, person, preferences, count and page of messages
    with django_assert_num_queries(5):
        assert client.get(INBOX).status_code == 200
