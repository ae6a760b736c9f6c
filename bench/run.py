"""``make bench``: check-in, home page, QR and memory figures, each against the bare view.

A shared, noisy machine cannot say "fast" in absolute numbers, so every request is
measured against the cheapest one the same stack serves (``/bench/bare``, routed only
under ``BENCH=1``), in the same run, on the same server, rounds interleaved so that
drift cancels in the ratio. Each figure is the median of the rounds.

What it does, in order:

1. makes sure PostgreSQL and Redis are up (starts them if not);
2. creates a fresh bench database (``shazhou_bench``), migrates, runs ``seed_demo`` and
   ``collectstatic`` (production serves static files through the manifest);
3. gives ``--people`` residents a login and a session, as if each had logged in on
   their phone, and publishes one activity open to everyone;
4. starts two gunicorns as production runs them (docs/deploy.md), on loopback: A with
   the page cache, B with it off (``CMS_PAGE_CACHE_SECONDS=0``);
5. rounds: bare (A), check-in (A), cached home (A), bare (B), uncached home (B), each
   for ``--seconds``, the order rotating from round to round;
6. checks that every accepted check-in wrote its Attendance row, times the QR images,
   writes ``bench/results.json`` (keeping keys it does not own) and prints a table;
7. runs ``python -m bench.ranking`` when that file exists.

Each check-in is a real one: a distinct person's session GETs ``/c/<token>`` with the
token the organiser's screen would show (minted afresh each round, as the screen
rotates it), through gunicorn, the rate limits in Redis and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import io
import itertools
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_PATH = ROOT / "bench" / "results.json"
LOG_DIR = ROOT / "var" / "bench"

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shazhou_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"

# shazhou-web.service in docs/deploy.md; only the address differs. Keep the two in step.
GUNICORN_ARGS = (
    "--workers",
    "4",
    "--threads",
    "2",
    "--timeout",
    "30",
    "--max-requests",
    "2000",
    "--max-requests-jitter",
    "200",
    "--access-logfile",
    "-",
)

# Each round measures every kind once; A is the server with the page cache, B without.
KINDS = ("bare", "checkin", "home_cached", "bare_nocache", "home_uncached")
SERVER_OF = {
    "bare": "A",
    "checkin": "A",
    "home_cached": "A",
    "bare_nocache": "B",
    "home_uncached": "B",
}

# The keys issue 8 asks for, in its order, with unit and target (for the table).
FIGURES = (
    ("checkin_rps", "req/s", None),
    ("bare_rps", "req/s", None),
    ("checkin_ratio", "×bare", ("≥", 0.5)),
    ("checkin_p50_ms", "ms", None),
    ("checkin_p99_ms", "ms", None),
    ("ranking_ms_1k", "ms", None),
    ("ranking_ms_100k", "ms", ("≤", 30)),
    ("ranking_ratio", "×", ("≤", 2)),
    ("home_uncached_ratio", "×bare", None),
    ("home_cached_ratio", "×bare", ("≥", 0.7)),
    ("qr_svg_ms", "ms", None),
    ("qr_png_ms", "ms", None),
    ("worker_peak_rss_mb", "MB", None),
)
CHECKIN_OK_MARK = b"checkin-result--ok"


# --- Pure helpers (tests/bench/test_bench_smoke.py) -------------------------------------


def median(values: Iterable[float]) -> float:
    values = list(values)
    if not values:
        raise ValueError("median of nothing")
    return float(statistics.median(values))


def percentile(values: Iterable[float], q: float) -> float:
    """The nearest-rank percentile (``q`` in 0–100): a value that was actually observed."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of nothing")
    if not 0 <= q <= 100:
        raise ValueError(q)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil without floats drifting
    return float(ordered[int(rank) - 1])


def interleave(kinds: Iterable[str], rounds: int) -> list[tuple[int, str]]:
    """Every kind once per round, the order rotating so none always runs first (or last)."""
    kinds = list(kinds)
    schedule = []
    for number in range(rounds):
        shift = number % len(kinds) if kinds else 0
        schedule.extend((number, kind) for kind in kinds[shift:] + kinds[:shift])
    return schedule


def paired_ratios(measured: list[float], reference: list[float]) -> list[float]:
    """Round by round, measured ÷ its reference of the same round."""
    if len(measured) != len(reference):
        raise ValueError("rounds differ")
    return [m / r for m, r in zip(measured, reference, strict=True) if r > 0]


def merge_results(path: Path, new: dict) -> dict:
    """Read-modify-write ``path``: our keys replaced, everyone else's kept.

    The ranking benchmark writes the same file; the temporary file and the rename make
    each write whole, so a reader never sees half a file.
    """
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        current = {}
    if not isinstance(current, dict):
        current = {}
    current.update(new)
    merged = dict(sorted(current.items()))
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return merged


def format_table(results: dict) -> str:
    """The figures of issue 8 as a table; a target that does not hold says so."""
    lines = [f"{'figure':<22} {'value':>12}  {'unit':<6} target", "-" * 56]
    for key, unit, target in FIGURES:
        value = results.get(key)
        if not isinstance(value, int | float):
            lines.append(f"{key:<22} {'—':>12}  {unit:<6} {'not measured'}")
            continue
        verdict = ""
        if target is not None:
            op, bound = target
            holds = value >= bound if op == "≥" else value <= bound
            verdict = f"{op} {bound}  {'ok' if holds else 'MISSED'}"
        lines.append(f"{key:<22} {value:>12.2f}  {unit:<6} {verdict}")
    return "\n".join(lines)


def format_split(split: dict) -> str:
    """CPU ms per request by process group, for the check-in and the bare view."""
    lines = ["", "CPU ms per request (median of the phases read whole)"]
    groups = ("gunicorn", "postgres", "redis", "client", "total")
    lines.append(f"{'':<10}" + "".join(f"{group:>10}" for group in groups))
    for kind in ("checkin", "bare"):
        row = split.get(kind)
        if not row:
            lines.append(f"{kind:<10} not measured")
            continue
        lines.append(f"{kind:<10}" + "".join(f"{row.get(group, 0):>10.2f}" for group in groups))
    return "\n".join(lines)


def forwarded_ip(n: int) -> str:
    """A distinct client address for the n-th phone, inside loopback (127.0.0.0/8)."""
    n += 1 << 16  # keep clear of 127.0.0.x
    return f"127.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


# --- Services ------------------------------------------------------------------------------


def port_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def wait_for(predicate: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise SystemExit(f"bench: {what} did not come up within {seconds:.0f} s")


def ensure_postgres(url: str) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    if port_open(host, port):
        return
    print(f"bench: starting PostgreSQL on {host}:{port}")
    for version in sorted(os.listdir("/etc/postgresql")):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False
        )
    wait_for(lambda: port_open(host, port), seconds=30, what="PostgreSQL")


def ensure_redis(url: str) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    if port_open(host, port):
        return
    print(f"bench: starting Redis on {host}:{port}")
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )
    wait_for(lambda: port_open(host, port), seconds=15, what="Redis")


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"bench: refusing an odd database name {name!r}")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_environment(*, database_url: str, redis_url: str, secret_key: str) -> dict[str, str]:
    """Production settings, for loopback: the same safeguards, only SSL redirect off.

    ``TRUSTED_PROXY_COUNT=1`` is what production runs behind nginx; the load generator
    plays nginx's part and names each phone's address in X-Forwarded-For, so the per-IP
    scan limit counts phones, not the one loopback address.
    """
    return {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_PREFIX": "shazhou-bench",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "TRUSTED_PROXY_COUNT": "1",
        "BENCH": "1",
        "LOG_LEVEL": "WARNING",
    }


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: io.TextIOWrapper

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        return child_pids(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn's graceful shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start_server(name: str, env: dict[str, str]) -> Server:
    port = free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(LOG_DIR / f"gunicorn-{name}.log", "w", encoding="utf-8")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            *GUNICORN_ARGS,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(name=name, port=port, process=process, log=log)

    def ready() -> bool:
        if process.poll() is not None:
            raise SystemExit(f"bench: gunicorn {name} exited; see {log.name}")
        return port_open("127.0.0.1", port) and len(server.workers()) >= 4

    try:
        wait_for(ready, seconds=60, what=f"gunicorn {name}")
    except BaseException:
        server.stop()
        raise
    return server


def child_pids(parent: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command may hold spaces and parentheses: the fields follow the last ")".
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1] == str(parent):
            children.append(int(entry))
    return children


def status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class PeakRss:
    """Samples the peak RSS (VmHWM) of a server's workers while ``active`` is set.

    Workers are recycled after --max-requests, so they are looked up at every sample.
    """

    def __init__(self, server: Server, interval: float = 0.1):
        self.server = server
        self.interval = interval
        self.active = threading.Event()
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.active.is_set():
                for pid in self.server.workers():
                    self.peak_kb = max(self.peak_kb, status_kb(pid, "VmHWM"))
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def pids_named(name: str) -> list[int]:
    """Processes whose command name is ``name`` (PostgreSQL's backends, the Redis server)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{entry}/comm").read_text().strip() == name:
                    found.append(int(entry))
    return found


def cpu_ticks(pids: Iterable[int]) -> dict[int, int]:
    """User + system CPU clock ticks of each process still alive."""
    ticks = {}
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
            ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


class CpuSplit:
    """Where a phase's CPU went, in milliseconds per request: our gunicorn (master and
    workers), PostgreSQL, Redis and the load generator itself.

    Read from /proc before and after the phase. A worker recycled by --max-requests
    during the phase takes its ticks with it, so such a phase is left out (``None``).
    """

    def __init__(self, server: Server):
        self.server = server
        self.tick_ms = 1000 / os.sysconf("SC_CLK_TCK")

    def groups(self) -> dict[str, list[int]]:
        return {
            "gunicorn": [self.server.process.pid, *self.server.workers()],
            "postgres": pids_named("postgres"),
            "redis": pids_named("redis-server"),
            "client": [os.getpid()],
        }

    def start(self) -> dict[str, dict[int, int]]:
        return {group: cpu_ticks(pids) for group, pids in self.groups().items()}

    def per_request(self, before: dict[str, dict[int, int]], requests: int):
        if not requests:
            return None
        split = {}
        for group, ticks in before.items():
            after = cpu_ticks(ticks)
            if len(after) < len(ticks) and group == "gunicorn":
                return None  # a worker was recycled mid-phase
            spent = sum(after[pid] - ticks[pid] for pid in after)
            split[group] = spent * self.tick_ms / requests
        return split


def median_split(splits: list) -> dict[str, float] | None:
    """Group by group, the median over the phases that could be read whole."""
    whole = [split for split in splits if split]
    if not whole:
        return None
    split = {group: round(median(s[group] for s in whole), 2) for group in whole[0]}
    split["total"] = round(sum(split.values()), 2)
    split["phases"] = len(whole)
    return split


# --- Load ----------------------------------------------------------------------------------


@dataclass
class Phase:
    kind: str
    ok: int = 0
    failed: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0


async def _drive(
    kind: str,
    request: Callable[[int], tuple[str, dict[str, str]]],
    accept: Callable[[int, dict, bytes], bool],
    *,
    seconds: float,
    concurrency: int,
    budget: int | None,
) -> Phase:
    import aiohttp

    phase = Phase(kind)
    numbers = itertools.count()
    # No cookie jar: every anonymous request is a new visitor; a check-in sends its own.
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), timeout=timeout
    ) as session:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                number = next(numbers)
                if budget is not None and number >= budget:
                    return
                url, headers = request(number)
                sent = time.perf_counter()
                try:
                    async with session.get(url, headers=headers, allow_redirects=False) as response:
                        body = await response.read()
                        status, response_headers = response.status, dict(response.headers)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    phase.failed += 1
                    phase.failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                phase.latencies.append(time.perf_counter() - sent)
                if accept(status, response_headers, body):
                    phase.ok += 1
                else:
                    phase.failed += 1
                    phase.failures.append(f"{status} {body[:160]!r}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        phase.elapsed = time.perf_counter() - started
    return phase


def drive(kind, request, accept, *, seconds, concurrency, budget=None) -> Phase:
    return asyncio.run(
        _drive(kind, request, accept, seconds=seconds, concurrency=concurrency, budget=budget)
    )


# --- Django-side preparation (after django.setup()) ---------------------------------------


def prepare_database(*, people: int) -> None:
    from django.core.management import call_command

    quiet = io.StringIO()
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
    print(f"bench: migrated ({time.perf_counter() - started:.0f} s)")
    started = time.perf_counter()
    call_command("seed_demo", people=people, stdout=quiet)
    print(f"bench: seed_demo --people {people} ({time.perf_counter() - started:.0f} s)")
    started = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)
    print(f"bench: collectstatic ({time.perf_counter() - started:.0f} s)")


def prepare_phones(count: int) -> list[str]:
    """``count`` residents, each with a login and a live session: their session keys.

    As if each had logged in on a phone beforehand. Logging in through the form would
    spend ~0.3 s of password hashing per person and measure the login, not the scan.
    """
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.cache import caches
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from volunteers.models import Person

    User = get_user_model()
    people = list(
        Person.objects.filter(Q(user__isnull=True) | Q(user__username__startswith="bench-"))
        .select_related("user")
        .order_by("pk")[:count]
    )
    if len(people) < count:
        raise SystemExit(f"bench: only {len(people)} residents to check in; raise --people")
    with transaction.atomic():
        missing = [person for person in people if person.user is None]
        unusable = make_password(None)  # cannot log in by password; the session is the login
        users = User.objects.bulk_create(
            [User(username=f"bench-{person.pk}", password=unusable) for person in missing]
        )
        for person, user in zip(missing, users, strict=True):
            person.user = user
        Person.objects.bulk_update(missing, ["user"], batch_size=1000)
        store = SessionStore()
        expires = timezone.now() + datetime.timedelta(hours=2)
        sessions = []
        for person in people:
            data = {
                SESSION_KEY: str(person.user.pk),
                BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                HASH_SESSION_KEY: person.user.get_session_auth_hash(),
            }
            key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
            sessions.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expires)
            )
        Session.objects.bulk_create(sessions, batch_size=1000)
    # A login through the configured engine also writes the session to the cache
    # (cached_db); do what it does, so the first scan reads it from there, as it would.
    engine = import_module(settings.SESSION_ENGINE)
    prefix = getattr(engine.SessionStore, "cache_key_prefix", None)
    if prefix:
        caches[settings.SESSION_CACHE_ALIAS].set_many(
            {
                prefix + session.session_key: store.decode(session.session_data)
                for session in sessions
            },
            timeout=int((expires - timezone.now()).total_seconds()),
        )
    return [session.session_key for session in sessions]


def prepare_activity() -> int:
    """An activity running now, open to everyone, no sign-up, no geofence: scan and go."""
    from django.utils import timezone

    from volunteers.models import Activity, ActivityCategory, Organisation
    from volunteers.services.activities import activity_create

    now = timezone.now()
    activity = activity_create(
        organisation=Organisation.objects.get(kind=Organisation.Kind.TOWN),
        title=f"压力测试签到 {timezone.localtime(now):%H:%M:%S}",
        category=ActivityCategory.objects.order_by("sort_order", "pk").first(),
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=2),
        address="沙州镇政府门前广场",
        audience=Activity.Audience.EVERYONE,
        signup_required=False,
    )
    return activity.pk


def checkin_token(activity_id: int) -> str:
    from core.tokens import Purpose, make_token

    return make_token(purpose=Purpose.CHECK_IN, subject_id=activity_id)


def attendance_count(activity_id: int) -> int:
    from django.db import connections

    from volunteers.models import Attendance

    connections.close_all()  # a fresh look, not a long-held connection's snapshot
    return Attendance.objects.filter(activity_id=activity_id, removed_at__isnull=True).count()


def time_qr(*, rounds: int, per_round: int, token: str) -> tuple[float, float]:
    """Milliseconds per SVG and per PNG of a real scan URL: medians of interleaved batches."""
    from core.qr import qr_png, qr_svg

    data = f"https://shazhou.example.cn/c/{token}"
    svg, png = [], []
    makers = [(qr_svg, svg), (qr_png, png)]
    for _round in range(rounds):
        makers.reverse()  # neither always runs first
        for make, sink in makers:
            started = time.perf_counter()
            for _ in range(per_round):
                make(data)
            sink.append((time.perf_counter() - started) * 1000 / per_round)
    return median(svg), median(png)


# --- The run -------------------------------------------------------------------------------


def machine() -> dict[str, str | int]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count() or 0,
        "cpu": cpu or platform.processor(),
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (≥ 5)")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument(
        "--checkins-per-round", type=int, default=1000, help="most check-ins in one round"
    )
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="keep an existing, seeded bench database (quicker; for working on the bench)",
    )
    args = parser.parse_args(argv)
    if args.rounds < 5:
        parser.error("issue 8 asks for at least 5 rounds")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens under make
    started = time.perf_counter()
    parent_env = dict(os.environ)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    ensure_postgres(database_url)
    ensure_redis(redis_url)

    warmup_checkins = 100
    phones_needed = args.rounds * args.checkins_per_round + warmup_checkins
    people = phones_needed + 100
    if not args.reuse_db:
        recreate_database(database_url)

    settings_env = bench_environment(
        database_url=database_url, redis_url=redis_url, secret_key=secrets.token_urlsafe(50)
    )
    os.environ.update(settings_env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    if args.reuse_db:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
    else:
        prepare_database(people=people)
    sessions = prepare_phones(phones_needed)
    activity_id = prepare_activity()
    print(f"bench: {len(sessions)} phones logged in; activity {activity_id} open")

    server_env = {**parent_env, **settings_env}
    servers: dict[str, Server] = {}
    try:
        servers["A"] = start_server("A", server_env)
        servers["B"] = start_server("B", {**server_env, "CMS_PAGE_CACHE_SECONDS": "0"})
        results = measure(args, servers, sessions, activity_id, warmup_checkins)
    finally:
        for server in servers.values():
            server.stop()

    svg_ms, png_ms = time_qr(rounds=9, per_round=20, token=checkin_token(activity_id))
    results["qr_svg_ms"], results["qr_png_ms"] = round(svg_ms, 2), round(png_ms, 2)
    results["_meta"] = {
        **machine(),
        "command": "make bench",
        "rounds": args.rounds,
        "seconds": args.seconds,
        "concurrency": args.concurrency,
        "gunicorn": " ".join(GUNICORN_ARGS[:-2]),
    }
    merged = merge_results(RESULTS_PATH, results)
    ranking = ROOT / "bench" / "ranking.py"
    if ranking.exists():
        print("bench: running python -m bench.ranking")
        done = subprocess.run([sys.executable, "-m", "bench.ranking"], cwd=ROOT, env=parent_env)
        if done.returncode:
            print(f"bench: bench.ranking failed (exit {done.returncode}); its figures are stale")
        merged = json.loads(RESULTS_PATH.read_text(encoding="utf-8"))
    else:
        print("bench: bench/ranking.py is not there yet; the ranking figures are skipped")
    print()
    print(format_table(merged))
    print(format_split(merged.get("cpu_ms_per_request") or {}))
    took = time.perf_counter() - started
    print(f"\nbench: wrote {RESULTS_PATH.relative_to(ROOT)} in {took:.0f} s")
    return 0 if results.get("checkin_errors", 1) == 0 else 1


def measure(args, servers: dict[str, Server], sessions: list[str], activity_id: int, warmup: int):
    phones = iter(enumerate(sessions))
    token = {"value": checkin_token(activity_id)}

    def anonymous(server: Server, path: str):
        url = server.base + path
        return lambda number: (url, {})

    def checkin_request(number: int):
        index, key = next(phones)
        return (
            f"{servers['A'].base}/c/{token['value']}",
            {"Cookie": f"sessionid={key}", "X-Forwarded-For": forwarded_ip(index)},
        )

    def ok(status, headers, body) -> bool:
        return status == 200

    def checked_in(status, headers, body) -> bool:
        return status == 200 and CHECKIN_OK_MARK in body

    def page(cached: bool):
        def accept(status, headers, body) -> bool:
            return status == 200 and (headers.get("X-Cache") == "HIT") == cached

        return accept

    requests = {
        "bare": (anonymous(servers["A"], "/bench/bare"), ok),
        "checkin": (checkin_request, checked_in),
        "home_cached": (anonymous(servers["A"], "/"), page(True)),
        "bare_nocache": (anonymous(servers["B"], "/bench/bare"), ok),
        "home_uncached": (anonymous(servers["B"], "/"), page(False)),
    }
    concurrency = args.concurrency
    # Warm every worker: connections, templates, the page cache. The warm-up check-ins are
    # real too, so a refused one stops the run before anything is measured.
    request, accept = requests["checkin"]
    warm = drive("checkin", request, accept, seconds=30, concurrency=concurrency, budget=warmup)
    if warm.failed:
        raise SystemExit(f"bench: warm-up check-ins refused: {warm.failures[:3]}")
    accepted = warm.ok
    for kind in KINDS:
        if kind != "checkin":
            drive(kind, requests[kind][0], lambda *a: True, seconds=1.0, concurrency=concurrency)

    measured: dict[str, list[Phase]] = {kind: [] for kind in KINDS}
    meter = CpuSplit(servers["A"])
    splits: dict[str, list] = {"checkin": [], "bare": []}
    with PeakRss(servers["A"]) as rss:
        for number, kind in interleave(KINDS, args.rounds):
            request, accept = requests[kind]
            budget = None
            if kind == "checkin":
                token["value"] = checkin_token(activity_id)  # the screen's code of the moment
                budget = args.checkins_per_round
                rss.active.set()
            before = meter.start() if kind in splits else None
            phase = drive(
                kind, request, accept, seconds=args.seconds, concurrency=concurrency, budget=budget
            )
            rss.active.clear()
            if before is not None:
                splits[kind].append(meter.per_request(before, phase.ok + phase.failed))
            measured[kind].append(phase)
            if kind == "checkin":
                accepted += phase.ok
            print(
                f"bench: round {number + 1} {kind:<14} {phase.rps:8.1f} req/s"
                + (f"  {phase.failed} failed: {phase.failures[:2]}" if phase.failed else "")
            )
        # Workers alive at the end have seen the whole load; read their peak once more.
        rss.active.set()
        time.sleep(rss.interval * 3)

    rows = attendance_count(activity_id)
    rps = {kind: [phase.rps for phase in phases] for kind, phases in measured.items()}
    latencies = [seconds for phase in measured["checkin"] for seconds in phase.latencies]
    failed = sum(phase.failed for phases in measured.values() for phase in phases)
    results = {
        "checkin_rps": median(rps["checkin"]),
        "bare_rps": median(rps["bare"]),
        "checkin_ratio": median(paired_ratios(rps["checkin"], rps["bare"])),
        # Latencies are pooled over the rounds: a round holds too few for its own p99.
        "checkin_p50_ms": percentile(latencies, 50) * 1000,
        "checkin_p99_ms": percentile(latencies, 99) * 1000,
        "home_cached_ratio": median(paired_ratios(rps["home_cached"], rps["bare"])),
        "home_uncached_ratio": median(paired_ratios(rps["home_uncached"], rps["bare_nocache"])),
        "home_cached_rps": median(rps["home_cached"]),
        "home_uncached_rps": median(rps["home_uncached"]),
        "bare_nocache_rps": median(rps["bare_nocache"]),
        "worker_peak_rss_mb": round(rss.peak_kb / 1024, 1),
        "checkin_attendances": rows,
        "checkin_errors": failed + abs(rows - accepted),
    }
    if rows != accepted:
        print(f"bench: {accepted} check-ins answered 签到成功 but {rows} Attendance rows exist")
    if failed:
        print(f"bench: {failed} requests failed or answered wrong")
    results = {
        key: round(value, 2) if isinstance(value, float) else value
        for key, value in results.items()
    }
    # Not a target: the reason behind checkin_ratio, in CPU milliseconds per request.
    results["cpu_ms_per_request"] = {kind: median_split(found) for kind, found in splits.items()}
    return results


if __name__ == "__main__":
    sys.exit(main())
