"""Totals per month, quarter, year and all time, ranking rows per scope, and verify_ledger."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from points.models import Category, PersonTotal, ScopeTotal
from points.services import points_adjust, points_award_for_attendance, points_redeem
from points.verify import ledger_differences
from volunteers.models import Membership
from volunteers.services.memberships import membership_end, membership_grant

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def totals(person):
    return {
        row.period: (row.points, row.balance, row.minutes)
        for row in PersonTotal.objects.filter(person=person)
    }


def scopes(person, period="all"):
    return set(
        ScopeTotal.objects.filter(person=person, period=period).values_list(
            "organisation__code", "population"
        )
    )


@pytest.fixture
def award(past_activity, attend):
    def make(person, starts_at, hours=2):
        activity = past_activity(starts_at=starts_at, hours=hours)
        return points_award_for_attendance(attendance=attend(activity, person))

    return make


def test_totals_are_kept_per_month_quarter_year_and_all_time(award, volunteer, verify_clean):
    award(volunteer, at(2025, 12, 20, 9))
    award(volunteer, at(2026, 5, 3, 9), hours=3)
    award(volunteer, at(2026, 5, 24, 9))

    assert totals(volunteer) == {
        "all": (7, 7, 420),
        "2025": (2, 2, 120),
        "2025Q4": (2, 2, 120),
        "2025-12": (2, 2, 120),
        "2026": (5, 5, 300),
        "2026Q2": (5, 5, 300),
        "2026-05": (5, 5, 300),
    }
    verify_clean()


def test_the_period_is_the_shanghai_date_of_the_service(award, volunteer, verify_clean):
    award(volunteer, at(2026, 5, 31, 22), hours=1)  # 14:00 UTC, still May in Shanghai
    award(volunteer, at(2026, 6, 1, 0, 30), hours=1)  # 16:30 UTC on 31 May, June in Shanghai

    assert totals(volunteer)["2026-05"] == (1, 1, 60)
    assert totals(volunteer)["2026-06"] == (1, 1, 60)
    assert totals(volunteer)["2026Q2"] == (2, 2, 120)
    verify_clean()


def test_a_volunteer_ranks_under_their_grid_community_and_town(award, volunteer):
    award(volunteer, at(2026, 5, 3, 9))
    assert scopes(volunteer) == {
        ("shazhou", "volunteers"),
        ("liyuan", "volunteers"),
        ("liyuan-grid-1", "volunteers"),
    }
    month = ScopeTotal.objects.get(person=volunteer, period="2026-05", organisation__code="liyuan")
    assert (month.points, month.minutes) == (2, 120)


def test_a_party_member_also_ranks_among_party_members_and_in_their_branch(award, party_member):
    award(party_member, at(2026, 5, 3, 9))
    expected_nodes = {"shazhou", "liyuan", "liyuan-grid-2", "liyuan-pc", "liyuan-branch-1"}
    assert scopes(party_member) == {
        (node, population)
        for node in expected_nodes
        for population in ("volunteers", "party_members")
    }


def test_a_team_member_ranks_under_the_team_squad_and_detachment(award, volunteer, town):
    membership_grant(person=volunteer, organisation=town.team, role=Membership.Role.MEMBER)
    award(volunteer, at(2026, 5, 3, 9))
    assert {"team-traffic", "squad-liyuan", "detachment"} <= {code for code, _ in scopes(volunteer)}


def test_ranking_rows_follow_a_move_to_another_grid(award, volunteer, town, verify_clean):
    award(volunteer, at(2026, 5, 3, 9))
    volunteer.home_grid = town.qiaobei_grid1
    volunteer.save()

    assert scopes(volunteer, "2026-05") == {
        ("shazhou", "volunteers"),
        ("qiaobei", "volunteers"),
        ("qiaobei-grid-1", "volunteers"),
    }
    verify_clean()


def test_ranking_rows_follow_roles_and_political_status(award, volunteer, town, verify_clean):
    award(volunteer, at(2026, 5, 3, 9))
    membership = membership_grant(
        person=volunteer, organisation=town.other_team, role=Membership.Role.MEMBER
    )
    assert ("team-elderly", "volunteers") in scopes(volunteer)
    membership_end(membership=membership)
    assert ("team-elderly", "volunteers") not in scopes(volunteer)
    volunteer.political_status = "probationary_member"
    volunteer.save(update_fields=["political_status"])
    assert ("liyuan", "party_members") in scopes(volunteer)
    verify_clean()


def test_spending_lowers_the_balance_not_the_ranking(award, volunteer, verify_clean):
    award(volunteer, at(2026, 5, 3, 9))
    points_redeem(person=volunteer, amount=2, idempotency_key="redemption:9")
    assert totals(volunteer)["all"] == (2, 0, 120)
    assert (
        ScopeTotal.objects.get(person=volunteer, period="all", organisation__code="liyuan").points
        == 2
    )
    verify_clean()


def test_verify_ledger_is_clean_and_says_so(award, volunteer, party_member, secretary, capsys):
    award(volunteer, at(2026, 5, 3, 9))
    award(party_member, at(2026, 4, 3, 9))
    points_adjust(
        person=party_member, amount=3, category=Category.BASIC, reason="组织生活", by=secretary
    )
    call_command("verify_ledger")
    assert "all totals agree" in capsys.readouterr().out


def test_verify_ledger_finds_a_tampered_person_total_and_exits_non_zero(award, volunteer, capsys):
    award(volunteer, at(2026, 5, 3, 9))
    PersonTotal.objects.filter(person=volunteer, period="2026-05").update(points=99)

    with pytest.raises(CommandError, match="1 difference"):
        call_command("verify_ledger")
    out = capsys.readouterr().out
    assert f"PersonTotal: person {volunteer.pk} period 2026-05 points: expected 2, stored 99" in out


def test_verify_ledger_exits_non_zero_from_the_shell(award, volunteer):
    award(volunteer, at(2026, 5, 3, 9))
    PersonTotal.objects.filter(person=volunteer, period="all").update(minutes=1)
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "verify_ledger"]).execute()
    assert exit_info.value.code == 1


def test_verify_ledger_finds_a_tampered_ranking_row(award, volunteer):
    award(volunteer, at(2026, 5, 3, 9))
    ScopeTotal.objects.filter(person=volunteer, period="2026", organisation__code="liyuan").update(
        minutes=5
    )
    differences = ledger_differences()
    [difference] = [d for d in differences if d.table == "ScopeTotal"]
    assert (difference.table, difference.period, difference.field) == (
        "ScopeTotal",
        "2026",
        "minutes",
    )
    assert (difference.expected, difference.actual) == (120, 5)
    # The per-value counts no longer match the tampered row either: one person too many
    # at 120 minutes, one too few at 5.
    counts = {(d.value, d.expected, d.actual) for d in differences if d.table != "ScopeTotal"}
    assert counts == {(120, None, 1), (5, 1, None)}


def test_verify_ledger_finds_a_missing_ranking_row_and_a_total_without_a_ledger(
    award, volunteer, party_member
):
    award(volunteer, at(2026, 5, 3, 9))
    ScopeTotal.objects.filter(person=volunteer, organisation__code="liyuan-grid-1").delete()
    PersonTotal.objects.create(person=party_member, period="2026-01", points=4, balance=4)

    found = {(d.table, d.person_id, d.field) for d in ledger_differences()}
    assert ("ScopeTotal", volunteer.pk, "rows") in found
    assert ("PersonTotal", party_member.pk, "points") in found
    assert ("PersonTotal", party_member.pk, "balance") in found


def test_bulk_appended_lines_are_totalled_like_single_ones(volunteer, party_member, verify_clean):
    from points.models import PointsEntry
    from points.services import ledger_bulk_append

    entries = [
        PointsEntry(
            person=person,
            amount=3,
            kind="adjustment",
            category=Category.BASIC,
            idempotency_key=f"seed:{person.pk}:{month}",
            reason="组织生活",
            occurred_at=at(2026, month, 10, 19),
        )
        for person in (volunteer, party_member)
        for month in (3, 4, 7)
    ]
    assert ledger_bulk_append(entries=entries) == (6, 0)
    assert totals(party_member)["2026Q2"] == (3, 3, 0)
    assert totals(party_member)["all"] == (9, 9, 0)
    assert ("liyuan-branch-1", "party_members") in scopes(party_member, "2026-07")
    verify_clean()
