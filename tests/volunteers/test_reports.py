"""在职党员报到: applying by poster or by oneself, the secretary's decision, the poster."""

import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
import time_machine
import zxingcpp
from django.utils import timezone
from PIL import Image

from core import qr
from core.errors import DomainError
from core.tokens import Purpose, make_token
from volunteers.models import AuditEvent, CommunityReport, Person
from volunteers.services.reports import report_apply, report_confirm, report_reject

Status = CommunityReport.Status
Via = CommunityReport.Via
PARTY = Person.PoliticalStatus.PARTY_MEMBER


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def member(make_person, town):
    """An in-service party member living in 梨园 who has not reported anywhere yet."""
    return make_person(
        real_name="赵文静",
        political_status=PARTY,
        home_grid=town.liyuan_grid1,
        party_branch=town.liyuan_branch,
        employer_unit=town.unit,
        in_service=True,
    )


@pytest.fixture
def secretary(person_with_role, town, Role):
    return person_with_role(
        Role.SECRETARY, town.liyuan, real_name="李淑芬", political_status=PARTY
    ).user


@pytest.fixture
def other_secretary(person_with_role, town, Role):
    return person_with_role(
        Role.SECRETARY, town.qiaobei, real_name="王桂兰", political_status=PARTY
    ).user


def poster_path(community) -> str:
    return f"/communities/{community.pk}/report-poster/"


def scan_path(community) -> str:
    return "/report/" + make_token(purpose=Purpose.REPORT, subject_id=community.pk)


def decode_png(content: bytes) -> str:
    result = zxingcpp.read_barcode(Image.open(io.BytesIO(content)))
    assert result is not None, "no QR code found in the PNG"
    return result.text


# --- Applying ----------------------------------------------------------------------


def test_member_applies_by_scanning_the_poster(client, member, town):
    client.force_login(member.user)

    confirm_page = client.get(scan_path(town.liyuan))

    assert confirm_page.status_code == 200
    assert "确认向梨园社区报到" in page(confirm_page)
    assert "敦煌市文化和旅游局" in page(confirm_page)
    assert not CommunityReport.objects.exists()  # looking is not applying

    response = client.post(scan_path(town.liyuan), follow=True)

    report = CommunityReport.objects.get()
    assert (report.person, report.community) == (member, town.liyuan)
    assert (report.status, report.via) == (Status.PENDING, Via.POSTER)
    assert response.redirect_chain[-1][0] == "/me/report/"
    assert "已向梨园社区提交报到申请" in page(response)
    assert "待确认" in page(response)
    member.refresh_from_db()
    assert member.reported_community is None  # only the secretary's confirmation moves it


def test_member_applies_from_their_own_page_by_choosing_a_community(client, member, town):
    client.force_login(member.user)
    form = page(client.get("/me/report/"))
    assert "尚未报到" in form
    assert "桥北社区" in form and "梨园社区" in form

    response = client.post("/me/report/", {"community": town.qiaobei.pk}, follow=True)

    report = CommunityReport.objects.get()
    assert (report.community, report.via, report.status) == (town.qiaobei, Via.SELF, Status.PENDING)
    assert "已向桥北社区提交报到申请" in page(response)
    assert 'name="community"' not in page(response)  # no second form while one is pending


def test_choosing_something_that_is_not_a_community_is_refused(client, member, town):
    client.force_login(member.user)

    for value in (town.liyuan_grid1.pk, "abc", ""):
        response = client.post("/me/report/", {"community": value})
        assert response.status_code == 400
        assert "请" in page(response) and "社区" in page(response)
    assert not CommunityReport.objects.exists()


def test_scanning_while_logged_out_asks_to_log_in_and_comes_back(client, member, town):
    path = scan_path(town.liyuan)

    response = client.get(path)

    assert response.status_code == 302
    login = response["Location"]
    assert login.startswith("/accounts/login/")
    client.force_login(member.user)
    next_path = re.search(r"next=([^&]+)", login).group(1)
    from urllib.parse import unquote

    assert unquote(next_path) == path
    assert "确认向梨园社区报到" in page(client.get(unquote(next_path)))


def test_a_person_who_is_not_an_in_service_party_member_is_refused(client, make_person, town):
    retired = make_person(real_name="马建国", political_status=PARTY, in_service=False)
    masses = make_person(real_name="陈小燕")

    for person in (retired, masses):
        with pytest.raises(DomainError) as exc:
            report_apply(person=person, community=town.liyuan, via=Via.SELF)
        assert exc.value.code == "not_in_service"

        client.force_login(person.user)
        for response in (client.get(scan_path(town.liyuan)), client.post(scan_path(town.liyuan))):
            assert response.status_code == 403
            assert "只面向在职党员" in page(response)
        own_page = client.get("/me/report/")
        assert "只面向在职党员" in page(own_page)
        assert 'name="community"' not in page(own_page)
        assert client.post("/me/report/", {"community": town.liyuan.pk}).status_code == 403
    assert not CommunityReport.objects.exists()


def test_a_second_application_while_one_is_pending_is_refused(client, member, town):
    report_apply(person=member, community=town.liyuan, via=Via.POSTER)

    with pytest.raises(DomainError) as exc:
        report_apply(person=member, community=town.qiaobei, via=Via.SELF)
    assert exc.value.code == "pending_exists"
    assert "梨园社区" in exc.value.message

    client.force_login(member.user)
    response = client.post("/me/report/", {"community": town.qiaobei.pk})
    assert response.status_code == 409
    assert "正在等待社区确认" in page(response)
    assert CommunityReport.objects.count() == 1


def test_reporting_again_to_the_community_one_is_confirmed_in_is_refused(
    client, member, secretary, town
):
    report = report_apply(person=member, community=town.liyuan, via=Via.POSTER)
    report_confirm(report=report, by=secretary)

    with pytest.raises(DomainError) as exc:
        report_apply(person=member, community=town.liyuan, via=Via.SELF)
    assert exc.value.code == "already_reported"
    assert "已经向梨园社区报到" in exc.value.message

    client.force_login(member.user)
    assert "不需要重复报到" in page(client.get(scan_path(town.liyuan)))
    response = client.post(scan_path(town.liyuan))
    assert response.status_code == 409
    assert "不需要重复报到" in page(response)
    assert CommunityReport.objects.count() == 1


# --- The secretary decides -----------------------------------------------------------


def test_confirming_moves_the_person_and_keeps_the_earlier_report(
    client, member, secretary, other_secretary, town
):
    earlier = report_apply(person=member, community=town.qiaobei, via=Via.SELF)
    report_confirm(report=earlier, by=other_secretary)
    member.refresh_from_db()
    first_reported_at = member.reported_at
    assert member.reported_community == town.qiaobei

    report = report_apply(person=member, community=town.liyuan, via=Via.POSTER)
    client.force_login(secretary)
    queue = page(client.get("/reports/"))
    assert "赵文静" in queue and "确认报到" in queue

    response = client.post(f"/reports/{report.pk}/confirm/", follow=True)

    assert "已确认赵文静向梨园社区报到" in page(response)
    member.refresh_from_db()
    assert member.reported_community == town.liyuan
    assert member.reported_at > first_reported_at
    report.refresh_from_db()
    assert (report.status, report.decided_by) == (Status.CONFIRMED, secretary)
    assert report.decided_at == member.reported_at
    earlier.refresh_from_db()
    assert earlier.status == Status.CONFIRMED  # the history is not rewritten
    event = AuditEvent.objects.get(action="report.confirm", extra__report_id=report.pk)
    assert event.actor == secretary
    assert event.extra["previous_community_id"] == town.qiaobei.pk

    client.force_login(member.user)
    history = page(client.get("/me/report/"))
    assert history.count("已确认") == 2
    assert "桥北社区" in history and "梨园社区" in history


def test_a_secretary_of_another_community_cannot_decide(client, member, other_secretary, town):
    report = report_apply(person=member, community=town.liyuan, via=Via.POSTER)

    with pytest.raises(DomainError) as exc:
        report_confirm(report=report, by=other_secretary)
    assert exc.value.code == "forbidden"
    with pytest.raises(DomainError):
        report_reject(report=report, by=other_secretary, note="不是本社区居民")

    client.force_login(other_secretary)
    assert "赵文静" not in page(client.get("/reports/"))
    response = client.post(f"/reports/{report.pk}/confirm/")
    assert response.status_code == 403
    assert "只有梨园社区的书记" in page(response)
    response = client.post(f"/reports/{report.pk}/reject/", {"note": "不认识"})
    assert response.status_code == 403

    report.refresh_from_db()
    member.refresh_from_db()
    assert report.status == Status.PENDING
    assert member.reported_community is None
    assert not AuditEvent.objects.filter(action__startswith="report.").exists()


def test_a_branch_secretary_or_team_leader_cannot_decide(person_with_role, member, town, Role):
    branch_secretary = person_with_role(Role.SECRETARY, town.liyuan_branch).user
    leader = person_with_role(Role.LEADER, town.team).user
    report = report_apply(person=member, community=town.liyuan, via=Via.SELF)

    for user in (branch_secretary, leader):
        with pytest.raises(DomainError) as exc:
            report_confirm(report=report, by=user)
        assert exc.value.code == "forbidden"


def test_rejecting_needs_a_note_and_the_member_sees_it(client, member, secretary, town):
    report = report_apply(person=member, community=town.liyuan, via=Via.POSTER)

    with pytest.raises(DomainError) as exc:
        report_reject(report=report, by=secretary, note="   ")
    assert exc.value.code == "missing_note"

    client.force_login(secretary)
    response = client.post(f"/reports/{report.pk}/reject/", {"note": ""})
    assert response.status_code == 400
    assert "请填写不通过的原因" in page(response)
    report.refresh_from_db()
    assert report.status == Status.PENDING

    response = client.post(
        f"/reports/{report.pk}/reject/", {"note": "居住地在桥北社区，请向桥北社区报到"}, follow=True
    )
    assert "已退回赵文静的报到申请" in page(response)
    report.refresh_from_db()
    assert (report.status, report.decided_by) == (Status.REJECTED, secretary)
    assert AuditEvent.objects.filter(action="report.reject", actor=secretary).exists()

    client.force_login(member.user)
    own = page(client.get("/me/report/"))
    assert "未通过" in own
    assert "居住地在桥北社区，请向桥北社区报到" in own
    assert 'name="community"' in own  # free to apply again, to the right community


def test_a_report_is_decided_only_once(client, member, secretary, town):
    report = report_apply(person=member, community=town.liyuan, via=Via.POSTER)
    report_confirm(report=report, by=secretary)

    with pytest.raises(DomainError) as exc:
        report_reject(report=report, by=secretary, note="重复")
    assert exc.value.code == "not_pending"

    client.force_login(secretary)
    response = client.post(f"/reports/{report.pk}/confirm/")
    assert response.status_code == 409
    assert "已经处理过了" in page(response)
    assert client.post("/reports/999999/confirm/").status_code == 404


def test_the_queue_is_for_people_managers_only(client, make_person):
    client.force_login(make_person().user)
    response = client.get("/reports/")
    assert response.status_code == 403
    assert "社区书记" in page(response)


def test_the_queue_page_costs_the_same_for_many_reports(
    client, make_person, secretary, town, django_assert_max_num_queries
):
    for n in range(12):
        person = make_person(
            real_name=f"党员{n}",
            political_status=PARTY,
            in_service=True,
            home_grid=town.liyuan_grid2,
            employer_unit=town.unit,
            party_branch=town.liyuan_branch,
        )
        report = report_apply(person=person, community=town.liyuan, via=Via.POSTER)
        if n % 3 == 0:
            report_confirm(report=report, by=secretary)
        elif n % 3 == 1:
            report_reject(report=report, by=secretary, note="请向居住地社区报到")
    client.force_login(secretary)

    with django_assert_max_num_queries(7):  # + the header's unread badge
        body = page(client.get("/reports/"))

    assert body.count("确认报到") == 4
    assert body.count("李淑芬") == 8  # who decided each of the recent ones


# --- The poster ------------------------------------------------------------------------


def test_the_poster_shows_a_qr_that_leads_to_the_apply_page(client, secretary, member, town):
    client.force_login(secretary)

    # Frozen to one second, the page and the PNG carry the very same token.
    with time_machine.travel(timezone.now(), tick=False):
        poster = client.get(poster_path(town.liyuan))
        png = client.get(f"/communities/{town.liyuan.pk}/report-poster.png")

    assert poster.status_code == 200
    body = page(poster)
    assert "梨园社区" in body and "在职党员报到" in body and "美丽沙州" in body
    assert "size: A4" in body
    assert png["Content-Type"] == "image/png"
    assert "attachment" in png["Content-Disposition"]
    url = decode_png(png.content)
    assert url.startswith("http://testserver/report/")
    assert qr.qr_svg(url) in body  # the QR on the poster encodes that URL

    client.force_login(member.user)
    apply_page = client.get(urlsplit(url).path)
    assert apply_page.status_code == 200
    assert "确认向梨园社区报到" in page(apply_page)
    client.post(urlsplit(url).path)
    assert CommunityReport.objects.get().via == Via.POSTER


def test_only_the_communitys_secretaries_print_its_poster(
    client, other_secretary, person_with_role, member, town, Role
):
    leader = person_with_role(Role.LEADER, town.team).user
    for user in (other_secretary, leader, member.user):
        client.force_login(user)
        for path in (poster_path(town.liyuan), f"/communities/{town.liyuan.pk}/report-poster.png"):
            response = client.get(path)
            assert response.status_code == 403
            assert "梨园社区的书记" in page(response)
    client.force_login(other_secretary)
    assert client.get(poster_path(town.liyuan_grid1)).status_code == 404  # not a community


def test_a_forged_or_foreign_code_gets_a_chinese_400(client, member, town):
    client.force_login(member.user)
    good = make_token(purpose=Purpose.REPORT, subject_id=town.liyuan.pk)
    forged = good[:-3] + ("AAA" if good[-3:] != "AAA" else "BBB")
    other_subject = good.replace(f"report.{town.liyuan.pk}:", f"report.{town.qiaobei.pk}:")
    check_in = make_token(purpose=Purpose.CHECK_IN, subject_id=town.liyuan.pk)
    grid = make_token(purpose=Purpose.REPORT, subject_id=town.liyuan_grid1.pk)

    cases = {
        forged: "二维码无效",
        other_subject: "二维码无效",
        "not-a-token": "二维码无效",
        "x" * 500: "二维码无效",
        check_in: "不是社区的报到码",
        grid: "二维码无效",
    }
    for token, expected in cases.items():
        for response in (client.get(f"/report/{token}"), client.post(f"/report/{token}")):
            assert response.status_code == 400, token
            assert expected in page(response)
    assert not CommunityReport.objects.exists()


def test_a_poster_past_its_year_is_refused_as_expired(client, member, town):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=400)):
        token = make_token(purpose=Purpose.REPORT, subject_id=town.liyuan.pk)
    client.force_login(member.user)

    response = client.get(f"/report/{token}")

    assert response.status_code == 400
    assert "已过期" in page(response)


def test_a_member_no_longer_in_service_cannot_be_confirmed(client, member, secretary, town):
    report = report_apply(person=member, community=town.liyuan, via=Via.POSTER)
    Person.objects.filter(pk=member.pk).update(in_service=False)  # the roster changed since

    client.force_login(secretary)
    response = client.post(f"/reports/{report.pk}/confirm/")

    assert response.status_code == 409
    assert "赵文静 现在没有登记为在职党员" in page(response)
    report.refresh_from_db()
    assert report.status == Status.PENDING


def test_an_overlong_note_is_refused_with_its_limit(client, member, secretary, town):
    report = report_apply(person=member, community=town.liyuan, via=Via.POSTER)
    client.force_login(secretary)

    response = client.post(f"/reports/{report.pk}/reject/", {"note": "不" * 201})

    assert response.status_code == 400
    assert "最多 200 个字" in page(response)
    report.refresh_from_db()
    assert report.status == Status.PENDING


@pytest.mark.parametrize("path", ["/report/%E6%8A%A5%E5%88%B0", "/report/%00", "/report/a:b:c"])
def test_odd_codes_never_break_the_scan_page(client, member, path):
    client.force_login(member.user)
    assert client.get(path).status_code == 400
