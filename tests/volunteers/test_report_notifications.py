"""在职党员报到: the member is told in 消息中心 when the community confirms or refuses."""

import pytest

from core.errors import Conflict, Invalid
from volunteers.models import CommunityReport, Notification, Person
from volunteers.services.reports import report_apply, report_confirm, report_reject

PARTY = Person.PoliticalStatus.PARTY_MEMBER


@pytest.fixture
def member(make_person, town):
    return make_person(
        real_name="赵文静",
        political_status=PARTY,
        party_branch=town.liyuan_branch,
        employer_unit=town.unit,
        in_service=True,
    )


def apply(member, town):
    return report_apply(person=member, community=town.liyuan, via=CommunityReport.Via.SELF)


def notices(person):
    return list(
        Notification.objects.filter(recipient=person, kind=Notification.Kind.COMMUNITY_REPORT)
    )


def test_a_confirmed_member_is_told_and_the_notice_leads_to_their_report_page(
    client, member, secretary, town
):
    report_confirm(report=apply(member, town), by=secretary)

    [notice] = notices(member)
    assert notice.title == "报到已确认：梨园社区"
    assert "您向梨园社区的报到已确认" in notice.body
    client.force_login(member.user)
    inbox = client.get("/me/notifications/").content.decode()
    assert "报到已确认：梨园社区" in inbox
    assert client.get(notice.url).status_code == 200


def test_a_refused_member_is_told_why(member, secretary, town):
    report_reject(report=apply(member, town), by=secretary, note="请向居住地所在社区报到")

    [notice] = notices(member)
    assert notice.title == "报到未通过：梨园社区"
    assert notice.body == "您向梨园社区的报到没有通过。原因：请向居住地所在社区报到"


def test_a_decision_refused_tells_the_member_nothing(member, secretary, town):
    report = apply(member, town)
    with pytest.raises(Invalid):
        report_reject(report=report, by=secretary, note="  ")
    report_confirm(report=report, by=secretary)
    with pytest.raises(Conflict):
        report_reject(report=report, by=secretary, note="重复处理")

    assert [n.title for n in notices(member)] == ["报到已确认：梨园社区"]
