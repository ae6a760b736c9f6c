"""Star volunteers (星级志愿者) by credited service hours.

The thresholds are a setting, ``POINTS_STAR_LEVEL_HOURS``: the hours for 1★,
2★ … in rising order. The default is the national scheme: 100, 300, 600, 1000
and 1500 hours.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from points.models import PersonTotal
from points.periods import ALL_TIME

DEFAULT_STAR_LEVEL_HOURS = (100, 300, 600, 1000, 1500)


def star_level_hours() -> tuple[int, ...]:
    hours = tuple(getattr(settings, "POINTS_STAR_LEVEL_HOURS", DEFAULT_STAR_LEVEL_HOURS))
    if not hours or any(h <= 0 for h in hours) or list(hours) != sorted(set(hours)):
        raise ImproperlyConfigured(
            "POINTS_STAR_LEVEL_HOURS must be positive hours in strictly rising order."
        )
    return hours


def star_level(minutes: int) -> int:
    """0 to 5 (or as many levels as configured) for this many credited minutes."""
    return sum(1 for hours in star_level_hours() if minutes >= hours * 60)


@dataclass(frozen=True)
class StarProgress:
    level: int
    minutes: int
    next_level: int | None  # None at the top level
    next_level_hours: int | None
    minutes_to_next: int | None

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def star_progress(minutes: int) -> StarProgress:
    thresholds = star_level_hours()
    level = star_level(minutes)
    if level >= len(thresholds):
        return StarProgress(level, minutes, None, None, None)
    target = thresholds[level]
    return StarProgress(level, minutes, level + 1, target, max(0, target * 60 - minutes))


def person_star_progress(person) -> StarProgress:
    """From the person's all-time total of credited minutes (one indexed read)."""
    minutes = (
        PersonTotal.objects.filter(person_id=person.pk, period=ALL_TIME)
        .values_list("minutes", flat=True)
        .first()
    )
    return star_progress(minutes or 0)
