"""seed_demo's parts that need no town: the resident generator, the running activity's hours,
and a refusal that stops the seed before it writes anything. The town it builds is tested in
tests/demo/, on one seed shared by the whole package."""

import datetime
import io
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from demo import town as demo
from volunteers.models import Membership, Organisation

PEOPLE = 60
SHANGHAI = ZoneInfo("Asia/Shanghai")


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", people=PEOPLE, stdout=out, **options)
    return out.getvalue()


def test_a_demo_phone_owned_by_someone_else_stops_the_seed_and_grants_nothing(db, make_person):
    stranger = make_person(real_name="王某", phone="13800000001", username="stranger")

    with pytest.raises(CommandError, match="13800000001"):
        seed()

    assert not Membership.objects.filter(person=stranger).exists()
    assert not Organisation.objects.exists()
    assert not get_user_model().objects.filter(username="admin").exists()


def test_the_same_seed_gives_the_same_people_and_more_people_extend_them():
    def phones(seed_value, count):
        generator = demo.ResidentGenerator(seed_value, reserved_phones=demo.DEMO_PHONES)
        return [(p.real_name, p.phone, p.home_grid) for p in generator.people(count)]

    assert phones(2026, 80) == phones(2026, 80)
    assert phones(2026, 80)[:60] == phones(2026, 60)
    assert phones(2026, 60) != phones(7, 60)


def test_political_statuses_come_in_realistic_proportions():
    generator = demo.ResidentGenerator(2026, reserved_phones=demo.DEMO_PHONES)
    statuses = Counter(p.political_status for p in generator.people(5000))
    party = statuses["party_member"] + statuses["probationary_member"]
    assert 0.25 < party / 5000 < 0.35
    assert statuses["league_member"] > 0
    assert statuses["probationary_member"] > 0


# --- Activities ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "start", "end"),
    [
        ("14:07", "13:05", "17:10"),
        ("00:20", "00:00", "03:20"),  # never starts yesterday
        ("23:31", "22:30", "02:35"),  # may end tomorrow
    ],
)
def test_the_running_activity_starts_about_an_hour_before_the_seed(clock, start, end):
    day = timezone.localdate()  # any day: the hours depend only on the time of the seed
    hour, minute = map(int, clock.split(":"))
    now = datetime.datetime.combine(day, datetime.time(hour, minute, 42), tzinfo=SHANGHAI)

    starts_at, ends_at = demo.running_today_times(now)

    assert starts_at.date() == day
    assert starts_at.strftime("%H:%M") == start
    assert timezone.localtime(ends_at, SHANGHAI).strftime("%H:%M") == end
