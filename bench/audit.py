"""``make audit``: Lighthouse in mobile mode on the pages a volunteer uses (issue 17).

    .venv/bin/python -m bench.audit [--reuse-db] [--page NAME ...] [--runs N]

Lighthouse 12 (from npm, ``bench/lighthouse/``; ``make audit`` installs it) drives Debian's
Chromium (no browser is downloaded) against production gunicorn on loopback, the same stack
``make bench`` measures: a fresh PostgreSQL database ``shazhou_audit`` with the demo data,
Redis, ``collectstatic``'s manifest. Mobile mode means Lighthouse's defaults: a phone-sized
screen, simulated slow 4G and a 4× slower CPU.

The public pages are audited as an anonymous visitor; the personal ones (and the public ones
a second time, as ``<page>_member``) with the session of the demo's ``partymember``, set as
a cookie header (a real session made the way a login makes it). The check-in result page is
a real scan of an activity running now: the first load checks the member in.

Each page is a first visit (Lighthouse clears the cache) to a warmed-up server, audited five
times (``--runs``); the median run counts, as Lighthouse advises: on a shared two-core machine
one run's total blocking time swings between 0 and 150 ms with the other processes' load
(the scan is audited once: it checks in). For each page it records the four
category scores (``lighthouse_<page>_<category>``), the bytes transferred
(``weight_kib_<page>``) and the total blocking time (``tbt_ms_<page>``) into
``bench/results.json``, prints a table and the targets: 100 in every category, total blocking
time ≤ 50 ms, ≤ 100 KiB transferred. The exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import import_module

import django
from django.core.management import call_command

from bench import ROOT
from bench.report import RESULTS_PATH, machine, merge_results
from bench.servers import start_server
from bench.services import (
    DEFAULT_REDIS_URL,
    bench_environment,
    ensure_postgres,
    ensure_redis,
    recreate_database,
)

LIGHTHOUSE_DIR = ROOT / "bench" / "lighthouse"
LIGHTHOUSE = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
# Each page's median report, to read what a figure is made of (var/ is not committed).
REPORTS_DIR = ROOT / "var" / "audit"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shazhou_audit"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
MEMBER = "partymember"

TARGET_SCORE = 100
TARGET_TBT_MS = 50.0
TARGET_KIB = 100.0


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    signed_in: bool


def pages(activity_path: str, running_path: str) -> list[Page]:
    return [
        Page("home", "/", False),
        Page("activities", "/activities/", False),
        Page("activity", activity_path, False),
        Page("home_member", "/", True),
        Page("activity_member", activity_path, True),
        Page("me", "/me/", True),
        Page("points", "/me/points/", True),
        Page("shop", "/shop/", True),
        Page("checkin", running_path, True),
    ]


def ensure_lighthouse() -> None:
    if LIGHTHOUSE.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("audit: npm is needed to install Lighthouse (apt-get install npm)")
    print("audit: installing Lighthouse from npm into bench/lighthouse/")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=LIGHTHOUSE_DIR, check=True
    )


def member_cookie() -> str:
    """``name=value`` of a live session of the demo's party member, made as a login makes it."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )

    user = get_user_model().objects.get(username=MEMBER)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def audited_paths() -> tuple[str, str]:
    """An upcoming published activity's page, and the page of an activity running now
    (its scan URL is minted just before the check-in page is audited: the code rotates)."""
    from django.utils import timezone

    from bench.town import prepare_activity
    from volunteers.models import Activity

    upcoming = (
        Activity.objects.filter(live=True, cancelled_at__isnull=True, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    if upcoming is None:
        raise SystemExit("audit: the demo has no upcoming activity")
    return f"/activities/{upcoming.pk}/", f"/activities/{prepare_activity()}/"


def scan_path(activity_id: int) -> str:
    from bench.town import checkin_token

    return f"/c/{checkin_token(activity_id)}"


def lighthouse(url: str, cookie: str | None) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    done = subprocess.run(
        command,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode:
        raise LighthouseFailed(done.stderr[-2000:])
    return json.loads(done.stdout)


class LighthouseFailed(Exception):
    """Lighthouse gave no report (NO_FCP, NO_NAVSTART…: a busy machine's trace)."""


def audit_page(url: str, cookie: str | None, attempts: int = 3) -> dict:
    for attempt in range(1, attempts + 1):
        try:
            return lighthouse(url, cookie)
        except (LighthouseFailed, subprocess.TimeoutExpired) as error:
            print(f"audit: attempt {attempt} on {url} gave no report: {str(error)[-300:]}")
    raise SystemExit(f"audit: Lighthouse failed {attempts} times on {url}")


def median_run(reports: list[dict]) -> dict:
    """The run closest to the median first contentful paint and time to interactive: what
    Lighthouse's own ``computeMedianRun`` picks (core/lib/median-run.js), as its variability
    guide advises for a busy machine (docs/variability.md: run several times, keep the median).
    """

    def value(report: dict, audit: str) -> float:
        return report["audits"][audit].get("numericValue") or 0.0

    fcp = statistics.median(value(report, "first-contentful-paint") for report in reports)
    tti = statistics.median(value(report, "interactive") for report in reports)
    return min(
        reports,
        key=lambda report: (
            (fcp - value(report, "first-contentful-paint")) ** 2
            + (tti - value(report, "interactive")) ** 2
        ),
    )


def warm_up(base: str, chosen: list[Page], cookie: str) -> None:
    """A production server has been up for a while: its workers have imported the code and
    compiled the templates. Without this, the first page audited waited seconds for a worker
    still starting (a 6–9 s server response on a busy machine) and lost its speed index. Each
    page is fetched a few times by each kind of visitor; not the check-in scan (it checks in).
    """

    def fetch(page: Page) -> None:
        headers = {"Cookie": cookie} if page.signed_in else {}
        request = urllib.request.Request(base + page.path, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()
        except OSError as error:
            print(f"audit: warming {page.path} failed: {error}")

    warmed = [page for page in chosen if page.name != "checkin"]
    warmed = warmed or [Page("health", "/health/", False)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(fetch, warmed * 4))


def figures(page: Page, report: dict) -> tuple[dict[str, float], list[str]]:
    """The page's figures for results.json, and what Lighthouse found wrong (for the log)."""
    found: dict[str, float] = {}
    for category in CATEGORIES:
        score = report["categories"][category]["score"]
        found[f"lighthouse_{page.name}_{category.replace('-', '_')}"] = round((score or 0) * 100)
    audits = report["audits"]
    found[f"weight_kib_{page.name}"] = round(audits["total-byte-weight"]["numericValue"] / 1024, 1)
    found[f"tbt_ms_{page.name}"] = round(audits["total-blocking-time"]["numericValue"])
    final_url = report.get("finalDisplayedUrl") or report.get("finalUrl") or ""
    problems = []
    if page.signed_in and "/accounts/login/" in final_url:
        problems.append("landed on the login page: the session cookie was not accepted")
    for category in CATEGORIES:
        for ref in report["categories"][category]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                problems.append(f"{category}: {audit['id']} — {audit['title']}")
                problems.extend(f"      {item}" for item in audit_items(audit))
    return found, problems


def audit_items(audit: dict) -> list[str]:
    """The first few things an audit points at (a console message, an element, a URL)."""
    items = (audit.get("details") or {}).get("items") or []
    found = []
    for item in items[:3]:
        node = item.get("node") if isinstance(item.get("node"), dict) else {}
        text = (
            item.get("description")
            or item.get("message")
            or node.get("snippet")
            or item.get("url")
            or ""
        )
        if item.get("line"):
            text = f"{text}: {item['line']}"
        source = item.get("source") or item.get("sourceLocation", {}).get("url") or ""
        found.append(f"{text} {source}".strip()[:160])
    return found


def verdicts(results: dict, names: list[str]) -> list[str]:
    missed = []
    for name in names:
        for category in CATEGORIES:
            key = f"lighthouse_{name}_{category.replace('-', '_')}"
            if results[key] < TARGET_SCORE:
                missed.append(f"{key} = {results[key]}")
        if results[f"tbt_ms_{name}"] > TARGET_TBT_MS:
            missed.append(f"tbt_ms_{name} = {results[f'tbt_ms_{name}']}")
        if results[f"weight_kib_{name}"] > TARGET_KIB:
            missed.append(f"weight_kib_{name} = {results[f'weight_kib_{name}']}")
    return missed


def table(results: dict, names: list[str]) -> str:
    head = f"{'page':<16} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5} {'TBT ms':>7} {'KiB':>7}"
    lines = [head]
    for name in names:
        scores = [
            results[f"lighthouse_{name}_{category.replace('-', '_')}"] for category in CATEGORIES
        ]
        lines.append(
            f"{name:<16} "
            + " ".join(f"{score:>5}" for score in scores)
            + f" {results[f'tbt_ms_{name}']:>7} {results[f'weight_kib_{name}']:>7}"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse-db", action="store_true", help="keep a seeded audit database")
    parser.add_argument("--page", action="append", help="audit only these pages (by name)")
    parser.add_argument(
        "--runs", type=int, default=5, help="Lighthouse runs per page; the median run counts"
    )
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    started = time.perf_counter()
    ensure_lighthouse()
    parent_env = dict(os.environ)
    database_url = os.environ.get("AUDIT_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    ensure_postgres(database_url)
    ensure_redis(redis_url)
    if not args.reuse_db:
        recreate_database(database_url)
    settings_env = bench_environment(
        database_url=database_url, redis_url=redis_url, secret_key=secrets.token_urlsafe(50)
    )
    settings_env["CACHE_PREFIX"] = "shazhou-audit"
    os.environ.update(settings_env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    quiet = io.StringIO()
    call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
    if not args.reuse_db:
        call_command("seed_demo", stdout=quiet)
    call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)
    activity_path, running_path = audited_paths()
    cookie = member_cookie()
    chosen = [
        page
        for page in pages(activity_path, running_path)
        if not args.page or page.name in args.page
    ]
    server = start_server("audit", {**parent_env, **settings_env})
    results: dict = {}
    try:
        warm_up(server.base, chosen, cookie)
        for page in chosen:
            path = page.path
            if page.name == "checkin":
                path = scan_path(int(path.strip("/").split("/")[-1]))
            # The scan checks the member in: a second one would show another page (签退).
            runs = 1 if page.name == "checkin" else args.runs
            report = median_run(
                [
                    audit_page(server.base + path, cookie if page.signed_in else None)
                    for _ in range(runs)
                ]
            )
            found, problems = figures(page, report)
            results.update(found)
            REPORTS_DIR.mkdir(parents=True, exist_ok=True)
            (REPORTS_DIR / f"{page.name}.json").write_text(json.dumps(report), encoding="utf-8")
            print(f"audit: {page.name} {page.path[:40]}")
            for problem in problems:
                print(f"    {problem}")
    finally:
        server.stop()
    names = [page.name for page in chosen]
    results["_audit_meta"] = {
        **machine(),
        "command": "make audit",
        "lighthouse": subprocess.run(
            [str(LIGHTHOUSE), "--version"], capture_output=True, text=True
        ).stdout.strip(),
        "mode": "mobile (Lighthouse defaults: simulated slow 4G, 4x CPU slowdown)",
        "runs": f"median of {args.runs} per page (the check-in scan: 1)",
    }
    merge_results(RESULTS_PATH, results)
    print()
    print(table(results, names))
    missed = verdicts(results, names)
    print(
        f"targets: {TARGET_SCORE} in all four, TBT ≤ {TARGET_TBT_MS:.0f} ms, ≤ {TARGET_KIB:.0f} KiB"
        + (" — met" if not missed else " — NOT met: " + ", ".join(missed))
    )
    print(f"audit: wrote {RESULTS_PATH.relative_to(ROOT)} in {time.perf_counter() - started:.0f} s")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
