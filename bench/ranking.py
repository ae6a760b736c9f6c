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
``bench/results.json``; then times 全镇概况's charts on the 100k town (``bench.dashboard``)
and merges ``dashboard_chart_ms``, the slowest chart.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import dj_database_url
import django
from django.conf import settings

from bench import ROOT
from bench.ranking_towns import (
    DEFAULT_URL,
    SIZES,
    built_version,
    database_url,
    timed_town,
    version,
)

RESULTS = Path(__file__).resolve().parent / "results.json"
TARGET_MS = 30.0
TARGET_RATIO = 2.0


def setup_django(urls: dict[str, str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DATABASE_URL"] = urls["100k"]
    settings.DATABASES  # noqa: B018 -- load the settings before adding to them
    for size, url in urls.items():
        settings.DATABASES[size] = dj_database_url.parse(url, conn_max_age=600)
    # The router lives outside this module: run as __main__, this module would be imported
    # a second time by the setting, with its own timed_town, which the timings would set in vain.
    settings.DATABASE_ROUTERS = ["bench.ranking_towns.BenchRouter"]
    django.setup()


# --- Timing -----------------------------------------------------------------------------


def cases(size: str) -> list[dict]:
    """The rankings timed, and for each the person in the middle and one near the bottom."""
    # Imported on use: this module (the entry point) is imported before setup_django(), and
    # models need the app registry.
    from points.models import ScopeTotal
    from points.periods import ALL_TIME, PeriodKind, period_key
    from volunteers.models import Organisation

    token = timed_town.set(size)
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
        timed_town.reset(token)


def time_case(size: str, case: dict) -> tuple[float, int | None]:
    # After setup_django(), as in cases().
    from points.selectors.rankings import ranking_place, ranking_top

    token = timed_town.set(size)
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
        timed_town.reset(token)


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
    # Only now: it imports the project's models, which need the app registry.
    from bench.ranking_build import build

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
    # 全镇概况's charts, on the same 100k town (bench.dashboard).
    from bench.dashboard import report, time_charts

    worst_chart = report(time_charts("100k", args.runs), args.runs)
    merge_results(
        {
            "ranking_ms_1k": round(worst_small, 2),
            "ranking_ms_100k": round(worst_large, 2),
            "ranking_ratio": round(ratio, 2),
            "dashboard_chart_ms": round(worst_chart, 2),
        }
    )
    print(f"merged into {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
