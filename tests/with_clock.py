"""Run a command with every clock it reads moved to another instant (Debian's libfaketime).

    python3 tests/with_clock.py leap-day -- make test
    python3 tests/with_clock.py "2028-02-29 23:58:30" -- make test    # Asia/Shanghai

``quarter-end`` and ``leap-day`` are reckoned from today, so they never fall behind it:
23:58:30 on the last day of the first quarter that ends at least a year from now, and on
the first 29 February at least a year from now. Ninety seconds after the run starts, its
clock crosses a midnight into a new day, month (and quarter, or year): tests that straddle
it, or that read "this month" from a clock that moved on, fail there. The instant and the
offset are printed first, so a failure can be run again at the same place.

The clock keeps ticking from the instant (libfaketime's relative offset, so every process
the command starts, from pytest's workers to a Celery worker, agrees on the time). The
servers outside (PostgreSQL, Redis) keep the real clock; the code reads time only in Python.
"""

import datetime
import os
import shlex
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

SHAZHOU = ZoneInfo("Asia/Shanghai")
LIBRARIES = [
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
]
BEFORE_MIDNIGHT = datetime.time(23, 58, 30)


def _last_day_of_quarter(day: datetime.date) -> datetime.date:
    last_month = (day.month - 1) // 3 * 3 + 3
    first_of_next = datetime.date(day.year + last_month // 12, last_month % 12 + 1, 1)
    return first_of_next - datetime.timedelta(days=1)


def _next_leap_day(day: datetime.date) -> datetime.date:
    year = day.year
    while True:
        try:
            leap = datetime.date(year, 2, 29)
        except ValueError:
            year += 1
            continue
        if leap >= day:
            return leap
        year += 1


def instant(name: str, now: datetime.datetime) -> datetime.datetime:
    """The instant a name stands for, in Shazhou, reckoned from ``now``."""
    a_year_on = (now.astimezone(SHAZHOU) + datetime.timedelta(days=366)).date()
    if name == "quarter-end":
        day = _last_day_of_quarter(a_year_on)
    elif name == "leap-day":
        day = _next_leap_day(a_year_on)
    else:
        return datetime.datetime.fromisoformat(name).replace(tzinfo=SHAZHOU)
    return datetime.datetime.combine(day, BEFORE_MIDNIGHT, tzinfo=SHAZHOU)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    library = next((path for path in LIBRARIES if Path(path).exists()), None)
    if library is None:
        print("libfaketime is missing: apt-get install faketime", file=sys.stderr)
        return 2
    now = datetime.datetime.now(datetime.UTC)
    to = instant(argv[0], now)
    offset = int((to - now).total_seconds())
    print(
        f"=== clock moved to {to:%Y-%m-%d %H:%M:%S} Asia/Shanghai "
        f"(FAKETIME=+{offset}s); again: python3 tests/with_clock.py "
        f'"{to:%Y-%m-%d %H:%M:%S}" -- {shlex.join(argv[2:])}',
        flush=True,
    )
    env = {**os.environ, "LD_PRELOAD": library, "FAKETIME": f"+{offset}s"}
    return subprocess.call(argv[2:], env=env)  # noqa: S603 -- the caller's own command


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
