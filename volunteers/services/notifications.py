"""Notifications: the in-app row once per event, then email and SMS by the person's choice.

``notify`` is the one way anything tells a person something. The row's unique
idempotency key makes a second call for the same event a no-op, whoever makes it
(a redelivered task, a sweep that runs again). Email and SMS are queued after the
row commits and each is sent at most once (``notification_send`` claims the row's
``*_sent_at`` before sending; the ``deliver_notification`` job calls it).
"""

import datetime
from functools import partial
from typing import Literal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.jobs import queue_after_commit
from core.sms import send_sms
from volunteers.models import Notification, NotificationPreference, Person, User

Kind = Notification.Kind
CHANNEL_FIELDS = {"email": "email_sent_at", "sms": "sms_sent_at"}
UNREAD_CACHE_SECONDS = 300


def unread_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user: User | AnonymousUser | None) -> int:
    """The header badge: cached per user, dropped whenever their notifications change."""
    if user is None or not user.is_authenticated:
        return 0
    key = unread_cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(
            recipient__user_id=user.pk, read_at__isnull=True
        ).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def _forget_unread(user_id: int | None) -> None:
    """Drop the cached badge now and again after commit (a page may re-cache it meanwhile)."""
    if user_id:
        cache.delete(unread_cache_key(user_id))
        transaction.on_commit(partial(cache.delete, unread_cache_key(user_id)))


def preferences_for(person: Person) -> NotificationPreference:
    """The person's channels; the defaults (email and SMS on) when never saved."""
    preference = NotificationPreference.objects.filter(person=person).first()
    return preference or NotificationPreference(person=person)


def notification_preferences_update(
    *, person: Person, email: bool, sms: bool
) -> NotificationPreference:
    """Save which channels the person wants besides the in-app list."""
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.update_or_create(
            person=person, defaults={"email": bool(email), "sms": bool(sms)}
        )
    return preference


def notify(
    *,
    person: Person,
    kind: str,
    key: str,
    title: str,
    body: str,
    url: str = "",
    channels: tuple[str, ...] = ("email", "sms"),
) -> Notification | None:
    """Tell ``person`` once per ``key``; None when this event was notified before.

    ``channels`` limits the extra channels for this kind (a reminder by email only,
    say); the person's preferences limit them further.
    """

    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=person,
                kind=kind,
                idempotency_key=key[:160],
                title=title[:120],
                body=body,
                url=url[:300],
            )
    except IntegrityError:
        return None  # this event was notified before: nothing more to do
    _forget_unread(person.user_id)
    preference = preferences_for(person)
    wanted = []
    if "email" in channels and preference.email and person.user is not None and person.user.email:
        wanted.append("email")
    if "sms" in channels and preference.sms and person.phone:
        wanted.append("sms")
    for channel in wanted:
        # After commit, robust: a broker away must not undo the row, which the person sees
        # in-app anyway; an unqueued delivery is recorded in 后台任务记录 (core.jobs).
        queue_after_commit("volunteers.tasks.deliver_notification", notification.pk, channel)
    return notification


def notification_mark_read(
    *, notification_id: int, by: User, now: datetime.datetime | None = None
) -> int:
    """Mark one of the user's own notifications read; 0 when it is not theirs or was read."""
    with transaction.atomic():
        changed = Notification.objects.filter(
            pk=notification_id, recipient__user=by, read_at__isnull=True
        ).update(read_at=now or timezone.now())
        _forget_unread(by.pk)
    return changed


def notifications_mark_all_read(*, by: User, now: datetime.datetime | None = None) -> int:
    """Mark every unread notification of the user read."""
    with transaction.atomic():
        changed = Notification.objects.filter(recipient__user=by, read_at__isnull=True).update(
            read_at=now or timezone.now()
        )
        _forget_unread(by.pk)
    return changed


def _site_url(path: str) -> str:
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}" if path else ""


def notification_send(
    *, notification: Notification, channel: str
) -> Literal["sent", "sent_before", "no_address"]:
    """Send one notification by ``channel`` ("email" or "sms") at most once.

    Claim first, then send: a redelivered job finds the claim and sends nothing twice.
    A failed send releases the claim and raises, so the job's retry may send it.
    """
    field = CHANNEL_FIELDS[channel]
    claimed = Notification.objects.filter(pk=notification.pk, **{f"{field}__isnull": True}).update(
        **{field: timezone.now()}
    )
    if not claimed:
        return "sent_before"
    person = notification.recipient
    try:
        if channel == "sms":
            send_sms(phone=person.phone, message=f"【美丽沙州】{notification.body}")
        else:
            address = person.user.email if person.user is not None else ""
            if not address:
                return "no_address"  # the claim stays: there is nowhere to send it
            text = notification.body
            if notification.url:
                text = f"{text}\n\n{_site_url(notification.url)}"
            send_mail(
                subject=f"【美丽沙州】{notification.title}",
                message=text,
                from_email=None,
                recipient_list=[address],
            )
    except Exception:
        Notification.objects.filter(pk=notification.pk).update(**{field: None})
        raise
    return "sent"
