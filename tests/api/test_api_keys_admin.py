"""接口密钥 (设置 → 接口密钥): town administrators make a town system's read-only key, see its
secret once, and stop it; nobody else may, and every write is audited."""

import re

import pytest
from django.contrib.auth import get_user_model

from api.models import ApiKey
from api.services.keys import create_key, key_for, revoke_key
from api.services.tokens import digest
from core.errors import Forbidden
from volunteers.models import AuditEvent, Membership, Organisation
from volunteers.services.memberships import membership_grant
from volunteers.services.organisations import organisation_add
from volunteers.services.people import person_create

pytestmark = pytest.mark.django_db

INDEX = "/admin/api-keys/"
NEW = "/admin/api-keys/new/"
MENU_ENTRY = '"url": "/admin/api-keys/"'  # in the sidebar's data


@pytest.fixture
def town_admin(actor):
    return actor("town_admin").user


@pytest.fixture
def admin_client(client, town_admin):
    client.force_login(town_admin)
    return client


def text(response) -> str:
    return response.content.decode()


# --- The service ------------------------------------------------------------------------


def test_a_town_admin_makes_a_key_kept_only_as_its_digest_and_audited(town, town_admin):
    issued = create_key(actor=town_admin, name="智慧敦煌", organisation=town.liyuan)
    key = ApiKey.objects.get()
    assert issued.secret.startswith("szk_") and len(issued.secret) > 40
    assert key.digest == digest(issued.secret) and issued.secret not in key.prefix + key.name
    assert issued.secret.startswith(key.prefix)
    assert (key.organisation, key.created_by) == (town.liyuan, town_admin)
    assert key_for(issued.secret) == key
    event = AuditEvent.objects.get(action="api_key.create")
    assert (event.actor, event.organisation, event.target_id) == (
        town_admin,
        town.liyuan,
        str(key.pk),
    )
    assert issued.secret not in str(event.extra) + event.target


@pytest.mark.parametrize("name", ["community_secretary", "team_leader", "volunteer"])
def test_only_town_admins_may_make_or_stop_a_key(actor, town, town_admin, name):
    someone = actor(name).user
    with pytest.raises(Forbidden):
        create_key(actor=someone, name="智慧敦煌", organisation=town.liyuan)
    key = create_key(actor=town_admin, name="智慧敦煌", organisation=town.liyuan).key
    with pytest.raises(Forbidden):
        revoke_key(actor=someone, key=key)
    key.refresh_from_db()
    assert key.revoked_at is None


def test_a_stopped_key_reads_nothing_and_stopping_twice_changes_nothing(town, town_admin):
    issued = create_key(actor=town_admin, name="智慧敦煌", organisation=town.town)
    revoke_key(actor=town_admin, key=issued.key)
    stopped_at = ApiKey.objects.get().revoked_at
    revoke_key(actor=town_admin, key=issued.key)
    assert ApiKey.objects.get().revoked_at == stopped_at
    assert key_for(issued.secret) is None
    assert AuditEvent.objects.filter(action="api_key.revoke").count() == 1


# --- The pages ----------------------------------------------------------------------------


def test_the_menu_entry_and_the_pages_are_for_town_admins_only(client, admin_client, actor):
    assert MENU_ENTRY in text(admin_client.get("/admin/"))
    assert admin_client.get(INDEX).status_code == 200
    client.force_login(actor("community_secretary").user)
    assert client.get("/admin/").status_code == 200
    assert MENU_ENTRY not in text(client.get("/admin/"))
    for url in (INDEX, NEW):  # Wagtail answers a refused page with its dashboard
        refused = client.get(url)
        assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    assert client.post(NEW, {"name": "x", "organisation": 1}).status_code in (302, 403)
    assert not ApiKey.objects.exists()


def test_new_shows_the_secret_once_and_the_list_never(admin_client, town, town_admin):
    form = admin_client.get(NEW)
    assert form.status_code == 200
    assert "梨园社区（社区）" in text(form)  # the town's nodes, named with their kind
    response = admin_client.post(NEW, {"name": "智慧敦煌", "organisation": town.liyuan.pk})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [secret] = re.findall(r'value="(szk_[^"]+)"', text(response))
    key = ApiKey.objects.get()
    assert (key.name, key.organisation, key.created_by) == ("智慧敦煌", town.liyuan, town_admin)
    assert key_for(secret) == key
    assert "只显示这一次" in text(response)
    listing = text(admin_client.get(INDEX))
    assert "智慧敦煌" in listing and key.prefix in listing and "使用中" in listing
    assert secret not in listing


def test_a_blank_name_is_refused_on_the_form(admin_client, town):
    response = admin_client.post(NEW, {"name": "  ", "organisation": town.town.pk})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_stop_asks_first_then_stops_the_key(admin_client, town, town_admin):
    issued = create_key(actor=town_admin, name="智慧敦煌", organisation=town.town)
    url = f"/admin/api-keys/{issued.key.pk}/revoke/"
    ask = admin_client.get(url)
    assert ask.status_code == 200
    assert "确认停用" in text(ask)
    assert ApiKey.objects.get().revoked_at is None  # asking stops nothing
    response = admin_client.post(url)
    assert response.status_code == 302
    assert ApiKey.objects.get().revoked_at is not None
    assert key_for(issued.secret) is None
    assert "已停用" in text(admin_client.get(INDEX))
    assert admin_client.post(url).status_code == 404  # stopped already


def test_another_towns_key_is_neither_listed_nor_stoppable(client, town, town_admin):
    other = organisation_add(parent=None, name="七里镇", kind=Organisation.Kind.TOWN, code="qili")
    theirs = create_key(actor=town_admin, name="沙州镇的系统", organisation=town.town).key
    # An administrator of the other town only.
    user = get_user_model().objects.create_user(username="qili-admin", password="x")
    person = person_create(real_name="七里镇管理员", phone="13900000099", user=user)
    membership_grant(person=person, organisation=other, role=Membership.Role.ADMIN)
    client.force_login(user)
    listing = client.get(INDEX)
    assert listing.status_code == 200
    assert "沙州镇的系统" not in text(listing)
    assert client.post(f"/admin/api-keys/{theirs.pk}/revoke/").status_code == 404
    form = text(client.get(NEW))
    assert "七里镇（镇）" in form
    assert "梨园社区" not in form
    refused = client.post(NEW, {"name": "越界", "organisation": town.liyuan.pk})
    assert refused.status_code == 400
    assert not ApiKey.objects.filter(name="越界").exists()
