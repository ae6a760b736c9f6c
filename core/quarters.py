"""Calendar quarters (季度) keyed ``2026Q4``, read in the site's time zone (Asia/Shanghai).

The 双项认领卡, the 项目清单 and the 四大提升行动 are all kept per quarter. ``points.periods``
has its own period keys for the ledger (the same ``YYYYQn`` spelling), but volunteers may
not import points: this is the small shared piece below both.
"""

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

_KEY = re.compile(r"^(\d{4})Q([1-4])$")
# Keys outside these years are refused as junk: nothing in the town predates 2000, and a
# year like 0001 or 9999 would only make date arithmetic overflow.
FIRST_YEAR = 2000
LAST_YEAR = 2999


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1 to 4

    @classmethod
    def of(cls, day: datetime.date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def current(cls) -> "Quarter":
        """The quarter of today in the site's time zone."""
        return cls.of(timezone.localdate())

    @classmethod
    def parse(cls, key: str) -> "Quarter":
        """``2026Q4`` → ``Quarter(2026, 4)``; ``ValueError`` for anything else."""
        match = _KEY.match((key or "").strip().upper())
        if match is None:
            raise ValueError(f"Not a quarter key: {key!r}")
        year, number = int(match.group(1)), int(match.group(2))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(f"Quarter year out of range: {key!r}")
        return cls(year, number)

    @property
    def key(self) -> str:
        return f"{self.year:04d}Q{self.number}"

    @property
    def label(self) -> str:
        """2026年第4季度 (Q4 2026 in English): how the card and its PDF name the quarter;
        the same words as points' period labels."""
        return gettext("%(year)d年第%(quarter)d季度") % {"year": self.year, "quarter": self.number}

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 3 * (self.number - 1) + 1, 1)

    @property
    def last_day(self) -> datetime.date:
        return self.next.first_day - datetime.timedelta(days=1)

    @property
    def next(self) -> "Quarter":
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    @property
    def previous(self) -> "Quarter":
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) as aware datetimes: midnight of its first day, and of the next's."""
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.first_day, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(self.next.first_day, datetime.time.min, tzinfo=zone)
        return start, end

    def __str__(self) -> str:
        return self.key
