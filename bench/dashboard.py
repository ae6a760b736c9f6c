"""Dashboard benchmark: each chart of 全镇概况 at 100,000 people (issue 16).

    .venv/bin/python -m bench.dashboard [--runs 7]

Uses the ranking benchmark's 100k town (``<DATABASE_URL name>_100k``, built by
``bench.ranking_build`` when missing or stale: several minutes). Times each chart's
selector (``points.selectors.dashboard``) for the town and for its first community, over
the last 12 months, over 12 months read from the most period keys, and over last year;
each figure is the median of ``--runs`` runs after a warm-up. Prints a table and merges
``dashboard_chart_ms`` (the slowest chart's median) into ``bench/results.json``.
``bench.ranking`` calls ``time_charts`` on its own run, so ``make bench`` records it too.
"""

import argparse
import datetime
import os
import statistics
import sys
import time

from bench.ranking_towns import DEFAULT_URL, SIZES, built_version, database_url, timed_town, version

TARGET_MS = 100.0


def chart_cases(size: str) -> list[tuple[str, object, object]]:
    """(label, scope, window) for the town and a community: 12 months to now and to the
    last month of a quarter's first (the most period keys), and last year."""
    # Imported on use: the models need the app registry (setup_django() first).
    from points.selectors.dashboard_scope import dashboard_scope, dashboard_window
    from volunteers.models import Organisation

    token = timed_town.set(size)
    try:
        town = Organisation.objects.get(kind=Organisation.Kind.TOWN, depth=1)
        community = (
            Organisation.objects.filter(kind=Organisation.Kind.COMMUNITY).order_by("path").first()
        )
        this_month = dashboard_window().months[-1]
        last_year = str(int(this_month[:4]) - 1)
        # 12 months ending in January, April, July or October are read from the most
        # period keys (six: e.g. 2025-05, 2025-06, 2025Q3, 2025Q4, 2026Q1, 2026-04).
        worst = datetime.date(int(this_month[:4]), (int(this_month[5:]) - 1) // 3 * 3 + 1, 15)
        windows = (
            dashboard_window(),
            dashboard_window(today=worst),
            dashboard_window(last_year),
        )
        found = []
        for org in (town, community):
            scope = dashboard_scope(org)
            for window in windows:
                label = window.label
                if window.year == "" and window is not windows[0]:
                    label += f"（至{window.months[-1]}，{len(window.periods)}个期间）"
                found.append((f"{org.name} · {label}", scope, window))
        return found
    finally:
        timed_town.reset(token)


def charts() -> dict[str, object]:
    from points.selectors import dashboard

    return {
        "服务时长/月": dashboard.chart_service_by_month,
        "报到率/服务率": dashboard.chart_in_service,
        "活动类别": dashboard.chart_categories,
        "服务队前十": dashboard.chart_top_teams,
        "爱心超市/月": dashboard.chart_redemptions,
    }


def time_charts(size: str, runs: int) -> dict[str, float]:
    """{"<case> · <chart>": median ms} for every case and chart, in the town ``size``."""
    cases = chart_cases(size)
    timings: dict[str, list[float]] = {}
    token = timed_town.set(size)
    try:
        for run in range(runs + 1):  # the first is the warm-up
            for label, scope, window in cases:
                for name, build in charts().items():
                    started = time.perf_counter()
                    build(scope, window)
                    elapsed = (time.perf_counter() - started) * 1000
                    if run:
                        timings.setdefault(f"{label} · {name}", []).append(elapsed)
    finally:
        timed_town.reset(token)
    return {key: statistics.median(values) for key, values in timings.items()}


def report(medians: dict[str, float], runs: int) -> float:
    print()
    print(f"dashboard charts at 100k, median of {runs} runs (ms)")
    width = max(len(k) for k in medians) + 2
    for key, value in medians.items():
        print(f"{key:<{width}} {value:>8.2f}")
    worst = max(medians.values())
    print(f"{'slowest chart':<{width}} {worst:>8.2f}")
    ok = worst <= TARGET_MS
    print(f"target: ≤ {TARGET_MS:.0f} ms per chart at 100k — " + ("met" if ok else "NOT met"))
    return worst


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per chart (≥ 5)")
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    base = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not base.startswith(("postgres://", "postgresql://")):
        parser.error("the dashboard benchmark needs PostgreSQL (DATABASE_URL=postgres://…)")
    urls = {size: database_url(base, size) for size in SIZES}
    # The ranking benchmark's set-up: its router and both towns' connections.
    from bench.ranking import merge_results, setup_django

    setup_django(urls)
    if built_version(urls["100k"]) != version():
        from bench.ranking_build import build

        build("100k", urls["100k"], SIZES["100k"])
    worst = report(time_charts("100k", args.runs), args.runs)
    merge_results({"dashboard_chart_ms": round(worst, 2)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
