"""Monthly publication: last month's rankings frozen into snapshots, once, and shown publicly."""

import datetime

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cms import selectors as cms_selectors
from core.errors import DomainError
from points.models import (
    AppendOnlyError,
    Category,
    Measure,
    Population,
    RankingSnapshot,
    RankingSnapshotRow,
)
from points.periods import SHANGHAI, period_bounds
from points.services import points_adjust, points_award_for_attendance, publication
from points.services.publication import previous_month, rankings_publish_month
from points.tasks import publish_monthly_rankings
from volunteers.models import Organisation


@pytest.fixture
def month():
    """Last month, as the 1st-of-the-month task would publish it today."""
    return previous_month(timezone.now())


@pytest.fixture
def in_month(month):
    start, _end = period_bounds(month)
    return start + datetime.timedelta(days=3, hours=10)


@pytest.fixture
def publish_time(month):
    """01:00 on the 1st of the next month, Shanghai time: when beat runs the task."""
    _start, end = period_bounds(month)
    return end + datetime.timedelta(hours=1)


@pytest.fixture
def give(secretary, in_month):
    def give(person, amount, *, at=None, category=Category.REWARD):
        return points_adjust(
            person=person,
            amount=amount,
            category=category,
            reason="测试加分",
            by=secretary,
            occurred_at=at or in_month,
        )

    return give


@pytest.fixture
def four_volunteers(make_person, town, give):
    """Points 5, 3, 3 and 1 last month in 梨园社区: places 1, 2, 2, 4."""
    people = {}
    for name, points in (("甲一", 5), ("乙二", 3), ("丙三", 3), ("丁四", 1)):
        people[name] = make_person(real_name=name, home_grid=town.liyuan_grid1)
        give(people[name], points)
    return people


def rows_of(snapshot):
    return [
        (row.place, row.display_name, row.value)
        for row in snapshot.rows.order_by("place", "person_id")
    ]


def snapshot(code, population=Population.VOLUNTEERS, measure=Measure.POINTS, **filters):
    return RankingSnapshot.objects.get(
        organisation__code=code, population=population, measure=measure, **filters
    )


def test_last_months_ranking_is_frozen_with_competition_places(
    four_volunteers, month, publish_time
):
    result = rankings_publish_month(now=publish_time)

    assert result.month == month
    liyuan = snapshot("liyuan", period=month)
    assert [(place, value) for place, _name, value in rows_of(liyuan)] == [
        (1, 5),
        (2, 3),
        (2, 3),
        (4, 1),
    ]
    assert rows_of(liyuan)[0][1] == "甲一"
    assert liyuan.people == 4
    assert liyuan.scope_name == "梨园社区"
    assert liyuan.published_at == publish_time
    # Seven full days after the day of publication.
    assert timezone.localtime(liyuan.notice_until, SHANGHAI) == datetime.datetime.combine(
        timezone.localdate(publish_time, SHANGHAI) + datetime.timedelta(days=8),
        datetime.time.min,
        tzinfo=SHANGHAI,
    )
    assert rows_of(snapshot("shazhou", period=month)) == rows_of(liyuan)
    assert snapshot("qiaobei", period=month).people == 0


def test_every_scope_population_and_measure_is_published_once(
    four_volunteers, party_member, give, publish_time, month
):
    give(party_member, 4)

    first = rankings_publish_month(now=publish_time)
    again = rankings_publish_month(now=publish_time + datetime.timedelta(hours=5))

    # town + 2 communities for both populations, 2 branches for party members; × 2 measures.
    assert first.created == (3 * 2 + 2) * 2
    assert (again.created, again.existing) == (0, first.created)
    assert RankingSnapshot.objects.count() == first.created
    assert not RankingSnapshot.objects.filter(
        organisation__kind=Organisation.Kind.PARTY_BRANCH, population=Population.VOLUNTEERS
    ).exists()
    branch = snapshot("liyuan-branch-1", Population.PARTY_MEMBERS, period=month)
    assert rows_of(branch) == [(1, "王党员", 4)]
    # The party member also ranks among all volunteers of the town.
    town_names = [name for _place, name, _value in rows_of(snapshot("shazhou", period=month))]
    assert town_names == ["甲一", "王党员", "乙二", "丙三", "丁四"]


def test_hours_are_ranked_by_minutes_and_shown_in_hours(
    past_activity, attend, volunteer, make_person, town, in_month, publish_time, month
):
    activity = past_activity(starts_at=in_month, hours=3)
    other = make_person(real_name="钱多", home_grid=town.liyuan_grid2)
    points_award_for_attendance(attendance=attend(activity, volunteer, minutes=150))
    points_award_for_attendance(attendance=attend(activity, other, minutes=180))

    rankings_publish_month(now=publish_time)

    hours = snapshot("liyuan", measure=Measure.MINUTES, period=month)
    assert rows_of(hours) == [(1, "钱多", 180), (2, "李志愿", 150)]
    boards = cms_selectors.published_boards(
        scope_code="liyuan", population="volunteers", measure="minutes", names="full"
    )
    assert [(r.rank, r.name, r.value, r.unit) for r in boards[0].rows] == [
        (1, "钱多", 3, "小时"),
        (2, "李志愿", 2, "小时"),  # 2.5 hours, shown rounded
    ]


def test_the_top_places_keep_everyone_tied_on_the_last_place(
    four_volunteers, monkeypatch, publish_time, month
):
    monkeypatch.setattr(publication, "SNAPSHOT_PLACES", 2)

    rankings_publish_month(now=publish_time)

    assert [p for p, _n, _v in rows_of(snapshot("liyuan", period=month))] == [1, 2, 2]


def test_a_crowd_tied_on_the_last_place_is_left_off_rather_than_cut_at_random(
    four_volunteers, monkeypatch, publish_time, month
):
    monkeypatch.setattr(publication, "SNAPSHOT_PLACES", 2)
    monkeypatch.setattr(publication, "TIE_ROOM", 1)  # at most 2 rows; 3 people have 3 or more

    rankings_publish_month(now=publish_time)

    assert rows_of(snapshot("liyuan", period=month)) == [(1, "甲一", 5)]


def test_a_later_correction_does_not_change_what_was_published(
    four_volunteers, give, publish_time, month
):
    rankings_publish_month(now=publish_time)
    before = rows_of(snapshot("liyuan", period=month))

    give(four_volunteers["丁四"], 10)  # booked later, into the published month
    four_volunteers["甲一"].real_name = "甲改名"
    four_volunteers["甲一"].save()
    rankings_publish_month(now=publish_time + datetime.timedelta(days=1))

    assert rows_of(snapshot("liyuan", period=month)) == before


def test_a_month_that_is_not_over_cannot_be_published(db):
    now = timezone.now()
    this_month = timezone.localdate(now, SHANGHAI).strftime("%Y-%m")
    with pytest.raises(DomainError) as refused:
        rankings_publish_month(month=this_month, now=now)
    assert refused.value.code == "month_not_over"
    assert "尚未结束" in refused.value.message
    with pytest.raises(DomainError) as bad:
        rankings_publish_month(month="2026Q1", now=now)
    assert bad.value.code == "bad_month"
    assert not RankingSnapshot.objects.exists()


def test_a_snapshot_and_its_rows_cannot_be_changed_or_removed(four_volunteers, publish_time):
    rankings_publish_month(now=publish_time)
    published = RankingSnapshot.objects.filter(people__gt=0).first()
    row = published.rows.first()

    published.people = 99
    with pytest.raises(AppendOnlyError):
        published.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        RankingSnapshotRow.objects.filter(pk=row.pk).update(value=0)
    with pytest.raises(AppendOnlyError):
        RankingSnapshot.objects.all().delete()
    row.refresh_from_db()
    assert row.value in (5, 3, 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_on_postgresql_the_database_refuses_changing_a_published_row(four_volunteers, publish_time):
    from django.db import DatabaseError

    rankings_publish_month(now=publish_time)
    with (
        pytest.raises(DatabaseError, match="frozen once published"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE points_rankingsnapshotrow SET value = 0")


def test_the_task_publishes_last_month_once_and_beat_runs_it_on_the_first(four_volunteers, month):
    assert publish_monthly_rankings() == 16
    assert publish_monthly_rankings() == 0  # a redelivered task
    assert publish_monthly_rankings.acks_late and publish_monthly_rankings.reject_on_worker_lost
    assert snapshot("liyuan", period=month).people == 4
    entry = settings.CELERY_BEAT_SCHEDULE["publish-monthly-rankings"]
    assert entry["task"] == "points.tasks.publish_monthly_rankings"
    assert entry["schedule"] == crontab(minute=0, hour=1, day_of_month=1)
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


# --- The honour roll reads the snapshots ---------------------------------------------


def test_published_boards_show_the_newest_month_with_names_masked(
    four_volunteers, give, month, publish_time, django_assert_num_queries
):
    rankings_publish_month(now=publish_time)
    # An older month is published too; the newest one is what the honour roll shows.
    start, _end = period_bounds(month)
    older = previous_month(start)
    rankings_publish_month(month=older, now=publish_time)

    with django_assert_num_queries(1):
        boards = cms_selectors.published_boards(limit=3)

    # Only the volunteers' boards have anyone on them; the party boards are left out.
    assert [b.title for b in boards] == ["志愿者积分榜"]
    board = boards[0]
    assert board.scope == "沙州镇"
    year, number = map(int, month.split("-"))
    assert board.period_label == f"{year}年{number}月"
    assert [(r.rank, r.name, r.value, r.unit) for r in board.rows] == [
        (1, "甲*", 5, "分"),
        (2, "乙*", 3, "分"),
        (2, "丙*", 3, "分"),
    ]
    assert board.snapshot_id == snapshot("shazhou", period=month).pk
    full = cms_selectors.published_boards(scope_code="liyuan", names="full")
    assert [r.name for r in full[0].rows] == ["甲一", "乙二", "丙三", "丁四"]
    assert cms_selectors.published_boards(period="year") == []
    assert cms_selectors.published_boards(scope_code="nowhere") == []


def test_the_notice_date_shows_only_while_objections_are_open(four_volunteers, give, month):
    older = previous_month(period_bounds(month)[0])
    give(four_volunteers["丁四"], 2, at=period_bounds(older)[0] + datetime.timedelta(days=2))
    # Published long ago: its notice period is over, so the board names no last day.
    rankings_publish_month(month=older, now=period_bounds(older)[1] + datetime.timedelta(hours=1))
    (closed,) = cms_selectors.published_boards()
    assert closed.notice_until is None and closed.rows[0].value == 2

    now = timezone.now()
    rankings_publish_month(month=month, now=now)
    (board,) = cms_selectors.published_boards()
    assert board.notice_until == timezone.localdate(now, SHANGHAI) + datetime.timedelta(days=7)


def test_the_honour_roll_and_the_home_page_show_a_ranking_once_it_is_published(
    client,
    four_volunteers,
    publish_time,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    from django.core.cache import cache

    from demo import site as cms_demo

    settings.MEDIA_ROOT = str(tmp_path / "media")
    with django_capture_on_commit_callbacks(execute=True):
        cms_demo.seed_site()
    cache.clear()
    assert "本月光荣榜尚未公示" in client.get("/guangrongbang/").content.decode()  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        rankings_publish_month(now=publish_time)

    honour = client.get("/guangrongbang/").content.decode()  # the publication purged it
    assert "志愿者积分榜" in honour and "甲*" in honour and "完整榜单" in honour
    assert "本月光荣榜尚未公示" not in honour
    client.get("/")
    cache.clear()
    with django_assert_max_num_queries(15):
        home = client.get("/").content.decode()
    assert "甲*" in home and "排行榜尚未公示" not in home
