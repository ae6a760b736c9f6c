"""消息 through the API: my notifications newest first, the unread badge, marking read;
anyone else's notification is 404, as on the page."""

import datetime

import pytest
from django.utils import timezone

from volunteers.models import Notification
from volunteers.services.notifications import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(make_person, town):
    return make_person(real_name="陈小燕", home_grid=town.liyuan_grid1)


@pytest.fixture
def inbox(reader):
    """Three notifications for the reader, an hour apart; the newest links to 我的兑换."""
    made = []
    for n, (title, url) in enumerate(
        (("活动明天开始", "/activities/"), ("候补转正", ""), ("兑换已取消", "/shop/mine/"))
    ):
        notification = notify(
            person=reader,
            kind=Notification.Kind.OTHER,
            key=f"test:{n}",
            title=title,
            body=f"第{n + 1}条",
            url=url,
            channels=(),
        )
        Notification.objects.filter(pk=notification.pk).update(
            created_at=timezone.now() - datetime.timedelta(hours=3 - n)
        )
        made.append(notification)
    return made


def test_the_list_is_mine_newest_first_with_links_on_this_site(signed_in, reader, inbox):
    response = signed_in(reader.user).get("/api/v1/notifications")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [item["title"] for item in body["items"]] == ["兑换已取消", "候补转正", "活动明天开始"]
    newest = body["items"][0]
    assert newest["text"] == "第3条"
    assert newest["kind"] == "other" and newest["kind_display"] == "其他"
    assert newest["link"] == "http://testserver/shop/mine/"
    assert newest["read_at"] is None
    assert newest["created_at"].endswith("+08:00")
    assert body["items"][1]["link"] is None


def test_a_link_off_this_site_is_not_offered(signed_in, reader):
    notify(
        person=reader,
        kind=Notification.Kind.OTHER,
        key="test:away",
        title="外链",
        body="",
        url="https://example.com/x",
        channels=(),
    )
    item = signed_in(reader.user).get("/api/v1/notifications").json()["items"][0]
    assert item["link"] is None


def test_marking_one_read_changes_the_badge_and_the_unread_filter(signed_in, reader, inbox):
    client = signed_in(reader.user)
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 3}

    response = client.post(f"/api/v1/notifications/{inbox[0].pk}/read")

    assert response.status_code == 200
    assert response.json()["id"] == inbox[0].pk
    assert response.json()["read_at"] is not None
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    unread = client.get("/api/v1/notifications?unread=true").json()
    assert {item["id"] for item in unread["items"]} == {inbox[1].pk, inbox[2].pk}
    read = client.get("/api/v1/notifications?unread=false").json()
    assert [item["id"] for item in read["items"]] == [inbox[0].pk]


def test_marking_a_read_one_again_keeps_its_first_read_time(signed_in, reader, inbox):
    client = signed_in(reader.user)
    first = client.post(f"/api/v1/notifications/{inbox[0].pk}/read").json()["read_at"]
    again = client.post(f"/api/v1/notifications/{inbox[0].pk}/read")
    assert again.status_code == 200
    assert again.json()["read_at"] == first


def test_read_all_marks_every_unread_one(signed_in, reader, inbox):
    client = signed_in(reader.user)
    client.post(f"/api/v1/notifications/{inbox[0].pk}/read")

    response = client.post("/api/v1/notifications/read-all")

    assert response.status_code == 200
    assert response.json() == {"changed": 2, "unread": 0}
    assert not Notification.objects.filter(recipient=reader, read_at__isnull=True).exists()
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 0}


def test_another_persons_notification_is_404_and_stays_unread(
    signed_in, reader, inbox, make_person
):
    other = signed_in(make_person(real_name="孙桥北").user)

    response = other.post(f"/api/v1/notifications/{inbox[0].pk}/read")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    inbox[0].refresh_from_db()
    assert inbox[0].read_at is None
    assert other.get("/api/v1/notifications").json()["count"] == 0
    assert other.post("/api/v1/notifications/read-all").json()["changed"] == 0
    assert Notification.objects.filter(recipient=reader, read_at__isnull=True).count() == 3


def test_an_unknown_id_is_404(signed_in, reader):
    response = signed_in(reader.user).post("/api/v1/notifications/999999/read")
    assert response.status_code == 404


def test_notifications_need_a_token(api_client):
    assert api_client.get("/api/v1/notifications").status_code == 401
    assert api_client.get("/api/v1/notifications/unread-count").status_code == 401
    assert api_client.post("/api/v1/notifications/read-all").status_code == 401


def test_the_list_pages_with_flat_queries(signed_in, reader, django_assert_max_num_queries, inbox):
    client = signed_in(reader.user)
    for n in range(25):
        notify(
            person=reader,
            kind=Notification.Kind.OTHER,
            key=f"test:more:{n}",
            title=f"第{n}条",
            body="",
            channels=(),
        )
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/notifications?page=2&page_size=20").json()
    assert body["count"] == 28 and body["pages"] == 2
    assert len(body["items"]) == 8 and not body["has_next"]
