"""Instants for tests, reckoned from the clock the run has.

No test names a calendar date that today can overtake: a test that needs "noon" travels
to the next one, reckoned in Shazhou from the run's own clock (the real one, or the one
`.ci/run` moves with faketime), and makes every fixture it uses inside that travel.
"""

import datetime
from zoneinfo import ZoneInfo

SHAZHOU = ZoneInfo("Asia/Shanghai")


def shazhou_at(*, days: int = 0, hour: int, minute: int = 0, second: int = 0):
    """``hour:minute:second`` in Shazhou, ``days`` days from today there."""
    day = datetime.datetime.now(SHAZHOU).date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute, second), tzinfo=SHAZHOU)


def next_noon():
    """12:00 in Shazhou tomorrow: a whole day away from any midnight the run may cross."""
    return shazhou_at(days=1, hour=12)


def next_new_year(*, hour: int = 0, minute: int = 0):
    """``hour:minute`` on the coming 1 January in Shazhou."""
    year = datetime.datetime.now(SHAZHOU).year + 1
    return datetime.datetime(year, 1, 1, hour, minute, tzinfo=SHAZHOU)


def mid_month(*, months: int = 0):
    """12:00 on the 15th of this month in Shazhou, or ``months`` months on: a test that
    reads "this month" and makes yesterday's activity stays inside one month."""
    today = datetime.datetime.now(SHAZHOU).date()
    index = today.year * 12 + today.month - 1 + months
    return datetime.datetime(index // 12, index % 12 + 1, 15, 12, tzinfo=SHAZHOU)
