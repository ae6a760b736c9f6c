"""No page a volunteer uses mixes languages: switched to English, every page shows no
Chinese of the interface's own (issue 17, item 10).

The fixture's own texts are English (a town, communities, a team, an activity "Park
clean-up", a reward, a message), so any Chinese left on a page is an interface string
without an English translation (or a date in a Chinese format), and the failure names
it with its page. The language menu's own "简体中文" is the one Chinese allowed.

To find what to translate after adding strings: run this file, then ``makemessages -l en``
as the head of site/locale/en/LC_MESSAGES/django.po says.
"""

import datetime
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.conf import settings
from django.utils import translation
from wagtail.models import Site

from cms.chrome import refresh_chrome
from cms.models import SiteSettings
from core.tokens import Purpose, make_token
from points.models import Reward
from points.services import points_adjust, points_award_for_attendance
from volunteers.models import (
    ActivityCategory,
    Attendance,
    Campaign,
    Method,
    Need,
    NeedCategory,
    Notification,
    Organisation,
)
from volunteers.services.activities import activity_create
from volunteers.services.memberships import membership_grant
from volunteers.services.needs import need_record
from volunteers.services.organisations import organisation_add
from volunteers.services.signups import signup_create

from .clock import next_noon

NOON = next_noon()
pytestmark = pytest.mark.time_machine(NOON, tick=False)


@pytest.fixture(autouse=True)
def _back_to_chinese():
    """LocaleMiddleware leaves the last request's language active in the thread; the next
    test on this worker (a page rendered without a request) must find the default again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


# CJK ideographs, their punctuation (“：，。（）”) and full-width forms.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
ALLOWED = {"简体中文"}  # the language menu names Chinese in Chinese
SKIPPED_TAGS = {"script", "style", "template"}
SKIPPED_ATTRIBUTES = {"href", "src", "srcset", "action", "lang", "hreflang", "datetime"}


class _Text(HTMLParser):
    """The text a person can see or hear: text nodes, and attribute values (labels,
    placeholders, alt texts, the scanner's messages kept in data- attributes)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self._skipping += 1
        for name, value in attrs:
            if value and name not in SKIPPED_ATTRIBUTES:
                self.parts.append(f"[{tag} {name}] {value}")

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.parts.append(data.strip())


def chinese_on(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return [part for part in parser.parts if part not in ALLOWED and CJK.search(part)]


def assert_english(client, url: str, *, follow: bool = False):
    response = client.get(url, follow=follow)
    assert response.status_code in {200, 403, 404, 409}, (url, response.status_code)
    html = response.content.decode()
    assert '<html lang="en">' in html, url
    left = chinese_on(html)
    assert not left, f"{url} still shows Chinese:\n" + "\n".join(left)
    return html


@pytest.fixture
def english_town(db, django_user_model, settings, tmp_path):
    """A town whose every name is English, a volunteer who served yesterday, signed up for
    today's "Park clean-up" (running now) and is checked in to it."""
    from volunteers.services.people import person_create

    settings.MEDIA_ROOT = str(tmp_path / "media")
    site_settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    for field in ("brand_name", "brand_subtitle", "footer_text", "wechat_name", "sponsor"):
        setattr(site_settings, field, "Sandtown")
    site_settings.save()
    refresh_chrome()  # the header and footer are cached; cms.signals rebuild them on commit
    kind = Organisation.Kind
    town = organisation_add(parent=None, name="Sandtown", kind=kind.TOWN, code="sandtown")
    east = organisation_add(parent=town, name="East Community", kind=kind.COMMUNITY, code="east")
    grid = organisation_add(parent=east, name="East Grid 1", kind=kind.GRID, code="east-grid-1")
    detachment = organisation_add(
        parent=town, name="Volunteer Detachment", kind=kind.DETACHMENT, code="detachment"
    )
    squad = organisation_add(parent=detachment, name="East Squad", kind=kind.SQUAD, code="squad")
    team = organisation_add(parent=squad, name="Traffic Team", kind=kind.TEAM, code="traffic")
    for number, category in enumerate(ActivityCategory.objects.order_by("pk"), start=1):
        category.name = f"Category {number}"
        category.save()
    category = ActivityCategory.objects.order_by("pk").first()

    user = django_user_model.objects.create_user(username="alex", password="shazhou2026")
    alex = person_create(
        real_name="Alex Lee", user=user, phone="13900001111", phone_verified=True, home_grid=grid
    )
    membership_grant(person=alex, organisation=team, role="member")

    def activity(title, starts_at, **kwargs):
        return activity_create(
            organisation=east,
            title=title,
            category=category,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=2),
            address="Riverside Park",
            description="Bring gloves.",
            **kwargs,
        )

    yesterday = activity("Street tidy-up", NOON - datetime.timedelta(days=1))
    served = Attendance.objects.create(
        activity=yesterday,
        person=alex,
        checked_in_at=yesterday.starts_at,
        check_in_method=Method.MANUAL,
        checked_out_at=yesterday.starts_at + datetime.timedelta(minutes=118),
        check_out_method=Method.MANUAL,
        minutes_served=118,
    )
    points_award_for_attendance(attendance=served)
    secretary = person_create(
        real_name="Sam Wu",
        user=django_user_model.objects.create_user(username="sam", password="shazhou2026"),
        phone="13900002222",
    )
    membership_grant(person=secretary, organisation=east, role="secretary")
    points_adjust(person=alex, amount=40, category="reward", reason="Good work", by=secretary.user)
    for number, need_category in enumerate(NeedCategory.objects.order_by("pk"), start=1):
        need_category.name = f"Need category {number}"
        need_category.save()
    for number, campaign in enumerate(Campaign.objects.order_by("pk"), start=1):
        campaign.name = f"Campaign {number}"
        campaign.save()
    need_record(
        by=secretary.user,
        grid=grid,
        kind=Need.Kind.SERVICE,
        category=NeedCategory.objects.order_by("pk").first(),
        title="Help Mrs Green fix her tap",
        public_title="Fix a leaking tap",
        resident_name="Mrs Green",
        deadline=NOON.date() + datetime.timedelta(days=7),
        publish=True,
    )

    park = activity("Park clean-up", NOON - datetime.timedelta(minutes=10), signup_required=True)
    signup_create(activity=park, person=alex, now=NOON - datetime.timedelta(hours=1))
    later = activity("Library reading", NOON + datetime.timedelta(days=2), capacity=1)
    reward = Reward.objects.create(
        community=east, name="Rice 5 kg", price=10, stock=5, per_person_limit=1
    )
    Notification.objects.create(
        recipient=alex,
        kind=Notification.Kind.REMINDER,
        title="Welcome",
        body="Glad to have you.",
        idempotency_key="english-welcome",
    )
    return type(
        "EnglishTown",
        (),
        {"user": user, "person": alex, "park": park, "later": later, "reward": reward},
    )


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def english_volunteer(english, english_town):
    english.force_login(english_town.user)
    return english


def scan(purpose, activity) -> str:
    return f"/c/{make_token(purpose=purpose, subject_id=activity.pk)}"


ANONYMOUS_PAGES = [
    "/activities/",
    "/needs/",
    "/projects/",
    "/campaigns/",
    "/accounts/login/",
    "/accounts/login/code/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/no-such-page/",
]

VOLUNTEER_PAGES = [
    "/activities/",
    "/scan/",
    "/me/",
    "/me/points/",
    "/me/code/",
    "/me/join/",
    "/me/notifications/",
    "/me/profile/",
    "/me/redemptions/",
    "/me/certificates/",
    "/me/objections/",
    "/needs/",
    "/needs/new/",
    "/me/needs/",
    "/me/claims/",
    "/me/resources/",
    "/projects/",
    "/campaigns/",
    "/rankings/",
    "/shop/",
    "/shop/east/",
    "/accounts/password/change/",
    "/no-such-page/",
]


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_an_anonymous_visitor_reads_english(english, english_town, url):
    assert_english(english, url)


def test_an_anonymous_visitor_reads_an_activity_in_english(english, english_town):
    html = assert_english(english, f"/activities/{english_town.park.pk}/")
    assert "Park clean-up" in html
    assert_english(english, f"/activities/{english_town.later.pk}/")


def test_a_need_reads_english_to_the_public_and_to_a_volunteer(english, english_town):
    need = Need.objects.get()
    html = assert_english(english, f"/needs/{need.pk}/")
    assert "Fix a leaking tap" in html and "Mrs Green" not in html
    english.force_login(english_town.user)
    assert_english(english, f"/needs/{need.pk}/")


def test_an_anonymous_scan_asks_to_log_in_in_english(english, english_town):
    assert_english(english, scan(Purpose.CHECK_IN, english_town.park), follow=True)


@pytest.mark.parametrize("url", VOLUNTEER_PAGES)
def test_a_volunteer_reads_english(english_volunteer, url):
    assert_english(english_volunteer, url)


def test_a_volunteer_checks_in_and_out_in_english(english_volunteer, english_town):
    park = english_town.park
    html = assert_english(english_volunteer, scan(Purpose.CHECK_IN, park))
    assert "Checked in" in html and "12:00" in html
    assert_english(english_volunteer, scan(Purpose.CHECK_IN, park))  # already checked in
    assert_english(english_volunteer, f"/activities/{park.pk}/")
    with time_machine.travel(NOON + datetime.timedelta(minutes=20), tick=False):
        html = assert_english(english_volunteer, scan(Purpose.CHECK_OUT, park))
    assert "Checked out" in html


def test_a_volunteer_signs_up_and_redeems_in_english(english_volunteer, english_town):
    later = english_town.later
    assert_english(english_volunteer, f"/activities/{later.pk}/")
    response = english_volunteer.post(f"/activities/{later.pk}/signup/", follow=True)
    assert response.status_code == 200
    assert not chinese_on(response.content.decode()), chinese_on(response.content.decode())
    assert_english(english_volunteer, f"/activities/{later.pk}/")
    html = assert_english(english_volunteer, f"/shop/rewards/{english_town.reward.pk}/redeem/")
    assert "Confirm redemption" in html


def test_the_home_page_is_english(english_volunteer, english_town):
    """The front page's blocks (figures, upcoming activities, teams, honour roll) around
    an editor's English words."""
    from cms.models import HomePage

    home = HomePage.objects.first()
    home.title = "Home"
    home.seo_title = "Sandtown volunteers"
    home.search_description = "Volunteering in Sandtown."
    home.tagline = "Red vests nearby"
    home.intro = "Volunteering in Sandtown."
    home.body = [
        {"type": "town_statistics", "value": {"heading": "Figures", "note": "Live."}},
        {"type": "upcoming_activities", "value": {"heading": "Coming up", "count": 4}},
        {"type": "team_cards", "value": {"heading": "Squads", "count": 8}},
        {"type": "leaderboard", "value": {"heading": "Honour roll", "top_n": 10}},
    ]
    home.save_revision().publish()

    html = assert_english(english_volunteer, "/")
    assert "Coming up" in html
    english_volunteer.logout()  # which forgets the language cookie too
    english_volunteer.cookies["django_language"] = "en"
    assert_english(english_volunteer, "/")


def test_chinese_stays_the_default(client, english_town):
    client.force_login(english_town.user)
    html = client.get("/me/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "我的" in html and "退出登录" in html
    html = client.get(f"/activities/{english_town.park.pk}/").content.decode()
    assert "活动信息" in html


def test_logging_in_and_its_errors_are_english(english, english_town):
    """Password login's error, SMS-code login's code page and the form's own errors."""
    response = english.post("/accounts/login/", {"login": "alex", "password": "wrong"})
    assert response.status_code == 200
    left = chinese_on(response.content.decode())
    assert not left, left
    assert "Wrong account or password" in response.content.decode()

    response = english.post("/accounts/login/code/", {"phone": "12345"})
    assert not chinese_on(response.content.decode()), chinese_on(response.content.decode())
    response = english.post("/accounts/login/code/", {"phone": "13900001111"}, follow=True)
    html = response.content.decode()
    assert "Enter your login code" in html
    assert not chinese_on(html), chinese_on(html)


def test_a_refused_scan_explains_itself_in_english(english_volunteer, english_town):
    """A scan before check-in opens: the refusal page and its advice."""
    later = english_town.later
    html = assert_english(english_volunteer, scan(Purpose.CHECK_IN, later))
    assert "Check-in failed" in html
