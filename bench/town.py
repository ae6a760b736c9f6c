"""The town the benchmark scans in: a seeded database, logged-in phones, an open activity.

Import this module only after ``django.setup()`` (``bench.run`` and ``bench.profile`` do):
it imports the project's models, which need the app registry.
"""

from __future__ import annotations

import datetime
import io
import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.management import call_command
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from bench.stats import median
from core.qr import qr_png, qr_svg
from core.tokens import Purpose, make_token
from volunteers.models import Activity, ActivityCategory, Attendance, Organisation, Person
from volunteers.services.activities import activity_create


def prepare_database(*, people: int) -> None:
    quiet = io.StringIO()
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
    print(f"bench: migrated ({time.perf_counter() - started:.0f} s)")
    started = time.perf_counter()
    call_command("seed_demo", people=people, stdout=quiet)
    print(f"bench: seed_demo --people {people} ({time.perf_counter() - started:.0f} s)")
    started = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)
    print(f"bench: collectstatic ({time.perf_counter() - started:.0f} s)")


def prepare_phones(count: int) -> list[str]:
    """``count`` residents, each with a login and a live session: their session keys.

    As if each had logged in on a phone beforehand. Logging in through the form would
    spend ~0.3 s of password hashing per person and measure the login, not the scan.
    """
    User = get_user_model()
    people = list(
        Person.objects.filter(Q(user__isnull=True) | Q(user__username__startswith="bench-"))
        .select_related("user")
        .order_by("pk")[:count]
    )
    if len(people) < count:
        raise SystemExit(f"bench: only {len(people)} residents to check in; raise --people")
    with transaction.atomic():
        missing = [person for person in people if person.user is None]
        unusable = make_password(None)  # cannot log in by password; the session is the login
        users = User.objects.bulk_create(
            [User(username=f"bench-{person.pk}", password=unusable) for person in missing]
        )
        for person, user in zip(missing, users, strict=True):
            person.user = user
        Person.objects.bulk_update(missing, ["user"], batch_size=1000)
        store = SessionStore()
        expires = timezone.now() + datetime.timedelta(hours=2)
        sessions = []
        for person in people:
            data = {
                SESSION_KEY: str(person.user.pk),
                BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                HASH_SESSION_KEY: person.user.get_session_auth_hash(),
            }
            key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
            sessions.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expires)
            )
        Session.objects.bulk_create(sessions, batch_size=1000)
    # A login through the configured engine also writes the session to the cache
    # (cached_db); do what it does, so the first scan reads it from there, as it would.
    engine = import_module(settings.SESSION_ENGINE)
    prefix = getattr(engine.SessionStore, "cache_key_prefix", None)
    if prefix:
        caches[settings.SESSION_CACHE_ALIAS].set_many(
            {
                prefix + session.session_key: store.decode(session.session_data)
                for session in sessions
            },
            timeout=int((expires - timezone.now()).total_seconds()),
        )
    return [session.session_key for session in sessions]


def prepare_activity() -> int:
    """An activity running now, open to everyone, no sign-up, no geofence: scan and go."""
    now = timezone.now()
    activity = activity_create(
        organisation=Organisation.objects.get(kind=Organisation.Kind.TOWN),
        title=f"压力测试签到 {timezone.localtime(now):%H:%M:%S}",
        category=ActivityCategory.objects.order_by("sort_order", "pk").first(),
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=2),
        address="沙州镇政府门前广场",
        audience=Activity.Audience.EVERYONE,
        signup_required=False,
    )
    return activity.pk


def checkin_token(activity_id: int) -> str:
    return make_token(purpose=Purpose.CHECK_IN, subject_id=activity_id)


def attendance_count(activity_id: int) -> int:
    connections.close_all()  # a fresh look, not a long-held connection's snapshot
    return Attendance.objects.filter(activity_id=activity_id, removed_at__isnull=True).count()


def time_qr(*, rounds: int, per_round: int, token: str) -> tuple[float, float]:
    """Milliseconds per SVG and per PNG of a real scan URL: medians of interleaved batches."""
    data = f"https://shazhou.example.cn/c/{token}"
    svg, png = [], []
    makers = [(qr_svg, svg), (qr_png, png)]
    for _round in range(rounds):
        makers.reverse()  # neither always runs first
        for make, sink in makers:
            started = time.perf_counter()
            for _ in range(per_round):
                make(data)
            sink.append((time.perf_counter() - started) * 1000 / per_round)
    return median(svg), median(png)
