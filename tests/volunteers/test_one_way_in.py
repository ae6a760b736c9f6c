"""One way in: knowing someone's phone number gets nobody their account, roles or data.

The review's chain was: sign up with the number of someone on a roster who has no account
yet, skip the SMS code, log in at Wagtail's /admin/login/, and be that person, community
admin role included. Each link is tested here, with the brute-force and SMS-cost limits
that guard the way in that is left.
"""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.utils import timezone

from core.sms import LocmemSMSBackend
from volunteers.models import Membership, Person, UnverifiedPhone
from volunteers.services.accounts import unverified_accounts_remove
from volunteers.tasks.accounts import remove_unverified_signups

User = get_user_model()
PASSWORD = "Dunhuang-mogao-1987"
VERIFY_URL = "/accounts/phone/verify/"
LOGIN_URL = "/accounts/login/"


@pytest.fixture
def sms_outbox():
    LocmemSMSBackend.outbox.clear()
    with override_settings(SMS_BACKEND="core.sms.LocmemSMSBackend"):
        yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()


def sms_code(message: dict) -> str:
    match = re.search(r"验证码 (\d{6})", message["message"])
    assert match, message
    return match.group(1)


def signup(client, phone: str, real_name: str = "冒名者", **extra):
    return client.post(
        "/accounts/signup/",
        {
            "real_name": real_name,
            "phone": phone,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "email": "",
        },
        **extra,
    )


def session_user(client):
    return client.session.get("_auth_user_id")


@pytest.fixture
def roster_admin(make_person, town):
    """桥北社区's admin, imported from a roster: a phone on file, no account yet."""
    person = make_person(
        real_name="孙管理", phone="13700001234", with_user=False, home_grid=town.qiaobei_grid1
    )
    Membership.objects.create(person=person, organisation=town.qiaobei, role="admin")
    return person


# --- The chain, link by link -------------------------------------------------------------


def test_signing_up_with_a_roster_number_claims_nothing_until_the_code(
    client, roster_admin, sms_outbox
):
    response = signup(client, roster_admin.phone)

    assert response.status_code == 302 and response.url == VERIFY_URL
    roster_admin.refresh_from_db()
    assert roster_admin.user is None
    stranger = User.objects.get(unverified_phone__phone=roster_admin.phone)
    assert not Person.objects.filter(user=stranger).exists()
    assert session_user(client) is None
    # Without the code the stranger reaches nothing: not the roster, not /me/.
    assert client.get("/roster/export.xlsx").status_code == 302
    assert client.get("/me/").status_code == 302


@pytest.mark.parametrize("login_url", ["/admin/login/", "/django-admin/login/"])
def test_the_admin_logins_hand_over_to_the_one_login(client, roster_admin, sms_outbox, login_url):
    signup(client, roster_admin.phone)
    stranger = User.objects.get(unverified_phone__phone=roster_admin.phone)
    client.logout()

    shown = client.get(f"{login_url}?next=/admin/")
    posted = client.post(login_url, {"username": stranger.username, "password": PASSWORD})

    assert shown.status_code == 302 and shown.url == "/accounts/login/?next=/admin/"
    assert posted.status_code == 302 and posted.url.startswith("/accounts/login/")
    assert session_user(client) is None
    assert client.get("/admin/").url.startswith("/accounts/login/")


def test_the_one_login_with_the_number_stops_at_the_code(client, roster_admin, sms_outbox):
    signup(client, roster_admin.phone)
    client.logout()

    response = client.post(LOGIN_URL, {"login": roster_admin.phone, "password": PASSWORD})

    assert response.status_code == 302 and response.url == VERIFY_URL
    assert session_user(client) is None


def test_an_unproven_sign_up_does_not_reserve_the_number(roster_admin, sms_outbox):
    stranger, owner = Client(), Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        signup(stranger, roster_admin.phone)

    # allauth sends a number one code a minute: the owner comes a little later.
    with time_machine.travel(start + datetime.timedelta(minutes=2), tick=False):
        signup(owner, roster_admin.phone, real_name="孙管理")
        owner.post(VERIFY_URL, {"code": sms_code(sms_outbox[-1])})

    roster_admin.refresh_from_db()
    assert roster_admin.user is not None and session_user(owner) == str(roster_admin.user_id)
    assert roster_admin.phone_verified is True
    # The owner has the roster entry and its role; the stranger's sign-up holds nothing.
    assert roster_admin.memberships.get().role == "admin"
    waiting = User.objects.get(unverified_phone__phone=roster_admin.phone)
    assert waiting.pk != roster_admin.user_id and not Person.objects.filter(user=waiting).exists()


def test_a_sign_up_left_without_its_code_logs_in_later_to_finish(client, db, sms_outbox):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        signup(client, "13912340000", real_name="李慢慢")
        client.logout()

    with time_machine.travel(start + datetime.timedelta(hours=2), tick=False):
        response = client.post(LOGIN_URL, {"login": "13912340000", "password": PASSWORD})
        assert response.url == VERIFY_URL
        client.post(VERIFY_URL, {"code": sms_code(sms_outbox[-1])})

    person = Person.objects.get(phone="13912340000")
    assert person.real_name == "李慢慢" and session_user(client) == str(person.user_id)


# --- Unproven sign-ups are removed -------------------------------------------------------


def test_unproven_sign_ups_are_removed_after_a_day_and_a_claimed_entry_is_freed(
    db, make_person, sms_outbox
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        signup(Client(), "13912340001")
        # An account from before there was one way in: linked, its number never proven.
        legacy = make_person(real_name="旧账号", phone="13912340002")
    with time_machine.travel(start + datetime.timedelta(hours=23), tick=False):
        signup(Client(), "13912340003")
        assert remove_unverified_signups() == 0

    with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
        assert unverified_accounts_remove() == 2

    assert not UnverifiedPhone.objects.filter(phone="13912340001").exists()
    assert UnverifiedPhone.objects.filter(phone="13912340003").exists()  # not a day old yet
    legacy.refresh_from_db()
    assert legacy.user is None and legacy.real_name == "旧账号"  # back to a roster entry


def test_staff_and_proven_accounts_are_never_removed(db, make_person, django_user_model):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        make_person(real_name="已验证", phone="13912340004", phone_verified=True)
        django_user_model.objects.create_user(username="operator", password=PASSWORD)
        django_user_model.objects.create_user(username="staffer", password=PASSWORD, is_staff=True)
    with time_machine.travel(start + datetime.timedelta(days=3), tick=False):
        assert unverified_accounts_remove() == 0
    assert User.objects.count() == 3


# --- Brute force: a stranger cannot lock the owner out -----------------------------------


@pytest.fixture
def owner(make_person):
    return make_person(
        real_name="陈晓燕", phone="13812345678", username="chenxy", phone_verified=True
    )


def fail_five_times(client, login: str) -> None:
    for _attempt in range(5):
        client.post(LOGIN_URL, {"login": login, "password": "wrong-password"})


def test_failures_on_one_phone_do_not_lock_another(owner, make_person):
    make_person(real_name="王二", phone="13812340000", phone_verified=True)
    fail_five_times(Client(REMOTE_ADDR="10.1.1.1"), "13812340000")

    client = Client(REMOTE_ADDR="10.1.1.2")
    client.post(LOGIN_URL, {"login": "13812345678", "password": "shazhou2026"})

    assert session_user(client) == str(owner.user_id)


def test_the_owners_own_phone_still_logs_in_after_a_strangers_failures(owner):
    phone = Client(REMOTE_ADDR="10.2.2.2")
    phone.post(LOGIN_URL, {"login": "13812345678", "password": "shazhou2026"})
    phone.post("/accounts/logout/")
    assert session_user(phone) is None

    fail_five_times(Client(REMOTE_ADDR="10.9.9.9"), "13812345678")

    stranger_again = Client(REMOTE_ADDR="10.9.9.8")
    refused = stranger_again.post(LOGIN_URL, {"login": "13812345678", "password": "shazhou2026"})
    assert (
        "尝试次数过多" in refused.content.decode() and "短信验证码登录" in refused.content.decode()
    )
    assert session_user(stranger_again) is None

    phone.post(LOGIN_URL, {"login": "13812345678", "password": "shazhou2026"})
    assert session_user(phone) == str(owner.user_id)  # a browser the account knows


def test_a_new_browser_of_the_owner_logs_in_with_an_sms_code_while_passwords_are_locked(
    owner, sms_outbox
):
    fail_five_times(Client(REMOTE_ADDR="10.9.9.9"), "13812345678")
    new_phone = Client(REMOTE_ADDR="10.3.3.3")

    new_phone.post("/accounts/login/code/", {"phone": "13812345678"})
    response = new_phone.post(
        "/accounts/login/code/confirm/", {"code": sms_code(sms_outbox[-1])}, follow=True
    )

    assert session_user(new_phone) == str(owner.user_id)
    assert response.redirect_chain[-1][0] == "/me/"


# --- SMS cost: numbers that belong to no account ------------------------------------------


def test_codes_to_unregistered_numbers_are_capped_per_address(db, owner, sms_outbox):
    sent = []
    for n in range(7):
        client = Client(REMOTE_ADDR="10.4.4.4")
        response = signup(client, f"1391234{n:04d}", follow=True)
        sent.append(len(sms_outbox))
        if n == 6:
            assert "操作太频繁" in response.content.decode()
    assert sent == [1, 2, 3, 4, 5, 5, 5]  # five an hour from one address

    Client(REMOTE_ADDR="10.4.4.4").post("/accounts/login/code/", {"phone": "13812345678"})
    assert sms_outbox[-1]["phone"] == "13812345678"  # a registered number is not capped here


@override_settings(SMS_UNKNOWN_NUMBER_CAPS=(5, 20, 3))
def test_codes_to_unregistered_numbers_are_capped_per_day_for_the_whole_site(db, sms_outbox):
    for n in range(5):
        signup(Client(REMOTE_ADDR=f"10.5.5.{n}"), f"1391235{n:04d}")
        Client(REMOTE_ADDR=f"10.6.6.{n}").post(
            "/accounts/password/reset/", {"phone": f"1381235{n:04d}"}
        )

    assert len(sms_outbox) == 3
