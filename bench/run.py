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
5. rounds: bare (A), check-in (A), cached home (A), bare (B), uncached home (B), and
   once the API has ``checkin_scan``, a repeated scan through ``/c/<token>`` and through
   the API (A; ``bench.api_checkin``), each for ``--seconds``, the order rotating from
   round to round;
6. checks that every accepted check-in wrote its Attendance row, times the QR images,
   writes ``bench/results.json`` (keeping keys it does not own) and prints a table;
7. runs ``python -m bench.ranking`` when that file exists.

Each check-in is a real one: a distinct person's session GETs ``/c/<token>`` with the
token the organiser's screen would show (minted afresh each round, as the screen
rotates it), through gunicorn, the rate limits in Redis and PostgreSQL.

The parts: ``bench.services`` (PostgreSQL, Redis, the settings), ``bench.town`` (the
database, the phones, the activity), ``bench.servers`` (the gunicorns), ``bench.load``
(the load generator), ``bench.meters`` (memory and CPU), ``bench.rounds`` (the measured
rounds), ``bench.stats`` and ``bench.report`` (the figures and ``bench/results.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time

import django
from django.core.management import call_command

from bench import ROOT
from bench.report import RESULTS_PATH, format_split, format_table, machine, merge_results
from bench.servers import GUNICORN_ARGS, Server, start_server
from bench.services import (
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    bench_environment,
    ensure_postgres,
    ensure_redis,
    recreate_database,
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (≥ 5)")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument(
        "--checkins-per-round", type=int, default=1000, help="most check-ins in one round"
    )
    parser.add_argument(
        "--again-people",
        type=int,
        default=600,
        help="people who scan again, on the web and through the API (api_checkin_ratio)",
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
    people = phones_needed + args.again_people + 100
    if not args.reuse_db:
        recreate_database(database_url)

    settings_env = bench_environment(
        database_url=database_url, redis_url=redis_url, secret_key=secrets.token_urlsafe(50)
    )
    os.environ.update(settings_env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    # Only now: both import the project's models, which need the app registry.
    from bench import api_checkin, rounds, town

    if args.reuse_db:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
    else:
        town.prepare_database(people=people)
    sessions = town.prepare_phones(phones_needed + args.again_people)
    sessions, again_sessions = sessions[:phones_needed], sessions[phones_needed:]
    activity_id = town.prepare_activity()
    print(f"bench: {len(sessions)} phones logged in; activity {activity_id} open")

    server_env = {**parent_env, **settings_env}
    servers: dict[str, Server] = {}
    try:
        servers["A"] = start_server("A", server_env)
        servers["B"] = start_server("B", {**server_env, "CMS_PAGE_CACHE_SECONDS": "0"})
        scan = api_checkin.scan_operation()
        again, scan_path = [], ""
        if scan is None:
            print("bench: the API has no checkin_scan yet; api_checkin_ratio is not measured")
        elif again_sessions:
            scan_path = scan[1]
            tokens = api_checkin.access_tokens(again_sessions)
            again = [
                (phones_needed + n, key, access)
                for n, (key, access) in enumerate(zip(again_sessions, tokens, strict=True))
            ]
        results = rounds.measure(
            args, servers, sessions, activity_id, warmup_checkins, again=again, scan_path=scan_path
        )
    finally:
        for server in servers.values():
            server.stop()

    svg_ms, png_ms = town.time_qr(rounds=9, per_round=20, token=town.checkin_token(activity_id))
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


if __name__ == "__main__":
    sys.exit(main())
