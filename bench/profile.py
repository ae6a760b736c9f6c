"""Profile one kind of benchmark request in-process: ``python -m bench.profile checkin``.

``api_checkin`` is the same check-in through the API (``POST /api/v1/checkin/scan`` with
each phone's access token), to set beside ``checkin`` when ``api_checkin_ratio`` moves.

Runs after ``make bench`` (it reuses the bench database) with the same production
settings, sending requests through Django's own handler (no gunicorn, no network), and
prints pyinstrument's tree and the wall and CPU milliseconds per request. This is how
the fixes listed under Performance in the README were found.
"""

import argparse
import contextlib
import os
import secrets
import sys
import time

import django
from django.test import Client

from bench.load import forwarded_ip
from bench.services import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, bench_environment


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=("bare", "checkin", "api_checkin", "home", "home_uncached"))
    parser.add_argument("-n", type=int, default=200, help="requests to profile")
    parser.add_argument("--all", action="store_true", help="show library frames too")
    parser.add_argument("--plain", action="store_true", help="time only, without the profiler")
    args = parser.parse_args(argv)
    os.environ.update(
        bench_environment(
            database_url=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
            redis_url=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
            secret_key=secrets.token_urlsafe(50),
        )
    )
    if args.kind == "home_uncached":
        os.environ["CMS_PAGE_CACHE_SECONDS"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    # pyinstrument comes with the bench extra only (pyproject), so it is imported on use;
    # bench.town only now, as it imports the project's models, which need the app registry.
    from pyinstrument import Profiler

    from bench import api_checkin, town

    client = Client(HTTP_HOST="127.0.0.1")  # one handler, built once, as in a worker
    tokens: list[str] = []
    if args.kind in ("checkin", "api_checkin"):
        sessions = town.prepare_phones(args.n + 1)
        code = town.checkin_token(town.prepare_activity())
        path = f"/c/{code}"
        if args.kind == "api_checkin":
            scan = api_checkin.scan_operation()
            if scan is None:
                sys.exit("bench.profile: the API has no checkin_scan yet")
            path, tokens = scan[1], api_checkin.access_tokens(sessions)
    else:
        sessions = []
        path = "/bench/bare" if args.kind == "bare" else "/"

    def request(number: int):
        client.cookies.clear()
        extra = {}
        if tokens:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {tokens[number]}"
            extra["HTTP_X_FORWARDED_FOR"] = forwarded_ip(number)
            body = api_checkin.scan_body(code)
            return client.post(path, body, content_type="application/json", **extra)
        if sessions:
            client.cookies["sessionid"] = sessions[number]
            extra["HTTP_X_FORWARDED_FOR"] = forwarded_ip(number)
        return client.get(path, **extra)

    first = request(args.n)  # warm: templates, connections, the page cache
    if first.status_code != 200:
        sys.exit(f"bench.profile: {path} answered {first.status_code}")
    profiler = Profiler(interval=0.0005)
    wall, cpu = time.perf_counter(), time.process_time()
    with contextlib.nullcontext() if args.plain else profiler:
        for number in range(args.n):
            request(number)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if not args.plain:
        print(profiler.output_text(unicode=True, color=sys.stdout.isatty(), show_all=args.all))
    print(f"{args.kind}: {wall * 1000 / args.n:.2f} ms wall, {cpu * 1000 / args.n:.2f} ms CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
