"""Ranking benchmark: top 20 + "my place" at 1,000 and at 100,000 people (issue 4, item 7).

    .venv/bin/python -m bench.ranking [--rebuild] [--runs 7]

On PostgreSQL (``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/shazhou_bench``)
it keeps two databases, ``<name>_1k`` and ``<name>_100k``, and builds each once
(``--rebuild`` builds again):

1. ``migrate`` and ``seed_demo --people N`` — the demo town with N residents;
2. about 20 ledger lines per person (2,000,000 at 100k), each a credited
   service record and its points, spread over two years with more of them
   recent — inserted with set-based SQL (``INSERT … SELECT generate_series``),
   not ``ledger_bulk_append``, which needs 10–27 minutes for this;
3. ``PersonTotal`` by GROUP BY over the lines, ``ScopeTotal`` by joining them to
   each person's scopes (computed in SQL the way ``points.scopes`` does), the
   per-value counts by ``ranking_counts_rebuild``;
4. ``manage.py verify_ledger`` must come back clean, or the figures mean nothing.

Then it times what a ranking page asks — ``ranking_top`` (20 rows) plus
``ranking_place`` — through the real selectors, for the town this month, the
town all time (points and hours) and a community this month, for a person in
the middle and one near the bottom (the slowest "my place" by a count of
people; by a count of values no slower). Runs alternate between the two towns;
each figure is the median of ``--runs`` (≥ 5) runs after a warm-up. It prints a
table with both times and their ratio, and merges ``ranking_ms_1k``,
``ranking_ms_100k`` and ``ranking_ratio`` (the slowest case of each size) into
``bench/results.json``.
"""

import argparse
import contextvars
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shazhou_bench"
SIZES = {"1k": 1_000, "100k": 100_000}
if os.environ.get("BENCH_RANKING_PEOPLE"):  # e.g. "300,3000": a quick check of the script itself
    SIZES = dict(zip(SIZES, map(int, os.environ["BENCH_RANKING_PEOPLE"].split(",")), strict=True))
LINES_PER_PERSON = 20  # on average: 2,000,000 at 100k
BUILD_VERSION = "ranking-1"
TARGET_MS = 30.0
TARGET_RATIO = 2.0

_alias = contextvars.ContextVar("bench_alias", default="default")


class BenchRouter:
    """Sends every query to the town being timed (``_alias``)."""

    def db_for_read(self, model, **hints):
        return _alias.get()

    def db_for_write(self, model, **hints):
        return _alias.get()

    def allow_relation(self, obj1, obj2, **hints):
        return True


def database_url(base: str, size: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"{parts.path}_{size}"))


def setup_django(urls: dict[str, str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DATABASE_URL"] = urls["100k"]
    import dj_database_url
    from django.conf import settings

    settings.DATABASES  # noqa: B018 -- load the settings before adding to them
    for size, url in urls.items():
        settings.DATABASES[size] = dj_database_url.parse(url, conn_max_age=600)
    settings.DATABASE_ROUTERS = ["bench.ranking.BenchRouter"]
    import django

    django.setup()


def run(args: list[str], url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def recreate_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def version() -> str:
    return f"{BUILD_VERSION}:{SIZES}"


def built_version(url: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute("SELECT version FROM bench_ranking_meta").fetchone()
            return row[0] if row else None
    except psycopg.Error:
        return None


# --- The set-based load -------------------------------------------------------------------


def load_ledger(alias: str, people: int) -> dict[str, int]:
    """Lines, records and every total for the town in ``alias``; returns row counts."""
    from django.db import connections

    from points.scopes import STEPLEN
    from points.services.ledger import ranking_counts_rebuild
    from volunteers.models import Person

    party = list(Person.PARTY_STATUSES)
    token = _alias.set(alias)
    try:
        with connections[alias].cursor() as cur:
            cur.execute("SET synchronous_commit = off")
            cur.execute("SET maintenance_work_mem = '512MB'")
            cur.execute("SET work_mem = '128MB'")
            cur.execute("SELECT setseed(0.2026)")
            cur.execute("SELECT array_agg(id ORDER BY id) FROM volunteers_activity")
            activities = cur.fetchone()[0] or []
            if not activities:
                raise SystemExit("seed_demo made no activities to hang the service records on")
            # At most one live record per person and activity: never more lines than activities.
            cap = len(activities)
            # floor(c·r²) has mean ≈ c/3 − ½: a few busy people, many occasional ones.
            c = 3 * (LINES_PER_PERSON + 0.5)
            cur.execute("DROP TABLE IF EXISTS bench_lines")
            cur.execute(
                """
                CREATE UNLOGGED TABLE bench_lines AS
                SELECT p.id AS person_id, s.i
                FROM (SELECT id, LEAST(%(cap)s, floor(%(c)s * power(random(), 2))::int) AS n
                      FROM volunteers_person) p
                CROSS JOIN LATERAL generate_series(1, p.n) AS s(i)
                """,
                {"cap": cap, "c": c},
            )
            cur.execute(
                """
                ALTER TABLE bench_lines
                  ADD COLUMN record_id bigint, ADD COLUMN activity_id bigint,
                  ADD COLUMN minutes int, ADD COLUMN occurred_at timestamptz
                """
            )
            # Each person's lines on different activities; more lines in recent months.
            cur.execute(
                """
                UPDATE bench_lines SET
                  record_id = nextval(pg_get_serial_sequence('points_servicerecord', 'id')),
                  activity_id = (%(acts)s::bigint[])[1 + ((person_id + i) %% %(n)s)],
                  minutes = 30 * (1 + floor(random() * 8))::int,
                  occurred_at = date_trunc('minute', now()
                    - make_interval(days => floor(730 * power(random(), 2))::int)
                    - random() * interval '6 hours')
                """,
                {"acts": activities, "n": len(activities)},
            )
            # The demo's own attendances already hold some (person, activity) pairs.
            cur.execute(
                """
                DELETE FROM bench_lines l USING points_servicerecord r
                WHERE r.person_id = l.person_id AND r.activity_id = l.activity_id
                  AND r.status IN ('pending', 'approved')
                """
            )
            cur.execute(
                """
                INSERT INTO points_servicerecord
                  (id, person_id, activity_id, source, status, minutes, occurred_at, reason,
                   decided_at, decision_note, revoked_reason, created_at)
                SELECT record_id, person_id, activity_id, 'backfill', 'approved', minutes,
                       occurred_at, '基准测试数据', now(), '', '', now()
                FROM bench_lines
                """
            )
            records = cur.rowcount
            cur.execute(
                """
                INSERT INTO points_pointsentry
                  (person_id, amount, kind, category, activity_id, service_record_id, source_ref,
                   idempotency_key, reason, explanation, occurred_at, created_at)
                SELECT l.person_id, l.minutes / 60, 'service', 'service', l.activity_id,
                       l.record_id, '', 'bench:record:' || l.record_id, '',
                       jsonb_build_object('category', c.name, 'minutes', l.minutes,
                         'points_per_hour', 1, 'points_per_attendance', 0,
                         'base', l.minutes / 60, 'awarded', l.minutes / 60,
                         'source', 'backfill'),
                       l.occurred_at, now()
                FROM bench_lines l
                JOIN volunteers_activity a ON a.id = l.activity_id
                JOIN volunteers_activitycategory c ON c.id = a.category_id
                """
            )
            entries = cur.rowcount
            # Totals by period, in Shanghai time (points.periods): added to what seed_demo made.
            cur.execute(
                """
                INSERT INTO points_persontotal (person_id, period, points, balance, minutes)
                SELECT person_id, k, SUM(minutes / 60), SUM(minutes / 60), SUM(minutes)
                FROM (SELECT person_id, minutes, occurred_at AT TIME ZONE 'Asia/Shanghai' AS t
                      FROM bench_lines) l
                CROSS JOIN LATERAL (VALUES ('all'), (to_char(t, 'YYYY')),
                  (to_char(t, 'YYYY') || 'Q' || to_char(t, 'Q')), (to_char(t, 'YYYY-MM'))) v(k)
                GROUP BY person_id, k
                ON CONFLICT (person_id, period) DO UPDATE SET
                  points = points_persontotal.points + excluded.points,
                  balance = points_persontotal.balance + excluded.balance,
                  minutes = points_persontotal.minutes + excluded.minutes
                """
            )
            # Each person's (organisation, population) pairs: every node at or above their
            # links and open memberships (points.scopes), party members twice.
            cur.execute("DROP TABLE IF EXISTS bench_scopes")
            cur.execute(
                """
                CREATE UNLOGGED TABLE bench_scopes AS
                WITH linked AS (
                  SELECT id AS person_id, home_grid_id AS org FROM volunteers_person
                  UNION SELECT id, party_branch_id FROM volunteers_person
                  UNION SELECT id, employer_unit_id FROM volunteers_person
                  UNION SELECT id, reported_community_id FROM volunteers_person
                  UNION SELECT person_id, organisation_id FROM volunteers_membership
                        WHERE end_date IS NULL
                ), nodes AS (
                  SELECT DISTINCT l.person_id, a.id AS organisation_id
                  FROM linked l
                  JOIN volunteers_organisation o ON o.id = l.org
                  CROSS JOIN LATERAL generate_series(1, length(o.path) / %(step)s) d(n)
                  JOIN volunteers_organisation a ON a.path = substr(o.path, 1, d.n * %(step)s)
                )
                SELECT n.person_id, n.organisation_id, pop.population
                FROM nodes n JOIN volunteers_person p ON p.id = n.person_id
                CROSS JOIN LATERAL (
                  SELECT 'volunteers' AS population
                  UNION ALL SELECT 'party_members' WHERE p.political_status = ANY(%(party)s)
                ) pop
                """,
                {"step": STEPLEN, "party": party},
            )
            # Rebuild the ranking rows with the indexes off, then index once.
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'points_scopetotal'::regclass AND contype = 'p'"
            )
            pkey, pkey_definition = cur.fetchone()
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename = 'points_scopetotal' AND indexname <> %s",
                [pkey],
            )
            indexes = cur.fetchall()
            for name, _definition in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            cur.execute(f'ALTER TABLE points_scopetotal DROP CONSTRAINT "{pkey}"')
            cur.execute("TRUNCATE points_scopetotal")
            cur.execute(
                """
                INSERT INTO points_scopetotal
                  (organisation_id, period, population, person_id, points, minutes)
                SELECT s.organisation_id, t.period, s.population, t.person_id, t.points, t.minutes
                FROM points_persontotal t JOIN bench_scopes s ON s.person_id = t.person_id
                """
            )
            scope_rows = cur.rowcount
            cur.execute(f'ALTER TABLE points_scopetotal ADD CONSTRAINT "{pkey}" {pkey_definition}')
            for _name, definition in indexes:
                cur.execute(definition)
            cur.execute("DROP TABLE bench_lines")
            cur.execute("DROP TABLE bench_scopes")
        counts = ranking_counts_rebuild(using=alias)
        with connections[alias].cursor() as cur:
            for table in (
                "points_pointsentry",
                "points_servicerecord",
                "points_persontotal",
                "points_scopetotal",
                "points_rankingvaluecount",
            ):
                cur.execute(f"VACUUM ANALYZE {table}")
            cur.execute("CREATE TABLE bench_ranking_meta (version text, people int)")
            cur.execute("INSERT INTO bench_ranking_meta VALUES (%s, %s)", [version(), people])
    finally:
        _alias.reset(token)
    return {"lines": entries, "records": records, "ranking rows": scope_rows, "counts": counts}


def build(size: str, url: str, people: int) -> None:
    started = time.monotonic()
    print(f"[{size}] building {url.rsplit('/', 1)[-1]} with {people:,} people …", flush=True)
    recreate_database(url)
    run(["migrate", "--noinput", "-v", "0"], url)
    run(["seed_demo", "--people", str(people)], url)
    loaded = load_ledger(size, people)
    print(f"[{size}] loaded " + ", ".join(f"{v:,} {k}" for k, v in loaded.items()), flush=True)
    run(["verify_ledger"], url)  # exits non-zero on any difference: check=True stops here
    print(f"[{size}] built and verified in {time.monotonic() - started:.0f} s", flush=True)


# --- Timing -----------------------------------------------------------------------------


def cases(size: str) -> list[dict]:
    """The rankings timed, and for each the person in the middle and one near the bottom."""
    from points.models import ScopeTotal
    from points.periods import ALL_TIME, PeriodKind, period_key
    from volunteers.models import Organisation

    token = _alias.set(size)
    try:
        town = Organisation.objects.get(kind=Organisation.Kind.TOWN, depth=1)
        community = (
            Organisation.objects.filter(kind=Organisation.Kind.COMMUNITY).order_by("path").first()
        )
        month = period_key(PeriodKind.MONTH)
        found = []
        for label, org, period, measure in (
            ("镇 · 本月 · 积分", town, month, "points"),
            ("镇 · 累计 · 积分", town, ALL_TIME, "points"),
            ("镇 · 累计 · 时长", town, ALL_TIME, "minutes"),
            (f"{community.name} · 本月 · 积分", community, month, "points"),
        ):
            ranked = ScopeTotal.objects.filter(
                organisation=org, period=period, population="volunteers", **{f"{measure}__gt": 0}
            ).order_by(f"-{measure}", "person_id")
            n = ranked.count()
            for where, offset in (("middle", n // 2), ("bottom", n - 1)):
                person_id = ranked.values_list("person_id", flat=True)[offset]
                found.append(
                    {
                        "label": f"{label} · {where}",
                        "organisation": org.pk,
                        "period": period,
                        "measure": measure,
                        "person": person_id,
                        "ranked": n,
                    }
                )
        return found
    finally:
        _alias.reset(token)


def time_case(size: str, case: dict) -> tuple[float, int | None]:
    from points.selectors.rankings import ranking_place, ranking_top

    token = _alias.set(size)
    try:
        started = time.perf_counter()
        top = ranking_top(
            organisation=case["organisation"],
            period=case["period"],
            population="volunteers",
            measure=case["measure"],
        )
        place = ranking_place(
            person=case["person"],
            organisation=case["organisation"],
            period=case["period"],
            population="volunteers",
            measure=case["measure"],
        )
        elapsed = (time.perf_counter() - started) * 1000
        assert len(top) == min(20, case["ranked"])
        return elapsed, place.place
    finally:
        _alias.reset(token)


def merge_results(values: dict) -> None:
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update(values)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build both towns again")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (≥ 5)")
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    base = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not base.startswith(("postgres://", "postgresql://")):
        parser.error("the ranking benchmark needs PostgreSQL (DATABASE_URL=postgres://…)")
    urls = {size: database_url(base, size) for size in SIZES}
    stale = [size for size, url in urls.items() if args.rebuild or built_version(url) != version()]
    setup_django(urls)
    for size in stale:
        build(size, urls[size], SIZES[size])

    plans = {size: cases(size) for size in SIZES}
    timings: dict[str, dict[str, list[float]]] = {size: {} for size in SIZES}
    places: dict[str, dict[str, int | None]] = {size: {} for size in SIZES}
    for size in SIZES:  # warm-up: connections, caches
        for case in plans[size]:
            time_case(size, case)
    for _run in range(args.runs):
        for size in SIZES:  # interleaved, so both towns see the same machine
            for case in plans[size]:
                elapsed, place = time_case(size, case)
                timings[size].setdefault(case["label"], []).append(elapsed)
                places[size][case["label"]] = place

    medians = {
        size: {label: statistics.median(values) for label, values in timings[size].items()}
        for size in SIZES
    }
    print()
    print(f"top 20 + my place, median of {args.runs} interleaved runs (ms)")
    header = f"{'ranking · who':<34} {'1k':>8} {'100k':>8} {'ratio':>6}  {'place at 100k':>16}"
    print(header)
    print("-" * len(header))
    small, large = plans["1k"], plans["100k"]
    ratios = []
    for case_small, case_large in zip(small, large, strict=True):
        a = medians["1k"][case_small["label"]]
        b = medians["100k"][case_large["label"]]
        ratios.append(b / a)
        place = places["100k"][case_large["label"]]
        print(
            f"{case_large['label']:<34} {a:>8.2f} {b:>8.2f} {b / a:>6.2f}  "
            f"{place:>7,} / {case_large['ranked']:<7,}"
        )
    worst_small = max(medians["1k"].values())
    worst_large = max(medians["100k"].values())
    ratio = worst_large / worst_small
    print("-" * len(header))
    print(f"{'slowest case':<34} {worst_small:>8.2f} {worst_large:>8.2f} {ratio:>6.2f}")
    ok = worst_large <= TARGET_MS and ratio <= TARGET_RATIO
    print(
        f"target: ≤ {TARGET_MS:.0f} ms at 100k and ratio ≤ {TARGET_RATIO:.0f} — "
        + ("met" if ok else "NOT met")
    )
    merge_results(
        {
            "ranking_ms_1k": round(worst_small, 2),
            "ranking_ms_100k": round(worst_large, 2),
            "ranking_ratio": round(ratio, 2),
        }
    )
    print(f"merged into {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
