"""Saving in the Wagtail admin goes through the activity services.

A broken rule comes back on its field (the rules are ``Activity.clean``, which the form
and the services both run), a refusal from a service too, and Wagtail's drafts,
revisions, autosave, copying and history work as they did.
"""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from core.errors import Invalid
from volunteers.models import Activity

from .test_activity_admin import ADD, BASE, edit_url, form_data


@pytest.fixture
def leader(person_with_role, town, Role):
    """Leads 文明交通劝导队."""
    return person_with_role(Role.LEADER, town.team, real_name="张志强")


@pytest.fixture
def soon(make_activity):
    def make(**kwargs):
        starts = timezone.now() + datetime.timedelta(days=2)
        kwargs.setdefault("starts_at", starts)
        kwargs.setdefault("ends_at", starts + datetime.timedelta(hours=2))
        kwargs.setdefault("signup_required", True)
        return make_activity(**kwargs)

    return make


# --- The rules, and saving through the services ---------------------------------------------


def shifted(data, key, hours):
    moment = datetime.datetime.strptime(data[key], "%Y-%m-%d %H:%M").replace(
        tzinfo=timezone.get_current_timezone()
    )
    return (moment + datetime.timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")


BROKEN_RULES = {
    "ends_at": (lambda d: {"ends_at": d["starts_at"]}, "结束时间必须晚于开始时间。"),
    "signup_closes_at": (
        lambda d: {
            "signup_opens_at": shifted(d, "starts_at", -24),
            "signup_closes_at": shifted(d, "starts_at", -30),
        },
        "报名截止必须晚于报名开始。",
    ),
    "signup_closes_at after the end": (
        lambda d: {"signup_closes_at": shifted(d, "ends_at", 1)},
        "报名截止不能晚于活动结束。",
    ),
    "capacity": (lambda d: {"capacity": "0"}, "名额至少为 1；不限名额请留空。"),
    "audience_team": (
        lambda d: {"audience": "team", "audience_team": ""},
        "参加对象为“指定队伍”时，请选择队伍。",
    ),
    "geofence_radius_m": (
        lambda d: {"geofence_radius_m": "300", "latitude": "40.142"},
        "设置签到范围时，请同时填写活动地点的经纬度。",
    ),
}


@pytest.mark.parametrize("rule", BROKEN_RULES)
@pytest.mark.parametrize("action", ["action-publish", "draft"])
def test_the_form_shows_each_broken_rule_on_its_field(client, leader, town, rule, action):
    breaking, message = BROKEN_RULES[rule]
    client.force_login(leader.user)
    data = form_data(town.team)
    data.update(breaking(data))
    if action == "action-publish":
        data[action] = action
    response = client.post(ADD, data)
    assert response.status_code == 200
    field = rule.split()[0]
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert not Activity.objects.exists()


def test_a_team_picked_for_another_audience_is_dropped(client, leader, town):
    client.force_login(leader.user)
    data = form_data(town.team, audience="everyone", audience_team=town.team.pk)
    response = client.post(ADD, {**data, "action-publish": "action-publish"})
    assert response.status_code == 302
    assert Activity.objects.get().audience_team is None


def test_a_refusal_from_the_service_shows_on_its_field_and_nothing_is_saved(
    client, leader, soon, town, monkeypatch
):
    mine = soon(organisation=town.team, title="本队的劝导", capacity=5)

    def refuse(**kwargs):
        raise Invalid("too_late", "活动已开始，不能再改名额。", field="capacity")

    monkeypatch.setattr("volunteers.admin_views.activities.activity_update", refuse)
    client.force_login(leader.user)
    data = form_data(town.team, title="本队的劝导", capacity="8")
    response = client.post(edit_url(mine), {**data, "action-publish": "action-publish"})
    assert response.status_code == 200
    assert response.context["form"].errors["capacity"] == ["活动已开始，不能再改名额。"]
    mine.refresh_from_db()
    assert mine.capacity == 5 and mine.revisions.count() == 1


def test_a_draft_of_a_live_activity_stays_hidden_until_published(client, leader, soon, town):
    mine = soon(organisation=town.team, title="本队的劝导")
    client.force_login(leader.user)
    draft = client.post(edit_url(mine), form_data(town.team, title="改期后的劝导"))
    assert draft.status_code == 302
    mine.refresh_from_db()
    assert mine.title == "本队的劝导" and mine.has_unpublished_changes
    public = Client().get(f"/activities/{mine.pk}/").content.decode()
    assert "本队的劝导" in public and "改期后的劝导" not in public

    published = client.post(
        edit_url(mine),
        {**form_data(town.team, title="改期后的劝导"), "action-publish": "action-publish"},
    )
    assert published.status_code == 302
    mine.refresh_from_db()
    assert mine.title == "改期后的劝导" and not mine.has_unpublished_changes
    entries = ModelLogEntry.objects.for_instance(mine).order_by("timestamp", "id")
    assert list(entries.values_list("action", "user")) == [
        ("wagtail.create", None),  # made by the test, as the system
        ("wagtail.publish", None),
        ("wagtail.edit", leader.user.pk),  # the draft
        ("wagtail.edit", leader.user.pk),  # the published version
        ("wagtail.rename", leader.user.pk),
        ("wagtail.publish", leader.user.pk),
    ]


def test_an_autosave_overwrites_its_own_draft(client, leader, soon, town):
    mine = soon(organisation=town.team, title="本队的劝导")
    client.force_login(leader.user)
    client.post(edit_url(mine), form_data(town.team, title="第一稿"))
    mine.refresh_from_db()
    latest = mine.latest_revision
    count = mine.revisions.count()
    response = client.post(
        edit_url(mine),
        {**form_data(town.team, title="第二稿"), "overwrite_revision_id": latest.pk},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.revisions.count() == count and mine.latest_revision == latest
    assert mine.latest_revision.as_object().title == "第二稿"


def test_copying_an_activity_creates_a_new_one_by_the_copier(client, leader, soon, town):
    source = soon(organisation=town.team, title="本队的劝导")
    client.force_login(leader.user)
    response = client.post(
        f"{BASE}copy/{source.pk}/",
        {**form_data(town.team, title="本队的劝导（第二期）"), "action-publish": "action-publish"},
    )
    assert response.status_code == 302
    copy = Activity.objects.get(title="本队的劝导（第二期）")
    assert copy.pk != source.pk and copy.live and copy.created_by == leader.user
    source.refresh_from_db()
    assert source.title == "本队的劝导" and source.created_by is None


def test_a_leader_is_offered_the_publish_and_unpublish_buttons(client, leader, soon, town):
    client.force_login(leader.user)
    assert 'name="action-publish"' in client.get(ADD).content.decode()
    mine = soon(organisation=town.team, title="本队的劝导")
    page = client.get(edit_url(mine)).content.decode()
    assert 'name="action-publish"' in page and "unpublish" in page
    plain = client.get(edit_url(soon(organisation=town.team, publish=False))).content.decode()
    assert 'name="action-publish"' in plain and "unpublish" not in plain


def test_reverting_to_an_earlier_version_brings_it_back_and_says_so(client, leader, soon, town):
    mine = soon(organisation=town.team, title="本队的劝导")
    first = mine.latest_revision
    client.force_login(leader.user)
    client.post(
        edit_url(mine),
        {**form_data(town.team, title="改坏了的标题"), "action-publish": "action-publish"},
    )
    mine.refresh_from_db()
    assert mine.title == "改坏了的标题"

    revert = f"{BASE}history/{mine.pk}/revisions/{first.pk}/revert/"
    form = client.get(revert).context["form"]
    assert form.initial["title"] == "本队的劝导"
    response = client.post(
        revert, {**form_data(town.team, title="本队的劝导"), "action-publish": "action-publish"}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.title == "本队的劝导" and mine.live
    reverted = ModelLogEntry.objects.for_instance(mine).get(action="wagtail.revert")
    assert reverted.user_id == leader.user.pk
    assert reverted.data["revision"]["id"] == first.pk
