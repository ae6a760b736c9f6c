"""``make api-fuzz``: Schemathesis against a live server on the demo data (issue 19).

    .venv/bin/python tests/api_fuzz.py [--examples N] [--role NAME ...] [--parallel N]
                                       [--reuse-db]    # keep the seeded database for next time

Not a pytest module (its name does not match ``test_*.py``): a script that .ci/run runs
after the three test passes. It

1. makes a fresh PostgreSQL database: ``API_FUZZ_DATABASE_URL``, else the server of
   ``DATABASE_URL`` with the database ``shazhou_api_fuzz`` (so a developer's own database is
   never the one dropped), else postgres://postgres@127.0.0.1:5432/shazhou_api_fuzz; Redis
   likewise (``API_FUZZ_REDIS_URL``, else database 14 of ``REDIS_URL``'s server, else
   redis://127.0.0.1:6379/14); migrates it and runs ``seed_demo``;
2. serves it with gunicorn ``config.wsgi`` (2 workers, production settings on loopback, as
   ``make bench`` does) on a free port and waits for ``/health/``;
3. fetches ``/api/v1/openapi.json`` and validates it with openapi-spec-validator;
4. runs ``schemathesis run`` on that schema once per role: anonymous, each demo account
   (``demo.town.DEMO_ACCOUNTS``: admin, secretary, leader, partymember, volunteer, contact,
   newcomer, gridworker; each with ``Authorization: Bearer`` and a token from
   ``manage.py api_token``, so no login rate limit is in the way) and the demo town's API
   key (``X-API-Key``, on the /town operations; skipped while the demo has none), with the
   checks not_a_server_error, status_code_conformance, content_type_conformance and
   response_schema_conformance, a fixed seed and a bounded number of examples;
5. prints a summary per role (operations, cases, failures) and exits 1 on any failure,
   with the server's tracebacks of its 5xx answers. The server is always stopped and the
   database dropped.

The mini-program login asks a fake WeChat started here (no internet): a made-up code is
refused as WeChat refuses one, or belongs to an unbound openid. Schemathesis's own report of
a failure (the operation, the request as a curl command, the
response and what did not conform) is printed as it comes, one role after another; the
server's log is var/api-fuzz/gunicorn.log.

Cost, measured on the two-core development machine with 55 operations in the schema (and
other people's test runs beside it, load 3 to 5): setup 59 s (migrate 22 s, seed_demo 31 s,
collectstatic and gunicorn 6 s), then 145 s of fuzzing, 204 s in all (228 s of CPU in this
script, Schemathesis and gunicorn, plus PostgreSQL's). Examples 10 an operation; per role:

    role          phases                               cases   wall (two roles at a time)
    anonymous     examples, coverage, fuzzing, stateful  3041   35 s
    leader, volunteer  (the same four)                   2850   42-46 s each
    admin, secretary, partymember, contact, newcomer, gridworker
                  examples, fuzzing, stateful             550   14-25 s each
    town_key      the four, on the 2 /town operations     112    4 s

The coverage phase (deterministic boundary and malformed values, ~50 cases an operation) is
most of the time, so only three roles run it (anonymous for the sign-ins, a volunteer and
an organiser for the rest): they reach every check the others do, and the
others still fuzz their own permissions. Extrapolated to ~60 operations: ~220 s here, ~150 s
on an idle two-core CI machine: inside the 5 minutes .ci/run allows this step.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.servers import free_port  # noqa: E402
from bench.services import (  # noqa: E402
    ensure_postgres,
    ensure_redis,
    port_open,
    recreate_database,
)

DATABASE_NAME = "shazhou_api_fuzz"
DEFAULT_DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}"
REDIS_DB = 14
DEFAULT_REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
LOG_DIR = ROOT / "var" / "api-fuzz"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")

# The demo town's key for the county's 智慧敦煌 platform (demo.town), when the demo has one.
DEMO_TOWN_KEY = "szk_demo_zhihuidunhuang_2026"

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
SEED = 19  # issue 19: the same cases every run, so a red CI run can be run again as is
EXAMPLES = 10
# Operations that would end the fuzzing role's own sign-in halfway through its run (every
# later request would answer 401): signing out (logout, logout_all…) and revoking sign-ins
# (session_revoke…). Left out for the signed-in roles only; anonymous fuzzes them too.
OWN_TOKEN_ENDERS = r"logout|revoke"
PARALLEL = 2
ALL_PHASES = "examples,coverage,fuzzing,stateful"
FEWER_PHASES = "examples,fuzzing,stateful"
# The roles that also run the coverage phase (Schemathesis's deterministic boundary and
# malformed values, ~50 cases an operation: most of the time). The others reach the same
# validation; they run the examples, fuzzing and stateful phases, for their permissions.
COVERED = {"volunteer", "leader"}


@dataclass
class Role:
    name: str
    headers: dict[str, str] = field(default_factory=dict)
    only_paths: str = ""  # a regex of the paths the role fuzzes; empty: every path
    signed_in: bool = False
    phases: str = ""


@dataclass
class Outcome:
    role: Role
    returncode: int
    seconds: float
    output: str
    operations: int = 0
    cases: int = 0
    failures: int = 0
    errors: int = 0

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def fuzz_urls() -> tuple[str, str]:
    """The database and Redis the run owns (see the module's docstring)."""
    database = os.environ.get("API_FUZZ_DATABASE_URL")
    if not database:
        given = os.environ.get("DATABASE_URL", "")
        database = (
            urlunsplit(urlsplit(given)._replace(path=f"/{DATABASE_NAME}"))
            if given.startswith("postgres")
            else DEFAULT_DATABASE_URL
        )
    redis = os.environ.get("API_FUZZ_REDIS_URL")
    if not redis:
        given = os.environ.get("REDIS_URL", "")
        redis = (
            urlunsplit(urlsplit(given)._replace(path=f"/{REDIS_DB}"))
            if given.startswith("redis")
            else DEFAULT_REDIS_URL
        )
    return database, redis


def server_environment(
    database_url: str, redis_url: str, media: Path, wechat: str
) -> dict[str, str]:
    """Production settings on loopback (as ``make bench``), in a sandbox of their own."""
    return {
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_PREFIX": f"shazhou-api-fuzz-{secrets.token_hex(4)}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(media / "media"),
        "PRIVATE_MEDIA_ROOT": str(media / "private"),
        # Longer than the run, so no role's token expires halfway.
        "API_ACCESS_TOKEN_MINUTES": "60",
        # No internet: the mini-program login asks our FakeWeChat (fake_wechat).
        "WECHAT_API_BASE_URL": wechat,
        "WECHAT_MINIPROGRAM_APP_ID": "wx-api-fuzz",
        "WECHAT_MINIPROGRAM_SECRET": secrets.token_hex(16),
    }


def prepare_database(*, seed: bool) -> list[str]:
    """Migrate, seed the demo town, collect the static files; the demo's usernames."""
    import django
    from django.core.management import call_command

    django.setup()
    from demo.town import DEMO_ACCOUNTS

    quiet = io.StringIO()
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
    migrated = time.perf_counter()
    if seed:
        call_command("seed_demo", stdout=quiet)
    seeded = time.perf_counter()
    # Production's manifest storage: a page with {% static %} (a 404 page) needs it.
    call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)
    print(
        f"api-fuzz: migrated in {migrated - started:.0f} s, seeded the demo town in "
        f"{seeded - migrated:.0f} s, collected the static files in "
        f"{time.perf_counter() - seeded:.0f} s"
    )
    return [account.username for account in DEMO_ACCOUNTS]


def access_token(username: str) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("api_token", username, name="make api-fuzz", stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


class FakeWeChat(BaseHTTPRequestHandler):
    """``/sns/jscode2session`` without the internet: a code of odd length is refused as
    WeChat refuses a bad one (errcode 40029: the API's 400), any other belongs to an openid
    of its own (unbound: the API asks for the phone). Both of the API's ways are fuzzed."""

    def do_GET(self) -> None:
        code = parse_qs(urlsplit(self.path).query).get("js_code", [""])[0]
        if len(code) % 2:
            answer = {"errcode": 40029, "errmsg": "invalid code"}
        else:
            openid = "oFuzz" + hashlib.sha256(code.encode()).hexdigest()[:23]
            answer = {"openid": openid, "session_key": "c2Vzc2lvbg=="}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def fake_wechat() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeWeChat)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn's graceful shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def serving(env: dict[str, str]) -> Iterator[Server]:
    port = free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / "gunicorn.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(  # noqa: S603 (our own gunicorn)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "2",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process=process, port=port, log=log)
    try:
        wait_for_health(server)
        yield server
    finally:
        server.stop()


def wait_for_health(server: Server, seconds: float = 60) -> None:
    """Until /health/ answers with the database and the cache up. Its 503 is expected: no
    Celery beat runs beside this server, so the ``beat`` check fails; the API needs none."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"api-fuzz: gunicorn exited; see {server.log}")
        if port_open("127.0.0.1", server.port) and healthy(f"{server.base}/health/"):
            return
        time.sleep(0.3)
    raise SystemExit(f"api-fuzz: /health/ did not answer within {seconds:.0f} s")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (loopback)
            checks = json.load(answer)["checks"]
    except urllib.error.HTTPError as unfit:
        checks = json.load(unfit).get("checks", {})
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        return False
    return all(checks.get(name, {}).get("ok") for name in ("database", "cache", "broker"))


def fetch_schema(base: str) -> dict:
    with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=30) as answer:  # noqa: S310
        return json.load(answer)


def validate_schema(schema: dict) -> list[str]:
    """The operations' ids, once openapi-spec-validator has found the schema valid."""
    from openapi_spec_validator import validate

    validate(schema)
    return [
        operation.get("operationId", f"{method.upper()} {path}")
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "put", "post", "patch", "delete"}
    ]


def town_key_answers(base: str, schema: dict) -> bool:
    """Whether the demo town key opens a /town operation (a GET without path parameters)."""
    paths = [
        path
        for path, item in schema["paths"].items()
        if "/town" in path and "{" not in path and "get" in item
    ]
    if not paths:
        return False
    # Our own loopback server (http://127.0.0.1:…): no file: or other scheme reaches here.
    request = urllib.request.Request(  # noqa: S310
        base + paths[0], headers={"X-API-Key": DEMO_TOWN_KEY}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status < 400
    except urllib.error.HTTPError as refused:
        return refused.code not in {401, 403}


def schemathesis_command(role: Role, schema_url: str, examples: int, report: Path) -> list[str]:
    command = [
        str(SCHEMATHESIS),
        "run",
        schema_url,
        "--checks",
        ",".join(CHECKS),
        "--seed",
        str(SEED),
        "--max-examples",
        str(examples),
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        # Its advice on test data (ids that 404, 401s of anonymous…) is the same every run;
        # off, so a failure is what a CI log shows. Run `st run` by hand to read it.
        "--warnings",
        "off",
        "--workers",
        "2",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    if role.phases:
        command += ["--phases", role.phases]
    for name, value in role.headers.items():
        command += ["--header", f"{name}: {value}"]
    if role.signed_in:
        # Its own header is what it fuzzes with: no made-up tokens in its place.
        command += ["--generation-with-security-parameters", "false"]
        command += ["--exclude-operation-id-regex", OWN_TOKEN_ENDERS]
    if role.only_paths:
        command += ["--include-path-regex", role.only_paths]
    return command


def run_role(role: Role, schema_url: str, examples: int) -> Outcome:
    report = LOG_DIR / f"junit-{role.name}.xml"
    report.unlink(missing_ok=True)
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (the venv's schemathesis)
        schemathesis_command(role, schema_url, examples, report),
        cwd=LOG_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "120"},
    )
    outcome = Outcome(
        role=role,
        returncode=done.returncode,
        seconds=time.perf_counter() - started,
        output=done.stdout + done.stderr,
    )
    read_report(outcome, report)
    return outcome


def read_report(outcome: Outcome, report: Path) -> None:
    """Operations, failures and errors from the JUnit report; cases from the summary."""
    import xml.etree.ElementTree as ElementTree

    if report.exists():
        suites = ElementTree.parse(report).getroot()  # noqa: S314 (Schemathesis's own report)
        for case in suites.iter("testcase"):
            # One per operation, and one "Stateful tests" for the phase that chains them.
            outcome.operations += (case.get("name") or "").split(" ")[0].isupper()
            outcome.failures += len(case.findall("failure"))
            outcome.errors += len(case.findall("error"))
    found = re.search(r"(\d+) generated", outcome.output)
    outcome.cases = int(found.group(1)) if found else 0


TRACEBACK_STARTS = ("API error on", "Internal Server Error")
TRACEBACK_GOES_ON = ("Traceback", "During handling", "The above exception")


def server_errors(log: Path) -> str:
    """The tracebacks the server logged (its 5xx answers), for a failed run's output."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
    kept: list[str] = []
    inside = False
    for line in lines:
        if line.startswith(TRACEBACK_STARTS):
            inside = True
            kept.append(line)
        elif inside:
            kept.append(line)
            # An unindented line that goes on no traceback is the exception itself: the end.
            inside = not line or line[0].isspace() or line.startswith(TRACEBACK_GOES_ON)
    return "\n".join(kept)[-12000:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=EXAMPLES, help="cases per operation")
    parser.add_argument("--role", action="append", help="fuzz only as these roles (by name)")
    parser.add_argument("--parallel", type=int, default=PARALLEL, help="roles fuzzed at once")
    parser.add_argument(
        "--reuse-db", action="store_true", help="keep the seeded database between runs"
    )
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    started = time.perf_counter()
    database_url, redis_url = fuzz_urls()
    ensure_postgres(database_url)
    ensure_redis(redis_url)
    fresh = not (args.reuse_db and database_exists(database_url))
    if fresh:
        recreate_database(database_url)
    print(f"api-fuzz: database {urlsplit(database_url).path[1:]}, Redis {redis_url}")
    sandbox = Path(tempfile.mkdtemp(prefix="shazhou-api-fuzz-"))
    outcomes: list[Outcome] = []
    try:
        with fake_wechat() as wechat:
            env = server_environment(database_url, redis_url, sandbox, wechat)
            os.environ.update(env)
            usernames = prepare_database(seed=fresh)
            outcomes = fuzz(args, usernames, env, started)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.reuse_db:
            drop_database(database_url)
        flush_redis(redis_url)
        shutil.rmtree(sandbox, ignore_errors=True)
    print_summary(outcomes, time.perf_counter() - started)
    return 0 if outcomes and all(outcome.ok for outcome in outcomes) else 1


def fuzz(
    args: argparse.Namespace, usernames: list[str], env: dict[str, str], started: float
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with serving({**os.environ, **env}) as server:
        print(f"api-fuzz: gunicorn on {server.base} after {time.perf_counter() - started:.0f} s")
        schema = fetch_schema(server.base)
        operations = validate_schema(schema)
        print(f"api-fuzz: the schema is valid OpenAPI {schema['openapi']}: ", end="")
        print(f"{len(operations)} operations ({', '.join(operations)})")
        roles = [Role("anonymous", phases=ALL_PHASES)]
        roles += [
            Role(
                name,
                {"Authorization": f"Bearer {access_token(name)}"},
                signed_in=True,
                phases=ALL_PHASES if name in COVERED else FEWER_PHASES,
            )
            for name in usernames
        ]
        if town_key_answers(server.base, schema):
            roles.append(
                Role(
                    "town_key", {"X-API-Key": DEMO_TOWN_KEY}, only_paths="/town", phases=ALL_PHASES
                )
            )
        else:
            print("api-fuzz: the demo town key opens no /town operation yet: not fuzzed")
        if args.role:
            roles = [role for role in roles if role.name in args.role]
        schema_url = f"{server.base}/api/v1/openapi.json"
        with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
            for outcome in pool.map(lambda role: run_role(role, schema_url, args.examples), roles):
                outcomes.append(outcome)
                print(f"\n=== api-fuzz: {outcome.role.name} ({outcome.seconds:.0f} s) ===")
                print(outcome.output.rstrip())
        if not all(outcome.ok for outcome in outcomes):
            errors = server_errors(server.log)
            if errors:
                print("\n=== api-fuzz: the server's tracebacks (var/api-fuzz/gunicorn.log) ===")
                print(errors)
    return outcomes


def database_exists(url: str) -> bool:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [parts.path[1:]]
        ).fetchone()
    return found is not None


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path[1:]}" WITH (FORCE)')


def flush_redis(url: str) -> None:
    """The run's cache, rate limits and the Celery tasks nobody ran (its own database)."""
    import redis

    with contextlib.suppress(Exception):
        redis.Redis.from_url(url).flushdb()


def print_summary(outcomes: list[Outcome], seconds: float) -> None:
    print("\n=== api-fuzz: summary ===")
    print(f"  {'role':<12} {'operations':>10} {'cases':>7} {'failures':>8} {'errors':>6} {'s':>5}")
    for outcome in outcomes:
        print(
            f"  {outcome.role.name:<12} {outcome.operations:>10} {outcome.cases:>7} "
            f"{outcome.failures:>8} {outcome.errors:>6} {outcome.seconds:>5.0f}"
            + ("" if outcome.ok else f"  FAILED (exit {outcome.returncode})")
        )
    verdict = "green" if outcomes and all(outcome.ok for outcome in outcomes) else "RED"
    cpu = sum(
        usage.ru_utime + usage.ru_stime
        for usage in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
    )
    print(
        f"api-fuzz: {verdict} in {seconds:.0f} s "
        f"({cpu:.0f} s of CPU here and in Schemathesis and gunicorn; PostgreSQL's not counted)"
    )


if __name__ == "__main__":
    sys.exit(main())
