"""Rankings: per-value counts kept with the ledger, competition places, team rankings."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from points.models import Category, RankingValueCount, ScopeTotal
from points.selectors.rankings import (
    competition_places,
    ranking_place,
    ranking_places,
    ranking_top,
    team_ranking,
)
from points.services import (
    ledger_atomic,
    ledger_bulk_append,
    points_adjust,
    points_award_for_attendance,
    points_reverse_for_attendance,
)
from points.services.ledger import person_lock, ranking_counts_rebuild
from points.verify import ledger_differences
from volunteers.models import Membership
from volunteers.services.memberships import membership_grant

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAY = "2026-05"


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def counts(org, period=MAY, measure="points", population="volunteers"):
    """{value: people} of one ranking, as stored (rows that fell to 0 people left out)."""
    return dict(
        RankingValueCount.objects.filter(
            organisation=org, period=period, population=population, measure=measure
        )
        .exclude(people=0)
        .values_list("value", "people")
    )


@pytest.fixture
def award(past_activity, attend):
    def make(person, starts_at=None, hours=2):
        activity = past_activity(starts_at=starts_at or at(2026, 5, 3, 9), hours=hours)
        attendance = attend(activity, person)
        points_award_for_attendance(attendance=attendance)
        return attendance

    return make


@pytest.fixture
def three(make_person, town):
    return [
        make_person(real_name=name, home_grid=town.liyuan_grid1)
        for name in ("甲志愿", "乙志愿", "丙志愿")
    ]


@pytest.fixture
def adjust(secretary):
    def make(person, amount, when=None):
        return points_adjust(
            person=person,
            amount=amount,
            category=Category.BASIC,
            reason="组织生活",
            by=secretary,
            occurred_at=when or at(2026, 5, 10, 19),
        )

    return make


# --- The per-value counts ---------------------------------------------------------------


def test_counts_follow_awards_and_reversals(award, three, town, verify_clean):
    a, b, c = three
    award(a)
    award(b)
    removed = award(c, hours=3)
    assert counts(town.liyuan) == {2: 2, 3: 1}
    assert counts(town.town, measure="minutes") == {120: 2, 180: 1}
    assert counts(town.liyuan_grid1, period="all") == {2: 2, 3: 1}

    points_reverse_for_attendance(attendance=removed, reason="签到有误")

    assert counts(town.liyuan) == {0: 1, 2: 2}
    assert counts(town.liyuan, measure="minutes") == {0: 1, 120: 2}
    verify_clean()


def test_counts_follow_a_move_to_another_community(award, three, town, verify_clean):
    a, b, _c = three
    award(a)
    award(b, hours=3)
    a.home_grid = town.qiaobei_grid1
    a.save()

    assert counts(town.liyuan) == {3: 1}
    assert counts(town.qiaobei) == {2: 1}
    assert counts(town.town) == {2: 1, 3: 1}
    verify_clean()


def test_counts_follow_team_roles_and_political_status(award, three, town, verify_clean):
    a, _b, _c = three
    award(a)
    membership_grant(person=a, organisation=town.team, role=Membership.Role.MEMBER)
    assert counts(town.team) == {2: 1}
    assert counts(town.detachment) == {2: 1}
    a.political_status = "party_member"
    a.save(update_fields=["political_status"])
    assert counts(town.liyuan, population="party_members") == {2: 1}
    verify_clean()


def test_counts_survive_a_savepoint_rolled_back_inside_the_transaction(
    three, town, adjust, verify_clean
):
    a, b, _c = three
    with ledger_atomic():
        adjust(a, 4)
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            adjust(b, 7)
            1 / 0  # noqa: B018 -- the savepoint with b's line rolls back
        adjust(a, 1)
    assert counts(town.liyuan) == {5: 1}
    verify_clean()


def test_bulk_appended_lines_are_counted(three, town, verify_clean):
    from points.models import PointsEntry

    entries = [
        PointsEntry(
            person=person,
            amount=amount,
            kind="adjustment",
            category=Category.BASIC,
            idempotency_key=f"seed:{person.pk}",
            reason="组织生活",
            occurred_at=at(2026, 5, 10, 19),
        )
        for person, amount in zip(three, (3, 3, 8), strict=True)
    ]
    ledger_bulk_append(entries=entries)
    assert counts(town.liyuan_grid1) == {3: 2, 8: 1}
    verify_clean()


def test_a_deleted_person_leaves_the_counts(make_person, town, verify_clean):
    person = make_person(real_name="临时", home_grid=town.liyuan_grid2)
    with ledger_atomic():
        person_lock(person.pk)  # all-time ranking rows at 0, and their counts
    assert counts(town.liyuan_grid2, period="all") == {0: 1}
    person.delete()
    assert counts(town.liyuan_grid2, period="all") == {}
    verify_clean()


def test_the_ledger_lock_must_be_taken_inside_ledger_atomic(make_person):
    person = make_person()
    with pytest.raises(RuntimeError, match="ledger_atomic"), transaction.atomic():
        person_lock(person.pk)


def test_verify_ledger_finds_a_tampered_count(award, three, town):
    award(three[0])
    RankingValueCount.objects.filter(
        organisation=town.liyuan, period=MAY, measure="points", value=2
    ).update(people=5)

    [difference] = ledger_differences()
    assert (difference.table, difference.organisation_id, difference.period) == (
        "RankingValueCount",
        town.liyuan.pk,
        MAY,
    )
    assert (difference.value, difference.expected, difference.actual) == (2, 1, 5)
    assert "points = 2 people: expected 1, stored 5" in str(difference)


def test_a_rebuild_drops_empty_counts_and_agrees(award, three, town, verify_clean):
    removed = award(three[0])
    points_reverse_for_attendance(attendance=removed, reason="签到有误")
    ranking_counts_rebuild()
    assert counts(town.liyuan) == {0: 1}
    assert not RankingValueCount.objects.filter(people=0).exists()
    verify_clean()


# --- Places ---------------------------------------------------------------------------


def test_competition_places():
    assert competition_places([9, 7, 7, 4, 4, 4, 1]) == [1, 2, 2, 4, 4, 4, 7]
    assert competition_places([]) == []


@pytest.fixture
def four(make_person, town, adjust):
    """Four people of 梨园 with 5, 3, 3 and 1 points in May 2026."""
    people = [
        make_person(real_name=name, home_grid=town.liyuan_grid1 if n < 2 else town.liyuan_grid2)
        for n, name in enumerate(("赵一", "钱二", "孙三", "李四"))
    ]
    for person, amount in zip(people, (5, 3, 3, 1), strict=True):
        adjust(person, amount)
    return people


def test_the_top_is_competition_ranked_with_ties_in_a_stable_order(
    four, town, django_assert_num_queries
):
    with django_assert_num_queries(1):
        top = ranking_top(
            organisation=town.liyuan, period=MAY, population="volunteers", measure="points"
        )
    assert [(row.place, row.name, row.value) for row in top] == [
        (1, "赵一", 5),
        (2, "钱二", 3),
        (2, "孙三", 3),
        (4, "李四", 1),
    ]
    short = ranking_top(
        organisation=town.liyuan, period=MAY, population="volunteers", measure="points", limit=2
    )
    assert [row.name for row in short] == ["赵一", "钱二"]
    # A grid is its own ranking.
    grid = ranking_top(
        organisation=town.liyuan_grid2, period=MAY, population="volunteers", measure="points"
    )
    assert [(row.place, row.name) for row in grid] == [(1, "孙三"), (2, "李四")]


def test_my_place_counts_the_people_above_me(four, town, make_person, django_assert_num_queries):
    zhao, qian, sun, li = four
    with django_assert_num_queries(2):
        place = ranking_place(
            person=li,
            organisation=town.liyuan,
            period=MAY,
            population="volunteers",
            measure="points",
        )
    assert (place.place, place.value, place.ranked) == (4, 1, 4)
    for person, expected in ((zhao, 1), (qian, 2), (sun, 2)):
        assert (
            ranking_place(
                person=person,
                organisation=town.liyuan,
                period=MAY,
                population="volunteers",
                measure="points",
            ).place
            == expected
        )
    # Someone with nothing this month, or outside the scope, has no place.
    nobody = make_person(real_name="周五", home_grid=town.liyuan_grid1)
    none = ranking_place(
        person=nobody,
        organisation=town.liyuan,
        period=MAY,
        population="volunteers",
        measure="points",
    )
    assert (none.place, none.ranked) == (None, 4)
    assert (
        ranking_place(
            person=zhao,
            organisation=town.qiaobei,
            period=MAY,
            population="volunteers",
            measure="points",
        ).place
        is None
    )


def test_places_in_several_scopes_and_periods_in_one_query(
    four, town, adjust, django_assert_num_queries
):
    _zhao, _qian, sun, _li = four
    adjust(sun, 4, when=at(2026, 2, 10, 19))  # 2026: 孙三 7, 赵一 5, 钱二 3, 李四 1
    with django_assert_num_queries(1):
        places = ranking_places(
            organisations=[town.liyuan_grid2, town.liyuan, town.town],
            values={MAY: 3, "2026": 7},
            population="volunteers",
            measure="points",
        )
    assert places[(town.liyuan.pk, MAY)].place == 2
    assert places[(town.liyuan.pk, "2026")].place == 1
    assert places[(town.liyuan_grid2.pk, MAY)].place == 1
    assert places[(town.town.pk, "2026")].ranked == 4


def test_a_score_brought_to_zero_is_not_ranked(four, town, adjust):
    zhao = four[0]
    adjust(zhao, -5)
    top = ranking_top(
        organisation=town.liyuan, period=MAY, population="volunteers", measure="points"
    )
    assert [row.name for row in top] == ["钱二", "孙三", "李四"]
    assert (
        ranking_place(
            person=zhao,
            organisation=town.liyuan,
            period=MAY,
            population="volunteers",
            measure="points",
        ).place
        is None
    )


def test_unknown_measure_or_population_is_refused(town):
    with pytest.raises(ValueError, match="measure"):
        ranking_top(organisation=town.town, period=MAY, population="volunteers", measure="x")
    with pytest.raises(ValueError, match="population"):
        ranking_top(organisation=town.town, period=MAY, population="x", measure="points")


# --- Teams ------------------------------------------------------------------------------


def test_team_ranking_by_total_and_per_head(make_person, town, adjust, django_assert_num_queries):
    role = Membership.Role.MEMBER
    traffic = [make_person(real_name=f"交通{n}", home_grid=town.liyuan_grid1) for n in range(3)]
    elderly = [make_person(real_name=f"敬老{n}", home_grid=town.liyuan_grid1) for n in range(1)]
    for person in traffic:
        membership_grant(person=person, organisation=town.team, role=role)
    for person in elderly:
        membership_grant(person=person, organisation=town.other_team, role=role)
    for person, amount in zip(traffic, (4, 2, 0), strict=True):
        if amount:
            adjust(person, amount)
    adjust(elderly[0], 5)

    with django_assert_num_queries(3):
        by_total = team_ranking(
            organisation=town.squad, period=MAY, population="volunteers", measure="points"
        )
    assert [(t.place, t.organisation.name, t.total, t.heads) for t in by_total] == [
        (1, "文明交通劝导队", 6, 3),
        (2, "敬老助残服务队", 5, 1),
    ]
    by_head = team_ranking(
        organisation=town.town,
        period=MAY,
        population="volunteers",
        measure="points",
        per_head=True,
    )
    assert [(t.place, t.organisation.name, t.per_head) for t in by_head] == [
        (1, "敬老助残服务队", 5.0),
        (2, "文明交通劝导队", 2.0),
    ]
    assert (
        team_ranking(
            organisation=town.liyuan, period=MAY, population="volunteers", measure="points"
        )
        == []
    )


def test_scope_rows_and_counts_agree_for_every_ranking_after_a_mixed_history(
    award, three, town, adjust, verify_clean
):
    a, b, c = three
    award(a)
    award(b, starts_at=at(2026, 4, 2, 9))
    adjust(c, 2)
    adjust(a, -1)
    for period in (MAY, "2026Q2", "2026", "all"):
        stored = counts(town.town, period=period)
        rows = ScopeTotal.objects.filter(
            organisation=town.town, period=period, population="volunteers"
        ).values_list("points", flat=True)
        expected: dict[int, int] = {}
        for value in rows:
            expected[value] = expected.get(value, 0) + 1
        assert stored == expected
    verify_clean()
