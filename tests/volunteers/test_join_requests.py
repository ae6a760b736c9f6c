"""加入申请: a newcomer asks for a home grid and teams; the grid's and team's staff decide.

What each side sees: the newcomer's /me/join/ and /me/, the staff's 加入申请 in the admin,
the messages both receive, and every refusal as a Chinese message with its 4xx.
"""

import json

import pytest
from django.utils import timezone

from core.errors import Conflict, Forbidden, Invalid
from points.models import ScopeTotal
from points.services.corrections import points_adjust
from volunteers import permissions
from volunteers.accounts.adapter import AccountAdapter
from volunteers.models import AuditEvent, JoinRequest, Membership, Notification
from volunteers.services.joining import (
    join_request_decide,
    join_request_withdraw,
    join_requests_submit,
)

JOIN_URL = "/me/join/"
ADMIN_URL = "/admin/join-requests/"
Status = JoinRequest.Status


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def newcomer(make_person):
    """Signed up and proven the phone: no grid, no team."""
    return make_person(real_name="刘新来", phone="13911112222", phone_verified=True)


@pytest.fixture
def grid_worker(person_with_role, town):
    return person_with_role("grid_worker", town.liyuan_grid1, real_name="梨一网格员").user


@pytest.fixture
def team_leader(person_with_role, town):
    """Leads 文明交通劝导队: admits members, but manages no roles."""
    return person_with_role("leader", town.team, real_name="王队长").user


def told(person, kind=Notification.Kind.JOIN):
    return list(Notification.objects.filter(recipient=person, kind=kind))


# --- Submitting ------------------------------------------------------------------------------


def test_a_newcomer_picks_grid_and_team_and_the_nearest_deciders_are_told(
    client, newcomer, town, grid_worker, team_leader, secretary
):
    client.force_login(newcomer.user)

    page = client.get(JOIN_URL, {"community": town.liyuan.pk})
    response = client.post(
        JOIN_URL,
        {
            "community": town.liyuan.pk,
            "grid": town.liyuan_grid1.pk,
            "teams": [town.team.pk],
            "note": "住在阳关中路 3 号楼",
        },
        follow=True,
    )

    assert "梨园社区第1网格" in text(page) and "文明交通劝导队" in text(page)
    assert response.redirect_chain[-1][0] == JOIN_URL
    assert "已提交加入梨园社区第1网格、文明交通劝导队的申请" in text(response)
    requests = JoinRequest.objects.filter(person=newcomer, status=Status.PENDING)
    assert {r.organisation for r in requests} == {town.liyuan_grid1, town.team}
    assert {r.note for r in requests} == {"住在阳关中路 3 号楼"}
    # The grid's worker hears of the grid, the team's leader of the team; the community's
    # secretary, above the grid's own staff, is not told of every newcomer.
    assert [n.title for n in told(grid_worker.person)] == ["新的加入申请：梨园社区第1网格"]
    assert [n.title for n in told(team_leader.person)] == ["新的加入申请：文明交通劝导队"]
    assert told(secretary.person) == []
    assert "待审核" in text(client.get(JOIN_URL))


def test_a_team_without_a_leader_is_decided_by_the_community_its_squad_is_based_in(
    client, newcomer, town, secretary
):
    town.squad.based_in = town.liyuan
    town.squad.save(update_fields=["based_in"])
    permissions.forget_grants(secretary)  # read before the squad was based here
    client.force_login(newcomer.user)

    page = text(client.get(JOIN_URL, {"community": town.liyuan.pk}))
    (join_request,) = join_requests_submit(person=newcomer, grid=None, teams=[town.other_team])
    join_request_decide(request=join_request, by=secretary, approve=True)

    # Listed as the community's own team, and its staff were told and may decide.
    assert "这个社区还没有自己的志愿服务队" not in page and "敬老助残服务队" in page
    assert [n.title for n in told(secretary.person)] == ["新的加入申请：敬老助残服务队"]
    assert Membership.objects.current().filter(person=newcomer, organisation=town.other_team)


def test_after_proving_the_phone_a_newcomer_goes_on_to_choose_a_grid(
    rf, newcomer, make_person, town
):
    adapter = AccountAdapter()
    request = rf.get("/accounts/phone/verify/")
    request.user = newcomer.user
    newcomer_goes_to = adapter.get_signup_redirect_url(request)
    request.user = make_person(home_grid=town.liyuan_grid1).user  # placed by a roster

    assert newcomer_goes_to == JOIN_URL
    assert adapter.get_signup_redirect_url(request) == "/me/"


def test_a_newcomer_may_ask_for_teams_only(newcomer, town, team_leader):
    created = join_requests_submit(person=newcomer, grid=None, teams=[town.team, town.other_team])

    assert {r.organisation for r in created} == {town.team, town.other_team}


def test_asking_again_while_pending_is_refused_with_409(client, newcomer, town):
    client.force_login(newcomer.user)
    form = {"community": town.liyuan.pk, "grid": town.liyuan_grid1.pk}
    client.post(JOIN_URL, form)

    again = client.post(JOIN_URL, form)

    assert again.status_code == 409
    assert "您已申请加入梨园社区第1网格，正在等待审核" in text(again)
    assert JoinRequest.objects.filter(person=newcomer).count() == 1


def test_a_second_grid_waits_until_the_first_is_withdrawn(newcomer, town):
    first = join_requests_submit(person=newcomer, grid=town.liyuan_grid1)[0]

    with pytest.raises(Conflict, match="如需更换网格，请先撤回"):
        join_requests_submit(person=newcomer, grid=town.liyuan_grid2)
    join_request_withdraw(request=first, person=newcomer)
    join_requests_submit(person=newcomer, grid=town.liyuan_grid2)

    assert JoinRequest.objects.get(person=newcomer, status=Status.PENDING).organisation == (
        town.liyuan_grid2
    )


def test_asking_for_my_own_grid_or_a_team_i_am_in_is_refused_with_400(
    client, make_person, town, Role
):
    person = make_person(home_grid=town.liyuan_grid1)
    Membership.objects.create(person=person, organisation=town.team, role=Role.MEMBER)
    client.force_login(person.user)

    grid = client.post(JOIN_URL, {"community": town.liyuan.pk, "grid": town.liyuan_grid1.pk})
    team = client.post(JOIN_URL, {"community": town.liyuan.pk, "teams": [town.team.pk]})

    assert grid.status_code == 400 and "您已登记在梨园社区第1网格，不需要再申请" in text(grid)
    assert team.status_code == 400 and "您已经是文明交通劝导队的成员" in text(team)
    assert not JoinRequest.objects.exists()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"community": "abc"}, "请从列表中选择社区"),
        ({"grid": "1"}, "请先选择社区"),  # no community at all: the first step first
        ({"community": "LIYUAN", "grid": "QIAOBEI_GRID"}, "请从列表中选择网格"),  # another's
        ({"community": "LIYUAN", "grid": "TEAM"}, "请从列表中选择网格"),  # not a grid
        ({"community": "LIYUAN", "teams": ["LIYUAN_GRID"]}, "请从列表中选择志愿服务队"),
        ({"community": "LIYUAN", "note": "长" * 201}, "申请说明最多 200 个字"),
        ({"community": "LIYUAN"}, "请选择网格，或至少选择一个志愿服务队"),
    ],
)
def test_bad_choices_get_a_chinese_message_a_400_and_nothing_written(
    client, newcomer, town, form, message
):
    names = {
        "LIYUAN": town.liyuan.pk,
        "QIAOBEI_GRID": town.qiaobei_grid1.pk,
        "TEAM": town.team.pk,
        "LIYUAN_GRID": town.liyuan_grid1.pk,
    }
    form = {
        key: [names.get(v, v) for v in value]
        if isinstance(value, list)
        else names.get(value, value)
        for key, value in form.items()
    }
    client.force_login(newcomer.user)

    response = client.post(JOIN_URL, form)

    assert response.status_code == 400
    assert message in text(response)
    assert not JoinRequest.objects.exists()


def test_a_closed_grid_and_more_than_five_teams_are_refused(newcomer, town):
    town.liyuan_grid2.closed_on = timezone.localdate()
    town.liyuan_grid2.save(update_fields=["closed_on"])

    with pytest.raises(Invalid, match="已撤销"):
        join_requests_submit(person=newcomer, grid=town.liyuan_grid2)
    with pytest.raises(Invalid, match="最多申请加入 5 个"):
        join_requests_submit(person=newcomer, grid=None, teams=_six(town))
    assert not JoinRequest.objects.exists()


def _six(town):
    from volunteers.services.organisations import organisation_add

    return [
        organisation_add(parent=town.squad, name=f"第{n}服务队", kind="team", code=f"t-{n}")
        for n in range(6)
    ]


def test_a_visitor_is_sent_to_log_in_and_comes_back_to_the_join_page(client, db):
    response = client.get(JOIN_URL)

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/me/join/"


# --- Deciding ----------------------------------------------------------------------------------


def test_a_team_leader_approves_and_the_newcomer_is_a_member_and_told(
    client, newcomer, town, team_leader
):
    (join_request,) = join_requests_submit(person=newcomer, grid=None, teams=[town.team])
    client.force_login(team_leader)

    listed = client.get(ADMIN_URL)
    response = client.post(
        ADMIN_URL, {"request": join_request.pk, "decision": "approve"}, follow=True
    )

    assert "刘新来" in text(listed) and "139****2222" in text(listed)
    assert "13911112222" not in text(listed)
    assert "已通过刘新来加入文明交通劝导队的申请" in text(response)
    membership = Membership.objects.current().get(person=newcomer, organisation=town.team)
    assert membership.role == Membership.Role.MEMBER
    join_request.refresh_from_db()
    assert join_request.status == Status.APPROVED and join_request.decided_by == team_leader
    event = AuditEvent.objects.get(action="join_request.approve")
    assert event.actor == team_leader and event.person == newcomer
    assert [n.title for n in told(newcomer)] == ["加入申请已通过"]
    assert "文明交通劝导队" in text(client.get(f"{ADMIN_URL}?tab=decided"))
    client.force_login(newcomer.user)
    assert "文明交通劝导队" in text(client.get("/me/"))


def test_grid_staff_approve_a_grid_and_the_rankings_follow(
    newcomer, town, grid_worker, django_user_model
):
    operator = django_user_model.objects.create_superuser("op", password="x" * 12)
    points_adjust(person=newcomer, amount=5, category="reward", reason="测试积分", by=operator)
    (join_request,) = join_requests_submit(person=newcomer, grid=town.liyuan_grid1)

    join_request_decide(request=join_request, by=grid_worker, approve=True)

    newcomer.refresh_from_db()
    assert newcomer.home_grid == town.liyuan_grid1
    ranked_under = set(
        ScopeTotal.objects.filter(person=newcomer).values_list("organisation", flat=True)
    )
    assert {town.liyuan_grid1.pk, town.liyuan.pk, town.town.pk} <= ranked_under
    assert [n.body for n in told(newcomer)] == [
        "您已登记为梨园社区第1网格的居民，欢迎参加网格和社区的志愿服务。"
    ]


def test_deciding_twice_is_refused_with_409_and_grants_once(client, newcomer, town, team_leader):
    (join_request,) = join_requests_submit(person=newcomer, grid=None, teams=[town.team])
    stale = JoinRequest.objects.get(pk=join_request.pk)
    join_request_decide(request=join_request, by=team_leader, approve=True)
    client.force_login(team_leader)

    with pytest.raises(Conflict, match="该申请已处理"):
        join_request_decide(request=stale, by=team_leader, approve=True)
    again = client.post(ADMIN_URL, {"request": join_request.pk, "decision": "approve"})

    assert again.status_code == 409 and "该申请已处理（已通过）" in text(again)
    assert Membership.objects.filter(person=newcomer, organisation=town.team).count() == 1
    assert AuditEvent.objects.filter(action="join_request.approve").count() == 1


def test_refusing_needs_a_reason_which_the_newcomer_then_reads(client, newcomer, town, grid_worker):
    (join_request,) = join_requests_submit(person=newcomer, grid=town.liyuan_grid1)
    client.force_login(grid_worker)

    bare = client.post(ADMIN_URL, {"request": join_request.pk, "decision": "refuse", "reason": " "})
    join_request.refresh_from_db()
    assert bare.status_code == 400 and "请填写不通过的原因" in text(bare)
    assert join_request.status == Status.PENDING

    client.post(
        ADMIN_URL,
        {"request": join_request.pk, "decision": "refuse", "reason": "住址不在本网格，请选第2网格"},
    )

    join_request.refresh_from_db()
    assert join_request.status == Status.REFUSED
    assert AuditEvent.objects.get(action="join_request.refuse").extra["reason"] == (
        "住址不在本网格，请选第2网格"
    )
    assert "住址不在本网格" in told(newcomer)[0].body
    client.force_login(newcomer.user)
    page = text(client.get(JOIN_URL))
    assert "未通过" in page and "住址不在本网格，请选第2网格" in page


def test_staff_of_another_community_may_not_decide_and_do_not_see_it(
    client, newcomer, town, person_with_role
):
    qiaobei_worker = person_with_role("grid_worker", town.qiaobei_grid1).user
    (join_request,) = join_requests_submit(person=newcomer, grid=town.liyuan_grid1)
    client.force_login(qiaobei_worker)

    listed = client.get(ADMIN_URL)
    response = client.post(ADMIN_URL, {"request": join_request.pk, "decision": "approve"})

    assert "刘新来" not in text(listed)
    assert response.status_code == 403 and "您无权处理加入梨园社区第1网格的申请" in text(response)
    with pytest.raises(Forbidden):
        join_request_decide(request=join_request, by=qiaobei_worker, approve=True)
    join_request.refresh_from_db()
    assert join_request.status == Status.PENDING


def test_a_member_without_admit_gets_no_admin_page(client, person_with_role, town):
    member = person_with_role("member", town.team).user
    client.force_login(member)

    assert client.get(ADMIN_URL).status_code in (302, 403)


def test_the_admin_menu_counts_what_waits(client, newcomer, town, team_leader):
    join_requests_submit(person=newcomer, grid=None, teams=[town.team])
    client.force_login(team_leader)

    # The sidebar is drawn from JSON props, where the label is \u-escaped.
    assert json.dumps("加入申请（1）")[1:-1] in text(client.get("/admin/"))


# --- Withdrawing, and /me/ --------------------------------------------------------------------


def test_a_newcomer_withdraws_a_pending_request_and_not_another_persons(
    client, newcomer, make_person, town
):
    (mine,) = join_requests_submit(person=newcomer, grid=town.liyuan_grid1)
    other = make_person(real_name="别人")
    (theirs,) = join_requests_submit(person=other, grid=town.liyuan_grid2)
    client.force_login(newcomer.user)

    response = client.post(f"{JOIN_URL}{mine.pk}/withdraw/", follow=True)
    twice = client.post(f"{JOIN_URL}{mine.pk}/withdraw/")
    not_mine = client.post(f"{JOIN_URL}{theirs.pk}/withdraw/")

    assert "已撤回加入梨园社区第1网格的申请" in text(response)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == Status.WITHDRAWN and theirs.status == Status.PENDING
    assert twice.status_code == 409 and "该申请已处理（已撤回）" in text(twice)
    assert not_mine.status_code == 404 and "没有找到这条申请" in text(not_mine)


def test_my_page_leads_a_newcomer_to_choose_and_then_shows_the_wait(client, newcomer, town):
    client.force_login(newcomer.user)

    before = text(client.get("/me/"))
    join_requests_submit(person=newcomer, grid=town.liyuan_grid1, teams=[town.team])
    after = text(client.get("/me/"))

    assert "选择社区和网格" in before and 'href="/me/join/"' in before
    assert "已申请梨园社区第1网格，审核中" in after
    assert "文明交通劝导队" in after and "待审核" in after
