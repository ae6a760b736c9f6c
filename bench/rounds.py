"""The measured rounds: every kind of request, interleaved, against the bare view.

Import after ``django.setup()``: it counts the Attendance rows through ``bench.town``.
"""

from __future__ import annotations

import time

from bench import api_checkin
from bench.load import Phase, drive, forwarded_ip
from bench.meters import CpuSplit, PeakRss, median_split
from bench.servers import Server
from bench.stats import interleave, median, paired_ratios, percentile
from bench.town import attendance_count, checkin_token

# Each round measures every kind once; A is the server with the page cache, B without.
KINDS = ("bare", "checkin", "home_cached", "bare_nocache", "home_uncached")
SERVER_OF = {
    "bare": "A",
    "checkin": "A",
    "home_cached": "A",
    "bare_nocache": "B",
    "home_uncached": "B",
    "checkin_again": "A",  # only with ``again`` (bench.api_checkin)
    "api_checkin": "A",
}
CHECKIN_OK_MARK = b"checkin-result--ok"


def measure(
    args,
    servers: dict[str, Server],
    sessions: list[str],
    activity_id: int,
    warmup: int,
    *,
    again: list[tuple[int, str, str]] | None = None,
    scan_path: str = "",
):
    """``again``: (phone number, session key, access token) of the people who scan again
    (``bench.api_checkin``), with ``scan_path`` the API's scan; None leaves them out."""
    phones = iter(enumerate(sessions))
    token = {"value": checkin_token(activity_id)}
    again = again or []
    kinds = KINDS + (api_checkin.KINDS if again else ())

    def anonymous(server: Server, path: str):
        url = server.base + path
        return lambda number: (url, {})

    def checkin_request(number: int):
        index, key = next(phones)
        return (
            f"{servers['A'].base}/c/{token['value']}",
            {"Cookie": f"sessionid={key}", "X-Forwarded-For": forwarded_ip(index)},
        )

    def again_request(number: int):
        index, key, _access = again[number % len(again)]
        return (
            f"{servers['A'].base}/c/{token['value']}",
            {"Cookie": f"sessionid={key}", "X-Forwarded-For": forwarded_ip(index)},
        )

    def api_request(number: int):
        index, _key, access = again[number % len(again)]
        return (
            servers["A"].base + scan_path,
            {
                "Authorization": f"Bearer {access}",
                "Content-Type": "application/json",
                "X-Forwarded-For": forwarded_ip(index),
            },
            api_checkin.scan_body(token["value"]),
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
        "checkin_again": (
            again_request,
            lambda status, headers, body: status == 200 and api_checkin.AGAIN_MARK in body,
        ),
        "api_checkin": (
            api_request,
            lambda status, headers, body: status == 200 and api_checkin.API_AGAIN_MARK in body,
        ),
    }
    concurrency = args.concurrency
    # Warm every worker: connections, templates, the page cache. The warm-up check-ins are
    # real too, so a refused one stops the run before anything is measured.
    request, accept = requests["checkin"]
    warm = drive("checkin", request, accept, seconds=30, concurrency=concurrency, budget=warmup)
    if warm.failed:
        raise SystemExit(f"bench: warm-up check-ins refused: {warm.failures[:3]}")
    accepted = warm.ok
    if again:
        # The people who scan again check in once, for real, before anything is measured.
        warm = drive(
            "checkin",
            again_request,
            checked_in,
            seconds=60,
            concurrency=concurrency,
            budget=len(again),
        )
        if warm.failed or warm.ok != len(again):
            raise SystemExit(
                f"bench: check-ins of those who scan again refused: {warm.failures[:3]}"
            )
        accepted += warm.ok
    for kind in kinds:
        if kind != "checkin":
            drive(kind, requests[kind][0], lambda *a: True, seconds=1.0, concurrency=concurrency)

    measured: dict[str, list[Phase]] = {kind: [] for kind in kinds}
    meter = CpuSplit(servers["A"])
    splits: dict[str, list] = {"checkin": [], "bare": []}
    splits.update({kind: [] for kind in kinds if kind in api_checkin.KINDS})
    with PeakRss(servers["A"]) as rss:
        for number, kind in interleave(kinds, args.rounds):
            request, accept = requests[kind]
            budget = None
            if kind == "checkin":
                token["value"] = checkin_token(activity_id)  # the screen's code of the moment
                budget = args.checkins_per_round
                rss.active.set()
            elif kind in api_checkin.KINDS:
                budget = len(again)  # each scans once a phase: well under the person's limit
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
    if again:
        results["api_checkin_rps"] = round(median(rps["api_checkin"]), 2)
        results["checkin_again_rps"] = round(median(rps["checkin_again"]), 2)
        results["api_checkin_ratio"] = api_checkin.cpu_ratio(
            splits["api_checkin"], splits["checkin_again"]
        )
    return results
