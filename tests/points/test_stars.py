"""Star volunteers (星级志愿者) by credited hours, with configurable thresholds."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from points.services import points_award_for_attendance
from points.stars import person_star_progress, star_level, star_progress


@pytest.mark.parametrize(
    ("hours", "stars"),
    [(0, 0), (99.9, 0), (100, 1), (299, 1), (300, 2), (600, 3), (1000, 4), (1499, 4), (1500, 5)],
)
def test_star_levels_follow_the_national_thresholds(hours, stars):
    assert star_level(int(hours * 60)) == stars


def test_progress_says_how_far_the_next_star_is():
    progress = star_progress(250 * 60)
    assert (progress.level, progress.next_level, progress.next_level_hours) == (1, 2, 300)
    assert progress.minutes_to_next == 50 * 60
    top = star_progress(2000 * 60)
    assert (top.level, top.next_level, top.minutes_to_next) == (5, None, None)


@override_settings(POINTS_STAR_LEVEL_HOURS=(1, 2, 4))
def test_the_thresholds_are_a_setting(past_activity, attend, volunteer):
    points_award_for_attendance(attendance=attend(past_activity(hours=2), volunteer))
    progress = person_star_progress(volunteer)
    assert (progress.level, progress.next_level_hours, progress.hours) == (2, 4, 2.0)


@override_settings(POINTS_STAR_LEVEL_HOURS=(300, 100))
def test_thresholds_out_of_order_are_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        star_level(0)


def test_someone_without_hours_has_no_star(volunteer):
    assert person_star_progress(volunteer).level == 0
