"""Building one of the ranking benchmark's towns: migrate, seed, the set-based ledger, verify.

Import this module only after ``setup_django()`` (``bench.ranking`` does): it imports the
project's models, which need the app registry.
"""

import time

from django.db import connections

from bench.ranking_towns import manage, recreate_database, version
from points.scopes import STEPLEN
from points.services.ledger import ranking_counts_rebuild
from volunteers.models import Person

LINES_PER_PERSON = 20  # on average: 2,000,000 at 100k


def load_ledger(alias: str, people: int) -> dict[str, int]:
    """Lines, records and every total for the town in ``alias``; returns row counts."""
    party = list(Person.PARTY_STATUSES)
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
    return {"lines": entries, "records": records, "ranking rows": scope_rows, "counts": counts}


def build(size: str, url: str, people: int) -> None:
    started = time.monotonic()
    print(f"[{size}] building {url.rsplit('/', 1)[-1]} with {people:,} people …", flush=True)
    recreate_database(url)
    manage(["migrate", "--noinput", "-v", "0"], url)
    manage(["seed_demo", "--people", str(people)], url)
    loaded = load_ledger(size, people)
    print(f"[{size}] loaded " + ", ".join(f"{v:,} {k}" for k, v in loaded.items()), flush=True)
    manage(["verify_ledger"], url)  # exits non-zero on any difference: check=True stops here
    print(f"[{size}] built and verified in {time.monotonic() - started:.0f} s", flush=True)
