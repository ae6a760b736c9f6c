"""双项认领: a confirmed claim on a resident's need earns hours and points under the
editable 双项认领 rule, once; 我的积分, the rankings, the 双报到反馈 and verify_ledger see it."""

import datetime
import io
import re
from html import unescape

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.errors import Invalid
from points.models import (
    Kind,
    PointsEntry,
    PointsPolicy,
    PointsRule,
    ScopeTotal,
    ServiceRecord,
)
from points.periods import PeriodKind, period_key
from points.selectors.explain import entry_explanation
from points.services import points_award_for_attendance, points_award_for_claim
from points.services.certificates import service_facts
from points.services.rules import rule_update
from points.verify import ledger_differences
from volunteers.models import AuditEvent, Claim, Need, NeedCategory
from volunteers.signals import answer, claim_confirmed

TAP = "为独居老人更换水龙头"


@pytest.fixture
def town_admin(person_with_role, town, Role):
    return person_with_role(Role.ADMIN, town.town, real_name="马建国").user


@pytest.fixture
def member(in_service, town):
    """An in-service party member of 文旅局 who reported to 梨园."""
    return in_service("赵文静", community=town.liyuan)


@pytest.fixture
def confirmed_claim(town, secretary):
    """A claim on a 梨园 need, served ``minutes`` on ``served_on`` (today) and confirmed."""

    def make(person, *, minutes=90, served_on=None, title=TAP, status=None, community=None):
        community = community or town.liyuan
        grid = town.liyuan_grid1 if community == town.liyuan else town.qiaobei_grid1
        today = timezone.localdate()
        need = Need.objects.create(
            community=community,
            grid=grid,
            kind=Need.Kind.SERVICE,
            category=NeedCategory.objects.get(name="助困扶残与就业援助"),
            title=f"{title}（张奶奶家）",
            public_title=title,
            resident_name="张奶奶",
            deadline=today + datetime.timedelta(days=30),
            status=Need.Status.CLAIMED,
            claimed_places=1,
        )
        now = timezone.now()
        return Claim.objects.create(
            need=need,
            person=person,
            status=status or Claim.Status.CONFIRMED,
            minutes=minutes,
            served_on=served_on or today,
            reported_at=now,
            confirmed_at=now if status in (None, Claim.Status.CONFIRMED) else None,
            confirmed_by=secretary,
        )

    return make


def confirm(claim):
    """What ``claim_confirm`` does for points: send the signal, in a transaction."""
    return answer(claim_confirmed.send(sender=Claim, claim=claim))


def test_a_confirmed_claim_earns_its_hours_and_points_with_a_sentence(member, confirmed_claim):
    claim = confirmed_claim(member, minutes=90)

    award = confirm(claim)

    assert award.created
    entry, record = award.entry, award.record
    assert (record.source, record.status, record.minutes) == ("claim", "approved", 90)
    assert record.claim == claim and record.activity is None
    assert entry.idempotency_key == f"claim:{claim.pk}:service"
    assert (entry.kind, entry.category, entry.amount) == (Kind.SERVICE, "service", 4)
    assert entry.rule.for_claims and entry.rule.name == "双项认领"
    assert timezone.localtime(entry.occurred_at).date() == claim.served_on
    assert entry.explanation["category"] == "助困扶残与就业援助"
    # 2 per claim + 1.5 h × 1 = 3.5, to the nearest point: 4
    assert entry_explanation(entry) == (
        f"双项认领「{TAP}」服务 1小时30分钟：每次 2分 + 每小时 1分 = 3.5分，四舍五入计 4分"
    )


def test_confirming_twice_or_a_redelivered_signal_writes_nothing_new(member, confirmed_claim):
    claim = confirmed_claim(member)
    first = confirm(claim)

    again = confirm(claim)
    called = points_award_for_claim(claim=claim)

    assert not again.created and not called.created
    assert again.entry == first.entry == called.entry
    assert PointsEntry.objects.filter(person=member).count() == 1
    assert ServiceRecord.objects.filter(person=member).count() == 1


@pytest.mark.parametrize("status", [Claim.Status.REPORTED, Claim.Status.WITHDRAWN])
def test_a_claim_not_confirmed_earns_nothing(member, confirmed_claim, status):
    claim = confirmed_claim(member, status=status)

    award = points_award_for_claim(claim=claim)

    assert award.skipped == "not_confirmed" and award.entry is None
    assert "尚未确认" in award.message
    assert not PointsEntry.objects.filter(person=member).exists()
    assert not ServiceRecord.objects.filter(person=member).exists()


def test_the_daily_cap_cuts_the_second_claim_and_says_why(member, confirmed_claim):
    confirm(confirmed_claim(member, minutes=120, title="陪老人就医"))  # 2 + 2 = 4

    award = confirm(confirmed_claim(member, minutes=120))  # 4 more, but 6 a day

    assert award.entry.amount == 2
    assert entry_explanation(award.entry) == (
        f"双项认领「{TAP}」服务 2小时：每次 2分 + 每小时 1分，计 4分"
        "；已达双项认领每日上限 6分（此前已得 4分），实得 2分"
    )
    assert award.record.minutes == 120  # the hours count in full


def test_activity_points_do_not_use_up_the_claims_cap(
    member, confirmed_claim, past_activity, attend
):
    starts_at = timezone.now() - datetime.timedelta(hours=3)
    points_award_for_attendance(attendance=attend(past_activity(starts_at=starts_at), member))

    award = confirm(confirmed_claim(member, minutes=120))

    assert award.entry.amount == 4 and award.entry.explanation["cap"] is None


def test_the_party_rubric_service_cap_cuts_claims_too(member, confirmed_claim):
    PointsPolicy.objects.filter(audience="party_members").update(service_cap=5)
    confirm(confirmed_claim(member, minutes=120, title="陪老人就医"))  # 4

    award = confirm(confirmed_claim(member, minutes=120))  # 2 left today, 1 this year

    assert award.entry.amount == 1
    assert entry_explanation(award.entry).endswith(
        "；已达本年度积分细则单项上限 5分（此前已得 4分），实得 1分"
    )


def test_editing_the_rule_changes_new_awards_only(member, confirmed_claim, town_admin):
    before = confirm(confirmed_claim(member, minutes=60, title="陪老人就医")).entry
    rule = PointsRule.objects.get(for_claims=True)

    rule_update(rule=rule, by=town_admin, points_per_attendance=3, daily_cap=None)
    after = confirm(confirmed_claim(member, minutes=60)).entry

    assert (before.amount, after.amount) == (3, 4)
    assert "每次 2分" in entry_explanation(PointsEntry.objects.get(pk=before.pk))
    assert entry_explanation(after) == (
        f"双项认领「{TAP}」服务 1小时：每次 3分 + 每小时 1分，计 4分"
    )


def test_a_claims_rule_cannot_name_an_activity_category(town_admin, category):
    rule = PointsRule.objects.get(for_claims=True)
    with pytest.raises(Invalid):
        rule_update(rule=rule, by=town_admin, category=category)


def test_activities_are_not_scored_by_the_claims_rule(member, past_activity, attend):
    PointsRule.objects.filter(for_claims=True).update(points_per_hour=10)

    award = points_award_for_attendance(attendance=attend(past_activity(hours=2), member))

    assert award.entry.amount == 2 and award.entry.rule.name == "默认规则"


def test_my_points_shows_the_claim_with_its_hours_and_sentence(client, member, confirmed_claim):
    confirm(confirmed_claim(member, minutes=90))
    client.force_login(member.user)

    body = client.get("/me/points/").content.decode()

    assert f"双项认领「{TAP}」服务 1小时30分钟" in body
    assert "+4分" in body
    assert "服务 1.5" in body  # this month's hours, among the totals


def test_the_claim_raises_the_persons_month_ranking_total(member, confirmed_claim, town):
    month = period_key(PeriodKind.MONTH)

    def liyuan_month():
        row = ScopeTotal.objects.filter(
            person=member, organisation=town.liyuan, period=month, population="party_members"
        ).first()
        return (row.points, row.minutes) if row else (0, 0)

    assert liyuan_month() == (0, 0)
    confirm(confirmed_claim(member, minutes=90))
    assert liyuan_month() == (4, 90)


def row_cells(body: str, row_id: str) -> list[str]:
    row = re.search(rf'<tr[^>]* id="{row_id}">(.*?)</tr>', body, re.S)
    assert row, f"no row {row_id}"
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    return [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", c))).strip() for c in cells]


def test_the_dual_report_lists_the_claim_for_the_employer(
    client, person_with_role, Role, town, member, confirmed_claim
):
    claim = confirmed_claim(member, minutes=90)
    confirm(claim)
    # A claim in another community is not service in the community reported to.
    confirm(confirmed_claim(member, minutes=60, title="桥北的需求", community=town.qiaobei))
    unit_secretary = person_with_role(Role.SECRETARY, town.unit, real_name="文旅局书记").user
    client.force_login(unit_secretary)

    body = client.get("/points/dual-report/").content.decode()

    assert row_cells(body, f"member-{member.pk}")[3:] == ["1", "1.5", "4"]
    served = claim.served_on
    assert row_cells(body, f"member-{member.pk}-claims") == [
        f"赵文静的双项认领：「{TAP}」{served.month}月{served.day}日 1.5小时"
    ]
    assert "桥北的需求" not in body

    quarter = period_key(PeriodKind.QUARTER)
    export = client.get(
        "/points/dual-report/export.xlsx", {"unit": town.unit.pk, "period": quarter}
    )
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames == ["双报到反馈", "双项认领", "单位认领", "说明"]
    members = list(workbook["双报到反馈"].iter_rows(values_only=True))
    assert members[1][4:] == (1, 1.5, 4)
    claims = list(workbook["双项认领"].iter_rows(values_only=True))
    assert claims[0] == ("姓名", "手机号", "报到社区", "认领的需求", "服务日期", "服务时长（小时）")
    assert claims[1:] == [("赵文静", member.masked_phone, "梨园社区", TAP, served.isoformat(), 1.5)]


def test_verify_ledger_stays_clean_after_claim_awards(member, confirmed_claim, volunteer):
    confirm(confirmed_claim(member, minutes=90))
    confirm(confirmed_claim(member, minutes=300, title="陪老人就医"))  # capped
    confirm(confirmed_claim(volunteer, minutes=45, title="代买药品"))

    assert ledger_differences() == []


def test_the_service_certificate_lists_the_claim(member, confirmed_claim):
    confirm(confirmed_claim(member, minutes=90))

    facts = service_facts(member)

    assert facts["total_minutes"] == 90
    assert [(row["title"], row["organisation"]) for row in facts["by_activity"]] == [
        (f"双项认领：{TAP}", "梨园社区")
    ]


def test_a_town_admin_edits_the_claims_rule_in_the_admin_audited(client, town_admin):
    rule = PointsRule.objects.get(for_claims=True)
    client.force_login(town_admin)
    edit = f"/admin/snippets/points/pointsrule/edit/{rule.pk}/"
    assert "适用于双项认领" in client.get(edit).content.decode()

    response = client.post(
        edit,
        {
            "name": "双项认领",
            "for_claims": "on",
            "category": "",
            "audience": "anyone",
            "points_per_attendance": "3",
            "points_per_hour": "1",
            "rounding_unit": "1",
            "rounding_mode": "nearest",
            "rubric_category": "service",
            "daily_cap": "8",
            "yearly_cap": "40",
        },
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.for_claims, rule.points_per_attendance, rule.daily_cap) == (True, 3, 8)
    audit = AuditEvent.objects.get(action="points_rule.update")
    assert audit.extra["changes"]["daily_cap"] == [6, 8]
