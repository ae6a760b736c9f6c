"""Ranking and total periods, keyed by short strings in Shanghai time.

A ledger line belongs to the periods of its ``occurred_at`` (the time of the
service, not of the booking), read as a date in Asia/Shanghai:

=========  ===========  ==========================
kind       key          example
=========  ===========  ==========================
month      ``YYYY-MM``  ``2026-05``
quarter    ``YYYYQn``   ``2026Q2``
year       ``YYYY``     ``2026``
all time   ``all``      ``all``
=========  ===========  ==========================

Keys are short, readable in SQL, and the same in every table that is keyed by
period (``PersonTotal``, ``ScopeTotal``, and the snapshots that come later).
"""

import datetime
import re
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SHANGHAI = ZoneInfo("Asia/Shanghai")
ALL_TIME = "all"
PERIOD_KEY_LENGTH = 7

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年度")
    ALL = "all", _("累计")


def local_date(at: datetime.datetime | datetime.date) -> datetime.date:
    if isinstance(at, datetime.datetime):
        return timezone.localtime(at, SHANGHAI).date()
    return at


# Each key takes a date or a moment; a moment is read as its date in Shanghai first, so a
# line booked at 00:30 on 1 January in Shazhou (16:30 the day before in UTC) is in the new year.
def month_key(at: datetime.datetime | datetime.date) -> str:
    day = local_date(at)
    return f"{day.year:04d}-{day.month:02d}"


def quarter_key(at: datetime.datetime | datetime.date) -> str:
    day = local_date(at)
    return f"{day.year:04d}Q{(day.month - 1) // 3 + 1}"


def year_key(at: datetime.datetime | datetime.date) -> str:
    return f"{local_date(at).year:04d}"


def period_keys(at: datetime.datetime | datetime.date) -> tuple[str, str, str, str]:
    """The four periods a moment belongs to: all time, year, quarter, month."""
    day = local_date(at)
    return (ALL_TIME, year_key(day), quarter_key(day), month_key(day))


def period_key(kind: str, at: datetime.datetime | datetime.date | None = None) -> str:
    """The key of the ``kind`` period containing ``at`` (default: today in Shanghai)."""
    day = local_date(at) if at is not None else timezone.localdate(timezone=SHANGHAI)
    return {
        PeriodKind.MONTH: month_key,
        PeriodKind.QUARTER: quarter_key,
        PeriodKind.YEAR: year_key,
        PeriodKind.ALL: lambda _day: ALL_TIME,
    }[PeriodKind(kind)](day)


def period_kind(key: str) -> str:
    if key == ALL_TIME:
        return PeriodKind.ALL
    if _MONTH.match(key):
        return PeriodKind.MONTH
    if _QUARTER.match(key):
        return PeriodKind.QUARTER
    if _YEAR.match(key):
        return PeriodKind.YEAR
    raise ValueError(f"Not a period key: {key!r}")


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=SHANGHAI)


def period_bounds(key: str) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """[start, end) of a period as aware datetimes; (None, None) for all time."""
    kind = period_kind(key)
    if kind == PeriodKind.ALL:
        return None, None
    if kind == PeriodKind.MONTH:
        year, month = map(int, _MONTH.match(key).groups())
        first, months = datetime.date(year, month, 1), 1
    elif kind == PeriodKind.QUARTER:
        year, quarter = map(int, _QUARTER.match(key).groups())
        first, months = datetime.date(year, 3 * (quarter - 1) + 1, 1), 3
    else:
        first, months = datetime.date(int(key), 1, 1), 12
    index = first.year * 12 + first.month - 1 + months
    after = datetime.date(index // 12, index % 12 + 1, 1)
    return _midnight(first), _midnight(after)


def day_bounds(at: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of the Shanghai calendar day containing ``at``."""
    day = local_date(at)
    return _midnight(day), _midnight(day + datetime.timedelta(days=1))


def period_label(key: str) -> str:
    """“2026年5月”, “2026年第2季度”, “2026年”, “累计”."""
    kind = period_kind(key)
    if kind == PeriodKind.ALL:
        return str(_("累计"))
    if kind == PeriodKind.MONTH:
        year, month = map(int, _MONTH.match(key).groups())
        return str(_("%(year)d年%(month)d月") % {"year": year, "month": month})
    if kind == PeriodKind.QUARTER:
        year, quarter = map(int, _QUARTER.match(key).groups())
        return str(_("%(year)d年第%(quarter)d季度") % {"year": year, "quarter": quarter})
    return str(_("%(year)d年") % {"year": int(key)})
